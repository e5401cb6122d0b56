/* tally.h - the run summary over several targets: how many servers came
 * out open, inconclusive, untestable and closed, naming those that need
 * attention. Pure: no I/O; the text report prints the line (report.h). */
#ifndef RELAYTEST_TALLY_H
#define RELAYTEST_TALLY_H

#include <stddef.h>

#include "engine.h"

/* Servers named per result; the rest are counted ("and 4 more"), so the
 * line stays readable over hundreds of targets. */
#define TALLY_NAMES_MAX 5

/* A name kept: "[host]:port (address)" (a longer one, which no DNS name
 * makes, is cut). */
#define TALLY_NAME_MAX TARGET_LABEL_MAX
/* The longest summary: every named server at its longest. */
#define TALLY_LINE_MAX ((size_t)3 * TALLY_NAMES_MAX * (TALLY_NAME_MAX + 2) + 256)

struct tally {
	size_t total;
	size_t n[RUN_UNTESTED + 1]; /* by enum run_status */
	char names[RUN_UNTESTED + 1][TALLY_NAMES_MAX][TALLY_NAME_MAX];
};

/* Count one finished target (its status and, when it is not closed, its
 * host:port, as the report's header names it). t is zeroed by the caller
 * before the first. */
void tally_add(struct tally *t, const struct target_result *res);

/* The summary into buf (capacity cap; cut short when it does not fit),
 * without the "relaytest: " prefix: "3 servers: 1 open relay (mx2:25),
 * 1 inconclusive (mx3:25), 1 closed". Results with no server are left out;
 * the order is the exit status's (open, not tested, inconclusive, closed).
 * TALLY_LINE_MAX bytes always hold it whole. */
void tally_line(const struct tally *t, char *buf, size_t cap);

#endif
