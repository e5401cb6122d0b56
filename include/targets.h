/* targets.h - the list of targets to test, in order: from the command line,
 * from --input files, from --mx lookups; each on every port asked for. */
#ifndef RELAYTEST_TARGETS_H
#define RELAYTEST_TARGETS_H

#include <stddef.h>

#include "target.h"

#define TARGETS_PORTS_MAX 16
#define TARGETS_MAX 100000
#define TARGETS_LINE_MAX 1022 /* bytes in an --input line, without its end */

/* Targets are kept packed (their strings back to back, about 50 bytes
 * each instead of a whole struct target), so 100,000 of them fit in a few
 * MiB; targets_get unpacks one. */
struct target_list {
	char *packed; /* owned: every target's record */
	size_t used, size;
	size_t *at; /* owned: where each target's record starts in packed */
	size_t n, cap;
	size_t *seen; /* owned: hash set of (host, port), as target index + 1 */
	size_t seen_cap;
};

/* Unpack target i (< list->n) into t. */
void targets_get(const struct target_list *list, size_t i, struct target *t);

/* Parse arg and append it, once per port in ports[0..nports) unless arg
 * names its own port. domain, when not NULL, is the mail domain to use.
 * A (host, port) already in the list is not added again (host compared
 * without case, an address literal in its canonical form): each server is
 * tested, and reported, once; the first mention keeps its domain.
 * Returns 0, or -1 with a message in err. */
int targets_add(struct target_list *list, const char *arg, const int *ports, size_t nports,
		const char *domain, char *err, size_t cap);

/* Append t as it is, whether or not its server is in the list: for a list
 * built from one whose servers are distinct (expand.h). Returns 0, or -1
 * when the list is full (TARGETS_MAX) or memory ran out. */
int targets_append(struct target_list *list, const struct target *t);

/* Append a target that cannot be tested, with the reason (a failed --mx). */
int targets_add_failed(struct target_list *list, const char *name, const char *why);

#define TARGETS_USAGE (-1)	/* a bad file or line: a usage error (exit 64) */
#define TARGETS_READ_ERROR (-2) /* the file could not be read (exit 3) */

/* Append every target in the file at path ("-": standard input): one per
 * line, '#' starts a comment, blank lines are skipped. Lines are read into
 * a fixed buffer, so no input can make memory grow. Returns 0;
 * TARGETS_USAGE for a missing file, a directory, a NUL or CR byte inside a
 * line, an overlong line or a bad target ("FILE:LINE: problem" in err);
 * TARGETS_READ_ERROR when reading failed, which is never taken for the end
 * of the file ("--input FILE: cannot read line N: why" in err). */
int targets_read(struct target_list *list, const char *path, const int *ports, size_t nports,
		 char *err, size_t cap);

/* Free the list. */
void targets_free(struct target_list *list);

#endif
