/* first.c - a target's first connection, alone until the server has shown
 * that it speaks SMTP: its greeting and EHLO decide the plan. A server
 * silent at first may want TLS from the first byte (wrapper mode on any
 * port): a second connection asks while the first keeps waiting. One that
 * sends nothing, or refuses us only after a silence, may wait for a PROXY
 * header: one more connection begins with one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runner.h"

/* A first connection that was accepted and then dropped, or told 421, is
 * worth one more try; an unreachable or refusing server is not. */
static int transient(const struct session *s, const struct rt_error *err)
{
	return err->kind == ERR_CLOSED || (err->kind == ERR_REFUSED && s->last_code == 421);
}

/* The TLS probe on the silent connection itself found TLS: connect again
 * with TLS. */
static int again_with_tls(struct engine *eng, struct runner *r, struct rt_error *err)
{
	char why[ERROR_MSG_MAX];

	transcript_note(&eng->res->log, "the server speaks TLS on connect: again with TLS");
	error_clear(err);
	r->s.tls_want = eng->tls_relay;
	if (conn_open(r, NULL, err) == 0)
		return 0;
	text_copy(why, sizeof(why), err->msg);
	error_set(err, err->kind, "it expects TLS on connect (as on port 465), and over TLS: %s",
		  why);
	return -1;
}

/* Whether a silent server is worth asking about TLS on a second connection. */
static int race_worth(const struct engine *eng, const struct runner *r)
{
	return eng->p->tls == ENGINE_TLS_AUTO && eng->tls_relay == SESSION_TLS_NONE &&
	       r->s.timeout_ms > RUN_TLS_RACE_MS && eng->p->connect_hook == NULL;
}

/* The first connection has been silent: try TLS on connect on a second
 * one, for RUN_TLS_RACE_TRY_MS at most. When it answers, it replaces the
 * first (closed) and every test runs over implicit TLS; returns 1. */
static int tls_race(struct engine *eng, struct runner *r)
{
	struct runner *second = calloc(1, sizeof(*second));
	struct rt_error err;
	int won;

	if (second == NULL)
		return 0;
	*second = *r;
	error_clear(&err);
	session_init(&second->s, &eng->res->log,
		     r->s.timeout_ms < RUN_TLS_RACE_TRY_MS ? r->s.timeout_ms : RUN_TLS_RACE_TRY_MS,
		     r->s.end_ms);
	second->s.tls_want = SESSION_TLS_IMPLICIT;
	second->s.waits = eng->p->waits;
	transcript_note(&eng->res->log,
			"no greeting within %.1f s: asking on a second connection whether the "
			"server speaks TLS on connect",
			RUN_TLS_RACE_MS / 1000.0);
	eng->res->max_connections = 2; /* both are open now */
	won = conn_open(second, NULL, &err) == 0;
	if (won) {
		session_close(&r->s, "the second connection, over TLS, answered first");
		r->s = second->s;
		r->s.timeout_ms = eng->p->timeout_ms;
		r->fresh = r->idle = 1;
		eng->tls_relay = eng->tls_auth = SESSION_TLS_IMPLICIT;
		transcript_note(&eng->res->log, "the server speaks TLS on connect");
	} else {
		session_close(&second->s, err.msg);
	}
	free(second);
	return won;
}

/* Connect, and when the server stays silent, race TLS on connect against
 * its greeting; then greet. */
static int open_first(struct engine *eng, struct runner *r, struct rt_error *err)
{
	if (!race_worth(eng, r))
		return conn_open(r, NULL, err);
	if (conn_dial(r, err) < 0)
		return -1;
	/* libssl is loaded only now, for a server that is silent. */
	if (!session_heard(&r->s, RUN_TLS_RACE_MS) && tls_available(NULL) && tls_race(eng, r))
		return 0;
	if (session_hear_greeting(&r->s, err) < 0)
		return -1;
	return conn_greet(r, NULL, err);
}

/* Whether the first connection shows a server that waits for a PROXY
 * header: no byte at all (a plain answer to our TLS probe counts as none);
 * a 421 after RUN_PROXY_SILENCE_MS or more of silence (Postfix's
 * smtpd_upstream_proxy_timeout: "421 4.3.0 ... Server local error" at 5 s;
 * postscreen's "421 4.3.2 No system resources"); or a 503 to EHLO that
 * names it (Exim's hosts_proxy: "503 Command refused, required Proxy
 * negotiation failed", after a greeting 3 s late). A server that greeted
 * and took our EHLO never gets a header. */
static int proxy_wanted(const struct session *s)
{
	char line[REPLY_TEXT_MAX];

	if (s->silent)
		return 1;
	if (s->greeting.code == 421 && s->greeting_ms >= RUN_PROXY_SILENCE_MS)
		return 1;
	return s->hello.code == 503 && reply_line(&s->hello, 0, line, sizeof(line)) == 0 &&
	       text_contains_ci(line, "proxy");
}

/* The server may wait for a PROXY header, as behind a load balancer: ask
 * on a new connection that begins with one from our own address (what a
 * proxy in front of it would say). Returns 0 when the server greeted after
 * it: every connection sends one from then on. */
static int proxy_try(struct engine *eng, struct runner *r)
{
	int timeout_ms = r->s.timeout_ms;

	transcript_note(&eng->res->log,
			"no greeting fit for SMTP: a new connection that begins with a PROXY "
			"header, as a proxy in front of the server would send");
	r->s.timeout_ms = timeout_ms < RUN_PROXY_TRY_MS ? timeout_ms : RUN_PROXY_TRY_MS;
	/* A server that closes on the text header without a word may take
	 * only the binary one (OpenSMTPD's proxy-v2). */
	for (eng->proxy = 1; eng->proxy <= 2; eng->proxy++) {
		struct rt_error err;

		error_clear(&err);
		r->s.tls_want = eng->tls_relay;
		if (conn_open(r, NULL, &err) == 0) {
			r->s.timeout_ms = timeout_ms;
			eng->res->proxy = eng->proxy;
			transcript_note(&eng->res->log,
					"the server greets after a PROXY v%d header", eng->proxy);
			return 0;
		}
		transcript_note(&eng->res->log, "no greeting after a PROXY v%d header either (%s)",
				eng->proxy, err.msg);
		if (!(r->s.silent && err.kind == ERR_CLOSED))
			break;
	}
	r->s.timeout_ms = timeout_ms;
	eng->proxy = 0;
	return -1;
}

int first_connect(struct engine *eng, struct runner *r, struct rt_error *err)
{
	r->s.tls_want = eng->tls_relay;
	if (open_first(eng, r, err) == 0)
		return 0;
	if (tlsplan_implicit_retry(eng, &r->s, err))
		return again_with_tls(eng, r, err);
	if (proxy_wanted(&r->s) && eng->p->connect_hook == NULL) {
		size_t used = strlen(err->msg);

		if (proxy_try(eng, r) == 0) {
			error_clear(err);
			return 0;
		}
		snprintf(err->msg + used, sizeof(err->msg) - used,
			 "; a PROXY header got no greeting either");
	}
	if (r->s.open || !transient(&r->s, err))
		return -1;
	/* A drop or 421 during the greeting may be a passing overload, or a
	 * connection limit still counting an earlier run: wait a second. */
	transcript_note(&eng->res->log, "first connection failed (%s); trying once more", err->msg);
	error_clear(err);
	if (r->s.end_ms - net_now_ms() > 2000)
		nanosleep(&(struct timespec){ 1, 0 }, NULL);
	return conn_open(r, NULL, err);
}
