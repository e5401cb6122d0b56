/* waits.h - what the engine is waiting for, for a progress display.
 *
 * The engine marks where it waits (the address, a connection, the
 * greeting, a reply, a TLS handshake, the server to close or to take
 * connections again) and when the wait began; a display thread reads it.
 * The engine never prints. Each connection has a slot of its own, so
 * several connections may wait at once; every call takes the lock for a
 * few stores, and does nothing when the struct pointer is NULL (no display). */
#ifndef RELAYTEST_WAITS_H
#define RELAYTEST_WAITS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

enum waits_kind {
	WAITS_NONE,
	WAITS_RESOLVE,	/* the target's address (DNS) */
	WAITS_CONNECT,	/* a TCP connection */
	WAITS_GREETING, /* the 220 greeting */
	WAITS_REPLY,	/* the reply to a command (its verb is kept) */
	WAITS_TLS,	/* a TLS handshake */
	WAITS_CLOSE,	/* the server to end a session we QUIT */
	WAITS_SERVER,	/* the server to take connections again */
	WAITS_KIND_COUNT
};

/* Slots: a connection's number modulo this (the engine holds at most
 * ENGINE_CONNECTIONS_MAX at once); slot 0 is also the target's own. */
#define WAITS_SLOTS 40
#define WAITS_VERB_MAX 16

struct waits_slot {
	enum waits_kind kind;
	char verb[WAITS_VERB_MAX]; /* WAITS_REPLY: "RCPT", "EHLO" ... */
	int64_t since_ms;	   /* net_now_ms() when the wait began */
};

struct waits {
	pthread_mutex_t lock;
	struct waits_slot slot[WAITS_SLOTS];
};

/* Start with nothing waited for; waits_destroy frees the lock. */
void waits_init(struct waits *w);
void waits_destroy(struct waits *w);

/* Connection conn (0: the target itself, before any connection) now waits
 * for kind (verb: the command whose reply it waits for, or NULL); WAITS_NONE
 * ends its wait. The wait it already has, said again, keeps its start.
 * No-op when w is NULL. */
void waits_set(struct waits *w, unsigned conn, enum waits_kind kind, const char *verb);

/* Forget every wait (a new target begins). */
void waits_clear(struct waits *w);

/* The oldest wait at now_ms in words, into buf: "waiting for the greeting,
 * 8 s"; *n gets how many waits there are. Returns how long the oldest has
 * lasted in ms, or -1 (buf "") when nothing is waited for. */
int64_t waits_describe(struct waits *w, int64_t now_ms, char *buf, size_t cap, unsigned *n);

#endif
