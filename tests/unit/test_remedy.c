/* test_remedy.c - software identification and the advice chosen. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "remedy.h"

void test_remedy_identify(void);
void test_remedy_advice(void);

static struct target_result *result_with_greeting(const char *greeting, const char *caps)
{
	struct target_result *res = calloc(1, sizeof(*res));
	struct rt_error err;

	reply_init(&res->greeting);
	reply_add_line(&res->greeting, greeting, strlen(greeting), &err);
	strcpy(res->caps.list, caps);
	return res;
}

void test_remedy_identify(void)
{
	static const struct {
		const char *greeting, *caps;
		enum quirks_software sw;
	} rows[] = {
		{ "220 mx.example.com ESMTP Postfix (Debian/GNU)", "", SOFTWARE_POSTFIX },
		{ "220 mx.example.com ESMTP Exim 4.96 Sun, 22 Nov 2026", "", SOFTWARE_EXIM },
		{ "220 mx.example.com ESMTP Sendmail 8.17.1/8.17.1; Sun", "", SOFTWARE_SENDMAIL },
		{ "220 mx.example.com Microsoft ESMTP MAIL Service ready", "", SOFTWARE_EXCHANGE },
		{ "220 mx.example.com ESMTP ready", "PIPELINING\nXEXCH50", SOFTWARE_EXCHANGE },
		{ "220 mx.example.com ESMTP OpenSMTPD", "", SOFTWARE_OPENSMTPD },
		{ "220 mx.example.com ESMTP ready", "PIPELINING", SOFTWARE_UNKNOWN },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct target_result *res = result_with_greeting(rows[i].greeting, rows[i].caps);

		CHECK_INT(remedy_identify(res), rows[i].sw);
		free(res);
	}
	CHECK_STR(remedy_software_name(SOFTWARE_POSTFIX), "Postfix");
}

static size_t advise(enum run_status status, const char *greeting, const char *accepted_id,
		     const char *advice[REMEDY_MAX])
{
	struct target_result *res = result_with_greeting(greeting, "");
	size_t n;

	res->status = status;
	res->ntests = 1;
	res->tests[0].tc = cases_find(accepted_id);
	res->tests[0].verdict = VERDICT_ACCEPTED;
	n = remedy_advice(res, advice);
	free(res);
	return n;
}

static int mentions(const char *const advice[], size_t n, const char *phrase)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(advice[i], phrase) != NULL)
			return 1;
	return 0;
}

void test_remedy_advice(void)
{
	const char *advice[REMEDY_MAX];
	size_t n;

	CHECK_INT(advise(RUN_CLOSED, "220 mx ESMTP Postfix", "ext-to-ext", advice), 0);

	/* Wide open Postfix: the Postfix fix and the general one, no misleading hints. */
	n = advise(RUN_OPEN, "220 mx ESMTP Postfix", "ext-to-ext", advice);
	CHECK(mentions(advice, n, "smtpd_relay_restrictions"));
	CHECK(mentions(advice, n, "In general"));
	CHECK(!mentions(advice, n, "sender address"));

	/* A trick that worked where plain relaying did not: the advice for
	 * what was accepted, for the software when it has its own, comes
	 * first; the software's mynetworks-style paragraph is left out. */
	n = advise(RUN_OPEN, "220 mx ESMTP Exim 4.96", "percent-hack-domain", advice);
	CHECK(strstr(advice[0], "disguised recipient") != NULL);
	CHECK(!mentions(advice, n, "relay_from_hosts"));
	n = advise(RUN_OPEN, "220 mx ESMTP Postfix", "domain-sender", advice);
	CHECK(strstr(advice[0], "check_sender_access") != NULL);
	CHECK(!mentions(advice, n, "mynetworks"));
	advise(RUN_OPEN, "220 mx ESMTP Postfix", "helo-localhost", advice);
	CHECK(strstr(advice[0], "check_helo_access") != NULL);
	advise(RUN_OPEN, "220 mx ESMTP Sendmail", "domain-sender", advice);
	CHECK(strstr(advice[0], "relay_local_from") != NULL);
	n = advise(RUN_OPEN, "220 mx Microsoft ESMTP MAIL Service", "helo-localhost", advice);
	CHECK(strstr(advice[0], "HELO name") != NULL);
	CHECK(!mentions(advice, n, "Ms-Exch-SMTP-Accept-Any-Recipient"));
	advise(RUN_OPEN, "220 mx ESMTP OpenSMTPD", "auth-plain-bogus", advice);
	CHECK(strstr(advice[0], "made-up AUTH credentials") != NULL);
	advise(RUN_OPEN, "220 mx ESMTP Postfix", "auth-plain-bogus", advice);
	CHECK(strstr(advice[0], "smtpd_sasl_type") != NULL);
	advise(RUN_OPEN, "220 mx Microsoft ESMTP MAIL Service", "ext-to-ext", advice);
	CHECK(strstr(advice[0], "Ms-Exch-SMTP-Accept-Any-Recipient") != NULL);
	n = advise(RUN_OPEN, "220 mx ESMTP ready", "ext-to-ext", advice);
	CHECK_INT(n, 1);
	CHECK(mentions(advice, n, "port 587"));
}
