/* cases.h - the fixed table of relay test cases and their templates.
 *
 * Pure data and string expansion; no I/O. Placeholders in templates:
 *   {from} {to}   the external sender and recipient (--from, --to)
 *   {s}           the sender's local part
 *   {u} {x}       the recipient's local part and domain
 *   {domain}      the target's own mail domain
 *   {host}        the host name in the server's greeting
 *   {ip}          the connected server's address literal ([192.0.2.1],
 *                 [IPv6:2001:db8::1]) */
#ifndef RELAYTEST_CASES_H
#define RELAYTEST_CASES_H

#include <stddef.h>

#include "text.h"

enum case_group {
	CASE_CONTROL,	/* must be accepted; proves the server talks to us */
	CASE_SENDER,	/* sender forms, each to {to} */
	CASE_RECIPIENT, /* recipient tricks, each from {from} */
	CASE_HELO,	/* a new EHLO with a trusted-looking name first */
	CASE_AUTH,	/* bogus credentials first, on a fresh connection */
	CASE_XCLIENT,	/* XCLIENT claiming a trusted address first (Postfix) */
	CASE_PROXY	/* a PROXY header claiming a trusted address first */
};

enum case_auth {
	CASE_AUTH_NONE,
	CASE_AUTH_PLAIN_RANDOM,
	CASE_AUTH_LOGIN_RANDOM,
	CASE_AUTH_PLAIN_EMPTY,
	CASE_AUTH_CRAM_MD5, /* RFC 2195, random user and password */
	CASE_AUTH_NTLM_ANON /* anonymous NTLM: type 1, then an empty type 3 */
};

struct relay_case {
	const char *id;
	enum case_group group;
	const char *description;
	const char *mail_from; /* template of MAIL FROM's argument */
	const char *rcpt_to;   /* template of RCPT TO's argument */
	const char *helo;      /* CASE_HELO: template of the EHLO name */
	enum case_auth auth;   /* CASE_AUTH: which dialogue */
	const char *claim;     /* CASE_XCLIENT, CASE_PROXY: the client address claimed */
	const char *login;     /* CASE_XCLIENT: a SASL login claimed instead (LOGIN=) */
};

#define CASES_MAX 64

extern const struct relay_case cases_table[];
extern const size_t cases_count;

/* The case with this id, or NULL. */
const struct relay_case *cases_find(const char *id);

/* Whether tc runs alone on a connection of its own: its EHLO name, AUTH,
 * XCLIENT or PROXY header changes who the server takes us for. */
int cases_own_connection(const struct relay_case *tc);

/* Whether tc claims another client address (XCLIENT or a PROXY header):
 * same envelope as ext-to-ext, never its twin. */
int cases_claims(const struct relay_case *tc);

/* Printable name of a group ("sender form", ...). */
const char *cases_group_name(enum case_group group);

/* The values placeholders expand to. Filled by cases_vars_set. */
struct case_vars {
	char from[TEXT_ARG_MAX + 1];
	char to[TEXT_ARG_MAX + 1];
	char s[TEXT_ARG_MAX + 1];
	char u[TEXT_ARG_MAX + 1];
	char x[TEXT_ARG_MAX + 1];
	char domain[TEXT_ARG_MAX + 1];
	char host[TEXT_ARG_MAX + 1];
	char ip[TEXT_ARG_MAX + 1];
};

/* Fill v. from and to must hold an '@' (split at the last one); ip is the
 * textual server address, turned into an address literal here. host may be
 * empty when the greeting named no host. Returns 0, or -1 when an argument
 * does not fit or from/to have no '@'. */
int cases_vars_set(struct case_vars *v, const char *from, const char *to, const char *domain,
		   const char *host, const char *ip);

/* Expand tmpl into out (capacity cap). Returns 0, or -1 when the result does
 * not fit, a placeholder is unknown, or it refers to an empty value ({host}
 * when the greeting named none). */
int cases_expand(const char *tmpl, const struct case_vars *v, char *out, size_t cap);

/* Whether tmpl uses the placeholder name (without braces). */
int cases_uses(const char *tmpl, const char *name);

#endif
