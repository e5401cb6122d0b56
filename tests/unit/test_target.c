/* test_target.c - target names: host, host:port, literals, brackets. */
#include "check.h"
#include "target.h"

void test_target_parse(void);

void test_target_parse(void)
{
	static const struct {
		const char *arg;
		int ok;
		const char *host, *port;
		int literal;
	} rows[] = {
		{ "mail.example.com", 1, "mail.example.com", "25", 0 },
		{ "mail.example.com:2525", 1, "mail.example.com", "2525", 0 },
		{ "192.0.2.1", 1, "192.0.2.1", "25", 1 },
		{ "192.0.2.1:587", 1, "192.0.2.1", "587", 1 },
		{ "[192.0.2.1]:587", 1, "192.0.2.1", "587", 1 },
		{ "2001:db8::1", 1, "2001:db8::1", "25", 1 },
		{ "[2001:db8::1]", 1, "2001:db8::1", "25", 1 },
		{ "[2001:db8::1]:2525", 1, "2001:db8::1", "2525", 1 },
		{ "localhost", 1, "localhost", "25", 0 },
		{ "host:0", 0, NULL, NULL, 0 },
		{ "host:65536", 0, NULL, NULL, 0 },
		{ "host:", 0, NULL, NULL, 0 },
		{ "host:25x", 0, NULL, NULL, 0 },
		{ ":25", 0, NULL, NULL, 0 },
		{ "[2001:db8::1", 0, NULL, NULL, 0 },
		{ "[2001:db8::1]x", 0, NULL, NULL, 0 },
		{ "[mail.example.com]", 0, NULL, NULL, 0 },
		{ "bad host", 0, NULL, NULL, 0 },
		{ "bad\r\nhost", 0, NULL, NULL, 0 },
		{ "bad/host", 0, NULL, NULL, 0 },
		{ "", 0, NULL, NULL, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct target t;
		char err[256];
		int rc = target_parse(rows[i].arg, 25, &t, err, sizeof(err));

		if ((rc == 0) != rows[i].ok)
			printf("#   row %zu '%s': rc %d (%s)\n", i, rows[i].arg, rc, rc ? err : "");
		CHECK_INT(rc == 0, rows[i].ok);
		if (rc == 0 && rows[i].ok) {
			CHECK_STR(t.host, rows[i].host);
			CHECK_STR(t.port, rows[i].port);
			CHECK_INT(t.literal, rows[i].literal);
		}
	}
	CHECK_INT(target_parse_port("1"), 1);
	CHECK_INT(target_parse_port("65535"), 65535);
	CHECK_INT(target_parse_port("65536"), -1);
	CHECK_INT(target_parse_port("0"), -1);
	CHECK_INT(target_parse_port("-1"), -1);
	CHECK_INT(target_parse_port("000025"), -1);
}
