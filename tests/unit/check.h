/* check.h - the unit-test harness: one line per check group, counted by tests/run.sh. */
#ifndef RELAYTEST_CHECK_H
#define RELAYTEST_CHECK_H

#include <stdio.h>
#include <string.h>

extern int check_failures; /* failures inside the current test */

#define CHECK(cond)                                                                         \
	do {                                                                                \
		if (!(cond)) {                                                              \
			printf("#   %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			check_failures++;                                                   \
		}                                                                           \
	} while (0)

#define CHECK_STR(got, want)                                                                     \
	do {                                                                                     \
		const char *got_ = (got), *want_ = (want);                                       \
		if (strcmp(got_, want_) != 0) {                                                  \
			printf("#   %s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, got_, \
			       want_);                                                           \
			check_failures++;                                                        \
		}                                                                                \
	} while (0)

#define CHECK_INT(got, want)                                                                       \
	do {                                                                                       \
		long got_ = (long)(got), want_ = (long)(want);                                     \
		if (got_ != want_) {                                                               \
			printf("#   %s:%d: %s is %ld, want %ld\n", __FILE__, __LINE__, #got, got_, \
			       want_);                                                             \
			check_failures++;                                                          \
		}                                                                                  \
	} while (0)

/* Each test file exposes one function per test, listed in unit_main.c. */
typedef void (*check_fn)(void);

#endif
