/* findings.h - facts beside the verdict (issue 19): not relay, but what an
 * admin running a relay check wants to know, each cheap and exact. They
 * are listed in every format ("Other findings", JSON "findings", Nagios
 * long output) and never change the exit status. */
#ifndef RELAYTEST_FINDINGS_H
#define RELAYTEST_FINDINGS_H

#include <stddef.h>

#include "engine.h"

/* Fill res->findings from the facts the engine recorded (the address the
 * server echoed, the capabilities before TLS, the STARTTLS injection
 * probe), one row of findings.c's table each, in its order. */
void findings_build(struct target_result *res);

/* The ids of the table's rows, in order, for tests and docs. */
size_t findings_count(void);
const char *findings_id(size_t i);

/* Whether the client address the server reported (res->seen_as) differs
 * from ours (res->local_address); an IPv4-mapped IPv6 address is the IPv4
 * one. 0 when the server reported none. */
int findings_seen_other(const struct target_result *res);

#endif
