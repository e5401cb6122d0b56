/* waits.c - what the engine waits for, kept for a progress display. */
#include "waits.h"

#include <stdio.h>
#include <string.h>

#include "net.h"
#include "text.h"

/* "waiting for " + these; WAITS_REPLY adds its verb. */
static const char *const waits_names[WAITS_KIND_COUNT] = {
	[WAITS_NONE] = "nothing",
	[WAITS_RESOLVE] = "the address (DNS)",
	[WAITS_CONNECT] = "the connection",
	[WAITS_GREETING] = "the greeting",
	[WAITS_REPLY] = "the reply",
	[WAITS_TLS] = "the TLS handshake",
	[WAITS_CLOSE] = "the server to close the session",
	[WAITS_SERVER] = "the server to take connections again",
};

void waits_init(struct waits *w)
{
	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
}

void waits_destroy(struct waits *w)
{
	pthread_mutex_destroy(&w->lock);
}

void waits_set(struct waits *w, unsigned conn, enum waits_kind kind, const char *verb)
{
	struct waits_slot *s;

	if (w == NULL)
		return;
	if (verb == NULL)
		verb = "";
	s = &w->slot[conn % WAITS_SLOTS];
	pthread_mutex_lock(&w->lock);
	/* The same wait said again goes on (a greeting waited for in two steps). */
	if (s->kind != kind || strcmp(s->verb, verb) != 0) {
		s->kind = kind;
		text_copy(s->verb, sizeof(s->verb), verb);
		s->since_ms = net_now_ms();
	}
	pthread_mutex_unlock(&w->lock);
}

void waits_clear(struct waits *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	memset(w->slot, 0, sizeof(w->slot));
	pthread_mutex_unlock(&w->lock);
}

int64_t waits_describe(struct waits *w, int64_t now_ms, char *buf, size_t cap, unsigned *n)
{
	struct waits_slot oldest = { WAITS_NONE, "", 0 };
	int64_t age;

	buf[0] = '\0';
	*n = 0;
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < WAITS_SLOTS; i++) {
		const struct waits_slot *s = &w->slot[i];

		if (s->kind == WAITS_NONE)
			continue;
		(*n)++;
		if (oldest.kind == WAITS_NONE || s->since_ms < oldest.since_ms)
			oldest = *s;
	}
	pthread_mutex_unlock(&w->lock);
	if (*n == 0)
		return -1;
	age = now_ms - oldest.since_ms;
	if (age < 0)
		age = 0;
	snprintf(buf, cap, "waiting for %s%s%s, %lld s", waits_names[oldest.kind],
		 oldest.verb[0] != '\0' ? " to " : "", oldest.verb, (long long)(age / 1000));
	return age;
}
