/* targets.h - the list of targets to test, in order: from the command line,
 * from --input files, from --mx lookups; each on every port asked for. */
#ifndef RELAYTEST_TARGETS_H
#define RELAYTEST_TARGETS_H

#include <stddef.h>

#include "target.h"

#define TARGETS_PORTS_MAX 16
#define TARGETS_MAX 100000

struct target_list {
	struct target *items; /* owned */
	size_t n, cap;
};

/* Parse arg and append it, once per port in ports[0..nports) unless arg
 * names its own port. domain, when not NULL, is the mail domain to use.
 * Returns 0, or -1 with a message in err. */
int targets_add(struct target_list *list, const char *arg, const int *ports, size_t nports,
		const char *domain, char *err, size_t cap);

/* Append a target that cannot be tested, with the reason (a failed --mx). */
int targets_add_failed(struct target_list *list, const char *name, const char *why);

/* Append every target in the file at path ("-": standard input): one per
 * line, '#' starts a comment, blank lines are skipped. Returns 0, or -1 with
 * "FILE:LINE: problem" in err. */
int targets_read(struct target_list *list, const char *path, const int *ports, size_t nports,
		 char *err, size_t cap);

/* Free the list. */
void targets_free(struct target_list *list);

#endif
