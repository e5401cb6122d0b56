/* test_tally.c - the run summary line over several targets. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tally.h"

void test_tally_line(void);

/* name is "host:port" (the last colon splits them). */
static void add(struct tally *t, const char *name, enum run_status st)
{
	static struct target_result res; /* large: not on the stack */
	const char *colon = strrchr(name, ':');

	memset(&res, 0, sizeof(res));
	snprintf(res.target.host, sizeof(res.target.host), "%.*s", (int)(colon - name), name);
	snprintf(res.target.port, sizeof(res.target.port), "%s", colon + 1);
	res.status = st;
	tally_add(t, &res);
}

void test_tally_line(void)
{
	static struct tally t;
	static char line[TALLY_LINE_MAX];
	char name[32];

	/* The issue's own example. */
	memset(&t, 0, sizeof(t));
	add(&t, "mx1:25", RUN_CLOSED);
	add(&t, "mx2:25", RUN_OPEN);
	add(&t, "mx3:25", RUN_INCONCLUSIVE);
	tally_line(&t, line, sizeof(line));
	CHECK_STR(line, "3 servers: 1 open relay (mx2:25), 1 inconclusive (mx3:25), 1 closed");

	/* Every result, plurals, the severity order; closed ones are not named. */
	memset(&t, 0, sizeof(t));
	add(&t, "a:25", RUN_INCONCLUSIVE);
	add(&t, "b:25", RUN_UNTESTED);
	add(&t, "c:25", RUN_OPEN);
	add(&t, "d:25", RUN_OPEN);
	add(&t, "e:25", RUN_CLOSED);
	add(&t, "f:25", RUN_CLOSED);
	tally_line(&t, line, sizeof(line));
	CHECK_STR(line, "6 servers: 2 open relays (c:25, d:25), 1 not tested (b:25), "
			"1 inconclusive (a:25), 2 closed");

	/* All closed: nothing but the count. */
	memset(&t, 0, sizeof(t));
	add(&t, "a:25", RUN_CLOSED);
	add(&t, "b:25", RUN_CLOSED);
	tally_line(&t, line, sizeof(line));
	CHECK_STR(line, "2 servers: 2 closed");

	/* Hundreds of targets: five names, the rest counted. */
	memset(&t, 0, sizeof(t));
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "mx%d:25", i);
		add(&t, name, i % 50 == 0 ? RUN_OPEN : i < 120 ? RUN_UNTESTED : RUN_CLOSED);
	}
	tally_line(&t, line, sizeof(line));
	CHECK_STR(line, "200 servers: 4 open relays (mx0:25, mx50:25, mx100:25, mx150:25), "
			"117 not tested (mx1:25, mx2:25, mx3:25, mx4:25, mx5:25 and 112 more), "
			"79 closed");

	/* Hostile names are shown escaped; a small buffer is cut, terminated. */
	memset(&t, 0, sizeof(t));
	add(&t, "evil\033[2J:25", RUN_OPEN);
	add(&t, "b:25", RUN_OPEN);
	tally_line(&t, line, sizeof(line));
	CHECK(strchr(line, '\033') == NULL);
	CHECK(strstr(line, "evil\\x1b[2J:25") != NULL);
	tally_line(&t, line, 12);
	CHECK_STR(line, "2 servers: ");

	/* An IPv6 address in brackets, as the report's header shows it. */
	memset(&t, 0, sizeof(t));
	add(&t, "2001:db8::25:2525", RUN_INCONCLUSIVE);
	add(&t, "mx1:25", RUN_CLOSED);
	tally_line(&t, line, sizeof(line));
	CHECK_STR(line, "2 servers: 1 inconclusive ([2001:db8::25]:2525), 1 closed");
}
