/* report.h - turning a target_result into what the user reads. */
#ifndef RELAYTEST_REPORT_H
#define RELAYTEST_REPORT_H

#include <stdio.h>

#include "run.h"

/* The plain-text report: header, one line per test (plus note and server
 * lines where they matter), warnings, a one-line result. Every piece of
 * server text in res is already sanitised. */
void report_text(FILE *out, const struct target_result *res, int colour);

/* One JSON object on one line (JSON Lines); schema in README.md. */
void report_json(FILE *out, const struct target_result *res);

/* The monitoring-plugin output for all targets: one status line with
 * performance data, then detail lines. Returns the plugin exit status:
 * 0 OK, 1 WARNING (inconclusive), 2 CRITICAL (open relay or untestable). */
int report_nagios(FILE *out, struct target_result *const *res, size_t n);

/* Whether colour suits out: a terminal, and NO_COLOR unset or empty. */
int report_use_colour(FILE *out);

/* The result in one sentence ("Result: OPEN RELAY: 3 of 36 relay tests
 * accepted ..."), into buf of cap bytes (truncated to fit). */
void report_result_text(const struct target_result *res, char *buf, size_t cap);

#endif
