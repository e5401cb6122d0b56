/* test_quirks.c - one row per server software in quirks.c: the greeting or
 * EHLO text that names it, and the limits the engine plans with. */
#include "check.h"
#include "quirks.h"

void test_quirks_table(void);

void test_quirks_table(void)
{
	static const struct {
		const char *greeting, *ehlo;
		enum quirks_software software;
		unsigned errors, commands, connections;
		int counts_until_closed;
	} rows[] = {
		{ "220 mx.example.org ESMTP Postfix (Debian/GNU)", "", SOFTWARE_POSTFIX, 16, 56, 50,
		  0 },
		{ "220 mx.example.org ESMTP Exim 4.96 Sat, 05 Dec 2026", "", SOFTWARE_EXIM, 16, 26,
		  0, 1 },
		{ "220 mx.example.org ESMTP Sendmail 8.17.1.9/8.17.1.9", "", SOFTWARE_SENDMAIL, 16,
		  56, 0, 0 },
		{ "220 mail.contoso.test Microsoft ESMTP MAIL Service ready", "", SOFTWARE_EXCHANGE,
		  16, 26, 20, 0 },
		{ "220 mx.example.org ESMTP", "PIPELINING XEXCH50", SOFTWARE_EXCHANGE, 16, 26, 20,
		  0 },
		{ "220 mx.example.org ESMTP OpenSMTPD", "", SOFTWARE_OPENSMTPD, 16, 56, 0, 0 },
		/* A server that names no software gets the cautious default. */
		{ "220 mx.example.org ESMTP ready", "PIPELINING 8BITMIME", SOFTWARE_UNKNOWN, 16, 26,
		  0, 0 },
		{ NULL, NULL, SOFTWARE_UNKNOWN, 16, 26, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct quirk *q = quirks_find(rows[i].greeting, rows[i].ehlo);

		CHECK_INT(q->software, rows[i].software);
		CHECK_INT(q->errors, rows[i].errors);
		CHECK_INT(q->commands, rows[i].commands);
		CHECK_INT(q->connections, rows[i].connections);
		CHECK_INT(q->counts_until_closed, rows[i].counts_until_closed);
		CHECK_STR(quirks_software_name(q->software), q->name);
	}
	CHECK_STR(quirks_software_name(SOFTWARE_UNKNOWN), "unknown");
	/* The settings the report names when the greeting names the software. */
	CHECK_STR(quirks_find("220 x ESMTP Exim 4.96", NULL)->count_setting,
		  "smtp_accept_max_per_host");
	CHECK_STR(quirks_find("220 x ESMTP Postfix", NULL)->rate_setting,
		  "smtpd_client_connection_rate_limit");
	CHECK(quirks_find("220 x ESMTP", NULL)->count_setting == NULL);
	CHECK(quirks_find("220 x ESMTP OpenSMTPD", NULL)->rate_setting == NULL);
	/* Postfix slows every reply past smtpd_soft_error_limit (10). */
	CHECK_INT(quirks_find("220 x ESMTP Postfix", NULL)->slow_after, 10);
	CHECK_INT(quirks_find("220 x ESMTP Exim 4.96", NULL)->slow_after, 0);
}
