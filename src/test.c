/* test.c - a test's state, with one owner: every change of a test's state
 * or verdict goes through here, and --verbose traces each one. */
#include <string.h>

#include "runner.h"

static const char *const state_names[] = {
	[TEST_QUEUED] = "queued",      [TEST_SENT] = "sent",
	[TEST_ALONE] = "alone",	       [TEST_INTERRUPTED] = "interrupted",
	[TEST_TWIN] = "same commands", [TEST_DECIDED] = "decided",
};

_Static_assert(sizeof(state_names) / sizeof(state_names[0]) == TEST_STATE_COUNT,
	       "every test state has a name");

static const char *const stage_names[] = {
	[STAGE_NONE] = "",     [STAGE_HELO] = "EHLO", [STAGE_XCLIENT] = "XCLIENT",
	[STAGE_AUTH] = "AUTH", [STAGE_MAIL] = "MAIL", [STAGE_RCPT] = "RCPT",
	[STAGE_DATA] = "DATA",
};

const char *test_stage_name(enum run_stage stage)
{
	return stage_names[stage];
}

void test_move(struct transcript *log, unsigned conn, struct test_result *tr, enum test_state to,
	       const char *detail)
{
	const char *from = state_names[tr->state];
	const char *shown =
		to == TEST_DECIDED ? classify_verdict_name(tr->verdict) : state_names[to];

	tr->state = to;
	if (to == TEST_TWIN) /* "twin" is ours: say what it means */
		transcript_conn_note(log, conn, "%s: %s -> same as %s (it sends the same commands)",
				     tr->tc->id, from, detail);
	else if (detail != NULL && detail[0] != '\0')
		transcript_conn_note(log, conn, "%s: %s -> %s (%s)", tr->tc->id, from, shown,
				     detail);
	else
		transcript_conn_note(log, conn, "%s: %s -> %s", tr->tc->id, from, shown);
}

/* What a decided test's trace says after its verdict. */
static void decided_detail(const struct test_result *tr, char *buf, size_t cap)
{
	if (tr->code != 0)
		text_format(buf, cap, "%s %d%s%s%s", test_stage_name(tr->stage), tr->code,
			    tr->enhanced[0] != '\0' ? " " : "", tr->enhanced,
			    tr->rerun ? "; to run again" : "");
	else
		text_format(buf, cap, "%s",
			    tr->verdict == VERDICT_SKIPPED ? tr->note
							   : classify_reason_name(tr->reason));
}

static void decide(struct transcript *log, unsigned conn, struct test_result *tr)
{
	char detail[RUN_NOTE_MAX];

	decided_detail(tr, detail, sizeof(detail));
	test_move(log, conn, tr, TEST_DECIDED, detail);
}

static enum classify_step classify_step_of(const struct test_result *tr, enum run_stage stage)
{
	switch (stage) {
	case STAGE_HELO:
		return CLASSIFY_EHLO;
	case STAGE_XCLIENT:
		return CLASSIFY_XCLIENT;
	case STAGE_AUTH:
		return CLASSIFY_AUTH;
	case STAGE_MAIL:
		return CLASSIFY_MAIL;
	default:
		return tr->tc->group == CASE_CONTROL ? CLASSIFY_CONTROL : CLASSIFY_RCPT;
	}
}

static void set_reply(struct test_result *tr, const struct reply *rp, enum run_stage stage)
{
	tr->code = rp->code;
	tr->stage = stage;
	memcpy(tr->enhanced, rp->enhanced, sizeof(tr->enhanced));
	reply_line(rp, 0, tr->text, sizeof(tr->text));
}

void test_verdict(struct test_result *tr, const struct reply *rp, enum run_stage stage)
{
	const char *sent[] = { tr->mail_from, tr->rcpt_to, tr->helo };
	struct classification c;

	set_reply(tr, rp, stage);
	c = classify(classify_step_of(tr, stage), rp, sent, sizeof(sent) / sizeof(sent[0]));
	tr->verdict = c.verdict;
	tr->reason = c.reason;
	tr->rerun = c.action == CLASSIFY_RERUN;
	tr->needs_tls = c.action == CLASSIFY_NEEDS_TLS;
}

void test_decided(struct transcript *log, unsigned conn, struct test_result *tr)
{
	decide(log, conn, tr);
}

void test_fail(struct transcript *log, unsigned conn, struct test_result *tr, enum reason why,
	       const char *msg)
{
	/* A server that keeps closing on us never let the test run. */
	tr->verdict = why == REASON_CLOSING ? VERDICT_UNTESTED : VERDICT_ERROR;
	/* Dropped twice: one more try on a fresh connection after the rest. */
	tr->rerun = why == REASON_CLOSING || why == REASON_CONNECTION;
	tr->reason = why;
	tr->code = 0;
	tr->enhanced[0] = '\0';
	text_copy(tr->text, sizeof(tr->text), msg);
	decide(log, conn, tr);
}

void test_settle(struct transcript *log, unsigned conn, struct test_result *tr,
		 enum verdict verdict, enum reason why, const char *note)
{
	tr->verdict = verdict;
	tr->reason = why;
	tr->rerun = 0;
	if (note != NULL)
		text_copy(tr->note, sizeof(tr->note), note);
	decide(log, conn, tr);
}

void test_interrupt(struct transcript *log, unsigned conn, struct test_result *tr,
		    const struct rt_error *err)
{
	tr->interruptions++;
	if (tr->interruptions >= 2 || err->kind == ERR_TIMEOUT) {
		test_fail(log, conn, tr, test_reason_of(err), err->msg);
		return;
	}
	tr->note[0] = '\0';
	tr->sent = 0;
	test_move(log, conn, tr, TEST_INTERRUPTED, err->msg);
}

void test_requeue(struct transcript *log, struct test_result *tr)
{
	text_format(tr->note, sizeof(tr->note),
		    "first answer %d %s; run again on a fresh connection", tr->code, tr->text);
	tr->reruns++;
	tr->rerun = 0;
	tr->interruptions = 0;
	test_move(log, 0, tr, TEST_QUEUED, "rerun");
}

enum reason test_reason_of(const struct rt_error *err)
{
	switch (err->kind) {
	case ERR_TIMEOUT:
		return REASON_TIMEOUT;
	case ERR_PROTOCOL:
	case ERR_TLS:
		return REASON_PROTOCOL;
	case ERR_REFUSED:
		return REASON_CLOSING;
	case ERR_NO_TLS:
		return REASON_NO_TLS;
	default:
		return REASON_CONNECTION;
	}
}
