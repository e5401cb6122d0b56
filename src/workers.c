/* workers.c - worker processes for --jobs, with results in input order.
 *
 * A worker runs run_target and writes the struct target_result down a pipe,
 * packed (runs of zero bytes, which are most of it, squeezed out), followed
 * by its transcript. The parent is the same program image, so the result's
 * pointers into cases_table stay valid; only the transcript buffer is
 * rebuilt. A result that finishes before its turn waits packed in a
 * temporary file (spill.h), not in memory, so a slow target at the head of
 * a long list costs disk (a few KiB a target), not RAM; in memory only when
 * the disk is full.
 *
 * When no process can be started and none runs, the next target is tested
 * in this process: a process limit makes the run slower, never shorter.
 * SIGINT and SIGTERM stop every worker at once, whenever they come; so does
 * the caller through workers_stop (a report that can no longer be written). */
/* ppoll(2): a wait that only a signal we leave open can end (Linux, and
 * POSIX.1-2024). */
#define _GNU_SOURCE
#include "workers.h"

#include "params.h"
#include "progress.h"
#include "spill.h"

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
	size_t at; /* its bytes in the spill */
	size_t len;
};

/* SIGINT, SIGTERM, SIGPIPE (stdout's reader left), -1 (workers_stop) */
static volatile sig_atomic_t stop_signal;

static void on_signal(int signo)
{
	stop_signal = signo;
}

/* SIGINT and SIGTERM, blocked while run_parallel works and open while it waits. */
static sigset_t stop_signals;

/* Catch SIGINT and SIGTERM in on_signal; the old actions go to old_int and
 * old_term unless NULL. */
static void catch_stop_signals(struct sigaction *old_int, struct sigaction *old_term)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, old_int);
	sigaction(SIGTERM, &sa, old_term);
}

void workers_stop(void)
{
	if (stop_signal == 0) /* a signal that came first stays the reason */
		stop_signal = -1;
}

int workers_stopped(void)
{
	return stop_signal;
}

/* Hand res on with the progress line off the screen, so the two never mix. */
static void emit_shown(workers_emit_fn emit, struct target_result *res, void *ctx)
{
	progress_hide();
	emit(res, ctx);
	progress_show();
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

/* run_target within the whole run's deadline; waits (may be NULL) learns
 * what the engine waits for, for the progress line. */
static void run_one(const struct config *cfg, const struct target *t, struct target_result *res,
		    struct waits *waits)
{
	struct engine_params p;

	if (cfg->run_deadline_ms > 0 && cfg->run_deadline_ms - (long long)net_now_ms() < 1000) {
		run_untested(t, ERR_RUN_TIME, WORKERS_RUN_TIME_OUT, res);
		return;
	}
	params_from_config(cfg, &p);
	p.waits = waits;
	run_target(&p, t, res);
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
	unsigned char status;

	if (res == NULL || packed == NULL)
		_exit(70);
	run_one(cfg, t, res, NULL);
	/* The status first: the parent counts it for the progress line as soon
	 * as the worker ends, before the result's turn to be reported. */
	status = (unsigned char)res->status;
	n = pack((const unsigned char *)res, sizeof(*res), packed);
	if (write_all(fd, &status, 1) < 0 || write_all(fd, packed, n) < 0 ||
	    (res->log.len > 0 && write_all(fd, res->log.buf, res->log.len) < 0))
		_exit(71);
	free(packed);
	run_free(res);
	free(res);
	_exit(0);
}

/* Turn what a finished worker sent (data, len: its status byte, the packed
 * result, the transcript) into a result (a failed worker gives an untested
 * one that says so). */
static struct target_result *collect(const struct target *t, const char *data, size_t len,
				     int wstatus)
{
	struct target_result *res = malloc(sizeof(*res));
	size_t used;

	if (res == NULL)
		return NULL;
	if (len > 0) {
		data++;
		len--;
	}
	used = len == 0 ? 0
			: unpack((const unsigned char *)data, len, (unsigned char *)res,
				 sizeof(*res));
	if (used == 0) {
		char why[ERROR_MSG_MAX];

		if (WIFSIGNALED(wstatus))
			snprintf(why, sizeof(why),
				 "internal error: the worker testing this target died (signal %d)",
				 WTERMSIG(wstatus));
		else
			snprintf(why, sizeof(why),
				 "internal error: the worker testing this target ended early (exit "
				 "%d)",
				 WEXITSTATUS(wstatus));
		run_untested(t, ERR_INTERNAL, why, res);
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

/* Fork a worker for target index. SIGINT and SIGTERM are blocked (by
 * run_parallel) so that one sent between fork and the child's reset of its
 * handlers waits for the reset; orig is the mask to run the child with.
 * Returns 0, or -1 when no pipe or process could be had. */
static int start(const struct config *cfg, const struct target_list *list, size_t index,
		 struct slot *slots, int jobs, struct slot *s, const sigset_t *orig)
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
		struct target t;

		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		/* SIGPIPE stays ignored, as main set it: a dead TLS peer is an
		 * error, and so is a parent gone away (write_all fails, exit 71). */
		signal(SIGPIPE, SIG_IGN);
		sigprocmask(SIG_SETMASK, orig, NULL);
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

/* What run_parallel keeps while it runs. */
struct crowd {
	const struct config *cfg;
	const struct target_list *list;
	int jobs;
	struct slot *slots;
	struct pending *pend;
	struct pollfd *pfds; /* one per slot, then stdout */
	struct spill early;  /* results that finished before their turn */
	size_t next_start, next_emit, finished;
	int show;      /* the progress line: wake each second to redraw it */
	int watch_out; /* stdout is a pipe: watch for its reader leaving */
	workers_emit_fn emit;
	void *ctx;
	sigset_t orig; /* the caller's mask: SIGINT and SIGTERM open */
	struct sigaction old_int, old_term;
	int rc;
};

/* Hand on target index from data (len bytes; none: the worker failed). */
static void hand_on(struct crowd *c, size_t index, const char *data, size_t len, int wstatus)
{
	struct target t;
	struct target_result *res;

	targets_get(c->list, index, &t);
	res = collect(&t, data, len, wstatus);
	if (res == NULL) {
		c->rc = -1; /* main reports the targets never handed on */
		return;
	}
	/* A report write may block on a reader that does not read, and a
	 * write interrupted after part of it is resumed by stdio: while the
	 * report is written, SIGINT and SIGTERM do what they do for the caller
	 * (end the process; the workers follow, PR_SET_PDEATHSIG). */
	sigaction(SIGINT, &c->old_int, NULL);
	sigaction(SIGTERM, &c->old_term, NULL);
	sigprocmask(SIG_SETMASK, &c->orig, NULL);
	emit_shown(c->emit, res, c->ctx);
	sigprocmask(SIG_BLOCK, &stop_signals, NULL);
	catch_stop_signals(NULL, NULL);
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

/* No process could be started and none is running: test the next target in
 * this process, one connection thread at a time if need be, rather than
 * drop it. SIGINT and SIGTERM act as they do for the caller meanwhile.
 * Returns 0, or -1 when not even that can be done (no memory, or nothing
 * left to start): the caller stops, and main reports what was not tested. */
static int run_here(struct crowd *c)
{
	struct target_result *res;
	struct target t;

	if (c->next_start >= c->list->n)
		return -1;
	res = malloc(sizeof(*res));
	if (res == NULL) {
		c->rc = -1;
		return -1;
	}
	sigaction(SIGINT, &c->old_int, NULL);
	sigaction(SIGTERM, &c->old_term, NULL);
	sigprocmask(SIG_SETMASK, &c->orig, NULL);
	targets_get(c->list, c->next_start, &t);
	run_one(c->cfg, &t, res, NULL);
	progress_done((int)res->status);
	emit_shown(c->emit, res, c->ctx);
	sigprocmask(SIG_BLOCK, &stop_signals, NULL);
	catch_stop_signals(NULL, NULL);
	c->next_start++;
	c->next_emit++;
	c->finished++;
	return 0;
}

/* Start a worker for every free slot while targets are left; returns how
 * many run. */
static int start_workers(struct crowd *c)
{
	int active = 0;

	for (int i = 0; i < c->jobs; i++) {
		if (c->slots[i].pid < 0 && c->next_start < c->list->n &&
		    start(c->cfg, c->list, c->next_start, c->slots, c->jobs, &c->slots[i],
			  &c->orig) == 0)
			c->next_start++;
		active += c->slots[i].pid >= 0;
	}
	return active;
}

/* A worker's pipe reached its end: reap it, and hand its result on or keep
 * it until its turn (in the spill: on disk, else in memory). */
static void finish_worker(struct crowd *c, struct slot *s)
{
	struct pending *p = &c->pend[s->index];
	int wstatus = 0;

	close(s->fd);
	while (waitpid(s->pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	s->pid = -1;
	c->finished++;
	progress_done(s->len > 0 && (unsigned char)s->buf[0] <= RUN_UNTESTED ? s->buf[0]
									     : RUN_UNTESTED);
	p->ready = 1;
	p->wstatus = wstatus;
	if (s->index == c->next_emit) {
		hand_on(c, c->next_emit++, s->buf, s->len, wstatus);
	} else if (spill_append(&c->early, s->buf, s->len, &p->at) == 0) {
		p->len = s->len;
	} else {
		p->len = 0; /* neither disk nor memory: reported as a failed worker */
	}
	if (s->cap > 1048576) { /* a verbose transcript: give it back */
		free(s->buf);
		s->buf = NULL;
		s->cap = 0;
	}
}

/* Hand on, in order, every result that is ready. */
static void emit_ready(struct crowd *c)
{
	while (c->next_emit < c->list->n && c->pend[c->next_emit].ready && stop_signal == 0) {
		struct pending *p = &c->pend[c->next_emit];
		char *data = p->len > 0 ? malloc(p->len) : NULL;

		if (data != NULL && spill_read(&c->early, p->at, data, p->len) < 0) {
			free(data);
			data = NULL;
		}
		hand_on(c, c->next_emit++, data, data == NULL ? 0 : p->len, p->wstatus);
		free(data);
		if (c->next_emit == c->next_start)
			spill_clear(&c->early); /* nothing waits in it */
	}
}

/* Wait for a worker's bytes; SIGINT and SIGTERM open only inside ppoll, so
 * one that comes at any moment ends the wait at once. */
static void wait_workers(struct crowd *c)
{
	nfds_t n = (nfds_t)c->jobs;

	for (int i = 0; i < c->jobs; i++) {
		c->pfds[i].fd = c->slots[i].pid < 0 ? -1 : c->slots[i].fd;
		c->pfds[i].events = POLLIN;
		c->pfds[i].revents = 0;
	}
	/* A pipe on stdout whose reader went away shows as POLLERR at once, not
	 * at the next write, which may be a slow target's --max-time away. */
	c->pfds[n].fd = c->watch_out ? STDOUT_FILENO : -1;
	c->pfds[n].events = 0;
	c->pfds[n].revents = 0;
	/* With a progress line, wake each second to redraw it (its ETA). */
	if (ppoll(c->pfds, n + 1, c->show ? &(struct timespec){ 1, 0 } : NULL, &c->orig) < 0) {
		if (errno != EINTR)
			c->rc = -1;
		return;
	}
	progress_tick();
	if (c->pfds[n].revents & POLLERR) {
		stop_signal = SIGPIPE;
		return;
	}
	for (int i = 0; i < c->jobs && stop_signal == 0; i++)
		if (c->slots[i].pid >= 0 && (c->pfds[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    drain(&c->slots[i]))
			finish_worker(c, &c->slots[i]);
}

/* Stop and reap every worker still running. */
static void stop_workers(struct crowd *c)
{
	for (int i = 0; i < c->jobs; i++)
		if (c->slots[i].pid > 0)
			kill(c->slots[i].pid, SIGTERM);
	for (int i = 0; i < c->jobs; i++) {
		if (c->slots[i].pid > 0) {
			while (waitpid(c->slots[i].pid, NULL, 0) < 0 && errno == EINTR)
				;
			close(c->slots[i].fd);
		}
		free(c->slots[i].buf);
	}
}

static int run_parallel(const struct config *cfg, const struct target_list *list, int jobs,
			workers_emit_fn emit, void *ctx)
{
	struct crowd c = { .cfg = cfg, .list = list, .jobs = jobs, .emit = emit, .ctx = ctx };
	struct stat st;
	struct sigaction ignore, old_pipe;

	c.slots = calloc((size_t)jobs, sizeof(*c.slots));
	c.pend = calloc(list->n, sizeof(*c.pend));
	c.pfds = calloc((size_t)jobs + 1, sizeof(*c.pfds));
	if (c.slots == NULL || c.pend == NULL || c.pfds == NULL) {
		free(c.slots);
		free(c.pend);
		free(c.pfds);
		return -1;
	}
	c.show = progress_wanted(cfg->quiet);
	progress_start(list->n, c.show, 0);
	c.watch_out = cfg->output == NULL && fstat(STDOUT_FILENO, &st) == 0 && S_ISFIFO(st.st_mode);
	sigprocmask(SIG_BLOCK, &stop_signals, &c.orig);
	catch_stop_signals(&c.old_int, &c.old_term);
	/* A closed stdout shows as a failed write (the caller calls workers_stop),
	 * not as a SIGPIPE that would leave the workers behind. */
	memset(&ignore, 0, sizeof(ignore));
	ignore.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ignore, &old_pipe);
	for (int i = 0; i < jobs; i++)
		c.slots[i].pid = -1;
	while (c.next_emit < list->n && stop_signal == 0) {
		if (start_workers(&c) > 0)
			wait_workers(&c);
		else if (run_here(&c) < 0) /* fork or pipe failed with nothing running */
			break;
		emit_ready(&c);
	}
	stop_workers(&c);
	progress_stop();
	spill_free(&c.early);
	sigaction(SIGINT, &c.old_int, NULL);
	sigaction(SIGTERM, &c.old_term, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	sigprocmask(SIG_SETMASK, &c.orig, NULL);
	free(c.slots);
	free(c.pend);
	free(c.pfds);
	return c.rc;
}

int workers_run(const struct config *cfg, const struct target_list *list, int jobs,
		workers_emit_fn emit, void *ctx)
{
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	if (list->n == 0)
		return 0;
	if (jobs > (int)list->n)
		jobs = (int)list->n;
	if (jobs > 1)
		jobs = fit_jobs(jobs);
	if (jobs > 1)
		return run_parallel(cfg, list, jobs, emit, ctx);
	/* One target at a time in this process: a thread redraws the line,
	 * with what the engine waits for. */
	progress_start(list->n, progress_wanted(cfg->quiet), 1);
	for (size_t i = 0; i < list->n && stop_signal == 0; i++) {
		struct target_result *res = malloc(sizeof(*res));
		char shown[TARGET_LABEL_MAX];
		struct target t;

		if (res == NULL) {
			progress_stop();
			return -1;
		}
		targets_get(list, i, &t);
		target_label(&t, TARGET_AS_GIVEN, shown, sizeof(shown));
		progress_target(shown);
		run_one(cfg, &t, res, progress_waits());
		progress_done((int)res->status);
		emit_shown(emit, res, ctx);
	}
	progress_stop();
	return 0;
}
