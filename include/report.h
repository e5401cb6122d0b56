/* report.h - turning target_results into what the user reads.
 *
 * Every output format is one row of report_formats: a per-target writer
 * called as each target finishes (in the order given), and a finish called
 * once after the last. A new format is one file and one row in report.c. */
#ifndef RELAYTEST_REPORT_H
#define RELAYTEST_REPORT_H

#include <stdio.h>

#include "run.h"
#include "spill.h"

/* --inconclusive-state, --untested-state: the monitoring-plugin state
 * nagios gives such a result; REPORT_STATE_DEFAULT (zero) leaves its own
 * (WARNING for inconclusive, CRITICAL for could not test). */
enum report_plugin_state {
	REPORT_STATE_DEFAULT,
	REPORT_STATE_OK,
	REPORT_STATE_WARNING,
	REPORT_STATE_CRITICAL,
	REPORT_STATE_UNKNOWN
};

/* What the writers share for one run; zeroed by the caller, then quiet,
 * colour and the nagios states set. The writers own the rest. */
struct report_state {
	int quiet;  /* -q: a closed server's report is left out */
	int colour; /* text: ANSI colour on a terminal */
	int all;    /* text: a row for every test (--all, --verbose) */
	enum report_plugin_state inconclusive_state; /* nagios: for an inconclusive result */
	enum report_plugin_state untested_state;     /* nagios: for one that could not be tested */
	size_t shown;				     /* targets written so far */
	void *kept;	    /* a format's own summary across targets (nagios; text's tally) */
	struct spill spill; /* report_keep's records */
	int lost;	    /* errno: a record could not be kept; the report is incomplete */
};

/* Keep len bytes, target by target, for what a format writes at the end
 * (nagios' detail lines, prometheus' samples): in a temporary file, so that
 * memory does not grow with the number of targets, and in memory when the
 * disk fails. When neither can take them, st->lost gets errno: the format's
 * finish must not pass a partial report off as whole, and main exits 3.
 * Returns 0 or -1. The format's finish reads st->spill back and frees it. */
int report_keep(struct report_state *st, const void *data, size_t len);

struct report_format {
	const char *name;
	/* Write (or note) one finished target. Returns 1 when the format kept
	 * res for finish (it then frees it), 0 when the caller may free it. */
	int (*target)(FILE *out, struct target_result *res, struct report_state *st);
	/* After the last target; status is the worst run status. Returns the
	 * exit status (formats with their own convention, e.g. nagios, change
	 * it). May be NULL. */
	int (*finish)(FILE *out, struct report_state *st, int status);
};

extern const struct report_format report_formats[];
extern const size_t report_formats_count;

/* The format named name, or NULL. */
const struct report_format *report_format_find(const char *name);

/* The rows: one per file. */
int report_text_target(FILE *out, struct target_result *res, struct report_state *st);
/* After several targets, when anything was printed (under -q too), one
 * line: "relaytest: 3 servers: 1 open relay (mx2:25), 1 inconclusive
 * (mx3:25), 1 closed", wrapped like the report. Returns status. */
int report_text_finish(FILE *out, struct report_state *st, int status);
int report_json_target(FILE *out, struct target_result *res, struct report_state *st);
int report_nagios_target(FILE *out, struct target_result *res, struct report_state *st);
int report_nagios_finish(FILE *out, struct report_state *st, int status);
int report_prometheus_target(FILE *out, struct target_result *res, struct report_state *st);
int report_prometheus_finish(FILE *out, struct report_state *st, int status);

/* The plain-text report: result, header, one line per test (plus note and
 * server lines where they matter), warnings, the result again. Every line
 * fits WRAP_WIDTH columns. Server text in res is already sanitised. */
void report_text(FILE *out, const struct target_result *res, int colour, int all);

/* One JSON object on one line (JSON Lines); schema in README.md. */
void report_json(FILE *out, const struct target_result *res);

/* The monitoring-plugin output for all targets, with the default states:
 * one status line with performance data, then long output. Returns the
 * plugin exit status: 0 OK, 1 WARNING (inconclusive), 2 CRITICAL (open
 * relay or could not test), 3 UNKNOWN (not reached in --run-time). */
int report_nagios(FILE *out, struct target_result *const *res, size_t n);

/* Whether colour suits out: a terminal, and NO_COLOR unset or empty. */
int report_use_colour(FILE *out);

/* The result in one sentence ("Result: OPEN RELAY: 3 relay tests were
 * accepted: ... (3 of 36 relay tests accepted, 33 denied; 0.20 s)"), into
 * buf of cap bytes (truncated to fit). */
void report_result_text(const struct target_result *res, char *buf, size_t cap);

/* The verdict in a few words: "OPEN RELAY", "OPEN RELAY over STARTTLS",
 * "not an open relay", "INCONCLUSIVE", "COULD NOT TEST". */
void report_headline(const struct target_result *res, char *buf, size_t cap);

/* The counts and time: "3 of 36 relay tests accepted, 33 denied; 0.20 s". */
void report_counts(const struct target_result *res, char *buf, size_t cap);

#endif
