/* main.c - options -> targets -> run -> report -> exit status. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "report.h"
#include "run.h"
#include "version.h"

/* Reports go out as each target finishes; nagios needs them all first. */
static int report(const struct config *cfg, struct target_result *res, int first, int colour)
{
	if (res->status == RUN_UNTESTED && cfg->format == FORMAT_TEXT)
		fprintf(stderr, "relaytest: %s: %s\n", res->target.name, res->error.msg);
	switch (cfg->format) {
	case FORMAT_JSON:
		report_json(stdout, res);
		break;
	case FORMAT_TEXT:
		if (cfg->quiet && res->status == RUN_CLOSED)
			break;
		if (!first)
			fputs("\n", stdout);
		report_text(stdout, res, colour);
		break;
	case FORMAT_NAGIOS:
		return 0; /* kept, printed at the end */
	}
	fflush(stdout);
	return 1;
}

int main(int argc, char **argv)
{
	struct config cfg;
	char err[512];
	int status = RUN_CLOSED, printed = 0, colour;
	struct target_result **kept = NULL;

	if (cli_parse(argc, argv, &cfg, err, sizeof(err)) < 0) {
		if (cli_wants_nagios(argc, argv)) {
			printf("RELAYTEST UNKNOWN - %s\n", err);
			return CLI_EXIT_USAGE_NAGIOS;
		}
		fprintf(stderr, "relaytest: %s\nTry 'relaytest --help' for more information.\n",
			err);
		return CLI_EXIT_USAGE;
	}
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
	colour = cfg.format == FORMAT_TEXT && report_use_colour(stdout);
	if (cfg.format == FORMAT_NAGIOS) {
		kept = calloc((size_t)cfg.ntargets, sizeof(struct target_result *));
		if (kept == NULL) {
			printf("RELAYTEST UNKNOWN - out of memory\n");
			return CLI_EXIT_USAGE_NAGIOS;
		}
	}
	for (int i = 0; i < cfg.ntargets; i++) {
		struct target_result *res = malloc(sizeof(*res));

		if (res == NULL) {
			fprintf(stderr, "relaytest: out of memory\n");
			free(kept); /* the process ends here; this keeps the analyser exact */
			return RUN_UNTESTED;
		}
		run_target(&cfg, cfg.targets[i], res);
		status = run_worse_status(status, (int)res->status);
		printed += report(&cfg, res, printed == 0, colour);
		if (kept != NULL) {
			kept[i] = res;
			continue;
		}
		run_free(res);
		free(res);
	}
	if (kept != NULL) {
		status = report_nagios(stdout, kept, (size_t)cfg.ntargets);
		for (int i = 0; i < cfg.ntargets; i++) {
			run_free(kept[i]);
			free(kept[i]);
		}
		free(kept);
	}
	return status;
}
