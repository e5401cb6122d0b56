/* params.h - the command line's choices as the engine's parameters. */
#ifndef RELAYTEST_PARAMS_H
#define RELAYTEST_PARAMS_H

#include "cli.h"
#include "run.h"

/* Fill p from cfg for one target that may use until the whole run's end
 * (cfg->run_deadline_ms) at most. */
void params_from_config(const struct config *cfg, struct engine_params *p);

#endif
