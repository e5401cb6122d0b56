/* transcript.c - bounded dialogue log for --verbose. */
#include "transcript.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
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

/* One line of the buffer: where it is, and its connection (0: none). */
struct line_ref {
	size_t at, len; /* len includes the newline */
	unsigned conn;
	size_t next; /* the next line of the same connection; SIZE_MAX: none */
};

/* The connection a line's stamp names ("  0.012 c2  -> RSET"), or 0. */
static unsigned line_conn(const char *line, size_t len)
{
	size_t i = 0;
	unsigned conn = 0;

	while (i < len && line[i] == ' ')
		i++;
	while (i < len && line[i] != ' ') /* the seconds */
		i++;
	if (i + 2 >= len || line[i + 1] != 'c' || !isdigit((unsigned char)line[i + 2]))
		return 0;
	for (i += 2; i < len && isdigit((unsigned char)line[i]) && conn < 100000000; i++)
		conn = conn * 10 + (unsigned)(line[i] - '0');
	return conn;
}

/* The buffer's lines, each with its connection (caller frees); n gets how
 * many, top the highest connection named. NULL when memory is short. */
static struct line_ref *split_lines(const struct transcript *t, size_t *n, unsigned *top)
{
	struct line_ref *lines;
	size_t count = 0;

	for (size_t i = 0; i < t->len; i++)
		count += t->buf[i] == '\n';
	lines = calloc(count + 1, sizeof(*lines));
	if (lines == NULL)
		return NULL;
	*n = 0;
	*top = 0;
	for (size_t at = 0; at < t->len;) {
		const char *nl = memchr(t->buf + at, '\n', t->len - at);
		size_t len = nl != NULL ? (size_t)(nl - (t->buf + at)) + 1 : t->len - at;
		struct line_ref *l = &lines[(*n)++];

		l->at = at;
		l->len = len;
		l->conn = line_conn(t->buf + at, len);
		l->next = SIZE_MAX;
		if (l->conn > *top)
			*top = l->conn;
		at += len;
	}
	return lines;
}

/* Chain each connection's lines in order through next. Returns 0, or -1
 * when memory is short. */
static int chain_lines(struct line_ref *lines, size_t n, unsigned top)
{
	size_t *last = malloc(((size_t)top + 1) * sizeof(*last));

	if (last == NULL)
		return -1;
	for (size_t c = 0; c <= top; c++)
		last[c] = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		unsigned c = lines[i].conn;

		if (c > 0 && last[c] != SIZE_MAX)
			lines[last[c]].next = i;
		last[c] = i;
	}
	free(last);
	return 0;
}

/* Into out: the lines of no connection (the engine's decisions) first,
 * then each connection whole, in the order they began, a blank line
 * before each. placed holds top + 1 zeroes. Returns the length. */
static size_t write_grouped(const struct transcript *t, const struct line_ref *lines, size_t n,
			    unsigned char *placed, char *out)
{
	size_t used = 0;

	for (size_t i = 0; i < n; i++) {
		if (lines[i].conn != 0)
			continue;
		memcpy(out + used, t->buf + lines[i].at, lines[i].len);
		used += lines[i].len;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned c = lines[i].conn;

		if (c == 0 || placed[c])
			continue;
		placed[c] = 1;
		if (used > 0)
			out[used++] = '\n';
		for (size_t k = i; k != SIZE_MAX; k = lines[k].next) {
			memcpy(out + used, t->buf + lines[k].at, lines[k].len);
			used += lines[k].len;
		}
	}
	out[used] = '\0';
	return used;
}

void transcript_group(struct transcript *t)
{
	struct line_ref *lines;
	size_t n = 0, cap;
	unsigned top = 0;
	char *out = NULL;
	unsigned char *placed = NULL;

	if (t->len == 0)
		return;
	lines = split_lines(t, &n, &top);
	if (lines == NULL || chain_lines(lines, n, top) < 0)
		goto done;
	cap = t->len + n + 2; /* a blank line before each connection's lines */
	out = malloc(cap);
	placed = calloc((size_t)top + 1, 1);
	if (out == NULL || placed == NULL)
		goto done;
	t->len = write_grouped(t, lines, n, placed, out);
	free(t->buf);
	t->buf = out;
	t->cap = cap;
	out = NULL;
done:
	free(out);
	free(lines);
	free(placed);
}

void transcript_free(struct transcript *t)
{
	free(t->buf);
	pthread_mutex_destroy(&t->lock);
	memset(t, 0, sizeof(*t));
}
