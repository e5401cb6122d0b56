/* workers.c - worker processes for --jobs, with results in input order.
 *
 * A worker runs run_target and writes the whole struct target_result down a
 * pipe, followed by its transcript. The parent is the same program image, so
 * the result's pointers into cases_table stay valid; only the transcript
 * buffer is rebuilt. */
#include "workers.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct slot {
	pid_t pid;
	int fd;
	size_t index;
	char *buf; /* what the worker sent */
	size_t len, cap;
};

/* The progress line on a terminal's stderr, cleared whenever a report is
 * about to be printed so the two never mix. */
static void progress(size_t done, size_t total, int show)
{
	if (!show)
		return;
	fprintf(stderr, "\r%*s\r", 60, "");
	if (done < total)
		fprintf(stderr, "relaytest: %zu of %zu targets done", done, total);
	fflush(stderr);
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* run_target within the whole run's deadline. */
static void run_one(const struct config *cfg, const struct target *t, struct target_result *res)
{
	struct config mine = *cfg;
	struct target late;
	long long left;

	if (cfg->run_deadline_ms <= 0) {
		run_target(cfg, t, res);
		return;
	}
	left = cfg->run_deadline_ms - (long long)net_now_ms();
	if (left < 1000) {
		late = *t;
		snprintf(late.error, sizeof(late.error), "%s", WORKERS_RUN_TIME_OUT);
		run_target(cfg, &late, res);
		return;
	}
	if (left < mine.max_time_ms)
		mine.max_time_ms = (int)left;
	run_target(&mine, t, res);
}

static void worker(const struct config *cfg, const struct target *t, int fd)
{
	struct target_result *res = malloc(sizeof(*res));

	if (res == NULL)
		_exit(70);
	run_one(cfg, t, res);
	if (write_all(fd, res, sizeof(*res)) < 0 ||
	    (res->log.len > 0 && write_all(fd, res->log.buf, res->log.len) < 0))
		_exit(71);
	_exit(0);
}

/* Turn what a finished worker sent into a result (a failed worker gives an
 * untested one that says so). */
static struct target_result *collect(const struct config *cfg, const struct target *t,
				     struct slot *s, int wstatus)
{
	struct target_result *res = malloc(sizeof(*res));

	if (res == NULL)
		return NULL;
	if (s->len < sizeof(*res)) {
		struct target failed = *t;

		if (WIFSIGNALED(wstatus))
			snprintf(failed.error, sizeof(failed.error),
				 "internal error: the worker testing this target died (signal %d)",
				 WTERMSIG(wstatus));
		else
			snprintf(failed.error, sizeof(failed.error),
				 "internal error: the worker testing this target ended early (exit "
				 "%d)",
				 WEXITSTATUS(wstatus));
		run_target(cfg, &failed, res);
		return res;
	}
	memcpy(res, s->buf, sizeof(*res));
	transcript_init(&res->log, res->log.enabled);
	if (s->len > sizeof(*res)) {
		size_t n = s->len - sizeof(*res);

		res->log.buf = malloc(n + 1);
		if (res->log.buf != NULL) {
			memcpy(res->log.buf, s->buf + sizeof(*res), n);
			res->log.buf[n] = '\0';
			res->log.len = n;
			res->log.cap = n + 1;
		}
	}
	return res;
}

static int start(const struct config *cfg, const struct target_list *list, size_t index,
		 struct slot *s)
{
	int fds[2];

	if (pipe(fds) < 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	s->pid = fork();
	if (s->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (s->pid == 0) {
		close(fds[0]);
		worker(cfg, &list->items[index], fds[1]);
	}
	close(fds[1]);
	s->fd = fds[0];
	s->index = index;
	s->len = 0;
	return 0;
}

/* Read what is there; returns 1 at end of file. */
static int drain(struct slot *s)
{
	for (;;) {
		ssize_t n;

		if (s->cap - s->len < 65536) {
			size_t cap = s->cap == 0 ? 262144 : s->cap * 2;
			char *bigger = realloc(s->buf, cap);

			if (bigger == NULL)
				return 1; /* treated as a worker that ended early */
			s->buf = bigger;
			s->cap = cap;
		}
		n = read(s->fd, s->buf + s->len, s->cap - s->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 1;
		s->len += (size_t)n;
		if ((size_t)n < 65536)
			return 0;
	}
}

static int run_parallel(const struct config *cfg, const struct target_list *list, int jobs,
			workers_emit_fn emit, void *ctx)
{
	struct slot *slots = calloc((size_t)jobs, sizeof(*slots));
	struct target_result **done = calloc(list->n, sizeof(struct target_result *));
	struct pollfd *pfds = calloc((size_t)jobs, sizeof(*pfds));
	size_t next_start = 0, next_emit = 0, finished = 0;
	int show = isatty(STDERR_FILENO) && list->n > 1, rc = 0;

	if (slots == NULL || done == NULL || pfds == NULL) {
		free(slots);
		free(done);
		free(pfds);
		return -1;
	}
	for (int i = 0; i < jobs; i++)
		slots[i].pid = -1;
	while (next_emit < list->n) {
		int active = 0;

		for (int i = 0; i < jobs && next_start < list->n; i++)
			if (slots[i].pid < 0 && start(cfg, list, next_start, &slots[i]) == 0)
				next_start++;
		for (int i = 0; i < jobs; i++) {
			pfds[i].fd = slots[i].pid < 0 ? -1 : slots[i].fd;
			pfds[i].events = POLLIN;
			active += slots[i].pid >= 0;
		}
		if (active == 0) {
			rc = -1; /* fork keeps failing: nothing can progress */
			break;
		}
		if (poll(pfds, (nfds_t)jobs, -1) < 0 && errno != EINTR) {
			rc = -1;
			break;
		}
		for (int i = 0; i < jobs; i++) {
			struct slot *s = &slots[i];
			int wstatus = 0;

			if (s->pid < 0 || !(pfds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (!drain(s))
				continue;
			close(s->fd);
			while (waitpid(s->pid, &wstatus, 0) < 0 && errno == EINTR)
				;
			s->pid = -1;
			done[s->index] = collect(cfg, &list->items[s->index], s, wstatus);
			progress(++finished, list->n, show);
		}
		if (next_emit < list->n && done[next_emit] != NULL) {
			progress(list->n, list->n, show);
			while (next_emit < list->n && done[next_emit] != NULL) {
				emit(done[next_emit], ctx);
				done[next_emit++] = NULL;
			}
			progress(finished, list->n, show);
		}
	}
	for (int i = 0; i < jobs; i++) {
		if (slots[i].pid > 0) {
			kill(slots[i].pid, SIGTERM);
			waitpid(slots[i].pid, NULL, 0);
			close(slots[i].fd);
		}
		free(slots[i].buf);
	}
	for (size_t i = 0; i < list->n; i++) {
		if (done[i] != NULL) {
			run_free(done[i]);
			free(done[i]);
		}
	}
	free(slots);
	free(done);
	free(pfds);
	return rc;
}

int workers_run(const struct config *cfg, const struct target_list *list, int jobs,
		workers_emit_fn emit, void *ctx)
{
	int show = isatty(STDERR_FILENO) && list->n > 1;

	if (list->n == 0)
		return 0;
	if (jobs > (int)list->n)
		jobs = (int)list->n;
	if (jobs > 1)
		return run_parallel(cfg, list, jobs, emit, ctx);
	for (size_t i = 0; i < list->n; i++) {
		struct target_result *res = malloc(sizeof(*res));

		if (res == NULL)
			return -1;
		run_one(cfg, &list->items[i], res);
		progress(list->n, list->n, show);
		emit(res, ctx);
		progress(i + 1, list->n, show);
	}
	return 0;
}
