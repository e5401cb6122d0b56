/* report_nagios.c - the monitoring-plugin convention: one status line
 * "RELAYTEST STATE - text | perfdata", then detail lines; exit 0 OK,
 * 1 WARNING, 2 CRITICAL (3 UNKNOWN is for usage errors, in main.c). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "workers.h"

enum plugin_state { PLUGIN_OK, PLUGIN_WARNING, PLUGIN_CRITICAL, PLUGIN_UNKNOWN };

static const char *const state_names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

/* Which state wins when targets differ: CRITICAL, UNKNOWN, WARNING, OK. */
static const int state_rank[] = { 0, 1, 3, 2 };

/* Untested because the whole run's time ran out (--run-time), not because
 * of the server. */
static int cut_by_run_time(const struct target_result *res)
{
	return res->status == RUN_UNTESTED && strcmp(res->error.msg, WORKERS_RUN_TIME_OUT) == 0;
}

static enum plugin_state state_of(const struct target_result *res)
{
	if (cut_by_run_time(res))
		return PLUGIN_UNKNOWN;
	switch (res->status) {
	case RUN_CLOSED:
		return PLUGIN_OK;
	case RUN_INCONCLUSIVE:
		return PLUGIN_WARNING;
	default:
		return PLUGIN_CRITICAL;
	}
}

static const char *summary(const struct target_result *res)
{
	switch (res->status) {
	case RUN_OPEN:
		return "OPEN RELAY";
	case RUN_CLOSED:
		return "not an open relay";
	case RUN_INCONCLUSIVE:
		return "inconclusive";
	default:
		return "could not test";
	}
}

/* Long output stays short: monitoring systems keep and show it with every
 * state change. */
#define NAGIOS_DETAIL_LINES 20

/* Print a detail line while the budget lasts. */
static void detail_line(FILE *out, size_t *budget, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void detail_line(FILE *out, size_t *budget, const char *fmt, ...)
{
	va_list ap;

	if (*budget == 0)
		return;
	(*budget)--;
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
}

static void detail(FILE *out, const struct target_result *res, size_t *budget)
{
	const size_t *n = res->counts;

	if (!res->tested) {
		detail_line(out, budget, "%s: %s: %s\n", res->target.name, summary(res),
			    res->error.msg);
		return;
	}
	detail_line(out, budget, "%s (%s port %s): %s; %zu accepted, %zu denied, %zu undecided\n",
		    res->target.name, res->address, res->target.port, summary(res),
		    n[VERDICT_ACCEPTED], n[VERDICT_DENIED],
		    n[VERDICT_TEMPFAIL] + n[VERDICT_ERROR] + n[VERDICT_UNTESTED]);
	for (size_t i = 0; i < res->ntests; i++) {
		const struct test_result *tr = &res->tests[i];

		if (tr->tc->group == CASE_CONTROL && tr->verdict == VERDICT_ACCEPTED)
			continue;
		if (tr->verdict == VERDICT_ACCEPTED)
			detail_line(out, budget, "  %s %s: %d %.80s\n",
				    classify_verdict_name(tr->verdict), tr->tc->id, tr->code,
				    tr->text);
	}
}

int report_nagios(FILE *out, struct target_result *const *res, size_t n)
{
	enum plugin_state worst = PLUGIN_OK;
	size_t tests = 0, accepted = 0, denied = 0, undecided = 0, bad = 0, cut = 0;
	size_t budget = NAGIOS_DETAIL_LINES;
	long ms = 0;

	for (size_t i = 0; i < n; i++) {
		const size_t *c = res[i]->counts;
		enum plugin_state st = state_of(res[i]);

		if (state_rank[st] > state_rank[worst])
			worst = st;
		bad += st != PLUGIN_OK;
		cut += cut_by_run_time(res[i]);
		accepted += c[VERDICT_ACCEPTED];
		denied += c[VERDICT_DENIED];
		undecided += c[VERDICT_TEMPFAIL] + c[VERDICT_ERROR] + c[VERDICT_UNTESTED];
		tests += c[VERDICT_ACCEPTED] + c[VERDICT_DENIED] + c[VERDICT_TEMPFAIL] +
			 c[VERDICT_ERROR] + c[VERDICT_UNTESTED];
		ms += res[i]->elapsed_ms;
	}
	fprintf(out, "RELAYTEST %s - ", state_names[worst]);
	if (n == 1) {
		fprintf(out, "%s: %s", res[0]->target.name, summary(res[0]));
		if (res[0]->status == RUN_OPEN)
			fprintf(out, " (%zu of %zu relay tests accepted)", accepted, tests);
		else if (res[0]->status == RUN_UNTESTED)
			fprintf(out, " (%s)", res[0]->error.msg);
	} else {
		fprintf(out, "%zu of %zu servers need attention", bad, n);
		for (size_t i = 0, shown = 0; i < n && shown < 5; i++) {
			if (state_of(res[i]) == PLUGIN_OK || cut_by_run_time(res[i]))
				continue;
			fprintf(out, "%s %s: %s", shown == 0 ? ":" : ",", res[i]->target.name,
				summary(res[i]));
			shown++;
		}
		if (cut > 0)
			fprintf(out,
				"; %zu not tested: the whole run's time limit ran out (--run-time)",
				cut);
	}
	/* Labels unique in their first 19 characters; UOM s for seconds. */
	fprintf(out,
		" | tests=%zu;;;0 accepted=%zu;;;0 denied=%zu;;;0 inconclusive=%zu;;;0 "
		"servers=%zu;;;0 not_reached=%zu;;;0 time=%.3fs;;;0\n",
		tests, accepted, denied, undecided, n, cut, ms / 1000.0);
	for (size_t i = 0; i < n; i++)
		if (state_of(res[i]) != PLUGIN_OK || n == 1)
			detail(out, res[i], &budget);
	if (budget == 0)
		fprintf(out, "(more in relaytest's text report; only %d lines here)\n",
			NAGIOS_DETAIL_LINES);
	return (int)worst;
}

/* Every result is kept for the one status line at the end. */
struct nagios_store {
	struct target_result **res;
	size_t n, cap;
};

int report_nagios_target(FILE *out, struct target_result *res, struct report_state *st)
{
	struct nagios_store *store = st->kept;

	(void)out;
	if (store == NULL) {
		store = calloc(1, sizeof(*store));
		if (store == NULL)
			return 0;
		st->kept = store;
	}
	if (store->n == store->cap) {
		size_t cap = store->cap == 0 ? 16 : store->cap * 2;
		struct target_result **grown =
			realloc(store->res, cap * sizeof(struct target_result *));

		if (grown == NULL)
			return 0;
		store->res = grown;
		store->cap = cap;
	}
	store->res[store->n++] = res;
	return 1;
}

int report_nagios_finish(FILE *out, struct report_state *st, int status)
{
	struct nagios_store *store = st->kept;
	int state;

	(void)status;
	if (store == NULL) {
		struct target_result *none[1] = { NULL };

		return report_nagios(out, none, 0);
	}
	state = report_nagios(out, store->res, store->n);
	for (size_t i = 0; i < store->n; i++) {
		run_free(store->res[i]);
		free(store->res[i]);
	}
	free(store->res);
	free(store);
	st->kept = NULL;
	return state;
}
