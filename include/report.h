/* report.h - turning a target_result into what the user reads. */
#ifndef RELAYTEST_REPORT_H
#define RELAYTEST_REPORT_H

#include <stdio.h>

#include "run.h"

/* The plain-text report: header, one line per test (plus note and server
 * lines where they matter), warnings, a one-line result. Every piece of
 * server text in res is already sanitised. */
void report_text(FILE *out, const struct target_result *res);

/* The one-line result ("OPEN RELAY: 3 of 36 relay tests accepted ..."). */
void report_result_line(FILE *out, const struct target_result *res);

#endif
