/* test_classify.c - one row per classification rule in classify.h. */
#include <string.h>

#include "check.h"
#include "classify.h"

void test_classify_table(void);

void test_classify_table(void)
{
	static const struct {
		const char *line;
		enum verdict verdict;
		enum reason reason;
	} rows[] = {
		{ "250 2.1.5 Ok", VERDICT_ACCEPTED, REASON_RELAYED },
		{ "251 2.1.5 User not local; will forward", VERDICT_ACCEPTED, REASON_RELAYED },
		{ "554 5.7.1 <a@b>: Relay access denied", VERDICT_DENIED, REASON_RELAY_POLICY },
		{ "550 5.7.1 Unable to relay", VERDICT_DENIED, REASON_RELAY_POLICY },
		{ "550 relay not permitted", VERDICT_DENIED, REASON_RELAY_POLICY },
		{ "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)",
		  VERDICT_DENIED, REASON_RELAY_POLICY },
		{ "550 5.1.1 <x@y>: Recipient address rejected: User unknown", VERDICT_DENIED,
		  REASON_ADDRESS },
		{ "501 5.1.3 Bad recipient address syntax", VERDICT_DENIED, REASON_SYNTAX },
		{ "553 5.5.4 bad address", VERDICT_DENIED, REASON_SYNTAX },
		{ "500 5.5.2 Error: bad syntax", VERDICT_DENIED, REASON_SYNTAX },
		{ "530 5.7.0 Authentication required", VERDICT_DENIED, REASON_AUTH_REQUIRED },
		{ "530 5.7.0 Must issue a STARTTLS command first", VERDICT_DENIED,
		  REASON_TLS_REQUIRED },
		{ "550 no such thing", VERDICT_DENIED, REASON_POLICY },
		{ "454 4.7.1 <a@b>: Relay access denied", VERDICT_DENIED, REASON_RELAY_POLICY },
		{ "450 4.7.1 <a@b>: Recipient address rejected: Greylisted, try again later",
		  VERDICT_TEMPFAIL, REASON_GREYLIST },
		{ "451 4.7.1 Please try again later", VERDICT_TEMPFAIL, REASON_GREYLIST },
		{ "451 4.3.0 relaying temporarily deferred, retry", VERDICT_TEMPFAIL,
		  REASON_GREYLIST },
		{ "452 4.5.3 Too many recipients", VERDICT_TEMPFAIL, REASON_TEMPORARY },
		{ "450 4.1.8 sender domain not found", VERDICT_TEMPFAIL, REASON_TEMPORARY },
		{ "421 4.7.0 Too many errors", VERDICT_ERROR, REASON_CLOSING },
		{ "354 go ahead", VERDICT_ERROR, REASON_PROTOCOL },
		{ "334 VXNlcm5hbWU6", VERDICT_ERROR, REASON_PROTOCOL },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct reply r;
		struct rt_error err;
		enum reason why = REASON_NONE;
		enum verdict v;

		reply_init(&r);
		reply_add_line(&r, rows[i].line, strlen(rows[i].line), &err);
		v = classify_reply(&r, &why);
		if (v != rows[i].verdict || why != rows[i].reason)
			printf("#   row %zu \"%s\": got %s/%s\n", i, rows[i].line,
			       classify_verdict_name(v), classify_reason_name(why));
		CHECK_INT(v, rows[i].verdict);
		CHECK_INT(why, rows[i].reason);
	}
	/* Every verdict and reason prints as something. */
	for (int v = 0; v < VERDICT_COUNT; v++)
		CHECK(classify_verdict_name((enum verdict)v)[0] != '\0');
	for (int w = 1; w < REASON_COUNT; w++)
		CHECK(classify_reason_name((enum reason)w)[0] != '\0');
}
