/* test_expand.c - every address of a name: the distinct addresses of a
 * lookup, the targets they make, and the label each is reported under. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "check.h"
#include "expand.h"

void test_expand_distinct(void);
void test_expand_append(void);
void test_target_label(void);

/* Add address text (IPv4 or IPv6) to peer as getaddrinfo would. */
static void add_address(struct net_peer *peer, const char *text)
{
	struct sockaddr_storage *ss = &peer->addrs[peer->n];
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		peer->lens[peer->n++] = sizeof(*sin);
	} else if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		peer->lens[peer->n++] = sizeof(*sin6);
	}
}

/* In the resolver's order, each address once (one spelled two ways is one),
 * anything but IPv4 and IPv6 left out. */
void test_expand_distinct(void)
{
	struct net_peer peer;
	char addrs[NET_PEER_ADDRS_MAX][TARGET_ADDRESS_MAX];

	memset(&peer, 0, sizeof(peer));
	CHECK_INT(expand_distinct(&peer, addrs), 0);
	add_address(&peer, "192.0.2.7");
	add_address(&peer, "2001:db8::1");
	add_address(&peer, "192.0.2.7");
	add_address(&peer, "2001:0db8:0:0:0:0:0:1");
	peer.addrs[peer.n].ss_family = AF_UNIX;
	peer.lens[peer.n++] = sizeof(peer.addrs[0]);
	add_address(&peer, "192.0.2.8");
	CHECK_INT(expand_distinct(&peer, addrs), 3);
	CHECK_STR(addrs[0], "192.0.2.7");
	CHECK_STR(addrs[1], "2001:db8::1");
	CHECK_STR(addrs[2], "192.0.2.8");
	/* As many as a peer holds, all distinct. */
	memset(&peer, 0, sizeof(peer));
	for (int i = 0; i < NET_PEER_ADDRS_MAX; i++) {
		char text[32];

		snprintf(text, sizeof(text), "127.0.0.%d", i + 1);
		add_address(&peer, text);
	}
	CHECK_INT(expand_distinct(&peer, addrs), NET_PEER_ADDRS_MAX);
	CHECK_STR(addrs[NET_PEER_ADDRS_MAX - 1], "127.0.0.16");
}

/* A name of several addresses makes one target each, labelled with it; of
 * one, a target under its own name; a failed lookup, an untestable one. */
void test_expand_append(void)
{
	struct target_list list = { 0 };
	struct target t, got;
	char err[256], label[TARGET_LABEL_MAX];
	char addrs[2][TARGET_ADDRESS_MAX] = { "192.0.2.7", "2001:db8::1" };

	CHECK(target_parse("mx.example.com:2525", 25, &t, err, sizeof(err)) == 0);
	text_copy(t.domain, sizeof(t.domain), "example.com");
	CHECK(expand_append(&list, &t, addrs, 2, NULL) == 0);
	CHECK(expand_append(&list, &t, addrs, 1, NULL) == 0);
	CHECK(expand_append(&list, &t, addrs, 0, "cannot resolve mx.example.com: nope") == 0);
	CHECK(expand_append(&list, &t, addrs, 0, NULL) == 0);
	CHECK_INT(list.n, 5);
	targets_get(&list, 0, &got);
	CHECK_STR(got.name, "mx.example.com:2525");
	CHECK_STR(got.host, "mx.example.com");
	CHECK_STR(got.domain, "example.com");
	CHECK_STR(got.address, "192.0.2.7");
	CHECK(got.several && got.explicit_port && !got.literal);
	target_label(&got, TARGET_HOST_PORT, label, sizeof(label));
	CHECK_STR(label, "mx.example.com:2525 (192.0.2.7)");
	targets_get(&list, 1, &got);
	CHECK_STR(got.address, "2001:db8::1");
	target_label(&got, TARGET_HOST, label, sizeof(label));
	CHECK_STR(label, "mx.example.com (2001:db8::1)");
	targets_get(&list, 2, &got);
	CHECK_STR(got.address, "192.0.2.7");
	CHECK(!got.several);
	target_label(&got, TARGET_HOST_PORT, label, sizeof(label));
	CHECK_STR(label, "mx.example.com:2525");
	targets_get(&list, 3, &got);
	CHECK_STR(got.error, "cannot resolve mx.example.com: nope");
	CHECK_STR(got.address, "");
	targets_get(&list, 4, &got);
	CHECK(got.error[0] == '\0' && got.address[0] == '\0' && !got.several);
	targets_free(&list);
}

/* host:port as every report's header names it, an IPv6 literal bracketed;
 * the address only for one of several. */
void test_target_label(void)
{
	static const struct {
		const char *arg, *address;
		int several;
		enum target_form form;
		const char *want;
	} rows[] = {
		{ "mx.example.com", "", 0, TARGET_HOST_PORT, "mx.example.com:25" },
		{ "mx.example.com", "", 0, TARGET_HOST, "mx.example.com" },
		{ "mx.example.com", "", 0, TARGET_AS_GIVEN, "mx.example.com" },
		{ "[2001:db8::1]:2525", "", 0, TARGET_HOST_PORT, "[2001:db8::1]:2525" },
		{ "2001:db8::1", "", 0, TARGET_HOST, "2001:db8::1" },
		{ "2001:db8::1", "", 0, TARGET_HOST_PORT, "[2001:db8::1]:25" },
		{ "192.0.2.1:587", "", 0, TARGET_HOST_PORT, "192.0.2.1:587" },
		{ "MX.example.com:2525", "", 0, TARGET_AS_GIVEN, "MX.example.com:2525" },
		{ "mx.example.com", "192.0.2.7", 0, TARGET_HOST_PORT, "mx.example.com:25" },
		{ "mx.example.com", "2001:db8::7", 1, TARGET_HOST_PORT,
		  "mx.example.com:25 (2001:db8::7)" },
		{ "mx.example.com", "192.0.2.7", 1, TARGET_HOST, "mx.example.com (192.0.2.7)" },
		{ "mx.example.com", "192.0.2.7", 1, TARGET_AS_GIVEN, "mx.example.com (192.0.2.7)" },
	};
	char err[256], label[TARGET_LABEL_MAX], small[12];
	struct target t;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		CHECK(target_parse(rows[i].arg, 25, &t, err, sizeof(err)) == 0);
		text_copy(t.address, sizeof(t.address), rows[i].address);
		t.several = rows[i].several;
		target_label(&t, rows[i].form, label, sizeof(label));
		CHECK_STR(label, rows[i].want);
	}
	target_label(&t, TARGET_HOST_PORT, small, sizeof(small)); /* cut, terminated */
	CHECK_STR(small, "mx.example.");
}
