/* expand.c - every address of a name, each a target of its own.
 *
 * Why the names are looked up before the run, and how. How many targets a
 * name makes, and so the order in which results are reported, the progress
 * line's total and the totals of the monitoring formats, is known only
 * from its lookup; the workers (workers.c) want the whole list before the
 * first target starts. So every name is looked up first, but never one
 * after another: up to EXPAND_THREADS lookups run at once, each ended at
 * its own deadline (net_resolve: getaddrinfo in a thread of its own, left
 * behind when its deadline passes), and their answers are taken in list
 * order through a window of EXPAND_WINDOW slots, so memory does not grow
 * with the list. 100,000 names that take 20 ms each are looked up in about
 * a minute, a small part of the time their tests take; address literals
 * need no lookup, and a list of nothing else starts no thread.
 *
 * The threads end before any worker process is forked; only a lookup left
 * behind at its deadline may still run, in the resolver's wait for an
 * answer, and a worker never looks a name up (its targets are addresses). */
#include "expand.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

_Static_assert(TARGET_ADDRESS_MAX == NET_ADDR_MAX, "a target holds any address net.c writes");

/* One target's answer, waiting in the window until its turn. */
struct slot {
	int done;
	int rc;		      /* net_resolve's; 0 with peer.n 0: nothing to look up */
	struct net_peer peer; /* the addresses */
	struct rt_error err;  /* why not, when rc < 0 */
};

struct pool {
	const struct target_list *in;
	int family, max_time_ms;
	long long run_deadline_ms;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	size_t next;  /* the next target to look up; in->n: stop */
	size_t taken; /* targets whose answer has been taken */
	struct slot slots[EXPAND_WINDOW];
};

static int needs_lookup(const struct target *t)
{
	return !t->literal && t->error[0] == '\0' && t->address[0] == '\0';
}

/* Look t up into s (nothing for a literal or an untestable target). */
static void look_up(const struct pool *pool, const struct target *t, struct slot *s)
{
	int64_t deadline = net_now_ms() + pool->max_time_ms;

	if (pool->run_deadline_ms > 0 && pool->run_deadline_ms < deadline)
		deadline = pool->run_deadline_ms;
	memset(&s->peer, 0, sizeof(s->peer));
	error_clear(&s->err);
	s->rc = needs_lookup(t)
			? net_resolve(&s->peer, t->host, t->port, pool->family, deadline, &s->err)
			: 0;
}

/* Claim the next target whose slot is free; returns in->n when none is left. */
static size_t claim(struct pool *pool)
{
	size_t i;

	pthread_mutex_lock(&pool->lock);
	while (pool->next < pool->in->n && pool->next >= pool->taken + EXPAND_WINDOW)
		pthread_cond_wait(&pool->changed, &pool->lock);
	i = pool->next;
	if (i < pool->in->n)
		pool->next++;
	pthread_mutex_unlock(&pool->lock);
	return i;
}

/* Its answer is there: whoever waits for it may take it. */
static void mark_done(struct pool *pool, struct slot *s)
{
	pthread_mutex_lock(&pool->lock);
	s->done = 1;
	pthread_cond_broadcast(&pool->changed);
	pthread_mutex_unlock(&pool->lock);
}

static void *lookup_thread(void *arg)
{
	struct pool *pool = arg;
	struct target t;

	for (size_t i = claim(pool); i < pool->in->n; i = claim(pool)) {
		targets_get(pool->in, i, &t);
		look_up(pool, &t, &pool->slots[i % EXPAND_WINDOW]);
		mark_done(pool, &pool->slots[i % EXPAND_WINDOW]);
	}
	return NULL;
}

size_t expand_distinct(const struct net_peer *peer, char addrs[][TARGET_ADDRESS_MAX])
{
	size_t n = 0;

	for (size_t i = 0; i < peer->n && i < NET_PEER_ADDRS_MAX; i++) {
		size_t k = 0;

		net_address_text((const struct sockaddr *)&peer->addrs[i], addrs[n],
				 TARGET_ADDRESS_MAX);
		if (addrs[n][0] == '\0')
			continue;
		while (k < n && strcmp(addrs[k], addrs[n]) != 0)
			k++;
		n += k == n; /* kept unless seen before */
	}
	return n;
}

int expand_append(struct target_list *out, const struct target *t, char addrs[][TARGET_ADDRESS_MAX],
		  size_t n, const char *why)
{
	struct target each = *t;

	if (why != NULL) {
		text_copy(each.error, sizeof(each.error), why);
		return targets_append(out, &each);
	}
	if (n == 0)
		return targets_append(out, &each);
	for (size_t i = 0; i < n; i++) {
		text_copy(each.address, sizeof(each.address), addrs[i]);
		each.several = n > 1;
		if (targets_append(out, &each) < 0)
			return -1;
	}
	return 0;
}

/* Append target i's targets from its slot s to out. */
static int take(const struct pool *pool, size_t i, const struct slot *s, struct target_list *out)
{
	char addrs[NET_PEER_ADDRS_MAX][TARGET_ADDRESS_MAX];
	struct target t;
	size_t n;

	targets_get(pool->in, i, &t);
	if (s->rc < 0)
		return expand_append(out, &t, NULL, 0, s->err.msg);
	n = expand_distinct(&s->peer, addrs);
	if (n == 0 && needs_lookup(&t)) {
		char why[TARGET_ERROR_MAX];

		text_format(why, sizeof(why), "cannot resolve %s: no address", t.host);
		return expand_append(out, &t, NULL, 0, why);
	}
	return expand_append(out, &t, addrs, n, NULL);
}

/* Wait for target i's answer (looked up here when no thread runs), take
 * it into out and free its slot. */
static int take_next(struct pool *pool, size_t nthreads, size_t i, struct target_list *out)
{
	struct slot *s = &pool->slots[i % EXPAND_WINDOW];
	int rc;

	if (nthreads == 0) {
		struct target t;

		targets_get(pool->in, i, &t);
		look_up(pool, &t, s);
		s->done = 1;
	}
	pthread_mutex_lock(&pool->lock);
	while (!s->done)
		pthread_cond_wait(&pool->changed, &pool->lock);
	pthread_mutex_unlock(&pool->lock);
	rc = take(pool, i, s, out);
	pthread_mutex_lock(&pool->lock);
	s->done = 0;
	pool->taken++;
	if (rc < 0)
		pool->next = pool->in->n; /* no more lookups: the threads end */
	pthread_cond_broadcast(&pool->changed);
	pthread_mutex_unlock(&pool->lock);
	return rc;
}

/* Every target's answers into out, in order, with up to EXPAND_THREADS
 * threads looking up (none if none can start: one at a time here). */
static int take_all(struct pool *pool, size_t names, struct target_list *out)
{
	pthread_t threads[EXPAND_THREADS];
	size_t nthreads = 0;
	int rc = 0;

	while (nthreads < names && nthreads < EXPAND_THREADS &&
	       pthread_create(&threads[nthreads], NULL, lookup_thread, pool) == 0)
		nthreads++;
	if (nthreads == 0)
		pool->next = pool->in->n; /* what a thread would claim, take_next does */
	for (size_t i = 0; i < pool->in->n && rc == 0; i++)
		rc = take_next(pool, nthreads, i, out);
	for (size_t k = 0; k < nthreads; k++)
		pthread_join(threads[k], NULL);
	return rc;
}

int expand_targets(struct target_list *list, int family, int max_time_ms, long long run_deadline_ms,
		   char *err, size_t cap)
{
	struct target_list out = { 0 };
	struct pool *pool;
	struct target t;
	size_t names = 0;
	int rc;

	for (size_t i = 0; i < list->n; i++) {
		targets_get(list, i, &t);
		names += needs_lookup(&t);
	}
	if (names == 0)
		return 0;
	pool = calloc(1, sizeof(*pool));
	if (pool == NULL) {
		snprintf(err, cap, "out of memory before looking up %zu names", names);
		return -1;
	}
	pool->in = list;
	pool->family = family;
	pool->max_time_ms = max_time_ms;
	pool->run_deadline_ms = run_deadline_ms;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->changed, NULL);
	rc = take_all(pool, names, &out);
	pthread_cond_destroy(&pool->changed);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
	if (rc < 0) {
		if (out.n >= TARGETS_MAX)
			snprintf(err, cap,
				 "too many targets once every address of each name "
				 "is counted (at most %d)",
				 TARGETS_MAX);
		else
			snprintf(err, cap, "out of memory after %zu targets", out.n);
		targets_free(&out);
		return -1;
	}
	targets_free(list);
	*list = out;
	return 0;
}
