/* main.c - options -> targets -> run -> report -> exit status. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "report.h"
#include "run.h"
#include "version.h"

#define EXIT_USAGE 64

int main(int argc, char **argv)
{
	struct config cfg;
	char err[512];
	int status = RUN_CLOSED;

	if (cli_parse(argc, argv, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "relaytest: %s\nTry 'relaytest --help' for more information.\n",
			err);
		return EXIT_USAGE;
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
	for (int i = 0; i < cfg.ntargets; i++) {
		struct target_result *res = malloc(sizeof(*res));

		if (res == NULL) {
			fprintf(stderr, "relaytest: out of memory\n");
			return RUN_UNTESTED;
		}
		run_target(&cfg, cfg.targets[i], res);
		if (res->status == RUN_UNTESTED)
			fprintf(stderr, "relaytest: %s: %s\n", res->target.name, res->error.msg);
		if (!cfg.quiet || res->status != RUN_CLOSED) {
			if (i > 0)
				fputs("\n", stdout);
			report_text(stdout, res);
			fflush(stdout);
		}
		status = run_worse_status(status, (int)res->status);
		run_free(res);
		free(res);
	}
	return status;
}
