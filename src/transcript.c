/* transcript.c - bounded dialogue log for --verbose. */
#include "transcript.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "text.h"

void transcript_init(struct transcript *t, int enabled)
{
	memset(t, 0, sizeof(*t));
	t->enabled = enabled;
	t->start_ms = net_now_ms();
	pthread_mutex_init(&t->lock, NULL);
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

/* The line's stamp: seconds since the start, and the connection. */
static size_t stamp(const struct transcript *t, unsigned conn, char *buf, size_t cap)
{
	long ms = (long)(net_now_ms() - t->start_ms);
	int n;

	if (conn > 0)
		n = snprintf(buf, cap, "%4ld.%03ld c%-2u ", ms / 1000, ms % 1000, conn);
	else
		n = snprintf(buf, cap, "%4ld.%03ld     ", ms / 1000, ms % 1000);
	return n < 0 ? 0 : (size_t)n;
}

static void add_locked(struct transcript *t, unsigned conn, const char *marker, const char *text,
		       size_t len)
{
	char prefix[48];
	size_t plen = stamp(t, conn, prefix, sizeof(prefix));
	/* Worst case every byte becomes a four-byte escape. */
	size_t need = plen + strlen(marker) + len * 4 + 1;
	static const char cut[] = "== transcript truncated here\n";

	if (t->truncated)
		return;
	if (reserve(t, need) < 0) {
		t->truncated = 1;
		if (reserve(t, sizeof(cut)) == 0) {
			memcpy(t->buf + t->len, cut, sizeof(cut));
			t->len += sizeof(cut) - 1;
		}
		return;
	}
	t->len += (size_t)snprintf(t->buf + t->len, t->cap - t->len, "%s%s", prefix, marker);
	t->len += text_sanitize(t->buf + t->len, t->cap - t->len, text, len);
	t->buf[t->len++] = '\n';
	t->buf[t->len] = '\0';
}

void transcript_add(struct transcript *t, unsigned conn, const char *marker, const char *text,
		    size_t len)
{
	if (!t->enabled)
		return;
	pthread_mutex_lock(&t->lock);
	add_locked(t, conn, marker, text, len);
	pthread_mutex_unlock(&t->lock);
}

static void vnote(struct transcript *t, unsigned conn, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void vnote(struct transcript *t, unsigned conn, const char *fmt, va_list ap)
{
	char line[512];
	int n = vsnprintf(line, sizeof(line), fmt, ap);

	if (n >= 0)
		transcript_add(t, conn, "== ", line, strlen(line));
}

void transcript_note(struct transcript *t, const char *fmt, ...)
{
	va_list ap;

	if (!t->enabled)
		return;
	va_start(ap, fmt);
	vnote(t, 0, fmt, ap);
	va_end(ap);
}

void transcript_conn_note(struct transcript *t, unsigned conn, const char *fmt, ...)
{
	va_list ap;

	if (!t->enabled)
		return;
	va_start(ap, fmt);
	vnote(t, conn, fmt, ap);
	va_end(ap);
}

void transcript_free(struct transcript *t)
{
	free(t->buf);
	pthread_mutex_destroy(&t->lock);
	memset(t, 0, sizeof(*t));
}
