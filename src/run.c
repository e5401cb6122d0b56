/* run.c - walk the test table against one target, with reconnects. */
#include "run.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "session.h"

/* The most rejections one test can cause (MAIL refused, then MAIL <> refused). */
#define RUN_TEST_REJECTIONS_MAX 2
/* Consecutive failed reconnects after which the rest is "not reached". */
#define RUN_RECONNECT_FAILURES_MAX 2

enum step {
	STEP_DONE,	 /* the test has its verdict */
	STEP_INTERRUPTED /* the connection went away mid-test; err says how */
};

struct runner {
	const struct config *cfg;
	struct target_result *res;
	struct session s;
	struct case_vars vars;
	int fresh;	   /* no test has run on this connection yet */
	int idle;	   /* no transaction open: RSET would change nothing */
	int dirty;	   /* this connection may not carry another test (after AUTH) */
	int from_ok;	   /* MAIL FROM:<{from}> has been accepted */
	int mail_refused;  /* some MAIL has been refused: groups must be smaller */
	int no_pipelining; /* the server broke a pipelined group: lock-step from then on */
};

static const char *const stage_names[] = {
	[STAGE_NONE] = "",     [STAGE_CONNECT] = "connect", [STAGE_HELO] = "EHLO",
	[STAGE_AUTH] = "AUTH", [STAGE_MAIL] = "MAIL",	    [STAGE_RCPT] = "RCPT",
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

static void set_reply(struct test_result *tr, const struct reply *rp, enum run_stage stage)
{
	tr->code = rp->code;
	tr->stage = stage;
	memcpy(tr->enhanced, rp->enhanced, sizeof(tr->enhanced));
	reply_line(rp, 0, tr->text, sizeof(tr->text));
}

static void set_verdict(struct test_result *tr, const struct reply *rp, enum run_stage stage)
{
	set_reply(tr, rp, stage);
	tr->verdict = classify_reply(rp, &tr->reason);
}

/* The next reply; one that ends the connection (421) is an interruption,
 * not a verdict. */
static enum step command_reply(struct runner *r, struct reply *rp, struct rt_error *err)
{
	if (session_read(&r->s, rp, err) < 0)
		return STEP_INTERRUPTED;
	if (rp->code == 421) {
		char line[REPLY_TEXT_MAX];

		reply_line(rp, 0, line, sizeof(line));
		error_set(err, ERR_REFUSED, "421 %s", line);
		return STEP_INTERRUPTED;
	}
	return STEP_DONE;
}

static enum step command(struct runner *r, const char *cmd, struct reply *rp, struct rt_error *err)
{
	reply_init(rp);
	if (session_send_group(&r->s, &cmd, 1, err) < 0)
		return STEP_INTERRUPTED;
	r->fresh = 0;
	r->idle = 0;
	return command_reply(r, rp, err);
}

/* Whether commands may go out in groups (RFC 2920) on this connection. */
static int pipelining_ok(const struct runner *r)
{
	return r->s.caps.pipelining && !r->cfg->no_pipelining && !r->no_pipelining && !r->cfg->send;
}

/* The --send message: plain ASCII, labelled, with the token in Subject and body. */
static void compose_message(const struct runner *r, const struct test_result *tr, char *buf,
			    size_t cap)
{
	char date[64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	text_format(buf, cap,
		    "From: relaytest <%s>\r\n"
		    "To: <%s>\r\n"
		    "Subject: relaytest open relay confirmation %s (%s)\r\n"
		    "Date: %s\r\n"
		    "Message-ID: <%s@relaytest.invalid>\r\n"
		    "MIME-Version: 1.0\r\n"
		    "Content-Type: text/plain; charset=us-ascii\r\n"
		    "X-Relaytest-Token: %s\r\n"
		    "\r\n"
		    "This message was sent by relaytest, an open relay tester, because it was\r\n"
		    "run with --send to confirm that a server relays mail for strangers.\r\n"
		    "\r\n"
		    "Server:  %s (%s port %s)\r\n"
		    "Test:    %s - %s\r\n"
		    "Sent as: MAIL FROM:%s RCPT TO:%s\r\n"
		    "Token:   %s\r\n"
		    "Time:    %s\r\n"
		    "\r\n"
		    "If this message reached you, that server is an open relay.\r\n",
		    r->vars.from, r->vars.to, tr->token, tr->tc->id, date, tr->token, tr->token,
		    r->res->target.name, r->res->address, r->res->target.port, tr->tc->id,
		    tr->tc->description, tr->mail_from, tr->rcpt_to, tr->token, date);
}

/* --send: complete an accepted relay with one message to --to. Whatever
 * happens, the test's verdict stands; the outcome goes to send_result. */
static void confirm_relay(struct runner *r, struct test_result *tr)
{
	char body[SESSION_MESSAGE_MAX];
	struct reply rp;
	struct rt_error err;
	char line[REPLY_TEXT_MAX];

	auth_token(tr->token, sizeof(tr->token));
	compose_message(r, tr, body, sizeof(body));
	tr->sent = -1;
	if (command(r, "DATA", &rp, &err) != STEP_DONE) {
		text_format(tr->send_result, sizeof(tr->send_result), "DATA failed: %s", err.msg);
		return;
	}
	reply_line(&rp, 0, line, sizeof(line));
	if (rp.code != 354) {
		text_format(tr->send_result, sizeof(tr->send_result), "DATA refused: %d %s",
			    rp.code, line);
		return;
	}
	if (session_data(&r->s, body, &rp, &err) < 0) {
		text_format(tr->send_result, sizeof(tr->send_result), "message not completed: %s",
			    err.msg);
		return;
	}
	reply_line(&rp, 0, line, sizeof(line));
	tr->sent = rp.code / 100 == 2 ? 1 : -1;
	text_format(tr->send_result, sizeof(tr->send_result), "message %s: %d %s",
		    tr->sent == 1 ? "accepted for delivery" : "refused", rp.code, line);
}

/* Remember that the external sender passes MAIL: groups can then be larger. */
static void note_sender(struct runner *r, const struct relay_case *tc, int code)
{
	if (code / 100 == 2 && strcmp(tc->mail_from, "<{from}>") == 0)
		r->from_ok = 1;
	if (code / 100 != 2)
		r->mail_refused = 1;
}

/* A test refused at MAIL takes MAIL's verdict (1xx/3xx there is not SMTP). */
static void finish_at_mail(struct test_result *tr, const struct reply *rp)
{
	set_verdict(tr, rp, STAGE_MAIL);
	if (tr->verdict == VERDICT_ACCEPTED || tr->verdict == VERDICT_ERROR) {
		tr->verdict = VERDICT_ERROR;
		tr->reason = REASON_PROTOCOL;
	}
}

/* MAIL then RCPT; a recipient trick whose sender is refused retries with <>.
 * With confirm and --send, an accepted RCPT is completed with a message. */
static enum step mail_rcpt(struct runner *r, struct test_result *tr, const char *from,
			   const char *to, int retry_null, int confirm, struct rt_error *err)
{
	char cmd[SESSION_COMMAND_MAX];
	struct reply rp;

	text_copy(tr->mail_from, sizeof(tr->mail_from), from);
	text_copy(tr->rcpt_to, sizeof(tr->rcpt_to), to);
	snprintf(cmd, sizeof(cmd), "MAIL FROM:%s", from);
	if (command(r, cmd, &rp, err) != STEP_DONE)
		return STEP_INTERRUPTED;
	note_sender(r, tr->tc, rp.code);
	if (rp.code / 100 != 2 && retry_null) {
		char refused[REPLY_TEXT_MAX];

		reply_line(&rp, 0, refused, sizeof(refused));
		text_format(tr->note, sizeof(tr->note),
			    "sender %s refused at MAIL (%d %s); retried with <>", from, rp.code,
			    refused);
		tr->null_sender_retry = 1;
		text_copy(tr->mail_from, sizeof(tr->mail_from), "<>");
		if (command(r, "MAIL FROM:<>", &rp, err) != STEP_DONE)
			return STEP_INTERRUPTED;
	}
	if (rp.code / 100 != 2) {
		finish_at_mail(tr, &rp);
		return STEP_DONE;
	}
	snprintf(cmd, sizeof(cmd), "RCPT TO:%s", to);
	if (command(r, cmd, &rp, err) != STEP_DONE)
		return STEP_INTERRUPTED;
	set_verdict(tr, &rp, STAGE_RCPT);
	if (confirm && r->cfg->send && tr->verdict == VERDICT_ACCEPTED)
		confirm_relay(r, tr);
	return STEP_DONE;
}

static void fail_test(struct test_result *tr, enum reason why, const char *msg)
{
	tr->verdict = VERDICT_ERROR;
	tr->reason = why;
	tr->code = 0;
	tr->enhanced[0] = '\0';
	text_copy(tr->text, sizeof(tr->text), msg);
}

/* Expand the case's MAIL and RCPT templates into buffers of RUN_ADDR_MAX. */
static int expand_addresses(struct test_result *tr, const struct case_vars *v, char *from, char *to)
{
	if (cases_expand(tr->tc->mail_from, v, from, RUN_ADDR_MAX) < 0 ||
	    cases_expand(tr->tc->rcpt_to, v, to, RUN_ADDR_MAX) < 0) {
		fail_test(tr, REASON_PROTOCOL, "an expanded address is too long");
		return -1;
	}
	return 0;
}

static enum step run_plain(struct runner *r, struct test_result *tr, struct rt_error *err)
{
	const struct relay_case *tc = tr->tc;
	char from[RUN_ADDR_MAX], to[RUN_ADDR_MAX];

	if (expand_addresses(tr, &r->vars, from, to) < 0)
		return STEP_DONE;
	if (mail_rcpt(r, tr, from, to, tc->group == CASE_RECIPIENT, tc->group != CASE_CONTROL,
		      err) != STEP_DONE)
		return STEP_INTERRUPTED;
	if (tc->group == CASE_CONTROL && tr->verdict == VERDICT_ACCEPTED)
		tr->reason = REASON_CONTROL_OK;
	return STEP_DONE;
}

static enum step run_helo(struct runner *r, struct test_result *tr, struct rt_error *err)
{
	char name[RUN_ADDR_MAX], cmd[SESSION_COMMAND_MAX], back[SESSION_COMMAND_MAX];
	char mail[SESSION_COMMAND_MAX], rcpt[SESSION_COMMAND_MAX];
	int mail_ok;
	char from[RUN_ADDR_MAX], to[RUN_ADDR_MAX];
	struct reply rp;

	if (cases_expand(tr->tc->helo, &r->vars, name, sizeof(name)) < 0 ||
	    expand_addresses(tr, &r->vars, from, to) < 0) {
		fail_test(tr, REASON_PROTOCOL, "an expanded address or name is too long");
		return STEP_DONE;
	}
	text_copy(tr->helo, sizeof(tr->helo), name);
	snprintf(cmd, sizeof(cmd), "%s %s", r->s.caps.esmtp ? "EHLO" : "HELO", name);
	if (command(r, cmd, &rp, err) != STEP_DONE)
		return STEP_INTERRUPTED;
	snprintf(back, sizeof(back), "%s %s", r->s.caps.esmtp ? "EHLO" : "HELO", r->res->helo);
	if (rp.code != 250) {
		set_verdict(tr, &rp, STAGE_HELO);
		if (tr->verdict == VERDICT_ACCEPTED)
			tr->verdict = VERDICT_ERROR, tr->reason = REASON_PROTOCOL;
	} else if (pipelining_ok(r)) {
		/* MAIL, RCPT and the EHLO that ends the group, in one round trip. */
		const char *cmds[3] = { mail, rcpt, back };

		snprintf(mail, sizeof(mail), "MAIL FROM:%s", from);
		snprintf(rcpt, sizeof(rcpt), "RCPT TO:%s", to);
		text_copy(tr->mail_from, sizeof(tr->mail_from), from);
		text_copy(tr->rcpt_to, sizeof(tr->rcpt_to), to);
		if (session_send_group(&r->s, cmds, 3, err) < 0 ||
		    command_reply(r, &rp, err) != STEP_DONE)
			return STEP_INTERRUPTED;
		note_sender(r, tr->tc, rp.code);
		mail_ok = rp.code / 100 == 2;
		if (!mail_ok)
			finish_at_mail(tr, &rp);
		if (command_reply(r, &rp, err) != STEP_DONE)
			return STEP_INTERRUPTED;
		if (mail_ok)
			set_verdict(tr, &rp, STAGE_RCPT);
		if (command_reply(r, &rp, err) != STEP_DONE || rp.code != 250)
			r->dirty = 1;
		else
			r->idle = 1;
		return STEP_DONE;
	} else if (mail_rcpt(r, tr, from, to, 0, 1, err) != STEP_DONE) {
		return STEP_INTERRUPTED;
	}
	/* Greet as ourselves again (which also ends the transaction, RFC 5321
	 * 4.1.4) so later tests are not run under the borrowed name. */
	if (command(r, back, &rp, err) != STEP_DONE || rp.code != 250)
		r->dirty = 1;
	else
		r->idle = 1; /* EHLO reset the session: no RSET needed */
	return STEP_DONE;
}

static enum step run_auth(struct runner *r, struct test_result *tr, struct rt_error *err)
{
	struct auth_dialogue d;
	struct reply rp;
	char cmd[SESSION_COMMAND_MAX];

	reply_init(&rp);
	auth_start(&d, tr->tc->auth);
	text_copy(tr->note, sizeof(tr->note), d.description);
	while (auth_next(&d, cmd, sizeof(cmd)) == 0) {
		if (command(r, cmd, &rp, err) != STEP_DONE)
			return STEP_INTERRUPTED;
		if (rp.code != 334)
			break;
	}
	r->dirty = 1; /* credentials, good or bad, stay with this connection */
	set_reply(tr, &rp, STAGE_AUTH);
	if (rp.code == 235) {
		char from[RUN_ADDR_MAX], to[RUN_ADDR_MAX];
		struct test_result then = *tr;
		size_t used;

		tr->verdict = VERDICT_ACCEPTED;
		tr->reason = REASON_AUTH_BOGUS;
		if (expand_addresses(&then, &r->vars, from, to) < 0)
			return STEP_DONE;
		then.note[0] = '\0';
		if (mail_rcpt(r, &then, from, to, 0, 1, err) != STEP_DONE)
			return STEP_DONE; /* the 235 alone is the finding */
		tr->sent = then.sent;
		memcpy(tr->send_result, then.send_result, sizeof(tr->send_result));
		memcpy(tr->token, then.token, sizeof(tr->token));
		used = strlen(tr->note);
		snprintf(tr->note + used, sizeof(tr->note) - used, "; then %s -> %s: %d %s (%s)",
			 from, to, then.code, then.enhanced, classify_verdict_name(then.verdict));
		text_copy(tr->mail_from, sizeof(tr->mail_from), from);
		text_copy(tr->rcpt_to, sizeof(tr->rcpt_to), to);
		return STEP_DONE;
	}
	tr->verdict = classify_reply(&rp, &tr->reason);
	if (rp.code == 334 || tr->verdict == VERDICT_ACCEPTED) {
		/* A 334 after the last answer, or any other 2xx, is off-script. */
		tr->verdict = VERDICT_ERROR;
		tr->reason = REASON_PROTOCOL;
	} else if (tr->verdict == VERDICT_DENIED && tr->reason != REASON_TLS_REQUIRED) {
		tr->reason = REASON_AUTH_FAILED;
	}
	return STEP_DONE;
}

static enum step run_case(struct runner *r, struct test_result *tr, struct rt_error *err)
{
	struct reply rp;

	if (r->idle || tr->tc->group == CASE_HELO) {
		rp.code = 250; /* nothing to reset, or EHLO will (RFC 5321 4.1.4) */
	} else if (command(r, "RSET", &rp, err) != STEP_DONE) {
		return STEP_INTERRUPTED;
	}
	if (rp.code != 250) {
		error_set(err, ERR_PROTOCOL, "RSET was answered %d", rp.code);
		session_close(&r->s, "RSET refused");
		return STEP_INTERRUPTED;
	}
	switch (tr->tc->group) {
	case CASE_HELO:
		return run_helo(r, tr, err);
	case CASE_AUTH:
		return run_auth(r, tr, err);
	default:
		return run_plain(r, tr, err);
	}
}

static enum reason reason_of(const struct rt_error *err)
{
	switch (err->kind) {
	case ERR_TIMEOUT:
		return REASON_TIMEOUT;
	case ERR_PROTOCOL:
		return REASON_PROTOCOL;
	case ERR_REFUSED:
		return REASON_CLOSING;
	default:
		return REASON_CONNECTION;
	}
}

/* Whether the case cannot run against this server; if so, the note says why. */
static int skip_reason(const struct target_result *res, const struct relay_case *tc, char *note,
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

/* --- PIPELINING (RFC 2920) ---------------------------------------------
 * Consecutive plain tests (control, sender forms, recipient tricks) go out
 * as one group of RSET, MAIL, RCPT lines, sized so that the rejections it can
 * draw stay within the error budget; replies are read in order. A recipient
 * trick whose sender is refused runs again alone, to retry with <>. EHLO and
 * AUTH tests stay lock-step, as does --send (DATA must follow its RCPT). */

#define RUN_GROUP_TESTS_MAX 32

static int plain_case(const struct relay_case *tc)
{
	return tc->group == CASE_CONTROL || tc->group == CASE_SENDER || tc->group == CASE_RECIPIENT;
}

static int can_group(const struct runner *r, const struct test_result *tr)
{
	return pipelining_ok(r) && plain_case(tr->tc) && !tr->lock_step && !tr->done;
}

/* Rejections a test may draw: two (MAIL refused, then RCPT refused for want
 * of MAIL) until this server has shown that it takes our MAIL commands, one
 * after that. A server that starts refusing MAIL later still gets correct
 * verdicts; at worst it meets its error limit and the run resumes. */
static unsigned group_cost(const struct runner *r)
{
	return r->from_ok && !r->mail_refused ? 1 : 2;
}

static size_t group_end(const struct runner *r, size_t first)
{
	const struct target_result *res = r->res;
	unsigned budget = (unsigned)r->cfg->error_budget, used = r->s.rejections, cost = 0;
	char note[RUN_NOTE_MAX];
	size_t end = first + 1;

	cost = group_cost(r);
	while (end < res->ntests && end - first < RUN_GROUP_TESTS_MAX) {
		const struct test_result *tr = &res->tests[end];
		unsigned c = group_cost(r);

		if (!can_group(r, tr) || skip_reason(res, tr->tc, note, sizeof(note)) ||
		    used + cost + c > budget)
			break;
		cost += c;
		end++;
	}
	return end;
}

enum group_step { GROUP_RSET, GROUP_MAIL, GROUP_RCPT };

/* Undo a group's verdicts and run its tests again one at a time. */
static void distrust_group(struct runner *r, size_t first, size_t end)
{
	r->no_pipelining = 1;
	r->res->pipelining_off = 1;
	for (size_t k = first; k < end; k++) {
		struct test_result *tr = &r->res->tests[k];

		tr->done = 0;
		tr->lock_step = 1;
		tr->verdict = VERDICT_ERROR;
		tr->reason = REASON_NOT_REACHED;
		tr->code = 0;
		tr->note[0] = '\0';
		if (k != first)
			tr->attempts = 0;
	}
}

/* Run tests [first, end) as one pipelined group. Returns STEP_DONE when the
 * first test is finished (later ones may be too: their done flag says), or
 * STEP_INTERRUPTED with err when the first test's replies did not all come. */
static enum step run_group(struct runner *r, size_t first, size_t end, struct rt_error *err)
{
	struct target_result *res = r->res;
	char lines[RUN_GROUP_TESTS_MAX * 3][SESSION_COMMAND_MAX];
	const char *cmds[RUN_GROUP_TESTS_MAX * 3];
	size_t owner[RUN_GROUP_TESTS_MAX * 3];
	enum group_step kind[RUN_GROUP_TESTS_MAX * 3];
	int mail_ok[RUN_GROUP_TESTS_MAX] = { 0 };
	size_t n = 0;
	int64_t sent_at = net_now_ms();

	for (size_t k = first; k < end; k++) {
		struct test_result *tr = &res->tests[k];
		char from[RUN_ADDR_MAX], to[RUN_ADDR_MAX];

		if (expand_addresses(tr, &r->vars, from, to) < 0) {
			tr->done = 1; /* expand_addresses gave it its verdict */
			continue;
		}
		text_copy(tr->mail_from, sizeof(tr->mail_from), from);
		text_copy(tr->rcpt_to, sizeof(tr->rcpt_to), to);
		if (!(k == first && r->idle)) {
			owner[n] = k, kind[n] = GROUP_RSET;
			cmds[n] = "RSET";
			n++;
		}
		owner[n] = k, kind[n] = GROUP_MAIL;
		snprintf(lines[n], sizeof(lines[n]), "MAIL FROM:%s", from);
		cmds[n] = lines[n];
		n++;
		owner[n] = k, kind[n] = GROUP_RCPT;
		snprintf(lines[n], sizeof(lines[n]), "RCPT TO:%s", to);
		cmds[n] = lines[n];
		n++;
	}
	if (n == 0)
		return STEP_DONE;
	if (session_send_group(&r->s, cmds, n, err) < 0)
		return STEP_INTERRUPTED;
	r->fresh = 0;
	r->idle = 0;
	for (size_t i = 0; i < n; i++) {
		struct test_result *tr = &res->tests[owner[i]];
		struct reply rp;

		if (owner[i] != first && (i == 0 || owner[i - 1] != owner[i]))
			tr->attempts++;
		tr->connection = r->s.number;
		if (command_reply(r, &rp, err) != STEP_DONE) {
			if (owner[i] == first)
				return STEP_INTERRUPTED;
			transcript_note(&res->log, "test %s interrupted: %s", tr->tc->id, err->msg);
			if (tr->attempts >= 2 || err->kind == ERR_TIMEOUT) {
				fail_test(tr, reason_of(err), err->msg);
				tr->done = 1;
			}
			return STEP_DONE;
		}
		switch (kind[i]) {
		case GROUP_RSET:
			if (rp.code != 250) {
				error_set(err, ERR_PROTOCOL, "RSET was answered %d", rp.code);
				session_close(&r->s, "RSET refused");
				return owner[i] == first ? STEP_INTERRUPTED : STEP_DONE;
			}
			break;
		case GROUP_MAIL:
			mail_ok[owner[i] - first] = rp.code / 100 == 2;
			note_sender(r, tr->tc, rp.code);
			if (!mail_ok[owner[i] - first]) {
				if (tr->tc->group == CASE_RECIPIENT) {
					tr->lock_step = 1; /* retried alone, with <> */
				} else {
					finish_at_mail(tr, &rp);
					tr->done = 1;
				}
			}
			break;
		case GROUP_RCPT:
			if (mail_ok[owner[i] - first]) {
				set_verdict(tr, &rp, STAGE_RCPT);
				if (tr->tc->group == CASE_CONTROL &&
				    tr->verdict == VERDICT_ACCEPTED)
					tr->reason = REASON_CONTROL_OK;
				tr->done = 1;
			}
			tr->ms = (long)(net_now_ms() - sent_at);
			break;
		}
	}
	if (net_has_unread(&r->s.conn)) {
		/* More replies than commands: some reply above may belong to
		 * another command. Trust none of the group; lock-step from here. */
		distrust_group(r, first, end);
		error_set(err, ERR_PROTOCOL,
			  "the server sent more replies than commands; PIPELINING turned off");
		session_close(&r->s, err->msg);
		return STEP_INTERRUPTED;
	}
	return res->tests[first].done || res->tests[first].lock_step ? STEP_DONE : STEP_INTERRUPTED;
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
		if (stop == NULL && skip_reason(res, tr->tc, tr->note, sizeof(tr->note))) {
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
						fail_test(tr, reason_of(&err), err.msg);
					}
					continue;
				}
				reconnect_failures = 0;
			}
			tr->attempts++;
			tr->connection = r->s.number;
			if (can_group(r, tr)) {
				if (run_group(r, i, group_end(r, i), &err) == STEP_DONE) {
					if (tr->done)
						break;
					tr->attempts--; /* refused sender: run it alone now */
					continue;
				}
			} else if (run_case(r, tr, &err) == STEP_DONE) {
				break;
			}
			transcript_note(&res->log, "test %s interrupted: %s", tr->tc->id, err.msg);
			if (tr->attempts >= 2 || err.kind == ERR_TIMEOUT) {
				/* A timeout already cost a full wait; another would double it. */
				fail_test(tr, reason_of(&err), err.msg);
				break;
			}
			tr->note[0] = '\0';
			tr->null_sender_retry = 0;
			tr->sent = 0;
		}
		if (stop != NULL)
			fail_test(tr, REASON_NOT_REACHED, stop);
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
