/* main.c - options -> targets -> run -> report -> exit status. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "expand.h"
#include "mx.h"
#include "net.h"
#include "output.h"
#include "progress.h"
#include "report.h"
#include "run.h"
#include "text.h"
#include "targets.h"
#include "version.h"
#include "workers.h"

/* The run's report as it is written. */
struct run_output {
	const struct report_format *format;
	struct report_state state;
	struct output_file file; /* stdout, or --output's temporary file */
	int status;
	size_t emitted;	 /* targets handed to the format so far */
	int write_errno; /* set: the report cannot be written; nothing more is */
};

/* Reports go out as each target finishes, in order. */
static void emit(struct target_result *res, void *ctx)
{
	struct run_output *out = ctx;

	out->emitted++;
	if (out->write_errno != 0) {
		run_free(res);
		free(res);
		return;
	}
	out->status = run_worse_status(out->status, (int)res->status);
	if (out->format->target(out->file.fp, res, &out->state) == 0) {
		run_free(res);
		free(res);
	}
	errno = 0;
	if (fflush(out->file.fp) == EOF || ferror(out->file.fp)) {
		out->write_errno = errno != 0 ? errno : EIO;
		workers_stop();
	}
}

/* Targets the run never handed on (no memory left for a result, say) are
 * reported all the same, each untested with why: a list of N is never a
 * report of fewer. */
static void emit_missing(const struct target_list *list, struct run_output *out)
{
	for (size_t i = out->emitted; i < list->n && out->write_errno == 0; i++) {
		struct target_result *res = malloc(sizeof(*res));
		struct target t;

		if (res == NULL) {
			fprintf(stderr,
				"relaytest: out of memory: %zu of %zu targets not reported\n",
				list->n - i, list->n);
			out->status = run_worse_status(out->status, RUN_UNTESTED);
			return;
		}
		targets_get(list, i, &t);
		run_untested(&t, ERR_LOCAL,
			     "not tested: relaytest could not start a process or ran out of memory",
			     res);
		emit(res, out);
	}
}

/* The report could not be written: quietly gone when the reader closed the
 * pipe (like any filter), else said on stderr; exit 3 (UNKNOWN). */
static int write_failed(struct run_output *out, const char *why)
{
	output_discard(&out->file);
	if (out->file.path == NULL && out->write_errno == EPIPE) {
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
		return CLI_EXIT_USAGE_NAGIOS;
	}
	fprintf(stderr, "relaytest: %s\n", why);
	return CLI_EXIT_USAGE_NAGIOS;
}

/* --output's unfinished temporary file, for end_on_signal to remove. */
static char unfinished[sizeof(((struct output_file *)0)->tmp)];

/* Outside the workers' own wait (a target tested in this process, a report
 * write blocked on its reader), SIGINT and SIGTERM end the process at once
 * (130, 143) without leaving an unfinished --output file; workers end with
 * it (PR_SET_PDEATHSIG). Only async-signal-safe calls. */
static void end_on_signal(int signo)
{
	int cols = progress_drawn;

	if (cols > 0 && cols <= PROGRESS_WIDTH) { /* the progress line, blanked */
		char wipe[PROGRESS_WIDTH + 2];
		ssize_t ignored;

		wipe[0] = '\r';
		for (int i = 1; i <= cols; i++)
			wipe[i] = ' ';
		wipe[cols + 1] = '\r';
		ignored = write(STDERR_FILENO, wipe, (size_t)cols + 2);
		(void)ignored;
	}
	if (unfinished[0] != '\0')
		unlink(unfinished);
	signal(signo, SIG_DFL);
	raise(signo);
}

/* Each MX host of domain, in preference order; the domain itself when it
 * has no MX (RFC 5321 5.1); an untestable entry for a null MX, a missing
 * domain or a failed lookup. */
static int add_mx(struct target_list *list, const struct config *cfg, const char *domain, char *err,
		  size_t cap)
{
	struct mx_answer mx;
	char why[512];

	if (mx_lookup(domain, &mx, why, sizeof(why)) < 0)
		return targets_add_failed(list, domain, why);
	if (mx.no_such_name) {
		snprintf(why, sizeof(why), "--mx %s: no such domain (NXDOMAIN)", domain);
		return targets_add_failed(list, domain, why);
	}
	if (mx.null_mx && mx.n == 0) {
		snprintf(why, sizeof(why),
			 "--mx %s: the domain publishes a null MX (RFC 7505): it accepts no mail, "
			 "so "
			 "no server of it can relay",
			 domain);
		return targets_add_failed(list, domain, why);
	}
	if (mx.n == 0)
		return targets_add(list, domain, cfg->ports, cfg->nports, domain, err, cap);
	for (size_t i = 0; i < mx.n; i++)
		if (targets_add(list, mx.hosts[i].name, cfg->ports, cfg->nports, domain, err, cap) <
		    0)
			return -1;
	return 0;
}

/* The whole list, built before any connection: a bad line in an --input
 * file is a usage error like a bad operand (TARGETS_USAGE); a file that
 * cannot be read is TARGETS_READ_ERROR. */
static int build_targets(const struct config *cfg, struct target_list *list, char *err, size_t cap)
{
	for (int i = 0; i < cfg->ntargets; i++)
		if (targets_add(list, cfg->targets[i], cfg->ports, cfg->nports, NULL, err, cap) < 0)
			return TARGETS_USAGE;
	for (size_t i = 0; i < cfg->ninputs; i++) {
		int rc = targets_read(list, cfg->inputs[i], cfg->ports, cfg->nports, err, cap);

		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < cfg->nmx; i++)
		if (add_mx(list, cfg, cfg->mx_domains[i], err, cap) < 0)
			return TARGETS_USAGE;
	if (list->n == 0) {
		snprintf(err, cap, "no target given: the --input files hold none");
		return TARGETS_USAGE;
	}
	return 0;
}

/* A problem before any test (usage: exit 64; else, such as an --input file
 * that cannot be read: exit 3). A monitoring plugin says either as UNKNOWN
 * on stdout, exit 3. */
static int cannot_start(int argc, char **argv, const char *err, int usage)
{
	char shown[4 * OUTPUT_MSG_MAX];

	if (cli_wants_nagios(argc, argv)) {
		printf("RELAYTEST UNKNOWN - %s\n", text_shown(shown, sizeof(shown), err, 1));
		return CLI_EXIT_USAGE_NAGIOS;
	}
	fprintf(stderr, "relaytest: %s\n%s", text_shown(shown, sizeof(shown), err, 0),
		usage ? "Try 'relaytest --help' for more information.\n" : "");
	return usage ? CLI_EXIT_USAGE : CLI_EXIT_USAGE_NAGIOS;
}

/* --help, --version and --list-tests: their text on stdout. */
static void print_info(enum cli_action action)
{
	switch (action) {
	case CLI_HELP:
		cli_usage(stdout);
		break;
	case CLI_VERSION:
		printf("relaytest %s\n", RELAYTEST_VERSION);
		break;
	case CLI_LIST_TESTS:
		cli_list_tests(stdout);
		break;
	case CLI_RUN:
		break;
	}
}

/* Before the first target: signals that remove --output's unfinished file,
 * and the format with its state. */
static void begin_report(struct run_output *out, const struct config *cfg)
{
	memcpy(unfinished, out->file.tmp, sizeof(unfinished));
	signal(SIGINT, end_on_signal);
	signal(SIGTERM, end_on_signal);
	out->format = report_format_find(cfg->format);
	out->state.quiet = cfg->quiet;
	out->state.all = cfg->all || cfg->verbose;
	out->state.inconclusive_state = (enum report_plugin_state)cfg->inconclusive_state;
	out->state.untested_state = (enum report_plugin_state)cfg->untested_state;
	out->state.colour = strcmp(cfg->format, "text") == 0 && cfg->output == NULL &&
			    report_use_colour(stdout);
	out->status = RUN_CLOSED;
}

/* After the last target: the report finished and put in place (or thrown
 * away if a signal stopped the run); returns the exit status. */
static int end_report(struct run_output *out, const struct config *cfg)
{
	char err[OUTPUT_MSG_MAX];

	if (workers_stopped() > 0 && workers_stopped() != SIGPIPE) {
		output_discard(&out->file);
		return 128 + workers_stopped(); /* SIGINT 130, SIGTERM 143 */
	}
	if (workers_stopped() == SIGPIPE)
		out->write_errno = EPIPE;
	if (out->format->finish != NULL && out->write_errno == 0)
		out->status = out->format->finish(out->file.fp, &out->state, out->status);
	if (out->write_errno != 0) {
		snprintf(err, sizeof(err), "cannot write the report to %s: %s",
			 cfg->output != NULL ? cfg->output : "standard output",
			 strerror(out->write_errno));
		return write_failed(out, err);
	}
	if (out->state.lost != 0) {
		snprintf(err, sizeof(err),
			 "cannot keep every target's result until the end (%s: no room in "
			 "$TMPDIR or /tmp, nor in memory); the report would be incomplete",
			 strerror(out->state.lost));
		return write_failed(out, err);
	}
	if (output_commit(&out->file, err, sizeof(err)) < 0) {
		out->write_errno = errno;
		return write_failed(out, err);
	}
	unfinished[0] = '\0';
	return out->status;
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct target_list list = { 0 };
	struct run_output out = { 0 };
	char err[OUTPUT_MSG_MAX];
	int jobs;

	if (cli_parse(argc, argv, &cfg, err, sizeof(err)) < 0)
		return cannot_start(argc, argv, err, 1);
	if (cfg.action != CLI_RUN) {
		print_info(cfg.action);
		return 0;
	}
	/* A server that resets the connection must be an error, never a death:
	 * libssl writes with write(2), so a close_notify or a command to a
	 * dead TLS peer would raise SIGPIPE. A closed stdout shows as EPIPE
	 * instead (write_failed). */
	signal(SIGPIPE, SIG_IGN);
	if (cfg.run_time_ms > 0) /* the whole run: name lookups too */
		cfg.run_deadline_ms = (long long)net_now_ms() + cfg.run_time_ms;
	int rc = build_targets(&cfg, &list, err, sizeof(err));

	if (rc == 0 && expand_targets(&list, cfg.family, cfg.max_time_ms, cfg.run_deadline_ms, err,
				      sizeof(err)) < 0)
		rc = TARGETS_READ_ERROR; /* not a usage error: exit 3 */
	if (rc < 0) {
		targets_free(&list);
		return cannot_start(argc, argv, err, rc != TARGETS_READ_ERROR);
	}
	if (output_open(&out.file, cfg.output, err, sizeof(err)) < 0) {
		targets_free(&list);
		return cannot_start(argc, argv, err, 0);
	}
	begin_report(&out, &cfg);
	jobs = cfg.jobs > 0 ? cfg.jobs : list.n > 1 ? CLI_DEFAULT_JOBS : 1;
	cfg.alone = jobs == 1 || list.n == 1;
	/* Its -1 (memory ran out) needs no branch: emit_missing reports every
	 * target it did not hand on. */
	workers_run(&cfg, &list, jobs, emit, &out);
	if (workers_stopped() == 0)
		emit_missing(&list, &out);
	targets_free(&list);
	return end_report(&out, &cfg);
}
