/* cases.c - the relay test table. The order is the order of the report. */
#include "cases.h"

#include <stdio.h>
#include <string.h>

/* clang-format off: the table reads best one case to a line */
#define SENDER(id_, desc_, from_)                                                                \
	{                                                                                        \
		.id = (id_), .group = CASE_SENDER, .description = (desc_), .mail_from = (from_), \
		.rcpt_to = "<{to}>"                                                              \
	}
#define RECIPIENT(id_, desc_, to_)                                            \
	{                                                                     \
		.id = (id_), .group = CASE_RECIPIENT, .description = (desc_), \
		.mail_from = "<{from}>", .rcpt_to = (to_)                     \
	}
#define HELO(id_, desc_, name_)                                                                   \
	{                                                                                         \
		.id = (id_), .group = CASE_HELO, .description = (desc_), .mail_from = "<{from}>", \
		.rcpt_to = "<{to}>", .helo = (name_)                                              \
	}
#define AUTH(id_, desc_, how_)                                                                    \
	{                                                                                         \
		.id = (id_), .group = CASE_AUTH, .description = (desc_), .mail_from = "<{from}>", \
		.rcpt_to = "<{to}>", .auth = (how_)                                               \
	}
#define XCLIENT(id_, addr_)                                                         \
	{                                                                           \
		.id = (id_), .group = CASE_XCLIENT,                                 \
		.description = "XCLIENT ADDR=" addr_ ", then external to external", \
		.mail_from = "<{from}>", .rcpt_to = "<{to}>", .claim = (addr_)      \
	}
#define PROXY(id_, addr_)                                                                \
	{                                                                                \
		.id = (id_), .group = CASE_PROXY,                                        \
		.description = "PROXY header from " addr_ ", then external to external", \
		.mail_from = "<{from}>", .rcpt_to = "<{to}>", .claim = (addr_)           \
	}

const struct relay_case cases_table[] = {
	{ .id = "control-postmaster",
	  .group = CASE_CONTROL,
	  .description = "external sender to the target's own postmaster (must be accepted)",
	  .mail_from = "<{from}>",
	  .rcpt_to = "<postmaster@{domain}>" },

	SENDER("ext-to-ext", "external sender to external recipient", "<{from}>"),
	SENDER("null-sender", "null sender (bounce) to external recipient", "<>"),
	SENDER("unqualified-sender", "sender without a domain", "<{s}>"),
	SENDER("domain-sender", "sender forged in the target's own domain", "<{s}@{domain}>"),
	SENDER("host-sender", "sender forged at the target's host name", "<{s}@{host}>"),
	SENDER("ip-sender", "sender forged at the target's address literal", "<{s}@{ip}>"),
	SENDER("localhost-sender", "sender at localhost", "<{s}@localhost>"),
	SENDER("loopback-sender", "sender at the loopback address literal", "<{s}@[127.0.0.1]>"),
	SENDER("same-domain-sender", "sender in the recipient's domain", "<{s}@{x}>"),
	SENDER("bang-path-sender", "UUCP bang-path sender in the recipient's domain (as DSBL sent)",
	       "<{x}!{s}>"),
	{ .id = "no-brackets",
	  .group = CASE_SENDER,
	  .description = "MAIL FROM and RCPT TO without angle brackets",
	  .mail_from = "{from}",
	  .rcpt_to = "{to}" },

	RECIPIENT("percent-hack-domain", "percent hack via the target's domain",
		  "<{u}%{x}@{domain}>"),
	RECIPIENT("percent-hack-host", "percent hack via the target's host name",
		  "<{u}%{x}@{host}>"),
	RECIPIENT("percent-hack-ip", "percent hack via the target's address literal",
		  "<{u}%{x}@{ip}>"),
	RECIPIENT("percent-hack-bare", "percent hack without a domain", "<{u}%{x}>"),
	RECIPIENT("quoted-at", "quoted local part holding an @", "<\"{u}@{x}\">"),
	RECIPIENT("quoted-percent", "quoted local part holding a %", "<\"{u}%{x}\">"),
	RECIPIENT("quoted-at-domain", "quoted remote address at the target's domain",
		  "<\"{u}@{x}\"@{domain}>"),
	RECIPIENT("quoted-at-ip", "quoted remote address at the target's address literal",
		  "<\"{u}@{x}\"@{ip}>"),
	RECIPIENT("double-at-domain", "two @ signs, ending in the target's domain",
		  "<{u}@{x}@{domain}>"),
	RECIPIENT("double-at-host", "two @ signs, ending in the target's host name",
		  "<{u}@{x}@{host}>"),
	RECIPIENT("double-at-ip", "two @ signs, ending in the target's address literal",
		  "<{u}@{x}@{ip}>"),
	RECIPIENT("trailing-at", "remote address with a trailing @", "<{u}@{x}@>"),
	RECIPIENT("source-route-domain", "source route through the target's domain",
		  "<@{domain}:{u}@{x}>"),
	RECIPIENT("source-route-host", "source route through the target's host name",
		  "<@{host}:{u}@{x}>"),
	RECIPIENT("source-route-ip", "source route through the target's address literal",
		  "<@{ip}:{u}@{x}>"),
	RECIPIENT("bang-path", "UUCP bang path", "<{x}!{u}>"),
	RECIPIENT("bang-path-domain", "bang path at the target's domain", "<{x}!{u}@{domain}>"),
	RECIPIENT("bang-path-host", "bang path at the target's host name", "<{x}!{u}@{host}>"),
	RECIPIENT("bang-path-ip", "bang path at the target's address literal", "<{x}!{u}@{ip}>"),

	HELO("helo-localhost", "EHLO localhost, then external to external", "localhost"),
	HELO("helo-host", "EHLO with the target's own host name", "{host}"),
	HELO("helo-ip", "EHLO with the target's own address literal", "{ip}"),
	HELO("helo-loopback", "EHLO [127.0.0.1]", "[127.0.0.1]"),

	AUTH("auth-plain-bogus", "AUTH PLAIN with a random user and password",
	     CASE_AUTH_PLAIN_RANDOM),
	AUTH("auth-login-bogus", "AUTH LOGIN with a random user and password",
	     CASE_AUTH_LOGIN_RANDOM),
	AUTH("auth-plain-empty", "AUTH PLAIN with an empty user and password",
	     CASE_AUTH_PLAIN_EMPTY),
	AUTH("auth-cram-md5-bogus", "AUTH CRAM-MD5 with a random user and password",
	     CASE_AUTH_CRAM_MD5),
	AUTH("auth-ntlm-anonymous", "AUTH NTLM, anonymous (as old Exchange accepted)",
	     CASE_AUTH_NTLM_ANON),

	/* Addresses servers commonly trust: loopback and the usual hosts of
	 * the private ranges (a Docker bridge, a LAN, a hide-NAT). */
	XCLIENT("xclient-loopback", "127.0.0.1"),
	XCLIENT("xclient-loopback6", "::1"),
	XCLIENT("xclient-10", "10.0.0.1"),
	XCLIENT("xclient-172-16", "172.16.0.1"),
	XCLIENT("xclient-192-168-0", "192.168.0.1"),
	XCLIENT("xclient-192-168-1", "192.168.1.1"),
	/* Postfix takes XCLIENT LOGIN= as a finished SASL login: relaying by
	 * permit_sasl_authenticated, with no password. */
	{ .id = "xclient-login",
	  .group = CASE_XCLIENT,
	  .description = "XCLIENT LOGIN=relaytest (a SASL login without a password), then external "
			 "to external",
	  .mail_from = "<{from}>",
	  .rcpt_to = "<{to}>",
	  .login = "relaytest" },

	PROXY("proxy-loopback", "127.0.0.1"),
	PROXY("proxy-loopback6", "::1"),
	PROXY("proxy-10", "10.0.0.1"),
	PROXY("proxy-172-16", "172.16.0.1"),
	PROXY("proxy-192-168-0", "192.168.0.1"),
	PROXY("proxy-192-168-1", "192.168.1.1"),
};

/* clang-format on */

const size_t cases_count = sizeof(cases_table) / sizeof(cases_table[0]);

_Static_assert(sizeof(cases_table) / sizeof(cases_table[0]) <= CASES_MAX, "raise CASES_MAX");

static const char *const group_names[] = {
	[CASE_CONTROL] = "control",
	[CASE_SENDER] = "sender form",
	[CASE_RECIPIENT] = "recipient trick",
	[CASE_HELO] = "HELO trust",
	[CASE_AUTH] = "fake AUTH",
	[CASE_XCLIENT] = "XCLIENT trust",
	[CASE_PROXY] = "PROXY trust",
};

const struct relay_case *cases_find(const char *id)
{
	for (size_t i = 0; i < cases_count; i++)
		if (strcmp(cases_table[i].id, id) == 0)
			return &cases_table[i];
	return NULL;
}

int cases_own_connection(const struct relay_case *tc)
{
	return tc->group == CASE_HELO || tc->group == CASE_AUTH || cases_claims(tc);
}

int cases_claims(const struct relay_case *tc)
{
	return tc->group == CASE_XCLIENT || tc->group == CASE_PROXY;
}

const char *cases_group_name(enum case_group group)
{
	return group_names[group];
}

/* Split addr (at most TEXT_ARG_MAX bytes) at its last '@' into buffers of
 * TEXT_ARG_MAX + 1. */
static int split_address(const char *addr, char *local, char *domain)
{
	const char *at = strrchr(addr, '@');
	size_t n;

	if (at == NULL)
		return -1;
	n = (size_t)(at - addr);
	memcpy(local, addr, n);
	local[n] = '\0';
	return text_copy(domain, TEXT_ARG_MAX + 1, at + 1);
}

int cases_vars_set(struct case_vars *v, const char *from, const char *to, const char *domain,
		   const char *host, const char *ip)
{
	char unused[TEXT_ARG_MAX + 1];
	int n;

	memset(v, 0, sizeof(*v));
	if (text_copy(v->from, sizeof(v->from), from) < 0 ||
	    text_copy(v->to, sizeof(v->to), to) < 0 ||
	    text_copy(v->domain, sizeof(v->domain), domain) < 0 ||
	    text_copy(v->host, sizeof(v->host), host) < 0)
		return -1;
	if (split_address(v->from, v->s, unused) < 0 || split_address(v->to, v->u, v->x) < 0)
		return -1;
	n = snprintf(v->ip, sizeof(v->ip), strchr(ip, ':') != NULL ? "[IPv6:%s]" : "[%s]", ip);
	return n < 0 || (size_t)n >= sizeof(v->ip) ? -1 : 0;
}

static const char *lookup(const struct case_vars *v, const char *name, size_t len)
{
	static const struct {
		const char *name;
		size_t offset;
	} names[] = {
		{ "from", offsetof(struct case_vars, from) },
		{ "to", offsetof(struct case_vars, to) },
		{ "s", offsetof(struct case_vars, s) },
		{ "u", offsetof(struct case_vars, u) },
		{ "x", offsetof(struct case_vars, x) },
		{ "domain", offsetof(struct case_vars, domain) },
		{ "host", offsetof(struct case_vars, host) },
		{ "ip", offsetof(struct case_vars, ip) },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == len && memcmp(names[i].name, name, len) == 0)
			return (const char *)v + names[i].offset;
	return NULL;
}

int cases_expand(const char *tmpl, const struct case_vars *v, char *out, size_t cap)
{
	size_t used = 0;

	while (*tmpl != '\0') {
		const char *piece = tmpl;
		size_t len = 1;

		if (*tmpl == '{') {
			const char *close = strchr(tmpl, '}');

			if (close == NULL)
				return -1;
			piece = lookup(v, tmpl + 1, (size_t)(close - tmpl - 1));
			if (piece == NULL || *piece == '\0')
				return -1;
			len = strlen(piece);
			tmpl = close + 1;
		} else {
			tmpl++;
		}
		if (used + len >= cap)
			return -1;
		memcpy(out + used, piece, len);
		used += len;
	}
	out[used] = '\0';
	return 0;
}

int cases_uses(const char *tmpl, const char *name)
{
	char braced[32];

	snprintf(braced, sizeof(braced), "{%s}", name);
	return tmpl != NULL && strstr(tmpl, braced) != NULL;
}
