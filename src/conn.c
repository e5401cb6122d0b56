/* conn.c - one connection made fit for the next test: opened and greeted,
 * greeted again, or closed; fewer connections when the server refuses
 * extra ones, waits when it refuses even one. */
#include <string.h>
#include <time.h>

#include "claim.h"
#include "runner.h"

/* Count a new connection of the target's as r's. */
static void count_connection(struct runner *r)
{
	pthread_mutex_lock(&r->eng->lock);
	r->s.number = ++r->res->connections;
	pthread_mutex_unlock(&r->eng->lock);
}

/* The first connection made (its greeting may still fail) gives the
 * target's address and ours, so that a report says where it went even
 * when nothing could be tested; learn() keeps the one tests ran on. */
static void note_addresses(struct runner *r)
{
	struct target_result *res = r->res;

	if (r->s.conn.peer_addr[0] == '\0')
		return;
	pthread_mutex_lock(&r->eng->lock);
	if (res->address[0] == '\0') {
		text_copy(res->address, sizeof(res->address), r->s.conn.peer_addr);
		text_copy(res->local_address, sizeof(res->local_address), r->s.conn.local_addr);
	}
	pthread_mutex_unlock(&r->eng->lock);
}

/* Whether the next connection begins with a PROXY header, and from what
 * address ("": ours; a PROXY trust test claims its own). */
static void set_proxy(struct runner *r, const char *from)
{
	r->s.proxy = r->eng->proxy;
	text_copy(r->s.proxy_from, sizeof(r->s.proxy_from), from);
}

int conn_dial(struct runner *r, struct rt_error *err)
{
	int rc;

	count_connection(r);
	set_proxy(r, "");
	rc = session_dial(&r->s, r->eng->peer, r->res->target.host, err);
	note_addresses(r);
	return rc;
}

int conn_greet(struct runner *r, const char *name, struct rt_error *err)
{
	const char *use = name != NULL ? name : r->res->helo[0] != '\0' ? r->res->helo : NULL;
	int rc = session_greet(&r->s, use, err);

	if (rc == 0)
		tlsplan_note(r->eng, &r->s);
	r->fresh = 1;
	r->idle = 1;
	r->dirty = 0;
	return rc;
}

/* conn_open, with a PROXY header from proxy_from when the server wants one. */
static int open_as(struct runner *r, const char *name, const char *proxy_from, struct rt_error *err)
{
	int rc;

	count_connection(r);
	set_proxy(r, proxy_from);
	rc = session_connect(&r->s, r->eng->peer, r->res->target.host, err);
	note_addresses(r);
	if (rc < 0)
		return -1;
	return conn_greet(r, name, err);
}

int conn_open(struct runner *r, const char *name, struct rt_error *err)
{
	return open_as(r, name, "", err);
}

/* Close r's session. When connections are scarce, wait for the server to
 * end it first: a reconnect would otherwise meet "421 too many connections"
 * for a session that is over. Exim counts a session until it has reaped its
 * process, a moment after the close: a little longer there. */
void conn_quit(struct runner *r)
{
	struct engine *eng = r->eng;
	int scarce = r->keep && !r->costly;

	int closed_by_server = 0;

	if (!r->s.open)
		return;
	if (scarce)
		closed_by_server = session_quit_wait(&r->s, RUN_CLOSE_WAIT_MS);
	else
		session_quit(&r->s);
	if (closed_by_server && eng->quirk->counts_until_closed)
		nanosleep(&(struct timespec){ 0, RUN_REAP_MS * 1000000L }, NULL);
	pthread_mutex_lock(&eng->lock);
	r->res->waited_for_close |= closed_by_server;
	eng->last_quit_ms = net_now_ms();
	pthread_mutex_unlock(&eng->lock);
}

enum next_conn {
	CONN_KEEP,    /* the next test runs on this connection as it is */
	CONN_REGREET, /* ... after EHLO again (connections are scarce or costly) */
	CONN_FRESH    /* on a new connection */
};

/* Where the next test runs. A HELO-trust test greets with its own name and
 * an AUTH test needs a connection where nothing else ran: a new connection
 * each, or, when new ones are refused or costly, EHLO again on this one. */
static enum next_conn next_connection(const struct runner *r, const struct relay_case *tc)
{
	const char *name = r->lane->helo != NULL ? r->lane->helo : r->res->helo;

	if (!r->s.open || r->dirty || cases_claims(tc) ||
	    r->s.tls_want != tlsplan_for(r->eng, tc) ||
	    r->s.rejections + 2 > batch_error_budget(r) || batch_tests_room(r) == 0)
		return CONN_FRESH;
	if (strcmp(r->s.helo, name) != 0 || (tc->group == CASE_AUTH && !r->fresh))
		return r->keep ? CONN_REGREET : CONN_FRESH;
	return CONN_KEEP;
}

/* EHLO again on this connection, with the lane's name. */
static int regreet(struct runner *r, const char *name, struct rt_error *err)
{
	const char *use = name != NULL ? name : r->res->helo;

	transcript_conn_note(&r->res->log, r->s.number,
			     "new connections are refused or costly: EHLO again on this one as %s",
			     use);
	if (session_regreet(&r->s, use, err) < 0)
		return -1;
	r->fresh = 1;
	r->idle = 1;
	return 0;
}

/* A connection refused, dropped or told 421 before its greeting while other
 * connections to the server are open: the server limits connections per
 * client (Exim smtp_accept_max_per_host, Exchange, postscreen). Give the
 * rest of the lane back to the queue and run fewer connections at once. */
static int concurrency_refused(struct runner *r, size_t pos, const struct rt_error *err)
{
	struct engine *eng = r->eng;
	int refused = 0, ours = err->kind == ERR_LOCAL;

	if (!ours && err->kind != ERR_REFUSED && err->kind != ERR_CLOSED &&
	    err->kind != ERR_CONNECT)
		return 0;
	if (!ours && r->s.hello.code != 0)
		return 0; /* the greeting came: this is about our EHLO, not numbers */
	pthread_mutex_lock(&eng->lock);
	if (eng->max_busy > 1 && eng->nlanes < PLAN_LANES_MAX) {
		struct lane *rest = &eng->lanes[eng->nlanes++];

		refused = 1;
		eng->max_busy = eng->busy > 1 ? eng->busy - 1 : 1;
		if (ours) {
			r->res->local_limit = 1;
		} else {
			eng->scarce = 1;
			r->res->concurrency_refused = 1;
			text_copy(r->res->refused_with, sizeof(r->res->refused_with), err->msg);
		}
		rest->helo = r->lane->helo;
		rest->ntests = 0;
		for (size_t k = pos; k < r->lane_end; k++)
			if (r->res->tests[r->lane->tests[k]].state != TEST_DECIDED)
				rest->tests[rest->ntests++] = r->lane->tests[k];
		pthread_cond_broadcast(&eng->changed);
	}
	pthread_mutex_unlock(&eng->lock);
	if (refused)
		transcript_conn_note(&r->res->log, r->s.number,
				     "extra connection %s (%s); at most %u at once from now on",
				     ours ? "not made" : "refused", err->msg, eng->max_busy);
	return refused;
}

/* A refusal (421, a drop) may be a limit on connections that the server has
 * not yet lifted for one we closed: wait a moment before trying again. */
static void pause_before_retry(const struct runner *r, const struct rt_error *err)
{
	int64_t left = r->s.end_ms - net_now_ms();
	struct timespec ts = { 0, 500000000L };

	if ((err->kind == ERR_REFUSED || err->kind == ERR_CLOSED) && left > 1000)
		nanosleep(&ts, NULL);
}

/* A reconnect refused at the greeting (421) or dropped before it, when
 * fewer connections at once cannot help: the server counts connections
 * over a time window (Postfix's anvil: 60 s; Sendmail's ClientRate).
 * Keep open connections for more tests, and wait for the window while the
 * time limit allows. Returns 1 after a wait (try again), else 0. */
static int scarce_wait(struct runner *r, const struct rt_error *err)
{
	struct engine *eng = r->eng;
	int64_t left = r->s.end_ms - net_now_ms() - r->s.timeout_ms;
	int go;
	int wait_ms = RUN_SCARCE_WAIT_MS;

	if (r->s.hello.code != 0 || (err->kind != ERR_REFUSED && err->kind != ERR_CLOSED))
		return 0;
	pthread_mutex_lock(&eng->lock);
	eng->scarce = r->keep = 1;
	/* Right after a session of ours ended, the server may still count it
	 * (Exim until it has reaped the process): a short wait first. */
	if (net_now_ms() - eng->last_quit_ms < RUN_CLOSE_WAIT_MS &&
	    eng->short_waits < RUN_SHORT_WAITS) {
		wait_ms = RUN_SHORT_WAIT_MS;
		eng->short_waits++;
	}
	go = eng->scarce_waits < RUN_SCARCE_WAITS && left > wait_ms;
	if (go) {
		eng->scarce_waits += wait_ms == RUN_SCARCE_WAIT_MS;
		r->res->scarce_waited_ms += wait_ms;
		text_copy(r->res->refused_with, sizeof(r->res->refused_with), err->msg);
	}
	pthread_mutex_unlock(&eng->lock);
	if (!go)
		return 0;
	transcript_conn_note(&r->res->log, r->s.number,
			     "new connections are refused (%s); waiting %.1f s for the server",
			     err->msg, wait_ms / 1000.0);
	waits_set(r->p->waits, r->s.number, WAITS_SERVER, NULL);
	nanosleep(&(struct timespec){ wait_ms / 1000, (wait_ms % 1000) * 1000000L }, NULL);
	waits_set(r->p->waits, r->s.number, WAITS_NONE, NULL);
	return 1;
}

static int count_connect_failure(struct engine *eng, int failed)
{
	int n;

	pthread_mutex_lock(&eng->lock);
	eng->reconnect_failures = failed ? eng->reconnect_failures + 1 : 0;
	n = eng->reconnect_failures;
	pthread_mutex_unlock(&eng->lock);
	return n;
}

/* The connection could not be had for tr: its EHLO name refused is a
 * HELO-trust test's answer; fewer connections, a wait, or a failed attempt. */
static enum conn_ready connect_failed(struct runner *r, struct test_result *tr, size_t pos,
				      const struct rt_error *err)
{
	if (r->lane->helo != NULL && err->kind == ERR_REFUSED && r->s.hello.code >= 400) {
		count_connect_failure(r->eng, 0);
		test_verdict(tr, &r->s.hello, STAGE_HELO);
		test_decided(&r->res->log, r->s.number, tr);
		return CONN_NOT_READY;
	}
	if (concurrency_refused(r, pos, err))
		return CONN_LEFT;
	if (scarce_wait(r, err))
		return CONN_NOT_READY;
	pause_before_retry(r, err);
	if (count_connect_failure(r->eng, 1) >= RUN_RECONNECT_FAILURES_MAX)
		crew_stop(r->eng, "could not reconnect: ", err->msg);
	else
		test_interrupt(&r->res->log, r->s.number, tr, err);
	return CONN_NOT_READY;
}

/* An XCLIENT trust test's claim, on its new connection: XCLIENT, then EHLO
 * again (the server answers XCLIENT with a new greeting and forgets the
 * first EHLO). Returns 0 when the test may go on, 1 when XCLIENT's refusal
 * decided it, -1 with err when the connection failed. */
static int claim_xclient(struct runner *r, struct test_result *tr, struct rt_error *err)
{
	const struct relay_case *tc = tr->tc;
	/* A server whose XCLIENT lists PORT may want it with ADDR (Exim's
	 * refuses either alone): ours, and a LOGIN claim from our own address. */
	unsigned port = reply_xclient_takes(&r->s.caps, "PORT") ? r->s.conn.local_port : 0;
	const char *addr = tc->claim != NULL ? tc->claim : port != 0 ? r->s.conn.local_addr : NULL;
	char cmd[SESSION_COMMAND_MAX + 1];
	struct reply rp;

	if (claim_xclient_command(addr, tc->login, port, cmd, sizeof(cmd)) < 0) {
		error_set(err, ERR_INTERNAL, "cannot write XCLIENT for %s", tr->tc->id);
		return -1;
	}
	if (session_command(&r->s, cmd, &rp, err) < 0)
		return -1;
	if (rp.code < 200 || rp.code > 299) {
		test_verdict(tr, &rp, STAGE_XCLIENT);
		test_decided(&r->res->log, r->s.number, tr);
		return 1;
	}
	if (session_regreet(&r->s, r->res->helo, err) < 0)
		return -1;
	r->fresh = r->idle = 1;
	return 0;
}

/* A new connection for tr: a claim test's header or XCLIENT goes first,
 * and the connection then carries nothing else. Returns as claim_xclient. */
static int open_for(struct runner *r, struct test_result *tr, struct rt_error *err)
{
	const struct relay_case *tc = tr->tc;
	int rc;

	conn_quit(r);
	r->s.tls_want = tlsplan_for(r->eng, tc);
	rc = open_as(r, r->lane->helo, tc->group == CASE_PROXY ? tc->claim : "", err);
	if (rc < 0 || !cases_claims(tc))
		return rc;
	r->dirty = 1;
	return tc->group == CASE_XCLIENT ? claim_xclient(r, tr, err) : 0;
}

enum conn_ready conn_ready(struct runner *r, struct test_result *tr, size_t pos)
{
	enum next_conn how = next_connection(r, tr->tc);
	struct rt_error err;
	int rc;

	if (how == CONN_KEEP)
		return CONN_READY;
	error_clear(&err);
	rc = how == CONN_FRESH ? open_for(r, tr, &err) : regreet(r, r->lane->helo, &err);
	if (rc < 0)
		return connect_failed(r, tr, pos, &err);
	count_connect_failure(r->eng, 0);
	return rc == 0 ? CONN_READY : CONN_NOT_READY;
}
