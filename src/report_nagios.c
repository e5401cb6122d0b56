/* report_nagios.c - the monitoring-plugin convention: one status line
 * "RELAYTEST STATE - text | perfdata", then long output; exit 0 OK,
 * 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for usage and output errors, in
 * main.c).
 *
 * The status line carries the reason: for one target its result and why
 * ("mx1:25: inconclusive: 34 relay tests were greylisted; ..."); for
 * several, how many need attention and which, by result. The long output
 * has one line per server that needs attention (several targets) before
 * any detail, then each such server's counts, warnings and accepted tests.
 * The text uses the words of the performance data: open relay,
 * inconclusive, could not test, not reached; accepted, denied, undecided.
 *
 * Targets are added one at a time: only the totals, the few names the
 * status line shows and the attention lines are kept, and the detail lines
 * wait in a temporary file (report_keep), so memory does not grow with the
 * number of targets. No text from a server (or anywhere else) can put a '|'
 * into the output: it would start forged performance data. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "text.h"

enum plugin_state { PLUGIN_OK, PLUGIN_WARNING, PLUGIN_CRITICAL, PLUGIN_UNKNOWN };

static const char *const state_names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

/* Which state wins when targets differ: CRITICAL, UNKNOWN, WARNING, OK. */
static const int state_rank[] = { 0, 1, 3, 2 };

/* --inconclusive-state and --untested-state (enum report_plugin_state) as
 * plugin states; REPORT_STATE_DEFAULT stands for the default. */
static const enum plugin_state mapped[] = {
	[REPORT_STATE_OK] = PLUGIN_OK,
	[REPORT_STATE_WARNING] = PLUGIN_WARNING,
	[REPORT_STATE_CRITICAL] = PLUGIN_CRITICAL,
	[REPORT_STATE_UNKNOWN] = PLUGIN_UNKNOWN,
};

/* Long output stays short: monitoring systems keep and show it with every
 * state change, and Nagios reads at most 8 KB of a plugin's output. */
#define NAGIOS_DETAIL_LINES 20
#define NAGIOS_ROWS 8	     /* accepted tests listed per target */
#define NAGIOS_NAMES 3	     /* targets named per result on the status line */
#define NAGIOS_LINE_MAX 1024 /* one line: a name, a result and its reason */

/* The results the status line counts, in the order it names them. */
enum nagios_result {
	RESULT_OPEN,
	RESULT_UNTESTED,
	RESULT_INCONCLUSIVE,
	RESULT_CUT,
	RESULT_CLOSED,
	RESULT_COUNT
};

/* Each result's words, singular and plural, and its perfdata label (the
 * same words). */
static const struct {
	const char *one, *many, *label;
} result_words[RESULT_COUNT] = {
	[RESULT_OPEN] = { "OPEN RELAY", "OPEN RELAYS", "open_relay" },
	[RESULT_UNTESTED] = { "could not test", "could not test", "could_not_test" },
	[RESULT_INCONCLUSIVE] = { "inconclusive", "inconclusive", "inconclusive" },
	[RESULT_CUT] = { "not reached", "not reached", "not_reached" },
	[RESULT_CLOSED] = { "not an open relay", "not open relays", NULL },
};

/* What the status line and the attention lines need, whatever the number
 * of targets. */
struct nagios_summary {
	size_t n, tests, accepted, denied, undecided;
	size_t results[RESULT_COUNT];
	size_t attention; /* targets whose state is not OK */
	long ms;
	enum plugin_state worst;
	char first[NAGIOS_LINE_MAX]; /* the first target's "name: result: why" */
	char names[RESULT_COUNT][NAGIOS_NAMES][TARGET_LABEL_MAX];
	char lines[NAGIOS_DETAIL_LINES][NAGIOS_LINE_MAX]; /* one per target needing attention */
	size_t nlines;
	size_t kept;	/* detail lines kept in st->spill */
	int dropped;	/* ... and some left out for want of room */
	int first_kept; /* the first target's details were kept as if it were alone */
	/* Warnings already in the long output (their hashes): one said of
	 * every server alike, "tested from a private address", once. */
	unsigned long warned[NAGIOS_DETAIL_LINES];
	size_t nwarned;
};

/* Not tested because the whole run's time ran out (--run-time), not
 * because of the server. */
static int cut_by_run_time(const struct target_result *res)
{
	return res->status == RUN_UNTESTED && res->error.kind == ERR_RUN_TIME;
}

static enum nagios_result result_of(const struct target_result *res)
{
	if (cut_by_run_time(res))
		return RESULT_CUT;
	switch (res->status) {
	case RUN_CLOSED:
		return RESULT_CLOSED;
	case RUN_OPEN:
		return RESULT_OPEN;
	case RUN_INCONCLUSIVE:
		return RESULT_INCONCLUSIVE;
	default:
		return RESULT_UNTESTED;
	}
}

static enum plugin_state state_of(enum nagios_result r, const struct report_state *st)
{
	switch (r) {
	case RESULT_CLOSED:
		return PLUGIN_OK;
	case RESULT_OPEN:
		return PLUGIN_CRITICAL;
	case RESULT_INCONCLUSIVE:
		return st->inconclusive_state != REPORT_STATE_DEFAULT
			       ? mapped[st->inconclusive_state]
			       : PLUGIN_WARNING;
	case RESULT_UNTESTED:
		return st->untested_state != REPORT_STATE_DEFAULT ? mapped[st->untested_state]
								  : PLUGIN_CRITICAL;
	default:
		return PLUGIN_UNKNOWN;
	}
}

/* The target as given, with its port when it named none ("mx1:25",
 * "[2001:db8::1]:25") and, for one of a name's several addresses, that
 * address ("mx1:25 (192.0.2.7)"), '|'-free, into buf: a server is one
 * address and port. */
static const char *target_name(char *buf, size_t cap, const struct target *t)
{
	char name[4 * (TEXT_ARG_MAX + 8)];
	size_t used;

	text_shown(name, sizeof(name), t->name, 1);
	if (t->port[0] == '\0' || t->explicit_port)
		text_copy(buf, cap, name);
	else
		text_format(buf, cap, strchr(name, ':') != NULL ? "[%s]:%s" : "%s:%s", name,
			    t->port);
	used = strlen(buf);
	if (t->several && used < cap)
		text_format(buf + used, cap - used, " (%s)", t->address);
	return buf;
}

/* "3 relay tests were accepted: ext-to-ext, null-sender, ip-sender and 2
 * more": the ids of an open relay's accepted tests, a few by name. */
static void accepted_ids(char *buf, size_t cap, const struct target_result *res)
{
	size_t n = 0, named = 0, used;

	for (size_t i = 0; i < res->ntests; i++)
		n += res->tests[i].verdict == VERDICT_ACCEPTED &&
		     res->tests[i].tc->group != CASE_CONTROL;
	text_format(buf, cap, "%zu relay %s accepted", n, n == 1 ? "test was" : "tests were");
	for (size_t i = 0; i < res->ntests && named < NAGIOS_NAMES; i++) {
		const struct test_result *tr = &res->tests[i];

		if (tr->verdict != VERDICT_ACCEPTED || tr->tc->group == CASE_CONTROL)
			continue;
		used = strlen(buf);
		text_format(buf + used, cap - used, "%s%s", named == 0 ? ": " : ", ", tr->tc->id);
		named++;
	}
	used = strlen(buf);
	if (n > named)
		text_format(buf + used, cap - used, " and %zu more", n - named);
}

/* "name: result: why" for res, '|'-free, into buf. */
static void reason_line(char *buf, size_t cap, const struct target_result *res,
			enum nagios_result r)
{
	char name[4 * (TEXT_ARG_MAX + 8)], why[4 * RUN_WARNING_MAX], ids[RUN_WARNING_MAX];
	const char *because = r == RESULT_CUT ? "the whole run's time limit ran out (--run-time)"
			      : res->tested && res->why[0] != '\0' ? res->why
								   : res->error.msg;

	if (r == RESULT_OPEN) {
		accepted_ids(ids, sizeof(ids), res);
		because = ids;
	}

	text_format(buf, cap, "%s: %s: %s", target_name(name, sizeof(name), &res->target),
		    result_words[r].one, text_shown(why, sizeof(why), because, 1));
}

/* One detail line, kept for finish; at most NAGIOS_DETAIL_LINES in all. */
static void keep_line(struct report_state *st, struct nagios_summary *sum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void keep_line(struct report_state *st, struct nagios_summary *sum, const char *fmt, ...)
{
	char line[NAGIOS_LINE_MAX + 2];
	va_list ap;
	int n;

	if (sum->kept >= NAGIOS_DETAIL_LINES) {
		sum->dropped = 1;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line) - 1)
		n = (int)sizeof(line) - 2; /* cut, but still one line */
	line[n++] = '\n';
	sum->kept++;
	report_keep(st, line, (size_t)n);
}

/* Whether text was already given as a warning (else it is noted as given). */
static int warned_before(struct nagios_summary *sum, const char *text)
{
	unsigned long h = 5381;

	for (const char *p = text; *p != '\0'; p++)
		h = h * 33 + (unsigned char)*p;
	for (size_t i = 0; i < sum->nwarned; i++)
		if (sum->warned[i] == h)
			return 1;
	if (sum->nwarned < NAGIOS_DETAIL_LINES)
		sum->warned[sum->nwarned++] = h;
	return 0;
}

/* res's counts, warnings and accepted tests, in words the perfdata uses. */
static void details(struct report_state *st, struct nagios_summary *sum,
		    const struct target_result *res)
{
	const size_t *c = res->counts;
	char name[4 * TARGET_LABEL_MAX], text[4 * RUN_WARNING_MAX], addr[4 * NET_ADDR_MAX];
	char port[4 * 8], where[sizeof(addr) + sizeof(port) + 16] = "";
	size_t rows = 0;

	if (!res->tested)
		return;		  /* the status or attention line says why */
	if (!res->target.several) /* else its name says the address */
		text_format(where, sizeof(where), " (%s port %s)",
			    text_shown(addr, sizeof(addr), res->address, 1),
			    text_shown(port, sizeof(port), res->target.port, 1));
	keep_line(st, sum, "%s%s: %zu relay tests: %zu accepted, %zu denied, %zu undecided",
		  target_name(name, sizeof(name), &res->target), where,
		  c[VERDICT_ACCEPTED] + c[VERDICT_DENIED] + c[VERDICT_TEMPFAIL] + c[VERDICT_ERROR] +
			  c[VERDICT_UNTESTED],
		  c[VERDICT_ACCEPTED], c[VERDICT_DENIED],
		  c[VERDICT_TEMPFAIL] + c[VERDICT_ERROR] + c[VERDICT_UNTESTED]);
	for (size_t i = 0; i < res->nwarnings; i++)
		if (!warned_before(sum, res->warnings[i]))
			keep_line(st, sum, "  warning: %s",
				  text_shown(text, sizeof(text), res->warnings[i], 1));
	for (size_t i = 0; i < res->ntests; i++) {
		const struct test_result *tr = &res->tests[i];

		if (tr->verdict != VERDICT_ACCEPTED || tr->tc->group == CASE_CONTROL)
			continue;
		if (rows++ < NAGIOS_ROWS)
			keep_line(st, sum, "  accepted %s: %d %.80s", tr->tc->id, tr->code,
				  text_shown(text, sizeof(text), tr->text, 1));
	}
	if (rows > NAGIOS_ROWS)
		keep_line(st, sum, "  and %zu more accepted (see relaytest's text report)",
			  rows - NAGIOS_ROWS);
	/* Findings beside the verdict; they leave the state as it is. */
	for (size_t i = 0; i < res->nfindings; i++)
		keep_line(st, sum, "  finding %s: %s", res->findings[i].id,
			  text_shown(text, sizeof(text), res->findings[i].text, 1));
}

static void add(struct nagios_summary *sum, const struct target_result *res,
		struct report_state *st)
{
	const size_t *c = res->counts;
	enum nagios_result r = result_of(res);
	enum plugin_state state = state_of(r, st);
	size_t seen = sum->results[r]++;

	if (state_rank[state] > state_rank[sum->worst])
		sum->worst = state;
	if (seen < NAGIOS_NAMES)
		target_name(sum->names[r][seen], sizeof(sum->names[r][seen]), &res->target);
	if (sum->n++ == 0)
		reason_line(sum->first, sizeof(sum->first), res, r);
	if (state != PLUGIN_OK) {
		sum->attention++;
		if (sum->nlines < NAGIOS_DETAIL_LINES)
			reason_line(sum->lines[sum->nlines++], sizeof(sum->lines[0]), res, r);
	}
	sum->accepted += c[VERDICT_ACCEPTED];
	sum->denied += c[VERDICT_DENIED];
	sum->undecided += c[VERDICT_TEMPFAIL] + c[VERDICT_ERROR] + c[VERDICT_UNTESTED];
	sum->tests += c[VERDICT_ACCEPTED] + c[VERDICT_DENIED] + c[VERDICT_TEMPFAIL] +
		      c[VERDICT_ERROR] + c[VERDICT_UNTESTED];
	sum->ms += res->elapsed_ms;
	/* One target: its details whatever its state; several: the ones that
	 * need attention (report_nagios_target drops an OK first one's). */
	if (state != PLUGIN_OK || sum->n == 1)
		details(st, sum, res);
	if (sum->n == 1)
		sum->first_kept = state == PLUGIN_OK;
}

/* " | tests=34;;;0 ...": labels unique in their first 19 characters (the
 * monitoring-plugins guidelines), UOM s for seconds; sum NULL: all zero. */
static void print_perfdata(FILE *out, const struct nagios_summary *sum)
{
	static const struct nagios_summary zero;

	if (sum == NULL)
		sum = &zero;
	fprintf(out,
		" | tests=%zu;;;0 accepted=%zu;;;0 denied=%zu;;;0 undecided=%zu;;;0 "
		"servers=%zu;;;0",
		sum->tests, sum->accepted, sum->denied, sum->undecided, sum->n);
	for (int r = 0; r < RESULT_CLOSED; r++)
		fprintf(out, " %s=%zu;;;0", result_words[r].label, sum->results[r]);
	fprintf(out, " time=%.3fs;;;0\n", sum->ms / 1000.0);
}

/* "1 OPEN RELAY (mx2:25)", "4 inconclusive (a, b, c and 1 more)". */
static void print_result(FILE *out, const struct nagios_summary *sum, enum nagios_result r)
{
	size_t n = sum->results[r], shown = NAGIOS_NAMES;

	if (n < shown)
		shown = n;
	fprintf(out, "%zu %s (", n, n == 1 ? result_words[r].one : result_words[r].many);
	for (size_t i = 0; i < shown; i++) {
		/* "a, b and c", but "a, b, c and 2 more" */
		if (i > 0)
			fputs(i + 1 < shown || n > shown ? ", " : " and ", out);
		fputs(sum->names[r][i], out);
	}
	if (n > shown)
		fprintf(out, " and %zu more", n - shown);
	fputc(')', out);
}

static void print_status(FILE *out, const struct nagios_summary *sum, const struct report_state *st)
{
	fprintf(out, "RELAYTEST %s - ", state_names[sum->worst]);
	if (sum->n == 1) {
		fputs(sum->first, out);
	} else if (sum->attention == 0) {
		size_t closed = sum->results[RESULT_CLOSED];

		fprintf(out, "%zu servers, none needs attention: %zu %s", sum->n, closed,
			closed == 1 ? result_words[RESULT_CLOSED].one
				    : result_words[RESULT_CLOSED].many);
		if (sum->results[RESULT_INCONCLUSIVE] > 0)
			fprintf(out, ", %zu inconclusive", sum->results[RESULT_INCONCLUSIVE]);
		if (sum->results[RESULT_UNTESTED] > 0)
			fprintf(out, ", %zu could not test", sum->results[RESULT_UNTESTED]);
	} else {
		const char *sep = ": ";

		fprintf(out, "%zu of %zu servers need attention", sum->attention, sum->n);
		for (int r = 0; r < RESULT_CUT; r++)
			if (sum->results[r] > 0 &&
			    state_of((enum nagios_result)r, st) != PLUGIN_OK) {
				fputs(sep, out);
				print_result(out, sum, (enum nagios_result)r);
				sep = ", ";
			}
		if (sum->results[RESULT_CUT] > 0)
			fprintf(out,
				"; %zu not reached: the whole run's time limit ran out "
				"(--run-time)",
				sum->results[RESULT_CUT]);
	}
	print_perfdata(out, sum);
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
		st->kept = sum;
	}
	if (sum->n == 1 && sum->first_kept) {
		/* A second target: the first one's lines were kept because it
		 * might be the only one; an OK target among several has none. */
		spill_clear(&st->spill);
		sum->kept = 0;
		sum->dropped = 0;
		sum->nwarned = 0;
		sum->first_kept = 0;
	}
	add(sum, res, st);
	return 0;
}

/* The kept detail lines, at most max of them; returns how many. */
static size_t copy_details(FILE *out, struct report_state *st, size_t max)
{
	size_t lines = 0;

	for (size_t at = 0, left = spill_size(&st->spill); left > 0 && st->lost == 0;) {
		char buf[8192];
		size_t got = sizeof(buf), len = 0;

		if (left < got)
			got = left;

		if (spill_read(&st->spill, at, buf, got) < 0) {
			st->lost = errno != 0 ? errno : EIO;
			break;
		}
		while (len < got && lines < max)
			if (buf[len++] == '\n')
				lines++;
		fwrite(buf, 1, len, out);
		if (lines >= max)
			break;
		at += got;
		left -= got;
	}
	return lines;
}

int report_nagios_finish(FILE *out, struct report_state *st, int status)
{
	struct nagios_summary *sum = st->kept;
	size_t budget = NAGIOS_DETAIL_LINES, shown = 0, copied = 0;
	int state, more;

	(void)status;
	if (sum == NULL) {
		/* No target was added, or no memory for the summary. */
		fprintf(out, "RELAYTEST UNKNOWN - %s",
			st->lost != 0 ? strerror(st->lost) : "no target was reported");
		print_perfdata(out, NULL);
		spill_free(&st->spill);
		return PLUGIN_UNKNOWN;
	}
	state = (int)sum->worst;
	more = sum->dropped;
	/* What was lost may have been worse than what was kept: never OK then. */
	if (st->lost != 0 && state_rank[PLUGIN_UNKNOWN] > state_rank[state])
		state = PLUGIN_UNKNOWN;
	sum->worst = (enum plugin_state)state;
	print_status(out, sum, st);
	/* Several targets: first one line per server that needs attention. */
	for (size_t i = 0; sum->n > 1 && i < sum->nlines && shown < budget; i++, shown++)
		fprintf(out, "%s\n", sum->lines[i]);
	if (shown < sum->attention && sum->n > 1) {
		budget = shown;
		fprintf(out, "and %zu more servers need attention\n", sum->attention - shown);
	}
	if (budget > shown)
		copied = copy_details(out, st, budget - shown);
	more |= copied < sum->kept;
	if (st->lost != 0)
		fprintf(out, "(results lost: %s; see relaytest's text report)\n",
			strerror(st->lost));
	else if (more)
		fprintf(out, "(more in relaytest's text report; only %d lines here)\n",
			NAGIOS_DETAIL_LINES);
	spill_free(&st->spill);
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
