/* tally.c - the run summary: counts by result, names where they matter. */
#include "tally.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

void tally_add(struct tally *t, const struct target_result *res)
{
	size_t *n = &t->n[res->status];

	if (res->status != RUN_CLOSED && *n < TALLY_NAMES_MAX) {
		char name[TARGET_LABEL_MAX];

		/* host:port (with the address, for one of a name's several), as
		 * every report's header names it. */
		target_label(&res->target, TARGET_HOST_PORT, name, sizeof(name));
		text_sanitize(t->names[res->status][*n], sizeof(t->names[0][0]), name,
			      strlen(name));
	}
	(*n)++;
	t->total++;
}

/* A growing line in a fixed buffer: appends stop quietly when it is full. */
struct line {
	char *buf;
	size_t cap, used;
};

static void append(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void append(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (l->used + 1 >= l->cap)
		return;
	va_start(ap, fmt);
	w = vsnprintf(l->buf + l->used, l->cap - l->used, fmt, ap);
	va_end(ap);
	if (w > 0)
		l->used = l->used + (size_t)w < l->cap ? l->used + (size_t)w : l->cap - 1;
}

/* "2 inconclusive (mx3:25, mx4:25)" after the separator; nothing for none. */
static void add_result(struct line *l, const struct tally *t, enum run_status st, const char *one,
		       const char *many, const char **sep)
{
	size_t n = t->n[st];
	size_t named = n < TALLY_NAMES_MAX ? n : TALLY_NAMES_MAX;

	if (n == 0)
		return;
	append(l, "%s%zu %s", *sep, n, n == 1 ? one : many);
	*sep = ", ";
	if (st == RUN_CLOSED)
		return; /* nothing to do about them: a number is enough */
	for (size_t i = 0; i < named; i++)
		append(l, "%s%s", i == 0 ? " (" : ", ", t->names[st][i]);
	if (n > named)
		append(l, " and %zu more", n - named);
	append(l, ")");
}

void tally_line(const struct tally *t, char *buf, size_t cap)
{
	struct line l = { buf, cap, 0 };
	const char *sep = ": ";

	if (cap == 0)
		return;
	buf[0] = '\0';
	append(&l, "%zu %s", t->total, t->total == 1 ? "server" : "servers");
	/* What needs attention first, in the order of the exit status (1, 3, 2, 0). */
	add_result(&l, t, RUN_OPEN, "open relay", "open relays", &sep);
	add_result(&l, t, RUN_UNTESTED, "not tested", "not tested", &sep);
	add_result(&l, t, RUN_INCONCLUSIVE, "inconclusive", "inconclusive", &sep);
	add_result(&l, t, RUN_CLOSED, "closed", "closed", &sep);
}
