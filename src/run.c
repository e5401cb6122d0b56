/* run.c - walk the test table against one target, with reconnects. */
#include "run.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "remedy.h"
#include "runner.h"

static const char *const stage_names[] = {
	[STAGE_NONE] = "",     [STAGE_HELO] = "EHLO", [STAGE_AUTH] = "AUTH",
	[STAGE_MAIL] = "MAIL", [STAGE_RCPT] = "RCPT",
};

const char *run_stage_name(enum run_stage stage)
{
	return stage_names[stage];
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

/* Whether the case cannot run against this server; if so, the note says why. */
int run_skip_reason(const struct target_result *res, const struct relay_case *tc, char *note,
		    size_t cap)
{
	const struct capabilities *caps =
		tc->group == CASE_AUTH && res->auth_after_tls ? &res->tls_caps : &res->caps;

	if (res->greeting_host[0] == '\0' &&
	    (cases_uses(tc->mail_from, "host") || cases_uses(tc->rcpt_to, "host") ||
	     cases_uses(tc->helo, "host"))) {
		text_copy(note, cap, "the greeting named no host name to test with");
		return 1;
	}
	if (tc->group != CASE_AUTH)
		return 0;
	if (!caps->auth) {
		snprintf(note, cap, "the server does not offer AUTH%s",
			 res->auth_after_tls ? ", before or after STARTTLS"
			 : caps->starttls    ? " (it may offer it only after STARTTLS; not used "
					       "with --tls no)"
					     : "");
		return 1;
	}
	return !auth_offered(caps, tc->auth, note, cap);
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
			    "the greeting's host name %s without its first label", host);
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

void run_add_warning(struct target_result *res, const char *fmt, ...)
{
	va_list ap;

	if (res->nwarnings >= RUN_WARNINGS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(res->warnings[res->nwarnings++], RUN_WARNING_MAX, fmt, ap);
	va_end(ap);
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

/* Move to the head of the queue a lane the open session r suits: greeting
 * with our name, over the TLS its first test needs. Returns 0 for none. */
static int take_matching_lane(struct engine *eng, struct runner *r)
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

/* The helper connections of a round, each a thread with its own runner. */
struct crew {
	pthread_t threads[ENGINE_CONNECTIONS_MAX];
	struct runner *helpers;
	size_t started;
	int timeout_ms;
	int64_t end_ms;
	void *(*body)(void *);
};

/* A connection's thread, with a stack of its own size: the default is
 * RLIMIT_STACK (ulimit -s) on glibc and 128 KiB on musl, neither ours to
 * rely on. The engine's large buffers are on the heap. */
static int start_thread(pthread_t *thread, void *(*body)(void *), void *arg)
{
	pthread_attr_t attr;
	int rc;

	if (pthread_attr_init(&attr) != 0)
		return -1;
	rc = pthread_attr_setstacksize(&attr, RUN_THREAD_STACK);
	if (rc == 0)
		rc = pthread_create(thread, &attr, body, arg);
	pthread_attr_destroy(&attr);
	return rc;
}

/* Start helpers until the crew has want - 1 (beside the caller's own). */
static void crew_add(struct engine *eng, struct crew *c, size_t want)
{
	for (size_t i = c->started + 1;
	     c->helpers != NULL && i < want && i < ENGINE_CONNECTIONS_MAX; i++) {
		struct runner *h = &c->helpers[c->started];

		memset(h, 0, sizeof(*h));
		h->eng = eng;
		h->p = eng->p;
		h->res = eng->res;
		h->vars = eng->vars;
		session_init(&h->s, &eng->res->log, c->timeout_ms, c->end_ms);
		if (start_thread(&c->threads[c->started], c->body, h) != 0)
			break; /* fewer connections at once: slower, not wrong */
		c->started++;
	}
}

/* Start want - 1 helpers beside r, each running body. */
static void crew_start(struct engine *eng, const struct runner *r, struct crew *c, size_t want,
		       void *(*body)(void *))
{
	c->started = 0;
	c->timeout_ms = r->s.timeout_ms;
	c->end_ms = r->s.end_ms;
	c->body = body;
	c->helpers = calloc(ENGINE_CONNECTIONS_MAX, sizeof(*c->helpers));
	crew_add(eng, c, want);
}

void run_widen(struct engine *eng)
{
	pthread_mutex_lock(&eng->lock);
	if (!eng->late) {
		eng->late = 1;
		unsigned wide = RUN_LATE_CONNECTIONS;

		if (wide > eng->socket_room)
			wide = eng->socket_room; /* our open-file limit */

		if (!eng->p->connections_set && !eng->res->concurrency_refused && !eng->scarce &&
		    eng->max_busy < wide && eng->crew != NULL) {
			eng->max_busy = wide;
			eng->crew->body = lane_worker;
			crew_add(eng, eng->crew, wide);
			transcript_note(&eng->res->log,
					"replies come late: up to %u connections at once", wide);
		}
	}
	pthread_mutex_unlock(&eng->lock);
}

/* Let the crew's waiting helpers go (the queue is filled, or empty: then
 * they quit), and wait for them. */
static void crew_finish(struct engine *eng, struct crew *c)
{
	pthread_mutex_lock(&eng->lock);
	eng->planned = 1;
	if (eng->crew == c)
		eng->crew = NULL; /* no more helpers: the lanes are done */
	pthread_cond_broadcast(&eng->changed);
	pthread_mutex_unlock(&eng->lock);
	for (size_t i = 0; i < c->started; i++)
		pthread_join(c->threads[i], NULL);
	free(c->helpers);
	c->helpers = NULL;
	c->started = 0;
}

/* Connections worth making before the plan: one a lane at most, with the
 * lanes counted as if every selected test could run. */
static size_t lanes_at_most(const struct engine_params *p, const struct target_result *res)
{
	size_t plain = 0, alone = 0, size = lane_size(p);

	for (size_t i = 0; i < res->ntests; i++) {
		enum case_group g = res->tests[i].tc->group;

		if (g == CASE_HELO || g == CASE_AUTH)
			alone++;
		else
			plain++;
	}
	return (plain + size - 1) / size + alone;
}

/* Walk the queued lanes on up to --connections connections at once: this
 * thread (with r, whose session may already be open) and the helpers, the
 * crew made ahead of time when there is one. */
static void run_round(struct engine *eng, struct runner *r, struct crew *crew)
{
	struct crew fresh = { 0 };
	size_t want = eng->nlanes;

	if (want > eng->max_busy)
		want = eng->max_busy;
	eng->busy = 0;
	/* The helpers wait for eng->planned: nobody else reads the queue yet. */
	if (r->s.open && take_matching_lane(eng, r)) {
		/* The first connection carries a lane it suits. */
		r->lane = &eng->lanes[eng->next_lane++];
		eng->busy = 1;
		eng->res->max_connections = 1;
	} else {
		session_quit(&r->s);
	}
	if (crew == NULL || crew->helpers == NULL) {
		crew = &fresh;
		crew_start(eng, r, crew, want, lane_worker);
	}
	pthread_mutex_lock(&eng->lock);
	for (size_t i = 0; i < crew->started; i++)
		crew->helpers[i].vars = eng->vars; /* a crew made ahead did not know them */
	eng->crew = crew;
	eng->planned = 1;
	pthread_cond_broadcast(&eng->changed);
	pthread_mutex_unlock(&eng->lock);
	lane_worker(r);
	crew_finish(eng, crew);
}

/* A first connection that was accepted and then dropped, or told 421, is
 * worth one more try; an unreachable or refusing server is not. */
static int first_failure_is_transient(const struct session *s, const struct rt_error *err)
{
	return err->kind == ERR_CLOSED || (err->kind == ERR_REFUSED && s->last_code == 421);
}

/* The first connection: greeting and EHLO tell the plan what the server is. */
static int probe(struct engine *eng, struct runner *r, struct crew *crew, struct rt_error *err)
{
	struct target_result *res = eng->res;
	size_t lanes = lanes_at_most(eng->p, res);
	int rc;

	r->s.tls_want = eng->tls_relay;
	rc = lane_connect(r, err);
	if (rc == 0 && eng->p->alone) {
		/* The server greets: the other connections can be made while this
		 * one learns, with EHLO, what the server is. Not when many targets
		 * are tested at once: their servers' load matters more than the
		 * round trip saved (each would spawn its processes at once). */
		eng->preconnected = 1;
		crew_start(eng, r, crew, lanes < eng->max_busy ? lanes : eng->max_busy,
			   lane_preconnect_worker);
	}
	if (rc == 0)
		rc = lane_open(r, NULL, err);
	if (rc < 0)
		crew_finish(eng, crew); /* a server that serves one at a time serves them first */
	if (rc < 0 && tlsplan_implicit_retry(eng, r, err)) {
		transcript_note(&res->log, "the server speaks TLS on connect: again with TLS");
		error_clear(err);
		r->s.tls_want = eng->tls_relay;
		if (lane_open(r, NULL, err) < 0) {
			char why[ERROR_MSG_MAX];

			text_copy(why, sizeof(why), err->msg);
			error_set(err, err->kind,
				  "it expects TLS on connect (as on port 465), and over TLS: %s",
				  why);
			return -1;
		}
	} else if (!r->s.open && first_failure_is_transient(&r->s, err)) {
		/* A drop or 421 during the greeting may be a passing overload, or
		 * a connection limit still counting an earlier run: wait a second. */
		struct timespec second = { 1, 0 };

		transcript_note(&res->log, "first connection failed (%s); trying once more",
				err->msg);
		error_clear(err);
		if (r->s.end_ms - net_now_ms() > 2000)
			nanosleep(&second, NULL);
	}
	if (!r->s.open && (err->kind != ERR_NONE || lane_open(r, NULL, err) < 0))
		return -1;
	/* The first connection fixes the name every later one greets with. */
	text_copy(res->helo, sizeof(res->helo), r->s.helo);
	res->tested = 1;
	text_copy(res->address, sizeof(res->address), r->s.conn.peer_addr);
	text_copy(res->local_address, sizeof(res->local_address), r->s.conn.local_addr);
	res->greeting = r->s.greeting;
	res->caps = r->s.caps;
	reply_greeting_host(&res->greeting, res->greeting_host, sizeof(res->greeting_host));
	choose_domain(eng->p, res);
	return 0;
}

/* run_target's work, on the engine and first runner it allocated: they
 * hold ~80 KiB, too much for a thread's or a small main stack. */
static void run_target_with(const struct engine_params *p, const struct target *t,
			    struct target_result *res, struct engine *eng, struct runner *r)
{
	struct crew crew = { 0 };
	struct rt_error err;
	int64_t started = net_now_ms();

	eng->p = r->p = p;
	eng->res = r->res = res;
	eng->max_busy = (unsigned)p->connections;
	/* Our own open-file limit (ulimit -n) caps the connections at once,
	 * before any is refused for it: a limit of ours, said as such. */
	eng->socket_room = net_sockets_free();
	if (eng->socket_room < eng->max_busy) {
		eng->max_busy = eng->socket_room > 1 ? eng->socket_room : 1;
		res->local_limit = 1;
	}
	eng->late_ms = p->late_ms > 0 ? p->late_ms : ENGINE_LATE_MS;
	eng->tls_relay = eng->tls_auth = tlsplan_initial(p, t);
	r->eng = eng;
	pthread_mutex_init(&eng->lock, NULL);
	pthread_cond_init(&eng->changed, NULL);
	session_init(&r->s, &res->log, p->timeout_ms, started + p->max_time_ms);
	choose_helo(p, res->helo, sizeof(res->helo));
	text_copy(res->from, sizeof(res->from), p->from);
	text_copy(res->to, sizeof(res->to), p->to);
	for (size_t i = 0; i < cases_count; i++) {
		if (!p->selected[i])
			continue;
		res->tests[res->ntests].tc = &cases_table[i];
		res->tests[res->ntests].verdict = VERDICT_ERROR;
		res->tests[res->ntests].reason = REASON_NOT_REACHED;
		res->ntests++;
	}
	error_clear(&err);
	if (probe(eng, r, &crew, &err) < 0) {
		crew_finish(eng, &crew);
		res->error = err;
		res->elapsed_ms = (long)(net_now_ms() - started);
		goto out;
	}
	if (cases_vars_set(&eng->vars, p->from, p->to, res->domain, res->greeting_host,
			   res->address) < 0) {
		error_set(&res->error, ERR_INTERNAL, "cannot build the test addresses");
		res->tested = 0;
		session_quit(&r->s);
		crew_finish(eng, &crew);
		goto out;
	}
	r->vars = eng->vars;
	switch (remedy_identify(res)) {
	case SOFTWARE_POSTFIX:
	case SOFTWARE_SENDMAIL:
	case SOFTWARE_OPENSMTPD:
		eng->scarce_commands = RUN_SCARCE_COMMANDS_KNOWN;
		break;
	default:
		eng->scarce_commands = RUN_SCARCE_COMMANDS;
	}
	tlsplan_auth(eng, r);
	plan_build(eng, lane_size(p));
	transcript_note(&res->log, "plan: %zu lanes, at most %d connections at once", eng->nlanes,
			p->connections);
	run_round(eng, r, &crew);
	/* Tests the server would not let run get one more try on new connections. */
	tlsplan_mark_reruns(eng);
	if (eng->stop == NULL && plan_reruns(eng, lane_size(p)) > 0) {
		transcript_note(&res->log, "rerun round: %zu lanes on fresh connections",
				eng->nlanes);
		run_round(eng, r, NULL);
	}
	plan_copy_twins(res);
	tlsplan_warnings(eng);
	summary_build(res, eng);
	res->elapsed_ms = (long)(net_now_ms() - started);
out:
	pthread_cond_destroy(&eng->changed);
	pthread_mutex_destroy(&eng->lock);
}

enum run_status run_untested(const struct target *t, enum err_kind kind, const char *why,
			     struct target_result *res)
{
	memset(res, 0, sizeof(*res));
	transcript_init(&res->log, 0);
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

	if (t->error[0] != '\0')
		return run_untested(t, ERR_RESOLVE, t->error, res);
	memset(res, 0, sizeof(*res));
	transcript_init(&res->log, p->verbose);
	res->status = RUN_UNTESTED;
	res->target = *t;
	eng = calloc(1, sizeof(*eng));
	r = calloc(1, sizeof(*r));
	if (eng == NULL || r == NULL) {
		error_set(&res->error, ERR_LOCAL, "relaytest ran out of memory");
	} else {
		net_set_connect_hook(p->connect_hook, p->connect_ctx);
		run_target_with(p, t, res, eng, r);
	}
	free(eng);
	free(r);
	return res->status;
}

void run_free(struct target_result *res)
{
	transcript_free(&res->log);
}
