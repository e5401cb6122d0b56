/* transcript.h - the SMTP dialogue as the user sees it with --verbose.
 *
 * A bounded, growing text buffer: "-> " marks what we sent, "<- " what the
 * server sent ("TLS -> ", "TLS <- " over TLS), "== " where connections
 * begin and end and what the engine decided. Server text is
 * sanitised on the way in. Every line starts with the seconds since the
 * target's run began and the connection it belongs to ("  0.012 c2 -> RSET"),
 * so a reader sees where a server slowed the run. Several connections may
 * write at once: each line is added whole, under a lock. Past TRANSCRIPT_MAX
 * bytes the rest is dropped and a single line says so. */
#ifndef RELAYTEST_TRANSCRIPT_H
#define RELAYTEST_TRANSCRIPT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define TRANSCRIPT_MAX ((size_t)512 * 1024)

struct transcript {
	char *buf; /* owned; NULL until the first line */
	size_t len, cap;
	int enabled;
	int truncated;
	int64_t start_ms; /* the monotonic time lines are stamped from */
	pthread_mutex_t lock;
};

/* Start an empty transcript; records only when enabled is nonzero. */
void transcript_init(struct transcript *t, int enabled);

/* Append marker ("-> ", "<- ", "== ") and the raw bytes of one line of
 * connection conn (0: none), sanitised. Silently stops at TRANSCRIPT_MAX or
 * when memory runs out. */
void transcript_add(struct transcript *t, unsigned conn, const char *marker, const char *data,
		    size_t len);

/* Append a printf-style note after "== " (no connection). */
void transcript_note(struct transcript *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The same, for connection conn. */
void transcript_conn_note(struct transcript *t, unsigned conn, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Once the run is over: the lines grouped by connection, for a reader who
 * follows one dialogue at a time. Lines of no connection (the engine's
 * decisions) come first, then each connection's lines together, in the
 * order the connections began, each group after a blank line. Stamps are
 * kept, so the order in time can still be read. Without memory for it the
 * order is left as it was. */
void transcript_group(struct transcript *t);

/* Free the buffer. */
void transcript_free(struct transcript *t);

#endif
