/* test_classify.c - one row per classification rule in classify.c, and
 * every rule reached by some row. */
#include <string.h>

#include "check.h"
#include "classify.h"

void test_classify_table(void);

#define RCPT CLASSIFY_RCPT
#define MAIL CLASSIFY_MAIL
#define EHLO CLASSIFY_EHLO
#define AUTH CLASSIFY_AUTH
#define CONTROL CLASSIFY_CONTROL
#define XCLIENT CLASSIFY_XCLIENT
#define FINAL CLASSIFY_FINAL
#define RERUN CLASSIFY_RERUN
#define TLS CLASSIFY_NEEDS_TLS

void test_classify_table(void)
{
	/* What each row "sent": the default addresses once held "relay". */
	static const char *const sent[] = { "<relaytest@example.org>", "<relaytest@example.net>",
					    "<relaytest>", "relay.example.com" };
	static const struct {
		enum classify_step step;
		const char *line;
		enum verdict verdict;
		enum reason reason;
		enum classify_action action;
	} rows[] = {
		{ XCLIENT, "550 5.7.0 Error: insufficient authorization", VERDICT_DENIED,
		  REASON_XCLIENT_REFUSED, FINAL },
		{ XCLIENT, "501 5.5.4 Bad ADDR syntax: IPV6:::1", VERDICT_DENIED,
		  REASON_XCLIENT_REFUSED, FINAL },
		{ XCLIENT, "421 4.3.0 Server local error", VERDICT_TEMPFAIL, REASON_TEMPORARY,
		  FINAL },
		{ XCLIENT, "354 go ahead", VERDICT_ERROR, REASON_PROTOCOL, FINAL },
		{ AUTH, "235 2.7.0 Authentication successful", VERDICT_ACCEPTED, REASON_AUTH_BOGUS,
		  FINAL },
		{ AUTH, "250 2.0.0 Ok", VERDICT_ERROR, REASON_PROTOCOL, FINAL },
		{ MAIL, "250 2.1.0 Ok", VERDICT_ERROR, REASON_PROTOCOL, FINAL },
		{ CONTROL, "250 2.1.5 Ok", VERDICT_ACCEPTED, REASON_CONTROL_OK, FINAL },
		{ CONTROL, "554 5.7.1 Relay access denied", VERDICT_DENIED, REASON_RELAY_POLICY,
		  FINAL },
		{ RCPT, "250 2.1.5 Ok", VERDICT_ACCEPTED, REASON_RELAYED, FINAL },
		{ RCPT, "251 2.1.5 User not local; will forward", VERDICT_ACCEPTED, REASON_RELAYED,
		  FINAL },
		{ RCPT, "354 go ahead", VERDICT_ERROR, REASON_PROTOCOL, FINAL },
		{ AUTH, "334 VXNlcm5hbWU6", VERDICT_ERROR, REASON_PROTOCOL, FINAL },
		{ RCPT, "421 4.7.0 Too many errors", VERDICT_UNTESTED, REASON_CLOSING, RERUN },
		/* STARTTLS required is never a denial. */
		{ MAIL, "530 5.7.0 Must issue a STARTTLS command first", VERDICT_UNTESTED,
		  REASON_TLS_REQUIRED, TLS },
		{ AUTH, "538 5.7.11 Encryption required for requested authentication mechanism",
		  VERDICT_UNTESTED, REASON_TLS_REQUIRED, TLS },
		{ RCPT, "550 5.7.0 TLS required for this recipient", VERDICT_UNTESTED,
		  REASON_TLS_REQUIRED, TLS },
		{ MAIL, "451 4.7.0 STARTTLS is required to send mail", VERDICT_UNTESTED,
		  REASON_TLS_REQUIRED, TLS },
		/* Bogus credentials. */
		{ AUTH, "503 5.5.1 Error: already authenticated", VERDICT_UNTESTED, REASON_SEQUENCE,
		  RERUN },
		{ AUTH, "454 4.7.0 Temporary authentication failure", VERDICT_TEMPFAIL,
		  REASON_TEMPORARY, RERUN },
		{ AUTH, "535 5.7.8 Error: authentication failed", VERDICT_DENIED,
		  REASON_AUTH_FAILED, FINAL },
		/* Refused for who we are: nothing about relaying was tested. */
		{ RCPT,
		  "554 5.7.1 Service unavailable; Client host [192.0.2.7] blocked using "
		  "zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.7",
		  VERDICT_UNTESTED, REASON_CLIENT_BLOCKED, FINAL },
		{ RCPT, "550 Rejected because 192.0.2.7 is in a black list at bl.spamcop.net",
		  VERDICT_UNTESTED, REASON_CLIENT_BLOCKED, FINAL },
		{ MAIL, "550 5.7.1 Rejected: 192.0.2.7 listed at zen.spamhaus.org",
		  VERDICT_UNTESTED, REASON_CLIENT_BLOCKED, FINAL },
		{ RCPT, "550 5.7.606 Access denied, banned sending IP [192.0.2.7]",
		  VERDICT_UNTESTED, REASON_CLIENT_BLOCKED, FINAL },
		{ RCPT, "450 4.7.25 Client host rejected: cannot find your hostname, [192.0.2.7]",
		  VERDICT_UNTESTED, REASON_CLIENT_BLOCKED, FINAL },
		{ RCPT, "550 5.7.25 PTR check failed for 192.0.2.7", VERDICT_UNTESTED,
		  REASON_CLIENT_BLOCKED, FINAL },
		{ RCPT, "450 4.7.25 PTR check failed for 192.0.2.7", VERDICT_UNTESTED,
		  REASON_CLIENT_BLOCKED, FINAL },
		{ RCPT, "450 4.7.1 Client host rejected: Greylisted, see https://postgrey.example",
		  VERDICT_TEMPFAIL, REASON_GREYLIST, FINAL },
		/* ... but a relay refusal that names the client is a relay refusal. */
		{ RCPT, "550 5.7.1 <a@b>... Relaying denied. IP name possibly forged [192.0.2.7]",
		  VERDICT_DENIED, REASON_RELAY_POLICY, FINAL },
		/* Greylisting: no quick rerun. */
		{ RCPT, "450 4.7.1 <a@b>: Recipient address rejected: Greylisted, try again later",
		  VERDICT_TEMPFAIL, REASON_GREYLIST, FINAL },
		{ RCPT, "451 4.7.1 Please try again later", VERDICT_TEMPFAIL, REASON_GREYLIST,
		  FINAL },
		/* Relay refusals in words, and Exchange's codes. */
		{ RCPT, "554 5.7.1 <a@b>: Relay access denied", VERDICT_DENIED, REASON_RELAY_POLICY,
		  FINAL },
		{ RCPT, "454 4.7.1 <a@b>: Relay access denied", VERDICT_DENIED, REASON_RELAY_POLICY,
		  FINAL },
		{ RCPT, "550 5.7.1 Unable to relay", VERDICT_DENIED, REASON_RELAY_POLICY, FINAL },
		{ RCPT, "550 relay not permitted", VERDICT_DENIED, REASON_RELAY_POLICY, FINAL },
		{ RCPT, "550 5.7.1 <x@y>... Relaying denied", VERDICT_DENIED, REASON_RELAY_POLICY,
		  FINAL },
		{ RCPT, "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)",
		  VERDICT_DENIED, REASON_RELAY_POLICY, FINAL },
		{ RCPT, "550 5.7.54 SMTP; Unable to send to recipient in non-accepted domain",
		  VERDICT_DENIED, REASON_RELAY_POLICY, FINAL },
		{ RCPT, "550 5.7.64 TenantAttribution; Access denied", VERDICT_DENIED,
		  REASON_RELAY_POLICY, FINAL },
		/* Limits and state: the test never ran here. */
		{ EHLO, "554 Too many nonmail commands", VERDICT_UNTESTED, REASON_LIMIT, RERUN },
		{ RCPT, "452 4.5.3 Too many recipients", VERDICT_UNTESTED, REASON_LIMIT, RERUN },
		{ EHLO, "503 5.5.1 Invalid command: Already identified", VERDICT_UNTESTED,
		  REASON_SEQUENCE, RERUN },
		{ RCPT, "503 5.5.1 Error: need MAIL command", VERDICT_UNTESTED, REASON_SEQUENCE,
		  RERUN },
		/* The test's own EHLO name refused, at EHLO or (Postfix) at RCPT. */
		{ EHLO, "550 5.7.1 localhost is not a valid name for you", VERDICT_DENIED,
		  REASON_HELO_REFUSED, FINAL },
		{ RCPT,
		  "504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname",
		  VERDICT_DENIED, REASON_HELO_REFUSED, FINAL },
		{ RCPT, "550 5.7.1 <[127.0.0.1]>: Helo command rejected: Invalid name",
		  VERDICT_DENIED, REASON_HELO_REFUSED, FINAL },
		/* AUTH: a bare 500 or an internal fault judged nothing. */
		{ AUTH, "500 Error", VERDICT_ERROR, REASON_SERVER_ERROR, FINAL },
		{ AUTH, "535 5.7.8 Error: internal authentication failure", VERDICT_ERROR,
		  REASON_SERVER_ERROR, FINAL },
		{ AUTH, "535 5.7.8 Error: authentication failed: UGFzc3dvcmQ6", VERDICT_DENIED,
		  REASON_AUTH_FAILED, FINAL },
		/* Other temporary failures may clear on a new connection. */
		{ RCPT, "450 4.3.2 Service currently unavailable", VERDICT_TEMPFAIL,
		  REASON_TEMPORARY, RERUN },
		/* Our own address holds "relay": never read as the server's words. */
		{ RCPT, "451 4.3.0 <relaytest@example.net>: Temporary lookup failure",
		  VERDICT_TEMPFAIL, REASON_TEMPORARY, RERUN },
		{ MAIL, "553 5.5.4 <relaytest>... Domain name required", VERDICT_DENIED,
		  REASON_SYNTAX, FINAL },
		{ RCPT, "550 5.1.1 relaytest@example.net: Recipient address rejected: User unknown",
		  VERDICT_DENIED, REASON_ADDRESS, FINAL },
		{ RCPT,
		  "554 5.7.1 <x@relay.example.com>: Recipient address rejected: Access denied",
		  VERDICT_DENIED, REASON_POLICY, FINAL },
		/* Permanent refusals. */
		{ MAIL, "530 5.7.0 Authentication required", VERDICT_DENIED, REASON_AUTH_REQUIRED,
		  FINAL },
		{ RCPT, "501 5.1.3 Bad recipient address syntax", VERDICT_DENIED, REASON_SYNTAX,
		  FINAL },
		{ RCPT, "500 5.5.2 Error: bad syntax", VERDICT_DENIED, REASON_SYNTAX, FINAL },
		{ RCPT, "550 5.1.1 <x@y>: Recipient address rejected: User unknown", VERDICT_DENIED,
		  REASON_ADDRESS, FINAL },
		{ RCPT, "553 5.5.4 bad address", VERDICT_DENIED, REASON_SYNTAX, FINAL },
		{ RCPT, "550 no such thing", VERDICT_DENIED, REASON_POLICY, FINAL },
	};
	int reached[64] = { 0 };

	CHECK(classify_rule_count() <= sizeof(reached) / sizeof(reached[0]));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct reply r;
		struct rt_error err;
		struct classification c;

		reply_init(&r);
		reply_add_line(&r, rows[i].line, strlen(rows[i].line), &err);
		c = classify(rows[i].step, &r, sent, sizeof(sent) / sizeof(sent[0]));
		if (c.verdict != rows[i].verdict || c.reason != rows[i].reason ||
		    c.action != rows[i].action)
			printf("#   row %zu \"%s\": got %s/%s/%d (rule %d)\n", i, rows[i].line,
			       classify_verdict_name(c.verdict), classify_reason_name(c.reason),
			       (int)c.action, c.rule);
		CHECK_INT(c.verdict, rows[i].verdict);
		CHECK_INT(c.reason, rows[i].reason);
		CHECK_INT(c.action, rows[i].action);
		if (c.rule >= 0 && (size_t)c.rule < sizeof(reached) / sizeof(reached[0]))
			reached[c.rule] = 1;
	}
	/* A rule no row reaches is dead or shadowed by an earlier one. */
	for (size_t rule = 0; rule < classify_rule_count(); rule++) {
		if (!reached[rule])
			printf("#   rule %zu is reached by no row\n", rule);
		CHECK(reached[rule]);
	}
	/* Every verdict and reason prints as something. */
	for (int v = 0; v < VERDICT_COUNT; v++)
		CHECK(classify_verdict_name((enum verdict)v)[0] != '\0');
	for (int w = 1; w < REASON_COUNT; w++)
		CHECK(classify_reason_name((enum reason)w)[0] != '\0');
	CHECK(classify_undecided(VERDICT_UNTESTED) && classify_undecided(VERDICT_TEMPFAIL) &&
	      classify_undecided(VERDICT_ERROR) && !classify_undecided(VERDICT_DENIED));
}
