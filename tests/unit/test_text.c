/* test_text.c - sanitising and the bogus AUTH encodings. */
#include <string.h>

#include "auth.h"
#include "check.h"
#include "text.h"

void test_text_sanitize(void);
void test_text_format_cut(void);
void test_auth_base64(void);
void test_auth_dialogues(void);

/* Text too long for its buffer ends on a whole word, marked, never
 * mid-word ("percent-hack-domain, perce." was a report's warning). */
void test_text_format_cut(void)
{
	char buf[40];

	CHECK_INT(text_format(buf, sizeof(buf), "%s", "short enough"), 0);
	CHECK_STR(buf, "short enough");
	CHECK_INT(text_format(buf, sizeof(buf), "%s",
			      "ext-to-ext, null-sender, percent-hack-domain, percent-hack-host"),
		  -1);
	CHECK_STR(buf, "ext-to-ext, null-sender, [...]");
	/* No space in the second half: cut where it must, still marked. */
	CHECK_INT(text_format(buf, sizeof(buf), "%s",
			      "x xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
		  -1);
	CHECK(strlen(buf) == sizeof(buf) - 1);
	CHECK(strcmp(buf + strlen(buf) - 6, " [...]") == 0);
}

void test_text_sanitize(void)
{
	char out[32];

	CHECK_INT(text_sanitize(out, sizeof(out), "plain", 5), 5);
	CHECK_STR(out, "plain");
	text_sanitize(out, sizeof(out), "a\r\nb\x1b\x9b\x7f", 7);
	CHECK_STR(out, "a\\x0d\\x0ab\\x1b\\x9b\\x7f");
	/* Cut at a whole escape, never in the middle of one. */
	text_sanitize(out, 8, "ab\x01\x02", 4);
	CHECK_STR(out, "ab\\x01");
	CHECK(text_check_arg("ok@example.com") == NULL);
	CHECK(text_check_arg("") != NULL);
	CHECK(text_check_arg("caf\xc3\xa9") != NULL);
	CHECK(text_contains_ci("Relay Access Denied", "relay access"));
	CHECK(!text_contains_ci("denied", "relay"));
}

void test_auth_base64(void)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} rows[] = {
		{ "", 0, "" },
		{ "f", 1, "Zg==" },
		{ "fo", 2, "Zm8=" },
		{ "foo", 3, "Zm9v" },
		{ "foobar", 6, "Zm9vYmFy" },
		{ "\0\0", 2, "AAA=" },
		{ "\0u\0p", 4, "AHUAcA==" },
	};
	char out[64];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		CHECK_INT(auth_base64((const unsigned char *)rows[i].in, rows[i].len, out,
				      sizeof(out)),
			  strlen(rows[i].out));
		CHECK_STR(out, rows[i].out);
	}
	CHECK_INT(auth_base64((const unsigned char *)"foobar", 6, out, 8), 0);
}

void test_auth_dialogues(void)
{
	struct auth_dialogue a, b;
	char line[256];

	auth_start(&a, CASE_AUTH_PLAIN_EMPTY);
	CHECK_INT(auth_next(&a, NULL, line, sizeof(line)), 0);
	CHECK_STR(line, "AUTH PLAIN AAA=");
	CHECK_INT(auth_next(&a, NULL, line, sizeof(line)), -1);

	auth_start(&a, CASE_AUTH_LOGIN_RANDOM);
	auth_start(&b, CASE_AUTH_LOGIN_RANDOM);
	CHECK(strncmp(a.user, "relaytest-", 10) == 0);
	CHECK_INT(strlen(a.user), 18);
	CHECK_INT(strlen(a.pass), 24);
	CHECK(strcmp(a.pass, b.pass) != 0); /* random, not fixed */
	CHECK_INT(auth_next(&a, NULL, line, sizeof(line)), 0);
	CHECK_STR(line, "AUTH LOGIN");
	CHECK_INT(auth_next(&a, NULL, line, sizeof(line)), 0);
	CHECK(strncmp(line, "cmVsYXl0ZXN0", 12) == 0); /* base64("relaytest") */
	CHECK_INT(auth_next(&a, NULL, line, sizeof(line)), 0);
	CHECK_INT(auth_next(&a, NULL, line, sizeof(line)), -1);

	auth_start(&a, CASE_AUTH_PLAIN_RANDOM);
	CHECK_INT(auth_next(&a, NULL, line, sizeof(line)), 0);
	CHECK(strncmp(line, "AUTH PLAIN AHJlbGF5dGVzdC", 25) == 0); /* "\0relaytest-" */
}
