/* workers.h - testing many targets at once: up to `jobs` worker processes,
 * each a blocking client for one target at a time. Results come back whole
 * and are handed on in the order of the list, never interleaved. */
#ifndef RELAYTEST_WORKERS_H
#define RELAYTEST_WORKERS_H

#include <stddef.h>

#include "cli.h"
#include "run.h"
#include "targets.h"

/* Called once per target, in list order. emit owns res afterwards (free it
 * with run_free and free). */
typedef void (*workers_emit_fn)(struct target_result *res, void *ctx);

/* Run every target of list, jobs at a time (1: in this process). A progress
 * line goes to stderr when it is a terminal and there are several targets.
 * Returns 0, or -1 when memory ran out. */
int workers_run(const struct config *cfg, const struct target_list *list, int jobs,
		workers_emit_fn emit, void *ctx);

#endif
