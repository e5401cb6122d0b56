/* batch.c - tests that go out together on one connection (RFC 2920
 * PIPELINING), or one at a time, through the one command loop.
 *
 * Consecutive tests of a lane (control, sender forms, recipient tricks, and
 * a HELO-trust test on the connection that greeted with its name) go out as
 * one window of RSET, MAIL, RCPT lines, sized so that the rejections it can
 * draw stay within the error budget. AUTH tests and --send stay lock-step
 * (a window of 1). A reply late with tests behind it sends those tests to
 * other connections; a server that sends more replies than commands loses
 * our trust in its PIPELINING. */
#include <stdlib.h>
#include <string.h>

#include "runner.h"

static struct test_result *at(const struct runner *r, size_t pos)
{
	return &r->res->tests[r->lane->tests[pos]];
}

static int pipelined(const struct runner *r)
{
	return r->s.caps.pipelining && !r->p->no_pipelining && !r->no_pipelining && !r->p->send;
}

int batch_can(const struct runner *r, const struct test_result *tr)
{
	return pipelined(r) && tr->tc->group != CASE_AUTH &&
	       (tr->state == TEST_QUEUED || tr->state == TEST_INTERRUPTED);
}

unsigned batch_costly_errors(const struct engine *eng)
{
	const struct quirk *q = eng->quirk;
	int64_t slowed_ms = (int64_t)(q->errors - q->slow_after + 1) * 1000;

	if (q->software == SOFTWARE_UNKNOWN)
		return RUN_COSTLY_ERRORS;
	if (q->slow_after > 0 && eng->res->greeting_ms < slowed_ms)
		return q->slow_after - 1;
	return q->errors;
}

unsigned batch_error_budget(const struct runner *r)
{
	unsigned budget = (unsigned)r->p->error_budget;
	unsigned limit = r->costly ? batch_costly_errors(r->eng) : r->eng->quirk->errors;

	return r->keep && budget < limit ? limit : budget;
}

size_t batch_tests_room(const struct runner *r)
{
	unsigned cap = r->eng->quirk->commands;

	if (!r->keep || r->costly)
		return CASES_MAX;
	return r->s.commands + 3 > cap ? 0 : (cap - r->s.commands) / 3;
}

/* Rejections a test may draw: two (MAIL refused, then RCPT refused for want
 * of MAIL) until this server has shown that it takes our MAIL commands, one
 * after that. A server that starts refusing MAIL later still gets correct
 * verdicts; at worst it meets its error limit and the run resumes. */
static unsigned cost(const struct runner *r)
{
	return r->from_ok && !r->mail_refused ? 1 : 2;
}

size_t batch_end(struct runner *r, size_t first)
{
	unsigned budget, used;
	size_t room = batch_tests_room(r), end = first + 1;
	char note[RUN_NOTE_MAX];

	/* Another connection may have shown meanwhile that the server takes
	 * our sender: batches can then be larger. */
	pthread_mutex_lock(&r->eng->lock);
	r->from_ok = r->from_ok || r->eng->from_ok;
	pthread_mutex_unlock(&r->eng->lock);
	budget = batch_error_budget(r);
	used = r->s.rejections + cost(r);

	if (!batch_can(r, at(r, first)))
		return end;
	while (end < r->lane_end && end - first < BATCH_TESTS_MAX && end - first < room) {
		const struct test_result *tr = at(r, end);

		if (!batch_can(r, tr) || plan_skip_reason(r->res, tr->tc, note, sizeof(note)) ||
		    used + cost(r) > budget)
			break;
		used += cost(r);
		end++;
	}
	return end;
}

/* Give the lane's undecided tests from position from on back to the queue,
 * each a lane of its own, so that idle connections share the waiting; r
 * walks its lane only up to from. Returns 1 when they were handed over (all
 * or none), 0 when there was none or no room. */
static int hand_back(struct runner *r, size_t from)
{
	struct engine *eng = r->eng;
	size_t left = 0;
	int moved = 0;

	for (size_t k = from; k < r->lane_end; k++)
		left += at(r, k)->state != TEST_DECIDED;
	pthread_mutex_lock(&eng->lock);
	if (left > 0 && eng->nlanes + left <= PLAN_LANES_MAX) {
		for (size_t k = from; k < r->lane_end; k++) {
			struct test_result *tr = at(r, k);
			struct lane *alone;

			if (tr->state == TEST_DECIDED)
				continue;
			if (tr->state == TEST_SENT)
				test_move(&r->res->log, r->s.number, tr, TEST_QUEUED,
					  "handed to another connection");
			alone = &eng->lanes[eng->nlanes++];
			alone->helo = r->lane->helo;
			alone->ntests = 1;
			alone->tests[0] = r->lane->tests[k];
		}
		r->lane_end = from;
		moved = 1;
		pthread_cond_broadcast(&eng->changed);
	}
	pthread_mutex_unlock(&eng->lock);
	return moved;
}

/* How late the awaited reply may be before the tests behind it go
 * elsewhere (3 EHLO round trips more, so a distant server is not taken for
 * a slow one); 0 when no test waits behind it. */
static int64_t late_mark(const struct runner *r, const struct loop *l)
{
	int64_t late = r->eng->late_ms + 3 * r->s.hello_ms;

	if (l->read >= l->end || l->cmds[l->read].owner + 1 >= r->lane_end ||
	    late >= r->s.timeout_ms || !r->s.open)
		return 0;
	return late;
}

static void went_late(struct runner *r, struct loop *l, size_t owner)
{
	size_t behind = r->lane_end - owner - 1;
	int64_t late = r->eng->late_ms + 3 * r->s.hello_ms;

	if (!hand_back(r, owner + 1))
		return;
	loop_cut(l, owner + 1);
	transcript_conn_note(&r->res->log, r->s.number,
			     "no reply within %.1f s: the %zu %s waiting behind it go to other "
			     "connections",
			     (double)late / 1000, behind, behind == 1 ? "test" : "tests");
	crew_widen(r->eng);
}

/* What a reply tells about the connection, whoever's test it decides. */
static void note_reply(struct runner *r, const struct loop *l, const struct loop_command *c,
		       const struct reply *rp)
{
	if (c->kind == LOOP_MAIL && rp->code / 100 == 2 &&
	    strcmp(at(r, c->owner)->tc->mail_from, "<{from}>") == 0 && !r->from_ok) {
		r->from_ok = 1;
		pthread_mutex_lock(&r->eng->lock);
		r->eng->from_ok = 1; /* later connections may size their batches by it */
		pthread_mutex_unlock(&r->eng->lock);
	}
	if (c->kind == LOOP_MAIL && rp->code / 100 != 2)
		r->mail_refused = 1;
	if (c->kind == LOOP_AUTH)
		r->dirty = 1; /* credentials, good or bad, stay with this connection */
	/* A tarpit delays refusals of the envelope; a slow AUTH failure (an
	 * auth back end's failure delay) is reported as what it is. */
	if (rp->code >= 500 && l->took_ms >= RUN_TARPIT_MS &&
	    (c->kind == LOOP_MAIL || c->kind == LOOP_RCPT)) {
		int first;

		pthread_mutex_lock(&r->eng->lock);
		first = !r->res->tarpit;
		r->res->tarpit = 1;
		pthread_mutex_unlock(&r->eng->lock);
		if (first)
			transcript_conn_note(&r->res->log, r->s.number,
					     "refusals come %.1f s late (a tarpit)",
					     (double)l->took_ms / 1000);
	}
}

static void settle(struct runner *r, struct test_result *tr, enum dialogue_next next,
		   const struct rt_error *err)
{
	if ((next == DIALOGUE_DECIDED || next == DIALOGUE_HANG_UP) && tr->state != TEST_DECIDED)
		test_decided(&r->res->log, r->s.number, tr);
	else if (next == DIALOGUE_ALONE)
		test_move(&r->res->log, r->s.number, tr, TEST_ALONE, "to run by itself");
	else if (next == DIALOGUE_BROKEN)
		test_interrupt(&r->res->log, r->s.number, tr, err);
}

/* The connection failed at command c: its test was interrupted (unless its
 * verdict stands), the tests behind it go back to wait for another try. */
static void failed_at(struct runner *r, struct dialogue *d, size_t first, size_t end,
		      const struct loop_command *c, const struct rt_error *err)
{
	for (size_t k = first; k < end; k++) {
		struct test_result *tr = at(r, k);

		if (tr->state != TEST_SENT)
			continue;
		if (k == c->owner && dialogue_failed(&d[k - first], c, err) == DIALOGUE_DECIDED)
			test_decided(&r->res->log, r->s.number, tr);
		else if (k == c->owner)
			test_interrupt(&r->res->log, r->s.number, tr, err);
		else
			test_move(&r->res->log, r->s.number, tr, TEST_QUEUED, "not answered");
	}
}

/* Bytes after the batch's last reply: a 421 is the server closing, which
 * RFC 5321 3.8 allows at any time (Postfix at its hard error limit); any
 * other reply answers no command of ours. Returns 1 for the 421. */
static int closing_notice(struct runner *r)
{
	struct reply rp;
	struct rt_error err;

	return session_read(&r->s, &rp, net_now_ms(), &err) == 0 && rp.code == 421;
}

/* More replies than commands: some reply may belong to another command.
 * Trust none of the batch; lock-step from here. */
static void distrust(struct runner *r, size_t first, size_t end)
{
	r->no_pipelining = 1;
	pthread_mutex_lock(&r->eng->lock);
	r->res->pipelining_off = 1;
	pthread_mutex_unlock(&r->eng->lock);
	for (size_t k = first; k < end; k++) {
		struct test_result *tr = at(r, k);

		tr->verdict = VERDICT_ERROR;
		tr->reason = REASON_NOT_REACHED;
		tr->code = 0;
		tr->note[0] = '\0';
		test_move(&r->res->log, r->s.number, tr, TEST_ALONE, "replies not trusted");
	}
	session_close(&r->s, "the server sent more replies than commands; PIPELINING turned off");
}

/* Whether a DATA probe may follow tr's accepted RCPT: a few per target,
 * none once one has confirmed the relay. */
static int probe_granted(struct runner *r)
{
	struct engine *eng = r->eng;
	int go;

	pthread_mutex_lock(&eng->lock);
	go = !eng->probe_confirmed && eng->probes < ENGINE_DATA_PROBES_MAX;
	if (go)
		r->res->data_probes = ++eng->probes;
	pthread_mutex_unlock(&eng->lock);
	return go;
}

/* The probe's DATA was answered: close at once, without QUIT, so that not
 * a byte of a message follows (the connection was the probe's price). */
static void hang_up(struct runner *r, const struct test_result *tr)
{
	struct engine *eng = r->eng;

	session_close(&r->s, "DATA probe answered: closed before any message byte");
	pthread_mutex_lock(&eng->lock);
	eng->probe_confirmed |= tr->data_probe == DATA_PROBE_CONFIRMED;
	eng->last_quit_ms = net_now_ms();
	pthread_mutex_unlock(&eng->lock);
}

void batch_after_probes(struct engine *eng)
{
	struct target_result *res = eng->res;
	size_t refused = 0;
	char note[RUN_NOTE_MAX];

	for (size_t i = 0; i < res->ntests; i++)
		refused += res->tests[i].data_probe == DATA_PROBE_REFUSED ||
			   res->tests[i].data_probe == DATA_PROBE_TEMPFAIL;
	if (eng->probe_confirmed || refused == 0)
		return;
	for (size_t i = 0; i < res->ntests; i++) {
		struct test_result *tr = &res->tests[i];

		if (tr->state != TEST_DECIDED || tr->verdict != VERDICT_ACCEPTED ||
		    tr->data_probe != DATA_PROBE_NONE || tr->tc->group == CASE_CONTROL ||
		    tr->tc->group == CASE_AUTH)
			continue;
		text_format(
			note, sizeof(note),
			"%s%saccepted at RCPT; not probed at DATA (at most %d probes a target), "
			"and the server refused %zu probed %s at DATA",
			tr->note, tr->note[0] != '\0' ? "; " : "", ENGINE_DATA_PROBES_MAX, refused,
			refused == 1 ? "test" : "tests");
		test_settle(&res->log, 0, tr, VERDICT_UNTESTED, REASON_NOT_PROBED, note);
	}
}

/* Start the dialogues of [first, end) on l. */
static void begin_all(struct runner *r, struct dialogue *d, const struct dialogue_context *ctx,
		      struct loop *l, size_t first, size_t end)
{
	for (size_t k = first; k < end; k++) {
		struct test_result *tr = at(r, k);
		enum dialogue_next next;

		tr->connection = r->s.number;
		tr->over_tls = r->s.tls_active;
		next = dialogue_begin(&d[k - first], ctx, l, k, tr, k == first && r->idle);
		if (next == DIALOGUE_WAIT)
			test_move(&r->res->log, r->s.number, tr, TEST_SENT, NULL);
		else
			settle(r, tr, next, NULL);
	}
	r->fresh = 0;
	r->idle = 0;
}

/* Read the replies of l until its end or a failure; returns the batch's end
 * (lowered when tests behind a late reply went elsewhere). */
static size_t read_all(struct runner *r, struct dialogue *d, const struct dialogue_context *ctx,
		       struct loop *l, size_t first, size_t end)
{
	struct reply rp;
	struct rt_error err;
	size_t i;
	error_clear(&err);
	for (;;) {
		enum loop_event ev = loop_next(&r->s, l, late_mark(r, l), &rp, &i, &err);
		const struct loop_command *c;
		struct test_result *tr;
		enum dialogue_next next;

		if (ev == LOOP_END)
			break;
		c = &l->cmds[i];
		tr = at(r, c->owner);
		if (ev == LOOP_LATE) {
			went_late(r, l, c->owner);
			end = end < r->lane_end ? end : r->lane_end;
			continue;
		}
		if (ev == LOOP_FAILED) {
			failed_at(r, d, first, end, c, &err);
			break;
		}
		note_reply(r, l, c, &rp);
		if (tr->state != TEST_SENT)
			continue; /* decided or sent back to run alone already */
		next = dialogue_reply(&d[c->owner - first], ctx, l, c, &rp, &err);
		if (next == DIALOGUE_PROBE)
			next = probe_granted(r) ? dialogue_probe(&d[c->owner - first], l, c->owner)
						: DIALOGUE_DECIDED;
		settle(r, tr, next, &err);
		if (next == DIALOGUE_HANG_UP) {
			hang_up(r, tr);
			break;
		}
		if (next == DIALOGUE_BROKEN) {
			session_close(&r->s, err.msg);
			failed_at(r, d, first, end, c, &err);
			break;
		}
	}
	return end;
}

void batch_run(struct runner *r, size_t first, size_t end)
{
	struct dialogue *d = calloc(end - first, sizeof(*d));
	/* A test sent back to run alone goes lock-step. */
	struct dialogue_context ctx = { &r->res->log,
					r->s.number,
					&r->eng->vars,
					r->res,
					batch_can(r, at(r, first)),
					r->p->send,
					!r->p->send && !r->p->no_data_probe };
	struct loop l;
	struct rt_error err;

	if (d == NULL || loop_init(&l, ctx.pipelined ? LOOP_COMMANDS_MAX : 1) < 0) {
		free(d);
		error_set(&err, ERR_LOCAL, "relaytest ran out of memory");
		test_interrupt(&r->res->log, r->s.number, at(r, first), &err);
		return;
	}
	begin_all(r, d, &ctx, &l, first, end);
	end = read_all(r, d, &ctx, &l, first, end);
	if (loop_has_orphans(&l))
		session_close(&r->s,
			      "later replies are late: their tests went to other connections");
	else if (r->s.open && net_has_unread(&r->s.conn) && !closing_notice(r))
		distrust(r, first, end);
	error_set(&err, ERR_PROTOCOL, "the server's replies ended before this test's");
	for (size_t k = first; k < end; k++) {
		if (at(r, k)->state == TEST_SENT)
			test_interrupt(&r->res->log, r->s.number, at(r, k), &err);
		dialogue_end(&d[k - first]);
	}
	loop_free(&l);
	free(d);
}
