/* test_findings.c - each finding from the facts that make it, and not
 * from those that do not. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "findings.h"

void test_findings_table(void);

/* The text of finding id in res, or NULL. */
static const char *found(const struct target_result *res, const char *id)
{
	for (size_t i = 0; i < res->nfindings; i++)
		if (strcmp(res->findings[i].id, id) == 0)
			return res->findings[i].text;
	return NULL;
}

void test_findings_table(void)
{
	static const struct {
		const char *seen, *ours;
		int other;	    /* seen-as-other-address */
		const char *phrase; /* in its text; NULL: none */
	} seen_rows[] = {
		{ "", "203.0.113.5", 0, NULL },
		{ "203.0.113.5", "203.0.113.5", 0, NULL },
		{ "::ffff:203.0.113.5", "203.0.113.5", 0, NULL },
		{ "2001:db8::7", "2001:DB8:0::7", 0, NULL },
		{ "172.17.0.1", "127.0.0.1", 1, "a proxy or NAT sits in front of it" },
		{ "172.17.0.1", "203.0.113.5", 1, "172.17.0.1 is a loopback or private address" },
		{ "127.0.0.1", "2001:db8::7", 1, "127.0.0.1 is a loopback or private address" },
		{ "fd00::1", "2001:db8::7", 1, "fd00::1 is a loopback or private address" },
		{ "100.64.0.1", "203.0.113.5", 1, "100.64.0.1 is a loopback or private address" },
		{ "198.51.100.1", "203.0.113.5", 1, "every client can relay." },
		{ "10.0.0.1", "192.168.1.1", 1, "every client can relay." },
	};
	struct target_result *res = calloc(1, sizeof(*res));

	if (res == NULL) {
		CHECK(res != NULL);
		return;
	}
	res->tested = 1;
	for (size_t i = 0; i < sizeof(seen_rows) / sizeof(seen_rows[0]); i++) {
		const char *text;

		memset(res->seen_as, 0, sizeof(res->seen_as));
		strcpy(res->seen_as, seen_rows[i].seen);
		strcpy(res->local_address, seen_rows[i].ours);
		findings_build(res);
		text = found(res, "seen-as-other-address");
		CHECK_INT(findings_seen_other(res), seen_rows[i].other);
		CHECK((text != NULL) == seen_rows[i].other);
		if (text != NULL && strstr(text, seen_rows[i].phrase) == NULL)
			printf("#   row %zu: '%s'\n", i, text);
		CHECK(text == NULL || strstr(text, seen_rows[i].phrase) != NULL);
		/* The private-address sentence only when ours is not one. */
		CHECK(text == NULL || strstr(seen_rows[i].phrase, "is a loopback") != NULL ||
		      strstr(text, "is a loopback") == NULL);
	}
	res->seen_as[0] = '\0';

	/* auth-plaintext: AUTH before TLS, and only where STARTTLS is offered. */
	res->plain_caps.auth = 1;
	strcpy(res->plain_caps.auth_mechs, "PLAIN LOGIN");
	findings_build(res);
	CHECK(found(res, "auth-plaintext") == NULL);
	res->plain_caps.starttls = 1;
	findings_build(res);
	CHECK(found(res, "auth-plaintext") != NULL &&
	      strstr(found(res, "auth-plaintext"), "AUTH (PLAIN LOGIN)") != NULL);
	res->plain_caps.auth = 0;
	findings_build(res);
	CHECK(found(res, "auth-plaintext") == NULL);

	/* starttls-injection: only an extra reply after the handshake. */
	for (int k = INJECTION_NOT_RUN; k <= INJECTION_FAILED; k++) {
		res->injection = (enum injection)k;
		strcpy(res->injection_note, "250 2.0.0 Ok");
		findings_build(res);
		CHECK((found(res, "starttls-injection") != NULL) == (k == INJECTION_FOUND));
	}
	res->injection = INJECTION_NOT_RUN;
	/* xclient-offered: XCLIENT in either EHLO reply; proxy-accepted: the
	 * server greeted only after a header. */
	CHECK(found(res, "xclient-offered") == NULL && found(res, "proxy-accepted") == NULL);
	res->plain_caps.xclient = 1;
	findings_build(res);
	CHECK(found(res, "xclient-offered") != NULL &&
	      strstr(found(res, "xclient-offered"), "smtpd_authorized_xclient_hosts") != NULL);
	res->plain_caps.xclient = 0;
	res->caps.xclient = 1;
	findings_build(res);
	CHECK(found(res, "xclient-offered") != NULL);
	res->caps.xclient = 0;
	res->proxy = 1;
	findings_build(res);
	CHECK(found(res, "proxy-accepted") != NULL && found(res, "xclient-offered") == NULL);
	res->proxy = 0;
	/* Nothing for a target never tested; ids unique and named. */
	res->tested = 0;
	findings_build(res);
	CHECK_INT((int)res->nfindings, 0);
	for (size_t i = 0; i < findings_count(); i++)
		for (size_t j = i + 1; j < findings_count(); j++)
			CHECK(strcmp(findings_id(i), findings_id(j)) != 0);
	CHECK(findings_id(findings_count()) == NULL);
	free(res);
}
