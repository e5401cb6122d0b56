/* test_reply.c - the reply parser on good, odd and hostile lines. */
#include <string.h>

#include "check.h"
#include "reply.h"

void test_reply_lines(void);
void test_reply_multiline(void);
void test_reply_enhanced(void);
void test_reply_capabilities(void);
void test_reply_greeting_host(void);

void test_reply_lines(void)
{
	static const struct {
		const char *line;
		int ok, code, more;
		const char *text;
	} cases[] = {
		{ "250 OK", 1, 250, 0, "OK" },
		{ "250-first", 1, 250, 1, "first" },
		{ "250", 1, 250, 0, "" },
		{ "554 5.7.1 Relay access denied", 1, 554, 0, "5.7.1 Relay access denied" },
		{ "2x0 bad", 0, 0, 0, NULL },
		{ "099 low", 0, 0, 0, NULL },
		{ "600 high", 0, 0, 0, NULL },
		{ "160 second digit", 0, 0, 0, NULL },
		{ "2500 four digits", 0, 0, 0, NULL },
		{ "25", 0, 0, 0, NULL },
		{ "", 0, 0, 0, NULL },
		{ "250_x", 0, 0, 0, NULL },
		{ "HTTP/1.1 400 Bad Request", 0, 0, 0, NULL },
		{ "SSH-2.0-OpenSSH_9.2", 0, 0, 0, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int code = 0, more = 0;
		const char *text = NULL;
		size_t len = 0;
		int rc = reply_parse_line(cases[i].line, strlen(cases[i].line), &code, &more, &text,
					  &len);

		CHECK_INT(rc == 0, cases[i].ok);
		if (rc == 0 && cases[i].ok) {
			CHECK_INT(code, cases[i].code);
			CHECK_INT(more, cases[i].more);
			CHECK_INT(len, strlen(cases[i].text));
			CHECK(memcmp(text, cases[i].text, len) == 0);
		}
	}
}

static int feed(struct reply *r, const char *const *lines, struct rt_error *err)
{
	int rc = 0;

	reply_init(r);
	for (size_t i = 0; lines[i] != NULL; i++)
		rc = reply_add_line(r, lines[i], strlen(lines[i]), err);
	return rc;
}

void test_reply_multiline(void)
{
	static const char *const ok[] = { "250-mx.example.com", "250-PIPELINING", "250 SIZE 100",
					  NULL };
	static const char *const mismatch[] = { "250-a", "251 b", NULL };
	static const char *const junk[] = { "250-a", "garbage", NULL };
	static const char *const partial[] = { "250-a", "250-b", NULL };
	struct reply r;
	struct rt_error err;
	char line[64];

	CHECK_INT(feed(&r, ok, &err), 1);
	CHECK_INT(r.code, 250);
	CHECK_INT(r.nlines, 3);
	CHECK(r.complete);
	CHECK_STR(r.text, "mx.example.com\nPIPELINING\nSIZE 100");
	CHECK_INT(reply_line(&r, 2, line, sizeof(line)), 0);
	CHECK_STR(line, "SIZE 100");
	CHECK_INT(reply_line(&r, 3, line, sizeof(line)), -1);

	CHECK_INT(feed(&r, mismatch, &err), -1);
	CHECK_INT(err.kind, ERR_PROTOCOL);
	CHECK(strstr(err.msg, "251") != NULL);
	CHECK_INT(feed(&r, junk, &err), -1);
	CHECK(strstr(err.msg, "not an SMTP reply line") != NULL);
	CHECK_INT(feed(&r, partial, &err), 0);
	CHECK(!r.complete);

	/* Thousands of continuation lines end at the cap, not in memory growth. */
	reply_init(&r);
	int rc = 0;
	for (int i = 0; i < 5000 && rc == 0; i++)
		rc = reply_add_line(&r, "250-x", 5, &err);
	CHECK_INT(rc, -1);
	CHECK_INT(r.nlines, REPLY_LINES_MAX);
	CHECK(strstr(err.msg, "more than") != NULL);

	/* NUL and control bytes are escaped, never kept raw. */
	reply_init(&r);
	CHECK_INT(reply_add_line(&r, "554 a\0b\x1b[31m", 12, &err), 1);
	CHECK_STR(r.text, "a\\x00b\\x1b[31m");
}

void test_reply_enhanced(void)
{
	static const struct {
		const char *line;
		const char *enhanced;
	} cases[] = {
		{ "554 5.7.1 Relay access denied", "5.7.1" },
		{ "250 2.1.5 Ok", "2.1.5" },
		{ "550 5.1.1 User unknown", "5.1.1" },
		{ "450 4.7.1 try later", "4.7.1" },
		{ "554 4.7.1 class differs", "" },
		{ "550 5.123.456 long form", "5.123.456" },
		{ "550 5.1234.1 too long", "" },
		{ "550 5.7 short", "" },
		{ "550 5.7.1x junk", "" },
		{ "550 Relay denied", "" },
		{ "250 2.0.0", "2.0.0" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reply r;
		struct rt_error err;

		reply_init(&r);
		CHECK_INT(reply_add_line(&r, cases[i].line, strlen(cases[i].line), &err), 1);
		CHECK_STR(r.enhanced, cases[i].enhanced);
	}
}

void test_reply_capabilities(void)
{
	static const char *const lines[] = { "250-mx.example.com Hello",
					     "250-PIPELINING",
					     "250-SIZE 10240000",
					     "250-STARTTLS",
					     "250-AUTH PLAIN LOGIN CRAM-MD5",
					     "250-AUTH=PLAIN LOGIN",
					     "250 8BITMIME",
					     NULL };
	static const char *const bare[] = { "250 mx.example.com", NULL };
	struct reply r;
	struct capabilities caps;
	struct rt_error err;

	feed(&r, lines, &err);
	reply_capabilities(&r, &caps);
	CHECK(caps.esmtp);
	CHECK(caps.pipelining);
	CHECK(caps.starttls);
	CHECK(caps.auth);
	CHECK(caps.auth_plain);
	CHECK(caps.auth_login);
	CHECK_INT(caps.size, 10240000);
	CHECK_STR(caps.auth_mechs, "PLAIN LOGIN CRAM-MD5");
	CHECK(strstr(caps.list, "8BITMIME") != NULL);

	feed(&r, bare, &err);
	reply_capabilities(&r, &caps);
	CHECK(caps.esmtp);
	CHECK(!caps.pipelining && !caps.auth && !caps.starttls);
	CHECK_STR(caps.list, "");
}

void test_reply_greeting_host(void)
{
	static const struct {
		const char *line;
		const char *host;
	} cases[] = {
		{ "220 mx.example.com ESMTP Postfix", "mx.example.com" },
		{ "220 [192.0.2.1] ready", "[192.0.2.1]" },
		{ "220 ESMTP ready", "" },
		{ "220 mx.example.com", "mx.example.com" },
		{ "220", "" },
		{ "220 bad<host>.com ready", "" },
		/* Only an RFC 5321 Domain or address literal (issue 12, item 6). */
		{ "220 a.b.c:x] ready", "" },
		{ "220 [evil ready", "" },
		{ "220 .. ready", "" },
		{ "220 a..b ready", "" },
		{ "220 -a.example.com ready", "" },
		{ "220 a-.example.com ready", "" },
		{ "220 mx.example.com. ready", "" },
		{ "220 under_score.example.com ready", "" },
		{ "220 [192.0.2.300] ready", "" },
		{ "220 [192.0.2.1 ready", "" },
		{ "220 [] ready", "" },
		{ "220 [IPv6:2001:db8::1] ready", "[IPv6:2001:db8::1]" },
		{ "220 [IPv6:zz] ready", "" },
		{ "220 [x-tag:abc] ready", "[x-tag:abc]" },
		{ "220 [x-tag:a]b] ready", "" },
		{ "220 mail-1.x9.example ready", "mail-1.x9.example" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reply r;
		struct rt_error err;
		char host[256];

		reply_init(&r);
		reply_add_line(&r, cases[i].line, strlen(cases[i].line), &err);
		reply_greeting_host(&r, host, sizeof(host));
		CHECK_STR(host, cases[i].host);
	}
}
