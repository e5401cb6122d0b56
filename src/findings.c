/* findings.c - facts beside the verdict: one row each, {id, check}; a
 * check reads the result's facts and, when the finding holds, says it in
 * words. A new finding (xclient-offered, proxy-accepted) is one row and its
 * check. */
#include "findings.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

/* An address in 16 bytes (IPv4 as IPv4-mapped IPv6); -1 when it is none. */
static int address_bytes(const char *text, unsigned char out[16])
{
	unsigned char v4[4];

	if (inet_pton(AF_INET, text, v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, v4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, text, out) == 1 ? 0 : -1;
}

/* Loopback, private (RFC 1918, RFC 4193), link-local or shared (RFC 6598):
 * the addresses servers are commonly told to trust. */
static int trusted_kind(const char *text)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char loop6[16] = { [15] = 1 };
	unsigned char b[16];

	if (address_bytes(text, b) < 0)
		return 0;
	if (memcmp(b, mapped, 12) == 0) {
		const unsigned char *a = b + 12;

		return a[0] == 127 || a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		       (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
		       (a[0] == 100 && (a[1] & 0xc0) == 64);
	}
	return memcmp(b, loop6, 16) == 0 || (b[0] & 0xfe) == 0xfc ||
	       (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
}

int findings_seen_other(const struct target_result *res)
{
	unsigned char seen[16], ours[16];

	if (res->seen_as[0] == '\0' || address_bytes(res->seen_as, seen) < 0 ||
	    address_bytes(res->local_address, ours) < 0)
		return 0;
	return memcmp(seen, ours, 16) != 0;
}

static int seen_as_other(const struct target_result *res, char *text, size_t cap)
{
	size_t used;

	if (!findings_seen_other(res))
		return 0;
	text_format(text, cap,
		    "the server sees this client as %s, not %s: a proxy or NAT sits in front of "
		    "it; if it trusts that address, every client can relay.",
		    res->seen_as, res->local_address);
	/* Said even when every relay test was denied. */
	used = strlen(text);
	if (trusted_kind(res->seen_as) && !trusted_kind(res->local_address))
		text_format(text + used, cap - used,
			    " %s is a loopback or private address, the kind servers are told to "
			    "trust (Postfix mynetworks, Exim relay_from_hosts): every outside "
			    "client arrives as one.",
			    res->seen_as);
	return 1;
}

static int starttls_injection(const struct target_result *res, char *text, size_t cap)
{
	if (res->injection != INJECTION_FOUND)
		return 0;
	text_format(text, cap,
		    "the server keeps plain text across STARTTLS: a NOOP sent in the same "
		    "write as STARTTLS was answered after the TLS handshake (%s), so a man in "
		    "the middle can inject commands into the encrypted session (CVE-2011-0411 "
		    "class; upgrade the server software).",
		    res->injection_note);
	return 1;
}

static int auth_plaintext(const struct target_result *res, char *text, size_t cap)
{
	const struct capabilities *c = &res->plain_caps;

	if (!c->starttls || !c->auth)
		return 0;
	text_format(text, cap,
		    "AUTH (%s) is offered before TLS on a server that offers STARTTLS: "
		    "passwords may cross the network in clear (Postfix "
		    "smtpd_tls_auth_only = yes, Exim auth_advertise_hosts).",
		    c->auth_mechs[0] != '\0' ? c->auth_mechs : "no mechanism named");
	return 1;
}

/* XCLIENT in the EHLO reply: Postfix offers it only to the clients of
 * smtpd_authorized_xclient_hosts, so this client may claim to be any. */
static int xclient_offered(const struct target_result *res, char *text, size_t cap)
{
	if (!res->caps.xclient && !res->plain_caps.xclient)
		return 0;
	text_format(text, cap,
		    "XCLIENT is offered to this client, which is no proxy of the server's: "
		    "any client it lets in can claim another client's address and name "
		    "(Postfix smtpd_authorized_xclient_hosts should list only your own "
		    "proxies).");
	return 1;
}

static int proxy_accepted(const struct target_result *res, char *text, size_t cap)
{
	if (!res->proxy)
		return 0;
	text_format(text, cap,
		    "the server greets only after a PROXY header, and takes one from this "
		    "client, which is no proxy: any client that reaches the port can claim "
		    "any address (let only the proxy reach it: a firewall; Postfix "
		    "smtpd_upstream_proxy_protocol has no client list; Exim hosts_proxy).");
	return 1;
}

/* One finding to a line. */
/* clang-format off */
static const struct finding_rule {
	const char *id;
	int (*check)(const struct target_result *res, char *text, size_t cap);
} rules[] = {
	{ "seen-as-other-address", seen_as_other },
	{ "starttls-injection", starttls_injection },
	{ "auth-plaintext", auth_plaintext },
	{ "xclient-offered", xclient_offered },
	{ "proxy-accepted", proxy_accepted },
};
/* clang-format on */

_Static_assert(sizeof(rules) / sizeof(rules[0]) <= RUN_FINDINGS_MAX,
	       "every finding fits in a result");

void findings_build(struct target_result *res)
{
	res->nfindings = 0;
	if (!res->tested)
		return;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		struct run_finding *f = &res->findings[res->nfindings];

		if (rules[i].check(res, f->text, sizeof(f->text))) {
			f->id = rules[i].id;
			res->nfindings++;
		}
	}
}

size_t findings_count(void)
{
	return sizeof(rules) / sizeof(rules[0]);
}

const char *findings_id(size_t i)
{
	return i < findings_count() ? rules[i].id : NULL;
}
