/* test_cases.c - template expansion and the shape of the fixed table. */
#include <string.h>

#include "cases.h"
#include "check.h"

void test_cases_expand(void);
void test_cases_table(void);

void test_cases_expand(void)
{
	struct case_vars v;
	char out[600];

	CHECK_INT(cases_vars_set(&v, "alice@example.org", "bob@example.net", "example.com",
				 "mx.example.com", "192.0.2.1"),
		  0);
	CHECK_STR(v.s, "alice");
	CHECK_STR(v.u, "bob");
	CHECK_STR(v.x, "example.net");
	CHECK_STR(v.ip, "[192.0.2.1]");

	static const struct {
		const char *tmpl, *want;
	} rows[] = {
		{ "<{from}>", "<alice@example.org>" },
		{ "<{u}%{x}@{domain}>", "<bob%example.net@example.com>" },
		{ "<\"{u}@{x}\"@{ip}>", "<\"bob@example.net\"@[192.0.2.1]>" },
		{ "<@{host}:{u}@{x}>", "<@mx.example.com:bob@example.net>" },
		{ "<{x}!{u}@{ip}>", "<example.net!bob@[192.0.2.1]>" },
		{ "<{s}@[127.0.0.1]>", "<alice@[127.0.0.1]>" },
		{ "<>", "<>" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		CHECK_INT(cases_expand(rows[i].tmpl, &v, out, sizeof(out)), 0);
		CHECK_STR(out, rows[i].want);
	}

	/* IPv6 address literals follow RFC 5321 4.1.3. */
	CHECK_INT(cases_vars_set(&v, "a@example.org", "b@example.net", "example.com", "",
				 "2001:db8::1"),
		  0);
	CHECK_STR(v.ip, "[IPv6:2001:db8::1]");
	CHECK_INT(cases_expand("<{u}%{x}@{ip}>", &v, out, sizeof(out)), 0);
	CHECK_STR(out, "<b%example.net@[IPv6:2001:db8::1]>");

	/* Failures: empty {host}, unknown placeholder, unclosed brace, overflow. */
	CHECK_INT(cases_expand("<{u}@{host}>", &v, out, sizeof(out)), -1);
	CHECK_INT(cases_expand("<{nope}>", &v, out, sizeof(out)), -1);
	CHECK_INT(cases_expand("<{from>", &v, out, sizeof(out)), -1);
	CHECK_INT(cases_expand("<{from}>", &v, out, 5), -1);
	CHECK_INT(cases_vars_set(&v, "no-at-sign", "b@example.net", "d", "h", "192.0.2.1"), -1);
	/* A local part may itself hold '@' when quoted: split at the last one. */
	CHECK_INT(cases_vars_set(&v, "a@example.org", "\"x@y\"@example.net", "d", "h", "192.0.2.1"),
		  0);
	CHECK_STR(v.u, "\"x@y\"");
}

void test_cases_table(void)
{
	struct case_vars v;
	char out[600];
	static const char *const required[] = {
		"control-postmaster",  "ext-to-ext",
		"null-sender",	       "unqualified-sender",
		"domain-sender",       "host-sender",
		"ip-sender",	       "localhost-sender",
		"loopback-sender",     "same-domain-sender",
		"bang-path-sender",    "no-brackets",
		"percent-hack-domain", "percent-hack-host",
		"percent-hack-ip",     "percent-hack-bare",
		"quoted-at",	       "quoted-percent",
		"quoted-at-domain",    "quoted-at-ip",
		"double-at-domain",    "double-at-host",
		"double-at-ip",	       "trailing-at",
		"source-route-domain", "source-route-host",
		"source-route-ip",     "bang-path",
		"bang-path-domain",    "bang-path-host",
		"bang-path-ip",	       "helo-localhost",
		"helo-host",	       "helo-ip",
		"helo-loopback",       "auth-plain-bogus",
		"auth-login-bogus",    "auth-plain-empty",
		"auth-cram-md5-bogus", "auth-ntlm-anonymous",
	};

	/* Every case here stays; a new one needs no edit of this list. */
	CHECK(cases_count >= sizeof(required) / sizeof(required[0]));
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		CHECK(cases_find(required[i]) != NULL);
	CHECK(cases_find("nope") == NULL);
	CHECK_STR(cases_table[0].id, "control-postmaster");

	cases_vars_set(&v, "a@example.org", "b@example.net", "example.com", "mx.example.com",
		       "192.0.2.1");
	for (size_t i = 0; i < cases_count; i++) {
		const struct relay_case *tc = &cases_table[i];

		/* Ids are unique, and every template expands. */
		CHECK(cases_find(tc->id) == tc);
		CHECK(tc->description != NULL && tc->description[0] != '\0');
		CHECK_INT(cases_expand(tc->mail_from, &v, out, sizeof(out)), 0);
		CHECK_INT(cases_expand(tc->rcpt_to, &v, out, sizeof(out)), 0);
		if (tc->group == CASE_HELO)
			CHECK_INT(cases_expand(tc->helo, &v, out, sizeof(out)), 0);
		if (tc->group == CASE_AUTH)
			CHECK(tc->auth != CASE_AUTH_NONE);
	}
}
