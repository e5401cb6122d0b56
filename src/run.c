/* run.c - walk the test table against one target, with reconnects. */
#include "run.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

static void add_warning(struct target_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add_warning(struct target_result *res, const char *fmt, ...)
{
	va_list ap;

	if (res->nwarnings >= RUN_WARNINGS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(res->warnings[res->nwarnings++], RUN_WARNING_MAX, fmt, ap);
	va_end(ap);
}

/* The HELO name: --helo, else this host's name when it is fully qualified,
 * else our own address literal (RFC 5321 4.1.4). No DNS is consulted. */
static void choose_helo(const struct config *cfg, char *buf, size_t cap)
{
	char name[256];

	buf[0] = '\0';
	if (cfg->helo != NULL) {
		text_copy(buf, cap, cfg->helo);
		return;
	}
	if (gethostname(name, sizeof(name)) == 0) {
		name[sizeof(name) - 1] = '\0';
		if (strchr(name, '.') != NULL && name[strlen(name) - 1] != '.' &&
		    text_check_arg(name) == NULL)
			text_copy(buf, cap, name);
	}
}

static int open_session(struct runner *r, struct rt_error *err)
{
	struct target_result *res = r->res;
	int rc = session_open(&r->s, res->target.host, res->target.port, r->cfg->family,
			      res->helo[0] != '\0' ? res->helo : NULL, err);

	/* The first connection fixes the name every later one greets with. */
	if (res->helo[0] == '\0' && r->s.helo[0] != '\0')
		text_copy(res->helo, sizeof(res->helo), r->s.helo);
	res->connections = r->s.number;
	r->fresh = 1;
	r->idle = 1;
	r->dirty = 0;
	return rc;
}
/* Whether the case cannot run against this server; if so, the note says why. */
int run_skip_reason(const struct target_result *res, const struct relay_case *tc, char *note,
		    size_t cap)
{
	const struct capabilities *caps = &res->caps;
	int plain = tc->auth == CASE_AUTH_PLAIN_RANDOM || tc->auth == CASE_AUTH_PLAIN_EMPTY;

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
			 caps->starttls ? " (it may offer it only after STARTTLS, which relaytest "
					  "does not speak)"
					: "");
		return 1;
	}
	if (plain ? !caps->auth_plain : !caps->auth_login) {
		snprintf(note, cap, "AUTH %s is not offered (offered: %s)",
			 plain ? "PLAIN" : "LOGIN", caps->auth_mechs);
		return 1;
	}
	return 0;
}
/* Whether the next test must start on a new connection. */
static int needs_fresh_connection(const struct runner *r, const struct relay_case *tc)
{
	if (!r->s.open || r->dirty)
		return 1;
	if (tc->group == CASE_AUTH && !r->fresh)
		return 1;
	return r->s.rejections + RUN_TEST_REJECTIONS_MAX > (unsigned)r->cfg->error_budget;
}

static void run_table(struct runner *r)
{
	struct target_result *res = r->res;
	int reconnect_failures = 0;
	const char *stop = NULL; /* set: every remaining test is not reached */
	char stop_msg[ERROR_MSG_MAX + 64];

	for (size_t i = 0; i < res->ntests; i++) {
		struct test_result *tr = &res->tests[i];
		int64_t started = net_now_ms();

		if (tr->done)
			continue; /* finished inside an earlier pipelined group */
		if (stop == NULL && run_skip_reason(res, tr->tc, tr->note, sizeof(tr->note))) {
			tr->verdict = VERDICT_SKIPPED;
			tr->reason = REASON_NOT_OFFERED;
			continue;
		}
		while (stop == NULL && tr->attempts < 2) {
			struct rt_error err;

			error_clear(&err);
			if (net_now_ms() >= r->s.end_ms) {
				stop = "the time limit for this target ran out first (--max-time)";
				break;
			}
			if (needs_fresh_connection(r, tr->tc)) {
				session_quit(&r->s);
				if (open_session(r, &err) < 0) {
					tr->attempts++;
					if (++reconnect_failures >= RUN_RECONNECT_FAILURES_MAX) {
						snprintf(stop_msg, sizeof(stop_msg),
							 "could not reconnect: %s", err.msg);
						stop = stop_msg;
					} else if (tr->attempts >= 2) {
						step_fail(tr, step_reason_of(&err), err.msg);
					}
					continue;
				}
				reconnect_failures = 0;
			}
			tr->attempts++;
			tr->connection = r->s.number;
			if (group_can(r, tr)) {
				if (group_run(r, i, group_end(r, i), &err) == STEP_DONE) {
					if (tr->done)
						break;
					tr->attempts--; /* refused sender: run it alone now */
					continue;
				}
			} else if (step_run_case(r, tr, &err) == STEP_DONE) {
				break;
			}
			transcript_note(&res->log, "test %s interrupted: %s", tr->tc->id, err.msg);
			if (tr->attempts >= 2 || err.kind == ERR_TIMEOUT) {
				/* A timeout already cost a full wait; another would double it. */
				step_fail(tr, step_reason_of(&err), err.msg);
				break;
			}
			tr->note[0] = '\0';
			tr->sent = 0;
		}
		if (stop != NULL)
			step_fail(tr, REASON_NOT_REACHED, stop);
		tr->done = 1;
		tr->ms = (long)(net_now_ms() - started);
	}
	session_quit(&r->s);
	res->connections = r->s.number;
}

/* --domain, else the greeting's host without its first label when it has
 * three or more labels, else that host, else the target's name. */
static void choose_domain(const struct config *cfg, struct target_result *res)
{
	const char *host = res->greeting_host;
	const char *dot = strchr(host, '.');
	int labels = 1;

	for (const char *p = host; *p != '\0'; p++)
		labels += *p == '.';
	if (cfg->domain != NULL) {
		text_copy(res->domain, sizeof(res->domain), cfg->domain);
		text_copy(res->domain_source, sizeof(res->domain_source), "from --domain");
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

static int is_private_address(const char *addr)
{
	static const char *const prefixes[] = {
		"127.",	 "10.",		"192.168.",   "169.254.",	"::1", "fc", "fd",
		"fe80:", "::ffff:127.", "::ffff:10.", "::ffff:192.168."
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(addr, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	/* 172.16.0.0/12 */
	if (strncmp(addr, "172.", 4) == 0) {
		long second = strtol(addr + 4, NULL, 10);

		return second >= 16 && second <= 31;
	}
	return 0;
}

static void summarise(struct target_result *res)
{
	const struct test_result *control = NULL, *first_mail = NULL;
	size_t relay_tests = 0, identical_mail = 0;

	memset(res->counts, 0, sizeof(res->counts));
	for (size_t i = 0; i < res->ntests; i++) {
		const struct test_result *tr = &res->tests[i];

		if (tr->tc->group == CASE_CONTROL) {
			control = tr;
			/* The control's own trouble still makes the run inconclusive. */
			if (tr->verdict == VERDICT_TEMPFAIL || tr->verdict == VERDICT_ERROR)
				res->counts[tr->verdict]++;
			continue;
		}
		res->counts[tr->verdict]++;
		if (tr->verdict == VERDICT_SKIPPED || tr->tc->group == CASE_AUTH)
			continue;
		relay_tests++;
		if (tr->stage == STAGE_MAIL && tr->verdict != VERDICT_ACCEPTED) {
			if (first_mail == NULL)
				first_mail = tr;
			if (tr->code == first_mail->code && strcmp(tr->text, first_mail->text) == 0)
				identical_mail++;
		}
	}
	if (res->counts[VERDICT_ACCEPTED] > 0)
		res->status = RUN_OPEN;
	else if (res->counts[VERDICT_TEMPFAIL] + res->counts[VERDICT_ERROR] > 0)
		res->status = RUN_INCONCLUSIVE;
	else
		res->status = RUN_CLOSED;

	if (control != NULL && control->verdict != VERDICT_ACCEPTED)
		add_warning(res,
			    "The control test (mail to postmaster@%s) was not accepted: the mail "
			    "domain may be wrong (set it with --domain) or the server refuses this "
			    "client, so the denials below may not show how it treats others.",
			    res->domain);
	if (relay_tests > 1 && identical_mail == relay_tests)
		add_warning(
			res,
			"Every test was refused at MAIL FROM with the same reply (%d %s): the "
			"server refuses this client or sender outright, so the recipient tricks "
			"were never tried. Try another --from.",
			first_mail->code, first_mail->text);
	if (res->pipelining_off)
		add_warning(res, "The server sent more replies than commands in a pipelined group, "
				 "so relaytest stopped pipelining and ran those tests again one at "
				 "a time. A server that does this is broken; its PIPELINING cannot "
				 "be trusted.");
	if (is_private_address(res->local_address))
		add_warning(res,
			    "This test ran from %s, a loopback or private address. Servers often "
			    "trust such addresses (Postfix mynetworks), so an outside client may "
			    "see different results; test from outside for the attacker's view.",
			    res->local_address);
}

/* A first connection that was accepted and then dropped, or told 421, is
 * worth one more try; an unreachable or refusing server is not. */
static int first_failure_is_transient(const struct session *s, const struct rt_error *err)
{
	return err->kind == ERR_CLOSED || (err->kind == ERR_REFUSED && s->last_code == 421);
}

enum run_status run_target(const struct config *cfg, const struct target *t,
			   struct target_result *res)
{
	struct runner r;
	struct rt_error err;
	int64_t started = net_now_ms();

	memset(res, 0, sizeof(*res));
	memset(&r, 0, sizeof(r));
	transcript_init(&res->log, cfg->verbose);
	r.cfg = cfg;
	r.res = res;
	session_init(&r.s, &res->log, cfg->timeout_ms, started + cfg->max_time_ms);
	res->status = RUN_UNTESTED;
	res->target = *t;
	if (t->error[0] != '\0') {
		error_set(&res->error, ERR_RESOLVE, "%s", t->error);
		return res->status;
	}
	choose_helo(cfg, res->helo, sizeof(res->helo));
	text_copy(res->from, sizeof(res->from), cfg->from);
	text_copy(res->to, sizeof(res->to), cfg->to);
	for (size_t i = 0; i < cases_count; i++) {
		if (!cfg->selected[i])
			continue;
		res->tests[res->ntests].tc = &cases_table[i];
		res->tests[res->ntests].verdict = VERDICT_ERROR;
		res->tests[res->ntests].reason = REASON_NOT_REACHED;
		res->ntests++;
	}
	error_clear(&err);
	if (open_session(&r, &err) < 0 && first_failure_is_transient(&r.s, &err)) {
		/* A drop or 421 during the greeting may be a passing overload. */
		transcript_note(&res->log, "first connection failed (%s); trying once more",
				err.msg);
		error_clear(&err);
	}
	if (!r.s.open && (err.kind != ERR_NONE || open_session(&r, &err) < 0)) {
		res->error = err;
		res->connections = r.s.number;
		res->elapsed_ms = (long)(net_now_ms() - started);
		return res->status;
	}
	res->tested = 1;
	text_copy(res->address, sizeof(res->address), r.s.conn.peer_addr);
	text_copy(res->local_address, sizeof(res->local_address), r.s.conn.local_addr);
	res->greeting = r.s.greeting;
	res->caps = r.s.caps;
	reply_greeting_host(&res->greeting, res->greeting_host, sizeof(res->greeting_host));
	choose_domain(cfg, res);
	if (cases_vars_set(&r.vars, cfg->from, cfg->to, res->domain, res->greeting_host,
			   res->address) < 0) {
		error_set(&res->error, ERR_INTERNAL, "cannot build the test addresses");
		res->tested = 0;
		session_quit(&r.s);
		return res->status;
	}
	run_table(&r);
	summarise(res);
	res->elapsed_ms = (long)(net_now_ms() - started);
	return res->status;
}

void run_free(struct target_result *res)
{
	transcript_free(&res->log);
}
