/* progress.c - the progress line on a terminal's stderr. */
#include "progress.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "run.h"
#include "text.h"

/* A wait this long is worth naming with several targets, too. */
#define PROGRESS_LONG_WAIT_MS 2000

struct progress {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	int show, threaded, stop;
	int hidden;   /* progress_hide calls not yet undone */
	size_t drawn; /* columns of the line on screen now; 0: none */
	size_t total, done;
	size_t n[RUN_UNTESTED + 1]; /* finished targets by status */
	int64_t started_ms, target_ms, drawn_ms;
	char name[4 * (TEXT_ARG_MAX + 8)]; /* the target tested in this process */
	struct waits waits;
};

static struct progress pg = { .lock = PTHREAD_MUTEX_INITIALIZER };
volatile sig_atomic_t progress_drawn;

int progress_wanted(int quiet)
{
	return !quiet && isatty(STDERR_FILENO);
}

/* " ETA 40 s" from the pace so far; nothing before the first target ends. */
static void add_eta(char *buf, size_t cap, int64_t now)
{
	size_t used = strlen(buf);
	int64_t left;

	if (pg.done == 0 || pg.done >= pg.total || used >= cap)
		return;
	left = (now - pg.started_ms) / (int64_t)pg.done * (int64_t)(pg.total - pg.done) / 1000;
	if (left < 100)
		snprintf(buf + used, cap - used, ", ETA %lld s", (long long)left);
	else
		snprintf(buf + used, cap - used, ", ETA %lld min", (long long)(left + 59) / 60);
}

/* ", 2 inconclusive": only counts that are not zero. */
static void add_count(char *buf, size_t cap, size_t n, const char *what, const char **sep)
{
	size_t used = strlen(buf);

	if (n == 0 || used >= cap)
		return;
	snprintf(buf + used, cap - used, "%s%zu %s", *sep, n, what);
	*sep = ", ";
}

/* " (3 connections waiting)" when several wait and it fits the line. */
static void add_others(char *buf, size_t cap, unsigned n)
{
	size_t used = strlen(buf);
	char more[48];

	snprintf(more, sizeof(more), " (%u connections waiting)", n);
	if (n > 1 && used + strlen(more) <= PROGRESS_WIDTH && used + strlen(more) < cap)
		memcpy(buf + used, more, strlen(more) + 1);
}

/* The line as it should read now (called locked); draw cuts it to the width. */
static void compose(char *buf, size_t cap, int64_t now)
{
	char wait[160] = "";
	unsigned n = 0;
	int64_t waited = pg.threaded ? waits_describe(&pg.waits, now, wait, sizeof(wait), &n) : -1;
	const char *sep = ": ";

	if (pg.total == 1) {
		if (waited < 1000) /* a wait under a second is just testing */
			snprintf(wait, sizeof(wait), "testing, %lld s",
				 (long long)((now - pg.target_ms) / 1000));
		snprintf(buf, cap, "relaytest: %s: %s", pg.name, wait);
		if (waited >= 1000)
			add_others(buf, cap, n);
		return;
	}
	snprintf(buf, cap, "relaytest: %zu/%zu done", pg.done, pg.total);
	add_count(buf, cap, pg.n[RUN_OPEN], "open", &sep);
	add_count(buf, cap, pg.n[RUN_INCONCLUSIVE], "inconclusive", &sep);
	add_count(buf, cap, pg.n[RUN_UNTESTED], "not tested", &sep);
	add_eta(buf, cap, now);
	if (waited >= PROGRESS_LONG_WAIT_MS) {
		size_t used = strlen(buf);

		/* The target's name when the line has room for it. */
		if (used + strlen(pg.name) + strlen(wait) + 4 <= PROGRESS_WIDTH)
			snprintf(buf + used, cap - used, "; %s: %s", pg.name, wait);
		else
			snprintf(buf + used, cap - used, "; %s", wait);
		add_others(buf, cap, n);
	}
}

/* Take the line off the screen (called locked). */
static void erase(void)
{
	if (pg.drawn == 0)
		return;
	fprintf(stderr, "\r%*s\r", (int)pg.drawn, "");
	fflush(stderr);
	pg.drawn = 0;
	progress_drawn = 0;
}

/* Draw the line when it is due (called locked). */
static void draw(int force)
{
	char line[sizeof(pg.name) + 512];
	int64_t now = net_now_ms();
	size_t len;

	/* Nothing once every target is done: only reports come after. */
	if (!pg.show || pg.hidden > 0 || pg.stop || pg.done >= pg.total ||
	    now - pg.started_ms < PROGRESS_DELAY_MS || (!force && now - pg.drawn_ms < 1000))
		return;
	compose(line, sizeof(line), now);
	len = strlen(line);
	if (len > PROGRESS_WIDTH) /* never wrapped: \r must reach its start */
		len = PROGRESS_WIDTH;
	line[len] = '\0';
	/* Blanks over what a longer line left. */
	fprintf(stderr, "\r%s%*s", line, pg.drawn > len ? (int)(pg.drawn - len) : 0, "");
	if (pg.drawn > len)
		fprintf(stderr, "\r%s", line);
	fflush(stderr);
	pg.drawn = len;
	progress_drawn = (sig_atomic_t)len;
	pg.drawn_ms = now;
}

static void *redraw(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&pg.lock);
	while (!pg.stop) {
		struct timespec until;

		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&pg.wake, &pg.lock, &until);
		draw(0);
	}
	pthread_mutex_unlock(&pg.lock);
	return NULL;
}

void progress_start(size_t total, int show, int own_thread)
{
	pthread_condattr_t attr;

	pthread_mutex_lock(&pg.lock);
	pg.show = show;
	pg.stop = pg.hidden = 0;
	pg.drawn = pg.done = 0;
	memset(pg.n, 0, sizeof(pg.n));
	pg.total = total;
	pg.started_ms = pg.target_ms = pg.drawn_ms = net_now_ms();
	pthread_mutex_unlock(&pg.lock);
	if (!show || !own_thread)
		return;
	waits_init(&pg.waits);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&pg.wake, &attr);
	pthread_condattr_destroy(&attr);
	/* Without the thread the line is drawn as targets finish: slower, not wrong. */
	pg.threaded = pthread_create(&pg.thread, NULL, redraw, NULL) == 0;
	if (!pg.threaded) {
		pthread_cond_destroy(&pg.wake);
		waits_destroy(&pg.waits);
	}
}

struct waits *progress_waits(void)
{
	return pg.threaded ? &pg.waits : NULL;
}

void progress_target(const char *name)
{
	if (!pg.show)
		return;
	pthread_mutex_lock(&pg.lock);
	text_sanitize(pg.name, sizeof(pg.name), name, strlen(name));
	pg.target_ms = net_now_ms();
	if (pg.threaded)
		waits_clear(&pg.waits);
	pthread_mutex_unlock(&pg.lock);
}

void progress_done(int status)
{
	if (!pg.show)
		return;
	pthread_mutex_lock(&pg.lock);
	pg.done++;
	if (status >= RUN_CLOSED && status <= RUN_UNTESTED)
		pg.n[status]++;
	draw(1);
	pthread_mutex_unlock(&pg.lock);
}

void progress_tick(void)
{
	if (!pg.show)
		return;
	pthread_mutex_lock(&pg.lock);
	draw(0);
	pthread_mutex_unlock(&pg.lock);
}

void progress_hide(void)
{
	if (!pg.show)
		return;
	pthread_mutex_lock(&pg.lock);
	pg.hidden++;
	erase();
	pthread_mutex_unlock(&pg.lock);
}

void progress_show(void)
{
	if (!pg.show)
		return;
	pthread_mutex_lock(&pg.lock);
	if (pg.hidden > 0)
		pg.hidden--;
	pthread_mutex_unlock(&pg.lock);
}

void progress_stop(void)
{
	if (!pg.show)
		return;
	pthread_mutex_lock(&pg.lock);
	pg.stop = 1;
	erase();
	if (pg.threaded)
		pthread_cond_signal(&pg.wake);
	pthread_mutex_unlock(&pg.lock);
	if (pg.threaded) {
		pthread_join(pg.thread, NULL);
		pthread_cond_destroy(&pg.wake);
		waits_destroy(&pg.waits);
		pg.threaded = 0;
	}
	pg.show = 0;
}
