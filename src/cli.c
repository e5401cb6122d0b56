/* cli.c - getopt_long parsing and validation; nothing here touches the network. */
#include "cli.h"

#include <getopt.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "claim.h"
#include "target.h"
#include "text.h"
#include "report.h"
#include "wrap.h"

#define CLI_SECONDS_MAX 86400.0
#define CLI_ERROR_BUDGET_MAX 1000

enum long_only {
	OPT_ERROR_BUDGET = 256,
	OPT_CONNECTIONS,
	OPT_SEND,
	OPT_NO_PIPELINING,
	OPT_NO_DATA_PROBE,
	OPT_RUN_TIME,
	OPT_TLS,
	OPT_INCONCLUSIVE_STATE,
	OPT_UNTESTED_STATE,
};

const char *const cli_tls_names[CLI_TLS_COUNT] = {
	[CLI_TLS_AUTO] = "auto",
	[CLI_TLS_STARTTLS] = "starttls",
	[CLI_TLS_IMPLICIT] = "implicit",
	[CLI_TLS_NO] = "no",
};

static const struct option long_options[] = {
	{ "port", required_argument, NULL, 'p' },
	{ "ports", required_argument, NULL, 'p' },
	{ "input", required_argument, NULL, 'i' },
	{ "mx", required_argument, NULL, 'M' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "ipv4", no_argument, NULL, '4' },
	{ "ipv6", no_argument, NULL, '6' },
	{ "timeout", required_argument, NULL, 't' },
	{ "max-time", required_argument, NULL, 'm' },
	{ "run-time", required_argument, NULL, OPT_RUN_TIME },
	{ "helo", required_argument, NULL, 'H' },
	{ "domain", required_argument, NULL, 'd' },
	{ "from", required_argument, NULL, 'f' },
	{ "to", required_argument, NULL, 'r' },
	{ "tests", required_argument, NULL, 'T' },
	{ "list-tests", no_argument, NULL, 'l' },
	{ "error-budget", required_argument, NULL, OPT_ERROR_BUDGET },
	{ "connections", required_argument, NULL, OPT_CONNECTIONS },
	{ "format", required_argument, NULL, 'F' },
	{ "output", required_argument, NULL, 'o' },
	{ "send", no_argument, NULL, OPT_SEND },
	{ "no-pipelining", no_argument, NULL, OPT_NO_PIPELINING },
	{ "no-data-probe", no_argument, NULL, OPT_NO_DATA_PROBE },
	{ "tls", required_argument, NULL, OPT_TLS },
	{ "all", no_argument, NULL, 'a' },
	{ "inconclusive-state", required_argument, NULL, OPT_INCONCLUSIVE_STATE },
	{ "untested-state", required_argument, NULL, OPT_UNTESTED_STATE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void cli_usage(FILE *out)
{
	fputs("usage: relaytest [options] [host[:port] ...] [-i FILE] [-M DOMAIN]\n"
	      "Test whether SMTP servers relay mail for strangers (an open relay).\n"
	      "Never sends a message unless --send asks; an accepted relay gets DATA alone.\n"
	      "\n"
	      "  -p, --port PORT[,...]  port(s) for targets naming none (default 25; --ports)\n"
	      "  -i, --input FILE       read targets from FILE, one a line ('-': stdin)\n"
	      "  -M, --mx DOMAIN        test each address of each MX host of DOMAIN\n"
	      "  -j, --jobs N           test up to N targets at once (default 16 for several)\n"
	      "  -4, --ipv4 / -6, --ipv6  IPv4 / IPv6 only (default: every address of a name)\n"
	      "  -t, --timeout SECONDS  wait for each reply at most this long (default 30)\n"
	      "  -m, --max-time SECONDS time for each target in all (default 300)\n"
	      "      --run-time SECONDS time for the whole run (default: none; nagios 50)\n"
	      "  -H, --helo NAME        EHLO name (default: this host's FQDN, else our IP)\n"
	      "  -d, --domain DOMAIN    the target's own mail domain (default: its greeting)\n"
	      "  -f, --from ADDR        external sender (default " CLI_DEFAULT_FROM ")\n"
	      "  -r, --to ADDR          external recipient (default " CLI_DEFAULT_TO ")\n"
	      "  -T, --tests ID,...     run only these tests (the control test always runs)\n"
	      "  -l, --list-tests       list the tests and exit; -V, --version; -h, --help\n"
	      "      --error-budget N   rejections per connection, then reconnect (default 8)\n"
	      "      --connections N    connections at once (default 3, 10 if late; max 32)\n"
	      "      --no-pipelining / --no-data-probe  one command at a time / no DATA probe\n"
	      "      --tls MODE         auto (default), starttls, implicit or no (libssl)\n"
	      "  -F, --format FORMAT    text (default), json (JSON Lines), nagios, prometheus\n"
	      "      --inconclusive-state, --untested-state STATE  nagios (warning, critical)\n"
	      "  -o, --output FILE      write the report to FILE, replaced whole at the end\n"
	      "      --send             confirm each accepted relay by sending one labelled\n"
	      "                         message to --to (which must then be given)\n"
	      "  -a, --all              text: a row for every test, not one per answer\n"
	      "  -q, --quiet            text, json: nothing for targets found closed (exit 0)\n"
	      "  -v, --verbose          the SMTP transcript too (with -q: where it matters)\n"
	      "\n"
	      "Exit status: 1 open relay (a relay test was accepted); 0 not an open relay\n"
	      "(the control accepted, every test of the whole table denied); 2 inconclusive\n"
	      "(greylisting, STARTTLS required, control refused, tests not run, a --tests\n"
	      "subset); 3 could not test; 64 usage error. Several targets: worst of 1,3,2,0.\n"
	      "\n"
	      "Examples:\n"
	      "  relaytest mail.example.com\n"

	      "  relaytest -q mx1.example.com mx2.example.com   # from cron\n"
	      "  relaytest -F nagios mail.example.com            # from monitoring\n",
	      out);
}

/* What tc sends before its envelope, for --list-tests ("" for nothing). */
static void describe_first(const struct relay_case *tc, char *buf, size_t cap)
{
	buf[0] = '\0';
	if (tc->group == CASE_HELO)
		snprintf(buf, cap, "EHLO %s; ", tc->helo);
	else if (tc->group == CASE_AUTH)
		snprintf(buf, cap, "%s; if 235, ",
			 tc->auth == CASE_AUTH_LOGIN_RANDOM  ? "AUTH LOGIN (random)"
			 : tc->auth == CASE_AUTH_PLAIN_EMPTY ? "AUTH PLAIN (empty)"
			 : tc->auth == CASE_AUTH_CRAM_MD5    ? "AUTH CRAM-MD5 (random)"
			 : tc->auth == CASE_AUTH_NTLM_ANON   ? "AUTH NTLM (anonymous)"
							     : "AUTH PLAIN (random)");
	else if (tc->group == CASE_XCLIENT &&
		 claim_xclient_command(tc->claim, tc->login, 0, buf, cap) == 0)
		text_format(buf + strlen(buf), cap - strlen(buf), "; if 2xx, EHLO again; ");
	else if (tc->group == CASE_PROXY)
		snprintf(buf, cap, "PROXY header from %s (only where one is needed); ", tc->claim);
}

void cli_list_tests(FILE *out)
{
	fprintf(out, "%-20s %s\n", "ID", "GROUP");
	for (size_t i = 0; i < cases_count; i++) {
		const struct relay_case *tc = &cases_table[i];
		char first[160], sends[320];

		describe_first(tc, first, sizeof(first));
		snprintf(sends, sizeof(sends), "%sMAIL FROM:%s RCPT TO:%s", first, tc->mail_from,
			 tc->rcpt_to);
		fprintf(out, "%-20s %s\n", tc->id, cases_group_name(tc->group));
		wrap_print(out, "    sends: ", sends, WRAP_WIDTH);
		wrap_print(out, "    ", tc->description, WRAP_WIDTH);
	}
}

int cli_wants_nagios(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--format=nagios") == 0 || strcmp(argv[i], "-Fnagios") == 0)
			return 1;
		if ((strcmp(argv[i], "--format") == 0 || strcmp(argv[i], "-F") == 0) &&
		    i + 1 < argc && strcmp(argv[i + 1], "nagios") == 0)
			return 1;
	}
	return 0;
}

/* A whole number from min to max for option opt. */
static int parse_count(const char *opt, const char *arg, long min, long max, int *out, char *err,
		       size_t cap)
{
	char *end = NULL;
	long v = strtol(arg, &end, 10);

	if (end == arg || *end != '\0' || v < min || v > max) {
		snprintf(err, cap, "%s: must be a whole number from %ld to %ld", opt, min, max);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* A positive number of seconds, at most a day, as milliseconds. */
static int parse_seconds(const char *opt, const char *arg, int *ms, char *err, size_t cap)
{
	char *end = NULL;
	double v = strtod(arg, &end);
	char shown[48];

	text_sanitize(shown, sizeof(shown), arg, strnlen(arg, 40));
	if (end == arg || *end != '\0' || !isfinite(v) || v <= 0) {
		snprintf(err, cap, "%s '%s': must be a positive number of seconds", opt, shown);
		return -1;
	}
	if (v > CLI_SECONDS_MAX) {
		snprintf(err, cap, "%s '%s': too large (at most %.0f seconds)", opt, shown,
			 CLI_SECONDS_MAX);
		return -1;
	}
	*ms = (int)ceil(v * 1000.0);
	return 0;
}

static int check_text(const char *opt, const char *arg, const char *forbidden, char *err,
		      size_t cap)
{
	const char *problem = text_check_arg(arg);
	char shown[48];

	text_sanitize(shown, sizeof(shown), arg, strnlen(arg, 40));
	if (problem == NULL && forbidden != NULL && strpbrk(arg, forbidden) != NULL)
		problem = "contains a character not allowed there";
	if (problem != NULL) {
		snprintf(err, cap, "%s '%s%s' %s", opt, shown, strlen(arg) > 40 ? "..." : "",
			 problem);
		return -1;
	}
	return 0;
}

static int check_address(const char *opt, const char *arg, char *err, size_t cap)
{
	const char *at = strrchr(arg, '@');

	if (check_text(opt, arg, "<>()[],;\\", err, cap) < 0)
		return -1;
	if (at == NULL || at == arg || at[1] == '\0') {
		snprintf(err, cap, "%s '%s': must be an address of the form user@domain", opt, arg);
		return -1;
	}
	return 0;
}

/* "25" or "25,587": each must be 1-65535, at most TARGETS_PORTS_MAX. */
static int parse_ports(struct config *cfg, const char *arg, char *err, size_t cap)
{
	char buf[128], shown[48], *save = NULL;

	text_sanitize(shown, sizeof(shown), arg, strnlen(arg, 40));
	if (strlen(arg) >= sizeof(buf)) {
		snprintf(err, cap, "--port '%s': list too long", shown);
		return -1;
	}
	memcpy(buf, arg, strlen(arg) + 1);
	cfg->nports = 0;
	for (char *p = strtok_r(buf, ",", &save); p != NULL; p = strtok_r(NULL, ",", &save)) {
		int port = target_parse_port(p);

		if (port < 0) {
			snprintf(err, cap, "--port '%s': port must be a number from 1 to 65535",
				 shown);
			return -1;
		}
		if (cfg->nports >= TARGETS_PORTS_MAX) {
			snprintf(err, cap, "--port: at most %d ports", TARGETS_PORTS_MAX);
			return -1;
		}
		cfg->ports[cfg->nports++] = port;
	}
	if (cfg->nports == 0) {
		snprintf(err, cap, "--port '%s': port must be a number from 1 to 65535", shown);
		return -1;
	}
	cfg->port = cfg->ports[0];
	return 0;
}

static int select_tests(struct config *cfg, const char *list, char *err, size_t cap)
{
	char buf[1024];
	char *save = NULL;

	if (strlen(list) >= sizeof(buf)) {
		snprintf(err, cap, "--tests: list too long");
		return -1;
	}
	memcpy(buf, list, strlen(list) + 1);
	memset(cfg->selected, 0, sizeof(cfg->selected));
	cfg->selected[0] = 1; /* the control test always runs */
	for (char *id = strtok_r(buf, ",", &save); id != NULL; id = strtok_r(NULL, ",", &save)) {
		const struct relay_case *tc = cases_find(id);

		if (tc == NULL) {
			char shown[48];

			text_sanitize(shown, sizeof(shown), id, strnlen(id, 40));
			snprintf(err, cap, "--tests: unknown test '%s' (see --list-tests)", shown);
			return -1;
		}
		cfg->selected[tc - cases_table] = 1;
	}
	for (size_t i = 0; i < cases_count; i++)
		if (cfg->selected[i] && cases_table[i].group != CASE_CONTROL)
			return 0;
	snprintf(err, cap,
		 "--tests: name at least one relay test (the control test always runs; "
		 "see --list-tests)");
	return -1;
}

static void set_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->format = "text";
	cfg->action = CLI_RUN;
	cfg->port = CLI_DEFAULT_PORT;
	cfg->family = AF_UNSPEC;
	cfg->timeout_ms = CLI_DEFAULT_TIMEOUT_MS;
	cfg->max_time_ms = CLI_DEFAULT_MAX_TIME_MS;
	cfg->error_budget = CLI_DEFAULT_ERROR_BUDGET;
	cfg->connections = CLI_DEFAULT_CONNECTIONS;
	cfg->ports[0] = CLI_DEFAULT_PORT;
	cfg->nports = 1;
	cfg->from = CLI_DEFAULT_FROM;
	cfg->to = CLI_DEFAULT_TO;
	for (size_t i = 0; i < cases_count; i++)
		cfg->selected[i] = 1;
}

/* Another --input file or --mx domain, at most CLI_LIST_MAX of each. */
static int add_to_list(const char *opt, const char **list, size_t *n, const char *arg, char *err,
		       size_t cap)
{
	if (*n >= CLI_LIST_MAX) {
		snprintf(err, cap, "%s: at most %d", opt, CLI_LIST_MAX);
		return -1;
	}
	list[(*n)++] = arg;
	return 0;
}

static int add_input(struct config *cfg, const char *arg, char *err, size_t cap)
{
	return add_to_list("--input", cfg->inputs, &cfg->ninputs, arg, err, cap);
}

static int add_mx(struct config *cfg, const char *arg, char *err, size_t cap)
{
	if (check_text("--mx", arg, "<>@,;\\\"[]:", err, cap) < 0)
		return -1;
	return add_to_list("--mx", cfg->mx_domains, &cfg->nmx, arg, err, cap);
}

/* -4 or -6: given twice, they must agree. */
static int set_family(struct config *cfg, int family, char *err, size_t cap)
{
	if (cfg->family != AF_UNSPEC && cfg->family != family) {
		snprintf(err, cap, "--ipv4 and --ipv6 exclude each other; give one");
		return -1;
	}
	cfg->family = family;
	return 0;
}

static int set_ipv4(struct config *cfg, const char *arg, char *err, size_t cap)
{
	(void)arg;
	return set_family(cfg, AF_INET, err, cap);
}

static int set_ipv6(struct config *cfg, const char *arg, char *err, size_t cap)
{
	(void)arg;
	return set_family(cfg, AF_INET6, err, cap);
}

static int set_to(struct config *cfg, const char *arg, char *err, size_t cap)
{
	cfg->to = arg;
	cfg->to_given = 1;
	return check_address("--to", arg, err, cap);
}

static int set_connections(struct config *cfg, const char *arg, char *err, size_t cap)
{
	cfg->connections_set = 1;
	return parse_count("--connections", arg, 1, CLI_CONNECTIONS_MAX, &cfg->connections, err,
			   cap);
}

static int set_tls(struct config *cfg, const char *arg, char *err, size_t cap)
{
	for (int m = 0; m < CLI_TLS_COUNT; m++)
		if (strcmp(arg, cli_tls_names[m]) == 0) {
			cfg->tls = (enum cli_tls)m;
			return 0;
		}
	snprintf(err, cap, "--tls '%.40s': use auto, starttls, implicit or no", arg);
	return -1;
}

/* --inconclusive-state and --untested-state: a monitoring-plugin state by
 * name, check_tcp's short forms too (enum report_plugin_state). */
static int parse_state(const char *opt, const char *arg, int *state, char *err, size_t cap)
{
	static const struct {
		const char *name;
		enum report_plugin_state state;
	} names[] = {
		{ "ok", REPORT_STATE_OK },	   { "warning", REPORT_STATE_WARNING },
		{ "warn", REPORT_STATE_WARNING },  { "critical", REPORT_STATE_CRITICAL },
		{ "crit", REPORT_STATE_CRITICAL }, { "unknown", REPORT_STATE_UNKNOWN },
	};
	char shown[48];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(arg, names[i].name) == 0) {
			*state = (int)names[i].state;
			return 0;
		}
	text_sanitize(shown, sizeof(shown), arg, strnlen(arg, 40));
	snprintf(err, cap, "%s '%s': use ok, warning, critical or unknown", opt, shown);
	return -1;
}

static int set_inconclusive_state(struct config *cfg, const char *arg, char *err, size_t cap)
{
	return parse_state("--inconclusive-state", arg, &cfg->inconclusive_state, err, cap);
}

static int set_untested_state(struct config *cfg, const char *arg, char *err, size_t cap)
{
	return parse_state("--untested-state", arg, &cfg->untested_state, err, cap);
}

/* An unknown --format, with the names of those there are. */
static void unknown_format(const char *arg, char *err, size_t cap)
{
	char shown[48];

	text_sanitize(shown, sizeof(shown), arg, strnlen(arg, 40));
	snprintf(err, cap, "--format '%s': must be one of", shown);
	for (size_t i = 0; i < report_formats_count; i++) {
		size_t used = strlen(err);

		snprintf(err + used, cap - used, "%s %s", i == 0 ? "" : ",",
			 report_formats[i].name);
	}
}

static int set_format(struct config *cfg, const char *arg, char *err, size_t cap)
{
	if (report_format_find(arg) == NULL) {
		unknown_format(arg, err, cap);
		return -1;
	}
	cfg->format = arg;
	return 0;
}

static int set_output(struct config *cfg, const char *arg, char *err, size_t cap)
{
	if (arg[0] == '\0' || strcmp(arg, "-") == 0) {
		snprintf(err, cap,
			 "--output: name a file (without it, the report goes to "
			 "standard output)");
		return -1;
	}
	cfg->output = arg;
	return 0;
}

/* How an option takes its value (a row of option_rules). */
enum rule_kind {
	KIND_FLAG,    /* sets the int member to 1 */
	KIND_ACTION,  /* sets cfg->action */
	KIND_COUNT,   /* a whole number from min to max into the int member */
	KIND_SECONDS, /* positive seconds, as milliseconds into the int member */
	KIND_TEXT,    /* the string member, refused if it holds a forbidden character */
	KIND_ADDRESS, /* the string member, which must be user@domain */
	KIND_CALL,    /* a function of its own */
};

/* One option: its getopt value, the name its messages give and what it sets. */
struct option_rule {
	int c;
	enum rule_kind kind;
	const char *name;
	size_t member; /* offsetof(struct config, ...) */
	long min, max;
	enum cli_action action;
	const char *forbidden;
	int (*call)(struct config *cfg, const char *arg, char *err, size_t cap);
};

#define MEMBER(m) offsetof(struct config, m)

static const struct option_rule option_rules[] = {
	{ .c = 'p', .kind = KIND_CALL, .call = parse_ports },
	{ .c = 'i', .kind = KIND_CALL, .call = add_input },
	{ .c = 'M', .kind = KIND_CALL, .call = add_mx },
	{ .c = 'j',
	  .kind = KIND_COUNT,
	  .name = "--jobs",
	  .member = MEMBER(jobs),
	  .min = 1,
	  .max = CLI_JOBS_MAX },
	{ .c = '4', .kind = KIND_CALL, .call = set_ipv4 },
	{ .c = '6', .kind = KIND_CALL, .call = set_ipv6 },
	{ .c = 't', .kind = KIND_SECONDS, .name = "--timeout", .member = MEMBER(timeout_ms) },
	{ .c = 'm', .kind = KIND_SECONDS, .name = "--max-time", .member = MEMBER(max_time_ms) },
	{ .c = OPT_RUN_TIME,
	  .kind = KIND_SECONDS,
	  .name = "--run-time",
	  .member = MEMBER(run_time_ms) },
	{ .c = 'H',
	  .kind = KIND_TEXT,
	  .name = "--helo",
	  .member = MEMBER(helo),
	  .forbidden = "<>@,;\\\"" },
	{ .c = 'd',
	  .kind = KIND_TEXT,
	  .name = "--domain",
	  .member = MEMBER(domain),
	  .forbidden = "<>@,;\\\"" },
	{ .c = 'f', .kind = KIND_ADDRESS, .name = "--from", .member = MEMBER(from) },
	{ .c = 'r', .kind = KIND_CALL, .call = set_to },
	{ .c = OPT_SEND, .kind = KIND_FLAG, .member = MEMBER(send) },
	{ .c = OPT_NO_PIPELINING, .kind = KIND_FLAG, .member = MEMBER(no_pipelining) },
	{ .c = OPT_NO_DATA_PROBE, .kind = KIND_FLAG, .member = MEMBER(no_data_probe) },
	{ .c = OPT_TLS, .kind = KIND_CALL, .call = set_tls },
	{ .c = OPT_INCONCLUSIVE_STATE, .kind = KIND_CALL, .call = set_inconclusive_state },
	{ .c = OPT_UNTESTED_STATE, .kind = KIND_CALL, .call = set_untested_state },
	{ .c = 'F', .kind = KIND_CALL, .call = set_format },
	{ .c = 'o', .kind = KIND_CALL, .call = set_output },
	{ .c = 'T', .kind = KIND_CALL, .call = select_tests },
	{ .c = OPT_ERROR_BUDGET,
	  .kind = KIND_COUNT,
	  .name = "--error-budget",
	  .member = MEMBER(error_budget),
	  .min = 3,
	  .max = CLI_ERROR_BUDGET_MAX },
	{ .c = OPT_CONNECTIONS, .kind = KIND_CALL, .call = set_connections },
	{ .c = 'l', .kind = KIND_ACTION, .action = CLI_LIST_TESTS },
	{ .c = 'a', .kind = KIND_FLAG, .member = MEMBER(all) },
	{ .c = 'q', .kind = KIND_FLAG, .member = MEMBER(quiet) },
	{ .c = 'v', .kind = KIND_FLAG, .member = MEMBER(verbose) },
	{ .c = 'V', .kind = KIND_ACTION, .action = CLI_VERSION },
	{ .c = 'h', .kind = KIND_ACTION, .action = CLI_HELP },
};

/* The member of cfg a rule names (its offset), for the rule's kind to cast. */
static void *member_of(struct config *cfg, const struct option_rule *rule)
{
	return (char *)cfg + rule->member;
}

static int apply_rule(struct config *cfg, const struct option_rule *rule, const char *arg,
		      char *err, size_t cap)
{
	int *number = member_of(cfg, rule);
	const char **text = member_of(cfg, rule);

	switch (rule->kind) {
	case KIND_FLAG:
		*number = 1;
		return 0;
	case KIND_ACTION:
		cfg->action = rule->action;
		return 0;
	case KIND_COUNT:
		return parse_count(rule->name, arg, rule->min, rule->max, number, err, cap);
	case KIND_SECONDS:
		return parse_seconds(rule->name, arg, number, err, cap);
	case KIND_TEXT:
		*text = arg;
		return check_text(rule->name, arg, rule->forbidden, err, cap);
	case KIND_ADDRESS:
		*text = arg;
		return check_address(rule->name, arg, err, cap);
	case KIND_CALL:
		return rule->call(cfg, arg, err, cap);
	}
	return -1;
}

static int parse_option(struct config *cfg, int c, const char *arg, char *err, size_t cap)
{
	for (size_t i = 0; i < sizeof(option_rules) / sizeof(option_rules[0]); i++)
		if (option_rules[i].c == c)
			return apply_rule(cfg, &option_rules[i], arg, err, cap);
	/* getopt has printed what was wrong. */
	snprintf(err, cap, "invalid option");
	return -1;
}

/* getopt_long's '?' (an option it does not know) or ':' (a value missing). */
static void getopt_problem(int c, char **argv, char *err, size_t cap)
{
	if (c == ':')
		snprintf(err, cap, "option '%.60s' needs a value", argv[optind - 1]);
	else if (optopt != 0)
		snprintf(err, cap, "unknown option '-%c'", optopt);
	else
		snprintf(err, cap, "unknown option '%.60s'", argv[optind - 1]);
}

/* Each option of argv into cfg, in order, up to the first bad one. */
static int read_options(int argc, char **argv, struct config *cfg, char *err, size_t cap)
{
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":p:46t:m:H:d:f:r:T:F:o:i:M:j:laqvVh", long_options,
				NULL)) != -1) {
		if (c == '?' || c == ':') {
			getopt_problem(c, argv, err, cap);
			return -1;
		}
		if (parse_option(cfg, c, optarg, err, cap) < 0)
			return -1;
	}
	return 0;
}

/* Options that exclude each other or need another, refused before any I/O. */
static int check_combination(const struct config *cfg, char *err, size_t cap)
{
	if (cfg->ntargets == 0 && cfg->ninputs == 0 && cfg->nmx == 0) {
		snprintf(err, cap,
			 "no target given: name a mail server, e.g. relaytest mail.example.com");
		return -1;
	}
	if (cfg->send && cfg->no_data_probe) {
		snprintf(err, cap,
			 "--send and --no-data-probe exclude each other: --send completes an "
			 "accepted relay with DATA and a message");
		return -1;
	}
	if (cfg->send && !cfg->to_given) {
		snprintf(err, cap,
			 "--send needs --to: name the mailbox you control that should receive the "
			 "test messages");
		return -1;
	}
	if (cfg->send && strcmp(cfg->format, "text") != 0 && strcmp(cfg->format, "json") != 0) {
		snprintf(err, cap, "--send is for an admin at a terminal, not for --format %s",
			 cfg->format);
		return -1;
	}
	if ((cfg->inconclusive_state != REPORT_STATE_DEFAULT ||
	     cfg->untested_state != REPORT_STATE_DEFAULT) &&
	    strcmp(cfg->format, "nagios") != 0) {
		snprintf(err, cap,
			 "--%s-state sets a monitoring-plugin state: give it with --format nagios",
			 cfg->inconclusive_state != REPORT_STATE_DEFAULT ? "inconclusive"
									 : "untested");
		return -1;
	}
	if (strcasecmp(cfg->from, cfg->to) == 0) {
		snprintf(err, cap, "--from and --to must differ: both are %s", cfg->to);
		return -1;
	}
	return 0;
}

int cli_parse(int argc, char **argv, struct config *cfg, char *err, size_t cap)
{
	set_defaults(cfg);
	if (read_options(argc, argv, cfg, err, cap) < 0)
		return -1;
	cfg->targets = argv + optind;
	cfg->ntargets = argc - optind;
	if (cfg->action != CLI_RUN)
		return 0;
	if (cfg->run_time_ms == 0 && strcmp(cfg->format, "nagios") == 0)
		cfg->run_time_ms = CLI_NAGIOS_RUN_TIME_MS;
	if (check_combination(cfg, err, cap) < 0)
		return -1;
	for (int i = 0; i < cfg->ntargets; i++) {
		struct target t;

		if (target_parse(cfg->targets[i], cfg->port, &t, err, cap) < 0)
			return -1;
	}
	return 0;
}
