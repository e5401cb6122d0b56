/* test_reply.c - the reply parser on good, odd and hostile lines. */
#include <string.h>

#include "check.h"
#include "reply.h"

void test_reply_lines(void);
void test_reply_multiline(void);
void test_reply_enhanced(void);
void test_reply_capabilities(void);
void test_reply_greeting_host(void);
void test_reply_seen_as(void);
void test_reply_xclient_takes(void);

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

void test_reply_seen_as(void)
{
	static const struct {
		const char *line; /* the first line of a 250 reply */
		const char *seen; /* NULL: none */
	} rows[] = {
		/* Exim; with an address literal as our EHLO name before it. */
		{ "250-mx.example.com Hello client.example.org [192.0.2.7]", "192.0.2.7" },
		{ "250-mx.example.com Hello [203.0.113.5] [172.17.0.1]", "172.17.0.1" },
		{ "250-mx.example.com Hello root at client.example.org [10.0.0.2]", "10.0.0.2" },
		{ "250-mx.example.com Hello c.example.org [2001:db8::7]", "2001:db8::7" },
		/* Sendmail and OpenSMTPD. */
		{ "250-mx.example.com Hello c.example.org [192.0.2.7], pleased to meet you",
		  "192.0.2.7" },
		{ "250-mx.example.com Hello c [192.0.2.7] (may be forged), pleased to meet you",
		  "192.0.2.7" },
		{ "250-mx.example.com Hello localhost [IPv6:2001:DB8:0:0::7], pleased to meet you",
		  "2001:db8::7" },
		/* Exchange, Haraka, Gmail; HELO's one-line reply. */
		{ "250-mx.contoso.com Hello [192.0.2.7]", "192.0.2.7" },
		{ "250-mx Hello c.example.org [192.0.2.7], Haraka is at your service.",
		  "192.0.2.7" },
		{ "250-mx.google.com at your service, [192.0.2.7]", "192.0.2.7" },
		{ "250 mx.example.com Hello c.example.org [127.0.0.1]", "127.0.0.1" },
		/* Postfix and others that echo nothing. */
		{ "250-mx.example.com", NULL },
		{ "250 mx.example.com", NULL },
		{ "250-hello.example.com [192.0.2.7]", NULL },
		/* Hostile or broken: no address, a bad one, unclosed, too long,
		 * after the phrase's comma, leading zeros. */
		{ "250-mx Hello c.example.org", NULL },
		{ "250-mx Hello [not.an.address]", NULL },
		{ "250-mx Hello [192.0.2.7", NULL },
		{ "250-mx Hello [192.0.2.256]", NULL },
		{ "250-mx Hello [1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa]", NULL },
		{ "250-mx Hello name, you are [192.0.2.7]", NULL },
		{ "250-mx Hello [192.000.002.007]", NULL },
		{ "250-mx Hello []", NULL },
		{ "250-mx Hello [IPv6:]", NULL },
		{ "250-mx Hello [ 192.0.2.7]", NULL },
		{ "250-mx Hello [::ffff:192.0.2.7]", "::ffff:192.0.2.7" },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		/* A multi-line reply ends with a keyword line. */
		const char *lines[] = { rows[i].line,
					rows[i].line[3] == '-' ? "250 8BITMIME" : NULL, NULL };
		struct reply r;
		struct rt_error err;
		int rc;

		CHECK(feed(&r, lines, &err) == 1);
		rc = reply_seen_as(&r, buf, sizeof(buf));
		if (rows[i].seen == NULL ? rc != -1 || buf[0] != '\0'
					 : rc != 0 || strcmp(buf, rows[i].seen) != 0)
			printf("#   row %zu: '%s' -> %d '%s'\n", i, rows[i].line, rc, buf);
		CHECK(rows[i].seen == NULL ? rc == -1 && buf[0] == '\0'
					   : rc == 0 && strcmp(buf, rows[i].seen) == 0);
	}
	/* Not a 250: nothing, whatever the text. */
	{
		const char *lines[] = { "550 mx Hello [192.0.2.7]", NULL };
		struct reply r;
		struct rt_error err;

		CHECK(feed(&r, lines, &err) == 1);
		CHECK(reply_seen_as(&r, buf, sizeof(buf)) == -1 && buf[0] == '\0');
	}
}

void test_reply_xclient_takes(void)
{
	struct capabilities caps;

	memset(&caps, 0, sizeof(caps));
	strcpy(caps.list, "PIPELINING\nXCLIENT NAME ADDR PROTO HELO PORT LOGIN\n8BITMIME");
	CHECK(reply_xclient_takes(&caps, "PORT"));
	CHECK(reply_xclient_takes(&caps, "login"));
	CHECK(reply_xclient_takes(&caps, "NAME"));
	CHECK(!reply_xclient_takes(&caps, "POR"));
	CHECK(!reply_xclient_takes(&caps, "DESTPORT"));
	CHECK(!reply_xclient_takes(&caps, "PIPELINING"));
	CHECK(!reply_xclient_takes(&caps, "XCLIENT"));
	strcpy(caps.list, "XCLIENTX PORT\nSIZE 10240000");
	CHECK(!reply_xclient_takes(&caps, "PORT"));
	caps.list[0] = '\0';
	CHECK(!reply_xclient_takes(&caps, "PORT"));
}
