/* run.c - walk the test table against one target, with reconnects. */
#include "run.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"
#include "summary.h"

const char *run_stage_name(enum run_stage stage)
{
	return test_stage_name(stage);
}

int run_worse_status(int a, int b)
{
	static const int rank[] = {
		[RUN_CLOSED] = 0, [RUN_INCONCLUSIVE] = 1, [RUN_UNTESTED] = 2, [RUN_OPEN] = 3
	};

	return rank[b] > rank[a] ? b : a;
}

/* The HELO name: --helo, else this host's name when it is fully qualified,
 * else our own address literal (RFC 5321 4.1.4). No DNS is consulted. */
static void choose_helo(const struct engine_params *p, char *buf, size_t cap)
{
	char name[256];

	buf[0] = '\0';
	if (p->helo != NULL) {
		text_copy(buf, cap, p->helo);
		return;
	}
	if (gethostname(name, sizeof(name)) == 0) {
		name[sizeof(name) - 1] = '\0';
		if (strchr(name, '.') != NULL && name[strlen(name) - 1] != '.' &&
		    text_check_arg(name) == NULL)
			text_copy(buf, cap, name);
	}
}

/* --domain, else the greeting's host without its first label when it has
 * three or more labels, else that host, else the target's name. */
static void choose_domain(const struct engine_params *p, struct target_result *res)
{
	const char *host = res->greeting_host;
	const char *dot = strchr(host, '.');
	int labels = 1;

	for (const char *c = host; *c != '\0'; c++)
		labels += *c == '.';
	if (p->domain != NULL) {
		text_copy(res->domain, sizeof(res->domain), p->domain);
		text_copy(res->domain_source, sizeof(res->domain_source), "from --domain");
		res->domain_given = 1;
	} else if (res->target.domain[0] != '\0') {
		text_copy(res->domain, sizeof(res->domain), res->target.domain);
		text_copy(res->domain_source, sizeof(res->domain_source),
			  "the domain given to --mx");
	} else if (host[0] != '\0' && host[0] != '[' && labels >= 3) {
		text_copy(res->domain, sizeof(res->domain), dot + 1);
		text_format(res->domain_source, sizeof(res->domain_source),
			    "from the greeting's %s", host);
	} else if (host[0] != '\0' && host[0] != '[') {
		text_copy(res->domain, sizeof(res->domain), host);
		text_copy(res->domain_source, sizeof(res->domain_source),
			  "the greeting's host name");
	} else if (!res->target.literal) {
		text_copy(res->domain, sizeof(res->domain), res->target.host);
		text_copy(res->domain_source, sizeof(res->domain_source),
			  "the target name (the greeting named no host)");
	} else {
		snprintf(res->domain, sizeof(res->domain),
			 strchr(res->address, ':') != NULL ? "[IPv6:%s]" : "[%s]", res->address);
		text_copy(res->domain_source, sizeof(res->domain_source),
			  "the server's address (the greeting named no host)");
	}
}

/* Plain tests per lane: as many as the error budget allows when each draws
 * one rejection, and never more than 6. That keeps a lane under Exim's 10
 * non-mail commands (RSET and EHLO count) and, against a tarpit that delays
 * every refusal (Exchange: 5 s), spreads the waits over the connections. */
static size_t lane_size(const struct engine_params *p)
{
	size_t n = (size_t)p->error_budget;

	return n < 1 ? 1 : n > 6 ? 6 : n;
}

/* What the first connection showed, for the plan and the report. */
static void learn(struct engine *eng, const struct runner *r)
{
	struct target_result *res = eng->res;

	text_copy(res->helo, sizeof(res->helo), r->s.helo); /* every later EHLO uses it */
	res->tested = 1;
	text_copy(res->address, sizeof(res->address), r->s.conn.peer_addr);
	text_copy(res->local_address, sizeof(res->local_address), r->s.conn.local_addr);
	res->greeting = r->s.greeting;
	res->caps = r->s.caps;
	res->greeting_ms = r->s.greeting_ms;
	res->plain_caps = r->s.plain_caps;
	reply_seen_as(&r->s.hello, res->seen_as, sizeof(res->seen_as));
	reply_greeting_host(&res->greeting, res->greeting_host, sizeof(res->greeting_host));
	choose_domain(eng->p, res);
	eng->peer->chosen = r->s.conn.peer_index; /* every later connection goes there */
	eng->quirk = quirks_find(res->greeting.text, res->caps.list);
	/* A slow greeting makes each new connection as slow: keep open ones. */
	eng->costly = res->greeting_ms >= RUN_COSTLY_GREETING_MS;
	if (eng->costly)
		transcript_note(&res->log,
				"the greeting took %.1f s: tests stay on open connections",
				(double)res->greeting_ms / 1000);
}

/* Connections at once when each costs a slow greeting: as many as the
 * tests need by the software's error limit, opened together so that their
 * greetings are waited for once; one when the limit is unknown. */
static unsigned costly_connections(const struct engine *eng, unsigned at_most)
{
	unsigned errors = batch_costly_errors(eng), need;

	if (eng->quirk->software == SOFTWARE_UNKNOWN || errors == 0)
		return 1;
	need = (unsigned)((eng->res->ntests + errors - 1) / errors);
	return need < 1 ? 1 : need < at_most ? need : at_most;
}

/* Connections at once from here on: the polite default, the user's number
 * when given, our open-file limit in any case. */
static unsigned connections_at_once(struct engine *eng)
{
	unsigned want = (unsigned)eng->p->connections;

	if (!eng->p->connections_set && want > RUN_POLITE_CONNECTIONS)
		want = RUN_POLITE_CONNECTIONS;
	if (eng->costly)
		want = costly_connections(eng, want);
	if (eng->socket_room < want) {
		want = eng->socket_room > 1 ? eng->socket_room : 1;
		eng->res->local_limit = 1;
	}
	return want;
}

/* Move to the head of the queue a lane the open session r suits: greeting
 * with our name, over the TLS its first test needs. Returns 0 for none. */
static int take_matching_lane(struct engine *eng, const struct runner *r)
{
	for (size_t k = eng->next_lane; k < eng->nlanes; k++) {
		struct lane *lane = &eng->lanes[k];

		if (lane->helo != NULL || lane->ntests == 0 ||
		    tlsplan_for(eng, eng->res->tests[lane->tests[0]].tc) != r->s.tls_want)
			continue;
		if (k != eng->next_lane) {
			struct lane head = eng->lanes[eng->next_lane];

			eng->lanes[eng->next_lane] = *lane;
			*lane = head;
		}
		return 1;
	}
	return 0;
}

/* Walk the queued lanes on up to max_busy connections at once: this thread
 * (with r, whose session may already be open) and the helpers. */
static void run_round(struct engine *eng, struct runner *r)
{
	size_t want = eng->nlanes < eng->max_busy ? eng->nlanes : eng->max_busy;

	eng->busy = 0;
	if (r->s.open && take_matching_lane(eng, r)) {
		/* The first connection carries a lane it suits. */
		r->lane = &eng->lanes[eng->next_lane++];
		eng->busy = 1;
		if (eng->res->max_connections < 1)
			eng->res->max_connections = 1;
	} else {
		conn_quit(r);
	}
	crew_start(eng, want, lane_worker);
	lane_worker(r);
	crew_finish(eng);
}

/* Tests waiting for a connection (what the queue holds, in the reader's words). */
static size_t tests_queued(const struct target_result *res)
{
	size_t n = 0;

	for (size_t i = 0; i < res->ntests; i++)
		n += res->tests[i].state == TEST_QUEUED;
	return n;
}

/* The whole run after the first connection: plan, rounds, reruns. */
static void run_tests(struct engine *eng, struct runner *r)
{
	struct target_result *res = eng->res;
	size_t queued;
	unsigned at_once;

	tlsplan_auth(eng, r);
	plan_build(eng, lane_size(eng->p));
	eng->max_busy = connections_at_once(eng);
	/* run_round opens no more connections than there are lanes. */
	queued = tests_queued(res);
	at_once = eng->nlanes < eng->max_busy ? (unsigned)eng->nlanes : eng->max_busy;
	transcript_note(&res->log, "%zu %s to run, on at most %u %s at once", queued,
			queued == 1 ? "test" : "tests", at_once,
			at_once == 1 ? "connection" : "connections");
	run_round(eng, r);
	/* Tests the server would not let run get one more try on new connections. */
	tlsplan_mark_reruns(eng);
	if (eng->stop == NULL && plan_reruns(eng, lane_size(eng->p)) > 0) {
		queued = tests_queued(res);
		transcript_note(&res->log, "%zu %s again, on fresh connections", queued,
				queued == 1 ? "test runs" : "tests run");
		eng->planned = 0;
		run_round(eng, r);
	}
	batch_after_probes(eng);
	plan_copy_twins(res);
}

/* Every selected case, queued, as not reached until it runs. */
static void select_tests(const struct engine_params *p, struct target_result *res)
{
	for (size_t i = 0; i < cases_count; i++) {
		struct test_result *tr;

		if (!p->selected[i])
			continue;
		tr = &res->tests[res->ntests++];
		tr->tc = &cases_table[i];
		tr->state = TEST_QUEUED;
		tr->verdict = VERDICT_ERROR;
		tr->reason = REASON_NOT_REACHED;
	}
}

/* run_target's work, on the engine and first runner it allocated: they
 * are too large for a thread's or a small main stack. */
static void run_with(struct engine *eng, struct runner *r, struct net_peer *peer)
{
	const struct engine_params *p = eng->p;
	struct target_result *res = eng->res;
	struct rt_error err;
	int rc;

	error_clear(&err);
	session_init(&r->s, &res->log, p->timeout_ms, eng->end_ms);
	r->s.waits = p->waits;
	waits_set(p->waits, 0, WAITS_RESOLVE, NULL);
	/* A name's address was looked up before the run (expand.h). */
	rc = net_resolve(peer,
			 res->target.address[0] != '\0' ? res->target.address : res->target.host,
			 res->target.port, p->family, eng->end_ms, &err);
	waits_set(p->waits, 0, WAITS_NONE, NULL);
	if (rc < 0 || first_connect(eng, r, &err) < 0) {
		res->error = err;
		return;
	}
	learn(eng, r);
	if (cases_vars_set(&eng->vars, p->from, p->to, res->domain, res->greeting_host,
			   res->address) < 0) {
		error_set(&res->error, ERR_INTERNAL, "cannot build the test addresses");
		res->tested = 0;
		session_quit(&r->s);
		return;
	}
	run_tests(eng, r);
	session_quit(&r->s);
	inject_probe(eng, r);
	res->connection_cap = eng->max_busy;
	summary_build(res);
}

/* Set up the engine for t and run it. */
static void run_engine(const struct engine_params *p, struct target_result *res, struct engine *eng,
		       struct runner *r, struct net_peer *peer)
{
	int64_t started = net_now_ms();

	eng->p = r->p = p;
	eng->res = r->res = res;
	eng->peer = peer;
	eng->end_ms = started + p->max_time_ms;
	eng->quirk = quirks_find(NULL, NULL);
	eng->socket_room = net_sockets_free();
	eng->max_busy = 1; /* until the server has shown it speaks SMTP */
	eng->late_ms = p->late_ms > 0 ? p->late_ms : ENGINE_LATE_MS;
	eng->tls_relay = eng->tls_auth = tlsplan_initial(p, &res->target);
	r->eng = eng;
	peer->hook = p->connect_hook;
	peer->hook_ctx = p->connect_ctx;
	res->tls_asked = p->tls;
	choose_helo(p, res->helo, sizeof(res->helo));
	text_copy(res->from, sizeof(res->from), p->from);
	text_copy(res->to, sizeof(res->to), p->to);
	select_tests(p, res);
	pthread_mutex_init(&eng->lock, NULL);
	pthread_cond_init(&eng->changed, NULL);
	run_with(eng, r, peer);
	res->elapsed_ms = (long)(net_now_ms() - started);
	pthread_cond_destroy(&eng->changed);
	pthread_mutex_destroy(&eng->lock);
}

/* Now on the wall clock (CLOCK_REALTIME), for the report's "started". */
static int64_t wall_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum run_status run_untested(const struct target *t, enum err_kind kind, const char *why,
			     struct target_result *res)
{
	memset(res, 0, sizeof(*res));
	transcript_init(&res->log, 0);
	res->started_ms = wall_ms();
	res->status = RUN_UNTESTED;
	res->target = *t;
	error_set(&res->error, kind, "%s", why);
	return res->status;
}

enum run_status run_target(const struct engine_params *p, const struct target *t,
			   struct target_result *res)
{
	struct engine *eng;
	struct runner *r;
	struct net_peer *peer;

	if (t->error[0] != '\0')
		return run_untested(t, ERR_RESOLVE, t->error, res);
	memset(res, 0, sizeof(*res));
	transcript_init(&res->log, p->verbose);
	res->started_ms = wall_ms();
	res->status = RUN_UNTESTED;
	res->target = *t;
	eng = calloc(1, sizeof(*eng));
	r = calloc(1, sizeof(*r));
	peer = calloc(1, sizeof(*peer));
	if (eng == NULL || r == NULL || peer == NULL)
		error_set(&res->error, ERR_LOCAL, "relaytest ran out of memory");
	else
		run_engine(p, res, eng, r, peer);
	transcript_group(&res->log);
	free(eng);
	free(r);
	free(peer);
	return res->status;
}

void run_free(struct target_result *res)
{
	transcript_free(&res->log);
}
