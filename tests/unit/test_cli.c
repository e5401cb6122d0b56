/* test_cli.c - option validation: good input parses, bad input is refused. */
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "cli.h"
#include "report.h"

void test_cli_valid(void);
void test_cli_invalid(void);

static int parse(struct config *cfg, char *err, const char *a0, const char *a1, const char *a2,
		 const char *a3)
{
	char *argv[6] = { "relaytest", (char *)a0, (char *)a1, (char *)a2, (char *)a3, NULL };
	int argc = 1;

	while (argc < 5 && argv[argc] != NULL)
		argc++;
	argv[argc] = NULL;
	return cli_parse(argc, argv, cfg, err, 512);
}

void test_cli_valid(void)
{
	struct config cfg;
	char err[512];

	CHECK_INT(parse(&cfg, err, "mx.example.com", NULL, NULL, NULL), 0);
	CHECK_INT(cfg.port, 25);
	CHECK_INT(cfg.timeout_ms, 30000);
	CHECK_INT(cfg.max_time_ms, 300000);
	CHECK_INT(cfg.ntargets, 1);
	CHECK_STR(cfg.from, CLI_DEFAULT_FROM);
	CHECK_STR(cfg.to, CLI_DEFAULT_TO);
	CHECK(strcmp(strrchr(cfg.from, '@'), strrchr(cfg.to, '@')) != 0);

	CHECK_INT(parse(&cfg, err, "--timeout", "0.5", "--port=2525", "a.example"), 0);
	CHECK_INT(cfg.timeout_ms, 500);
	CHECK_INT(cfg.port, 2525);
	CHECK_INT(parse(&cfg, err, "-4", "-t", "2", "a.example"), 0);
	CHECK_INT(cfg.family, AF_INET);
	CHECK_INT(parse(&cfg, err, "--tests", "ext-to-ext,bang-path", "a.example", NULL), 0);
	CHECK(cfg.selected[0]); /* the control always runs */
	CHECK(cfg.selected[cases_find("ext-to-ext") - cases_table]);
	CHECK(cfg.selected[cases_find("bang-path") - cases_table]);
	CHECK(!cfg.selected[cases_find("null-sender") - cases_table]);
	CHECK_INT(parse(&cfg, err, "--list-tests", NULL, NULL, NULL), 0);
	CHECK_INT(cfg.action, CLI_LIST_TESTS);
	CHECK_INT(parse(&cfg, err, "--helo", "[192.0.2.7]", "a.example", NULL), 0);
	CHECK_INT(cfg.no_data_probe, 0);
	CHECK_INT(parse(&cfg, err, "--no-data-probe", "a.example", NULL, NULL), 0);
	CHECK_INT(cfg.no_data_probe, 1);
	CHECK_INT(parse(&cfg, err, "--from", "x@[192.0.2.7]", "a.example", NULL), -1);
	/* From cron: silent when closed, the transcript where it matters. */
	CHECK_INT(parse(&cfg, err, "-q", "-v", "a.example", NULL), 0);
	CHECK(cfg.quiet && cfg.verbose);
	/* --inconclusive-state, --untested-state: names, check_tcp's short
	 * forms, any case; the defaults stay unset. */
	CHECK_INT(parse(&cfg, err, "-Fnagios", "a.example", NULL, NULL), 0);
	CHECK_INT(cfg.inconclusive_state, REPORT_STATE_DEFAULT);
	CHECK_INT(cfg.untested_state, REPORT_STATE_DEFAULT);
	CHECK_INT(parse(&cfg, err, "-Fnagios", "--inconclusive-state=crit",
			"--untested-state=WARNING", "a.example"),
		  0);
	CHECK_INT(cfg.inconclusive_state, REPORT_STATE_CRITICAL);
	CHECK_INT(cfg.untested_state, REPORT_STATE_WARNING);
	CHECK_INT(parse(&cfg, err, "-Fnagios", "--inconclusive-state=ok",
			"--untested-state=unknown", "a.example"),
		  0);
	CHECK_INT(cfg.inconclusive_state, REPORT_STATE_OK);
	CHECK_INT(cfg.untested_state, REPORT_STATE_UNKNOWN);
}

void test_cli_invalid(void)
{
	static const struct {
		const char *a0, *a1, *a2;
		const char *message; /* a phrase the message must hold */
	} rows[] = {
		{ "--bogus", "a.example", NULL, "unknown option" },
		{ "-Z", "a.example", NULL, "unknown option" },
		{ "--port", "0", "a.example", "1 to 65535" },
		{ "--port", "65536", "a.example", "1 to 65535" },
		{ "--port", "x", "a.example", "1 to 65535" },
		{ "--timeout", "0", "a.example", "positive number" },
		{ "--timeout", "-3", "a.example", "positive number" },
		{ "--timeout", "abc", "a.example", "positive number" },
		{ "--timeout", "nan", "a.example", "positive number" },
		{ "--timeout", "1e9", "a.example", "too large" },
		{ "--max-time", "0", "a.example", "positive number" },
		{ "--from", "a@b.example\r\nDATA", "a.example", "line break" },
		{ "--to", "a@b.example\nRSET", "a.example", "line break" },
		{ "--from", "a b@c.example", "a.example", "white space" },
		{ "--from", "a\x01@c.example", "a.example", "control character" },
		{ "--from", "nodomain", "a.example", "user@domain" },
		{ "--from", "<a@b.example>", "a.example", "not allowed" },
		{ "--helo", "bad name", "a.example", "white space" },
		{ "--helo", "bad\rname", "a.example", "line break" },
		{ "--domain", "example.com\r\nQUIT", "a.example", "line break" },
		{ "--domain", "", "a.example", "is empty" },
		{ "--tests", "ext-to-ext,nope", "a.example", "unknown test 'nope'" },
		{ "--tests", "", "a.example", "at least one relay test" },
		{ "--tests", "control-postmaster", "a.example", "at least one relay test" },
		{ "--tests", ",,", "a.example", "at least one relay test" },
		{ "-4", "-6", "a.example", "exclude each other" },
		{ "--timeout", NULL, NULL, "needs a value" },
		{ "--send", "--no-data-probe", "a.example", "exclude each other" },
		{ "--from", CLI_DEFAULT_TO, "a.example", "must differ" },
		{ "a.example:99999", NULL, NULL, "1 to 65535" },
		{ "-q", NULL, NULL, "no target" },
		{ "--inconclusive-state", "maybe", "a.example",
		  "use ok, warning, critical or unknown" },
		{ "--untested-state", "", "a.example", "use ok, warning, critical or unknown" },
		{ "--inconclusive-state", "ok", "a.example", "give it with --format nagios" },
		{ "--untested-state", "crit", "a.example", "give it with --format nagios" },
	};
	char longaddr[300];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct config cfg;
		char err[512] = "";
		int rc;

		rc = parse(&cfg, err, rows[i].a0, rows[i].a1, rows[i].a2, NULL);
		if (rc != -1 || strstr(err, rows[i].message) == NULL)
			printf("#   row %zu: rc %d, message \"%s\", want \"%s\"\n", i, rc, err,
			       rows[i].message);
		CHECK_INT(rc, -1);
		CHECK(strstr(err, rows[i].message) != NULL);
		/* Messages never echo raw control bytes back to the terminal. */
		for (const char *p = err; *p != '\0'; p++)
			CHECK((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
	}
	memset(longaddr, 'a', sizeof(longaddr));
	strcpy(longaddr + 250, "@example.org");
	{
		struct config cfg;
		char err[512];

		CHECK_INT(parse(&cfg, err, "--from", longaddr, "a.example", NULL), -1);
		CHECK(strstr(err, "longer than 254") != NULL);
	}
}
