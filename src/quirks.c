/* quirks.c - server limits as data, one row per software. */
#include "quirks.h"

#include <stddef.h>

#include "text.h"

/* The first row is the default: a server that names no software gets
 * limits under every row below (Exim's 10 non-mail commands, RSET and EHLO
 * among them, allow about 8 tests). */
static const struct quirk quirks[] = {
	{ SOFTWARE_UNKNOWN, "unknown", 16, 26, 0, 0, NULL, NULL },
	/* smtpd_hard_error_limit 20 (soft 10 only slows replies);
	 * smtpd_junk_command_limit 100; smtpd_client_connection_count_limit 50. */
	{ SOFTWARE_POSTFIX, "Postfix", 16, 56, 50, 0, "smtpd_client_connection_count_limit",
	  "smtpd_client_connection_rate_limit" },
	/* smtp_accept_max_nonmail 10 (RSET counts); smtp_accept_max_per_host
	 * counts a session until its process exits. */
	{ SOFTWARE_EXIM, "Exim", 16, 26, 0, 1, "smtp_accept_max_per_host", NULL },
	/* MAXBADCOMMANDS 25; MAXNOOPCOMMANDS 20, and RSET is not one; the
	 * access map's ClientConn: and ClientRate: entries. */
	{ SOFTWARE_SENDMAIL, "Sendmail", 16, 56, 0, 0, "ClientConn (FEATURE(`conncontrol'))",
	  "ClientRate (FEATURE(`ratecontrol'))" },
	/* MaxProtocolErrors may count refusals; MaxInboundConnectionPerSource 20. */
	{ SOFTWARE_EXCHANGE, "Exchange", 16, 26, 20, 0, "MaxInboundConnectionPerSource", NULL },
	/* No count of commands or errors. */
	{ SOFTWARE_OPENSMTPD, "OpenSMTPD", 16, 56, 0, 0, NULL, NULL },
};

_Static_assert(sizeof(quirks) / sizeof(quirks[0]) == SOFTWARE_COUNT,
	       "every software has one row, in the order of the enum");

/* How each software names itself in greetings and EHLO replies. */
static const struct {
	const char *marker;
	enum quirks_software sw;
} markers[] = {
	{ "Postfix", SOFTWARE_POSTFIX },     { "Exim", SOFTWARE_EXIM },
	{ "Sendmail", SOFTWARE_SENDMAIL },   { "Microsoft ESMTP", SOFTWARE_EXCHANGE },
	{ "Exchange", SOFTWARE_EXCHANGE },   { "XEXCH50", SOFTWARE_EXCHANGE },
	{ "OpenSMTPD", SOFTWARE_OPENSMTPD },
};

const struct quirk *quirks_find(const char *greeting, const char *ehlo)
{
	for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++)
		if ((greeting != NULL && text_contains_ci(greeting, markers[i].marker)) ||
		    (ehlo != NULL && text_contains_ci(ehlo, markers[i].marker)))
			return &quirks[markers[i].sw];
	return &quirks[SOFTWARE_UNKNOWN];
}

const char *quirks_software_name(enum quirks_software sw)
{
	return quirks[sw].name;
}
