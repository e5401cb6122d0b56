/* test_targets.c - the target list: one entry per server, in order. */
#include <string.h>

#include "check.h"
#include "targets.h"

void test_targets_once(void);

/* A server named twice (another spelling, another form of its address, a
 * port list that repeats, a second --mx domain) is one target: tested once,
 * reported once, with the first mention's mail domain. */
void test_targets_once(void)
{
	struct target_list list = { 0 };
	struct target t;
	char err[256];
	const int ports[] = { 25, 25, 587 };

	CHECK(targets_add(&list, "mx.example.com", ports, 1, "a.example", err, sizeof(err)) == 0);
	CHECK(targets_add(&list, "MX.Example.COM", ports, 1, "b.example", err, sizeof(err)) == 0);
	CHECK(targets_add(&list, "mx.example.com:25", ports, 1, NULL, err, sizeof(err)) == 0);
	CHECK(list.n == 1);
	targets_get(&list, 0, &t);
	CHECK(strcmp(t.domain, "a.example") == 0);
	CHECK(targets_add(&list, "192.0.2.1", ports, 3, NULL, err, sizeof(err)) == 0);
	CHECK(list.n == 3); /* 192.0.2.1 on 25 (once) and on 587 */
	CHECK(targets_add(&list, "[2001:db8::1]:2525", ports, 1, NULL, err, sizeof(err)) == 0);
	CHECK(targets_add(&list, "[2001:0db8:0:0:0:0:0:1]:2525", ports, 1, NULL, err,
			  sizeof(err)) == 0);
	CHECK(targets_add(&list, "[2001:DB8::1]:2525", ports, 1, NULL, err, sizeof(err)) == 0);
	CHECK(list.n == 4);
	CHECK(targets_add(&list, "mx.example.com:2525", ports, 1, NULL, err, sizeof(err)) == 0);
	CHECK(list.n == 5); /* another port is another server */
	/* Enough to make the set grow several times, all kept, in order. */
	for (int i = 0; i < 300; i++) {
		char name[32];

		snprintf(name, sizeof(name), "h%d.example:%d", i % 150, 1000 + i % 150);
		CHECK(targets_add(&list, name, ports, 1, NULL, err, sizeof(err)) == 0);
	}
	CHECK(list.n == 155);
	targets_get(&list, 154, &t);
	CHECK(strcmp(t.name, "h149.example:1149") == 0);
	targets_free(&list);
}
