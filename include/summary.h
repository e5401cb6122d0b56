/* summary.h - a finished run's verdict, its one-line reason and its
 * warnings, in words, from the facts the engine recorded in the result. */
#ifndef RELAYTEST_SUMMARY_H
#define RELAYTEST_SUMMARY_H

#include "engine.h"

/* Fill res's counts, status, why and warnings from its tests and facts. */
void summary_build(struct target_result *res);

#endif
