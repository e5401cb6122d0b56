/* expand.h - every address of a name, each a target of its own.
 *
 * A target named by a host name is looked up before the run and becomes one
 * target per distinct address (in the resolver's order, -4/-6 respected),
 * so that each address is tested and reported on its own and a relay behind
 * one of them is never hidden by another that answered first. The name stays
 * (for TLS SNI, the mail domain and the report), the address is what is
 * connected to. A name with one address keeps its label; several are
 * labelled "name (address)" (target_label). A name that does not resolve
 * stays one target that cannot be tested, with the resolver's message. An
 * address literal, and a target already untestable, is kept as it is. */
#ifndef RELAYTEST_EXPAND_H
#define RELAYTEST_EXPAND_H

#include <stddef.h>

#include "net.h"
#include "targets.h"

/* Lookups at once, at most. */
#define EXPAND_THREADS 32
/* Targets whose answer may wait at once for those before it to be taken:
 * what bounds the memory, whatever the length of the list. */
#define EXPAND_WINDOW 128

/* Replace every name in list by its addresses' targets (family AF_UNSPEC,
 * AF_INET or AF_INET6), each lookup ended after max_time_ms or at
 * run_deadline_ms (net_now_ms clock; 0: none), whichever comes first.
 * Returns 0, or -1 with err when the list would pass TARGETS_MAX or
 * memory ran out (list is then as it was). */
int expand_targets(struct target_list *list, int family, int max_time_ms, long long run_deadline_ms,
		   char *err, size_t cap);

/* The distinct addresses of peer as text, in its order, into addrs (room
 * for NET_PEER_ADDRS_MAX). Returns how many. Pure. */
size_t expand_distinct(const struct net_peer *peer, char addrs[][TARGET_ADDRESS_MAX]);

/* Append t's targets to out (addrs is only read): with why set, t as untestable with why; else
 * one target per address of addrs[0..n) (several set when n > 1); with n
 * 0, t as it is. Returns 0, or -1 when out is full or memory ran out. */
int expand_append(struct target_list *out, const struct target *t, char addrs[][TARGET_ADDRESS_MAX],
		  size_t n, const char *why);

#endif
