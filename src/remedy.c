/* remedy.c - remediation advice for open relays. */
#include "remedy.h"

#include "text.h"

/* When plain mail from outside relays: the software's relay setting. */
static const char *const software_advice[] = {
	[SOFTWARE_UNKNOWN] = NULL,
	[SOFTWARE_POSTFIX] =
		"Postfix: set smtpd_relay_restrictions = permit_mynetworks, "
		"permit_sasl_authenticated, reject_unauth_destination; keep mynetworks to your "
		"own hosts (postconf mynetworks: never 0.0.0.0/0 or a whole provider range); "
		"then postfix reload.",
	[SOFTWARE_EXIM] =
		"Exim: in acl_check_rcpt accept relaying only for hosts = +relay_from_hosts or "
		"authenticated = *; keep hostlist relay_from_hosts to your own hosts and "
		"domainlist relay_to_domains to the domains you really relay for.",
	[SOFTWARE_SENDMAIL] =
		"Sendmail: remove FEATURE(`promiscuous_relay'), FEATURE(`relay_local_from'), "
		"FEATURE(`loose_relay_check') and FEATURE(`relay_based_on_MX') from sendmail.mc; "
		"grant RELAY in the access map only to your own hosts; rebuild sendmail.cf and "
		"restart.",
	[SOFTWARE_EXCHANGE] =
		"Exchange: on every receive connector (Get-ReceiveConnector) take "
		"Ms-Exch-SMTP-Accept-Any-Recipient away from Anonymous Users "
		"(Remove-ADPermission), limit relay connectors' RemoteIPRanges to your own "
		"applications, and require authentication for client submission.",
	[SOFTWARE_OPENSMTPD] =
		"OpenSMTPD: in smtpd.conf relay only 'match from local for any action relay' and "
		"'match auth from any for any action relay'; remove any 'match from any for any "
		"action relay'; then restart smtpd.",
};

/* What lets one kind of test through, said for the software when it is
 * known to have its own setting for it (the first row of a group is the
 * general advice). In the order the advice is given: the most telling
 * evidence first. */
static const struct {
	enum case_group group;
	enum quirks_software software;
	const char *text;
} group_advice[] = {
	{ CASE_AUTH, SOFTWARE_UNKNOWN,
	  "The server accepted made-up AUTH credentials: check its authentication back end (a "
	  "password check that always succeeds, an open SASL mechanism) before anything else." },
	{ CASE_AUTH, SOFTWARE_POSTFIX,
	  "The server accepted made-up AUTH credentials: check Postfix's SASL back end "
	  "(smtpd_sasl_type; Dovecot's passdb or Cyrus saslauthd) for a password check that "
	  "always succeeds, and keep smtpd_sasl_security_options = noanonymous, before "
	  "anything else." },
	{ CASE_AUTH, SOFTWARE_EXIM,
	  "The server accepted made-up AUTH credentials: check each authenticator's "
	  "server_condition in the Exim configuration (one that is always true, or that "
	  "accepts an empty password) before anything else." },
	{ CASE_XCLIENT, SOFTWARE_UNKNOWN,
	  "Relaying depended on what this client claimed with XCLIENT (an address, or a login "
	  "without a password), which it may send: list only your own proxies in "
	  "smtpd_authorized_xclient_hosts (Postfix; the default is none), then postfix "
	  "reload." },
	{ CASE_PROXY, SOFTWARE_UNKNOWN,
	  "Relaying depended on the source address of a PROXY header, which any client that "
	  "reaches the port can send: let only the proxy reach that port (a firewall; Postfix "
	  "smtpd_upstream_proxy_protocol trusts every header it is sent; Exim: hosts_proxy = "
	  "the proxy's address only)." },
	{ CASE_SENDER, SOFTWARE_UNKNOWN,
	  "Relaying depended on the sender address: never grant relaying by sender address, "
	  "MAIL FROM is forged as easily as it is typed." },
	{ CASE_SENDER, SOFTWARE_POSTFIX,
	  "Relaying depended on the sender address, which any client forges: in "
	  "smtpd_relay_restrictions and smtpd_recipient_restrictions, no check_sender_access "
	  "map that answers OK and no permit by sender may come before "
	  "reject_unauth_destination; move such checks after it (postconf -n)." },
	{ CASE_SENDER, SOFTWARE_EXIM,
	  "Relaying depended on the sender address, which any client forges: in "
	  "acl_check_rcpt no 'accept senders = ...' (or sender_domains) statement may come "
	  "before the relay check (require domains = +local_domains : +relay_to_domains)." },
	{ CASE_SENDER, SOFTWARE_SENDMAIL,
	  "Relaying depended on the sender address, which any client forges: remove "
	  "FEATURE(`relay_local_from') and FEATURE(`relay_mail_from') from sendmail.mc, and "
	  "any From: entry with RELAY from the access map." },
	{ CASE_HELO, SOFTWARE_UNKNOWN,
	  "Relaying depended on the name given in HELO/EHLO, which any client can forge: never "
	  "grant relaying by HELO name." },
	{ CASE_HELO, SOFTWARE_POSTFIX,
	  "Relaying depended on the HELO/EHLO name, which any client forges: no "
	  "check_helo_access map that answers OK and no permit by HELO name may come before "
	  "reject_unauth_destination in smtpd_relay_restrictions or "
	  "smtpd_recipient_restrictions (postconf -n)." },
	{ CASE_HELO, SOFTWARE_EXIM,
	  "Relaying depended on the HELO/EHLO name, which any client forges: in "
	  "acl_check_rcpt no accept on $sender_helo_name may come before the relay check." },
	{ CASE_RECIPIENT, SOFTWARE_UNKNOWN,
	  "The server accepted a disguised recipient (percent hack, quoting, source route or "
	  "bang path) at RCPT TO: if it rewrites such an address into a remote one, it "
	  "relays. Check relaying after address rewriting, or turn such rewriting off." },
	{ CASE_RECIPIENT, SOFTWARE_POSTFIX,
	  "The server accepted a disguised recipient (percent hack, quoting, source route or "
	  "bang path) at RCPT TO: check allow_percent_hack, swap_bangpath and "
	  "resolve_dequoted_address (postconf -n), and that reject_unauth_destination comes "
	  "before any permit in smtpd_relay_restrictions." },
	{ CASE_RECIPIENT, SOFTWARE_SENDMAIL,
	  "The server accepted a disguised recipient (percent hack, quoting, source route or "
	  "bang path) at RCPT TO: remove FEATURE(`loose_relay_check') from sendmail.mc." },
};

_Static_assert(sizeof(software_advice) / sizeof(software_advice[0]) == SOFTWARE_COUNT,
	       "every software needs advice");

enum quirks_software remedy_identify(const struct target_result *res)
{
	return quirks_find(res->greeting.text, res->caps.list)->software;
}

const char *remedy_software_name(enum quirks_software sw)
{
	return quirks_software_name(sw);
}

/* Which kinds of test were accepted, as a bit set of case groups. */
static unsigned accepted_groups(const struct target_result *res)
{
	unsigned groups = 0;

	for (size_t i = 0; i < res->ntests; i++)
		if (res->tests[i].verdict == VERDICT_ACCEPTED &&
		    res->tests[i].tc->group != CASE_CONTROL)
			groups |= 1u << res->tests[i].tc->group;
	return groups;
}

static int wide_open(const struct target_result *res)
{
	for (size_t i = 0; i < res->ntests; i++)
		if (res->tests[i].tc->group == CASE_SENDER &&
		    res->tests[i].verdict == VERDICT_ACCEPTED &&
		    (cases_uses(res->tests[i].tc->mail_from, "from") ||
		     res->tests[i].tc->mail_from[1] == '>'))
			return 1;
	return 0;
}

/* The advice for group: the software's own row, else the general one. */
static const char *advice_for(enum case_group group, enum quirks_software sw)
{
	const char *general = NULL;

	for (size_t i = 0; i < sizeof(group_advice) / sizeof(group_advice[0]); i++) {
		if (group_advice[i].group != group)
			continue;
		if (group_advice[i].software == sw)
			return group_advice[i].text;
		if (group_advice[i].software == SOFTWARE_UNKNOWN)
			general = group_advice[i].text;
	}
	return general;
}

size_t remedy_advice(const struct target_result *res, const char *advice[REMEDY_MAX])
{
	static const enum case_group evidence[] = { CASE_AUTH,	 CASE_XCLIENT, CASE_PROXY,
						    CASE_SENDER, CASE_HELO,    CASE_RECIPIENT };
	unsigned groups = accepted_groups(res);
	enum quirks_software sw = remedy_identify(res);
	size_t n = 0;

	if (res->status != RUN_OPEN)
		return 0;
	/* Plain mail from outside relays: the server is simply open, and its
	 * relay setting comes first; hints about forged senders or disguised
	 * recipients would mislead. Else what was accepted says what to fix. */
	if (wide_open(res)) {
		groups &= 1u << CASE_AUTH;
		if (software_advice[sw] != NULL)
			advice[n++] = software_advice[sw];
	}
	for (size_t i = 0; i < sizeof(evidence) / sizeof(evidence[0]); i++)
		if (groups & (1u << evidence[i]))
			advice[n++] = advice_for(evidence[i], sw);
	advice[n++] = "In general: require SMTP AUTH over TLS for anyone who sends through this "
		      "server, let users submit on port 587, relay without authentication only "
		      "for your own hosts' addresses, and accept unauthenticated mail on port 25 "
		      "only for your own domains.";
	return n;
}
