/* lane.c - one connection's worker: claim lanes, walk each on a session,
 * reconnect and resume when the server drops us or nears its error limit. */
#include <string.h>

#include "runner.h"

/* Run the test at lane position pos until it is decided (or the run stops). */
static int run_test(struct runner *r, size_t pos)
{
	struct test_result *tr = &r->res->tests[r->lane->tests[pos]];

	while (tr->state != TEST_DECIDED && crew_stopped(r->eng) == NULL) {
		enum conn_ready ready;

		if (net_now_ms() >= r->s.end_ms) {
			crew_stop(r->eng,
				  "the time limit for this target ran out first (--max-time)", "");
			break;
		}
		ready = conn_ready(r, tr, pos);
		if (ready == CONN_LEFT)
			return 0;
		if (ready == CONN_READY)
			batch_run(r, pos, batch_end(r, pos));
	}
	if (tr->state != TEST_DECIDED)
		test_fail(&r->res->log, r->s.number, tr, REASON_NOT_REACHED, crew_stopped(r->eng));
	return 1;
}

/* Walk the lane from its first undecided test, up to lane_end (tests after
 * it were handed back to the queue). */
static void walk(struct runner *r)
{
	r->lane_end = r->lane->ntests;
	for (size_t pos = 0; pos < r->lane_end; pos++) {
		struct test_result *tr = &r->res->tests[r->lane->tests[pos]];
		int64_t started = net_now_ms();

		pthread_mutex_lock(&r->eng->lock);
		r->keep = r->eng->scarce || r->eng->costly;
		r->costly = r->eng->costly && !r->eng->scarce;
		pthread_mutex_unlock(&r->eng->lock);
		if (tr->state != TEST_DECIDED && crew_stopped(r->eng) == NULL &&
		    plan_skip_reason(r->res, tr->tc, tr->note, sizeof(tr->note))) {
			test_settle(&r->res->log, r->s.number, tr, VERDICT_SKIPPED,
				    REASON_NOT_OFFERED, NULL);
			continue;
		}
		if (tr->state != TEST_DECIDED && !run_test(r, pos))
			return;
		tlsplan_after_test(r, tr);
		if (tr->ms == 0)
			tr->ms = (long)(net_now_ms() - started);
	}
}

/* Note the slowest reply this connection saw, for the report. */
static void note_delays(struct runner *r)
{
	struct engine *eng = r->eng;

	pthread_mutex_lock(&eng->lock);
	if (r->s.slowest_ms > r->res->slowest_ms) {
		r->res->slowest_ms = r->s.slowest_ms;
		text_copy(r->res->slowest_cmd, sizeof(r->res->slowest_cmd), r->s.slowest_cmd);
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
	r->from_ok = r->from_ok || eng->from_ok;
}

/* Whether r's open connection, greeted with our name, has room by its
 * error budget for the next lane (the caller holds the lock). */
static int next_lane_fits(const struct runner *r)
{
	const struct engine *eng = r->eng;
	const struct lane *next = &eng->lanes[eng->next_lane];
	const struct relay_case *tc = r->res->tests[next->tests[0]].tc;
	int tls = tc->group == CASE_AUTH ? eng->tls_auth : eng->tls_relay;

	return next->helo == NULL && next->ntests > 0 && tls == r->s.tls_want &&
	       strcmp(r->s.helo, r->res->helo) == 0 && !cases_own_connection(tc) &&
	       r->s.rejections + 2 * next->ntests <= batch_error_budget(r);
}

/* Whether r's open connection carries the next lane too, instead of a new
 * one: when connections are scarce or costly, or when it has room for it
 * (the caller holds the lock). */
static int carries_next(const struct runner *r)
{
	const struct engine *eng = r->eng;

	return r->s.open && !r->dirty && eng->next_lane < eng->nlanes &&
	       (eng->scarce || eng->costly || next_lane_fits(r));
}

/* Wait for a lane to walk and take it; 0 when every lane is done. Lanes
 * being walked may still hand tests back (a tarpit, a refused connection),
 * so an idle worker stays until none is busy. */
static int take_lane(struct runner *r)
{
	struct engine *eng = r->eng;

	pthread_mutex_lock(&eng->lock);
	for (;;) {
		if (eng->planned && eng->next_lane < eng->nlanes && eng->busy < eng->max_busy)
			break;
		if (eng->planned && eng->busy == 0 && eng->next_lane >= eng->nlanes) {
			pthread_mutex_unlock(&eng->lock);
			return 0;
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
		if (carries_next(r))
			claim_lane(r);
		else
			eng->busy--;
		pthread_cond_broadcast(&eng->changed);
		pthread_mutex_unlock(&eng->lock);
		if (r->lane == NULL)
			conn_quit(r);
	}
	conn_quit(r);
	return NULL;
}
