/* crew.c - the connections at once: one thread each, each with its runner,
 * and more of them when replies come late. */
#include <stdlib.h>
#include <string.h>

#include "runner.h"

struct crew {
	pthread_t threads[ENGINE_CONNECTIONS_MAX];
	struct runner helpers[ENGINE_CONNECTIONS_MAX];
	size_t started;
	void *(*body)(void *);
};

/* A connection's thread, with a stack of its own size: the default is
 * RLIMIT_STACK (ulimit -s) on glibc and 128 KiB on musl, neither ours to
 * rely on. The engine's large buffers are on the heap. */
static int start_thread(pthread_t *thread, void *(*body)(void *), void *arg)
{
	pthread_attr_t attr;
	int rc;

	if (pthread_attr_init(&attr) != 0)
		return -1;
	rc = pthread_attr_setstacksize(&attr, RUN_THREAD_STACK);
	if (rc == 0)
		rc = pthread_create(thread, &attr, body, arg);
	pthread_attr_destroy(&attr);
	return rc;
}

/* Start helpers until the crew has want - 1 (beside the caller's own). */
static void crew_add(struct engine *eng, struct crew *c, size_t want, int timeout_ms,
		     int64_t end_ms)
{
	for (size_t i = c->started + 1; i < want && i < ENGINE_CONNECTIONS_MAX; i++) {
		struct runner *h = &c->helpers[c->started];

		memset(h, 0, sizeof(*h));
		h->eng = eng;
		h->p = eng->p;
		h->res = eng->res;
		session_init(&h->s, &eng->res->log, timeout_ms, end_ms);
		h->s.waits = eng->p->waits;
		if (start_thread(&c->threads[c->started], c->body, h) != 0)
			break; /* fewer connections at once: slower, not wrong */
		c->started++;
	}
}

void crew_start(struct engine *eng, size_t want, void *(*body)(void *))
{
	struct crew *c = calloc(1, sizeof(*c));

	pthread_mutex_lock(&eng->lock);
	eng->crew = c;
	if (c != NULL) {
		c->body = body;
		crew_add(eng, c, want, eng->p->timeout_ms, eng->end_ms);
	}
	eng->planned = 1;
	pthread_cond_broadcast(&eng->changed);
	pthread_mutex_unlock(&eng->lock);
}

void crew_widen(struct engine *eng)
{
	pthread_mutex_lock(&eng->lock);
	if (!eng->late) {
		unsigned wide = (unsigned)eng->p->connections;

		eng->late = 1;
		if (wide > eng->socket_room)
			wide = eng->socket_room; /* our open-file limit */
		if (eng->quirk->connections > 0 && wide > eng->quirk->connections)
			wide = eng->quirk->connections; /* the software's own per-client limit */
		/* Not when each new connection costs a slow greeting: late
		 * replies there (Postfix's error slow-down) cost less. */
		if (!eng->res->concurrency_refused && !eng->scarce && !eng->costly &&
		    eng->max_busy < wide && eng->crew != NULL) {
			eng->max_busy = wide;
			crew_add(eng, eng->crew, wide, eng->p->timeout_ms, eng->end_ms);
			transcript_note(&eng->res->log,
					"replies come late: up to %u connections at once", wide);
		}
	}
	pthread_mutex_unlock(&eng->lock);
}

void crew_finish(struct engine *eng)
{
	struct crew *c;

	pthread_mutex_lock(&eng->lock);
	c = eng->crew;
	eng->crew = NULL; /* no more helpers: the lanes are done */
	pthread_cond_broadcast(&eng->changed);
	pthread_mutex_unlock(&eng->lock);
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->started; i++)
		pthread_join(c->threads[i], NULL);
	free(c);
}

const char *crew_stopped(struct engine *eng)
{
	const char *stop;

	pthread_mutex_lock(&eng->lock);
	stop = eng->stop;
	pthread_mutex_unlock(&eng->lock);
	return stop;
}

void crew_stop(struct engine *eng, const char *why, const char *detail)
{
	pthread_mutex_lock(&eng->lock);
	if (eng->stop == NULL) {
		text_format(eng->stop_msg, sizeof(eng->stop_msg), "%s%s", why, detail);
		eng->stop = eng->stop_msg;
	}
	pthread_mutex_unlock(&eng->lock);
}
