/* fold.h - the short text report's rows: a target's tests folded so that
 * the control and each accepted test stand alone, and tests that got the
 * same answer share one row. Pure: no I/O. */
#ifndef RELAYTEST_FOLD_H
#define RELAYTEST_FOLD_H

#include <stddef.h>
#include <stdio.h>

#include "engine.h"

struct fold_row {
	size_t lead;  /* index in res->tests of the row's first test */
	size_t count; /* tests on the row */
	int others;   /* the largest row of many: named "N other tests", not listed */
};

struct fold {
	struct fold_row rows[CASES_MAX]; /* control, accepted, undecided, denied, skipped */
	size_t nrows;
	size_t row_of[CASES_MAX]; /* each test's row, indexed like res->tests */
};

/* Rows of more tests than this list their ids; the largest row beyond it
 * says "N other tests" instead. */
#define FOLD_LIST_MAX 8

/* Fold res's tests into f (caller-owned, overwritten). */
void fold_tests(const struct target_result *res, struct fold *f);

/* Whether two tests got the same answer: same verdict, reason, command,
 * code and TLS, and the same reply text apart from the addresses in angle
 * brackets that servers echo (skipped tests: the same reason). Accepted
 * tests and the control are never the same as another. */
int fold_same(const struct test_result *a, const struct test_result *b);

/* text (a reply's, after the code: "5.7.1 <a@b>: Relay access denied")
 * without the echoed address that leads it ("<a@b>: ", "<a@b>... "), which
 * differs from test to test on a row; into buf of cap bytes. */
void fold_reply_text(const char *text, char *buf, size_t cap);

#endif
