/* lane.c - one connection's worker: claim lanes, walk each on a session,
 * reconnect and resume when the server drops us or nears its error limit. */
#include <string.h>
#include <time.h>

#include "runner.h"

int lane_connect(struct runner *r, struct rt_error *err)
{
	struct engine *eng = r->eng;
	struct target_result *res = r->res;

	pthread_mutex_lock(&eng->lock);
	r->s.number = ++res->connections;
	pthread_mutex_unlock(&eng->lock);
	r->waiting = session_connect(&r->s, res->target.host, res->target.port, r->p->family,
				     err) == 0;
	return r->waiting ? 0 : -1;
}

int lane_open(struct runner *r, const char *name, struct rt_error *err)
{
	struct engine *eng = r->eng;
	struct target_result *res = r->res;
	int rc;

	/* A connection made ahead of time serves unless it lacks TLS on
	 * connect that this one needs (or has it when this one must not). */
	if (r->waiting &&
	    (!r->s.open || (r->s.tls_want == SESSION_TLS_IMPLICIT) != (r->s.tls_active != 0))) {
		session_quit(&r->s);
		r->waiting = 0;
	}
	if (!r->waiting && lane_connect(r, err) < 0)
		return -1;
	r->waiting = 0;
	rc = session_greet(&r->s, name != NULL ? name : (res->helo[0] != '\0' ? res->helo : NULL),
			   err);
	if (rc == 0)
		tlsplan_note(eng, &r->s);
	r->fresh = 1;
	r->idle = 1;
	r->dirty = 0;
	return rc;
}

static const char *stop_message(struct engine *eng)
{
	const char *stop;

	pthread_mutex_lock(&eng->lock);
	stop = eng->stop;
	pthread_mutex_unlock(&eng->lock);
	return stop;
}

/* Every test not yet run becomes "not reached: <why><detail>". */
static void set_stop(struct engine *eng, const char *why, const char *detail)
{
	pthread_mutex_lock(&eng->lock);
	if (eng->stop == NULL) {
		text_format(eng->stop_msg, sizeof(eng->stop_msg), "%s%s", why, detail);
		eng->stop = eng->stop_msg;
	}
	pthread_mutex_unlock(&eng->lock);
}

unsigned lane_error_budget(const struct runner *r)
{
	unsigned budget = (unsigned)r->p->error_budget;

	return r->scarce && budget < RUN_SCARCE_ERRORS ? RUN_SCARCE_ERRORS : budget;
}

size_t lane_tests_room(const struct runner *r)
{
	unsigned cap = r->eng->scarce_commands;

	if (!r->scarce)
		return CASES_MAX;
	return r->s.commands + 3 > cap ? 0 : (cap - r->s.commands) / 3;
}

enum next_conn {
	CONN_KEEP,    /* the next test runs on this connection as it is */
	CONN_REGREET, /* ... after EHLO again (connections are scarce) */
	CONN_FRESH    /* on a new connection */
};

/* Where the next test runs. A HELO-trust test greets with its own name and
 * an AUTH test needs a connection where nothing else ran: a new connection
 * each, or, when the server refuses new ones, EHLO again on this one. */
static enum next_conn next_connection(const struct runner *r, const struct relay_case *tc)
{
	const char *name = r->lane->helo != NULL ? r->lane->helo : r->res->helo;

	if (!r->s.open || r->waiting || r->dirty || r->s.tls_want != tlsplan_for(r->eng, tc) ||
	    r->s.rejections + RUN_TEST_REJECTIONS_MAX > lane_error_budget(r) ||
	    lane_tests_room(r) == 0)
		return CONN_FRESH;
	if (strcmp(r->s.helo, name) != 0 || (tc->group == CASE_AUTH && !r->fresh))
		return r->scarce ? CONN_REGREET : CONN_FRESH;
	return CONN_KEEP;
}

/* Connections are scarce: EHLO again on this one, with the lane's name. */
static int regreet(struct runner *r, const char *name, struct rt_error *err)
{
	const char *use = name != NULL ? name : r->res->helo;

	transcript_conn_note(&r->res->log, r->s.number,
			     "new connections are refused: EHLO again on this one as %s", use);
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
	/* A server may still count a connection we just closed: any refusal
	 * while more than one connection is allowed means "fewer". So does our
	 * own limit (open files), which says nothing about the server. */
	if (eng->max_busy > 1 && eng->nlanes < sizeof(eng->lanes) / sizeof(eng->lanes[0])) {
		struct lane *rest = &eng->lanes[eng->nlanes++];

		refused = 1;
		eng->max_busy = eng->busy > 1 ? eng->busy - 1 : 1;
		if (ours) {
			r->res->local_limit = 1;
		} else {
			eng->scarce = 1;
			r->res->concurrency_refused = 1;
		}
		rest->helo = r->lane->helo;
		rest->ntests = 0;
		for (size_t k = pos; k < r->lane_end; k++)
			if (!r->res->tests[r->lane->tests[k]].done)
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
 * time limit allows. A connection the network refuses (the server is
 * down) is not waited for. Returns 1 after a wait (try again), else 0. */
static int scarce_wait(struct runner *r, const struct rt_error *err)
{
	struct engine *eng = r->eng;
	int64_t left = r->s.end_ms - net_now_ms() - r->s.timeout_ms;
	int go;

	if (r->s.hello.code != 0 || (err->kind != ERR_REFUSED && err->kind != ERR_CLOSED))
		return 0;
	pthread_mutex_lock(&eng->lock);
	eng->scarce = r->scarce = 1;
	go = eng->scarce_waits < RUN_SCARCE_WAITS && left > RUN_SCARCE_WAIT_MS;
	if (go) {
		eng->scarce_waits++;
		eng->scarce_waited_ms += RUN_SCARCE_WAIT_MS;
	}
	pthread_mutex_unlock(&eng->lock);
	if (!go)
		return 0;
	transcript_conn_note(&r->res->log, r->s.number,
			     "new connections are refused (%s); waiting %d s for the server",
			     err->msg, RUN_SCARCE_WAIT_MS / 1000);
	nanosleep(&(struct timespec){ RUN_SCARCE_WAIT_MS / 1000, 0 }, NULL);
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

/* The EHLO name of a HELO-trust lane was refused: that is its answer,
 * unless the refusal says the test could not run (421, 503, a limit). */
static int helo_refused(struct runner *r, struct test_result *tr, const struct rt_error *err)
{
	if (r->lane->helo == NULL || err->kind != ERR_REFUSED || r->s.hello.code < 400)
		return 0;
	step_set_verdict(tr, &r->s.hello, STAGE_HELO);
	return 1;
}

/* --verbose: each test's state change, with the connection it happened on. */
static void trace(struct runner *r, const struct test_result *tr, const char *what)
{
	if (tr->verdict == VERDICT_SKIPPED || tr->reason == REASON_NOT_REACHED || tr->code == 0)
		transcript_conn_note(&r->res->log, r->s.number, "test %s %s: %s (%s)", tr->tc->id,
				     what, classify_verdict_name(tr->verdict),
				     tr->verdict == VERDICT_SKIPPED
					     ? tr->note
					     : classify_reason_name(tr->reason));
	else
		transcript_conn_note(&r->res->log, r->s.number, "test %s %s: %s (%s) at %s, %d%s",
				     tr->tc->id, what, classify_verdict_name(tr->verdict),
				     classify_reason_name(tr->reason), run_stage_name(tr->stage),
				     tr->code, tr->rerun ? "; to run again" : "");
}

int lane_hand_back(struct runner *r, size_t from)
{
	struct engine *eng = r->eng;
	const struct lane *lane = r->lane;
	size_t left = 0;
	int moved = 0;

	for (size_t k = from; k < r->lane_end; k++)
		left += !r->res->tests[lane->tests[k]].done;
	pthread_mutex_lock(&eng->lock);
	if (left > 0 && eng->nlanes + left <= sizeof(eng->lanes) / sizeof(eng->lanes[0])) {
		for (size_t k = from; k < r->lane_end; k++) {
			struct lane *alone;

			if (r->res->tests[lane->tests[k]].done)
				continue;
			alone = &eng->lanes[eng->nlanes++];
			alone->helo = lane->helo;
			alone->ntests = 1;
			alone->tests[0] = lane->tests[k];
		}
		r->lane_end = from;
		moved = 1;
		pthread_cond_broadcast(&eng->changed);
	}
	pthread_mutex_unlock(&eng->lock);
	return moved;
}

/* Walk the lane from its first unfinished test, up to lane_end (tests
 * after it were handed back to the queue). */
static void walk(struct runner *r)
{
	const struct lane *lane = r->lane;
	struct target_result *res = r->res;

	r->lane_end = lane->ntests;
	for (size_t pos = 0; pos < r->lane_end; pos++) {
		struct test_result *tr = &res->tests[lane->tests[pos]];
		int64_t started = net_now_ms();
		const char *stop = stop_message(r->eng);
		int finished = 0;

		pthread_mutex_lock(&r->eng->lock);
		r->scarce = r->eng->scarce;
		pthread_mutex_unlock(&r->eng->lock);

		if (tr->done) {
			tlsplan_after_test(r, tr);
			trace(r, tr, "done"); /* inside the pipelined group before */
			continue;
		}
		if (stop == NULL && run_skip_reason(res, tr->tc, tr->note, sizeof(tr->note))) {
			tr->verdict = VERDICT_SKIPPED;
			tr->reason = REASON_NOT_OFFERED;
			tr->done = 1;
			trace(r, tr, "skipped");
			continue;
		}
		while (stop == NULL && tr->attempts < 2 && !finished) {
			struct rt_error err;
			enum next_conn how;

			error_clear(&err);
			if (net_now_ms() >= r->s.end_ms) {
				set_stop(
					r->eng,
					"the time limit for this target ran out first (--max-time)",
					"");
				break;
			}
			how = next_connection(r, tr->tc);
			if (how == CONN_FRESH) {
				if (!r->waiting)
					session_quit(&r->s);
				r->s.tls_want = tlsplan_for(r->eng, tr->tc);
			}
			if (how != CONN_KEEP) {
				if ((how == CONN_REGREET ? regreet(r, lane->helo, &err)
							 : lane_open(r, lane->helo, &err)) < 0) {
					if (helo_refused(r, tr, &err)) {
						count_connect_failure(r->eng, 0);
						finished = 1;
						break;
					}
					if (concurrency_refused(r, pos, &err))
						return;
					if (scarce_wait(r, &err))
						continue;
					tr->attempts++;
					pause_before_retry(r, &err);
					if (count_connect_failure(r->eng, 1) >=
					    RUN_RECONNECT_FAILURES_MAX)
						set_stop(r->eng, "could not reconnect: ", err.msg);
					else if (tr->attempts >= 2)
						step_fail(tr, step_reason_of(&err), err.msg);
					stop = stop_message(r->eng);
					finished = tr->attempts >= 2 && stop == NULL;
					continue;
				}
				count_connect_failure(r->eng, 0);
			}
			tr->attempts++;
			r->pos = pos;
			tr->connection = r->s.number;
			tr->over_tls = r->s.tls_active;
			if (group_can(r, tr)) {
				if (group_run(r, pos, group_end(r, pos), &err) == STEP_DONE) {
					if (tr->done) {
						finished = 1;
						break;
					}
					tr->attempts--; /* refused sender: run it alone now */
					continue;
				}
			} else if (step_run_case(r, tr, &err) == STEP_DONE) {
				finished = 1;
				break;
			}
			transcript_conn_note(&res->log, r->s.number, "test %s interrupted: %s",
					     tr->tc->id, err.msg);
			if (tr->attempts >= 2 || err.kind == ERR_TIMEOUT) {
				/* A timeout already cost a full wait; another would double it. */
				step_fail(tr, step_reason_of(&err), err.msg);
				finished = 1;
				break;
			}
			tr->note[0] = '\0';
			tr->sent = 0;
			stop = stop_message(r->eng);
		}
		if (!finished && (stop = stop_message(r->eng)) != NULL)
			step_fail(tr, REASON_NOT_REACHED, stop);
		tr->done = 1;
		tlsplan_after_test(r, tr);
		trace(r, tr, "done");
		tr->ms = (long)(net_now_ms() - started);
	}
}

/* Note the slowest reply this connection saw, for the report. */
static void note_delays(struct runner *r)
{
	struct engine *eng = r->eng;

	pthread_mutex_lock(&eng->lock);
	if (r->s.slowest_ms > eng->slowest_ms) {
		eng->slowest_ms = r->s.slowest_ms;
		text_copy(eng->slowest_cmd, sizeof(eng->slowest_cmd), r->s.slowest_cmd);
	}
	pthread_mutex_unlock(&eng->lock);
	r->s.slowest_ms = 0;
}

/* Give r the lane at the head of the queue (the caller holds the lock). */
static void claim_lane(struct runner *r)
{
	struct engine *eng = r->eng;

	r->lane = &eng->lanes[eng->next_lane++];
	r->no_pipelining = r->res->pipelining_off;
	r->scarce = eng->scarce;
}

/* Wait for a lane to walk and take it; 0 when every lane is done. Lanes
 * being walked may still hand tests back (a tarpit, a refused connection),
 * so an idle worker stays until none is busy, without holding a connection
 * that a server serving one at a time would wait on. */
static int take_lane(struct runner *r)
{
	struct engine *eng = r->eng;

	pthread_mutex_lock(&eng->lock);
	for (;;) {
		if (eng->planned && eng->next_lane < eng->nlanes) {
			/* A connection the server has already greeted is used even
			 * above the limit, for the same reason. */
			if (eng->busy < eng->max_busy || r->waiting)
				break;
		} else if (eng->planned && eng->busy == 0) {
			pthread_mutex_unlock(&eng->lock);
			return 0;
		} else if (eng->planned && r->s.open) {
			pthread_mutex_unlock(&eng->lock);
			session_quit(&r->s);
			r->waiting = 0;
			pthread_mutex_lock(&eng->lock);
			continue;
		}
		pthread_cond_wait(&eng->changed, &eng->lock);
	}
	claim_lane(r);
	eng->busy++;
	if (eng->busy > r->res->max_connections)
		r->res->max_connections = eng->busy;
	pthread_mutex_unlock(&eng->lock);
	return 1;
}

void *lane_worker(void *arg)
{
	struct runner *r = arg;
	struct engine *eng = r->eng;

	while (r->lane != NULL || take_lane(r)) {
		walk(r);
		note_delays(r);
		pthread_mutex_lock(&eng->lock);
		r->lane = NULL;
		if (eng->scarce && r->s.open && !r->dirty && eng->next_lane < eng->nlanes)
			claim_lane(r); /* new connections are refused: this one goes on */
		else
			eng->busy--;
		pthread_cond_broadcast(&eng->changed);
		pthread_mutex_unlock(&eng->lock);
		if (r->lane == NULL) {
			session_quit(&r->s);
			r->waiting = 0;
		}
	}
	session_quit(&r->s); /* made ahead of time and never needed */
	return NULL;
}

/* A connection made ahead of time was refused: the server limits
 * connections per client. Allow as many as are open now. */
static void preconnect_refused(struct runner *r, const struct rt_error *err)
{
	struct engine *eng = r->eng;
	int ours = err->kind == ERR_LOCAL;

	if (!ours && err->kind != ERR_REFUSED && err->kind != ERR_CLOSED &&
	    err->kind != ERR_CONNECT)
		return;
	pthread_mutex_lock(&eng->lock);
	if (eng->max_busy > eng->preconnected) {
		eng->max_busy = eng->preconnected > 1 ? eng->preconnected : 1;
		if (ours)
			r->res->local_limit = 1;
		else
			r->res->concurrency_refused = 1;
	}
	if (!ours)
		eng->scarce = 1;
	pthread_mutex_unlock(&eng->lock);
	transcript_conn_note(&r->res->log, r->s.number,
			     "extra connection %s (%s); at most %u at once from now on",
			     ours ? "not made" : "refused", err->msg, eng->max_busy);
}

void *lane_preconnect_worker(void *arg)
{
	struct runner *r = arg;
	struct engine *eng = r->eng;
	struct rt_error err;

	error_clear(&err);
	pthread_mutex_lock(&eng->lock);
	r->s.tls_want = eng->tls_relay;
	pthread_mutex_unlock(&eng->lock);
	if (lane_connect(r, &err) == 0) {
		pthread_mutex_lock(&eng->lock);
		eng->preconnected++;
		pthread_mutex_unlock(&eng->lock);
	} else {
		preconnect_refused(r, &err);
	}
	return lane_worker(r);
}
