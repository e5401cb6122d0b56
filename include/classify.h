/* classify.h - from a server's reply to a verdict and a reason.
 *
 * Pure and table-tested. The rules (RFC 5321 reply codes, RFC 3463 enhanced
 * codes, and the wording real servers use):
 *   2xx to RCPT                      accepted (the server would relay)
 *   421                              error (the server is closing)
 *   4xx naming relay (not a retry)   denied: relay policy (Postfix
 *                                    defer_unauth_destination, 454 4.7.1)
 *   other 4xx                        temporary failure (greylisting, limits)
 *   530 with STARTTLS/TLS            denied: TLS required
 *   530                              denied: authentication required
 *   501                              denied: syntax
 *   5.7.x, "relay", qmail's
 *   "rcpthosts" or "(#5.7.x)"         denied: relay policy
 *   5.1.x                            denied: address
 *   5.5.x, 500                       denied: syntax
 *   other 5xx                        denied: policy
 *   1xx, 3xx                         error (not a valid answer here) */
#ifndef RELAYTEST_CLASSIFY_H
#define RELAYTEST_CLASSIFY_H

#include "reply.h"

enum verdict {
	VERDICT_ACCEPTED,
	VERDICT_DENIED,
	VERDICT_TEMPFAIL,
	VERDICT_ERROR,
	VERDICT_SKIPPED,
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
	REASON_NOT_REACHED, /* the target's time or connections ran out first */
	REASON_NOT_OFFERED, /* skipped: the server does not offer what the test needs */
	REASON_COUNT
};

/* Verdict for a reply to MAIL, RCPT, EHLO or AUTH that is not a success
 * the caller handles itself; a 2xx gives VERDICT_ACCEPTED, REASON_RELAYED.
 * Stores the reason in *why. */
enum verdict classify_reply(const struct reply *r, enum reason *why);

/* "accepted", "denied", "temporary failure", "error", "skipped". */
const char *classify_verdict_name(enum verdict v);

/* A short phrase for the reason ("relay policy", "greylisting", ...). */
const char *classify_reason_name(enum reason why);

#endif
