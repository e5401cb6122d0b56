/* remedy.h - what to fix when a server relays: advice specific to the
 * server software the greeting or EHLO names, and to what was accepted. */
#ifndef RELAYTEST_REMEDY_H
#define RELAYTEST_REMEDY_H

#include <stddef.h>

#include "quirks.h"
#include "run.h"

/* The server software named by the greeting or the EHLO reply, if any. */
enum quirks_software remedy_identify(const struct target_result *res);

/* "Postfix", "Exim", ... or "unknown". */
const char *remedy_software_name(enum quirks_software sw);

#define REMEDY_MAX 8

/* Fill up to REMEDY_MAX pieces of advice (static strings) for an open relay
 * and return how many; 0 when res is not an open relay. */
size_t remedy_advice(const struct target_result *res, const char *advice[REMEDY_MAX]);

#endif
