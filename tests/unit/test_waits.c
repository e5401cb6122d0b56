/* test_waits.c - what the engine waits for, in the progress line's words. */
#include <string.h>

#include "check.h"
#include "net.h"
#include "waits.h"

void test_waits_describe(void);

void test_waits_describe(void)
{
	struct waits w;
	char buf[160];
	unsigned n = 9;
	int64_t now;

	waits_init(&w);
	now = net_now_ms();
	CHECK_INT(waits_describe(&w, now, buf, sizeof(buf), &n), -1);
	CHECK_STR(buf, "");
	CHECK_INT(n, 0);
	waits_set(NULL, 1, WAITS_GREETING, NULL); /* no display: nothing, no crash */

	waits_set(&w, 1, WAITS_GREETING, NULL);
	w.slot[1].since_ms = now - 8200;
	CHECK_INT(waits_describe(&w, now, buf, sizeof(buf), &n), 8200);
	CHECK_STR(buf, "waiting for the greeting, 8 s");
	CHECK_INT(n, 1);
	/* The same wait said again goes on; another kind starts afresh. */
	waits_set(&w, 1, WAITS_GREETING, NULL);
	CHECK(w.slot[1].since_ms == now - 8200);

	/* Several connections: the oldest wait is named, all are counted. */
	waits_set(&w, 2, WAITS_REPLY, "RCPT");
	w.slot[2].since_ms = now - 9500;
	waits_set(&w, 3, WAITS_TLS, NULL);
	CHECK_INT(waits_describe(&w, now, buf, sizeof(buf), &n), 9500);
	CHECK_STR(buf, "waiting for the reply to RCPT, 9 s");
	CHECK_INT(n, 3);
	waits_set(&w, 2, WAITS_NONE, NULL);
	waits_set(&w, 1, WAITS_NONE, NULL);
	waits_describe(&w, net_now_ms(), buf, sizeof(buf), &n);
	CHECK_STR(buf, "waiting for the TLS handshake, 0 s");
	CHECK_INT(n, 1);
	/* Connection 41 shares connection 1's slot: never more than 40 at once. */
	waits_set(&w, 1 + WAITS_SLOTS, WAITS_SERVER, NULL);
	CHECK_INT(w.slot[1].kind, WAITS_SERVER);
	waits_clear(&w);
	CHECK_INT(waits_describe(&w, now, buf, sizeof(buf), &n), -1);
	waits_destroy(&w);
}
