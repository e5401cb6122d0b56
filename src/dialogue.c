/* dialogue.c - one test's commands and what each reply means for it: MAIL
 * and RCPT (with the null-sender retry), bogus AUTH and what it then
 * allows, and --send's confirmation message. No sockets: the commands go
 * into the loop, the replies come back from it.
 *
 * Pipelined, a test's RSET, MAIL and RCPT go out at once; a recipient
 * trick whose sender is refused, and a relay accepted, then run again
 * alone (an open-relay verdict must not rest on a reply a broken server
 * may have shifted). Lock-step, each command follows the reply before.
 *
 * An accepted relay, lock-step and without --send, may be probed: DATA
 * alone, and whatever its reply, the caller closes the connection at once
 * (DIALOGUE_HANG_UP), so no byte of a message is ever sent. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "runner.h"

static int add(struct loop *l, size_t owner, enum loop_kind kind, const char *verb, const char *arg)
{
	char line[SESSION_COMMAND_MAX + 1];

	snprintf(line, sizeof(line), "%s%s", verb, arg);
	return loop_add(l, owner, kind, 0, line);
}

/* The owner of the command being answered, for the commands that follow. */
static size_t owner_of(const struct loop_command *c)
{
	return c->owner;
}

static enum dialogue_next begin_auth(struct dialogue *d, struct loop *l, size_t owner)
{
	char line[SESSION_COMMAND_MAX];

	auth_start(&d->auth, d->tr->tc->auth);
	text_copy(d->tr->note, sizeof(d->tr->note), d->auth.description);
	if (auth_next(&d->auth, NULL, line, sizeof(line)) < 0 ||
	    loop_add(l, owner, LOOP_AUTH, 1, line) < 0)
		return DIALOGUE_ALONE;
	return DIALOGUE_WAIT;
}

enum dialogue_next dialogue_begin(struct dialogue *d, const struct dialogue_context *ctx,
				  struct loop *l, size_t owner, struct test_result *tr, int idle)
{
	const struct relay_case *tc = tr->tc;

	memset(d, 0, sizeof(*d));
	d->tr = tr;
	if (cases_expand(tc->mail_from, ctx->vars, d->from, sizeof(d->from)) < 0 ||
	    cases_expand(tc->rcpt_to, ctx->vars, d->to, sizeof(d->to)) < 0) {
		test_fail(ctx->log, ctx->conn, tr, REASON_PROTOCOL,
			  "an expanded address is too long");
		return DIALOGUE_DECIDED;
	}
	if (!idle && loop_add(l, owner, LOOP_RSET, 0, "RSET") < 0)
		return DIALOGUE_ALONE;
	if (tc->group == CASE_AUTH)
		return begin_auth(d, l, owner);
	text_copy(tr->mail_from, sizeof(tr->mail_from), d->from);
	text_copy(tr->rcpt_to, sizeof(tr->rcpt_to), d->to);
	d->null_retry = tc->group == CASE_RECIPIENT;
	d->confirm = tc->group != CASE_CONTROL && ctx->send;
	if (add(l, owner, LOOP_MAIL, "MAIL FROM:", d->from) < 0 ||
	    (ctx->pipelined && add(l, owner, LOOP_RCPT, "RCPT TO:", d->to) < 0))
		return DIALOGUE_ALONE;
	return DIALOGUE_WAIT;
}

/* The --send message: plain ASCII, labelled, with the token in Subject and body. */
static void compose_message(struct dialogue *d, const struct dialogue_context *ctx)
{
	const struct test_result *tr = d->tr;
	const struct target_result *res = ctx->res;
	char date[64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	text_format(d->message, sizeof(d->message),
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
		    ctx->vars->from, ctx->vars->to, tr->token, tr->tc->id, date, tr->token,
		    tr->token, res->target.name, res->address, res->target.port, tr->tc->id,
		    tr->tc->description, tr->mail_from, tr->rcpt_to, tr->token, date);
}

/* An accepted relay, lock-step, with --send: DATA follows. */
static enum dialogue_next confirm(struct dialogue *d, struct loop *l, size_t owner)
{
	auth_token(d->tr->token, sizeof(d->tr->token));
	d->tr->sent = -1;
	if (loop_add(l, owner, LOOP_DATA, 1, "DATA") < 0)
		return DIALOGUE_DECIDED;
	return DIALOGUE_WAIT;
}

enum dialogue_next dialogue_probe(struct dialogue *d, struct loop *l, size_t owner)
{
	if (loop_add(l, owner, LOOP_DATA, 1, "DATA") < 0)
		return DIALOGUE_DECIDED;
	d->probing = 1;
	return DIALOGUE_WAIT;
}

/* "; " and text after tr's note (or text alone). */
static void add_note(struct test_result *tr, const char *text)
{
	size_t used = strlen(tr->note);

	snprintf(tr->note + used, sizeof(tr->note) - used, "%s%s", used > 0 ? "; " : "", text);
}

/* The reply to the probe's DATA: 354 confirms the relay; a refusal decides
 * the test at DATA (a 5xx denied, a 4xx temporary unless it refuses the
 * relay); anything else leaves the RCPT verdict standing, unconfirmed. */
static enum dialogue_next probe_reply(struct dialogue *d, const struct reply *rp)
{
	struct test_result *tr = d->tr;
	char line[REPLY_TEXT_MAX], rcpt[RUN_NOTE_MAX];

	reply_line(rp, 0, line, sizeof(line));
	text_format(tr->data_reply, sizeof(tr->data_reply), "%d %s", rp->code, line);
	if (rp->code == 354) {
		tr->data_probe = DATA_PROBE_CONFIRMED;
		return DIALOGUE_HANG_UP;
	}
	if (rp->code < 400 || rp->code > 599) {
		tr->data_probe = DATA_PROBE_NO_ANSWER;
		return DIALOGUE_HANG_UP;
	}
	text_format(rcpt, sizeof(rcpt), "accepted at RCPT (%d%s%s), refused at DATA: %s", tr->code,
		    tr->enhanced[0] != '\0' ? " " : "", tr->enhanced, tr->data_reply);
	test_verdict(tr, rp, STAGE_DATA);
	tr->rerun = tr->needs_tls = 0; /* the answer to this RCPT stands */
	if (rp->code >= 500 && tr->verdict != VERDICT_DENIED) {
		tr->verdict = VERDICT_DENIED;
		tr->reason = REASON_POLICY;
	} else if (rp->code < 500 && tr->verdict != VERDICT_DENIED) {
		tr->verdict = VERDICT_TEMPFAIL;
		if (tr->reason != REASON_GREYLIST)
			tr->reason = REASON_TEMPORARY;
	}
	tr->data_probe = tr->verdict == VERDICT_DENIED ? DATA_PROBE_REFUSED : DATA_PROBE_TEMPFAIL;
	add_note(tr, rcpt);
	return DIALOGUE_HANG_UP;
}

static enum dialogue_next data_reply(struct dialogue *d, const struct dialogue_context *ctx,
				     struct loop *l, const struct loop_command *c,
				     const struct reply *rp)
{
	struct test_result *tr = d->tr;
	char line[REPLY_TEXT_MAX];

	if (d->probing)
		return probe_reply(d, rp);
	reply_line(rp, 0, line, sizeof(line));
	if (c->kind == LOOP_DATA && rp->code == 354) {
		compose_message(d, ctx);
		if (loop_add_message(l, owner_of(c), d->message) < 0)
			return DIALOGUE_DECIDED;
		return DIALOGUE_WAIT;
	}
	if (c->kind == LOOP_DATA) {
		text_format(tr->send_result, sizeof(tr->send_result), "DATA refused: %d %s",
			    rp->code, line);
		return DIALOGUE_DECIDED;
	}
	tr->sent = rp->code / 100 == 2 ? 1 : -1;
	text_format(tr->send_result, sizeof(tr->send_result), "message %s: %d %s",
		    tr->sent == 1 ? "accepted for delivery" : "refused", rp->code, line);
	return DIALOGUE_DECIDED;
}

/* After a 235, MAIL and RCPT show what the bogus credentials allow; the
 * 235 alone is the finding, their outcome goes to the note. */
static enum dialogue_next after_auth(struct dialogue *d, const struct dialogue_context *ctx,
				     struct loop *l, const struct loop_command *c,
				     const struct reply *rp)
{
	struct test_result then = *d->tr;
	size_t used;

	if (c->kind == LOOP_MAIL && rp->code / 100 == 2)
		return add(l, owner_of(c), LOOP_RCPT, "RCPT TO:", d->to) < 0 ? DIALOGUE_DECIDED
									     : DIALOGUE_WAIT;
	test_verdict(&then, rp, c->kind == LOOP_MAIL ? STAGE_MAIL : STAGE_RCPT);
	used = strlen(d->tr->note);
	snprintf(d->tr->note + used, sizeof(d->tr->note) - used, "; then %s -> %s: %d %s (%s)",
		 d->from, d->to, then.code, then.enhanced, classify_verdict_name(then.verdict));
	text_copy(d->tr->mail_from, sizeof(d->tr->mail_from), d->from);
	text_copy(d->tr->rcpt_to, sizeof(d->tr->rcpt_to), d->to);
	if (c->kind == LOOP_RCPT && then.verdict == VERDICT_ACCEPTED && ctx->send)
		return confirm(d, l, owner_of(c));
	return DIALOGUE_DECIDED;
}

static enum dialogue_next auth_reply(struct dialogue *d, struct loop *l,
				     const struct loop_command *c, const struct reply *rp)
{
	char line[SESSION_COMMAND_MAX];

	if (rp->code == 334 && auth_next(&d->auth, rp->text, line, sizeof(line)) == 0)
		return loop_add(l, owner_of(c), LOOP_AUTH, 1, line) < 0 ? DIALOGUE_DECIDED
									: DIALOGUE_WAIT;
	test_verdict(d->tr, rp, STAGE_AUTH);
	if (d->tr->reason != REASON_AUTH_BOGUS)
		return DIALOGUE_DECIDED;
	d->auth_done = 1;
	return add(l, owner_of(c), LOOP_MAIL, "MAIL FROM:", d->from) < 0 ? DIALOGUE_DECIDED
									 : DIALOGUE_WAIT;
}

/* MAIL refused: a recipient trick tries again with <> (alone when
 * pipelined); any other test is decided by the refusal. */
static enum dialogue_next mail_refused(struct dialogue *d, const struct dialogue_context *ctx,
				       struct loop *l, const struct loop_command *c,
				       const struct reply *rp)
{
	struct test_result *tr = d->tr;
	char refused[REPLY_TEXT_MAX];

	if (!d->null_retry || strcmp(tr->mail_from, "<>") == 0) {
		test_verdict(tr, rp, STAGE_MAIL);
		return DIALOGUE_DECIDED;
	}
	if (ctx->pipelined)
		return DIALOGUE_ALONE;
	reply_line(rp, 0, refused, sizeof(refused));
	text_format(tr->note, sizeof(tr->note),
		    "sender %s refused at MAIL (%d %s); retried with <>", d->from, rp->code,
		    refused);
	text_copy(tr->mail_from, sizeof(tr->mail_from), "<>");
	return loop_add(l, owner_of(c), LOOP_MAIL, 0, "MAIL FROM:<>") < 0 ? DIALOGUE_ALONE
									  : DIALOGUE_WAIT;
}

static enum dialogue_next rcpt_reply(struct dialogue *d, const struct dialogue_context *ctx,
				     struct loop *l, const struct loop_command *c,
				     const struct reply *rp)
{
	struct test_result *tr = d->tr;

	test_verdict(tr, rp, STAGE_RCPT);
	if (tr->verdict != VERDICT_ACCEPTED || tr->tc->group == CASE_CONTROL)
		return DIALOGUE_DECIDED;
	if (ctx->pipelined)
		return DIALOGUE_ALONE; /* confirmed alone before it is reported */
	if (d->confirm)
		return confirm(d, l, owner_of(c));
	return ctx->probe ? DIALOGUE_PROBE : DIALOGUE_DECIDED;
}

enum dialogue_next dialogue_reply(struct dialogue *d, const struct dialogue_context *ctx,
				  struct loop *l, const struct loop_command *c,
				  const struct reply *rp, struct rt_error *err)
{
	switch (c->kind) {
	case LOOP_RSET:
		if (rp->code == 250)
			return DIALOGUE_WAIT;
		error_set(err, ERR_PROTOCOL, "RSET was answered %d", rp->code);
		return DIALOGUE_BROKEN;
	case LOOP_AUTH:
		return auth_reply(d, l, c, rp);
	case LOOP_DATA:
	case LOOP_MESSAGE:
		return data_reply(d, ctx, l, c, rp);
	default:
		break;
	}
	if (d->auth_done)
		return after_auth(d, ctx, l, c, rp);
	if (c->kind == LOOP_MAIL) {
		d->mail_ok = rp->code / 100 == 2;
		if (!d->mail_ok)
			return mail_refused(d, ctx, l, c, rp);
		if (ctx->pipelined)
			return DIALOGUE_WAIT;
		return add(l, owner_of(c), LOOP_RCPT, "RCPT TO:", d->to) < 0 ? DIALOGUE_ALONE
									     : DIALOGUE_WAIT;
	}
	/* RCPT: after a refused MAIL its reply means nothing. */
	return d->mail_ok ? rcpt_reply(d, ctx, l, c, rp) : DIALOGUE_WAIT;
}

enum dialogue_next dialogue_failed(struct dialogue *d, const struct loop_command *c,
				   const struct rt_error *err)
{
	struct test_result *tr = d->tr;

	if (d->probing) {
		/* The RCPT verdict stands, unconfirmed. */
		tr->data_probe = DATA_PROBE_NO_ANSWER;
		text_format(tr->data_reply, sizeof(tr->data_reply), "no reply (%s)", err->msg);
		return DIALOGUE_DECIDED;
	}
	if (c->kind == LOOP_DATA || c->kind == LOOP_MESSAGE) {
		text_format(tr->send_result, sizeof(tr->send_result), "%s: %s",
			    c->kind == LOOP_DATA ? "DATA failed" : "message not completed",
			    err->msg);
		return DIALOGUE_DECIDED;
	}
	return d->auth_done ? DIALOGUE_DECIDED : DIALOGUE_WAIT;
}

void dialogue_end(struct dialogue *d)
{
	memset(&d->auth, 0, sizeof(d->auth)); /* the random password */
}
