/* steps.c - one test's dialogue: MAIL and RCPT (with the null-sender retry),
 * HELO trust, bogus AUTH, and --send's confirmation message. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "runner.h"

static void set_reply(struct test_result *tr, const struct reply *rp, enum run_stage stage)
{
	tr->code = rp->code;
	tr->stage = stage;
	memcpy(tr->enhanced, rp->enhanced, sizeof(tr->enhanced));
	reply_line(rp, 0, tr->text, sizeof(tr->text));
}

static enum classify_step classify_step_of(enum run_stage stage)
{
	switch (stage) {
	case STAGE_HELO:
		return CLASSIFY_EHLO;
	case STAGE_AUTH:
		return CLASSIFY_AUTH;
	case STAGE_MAIL:
		return CLASSIFY_MAIL;
	default:
		return CLASSIFY_RCPT;
	}
}

void step_set_verdict(struct test_result *tr, const struct reply *rp, enum run_stage stage)
{
	const char *sent[] = { tr->mail_from, tr->rcpt_to, tr->helo };
	struct classification c;

	set_reply(tr, rp, stage);
	c = classify(classify_step_of(stage), rp, sent, sizeof(sent) / sizeof(sent[0]));
	tr->verdict = c.verdict;
	tr->reason = c.reason;
	tr->rerun = c.action == CLASSIFY_RERUN;
	tr->needs_tls = c.action == CLASSIFY_NEEDS_TLS;
}

/* The reply to the test at lane position r->pos is late, with tests of the
 * lane waiting behind it on this connection: a tarpit answers each in turn
 * as late (Exchange delays every refusal 5 s). Those tests go to other
 * connections now, and more connections are allowed. */
static void hand_back_if_late(struct runner *r, int64_t asked)
{
	int64_t late_ms = r->eng->late_ms + 3 * r->s.hello_ms;
	size_t behind = r->lane_end - r->pos - 1;

	if (late_ms >= r->s.timeout_ms || net_reply_started(&r->s.conn, asked + late_ms) ||
	    !lane_hand_back(r, r->pos + 1))
		return;
	transcript_conn_note(&r->res->log, r->s.number,
			     "no reply within %.1f s: the %zu %s waiting behind it go to other "
			     "connections",
			     (double)late_ms / 1000, behind, behind == 1 ? "test" : "tests");
	run_widen(r->eng);
}

/* The next reply; one that ends the connection (421) is an interruption,
 * not a verdict. */
enum step step_command_reply(struct runner *r, struct reply *rp, struct rt_error *err)
{
	int64_t asked = net_now_ms();

	if (r->lane != NULL && r->pos + 1 < r->lane_end && r->s.open)
		hand_back_if_late(r, asked);
	if (session_read(&r->s, rp, asked, err) < 0)
		return STEP_INTERRUPTED;
	if (rp->code >= 500 && net_now_ms() - asked >= RUN_TARPIT_MS) {
		int first;

		pthread_mutex_lock(&r->eng->lock);
		first = !r->eng->tarpit;
		r->eng->tarpit = 1;
		pthread_mutex_unlock(&r->eng->lock);
		if (first)
			transcript_conn_note(&r->res->log, r->s.number,
					     "refusals come %.1f s late (a tarpit)",
					     (double)(net_now_ms() - asked) / 1000);
	}
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
	return step_command_reply(r, rp, err);
}

/* Whether commands may go out in groups (RFC 2920) on this connection. */
int step_pipelining_ok(const struct runner *r)
{
	return r->s.caps.pipelining && !r->p->no_pipelining && !r->no_pipelining && !r->p->send;
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
void step_note_sender(struct runner *r, const struct relay_case *tc, int code)
{
	if (code / 100 == 2 && strcmp(tc->mail_from, "<{from}>") == 0)
		r->from_ok = 1;
	if (code / 100 != 2)
		r->mail_refused = 1;
}

/* A test refused at MAIL takes MAIL's verdict (1xx/3xx there is not SMTP). */
void step_finish_at_mail(struct test_result *tr, const struct reply *rp)
{
	step_set_verdict(tr, rp, STAGE_MAIL);
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
	step_note_sender(r, tr->tc, rp.code);
	if (rp.code / 100 != 2 && retry_null) {
		char refused[REPLY_TEXT_MAX];

		reply_line(&rp, 0, refused, sizeof(refused));
		text_format(tr->note, sizeof(tr->note),
			    "sender %s refused at MAIL (%d %s); retried with <>", from, rp.code,
			    refused);
		text_copy(tr->mail_from, sizeof(tr->mail_from), "<>");
		if (command(r, "MAIL FROM:<>", &rp, err) != STEP_DONE)
			return STEP_INTERRUPTED;
	}
	if (rp.code / 100 != 2) {
		step_finish_at_mail(tr, &rp);
		return STEP_DONE;
	}
	snprintf(cmd, sizeof(cmd), "RCPT TO:%s", to);
	if (command(r, cmd, &rp, err) != STEP_DONE)
		return STEP_INTERRUPTED;
	step_set_verdict(tr, &rp, STAGE_RCPT);
	if (confirm && r->p->send && tr->verdict == VERDICT_ACCEPTED)
		confirm_relay(r, tr);
	return STEP_DONE;
}

void step_fail(struct test_result *tr, enum reason why, const char *msg)
{
	/* A server that keeps closing on us never let the test run. */
	tr->verdict = why == REASON_CLOSING ? VERDICT_UNTESTED : VERDICT_ERROR;
	/* Dropped twice: one more try on a fresh connection after the rest. */
	tr->rerun = why == REASON_CLOSING || why == REASON_CONNECTION;
	tr->reason = why;
	tr->code = 0;
	tr->enhanced[0] = '\0';
	text_copy(tr->text, sizeof(tr->text), msg);
}

/* Expand the case's MAIL and RCPT templates into buffers of RUN_ADDR_MAX. */
int step_expand(struct test_result *tr, const struct case_vars *v, char *from, char *to)
{
	if (cases_expand(tr->tc->mail_from, v, from, RUN_ADDR_MAX) < 0 ||
	    cases_expand(tr->tc->rcpt_to, v, to, RUN_ADDR_MAX) < 0) {
		step_fail(tr, REASON_PROTOCOL, "an expanded address is too long");
		return -1;
	}
	return 0;
}

static enum step run_plain(struct runner *r, struct test_result *tr, struct rt_error *err)
{
	const struct relay_case *tc = tr->tc;
	char from[RUN_ADDR_MAX], to[RUN_ADDR_MAX];

	if (step_expand(tr, &r->vars, from, to) < 0)
		return STEP_DONE;
	if (mail_rcpt(r, tr, from, to, tc->group == CASE_RECIPIENT, tc->group != CASE_CONTROL,
		      err) != STEP_DONE)
		return STEP_INTERRUPTED;
	if (tc->group == CASE_CONTROL && tr->verdict == VERDICT_ACCEPTED)
		tr->reason = REASON_CONTROL_OK;
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
	while (auth_next(&d, rp.code == 334 ? rp.text : NULL, cmd, sizeof(cmd)) == 0) {
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
		if (step_expand(&then, &r->vars, from, to) < 0)
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
	step_set_verdict(tr, &rp, STAGE_AUTH);
	if (tr->verdict == VERDICT_ACCEPTED) {
		/* Any other 2xx than 235 is off-script. */
		tr->verdict = VERDICT_ERROR;
		tr->reason = REASON_PROTOCOL;
	}
	return STEP_DONE;
}

enum step step_run_case(struct runner *r, struct test_result *tr, struct rt_error *err)
{
	struct reply rp;

	if (r->idle) {
		rp.code = 250; /* nothing to reset */
	} else if (command(r, "RSET", &rp, err) != STEP_DONE) {
		return STEP_INTERRUPTED;
	}
	if (rp.code != 250) {
		error_set(err, ERR_PROTOCOL, "RSET was answered %d", rp.code);
		session_close(&r->s, "RSET refused");
		return STEP_INTERRUPTED;
	}
	/* A HELO-trust test's connection greeted with its name: the rest is plain. */
	if (tr->tc->group == CASE_AUTH)
		return run_auth(r, tr, err);
	return run_plain(r, tr, err);
}

enum reason step_reason_of(const struct rt_error *err)
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
