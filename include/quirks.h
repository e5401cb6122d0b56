/* quirks.h - what a server allows one client, by the software its greeting
 * or EHLO reply names: one row per software, read by the engine (how much
 * one connection may carry, how to reconnect) and by the remediation text
 * (which software to give advice for). A new MTA behaviour is one row. */
#ifndef RELAYTEST_QUIRKS_H
#define RELAYTEST_QUIRKS_H

enum quirks_software {
	SOFTWARE_UNKNOWN,
	SOFTWARE_POSTFIX,
	SOFTWARE_EXIM,
	SOFTWARE_SENDMAIL,
	SOFTWARE_EXCHANGE,
	SOFTWARE_OPENSMTPD,
	SOFTWARE_COUNT
};

struct quirk {
	enum quirks_software software;
	const char *name; /* "Postfix"; "unknown" for the default row */
	/* Rejections one connection may draw before the server slows down or
	 * ends it, with a margin. */
	unsigned errors;
	/* Commands one connection may carry when new connections are scarce
	 * (about three a test: RSET, MAIL, RCPT). */
	unsigned commands;
	/* Connections at once one client gets by default (0: no such limit),
	 * so that widening for late replies stays under it. */
	unsigned connections;
	/* The server counts a session against its per-client limit until it
	 * has reaped the session's process, after the close: when connections
	 * are scarce, wait a moment more before connecting again. */
	int counts_until_closed;
	/* The settings that limit one client's connections at once and per
	 * unit of time, named in the report when the greeting names the
	 * software (NULL: none known). */
	const char *count_setting;
	const char *rate_setting;
	/* The setting that delays refusals (a tarpit), named the same way. */
	const char *tarpit_setting;
	/* Rejections after which the server slows every reply down by about a
	 * second (0: it does not): worth passing only when a new connection
	 * costs more than the slowed replies. */
	unsigned slow_after;
};

/* The row for the software named in greeting or ehlo (either may be NULL
 * or empty); the default row when none is named. Never NULL. */
const struct quirk *quirks_find(const char *greeting, const char *ehlo);

/* "Postfix", "Exim", ... or "unknown". */
const char *quirks_software_name(enum quirks_software sw);

#endif
