/* cli.h - command-line options to a checked configuration.
 *
 * Everything the user gives is validated here, before any connection:
 * a value that could put a CR, LF or other control byte on the wire is a
 * usage error (exit 64), never a command. */
#ifndef RELAYTEST_CLI_H
#define RELAYTEST_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "cases.h"
#include "targets.h"

#define CLI_DEFAULT_PORT 25
#define CLI_DEFAULT_TIMEOUT_MS 30000
#define CLI_DEFAULT_MAX_TIME_MS 300000
/* --format nagios: monitoring systems kill a check after about 60 s, so the
 * whole run ends within this unless --run-time says otherwise. */
#define CLI_NAGIOS_RUN_TIME_MS 50000
#define CLI_DEFAULT_ERROR_BUDGET 8
/* Connections to one target at once: enough for the whole table in one
 * wave, well inside common per-client limits (Exchange 20, Postfix 50). */
#define CLI_DEFAULT_CONNECTIONS 10
#define CLI_CONNECTIONS_MAX 32
/* Neither holds a word a reply could be judged by ("relay"). */
#define CLI_DEFAULT_FROM "probe@example.org"
#define CLI_DEFAULT_TO "probe@example.net"
#define CLI_DEFAULT_JOBS 16 /* several targets: network-bound, not CPU-bound */
#define CLI_JOBS_MAX 256
#define CLI_LIST_MAX 64 /* --input files or --mx domains */

/* Exit status for usage errors: 64 (EX_USAGE), or 3 (UNKNOWN) for nagios. */
#define CLI_EXIT_USAGE 64
#define CLI_EXIT_USAGE_NAGIOS 3

enum cli_action { CLI_RUN, CLI_HELP, CLI_VERSION, CLI_LIST_TESTS };

/* --tls */
enum cli_tls { CLI_TLS_AUTO, CLI_TLS_STARTTLS, CLI_TLS_IMPLICIT, CLI_TLS_NO, CLI_TLS_COUNT };

/* "auto", "starttls", "implicit", "no". */
extern const char *const cli_tls_names[CLI_TLS_COUNT];

struct config {
	enum cli_action action;
	int port;
	int family; /* AF_UNSPEC, AF_INET or AF_INET6 */
	int timeout_ms;
	int max_time_ms;
	int run_time_ms;	   /* --run-time: the whole run, all targets; 0: no limit */
	long long run_deadline_ms; /* set by main from run_time_ms (net_now_ms clock) */
	int error_budget;	   /* rejections per connection before a fresh one */
	int connections;	   /* connections to one target at once */
	int connections_set;	   /* --connections was given: never more */
	int alone;		   /* one target at a time: connections may be made ahead */
	const char *helo;	   /* NULL: this host's FQDN, else our address literal */
	const char *domain;
	const char *from;
	const char *to;
	int selected[CASES_MAX]; /* indexed like cases_table */
	int to_given;		 /* --to was named: --send may use it */
	int send;		 /* --send: complete accepted relays with DATA */
	int no_data_probe;	 /* --no-data-probe: decide at RCPT, never send DATA */
	int no_pipelining;	 /* --no-pipelining: one command at a time */
	enum cli_tls tls;	 /* --tls; CLI_TLS_AUTO by default (zero) */
	const char *format;	 /* the name of a row of report_formats (report.h) */
	const char *output;	 /* --output FILE; NULL: standard output */
	int all;		 /* text: every test on a row of its own */
	int inconclusive_state;	 /* enum report_plugin_state: --inconclusive-state */
	int untested_state;	 /* ... --untested-state; 0: the default */
	int quiet;
	int verbose;
	int ports[TARGETS_PORTS_MAX]; /* --port: each target without its own port, on each */
	size_t nports;
	int jobs; /* --jobs; 0: 1 for one target, CLI_DEFAULT_JOBS for more */
	const char *inputs[CLI_LIST_MAX]; /* --input files, "-" for stdin */
	size_t ninputs;
	const char *mx_domains[CLI_LIST_MAX]; /* --mx domains */
	size_t nmx;
	char **targets; /* the operands */
	int ntargets;
};

/* Parse argv into cfg. Returns 0, or -1 with a one-line message in err
 * (capacity cap) that names the problem and the fix. */
int cli_parse(int argc, char **argv, struct config *cfg, char *err, size_t cap);

/* Whether argv asks for --format nagios, looked for before parsing so that
 * even a usage error can exit as a monitoring plugin must (3, UNKNOWN). */
int cli_wants_nagios(int argc, char **argv);

/* The --help text. */
void cli_usage(FILE *out);

/* The --list-tests table. */
void cli_list_tests(FILE *out);

#endif
