/* test_claim.c - the XCLIENT command and the PROXY v1 header, byte for byte. */
#include <string.h>

#include "check.h"
#include "claim.h"

void test_claim_xclient(void);
void test_claim_proxy(void);
void test_claim_proxy_v2(void);

void test_claim_xclient(void)
{
	static const struct {
		const char *addr, *want; /* want NULL: refused */
	} rows[] = {
		{ "127.0.0.1", "XCLIENT ADDR=127.0.0.1 NAME=localhost" },
		{ "127.1.2.3", "XCLIENT ADDR=127.1.2.3 NAME=localhost" },
		{ "::1", "XCLIENT ADDR=IPV6:::1 NAME=localhost" },
		{ "10.0.0.1", "XCLIENT ADDR=10.0.0.1 NAME=[UNAVAILABLE]" },
		{ "2001:db8::7", "XCLIENT ADDR=IPV6:2001:db8::7 NAME=[UNAVAILABLE]" },
		{ "", NULL },
		{ "localhost", NULL },
		{ "10.0.0.1 NAME=x", NULL },
		{ "10.0.0.256", NULL },
	};
	char buf[128];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int rc = claim_xclient_command(rows[i].addr, NULL, 0, buf, sizeof(buf));

		CHECK_INT(rc, rows[i].want != NULL ? 0 : -1);
		if (rows[i].want != NULL && rc == 0)
			CHECK_STR(buf, rows[i].want);
	}
	CHECK_INT(claim_xclient_command("127.0.0.1", NULL, 0, buf, 20), -1); /* does not fit */
	/* A login instead of an address: a plain word only (no xtext). */
	CHECK_INT(claim_xclient_command(NULL, "relaytest", 0, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "XCLIENT LOGIN=relaytest");
	CHECK_INT(claim_xclient_command(NULL, "a b", 0, buf, sizeof(buf)), -1);
	CHECK_INT(claim_xclient_command(NULL, "x=y", 0, buf, sizeof(buf)), -1);
	CHECK_INT(claim_xclient_command(NULL, "", 0, buf, sizeof(buf)), -1);
	CHECK_INT(claim_xclient_command(NULL, NULL, 0, buf, sizeof(buf)), -1);
	/* PORT after ADDR where the server lists it (Exim wants both). */
	CHECK_INT(claim_xclient_command("10.0.0.1", NULL, 40000, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "XCLIENT ADDR=10.0.0.1 NAME=[UNAVAILABLE] PORT=40000");
	CHECK_INT(claim_xclient_command("192.0.2.7", "relaytest", 5, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "XCLIENT ADDR=192.0.2.7 NAME=[UNAVAILABLE] PORT=5 LOGIN=relaytest");
	CHECK_INT(claim_xclient_command("10.0.0.1", NULL, 65536, buf, sizeof(buf)), -1);
}

void test_claim_proxy(void)
{
	static const struct {
		const char *src, *dst;
		unsigned sport, dport;
		const char *want; /* NULL: refused */
	} rows[] = {
		{ "10.0.0.1", "127.0.0.1", 40000, 25,
		  "PROXY TCP4 10.0.0.1 127.0.0.1 40000 25\r\n" },
		{ "::1", "::1", 1, 2525, "PROXY TCP6 ::1 ::1 1 2525\r\n" },
		/* Mixed families: the IPv4 one IPv4-mapped, both TCP6. */
		{ "::1", "192.0.2.5", 5, 25, "PROXY TCP6 ::1 ::ffff:192.0.2.5 5 25\r\n" },
		{ "10.0.0.1", "2001:db8::1", 5, 25,
		  "PROXY TCP6 ::ffff:10.0.0.1 2001:db8::1 5 25\r\n" },
		{ "10.0.0.1", "mx.example.com", 5, 25, NULL },
		{ "", "127.0.0.1", 5, 25, NULL },
		{ "10.0.0.1", "127.0.0.1", 65536, 25, NULL },
	};
	char buf[CLAIM_PROXY_MAX + 1];
	const char *longest = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int n = claim_proxy_header(rows[i].src, rows[i].dst, rows[i].sport, rows[i].dport,
					   buf, sizeof(buf));

		if (rows[i].want == NULL) {
			CHECK_INT(n, -1);
			continue;
		}
		CHECK_INT(n, (int)strlen(rows[i].want));
		if (n > 0)
			CHECK_STR(buf, rows[i].want);
	}
	/* The spec's longest header (107 bytes) fits its buffer exactly. */
	CHECK_INT(claim_proxy_header(longest, longest, 65535, 65535, buf, sizeof(buf)), 104);
	CHECK_INT(claim_proxy_header("10.0.0.1", "127.0.0.1", 1, 25, buf, 16), -1);
}

void test_claim_proxy_v2(void)
{
	static const unsigned char v4[] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51,
		0x55, 0x49, 0x54, 0x0a,			     /* signature */
		0x21, 0x11, 0x00, 0x0c,			     /* v2 PROXY, TCP4, 12 */
		10,   0,    0,	  1,	127,  0,    0,	  1, /* addresses */
		0x9c, 0x40, 0x00, 0x19,			     /* 40000, 25 */
	};
	unsigned char buf[CLAIM_PROXY_MAX];

	CHECK_INT(claim_proxy_header_v2("10.0.0.1", "127.0.0.1", 40000, 25, buf, sizeof(buf)), 28);
	CHECK(memcmp(buf, v4, sizeof(v4)) == 0);
	/* IPv6, and a mixed pair with the IPv4 address mapped. */
	CHECK_INT(claim_proxy_header_v2("::1", "192.0.2.5", 5, 25, buf, sizeof(buf)), 52);
	CHECK_INT(buf[13], 0x21);
	CHECK_INT(buf[15], 36);
	CHECK_INT(buf[31], 1);			   /* ::1 */
	CHECK(buf[42] == 0xff && buf[43] == 0xff); /* ::ffff: */
	CHECK(buf[44] == 192 && buf[47] == 5);
	CHECK_INT(claim_proxy_header_v2("10.0.0.1", "127.0.0.1", 1, 25, buf, 27), -1);
	CHECK_INT(claim_proxy_header_v2("x", "127.0.0.1", 1, 25, buf, sizeof(buf)), -1);
	CHECK_INT(claim_proxy_header_v2("10.0.0.1", "127.0.0.1", 65536, 25, buf, sizeof(buf)), -1);
}
