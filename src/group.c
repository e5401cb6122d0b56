/* group.c - PIPELINING (RFC 2920) for the plain tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

/* Consecutive tests of a lane (control, sender forms, recipient tricks, and
 * a HELO-trust test on the connection that greeted with its name) go out
 * as one group of RSET, MAIL, RCPT lines, sized so that the rejections it can
 * draw stay within the error budget; replies are read in order. A relay
 * accepted inside a group is run again alone before it is reported: a broken
 * server's extra reply can shift a group's replies onto the wrong commands,
 * and an open-relay verdict must not rest on that. A recipient
 * trick whose sender is refused runs again alone, to retry with <>. AUTH
 * tests stay lock-step, as does --send (DATA must follow its RCPT). */

#define GROUP_TESTS_MAX 32

/* Every test but bogus AUTH is MAIL and RCPT on its connection (a HELO-trust
 * test's connection greeted with its name). */
static int plain_case(const struct relay_case *tc)
{
	return tc->group != CASE_AUTH;
}

static struct test_result *at(const struct runner *r, size_t pos)
{
	return &r->res->tests[r->lane->tests[pos]];
}

int group_can(const struct runner *r, const struct test_result *tr)
{
	return step_pipelining_ok(r) && plain_case(tr->tc) && !tr->lock_step && !tr->done;
}

/* Rejections a test may draw: two (MAIL refused, then RCPT refused for want
 * of MAIL) until this server has shown that it takes our MAIL commands, one
 * after that. A server that starts refusing MAIL later still gets correct
 * verdicts; at worst it meets its error limit and the run resumes. */
static unsigned group_cost(const struct runner *r)
{
	return r->from_ok && !r->mail_refused ? 1 : 2;
}

size_t group_end(const struct runner *r, size_t first)
{
	const struct target_result *res = r->res;
	unsigned budget = lane_error_budget(r), used = r->s.rejections, cost = 0;
	size_t room = lane_tests_room(r);
	char note[RUN_NOTE_MAX];
	size_t end = first + 1;

	cost = group_cost(r);
	while (end < r->lane_end && end - first < GROUP_TESTS_MAX && end - first < room) {
		const struct test_result *tr = at(r, end);
		unsigned c = group_cost(r);

		if (!group_can(r, tr) || run_skip_reason(res, tr->tc, note, sizeof(note)) ||
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
	pthread_mutex_lock(&r->eng->lock);
	r->res->pipelining_off = 1;
	pthread_mutex_unlock(&r->eng->lock);
	for (size_t k = first; k < end; k++) {
		struct test_result *tr = at(r, k);

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

/* Run the tests at lane positions [first, end) as one pipelined group. Returns STEP_DONE when the
 * first test is finished (later ones may be too: their done flag says), or
 * STEP_INTERRUPTED with err when the first test's replies did not all come. */
static enum step group_run_with(struct runner *r, size_t first, size_t end, struct rt_error *err,
				char (*lines)[SESSION_COMMAND_MAX])
{
	const char *cmds[GROUP_TESTS_MAX * 3];
	size_t owner[GROUP_TESTS_MAX * 3];
	enum group_step kind[GROUP_TESTS_MAX * 3];
	int mail_ok[GROUP_TESTS_MAX] = { 0 };
	int left_unread = 0;
	size_t n = 0;
	int64_t sent_at = net_now_ms();

	for (size_t k = first; k < end; k++) {
		struct test_result *tr = at(r, k);
		char from[RUN_ADDR_MAX], to[RUN_ADDR_MAX];

		if (step_expand(tr, &r->vars, from, to) < 0) {
			tr->done = 1; /* step_expand gave it its verdict */
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
		struct test_result *tr = at(r, owner[i]);
		struct reply rp;
		int got;

		if (owner[i] != first && (i == 0 || owner[i - 1] != owner[i]))
			tr->attempts++;
		tr->connection = r->s.number;
		tr->over_tls = r->s.tls_active;
		r->pos = owner[i];
		got = step_command_reply(r, &rp, err);
		if (end > r->lane_end) {
			/* The reply was late: the tests behind it went to other
			 * connections. Their replies here are nobody's now. */
			end = r->lane_end;
			while (n > i + 1 && owner[n - 1] >= end)
				n--;
			left_unread = 1;
		}
		if (got != STEP_DONE) {
			if (owner[i] == first)
				return STEP_INTERRUPTED;
			transcript_note(&r->res->log, "test %s interrupted: %s", tr->tc->id,
					err->msg);
			if (tr->attempts >= 2 || err->kind == ERR_TIMEOUT) {
				step_fail(tr, step_reason_of(err), err->msg);
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
			step_note_sender(r, tr->tc, rp.code);
			if (!mail_ok[owner[i] - first]) {
				if (tr->tc->group == CASE_RECIPIENT) {
					tr->lock_step = 1; /* retried alone, with <> */
				} else {
					step_finish_at_mail(tr, &rp);
					tr->done = 1;
				}
			}
			break;
		case GROUP_RCPT:
			if (mail_ok[owner[i] - first]) {
				step_set_verdict(tr, &rp, STAGE_RCPT);
				if (tr->tc->group == CASE_CONTROL &&
				    tr->verdict == VERDICT_ACCEPTED)
					tr->reason = REASON_CONTROL_OK;
				else if (tr->verdict == VERDICT_ACCEPTED)
					tr->lock_step =
						1; /* confirmed alone before it is reported */
				tr->done = !tr->lock_step;
			}
			tr->ms = (long)(net_now_ms() - sent_at);
			break;
		}
	}
	if (left_unread && r->s.open)
		session_close(&r->s,
			      "later replies are late: their tests went to other connections");
	/* Tests sent back to run alone keep their full two attempts. */
	for (size_t k = first + 1; k < end; k++)
		if (at(r, k)->lock_step && !at(r, k)->done && at(r, k)->attempts > 0)
			at(r, k)->attempts--;
	if (net_has_unread(&r->s.conn)) {
		/* More replies than commands: some reply above may belong to
		 * another command. Trust none of the group; lock-step from here. */
		distrust_group(r, first, end);
		error_set(err, ERR_PROTOCOL,
			  "the server sent more replies than commands; PIPELINING turned off");
		session_close(&r->s, err->msg);
		return STEP_INTERRUPTED;
	}
	return at(r, first)->done || at(r, first)->lock_step ? STEP_DONE : STEP_INTERRUPTED;
}

/* The command lines (96 KiB) live on the heap: a connection's thread has a
 * small stack. */
enum step group_run(struct runner *r, size_t first, size_t end, struct rt_error *err)
{
	char(*lines)[SESSION_COMMAND_MAX] = malloc((size_t)GROUP_TESTS_MAX * 3 * sizeof(*lines));
	enum step done;

	if (lines == NULL) {
		error_set(err, ERR_LOCAL, "relaytest ran out of memory");
		return STEP_INTERRUPTED;
	}
	done = group_run_with(r, first, end, err, lines);
	free(lines);
	return done;
}
