/* remedy.c - remediation advice for open relays. */
#include "remedy.h"

#include "text.h"

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

size_t remedy_advice(const struct target_result *res, const char *advice[REMEDY_MAX])
{
	unsigned groups = accepted_groups(res);
	const char *specific = software_advice[remedy_identify(res)];
	size_t n = 0;

	if (res->status != RUN_OPEN)
		return 0;
	/* When plain external-to-external mail relays, the server is simply open:
	 * hints about forged senders or disguised recipients would mislead. */
	if (wide_open(res))
		groups &= 1u << CASE_AUTH;
	if (specific != NULL)
		advice[n++] = specific;
	if (groups & (1u << CASE_AUTH))
		advice[n++] =
			"The server accepted made-up AUTH credentials: check its authentication "
			"back end (a password check that always succeeds, an open SASL "
			"mechanism) before anything else.";
	if (groups & (1u << CASE_HELO))
		advice[n++] = "Relaying depended on the name given in HELO/EHLO, which any client "
			      "can forge: never grant relaying by HELO name.";
	if (groups & (1u << CASE_SENDER))
		advice[n++] = "Never grant relaying by sender address: MAIL FROM is forged as "
			      "easily as it is typed.";
	if (groups & (1u << CASE_RECIPIENT))
		advice[n++] =
			"The server accepted a disguised recipient (percent hack, quoting, "
			"source route or bang path) at RCPT TO: if it rewrites such an address "
			"into a remote one, it relays. Check relaying after address rewriting, "
			"or turn such rewriting off.";
	advice[n++] = "In general: require SMTP AUTH over TLS for anyone who sends through this "
		      "server, let users submit on port 587, relay without authentication only "
		      "for your own hosts' addresses, and accept unauthenticated mail on port 25 "
		      "only for your own domains.";
	return n;
}
