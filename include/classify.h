/* classify.h - from a server's reply to a verdict, a reason and what to do next.
 *
 * Pure and table-tested: every decision is one row of the rule table in
 * classify.c, {step, code range, enhanced code, phrase} -> {verdict, reason,
 * action}, and the first matching row wins. Phrases are matched in the reply
 * text with the addresses and names we sent taken out, so that our own
 * envelope ("<probe@relay.example>") can never read as the server's words.
 *
 * In words (RFC 5321 reply codes, RFC 3463 enhanced codes, real servers'
 * wording):
 *   2xx to RCPT (or 235 to AUTH)      accepted (the control's RCPT: the
 *                                     control passed)
 *   other 2xx to AUTH, 2xx to MAIL    error: off-script where a reply decides
 *   421, 503, "too many ..."          not a verdict: the test could not run
 *                                     here; rerun on a fresh connection, then
 *                                     "not tested"
 *   530/538 naming TLS, 5.7.0 + TLS   not tested: the server requires STARTTLS
 *   4xx greylisting, "try again later" temporary failure, no quick rerun
 *   4xx refusing relaying (no retry)  denied: relay policy (Postfix
 *                                     defer_unauth_destination, 454 4.7.1)
 *   other 4xx                         temporary failure; rerun once on a fresh
 *                                     connection (postscreen's first visit)
 *   5xx refusing relaying, 5.7.54,    denied: relay policy
 *   5.7.64, qmail's rcpthosts
 *   530                               denied: authentication required
 *   5.1.x, 5.5.x, 500, 501, 5.7.x ... denied (address, syntax, policy)
 *   1xx, 3xx                          error (not an answer here) */
#ifndef RELAYTEST_CLASSIFY_H
#define RELAYTEST_CLASSIFY_H

#include <stddef.h>

#include "reply.h"

enum verdict {
	VERDICT_ACCEPTED,
	VERDICT_DENIED,
	VERDICT_TEMPFAIL,
	VERDICT_ERROR,
	VERDICT_SKIPPED,
	VERDICT_UNTESTED, /* the server would not let the test run: inconclusive */
	VERDICT_COUNT
};

enum reason {
	REASON_NONE,
	REASON_RELAYED,	   /* accepted for a remote recipient */
	REASON_CONTROL_OK, /* the control recipient was accepted */
	REASON_AUTH_BOGUS, /* bogus credentials were accepted */
	REASON_RELAY_POLICY,
	REASON_ADDRESS,
	REASON_SYNTAX,
	REASON_AUTH_REQUIRED,
	REASON_TLS_REQUIRED,
	REASON_AUTH_FAILED, /* our bogus credentials were refused: good */
	REASON_POLICY,	    /* a 5xx that names nothing more specific */
	REASON_GREYLIST,    /* a 4xx that says to try again */
	REASON_TEMPORARY,   /* any other 4xx */
	REASON_CLOSING,	    /* 421 */
	REASON_TIMEOUT,
	REASON_CONNECTION,
	REASON_PROTOCOL,
	REASON_NOT_REACHED,    /* the target's time or connections ran out first */
	REASON_NOT_OFFERED,    /* skipped: the server does not offer what the test needs */
	REASON_SEQUENCE,       /* 503: the server's session state refused the command */
	REASON_LIMIT,	       /* "too many ...": a per-session limit was reached */
	REASON_HELO_REFUSED,   /* the test's EHLO name itself was refused */
	REASON_NO_TLS,	       /* not tested: TLS needed, and this system has no libssl */
	REASON_CLIENT_BLOCKED, /* not tested: refused for who we are (DNSBL, no rDNS) */
	REASON_TLS_REFUSED,    /* skipped: STARTTLS offered, then refused: no client gets past */
	REASON_SERVER_ERROR,   /* a bare 500 to AUTH: the server failed, nothing was judged */
	REASON_NOT_PROBED, /* accepted at RCPT, not probed, where every probe was refused at DATA */
	REASON_XCLIENT_REFUSED, /* the XCLIENT command itself was refused */
	REASON_COUNT
};

/* The command whose reply is judged. */
/* The command a reply answers; the control test's RCPT is a step of its
 * own, since its acceptance means something else. */
enum classify_step {
	CLASSIFY_EHLO,
	CLASSIFY_AUTH,
	CLASSIFY_MAIL,
	CLASSIFY_RCPT,
	CLASSIFY_CONTROL,
	CLASSIFY_XCLIENT /* a refused XCLIENT (its 2xx lets the test go on) */
};

/* What the engine does after the verdict. */
enum classify_action {
	CLASSIFY_FINAL,	   /* the verdict stands */
	CLASSIFY_RERUN,	   /* run the test again on a fresh connection, once */
	CLASSIFY_NEEDS_TLS /* run it again over STARTTLS when this system can */
};

struct classification {
	enum verdict verdict;
	enum reason reason;
	enum classify_action action;
	int rule; /* index of the deciding row, for tests and --verbose */
};

/* Judge reply r to the command of step. sent lists the n addresses and names
 * we sent in this test (MAIL and RCPT arguments, EHLO name; NULL entries are
 * skipped); they are removed from the text before phrases are matched. A
 * 2xx gives VERDICT_ACCEPTED: the caller decides what a success means at
 * MAIL or EHLO. Never fails. */
struct classification classify(enum classify_step step, const struct reply *r,
			       const char *const *sent, size_t n);

/* The number of rows in the rule table (tests check each is reachable). */
size_t classify_rule_count(void);

/* "accepted", "denied", "temporary failure", "error", "skipped", "not tested". */
const char *classify_verdict_name(enum verdict v);

/* The verdict as a machine-readable key for JSON and Prometheus labels:
 * "accepted", "denied", "temporary_failure", "error", "skipped",
 * "not_tested". */
const char *classify_verdict_key(enum verdict v);

/* A short phrase for the reason ("relay policy", "greylisting", ...). */
const char *classify_reason_name(enum reason why);

/* Whether a verdict leaves the question open (temporary failure, error, not
 * tested): such a test makes a run inconclusive unless a relay was accepted. */
int classify_undecided(enum verdict v);

#endif
