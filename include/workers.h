/* workers.h - testing many targets at once: up to `jobs` worker processes,
 * each a blocking client for one target at a time. Results come back whole
 * and are handed on in the order of the list, never interleaved. */
#ifndef RELAYTEST_WORKERS_H
#define RELAYTEST_WORKERS_H

#include <stddef.h>

#include "cli.h"
#include "run.h"
#include "targets.h"

/* The error of a target not started because --run-time ran out. */
#define WORKERS_RUN_TIME_OUT \
	"not tested: the time limit for the whole run ran out first (--run-time)"

/* Called once per target, in list order. emit owns res afterwards (free it
 * with run_free and free). */
typedef void (*workers_emit_fn)(struct target_result *res, void *ctx);

/* Run every target of list, jobs at a time (1: in this process). A progress
 * line goes to stderr when it is a terminal and cfg->quiet is not set
 * (progress.h): what the target waits for, or how many are done; it is off
 * the screen whenever emit runs.
 * With cfg->run_deadline_ms set, a target gets at most the time left until
 * it, and one not started by then is untested with WORKERS_RUN_TIME_OUT.
 * jobs is capped to what the open-file limit allows (after raising its soft
 * limit), with a line on stderr saying so. SIGINT and SIGTERM stop every
 * worker (see workers_stopped). Returns 0, or -1 when memory ran out. */
int workers_run(const struct config *cfg, const struct target_list *list, int jobs,
		workers_emit_fn emit, void *ctx);

/* Ask workers_run to stop: no more targets are handed on, every worker is
 * stopped. Safe to call from emit (say, when the report cannot be written). */
void workers_stop(void);

/* Why workers_run stopped early: SIGINT or SIGTERM (which it catches while
 * workers run), SIGPIPE (stdout is a pipe whose reader went away), -1 after
 * workers_stop, 0 when it did not. */
int workers_stopped(void);

#endif
