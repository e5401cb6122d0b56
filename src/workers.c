/* workers.c - worker processes for --jobs, with results in input order.
 *
 * A worker runs run_target and writes the struct target_result down a pipe,
 * packed (runs of zero bytes, which are most of it, squeezed out), followed
 * by its transcript. The parent is the same program image, so the result's
 * pointers into cases_table stay valid; only the transcript buffer is
 * rebuilt. A result that finishes before its turn waits packed in a
 * temporary file, never whole in memory, so a slow target at the head of a
 * long list costs disk (a few KiB a target), not RAM.
 *
 * SIGINT and SIGTERM stop every worker; so does the caller through
 * workers_stop (a report that can no longer be written). */
#include "workers.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

/* Descriptors the parent keeps for itself beyond one per worker. */
#define WORKERS_FD_RESERVE 16

struct slot {
	pid_t pid;
	int fd;
	size_t index;
	char *buf; /* what the worker sent */
	size_t len, cap;
};

/* What became of a target whose result is not handed on yet. */
struct pending {
	int ready;
	int wstatus;
	off_t at; /* its bytes in the spill file */
	size_t len;
};

/* SIGINT, SIGTERM, SIGPIPE (stdout's reader left), -1 (workers_stop) */
static volatile sig_atomic_t stop_signal;

static void on_signal(int signo)
{
	stop_signal = signo;
}

void workers_stop(void)
{
	stop_signal = -1;
}

int workers_stopped(void)
{
	return stop_signal;
}

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

/* Packing: blocks of (uint32 zero bytes, uint32 literal bytes, the literal
 * bytes) until len bytes are described. Returns the packed length; out
 * holds at least len + 8 * (len / 9 + 2) bytes. */
static size_t pack(const unsigned char *in, size_t len, unsigned char *out)
{
	size_t i = 0, o = 0;

	while (i < len) {
		uint32_t zeros = 0, lits = 0;
		size_t lit_start;

		while (i < len && in[i] == 0) {
			zeros++;
			i++;
		}
		lit_start = i;
		/* A literal run ends at 8 zeros in a row (a block header's worth). */
		while (i < len) {
			size_t z = 0;

			while (i + z < len && in[i + z] == 0 && z < 8)
				z++;
			if (z == 8 || i + z == len) {
				if (i + z == len && z < 8) {
					lits += (uint32_t)z;
					i += z;
				}
				break;
			}
			lits += (uint32_t)z + 1;
			i += z + 1;
		}
		memcpy(out + o, &zeros, 4);
		memcpy(out + o + 4, &lits, 4);
		memcpy(out + o + 8, in + lit_start, lits);
		o += 8 + lits;
	}
	return o;
}

/* Unpack into out (exactly len bytes). Returns the packed bytes used, or 0
 * when in is malformed or short. */
static size_t unpack(const unsigned char *in, size_t inlen, unsigned char *out, size_t len)
{
	size_t i = 0, o = 0;

	while (o < len) {
		uint32_t zeros, lits;

		if (inlen - i < 8)
			return 0;
		memcpy(&zeros, in + i, 4);
		memcpy(&lits, in + i + 4, 4);
		i += 8;
		if (zeros > len - o || lits > len - o - zeros || lits > inlen - i)
			return 0;
		memset(out + o, 0, zeros);
		o += zeros;
		memcpy(out + o, in + i, lits);
		o += lits;
		i += lits;
	}
	return i;
}

static void worker(const struct config *cfg, const struct target *t, int fd)
{
	struct target_result *res = malloc(sizeof(*res));
	unsigned char *packed = malloc(sizeof(*res) + 8 * (sizeof(*res) / 9 + 2));
	size_t n;

	if (res == NULL || packed == NULL)
		_exit(70);
	run_one(cfg, t, res);
	n = pack((const unsigned char *)res, sizeof(*res), packed);
	if (write_all(fd, packed, n) < 0 ||
	    (res->log.len > 0 && write_all(fd, res->log.buf, res->log.len) < 0))
		_exit(71);
	free(packed);
	run_free(res);
	free(res);
	_exit(0);
}

/* Turn what a finished worker sent (data, len) into a result (a failed
 * worker gives an untested one that says so). */
static struct target_result *collect(const struct config *cfg, const struct target *t,
				     const char *data, size_t len, int wstatus)
{
	struct target_result *res = malloc(sizeof(*res));
	size_t used;

	if (res == NULL)
		return NULL;
	used = len == 0 ? 0
			: unpack((const unsigned char *)data, len, (unsigned char *)res,
				 sizeof(*res));
	if (used == 0) {
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
	transcript_init(&res->log, res->log.enabled);
	if (len > used) {
		size_t n = len - used;

		res->log.buf = malloc(n + 1);
		if (res->log.buf != NULL) {
			memcpy(res->log.buf, data + used, n);
			res->log.buf[n] = '\0';
			res->log.len = n;
			res->log.cap = n + 1;
		}
	}
	return res;
}

static int start(const struct config *cfg, const struct target_list *list, size_t index,
		 struct slot *slots, int jobs, struct slot *s)
{
	int fds[2];
	sigset_t stops, old;

	if (pipe(fds) < 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	/* A SIGTERM sent between fork and the child's reset of its handlers
	 * would only reach our handler's copy: hold it until the reset. */
	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	sigprocmask(SIG_BLOCK, &stops, &old);
	s->pid = fork();
	if (s->pid != 0)
		sigprocmask(SIG_SETMASK, &old, NULL);
	if (s->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (s->pid == 0) {
		struct target t;

		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
#ifdef __linux__
		/* Should the parent die without stopping us (SIGKILL), stop too. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() == 1)
			_exit(72);
#endif
		close(fds[0]);
		/* Only our own pipe end: the other workers' are not ours to hold. */
		for (int i = 0; i < jobs; i++)
			if (slots[i].pid > 0)
				close(slots[i].fd);
		targets_get(list, index, &t);
		worker(cfg, &t, fds[1]);
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

		if (s->cap - s->len < 16384) {
			size_t cap = s->cap == 0 ? 65536 : s->cap * 2;
			char *bigger = realloc(s->buf, cap);

			if (bigger == NULL)
				return 1; /* treated as a worker that ended early */
			s->buf = bigger;
			s->cap = cap;
		}
		n = read(s->fd, s->buf + s->len, s->cap - s->len);
		if (n < 0 && errno == EINTR)
			return 0;
		if (n <= 0)
			return 1;
		s->len += (size_t)n;
		if ((size_t)n < 16384)
			return 0;
	}
}

/* Hand on target index from data (len bytes). Returns 0, or -1 when memory ran out. */
static int hand_on(const struct config *cfg, const struct target_list *list, size_t index,
		   const char *data, size_t len, int wstatus, workers_emit_fn emit, void *ctx)
{
	struct target t;
	struct target_result *res;

	targets_get(list, index, &t);
	res = collect(cfg, &t, data, len, wstatus);
	if (res == NULL)
		return -1;
	emit(res, ctx);
	return 0;
}

/* The open-file limit decides how many pipes can be open at once: raise
 * the soft limit as far as allowed, then cap jobs to what fits. */
static int fit_jobs(int jobs)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)jobs + WORKERS_FD_RESERVE;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= need)
		return jobs;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
		int fit = rl.rlim_cur > WORKERS_FD_RESERVE + 1
				  ? (int)(rl.rlim_cur - WORKERS_FD_RESERVE)
				  : 1;

		fprintf(stderr,
			"relaytest: --jobs %d needs %d open files, the limit is %llu: using "
			"--jobs %d\n",
			jobs, (int)need, (unsigned long long)rl.rlim_cur, fit);
		return fit;
	}
	return jobs;
}

static int run_parallel(const struct config *cfg, const struct target_list *list, int jobs,
			workers_emit_fn emit, void *ctx)
{
	struct slot *slots = calloc((size_t)jobs, sizeof(*slots));
	struct pending *pend = calloc(list->n, sizeof(*pend));
	struct pollfd *pfds = calloc((size_t)jobs + 1, sizeof(*pfds));
	struct stat st;
	/* A pipe on stdout whose reader went away shows as POLLERR at once, not
	 * at the next write, which may be a slow target's --max-time away. */
	int watch_out = fstat(STDOUT_FILENO, &st) == 0 && S_ISFIFO(st.st_mode);
	FILE *spill = NULL;
	off_t spill_end = 0;
	size_t next_start = 0, next_emit = 0, finished = 0, spilled = 0;
	int show = isatty(STDERR_FILENO) && list->n > 1, rc = 0;
	struct sigaction sa, old_int, old_term, old_pipe;

	if (slots == NULL || pend == NULL || pfds == NULL) {
		free(slots);
		free(pend);
		free(pfds);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	/* A closed stdout shows as a failed write (the caller calls workers_stop),
	 * not as a SIGPIPE that would leave the workers behind. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old_pipe);
	for (int i = 0; i < jobs; i++)
		slots[i].pid = -1;
	while (next_emit < list->n && stop_signal == 0) {
		int active = 0;

		for (int i = 0; i < jobs && next_start < list->n; i++)
			if (slots[i].pid < 0 &&
			    start(cfg, list, next_start, slots, jobs, &slots[i]) == 0)
				next_start++;
		for (int i = 0; i < jobs; i++) {
			pfds[i].fd = slots[i].pid < 0 ? -1 : slots[i].fd;
			pfds[i].events = POLLIN;
			pfds[i].revents = 0;
			active += slots[i].pid >= 0;
		}
		if (active == 0) {
			rc = -1; /* fork keeps failing: nothing can progress */
			break;
		}
		pfds[jobs].fd = watch_out ? STDOUT_FILENO : -1;
		pfds[jobs].events = 0;
		pfds[jobs].revents = 0;
		if (poll(pfds, (nfds_t)jobs + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		if (pfds[jobs].revents & POLLERR) {
			stop_signal = SIGPIPE;
			break;
		}
		for (int i = 0; i < jobs && stop_signal == 0; i++) {
			struct slot *s = &slots[i];
			struct pending *p;
			int wstatus = 0;

			if (s->pid < 0 || !(pfds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (!drain(s))
				continue;
			close(s->fd);
			while (waitpid(s->pid, &wstatus, 0) < 0 && errno == EINTR)
				;
			s->pid = -1;
			progress(++finished, list->n, show);
			p = &pend[s->index];
			p->ready = 1;
			p->wstatus = wstatus;
			if (s->index == next_emit) {
				progress(list->n, list->n, show);
				if (hand_on(cfg, list, next_emit, s->buf, s->len, wstatus, emit,
					    ctx) < 0)
					rc = -1;
				next_emit++;
			} else {
				if (spill == NULL)
					spill = tmpfile();
				if (spill == NULL || fseeko(spill, spill_end, SEEK_SET) < 0 ||
				    fwrite(s->buf, 1, s->len, spill) != s->len) {
					p->len = 0; /* reported as a worker that ended early */
				} else {
					p->at = spill_end;
					p->len = s->len;
					spill_end += (off_t)s->len;
					spilled++;
				}
			}
			if (s->cap > 1048576) { /* a verbose transcript: give it back */
				free(s->buf);
				s->buf = NULL;
				s->cap = 0;
			}
		}
		/* Everything now in order, read back from the spill file. */
		while (next_emit < list->n && pend[next_emit].ready && stop_signal == 0) {
			struct pending *p = &pend[next_emit];
			char *data = NULL;

			progress(list->n, list->n, show);
			if (p->len > 0) {
				data = malloc(p->len);
				fflush(spill);
				if (data == NULL ||
				    pread(fileno(spill), data, p->len, p->at) != (ssize_t)p->len) {
					free(data);
					data = NULL;
				}
				spilled--;
			}
			if (hand_on(cfg, list, next_emit, data, data == NULL ? 0 : p->len,
				    p->wstatus, emit, ctx) < 0)
				rc = -1;
			free(data);
			next_emit++;
			if (spilled == 0 && spill != NULL && spill_end > 0) {
				fflush(spill);
				if (ftruncate(fileno(spill), 0) == 0)
					spill_end = 0;
			}
		}
		progress(finished, list->n, show);
	}
	for (int i = 0; i < jobs; i++)
		if (slots[i].pid > 0)
			kill(slots[i].pid, SIGTERM);
	for (int i = 0; i < jobs; i++) {
		if (slots[i].pid > 0) {
			while (waitpid(slots[i].pid, NULL, 0) < 0 && errno == EINTR)
				;
			close(slots[i].fd);
		}
		free(slots[i].buf);
	}
	if (stop_signal != 0)
		progress(list->n, list->n, show);
	if (spill != NULL)
		fclose(spill);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	free(slots);
	free(pend);
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
		jobs = fit_jobs(jobs);
	if (jobs > 1)
		return run_parallel(cfg, list, jobs, emit, ctx);
	for (size_t i = 0; i < list->n && stop_signal == 0; i++) {
		struct target_result *res = malloc(sizeof(*res));
		struct target t;

		if (res == NULL)
			return -1;
		targets_get(list, i, &t);
		run_one(cfg, &t, res);
		progress(list->n, list->n, show);
		emit(res, ctx);
		progress(i + 1, list->n, show);
	}
	return 0;
}
