/* quirks.c - server limits as data, one row per software. */
#include "quirks.h"

#include <stddef.h>

#include "text.h"

/* The first row is the default: a server that names no software gets
 * limits under every row below (Exim's 10 non-mail commands, RSET and EHLO
 * among them, allow about 8 tests). */
static const struct quirk quirks[] = {
	[SOFTWARE_UNKNOWN] = { .software = SOFTWARE_UNKNOWN,
			       .name = "unknown",
			       .errors = 16,
			       .commands = 26 },
	/* smtpd_hard_error_limit 20; past smtpd_soft_error_limit 10 every reply
	 * waits smtpd_error_sleep_time (1 s); smtpd_junk_command_limit 100;
	 * smtpd_client_connection_count_limit 50. */
	[SOFTWARE_POSTFIX] = { .software = SOFTWARE_POSTFIX,
			       .name = "Postfix",
			       .errors = 16,
			       .commands = 56,
			       .connections = 50,
			       .count_setting = "smtpd_client_connection_count_limit",
			       .rate_setting = "smtpd_client_connection_rate_limit",
			       .tarpit_setting = "smtpd_error_sleep_time",
			       .slow_after = 10 },
	/* smtp_accept_max_nonmail 10 (RSET counts); smtp_accept_max_per_host
	 * counts a session until its process is reaped. */
	[SOFTWARE_EXIM] = { .software = SOFTWARE_EXIM,
			    .name = "Exim",
			    .errors = 16,
			    .commands = 26,
			    .counts_until_closed = 1,
			    .count_setting = "smtp_accept_max_per_host" },
	/* MAXBADCOMMANDS 25; MAXNOOPCOMMANDS 20, and RSET is not one; the
	 * access map's ClientConn: and ClientRate: entries. */
	[SOFTWARE_SENDMAIL] = { .software = SOFTWARE_SENDMAIL,
				.name = "Sendmail",
				.errors = 16,
				.commands = 56,
				.count_setting = "ClientConn (FEATURE(`conncontrol'))",
				.rate_setting = "ClientRate (FEATURE(`ratecontrol'))",
				.tarpit_setting = "confBAD_RCPT_THROTTLE" },
	/* MaxProtocolErrors may count refusals; MaxInboundConnectionPerSource 20. */
	[SOFTWARE_EXCHANGE] = { .software = SOFTWARE_EXCHANGE,
				.name = "Exchange",
				.errors = 16,
				.commands = 26,
				.connections = 20,
				.count_setting = "MaxInboundConnectionPerSource",
				.tarpit_setting = "TarpitInterval" },
	/* No count of commands or errors. */
	[SOFTWARE_OPENSMTPD] = { .software = SOFTWARE_OPENSMTPD,
				 .name = "OpenSMTPD",
				 .errors = 16,
				 .commands = 56 },
};

_Static_assert(sizeof(quirks) / sizeof(quirks[0]) == SOFTWARE_COUNT, "every software has one row");

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
