/* fuzz_engine.c - libFuzzer target: the input plays the server, connection
 * by connection, against the whole engine (run_target): the probe, the plan,
 * lanes on several connections at once (threads), pipelined groups and
 * lock-step, reconnects, reruns and the refusal paths.
 *
 * Input: a flags byte, then each connection's script in turn, separated by
 * NUL bytes (a connection beyond the last script sees the server close at
 * once). A script is the server's replies separated by 0x01 bytes: the first
 * is sent on connect (the greeting), each next one after a command line is
 * read; when they run out the server closes. A 0x02 byte inside a reply
 * pauses it 8 ms. Each connection is a socketpair with a thread playing the
 * server end. Flags: bit 0 --no-pipelining, bits 1-2 --connections 1-4, bit
 * 3 connections made ahead of the plan, bits 4-5 the error budget (1, 2, 4,
 * 8), bit 6 a reply 4 ms late hands on the tests behind it (and widens to
 * 20 connections) instead of one 1 s late.
 *
 * Checked after each run (check): the engine's invariants. TLS stays
 * off (--tls no): the fuzz and sanitizer builds cover the TLS-free paths.
 * FUZZ_ENGINE_SHOW=1 in the environment prints each result as JSON. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "report.h"
#include "run.h"
#include "target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_INPUT_MAX ((size_t)32 * 1024)
#define FUZZ_CONNECTIONS_MAX 48 /* then connections are refused */

/* One connection's server: its script and its end of the socketpair. */
struct played {
	const uint8_t *script;
	size_t len;
	int fd;
	pthread_t thread;
};

struct server {
	const uint8_t *data; /* the scripts, NUL-separated */
	size_t size, pos;
	struct played conns[FUZZ_CONNECTIONS_MAX];
	size_t n;
	pthread_mutex_t lock; /* lanes connect from several threads */
};

/* Send the script's next reply (up to 0x01 or its end), pausing at each
 * 0x02; 0 when none is left. */
static int send_next(struct played *p, size_t *at)
{
	size_t end = *at;

	if (*at >= p->len)
		return 0;
	while (end < p->len && p->script[end] != 1) {
		size_t piece = end;
		struct timespec pause = { 0, 8000000L };

		while (end < p->len && p->script[end] != 1 && p->script[end] != 2)
			end++;
		if (end > piece && send(p->fd, p->script + piece, end - piece, MSG_NOSIGNAL) < 0)
			return 0;
		if (end < p->len && p->script[end] == 2) {
			nanosleep(&pause, NULL);
			end++;
		}
	}
	*at = end + 1;
	return 1;
}

/* The server end: greeting, then one reply per command line read. */
static void *play(void *arg)
{
	struct played *p = arg;
	size_t at = 0;
	char c;

	if (send_next(p, &at))
		while (read(p->fd, &c, 1) == 1)
			if (c == '\n' && !send_next(p, &at))
				break;
	shutdown(p->fd, SHUT_WR); /* the client sees the server close */
	return NULL;
}

/* The hook net_connect calls: a socketpair whose server end plays the next
 * script. */
static int next_connection(void *ctx)
{
	struct server *sv = ctx;
	int pair[2], fd = -1;

	pthread_mutex_lock(&sv->lock);
	if (sv->n < FUZZ_CONNECTIONS_MAX && socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0) {
		struct played *p = &sv->conns[sv->n];
		size_t end = sv->pos;

		while (end < sv->size && sv->data[end] != 0)
			end++;
		p->script = sv->data + sv->pos;
		p->len = end - sv->pos;
		p->fd = pair[1];
		sv->pos = end < sv->size ? end + 1 : end;
		if (pthread_create(&p->thread, NULL, play, p) == 0) {
			sv->n++;
			fd = pair[0];
		} else {
			close(pair[0]);
			close(pair[1]);
		}
	}
	pthread_mutex_unlock(&sv->lock);
	return fd;
}

/* The engine's invariants: a status of the table; every selected test
 * decided, with exactly one verdict, counted once; no test run more than
 * once again, and only when the run asked for it (plan_reruns), nor
 * interrupted more than twice; never more
 * connections at once than allowed. */
static void check(const struct target_result *res, const struct engine_params *p)
{
	size_t counted = 0, total = 0;

	if (res->status != RUN_OPEN && res->status != RUN_CLOSED &&
	    res->status != RUN_INCONCLUSIVE && res->status != RUN_UNTESTED)
		abort();
	if (!res->tested)
		return;
	for (size_t i = 0; i < res->ntests; i++) {
		const struct test_result *tr = &res->tests[i];

		if ((int)tr->verdict < 0 || tr->verdict >= VERDICT_COUNT)
			abort();
		if (tr->state != TEST_DECIDED || tr->reruns > 1 || tr->interruptions > 2)
			abort();
		if (tr->tc->group != CASE_CONTROL)
			counted++;
	}
	for (int v = 0; v < VERDICT_COUNT; v++)
		total += res->counts[v];
	if (total != counted || res->max_connections > (unsigned)p->connections)
		abort();
	if (res->status == RUN_OPEN && res->counts[VERDICT_ACCEPTED] == 0)
		abort();
}

/* The engine's parameters as relaytest --tls no 127.0.0.1:25 sets them. */
static void base_params(struct engine_params *p)
{
	memset(p, 0, sizeof(*p));
	p->family = 0; /* AF_UNSPEC */
	p->error_budget = 8;
	p->from = "probe@example.org";
	p->to = "probe@example.net";
	p->tls = ENGINE_TLS_NO;
	p->late_ms = ENGINE_LATE_MS;
	for (size_t i = 0; i < cases_count; i++)
		p->selected[i] = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct target target;
	static int ready;
	struct server sv;
	struct engine_params p;
	struct target_result *res;
	unsigned flags;

	if (!ready) {
		char err[512];

		if (target_parse("127.0.0.1:25", 25, &target, err, sizeof(err)) < 0)
			abort();
		/* SIGPIPE keeps its default here: over plain sockets the engine
		 * must not depend on main.c ignoring it (every write uses
		 * MSG_NOSIGNAL), so a write to a closed script kills the fuzzer. */
		ready = 1;
	}
	if (size < 1 || size > FUZZ_INPUT_MAX)
		return 0;
	flags = data[0];
	base_params(&p);
	p.no_pipelining = flags & 1;
	p.connections = 1 + (int)((flags >> 1) & 3);
	p.alone = (flags >> 3) & 1;
	p.error_budget = 1 << ((flags >> 4) & 3);
	p.late_ms = (flags >> 6) & 1 ? 4 : ENGINE_LATE_MS;
	p.timeout_ms = 20;   /* a script that stops replying costs little */
	p.max_time_ms = 300; /* under the 1 s that lets a refused reconnect pause */
	p.connect_hook = next_connection;
	p.connect_ctx = &sv;
	memset(&sv, 0, sizeof(sv));
	sv.data = data + 1;
	sv.size = size - 1;
	pthread_mutex_init(&sv.lock, NULL);
	res = calloc(1, sizeof(*res));
	if (res == NULL)
		return 0;
	run_target(&p, &target, res);
	check(res, &p);
	if (getenv("FUZZ_ENGINE_SHOW") != NULL)
		report_json(stdout, res);
	run_free(res);
	free(res);
	for (size_t i = 0; i < sv.n; i++) {
		shutdown(sv.conns[i].fd, SHUT_RDWR); /* ends a read still waiting */
		pthread_join(sv.conns[i].thread, NULL);
		close(sv.conns[i].fd);
	}
	pthread_mutex_destroy(&sv.lock);
	return 0;
}
