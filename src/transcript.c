/* transcript.c - bounded dialogue log for --verbose. */
#include "transcript.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

void transcript_init(struct transcript *t, int enabled)
{
	memset(t, 0, sizeof(*t));
	t->enabled = enabled;
}

static int reserve(struct transcript *t, size_t more)
{
	size_t want = t->len + more + 1;
	char *bigger;

	if (want <= t->cap)
		return 0;
	if (want > TRANSCRIPT_MAX)
		return -1;
	want = want < 4096 ? 4096 : want * 2;
	if (want > TRANSCRIPT_MAX)
		want = TRANSCRIPT_MAX;
	bigger = realloc(t->buf, want);
	if (bigger == NULL)
		return -1;
	t->buf = bigger;
	t->cap = want;
	return 0;
}

void transcript_add(struct transcript *t, const char *marker, const char *text, size_t len)
{
	/* Worst case every byte becomes a four-byte escape. */
	size_t need = strlen(marker) + len * 4 + 1;
	static const char cut[] = "== transcript truncated here\n";

	if (!t->enabled || t->truncated)
		return;
	if (reserve(t, need) < 0) {
		t->truncated = 1;
		if (reserve(t, sizeof(cut)) == 0) {
			memcpy(t->buf + t->len, cut, sizeof(cut));
			t->len += sizeof(cut) - 1;
		}
		return;
	}
	t->len += (size_t)snprintf(t->buf + t->len, t->cap - t->len, "%s", marker);
	t->len += text_sanitize(t->buf + t->len, t->cap - t->len, text, len);
	t->buf[t->len++] = '\n';
	t->buf[t->len] = '\0';
}

void transcript_note(struct transcript *t, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	if (!t->enabled)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	transcript_add(t, "== ", line, strlen(line));
}

void transcript_free(struct transcript *t)
{
	free(t->buf);
	memset(t, 0, sizeof(*t));
}
