/* main.c - options -> targets -> run -> report -> exit status. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mx.h"
#include "net.h"
#include "report.h"
#include "run.h"
#include "text.h"
#include "targets.h"
#include "version.h"
#include "workers.h"

/* msg as it may be printed: the command line and --input files are as
 * untrusted as a server, so control bytes become \xNN; for nagios a '|'
 * (which would start performance data) becomes '/'. */
struct output {
	const struct report_format *format;
	struct report_state state;
	int status;
	int write_errno; /* set: stdout failed, nothing more is written */
};

/* Reports go out as each target finishes, in order. */
static void emit(struct target_result *res, void *ctx)
{
	struct output *out = ctx;

	if (out->write_errno != 0) {
		run_free(res);
		free(res);
		return;
	}
	out->status = run_worse_status(out->status, (int)res->status);
	if (out->format->target(stdout, res, &out->state) == 0) {
		run_free(res);
		free(res);
	}
	errno = 0;
	if (fflush(stdout) == EOF || ferror(stdout)) {
		out->write_errno = errno != 0 ? errno : EIO;
		workers_stop();
	}
}

/* The report could not be written: quietly gone when the reader closed the
 * pipe (like any filter), else said on stderr; exit 3 (UNKNOWN). */
static int write_failed(int err)
{
	if (err == EPIPE) {
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
		return CLI_EXIT_USAGE_NAGIOS;
	}
	fprintf(stderr, "relaytest: cannot write the report to standard output: %s\n",
		strerror(err));
	return CLI_EXIT_USAGE_NAGIOS;
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
 * file is a usage error like a bad operand. */
static int build_targets(const struct config *cfg, struct target_list *list, char *err, size_t cap)
{
	for (int i = 0; i < cfg->ntargets; i++)
		if (targets_add(list, cfg->targets[i], cfg->ports, cfg->nports, NULL, err, cap) < 0)
			return -1;
	for (size_t i = 0; i < cfg->ninputs; i++)
		if (targets_read(list, cfg->inputs[i], cfg->ports, cfg->nports, err, cap) < 0)
			return -1;
	for (size_t i = 0; i < cfg->nmx; i++)
		if (add_mx(list, cfg, cfg->mx_domains[i], err, cap) < 0)
			return -1;
	if (list->n == 0) {
		snprintf(err, cap, "no target given: the --input files hold none");
		return -1;
	}
	return 0;
}

static int usage_error(int argc, char **argv, const char *err)
{
	char shown[4 * 512];

	if (cli_wants_nagios(argc, argv)) {
		printf("RELAYTEST UNKNOWN - %s\n", text_shown(shown, sizeof(shown), err, 1));
		return CLI_EXIT_USAGE_NAGIOS;
	}
	fprintf(stderr, "relaytest: %s\nTry 'relaytest --help' for more information.\n",
		text_shown(shown, sizeof(shown), err, 0));
	return CLI_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct target_list list = { 0 };
	struct output out = { 0 };
	char err[512];
	int jobs;

	if (cli_parse(argc, argv, &cfg, err, sizeof(err)) < 0)
		return usage_error(argc, argv, err);
	switch (cfg.action) {
	case CLI_HELP:
		cli_usage(stdout);
		return 0;
	case CLI_VERSION:
		printf("relaytest %s\n", RELAYTEST_VERSION);
		return 0;
	case CLI_LIST_TESTS:
		cli_list_tests(stdout);
		return 0;
	case CLI_RUN:
		break;
	}
	if (build_targets(&cfg, &list, err, sizeof(err)) < 0) {
		targets_free(&list);
		return usage_error(argc, argv, err);
	}
	if (cfg.run_time_ms > 0)
		cfg.run_deadline_ms = (long long)net_now_ms() + cfg.run_time_ms;
	out.format = report_format_find(cfg.format);
	out.state.cfg = &cfg;
	out.state.colour = strcmp(cfg.format, "text") == 0 && report_use_colour(stdout);
	out.status = RUN_CLOSED;
	jobs = cfg.jobs > 0 ? cfg.jobs : list.n > 1 ? CLI_DEFAULT_JOBS : 1;
	cfg.alone = jobs == 1 || list.n == 1;
	if (workers_run(&cfg, &list, jobs, emit, &out) < 0) {
		fprintf(stderr,
			"relaytest: out of memory or processes; some targets were not tested\n");
		out.status = run_worse_status(out.status, RUN_UNTESTED);
	}
	targets_free(&list);
	if (workers_stopped() == SIGPIPE)
		return write_failed(EPIPE);
	if (workers_stopped() > 0)
		return 128 + workers_stopped(); /* SIGINT 130, SIGTERM 143 */
	if (out.format->finish != NULL && out.write_errno == 0)
		out.status = out.format->finish(stdout, &out.state, out.status);
	errno = 0;
	if (out.write_errno == 0 && (fflush(stdout) == EOF || ferror(stdout)))
		out.write_errno = errno != 0 ? errno : EIO;
	if (out.write_errno != 0)
		return write_failed(out.write_errno);
	return out.status;
}
