/* transcript.h - the SMTP dialogue as the user sees it with --verbose.
 *
 * A bounded, growing text buffer: "-> " marks what we sent, "<- " what the
 * server sent, "== " where connections begin and end. Server text is
 * sanitised on the way in. Past TRANSCRIPT_MAX bytes the rest is dropped and
 * a single line says so. */
#ifndef RELAYTEST_TRANSCRIPT_H
#define RELAYTEST_TRANSCRIPT_H

#include <stddef.h>

#define TRANSCRIPT_MAX ((size_t)512 * 1024)

struct transcript {
	char *buf; /* owned; NULL until the first line */
	size_t len, cap;
	int enabled;
	int truncated;
};

/* Start an empty transcript; records only when enabled is nonzero. */
void transcript_init(struct transcript *t, int enabled);

/* Append marker ("-> ", "<- ", "== ") and the raw bytes of one line,
 * sanitised. Silently stops at TRANSCRIPT_MAX or when memory runs out. */
void transcript_add(struct transcript *t, const char *marker, const char *data, size_t len);

/* Append a printf-style note after "== ". */
void transcript_note(struct transcript *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Free the buffer. */
void transcript_free(struct transcript *t);

#endif
