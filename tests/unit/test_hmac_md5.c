/* test_hmac_md5.c - MD5 against RFC 1321's suite, HMAC-MD5 against RFC
 * 2104's vectors, CRAM-MD5 against RFC 2195's example. */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "check.h"
#include "hmac_md5.h"

void test_md5(void);
void test_hmac_md5(void);

static void hex(const unsigned char *d, char *out)
{
	for (int i = 0; i < MD5_DIGEST; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

void test_md5(void)
{
	static const struct {
		const char *in, *want;
	} rows[] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		  "d174ab98d277d9f5a5611c2c9f419d9f" },
		{ "1234567890123456789012345678901234567890123456789012345678901234567890"
		  "1234567890",
		  "57edf4a22be3c955ac49da2e2107b67a" },
	};
	unsigned char d[MD5_DIGEST];
	char got[33];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		md5((const unsigned char *)rows[i].in, strlen(rows[i].in), d);
		hex(d, got);
		CHECK_STR(got, rows[i].want);
	}
}

void test_hmac_md5(void)
{
	unsigned char key[80], data[50], mac[MD5_DIGEST];
	char got[33], line[256];
	struct auth_dialogue dlg;

	/* RFC 2104 section 2 (and RFC 2202 test cases 1-3, 6). */
	memset(key, 0x0b, 16);
	hmac_md5(key, 16, (const unsigned char *)"Hi There", 8, mac);
	hex(mac, got);
	CHECK_STR(got, "9294727a3638bb1c13f48ef8158bfc9d");
	hmac_md5((const unsigned char *)"Jefe", 4,
		 (const unsigned char *)"what do ya want for nothing?", 28, mac);
	hex(mac, got);
	CHECK_STR(got, "750c783e6ab0b503eaa86e310a5db738");
	memset(key, 0xaa, 16);
	memset(data, 0xdd, 50);
	hmac_md5(key, 16, data, 50, mac);
	hex(mac, got);
	CHECK_STR(got, "56be34521d144c88dbb8c733f0e8b3f6");
	memset(key, 0xaa, 80); /* a key longer than the block is hashed first */
	hmac_md5(key, 80,
		 (const unsigned char *)"Test Using Larger Than Block-Size Key - Hash Key First",
		 54, mac);
	hex(mac, got);
	CHECK_STR(got, "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd");

	/* RFC 2195's example: user tim, password tanstaaftanstaaf. */
	memset(&dlg, 0, sizeof(dlg));
	dlg.how = CASE_AUTH_CRAM_MD5;
	strcpy(dlg.user, "tim");
	strcpy(dlg.pass, "tanstaaftanstaaf");
	CHECK_INT(auth_next(&dlg, NULL, line, sizeof(line)), 0);
	CHECK_STR(line, "AUTH CRAM-MD5");
	CHECK_INT(auth_next(&dlg, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+", line,
			    sizeof(line)),
		  0);
	CHECK_STR(line, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
	/* A challenge that is not base64 is cancelled with "*" (RFC 4954). */
	dlg.step = 1;
	CHECK_INT(auth_next(&dlg, "not base64!", line, sizeof(line)), 0);
	CHECK_STR(line, "*");

	/* NTLM: type 1, then a type 2 too short to hold a challenge is
	 * cancelled; a whole one gets the anonymous type 3. */
	auth_start(&dlg, CASE_AUTH_NTLM_ANON);
	CHECK_INT(auth_next(&dlg, NULL, line, sizeof(line)), 0);
	CHECK_STR(line, "AUTH NTLM");
	CHECK_INT(auth_next(&dlg, "", line, sizeof(line)), 0);
	CHECK_STR(line, "TlRMTVNTUAABAAAAB4IAAAAAAAAgAAAAAAAAACAAAAA=");
	CHECK_INT(auth_next(&dlg, "TlRMTVNTUAACAAAA", line, sizeof(line)), 0);
	CHECK_STR(line, "*");
	CHECK(strstr(dlg.description, "could not be parsed") != NULL);
	dlg.step = 2;
	CHECK_INT(auth_next(&dlg, "TlRMTVNTUAACAAAAAAAAADAAAAAFggAAASNFZ4mrze8AAAAAAAAAAA==", line,
			    sizeof(line)),
		  0);
	CHECK(strncmp(line, "TlRMTVNTUAADAAAA", 16) == 0);
	CHECK_INT(auth_next(&dlg, NULL, line, sizeof(line)), -1);
}
