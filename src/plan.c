/* plan.c - which tests share a connection, and which repeat another. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "runner.h"

/* What a test sends: EHLO name (empty: ours), MAIL and RCPT arguments. */
static int expand_commands(const struct relay_case *tc, const struct case_vars *v, char *helo,
			   char *from, char *to)
{
	helo[0] = '\0';
	if (tc->helo != NULL && cases_expand(tc->helo, v, helo, RUN_ADDR_MAX) < 0)
		return -1;
	if (cases_expand(tc->mail_from, v, from, RUN_ADDR_MAX) < 0 ||
	    cases_expand(tc->rcpt_to, v, to, RUN_ADDR_MAX) < 0)
		return -1;
	return 0;
}

/* Two tests are twins when they send the same commands: the same EHLO name
 * (ours counts as one name), the same MAIL and RCPT. AUTH tests differ by
 * their dialogue, the control has no twin. */
struct twin_commands {
	char helo[CASES_MAX][RUN_ADDR_MAX], from[CASES_MAX][RUN_ADDR_MAX],
		to[CASES_MAX][RUN_ADDR_MAX];
};

static void mark_twins_with(struct engine *eng, struct twin_commands *sent)
{
	struct target_result *res = eng->res;
	static const size_t none = (size_t)-1;
	char(*helo)[RUN_ADDR_MAX] = sent->helo, (*from)[RUN_ADDR_MAX] = sent->from,
	(*to)[RUN_ADDR_MAX] = sent->to;
	size_t first_of[CASES_MAX];

	for (size_t i = 0; i < res->ntests; i++) {
		struct test_result *tr = &res->tests[i];

		first_of[i] = none;
		if (expand_commands(tr->tc, &eng->vars, helo[i], from[i], to[i]) < 0) {
			helo[i][0] = '\0';
			continue; /* the run reports the overflow */
		}
		if (tr->tc->group == CASE_HELO) {
			text_copy(tr->helo, sizeof(tr->helo), helo[i]);
			if (strcmp(helo[i], res->helo) == 0)
				helo[i][0] = '\0'; /* the name we greet with anyway */
		}
		if (tr->tc->group == CASE_AUTH || tr->tc->group == CASE_CONTROL ||
		    cases_claims(tr->tc) || tr->state == TEST_DECIDED)
			continue;
		for (size_t j = 0; j < i && first_of[i] == none; j++) {
			const struct test_result *earlier = &res->tests[j];

			if (earlier->tc->group == CASE_AUTH || earlier->tc->group == CASE_CONTROL ||
			    cases_claims(earlier->tc) || earlier->twin_of != 0)
				continue;
			if (strcmp(helo[i], helo[j]) == 0 && strcmp(from[i], from[j]) == 0 &&
			    strcmp(to[i], to[j]) == 0)
				first_of[i] = j;
		}
		if (first_of[i] != none) {
			tr->twin_of = first_of[i] + 1;
			test_move(&res->log, 0, tr, TEST_TWIN, res->tests[first_of[i]].tc->id);
		}
	}
}

/* The expanded commands (110 KiB) on the heap, not on a small stack; without
 * memory no test is a twin, which costs only time. */
static void mark_twins(struct engine *eng)
{
	struct twin_commands *sent = malloc(sizeof(*sent));

	if (sent == NULL)
		return;
	mark_twins_with(eng, sent);
	free(sent);
}

void plan_copy_twins(struct target_result *res)
{
	for (size_t i = 0; i < res->ntests; i++) {
		struct test_result *tr = &res->tests[i];
		const struct test_result *same;

		if (tr->twin_of == 0)
			continue;
		same = &res->tests[tr->twin_of - 1];
		tr->verdict = same->verdict;
		tr->reason = same->reason;
		tr->stage = same->stage;
		tr->code = same->code;
		memcpy(tr->enhanced, same->enhanced, sizeof(tr->enhanced));
		memcpy(tr->text, same->text, sizeof(tr->text));
		memcpy(tr->mail_from, same->mail_from, sizeof(tr->mail_from));
		memcpy(tr->rcpt_to, same->rcpt_to, sizeof(tr->rcpt_to));
		text_format(tr->note, sizeof(tr->note), "same commands as %s, run once",
			    same->tc->id);
		tr->connection = same->connection;
		tr->over_tls = same->over_tls;
		tr->data_probe = same->data_probe;
		memcpy(tr->data_reply, same->data_reply, sizeof(tr->data_reply));
		tr->ms = 0;
		test_decided(&res->log, 0, tr);
	}
}

/* Whether XCLIENT, before or after TLS, takes attribute. */
static int xclient_takes(const struct target_result *res, const char *attribute)
{
	return reply_xclient_takes(&res->caps, attribute) ||
	       reply_xclient_takes(&res->plain_caps, attribute);
}

int plan_skip_reason(const struct target_result *res, const struct relay_case *tc, char *note,
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
	if (tc->group == CASE_XCLIENT && !res->caps.xclient && !res->plain_caps.xclient) {
		text_copy(note, cap, "the server does not offer XCLIENT to this client");
		return 1;
	}
	if (tc->login != NULL && !xclient_takes(res, "LOGIN")) {
		text_copy(note, cap, "the server's XCLIENT does not take LOGIN");
		return 1;
	}
	if (tc->group == CASE_PROXY && !res->proxy) {
		text_copy(note, cap,
			  "the server greeted without a PROXY header (one is sent only where "
			  "needed)");
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

static struct lane *new_lane(struct engine *eng, const char *helo)
{
	struct lane *lane;

	if (eng->nlanes >= PLAN_LANES_MAX)
		return NULL;
	lane = &eng->lanes[eng->nlanes++];
	lane->ntests = 0;
	lane->helo = helo;
	return lane;
}

/* Queue the tests in want (a mask over res->tests) as lanes: plain tests
 * spread evenly over lanes of at most lane_size, each HELO-trust and AUTH
 * test alone. Returns how many tests were queued. */
static size_t queue(struct engine *eng, const int *want, size_t lane_size)
{
	struct target_result *res = eng->res;
	size_t plain = 0, queued = 0, lanes, per, in_lane = 0;
	struct lane *lane = NULL;

	for (size_t i = 0; i < res->ntests; i++)
		plain += want[i] && !cases_own_connection(res->tests[i].tc);
	lanes = lane_size > 0 ? (plain + lane_size - 1) / lane_size : 1;
	per = lanes > 0 ? (plain + lanes - 1) / lanes : plain;
	for (size_t i = 0; i < res->ntests; i++) {
		struct test_result *tr = &res->tests[i];

		if (!want[i])
			continue;
		if (cases_own_connection(tr->tc)) {
			struct lane *own =
				new_lane(eng, tr->tc->group == CASE_HELO ? tr->helo : NULL);
			if (own == NULL)
				continue;
			own->tests[own->ntests++] = i;
			queued++;
			continue;
		}
		if (lane == NULL || in_lane >= per) {
			if ((lane = new_lane(eng, NULL)) == NULL)
				continue;
			in_lane = 0;
		}
		lane->tests[lane->ntests++] = i;
		in_lane++;
		queued++;
	}
	return queued;
}

void plan_build(struct engine *eng, size_t lane_size)
{
	struct target_result *res = eng->res;
	int want[CASES_MAX];

	mark_twins(eng);
	for (size_t i = 0; i < res->ntests; i++)
		want[i] = res->tests[i].state == TEST_QUEUED;
	eng->nlanes = eng->next_lane = 0;
	queue(eng, want, lane_size);
}

size_t plan_reruns(struct engine *eng, size_t lane_size)
{
	struct target_result *res = eng->res;
	int want[CASES_MAX];
	size_t n = 0;

	for (size_t i = 0; i < res->ntests; i++) {
		struct test_result *tr = &res->tests[i];

		want[i] = tr->rerun && tr->reruns == 0 && tr->twin_of == 0;
		if (!want[i])
			continue;
		test_requeue(&res->log, tr);
		n++;
	}
	eng->nlanes = eng->next_lane = 0;
	if (n > 0)
		queue(eng, want, lane_size);
	return n;
}
