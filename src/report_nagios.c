/* report_nagios.c - the monitoring-plugin convention: one status line
 * "RELAYTEST STATE - text | perfdata", then detail lines; exit 0 OK,
 * 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for usage and output errors, in
 * main.c).
 *
 * Targets are added one at a time: only the totals and the few names the
 * status line shows are kept, and the detail lines wait in a temporary
 * file (report_spill), so memory does not grow with the number of targets.
 * No text from a server (or anywhere else) can put a '|' into the output:
 * it would start forged performance data. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "text.h"
#include "workers.h"

enum plugin_state { PLUGIN_OK, PLUGIN_WARNING, PLUGIN_CRITICAL, PLUGIN_UNKNOWN };

static const char *const state_names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

/* Which state wins when targets differ: CRITICAL, UNKNOWN, WARNING, OK. */
static const int state_rank[] = { 0, 1, 3, 2 };

/* Long output stays short: monitoring systems keep and show it with every
 * state change. */
#define NAGIOS_DETAIL_LINES 20
#define NAGIOS_SHOWN 5 /* targets named on the status line */
#define NAGIOS_NAME_MAX (TEXT_ARG_MAX + 48)

/* What the status line needs, whatever the number of targets. */
struct nagios_summary {
	size_t n, bad, cut, tests, accepted, denied, undecided;
	long ms;
	enum plugin_state worst;
	char first[NAGIOS_NAME_MAX + ERROR_MSG_MAX + 64]; /* the one target's words */
	char shown[NAGIOS_SHOWN][NAGIOS_NAME_MAX];
	size_t nshown;
	size_t budget; /* detail lines left */
};

/* Untested because the whole run's time ran out (--run-time), not because
 * of the server. */
static int cut_by_run_time(const struct target_result *res)
{
	return res->status == RUN_UNTESTED && res->error.kind == ERR_RUN_TIME;
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

/* s into buf (capacity cap) with control bytes escaped and every '|' made
 * '/': nothing a server says may end the plugin's text. */
/* One detail line, kept for finish. */
static void keep_line(struct report_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void keep_line(struct report_state *st, const char *fmt, ...)
{
	char line[8 * NAGIOS_NAME_MAX + 4 * ERROR_MSG_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) { /* cannot happen with these sizes; keep it a line */
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	report_keep(st, line, (size_t)n);
}

static void detail(struct report_state *st, const struct target_result *res,
		   struct nagios_summary *sum)
{
	const size_t *n = res->counts;
	char name[4 * NAGIOS_NAME_MAX], text[4 * ERROR_MSG_MAX], port[4 * 8];

	if (sum->budget == 0)
		return;
	sum->budget--;
	text_shown(name, sizeof(name), res->target.name, 1);
	if (!res->tested) {
		keep_line(st, "%s: %s: %s\n", name, summary(res),
			  text_shown(text, sizeof(text), res->error.msg, 1));
		return;
	}
	keep_line(st, "%s (%s port %s): %s; %zu accepted, %zu denied, %zu undecided\n", name,
		  text_shown(text, sizeof(text), res->address, 1),
		  text_shown(port, sizeof(port), res->target.port, 1), summary(res),
		  n[VERDICT_ACCEPTED], n[VERDICT_DENIED],
		  n[VERDICT_TEMPFAIL] + n[VERDICT_ERROR] + n[VERDICT_UNTESTED]);
	for (size_t i = 0; i < res->ntests && sum->budget > 0; i++) {
		const struct test_result *tr = &res->tests[i];

		if (tr->verdict != VERDICT_ACCEPTED || tr->tc->group == CASE_CONTROL)
			continue;
		sum->budget--;
		keep_line(st, "  %s %s: %d %.80s\n", classify_verdict_name(tr->verdict), tr->tc->id,
			  tr->code, text_shown(text, sizeof(text), tr->text, 1));
	}
}

static void add(struct nagios_summary *sum, const struct target_result *res,
		struct report_state *details)
{
	const size_t *c = res->counts;
	enum plugin_state st = state_of(res);
	size_t tests = c[VERDICT_ACCEPTED] + c[VERDICT_DENIED] + c[VERDICT_TEMPFAIL] +
		       c[VERDICT_ERROR] + c[VERDICT_UNTESTED];

	if (state_rank[st] > state_rank[sum->worst])
		sum->worst = st;
	if (sum->n++ == 0) {
		char name[4 * NAGIOS_NAME_MAX], text[4 * ERROR_MSG_MAX];

		if (res->status == RUN_OPEN)
			text_format(sum->first, sizeof(sum->first),
				    "%s: %s (%zu of %zu relay tests accepted)",
				    text_shown(name, sizeof(name), res->target.name, 1),
				    summary(res), c[VERDICT_ACCEPTED], tests);
		else if (res->status == RUN_UNTESTED)
			text_format(sum->first, sizeof(sum->first), "%s: %s (%s)",
				    text_shown(name, sizeof(name), res->target.name, 1),
				    summary(res),
				    text_shown(text, sizeof(text), res->error.msg, 1));
		else
			text_format(sum->first, sizeof(sum->first), "%s: %s",
				    text_shown(name, sizeof(name), res->target.name, 1),
				    summary(res));
	}
	sum->bad += st != PLUGIN_OK;
	sum->cut += cut_by_run_time(res);
	if (st != PLUGIN_OK && !cut_by_run_time(res) && sum->nshown < NAGIOS_SHOWN) {
		char name[4 * NAGIOS_NAME_MAX];

		text_format(sum->shown[sum->nshown++], sizeof(sum->shown[0]), "%s: %s",
			    text_shown(name, sizeof(name), res->target.name, 1), summary(res));
	}
	sum->accepted += c[VERDICT_ACCEPTED];
	sum->denied += c[VERDICT_DENIED];
	sum->undecided += c[VERDICT_TEMPFAIL] + c[VERDICT_ERROR] + c[VERDICT_UNTESTED];
	sum->tests += tests;
	sum->ms += res->elapsed_ms;
	/* One target: its details whatever its state; several: the ones that
	 * need attention (report_nagios_target drops an OK first one's). */
	if (details != NULL && (st != PLUGIN_OK || sum->n == 1))
		detail(details, res, sum);
}

static void print_status(FILE *out, const struct nagios_summary *sum)
{
	fprintf(out, "RELAYTEST %s - ", state_names[sum->worst]);
	if (sum->n == 1) {
		fputs(sum->first, out);
	} else {
		fprintf(out, "%zu of %zu servers need attention", sum->bad, sum->n);
		for (size_t i = 0; i < sum->nshown; i++)
			fprintf(out, "%s %s", i == 0 ? ":" : ",", sum->shown[i]);
		if (sum->cut > 0)
			fprintf(out,
				"; %zu not tested: the whole run's time limit ran out (--run-time)",
				sum->cut);
	}
	/* Labels unique in their first 19 characters; UOM s for seconds. */
	fprintf(out,
		" | tests=%zu;;;0 accepted=%zu;;;0 denied=%zu;;;0 inconclusive=%zu;;;0 "
		"servers=%zu;;;0 not_reached=%zu;;;0 time=%.3fs;;;0\n",
		sum->tests, sum->accepted, sum->denied, sum->undecided, sum->n, sum->cut,
		sum->ms / 1000.0);
}

int report_nagios_target(FILE *out, struct target_result *res, struct report_state *st)
{
	struct nagios_summary *sum = st->kept;

	(void)out;
	if (sum == NULL) {
		sum = calloc(1, sizeof(*sum));
		if (sum == NULL) {
			st->lost = ENOMEM; /* no status line can be trusted now */
			return 0;
		}
		sum->budget = NAGIOS_DETAIL_LINES;
		st->kept = sum;
	}
	if (sum->n == 1 && sum->worst == PLUGIN_OK) {
		/* A second target: the first one's lines were written because it
		 * might be the only one; an OK target among several has none. */
		spill_clear(&st->spill);
		sum->budget = NAGIOS_DETAIL_LINES;
	}
	add(sum, res, st);
	return 0;
}

int report_nagios_finish(FILE *out, struct report_state *st, int status)
{
	struct nagios_summary none = { .budget = NAGIOS_DETAIL_LINES };
	struct nagios_summary *sum = st->kept != NULL ? st->kept : &none;
	int state = (int)sum->worst;

	(void)status;
	/* What was lost may have been worse than what was kept: never OK then. */
	if (st->lost != 0 && state_rank[PLUGIN_UNKNOWN] > state_rank[state])
		state = PLUGIN_UNKNOWN;
	sum->worst = (enum plugin_state)state;
	print_status(out, sum);
	for (size_t at = 0, left = spill_size(&st->spill); left > 0 && st->lost == 0;) {
		char buf[8192];
		size_t got = left < sizeof(buf) ? left : sizeof(buf);

		if (spill_read(&st->spill, at, buf, got) < 0) {
			st->lost = errno != 0 ? errno : EIO;
			break;
		}
		fwrite(buf, 1, got, out);
		at += got;
		left -= got;
	}
	if (st->lost != 0)
		fprintf(out, "(results lost: %s; see relaytest's text report)\n",
			strerror(st->lost));
	if (sum->budget == 0)
		fprintf(out, "(more in relaytest's text report; only %d lines here)\n",
			NAGIOS_DETAIL_LINES);
	spill_free(&st->spill);
	if (sum != &none)
		free(sum);
	st->kept = NULL;
	return state;
}

int report_nagios(FILE *out, struct target_result *const *res, size_t n)
{
	struct report_state st;

	memset(&st, 0, sizeof(st));
	for (size_t i = 0; i < n; i++)
		report_nagios_target(out, res[i], &st);
	return report_nagios_finish(out, &st, 0);
}
