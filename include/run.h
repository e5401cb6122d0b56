/* run.h - the whole relay test table against one target.
 *
 * run_target connects once to learn the server (greeting, EHLO), then plans
 * the selected cases into lanes (src/runner.h) and walks them on up to
 * --connections connections at once, pipelined when the server offers
 * PIPELINING. A lane reconnects when the server drops it, says 421, or when
 * its rejections near the error budget (servers slow down or disconnect
 * past ~10 errors). A test interrupted twice is not tested, never dropped;
 * one the server would not let run (503, "too many", a temporary failure)
 * runs once more on a fresh connection. Results do not depend on how many
 * connections were used. */
#ifndef RELAYTEST_RUN_H
#define RELAYTEST_RUN_H

#include "engine.h"

/* Run the selected cases of p against target t (a target with an error
 * set is reported untested with it). res is filled in full, also when
 * nothing could be tested; free it with run_free. Returns res->status. */
enum run_status run_target(const struct engine_params *p, const struct target *t,
			   struct target_result *res);

/* Fill res as target t, not tested for an error of kind, why. Returns
 * RUN_UNTESTED. */
enum run_status run_untested(const struct target *t, enum err_kind kind, const char *why,
			     struct target_result *res);

/* Free what res owns. */
void run_free(struct target_result *res);

/* The more severe of two statuses (1, then 3, then 2, then 0). */
int run_worse_status(int a, int b);

/* "", "EHLO", "AUTH", "MAIL", "RCPT". */
const char *run_stage_name(enum run_stage stage);

#endif
