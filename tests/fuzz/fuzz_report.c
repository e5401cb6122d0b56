/* fuzz_report.c - libFuzzer target: every row of report_formats fed 1-4
 * made-up results, with any bytes in their text (or, half the time, text
 * sanitised as the engine leaves it). Checks what the formats promise:
 * - json: one line per target shown, each a JSON object (a strict RFC 8259
 *   parser below; the output must also be ASCII);
 * - nagios: the first line is the only status line, "RELAYTEST STATE - ",
 *   and its " | tests=" is the only '|' in the output; the exit status
 *   matches STATE; servers= counts every target;
 * - prometheus: every line a HELP/TYPE comment or a sample with well-formed
 *   labels; one relaytest_status sample per target;
 * - text: without colour, sanitised input gives no control byte but '\n'.
 * Input: a flags byte, then per target a run of bytes read field by field
 * (short input leaves the rest zero). FUZZ_REPORT_SHOW=1 in the environment
 * prints every output. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "findings.h"
#include "report.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_TARGETS_MAX 4

/* A broken promise: say which check, with the output being checked. */
#define FAIL() fail(__LINE__)

static const char *checking; /* the output under check, for fail() */

static void fail(int line)
{
	fprintf(stderr, "fuzz_report.c:%d: check failed; output:\n%s\n", line,
		checking != NULL ? checking : "(none)");
	abort();
}

struct feed {
	const uint8_t *p;
	size_t left;
	int raw; /* strings keep any byte; else sanitised like server text */
};

static unsigned take(struct feed *f)
{
	if (f->left == 0)
		return 0;
	f->left--;
	return *f->p++;
}

static unsigned take16(struct feed *f)
{
	unsigned hi = take(f);

	return hi << 8 | take(f);
}

/* A string of up to cap - 1 bytes; '\n' survives sanitising (line breaks
 * in reply text). */
static void take_text(struct feed *f, char *dst, size_t cap)
{
	size_t len = take(f);
	char raw[256];

	if (len > f->left)
		len = f->left;
	if (len >= cap)
		len = cap - 1;
	memcpy(raw, f->p, len);
	f->p += len;
	f->left -= len;
	raw[len] = '\0';
	if (f->raw) {
		memcpy(dst, raw, len + 1);
		return;
	}
	dst[0] = '\0';
	for (char *line = raw, *end; line != NULL; line = end) {
		size_t used = strlen(dst);

		end = strchr(line, '\n');
		if (end != NULL)
			*end++ = '\0';
		text_sanitize(dst + used, cap - used, line, strlen(line));
		used = strlen(dst);
		if (end != NULL && used + 1 < cap) {
			dst[used] = '\n';
			dst[used + 1] = '\0';
		}
	}
}

static void make_result(struct feed *f, int verbose, struct target_result *res)
{
	static const char *const tls_modes[] = { "", "implicit", "starttls" };
	unsigned flags, port;

	memset(res, 0, sizeof(*res));
	transcript_init(&res->log, verbose);
	flags = take(f);
	res->status = (enum run_status)(flags & 3);
	res->tested = (flags >> 2) & 1;
	res->tls_used = (flags >> 3) & 1;
	res->auth_after_tls = (flags >> 4) & 1;
	res->concurrency_refused = (flags >> 5) & 1;
	res->pipelining_off = (flags >> 6) & 1;
	res->tls.expired = (flags >> 7) & 1;
	take_text(f, res->target.name, sizeof(res->target.name));
	take_text(f, res->target.host, sizeof(res->target.host));
	port = take16(f); /* checked by target_parse: 1-65535, or none */
	if (port > 0)
		snprintf(res->target.port, sizeof(res->target.port), "%u", port);
	take_text(f, res->target.domain, sizeof(res->target.domain));
	res->error.kind = (enum err_kind)(take(f) % (ERR_NO_TLS + 1));
	take_text(f, res->error.msg, sizeof(res->error.msg));
	take_text(f, res->address, sizeof(res->address));
	take_text(f, res->local_address, sizeof(res->local_address));
	res->greeting.code = (int)take16(f);
	take_text(f, res->greeting.enhanced, sizeof(res->greeting.enhanced));
	take_text(f, res->greeting.text, sizeof(res->greeting.text));
	res->greeting.nlines = take(f) % 8;
	res->caps.esmtp = take(f) & 1;
	res->caps.pipelining = take(f) & 1;
	res->caps.starttls = take(f) & 1;
	res->caps.auth = take(f) & 1;
	take_text(f, res->caps.auth_mechs, sizeof(res->caps.auth_mechs));
	take_text(f, res->caps.list, sizeof(res->caps.list));
	res->tls_caps = res->caps;
	take_text(f, res->helo, sizeof(res->helo));
	take_text(f, res->from, sizeof(res->from));
	take_text(f, res->to, sizeof(res->to));
	take_text(f, res->greeting_host, sizeof(res->greeting_host));
	take_text(f, res->domain, sizeof(res->domain));
	take_text(f, res->domain_source, sizeof(res->domain_source));
	take_text(f, res->why, sizeof(res->why));
	res->nwarnings = take(f) % (RUN_WARNINGS_MAX + 1);
	for (size_t i = 0; i < res->nwarnings; i++)
		take_text(f, res->warnings[i], sizeof(res->warnings[i]));
	take_text(f, res->tls.version, sizeof(res->tls.version));
	take_text(f, res->tls.cipher, sizeof(res->tls.cipher));
	take_text(f, res->tls.subject, sizeof(res->tls.subject));
	take_text(f, res->tls.not_after, sizeof(res->tls.not_after));
	text_copy(res->tls_mode, sizeof(res->tls_mode), tls_modes[take(f) % 3]);
	res->connections = take(f);
	res->max_connections = take(f);
	res->elapsed_ms = (long)take16(f) * 1000 + take(f);
	res->relay_tests = take(f);
	for (int v = 0; v < VERDICT_COUNT; v++)
		res->counts[v] = take(f);
	res->ntests = take(f) % (CASES_MAX + 1);
	for (size_t i = 0; i < res->ntests; i++) {
		struct test_result *tr = &res->tests[i];

		tr->tc = &cases_table[take(f) % cases_count];
		tr->verdict = (enum verdict)(take(f) % VERDICT_COUNT);
		tr->reason = (enum reason)(take(f) % REASON_COUNT);
		tr->stage = (enum run_stage)(take(f) % (STAGE_DATA + 1));
		tr->code = (int)take16(f);
		flags = take(f);
		tr->sent = (int)(flags & 3) - 1;
		tr->needs_tls = (flags >> 2) & 1;
		tr->over_tls = (flags >> 3) & 1;
		tr->rerun = (flags >> 4) & 1;
		tr->state = TEST_DECIDED;
		tr->interruptions = (flags >> 5) & 1;
		tr->connection = take(f);
		tr->twin_of = take(f) % (res->ntests + 1);
		take_text(f, tr->helo, sizeof(tr->helo));
		take_text(f, tr->mail_from, sizeof(tr->mail_from));
		take_text(f, tr->rcpt_to, sizeof(tr->rcpt_to));
		take_text(f, tr->enhanced, sizeof(tr->enhanced));
		take_text(f, tr->text, sizeof(tr->text));
		take_text(f, tr->note, sizeof(tr->note));
		take_text(f, tr->send_result, sizeof(tr->send_result));
		take_text(f, tr->token, sizeof(tr->token));
		tr->ms = take(f);
		tr->data_probe = (enum data_probe)(take(f) % DATA_PROBE_COUNT);
		take_text(f, tr->data_reply, sizeof(tr->data_reply));
	}
	/* What the findings are made of, and the findings (issue 19). */
	take_text(f, res->seen_as, sizeof(res->seen_as));
	res->plain_caps = res->caps;
	res->injection = (enum injection)(take(f) % (INJECTION_FAILED + 1));
	take_text(f, res->injection_note, sizeof(res->injection_note));
	findings_build(res);
	if (verbose) {
		char line[256];

		take_text(f, line, sizeof(line));
		transcript_add(&res->log, 1, "<- ", line, strlen(line));
	}
}

/* ---- a strict JSON parser (RFC 8259): returns the end, or NULL ---- */

static const char *json_value(const char *p, int depth);

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static const char *json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (;;) {
		unsigned char c = (unsigned char)*p;

		if (c == '"')
			return p + 1;
		if (c < 0x20 || c >= 0x7f) /* control bytes; and we promise ASCII */
			return NULL;
		if (c != '\\') {
			p++;
			continue;
		}
		p++;
		if (*p == 'u') {
			for (int i = 1; i <= 4; i++)
				if (!is_hex(p[i]))
					return NULL;
			p += 5;
		} else if (*p != '\0' && strchr("\"\\/bfnrt", *p) != NULL) {
			p++;
		} else {
			return NULL;
		}
	}
}

static const char *json_digits(const char *p)
{
	if (*p < '0' || *p > '9')
		return NULL;
	while (*p >= '0' && *p <= '9')
		p++;
	return p;
}

static const char *json_number(const char *p)
{
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if ((p = json_digits(p)) == NULL)
		return NULL;
	if (*p == '.' && (p = json_digits(p + 1)) == NULL)
		return NULL;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		p = json_digits(p);
	}
	return p;
}

/* A '{' or '[' container: members "key": value (object) or values. */
static const char *json_container(const char *p, int depth, int object)
{
	char close = object ? '}' : ']';

	p = json_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (object) {
			p = json_string(p);
			if (p == NULL)
				return NULL;
			p = json_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		p = json_value(p, depth + 1);
		if (p == NULL)
			return NULL;
		p = json_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *json_value(const char *p, int depth)
{
	if (depth > 64)
		return NULL;
	p = json_ws(p);
	switch (*p) {
	case '{':
		return json_container(p, depth, 1);
	case '[':
		return json_container(p, depth, 0);
	case '"':
		return json_string(p);
	case 't':
		return strncmp(p, "true", 4) == 0 ? p + 4 : NULL;
	case 'f':
		return strncmp(p, "false", 5) == 0 ? p + 5 : NULL;
	case 'n':
		return strncmp(p, "null", 4) == 0 ? p + 4 : NULL;
	default:
		return json_number(p);
	}
}

/* ---- the checks, one per format ---- */

/* Each line one JSON object; as many lines as targets shown. */
static void check_json(char *out, size_t shown)
{
	size_t lines = 0;

	for (char *line = out, *end; *line != '\0'; line = end + 1) {
		const char *after;

		end = strchr(line, '\n');
		if (end == NULL)
			FAIL(); /* every line ends with '\n' */
		*end = '\0';
		after = json_ws(line);
		if (*after != '{')
			FAIL();
		after = json_value(after, 0);
		if (after == NULL || *json_ws(after) != '\0')
			FAIL();
		*end = '\n';
		lines++;
	}
	if (lines != shown)
		FAIL();
}

static void check_nagios(const char *out, int state, size_t n)
{
	static const char *const names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };
	const char *nl = strchr(out, '\n'), *bar = strchr(out, '|');
	char want[32], servers[48];

	if (state < 0 || state > 3 || nl == NULL || bar == NULL || bar > nl)
		FAIL();
	snprintf(want, sizeof(want), "RELAYTEST %s - ", names[state]);
	if (strncmp(out, want, strlen(want)) != 0 || strncmp(bar, "| tests=", 8) != 0 ||
	    bar[-1] != ' ')
		FAIL();
	if (strchr(bar + 1, '|') != NULL)
		FAIL(); /* one '|' in the whole output */
	snprintf(servers, sizeof(servers), " servers=%zu;;;0 ", n);
	if (strstr(bar, servers) == NULL || strstr(bar, servers) > nl)
		FAIL();
	for (const char *p = out; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n')
			FAIL();
}

/* A label value: any byte but '"', '\\' and '\n', or those escaped. */
static const char *prom_labels(const char *p)
{
	if (*p != '{')
		return p;
	p++;
	for (;;) {
		while ((*p >= 'a' && *p <= 'z') || *p == '_')
			p++;
		if (*p++ != '=' || *p++ != '"')
			return NULL;
		while (*p != '"') {
			if (*p == '\0' || *p == '\n')
				return NULL;
			if (*p == '\\') {
				p++;
				if (*p != '\\' && *p != '"' && *p != 'n')
					return NULL;
			}
			p++;
		}
		p++;
		if (*p == '}')
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static void check_prometheus(char *out, size_t n)
{
	size_t status_samples = 0;

	for (char *line = out, *end; *line != '\0'; line = end + 1) {
		const char *p;
		char *num_end;

		end = strchr(line, '\n');
		if (end == NULL)
			FAIL();
		*end = '\0';
		if (line[0] == '#') {
			if (strncmp(line, "# HELP relaytest_", 17) != 0 &&
			    strncmp(line, "# TYPE relaytest_", 17) != 0 &&
			    strncmp(line, "# relaytest: ", 13) != 0)
				FAIL();
			*end = '\n';
			continue;
		}
		if (strncmp(line, "relaytest_", 10) != 0)
			FAIL();
		status_samples += strncmp(line, "relaytest_status{", 17) == 0;
		p = line + strcspn(line, "{ ");
		p = prom_labels(p);
		if (p == NULL || *p != ' ')
			FAIL();
		strtod(p + 1, &num_end);
		if (num_end == p + 1 || *num_end != '\0')
			FAIL();
		*end = '\n';
	}
	if (status_samples != n)
		FAIL();
}

static void check_text(const char *out)
{
	for (const char *p = out; *p != '\0'; p++)
		if (((unsigned char)*p < 0x20 && *p != '\n') || (unsigned char)*p >= 0x7f)
			FAIL();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	static int ready;
	static struct target_result results[FUZZ_TARGETS_MAX];
	static FILE *quiet_stderr;
	static int show; /* FUZZ_REPORT_SHOW set: print each output (replaying a finding) */
	struct feed f = { data, size, 0 };
	unsigned flags;
	size_t n, closed = 0;

	if (!ready) {
		char arg0[] = "relaytest", arg1[] = "127.0.0.1", *argv[] = { arg0, arg1, NULL };
		char err[512];

		if (cli_parse(2, argv, &cfg, err, sizeof(err)) < 0)
			FAIL();
		quiet_stderr = fopen("/dev/null", "w");
		show = getenv("FUZZ_REPORT_SHOW") != NULL;
		ready = 1;
	}
	flags = take(&f);
	f.raw = flags & 1;
	cfg.quiet = (flags >> 1) & 1;
	cfg.verbose = (flags >> 2) & 1;
	n = 1 + ((flags >> 3) & 3);
	for (size_t i = 0; i < n; i++) {
		make_result(&f, cfg.verbose, &results[i]);
		closed += results[i].status == RUN_CLOSED;
	}
	for (size_t row = 0; row < report_formats_count; row++) {
		const struct report_format *fmt = &report_formats[row];
		struct report_state st = { .quiet = cfg.quiet };
		FILE *real_stderr = stderr;
		char *out = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&out, &len);
		int status = RUN_CLOSED;

		if (mem == NULL)
			FAIL();
		cfg.format = fmt->name;
		st.colour = (flags >> 5) & 1;
		/* nagios: --inconclusive-state and --untested-state, default to critical */
		st.inconclusive_state = (enum report_plugin_state)((flags >> 6) & 3);
		st.untested_state = (enum report_plugin_state)(3 - ((flags >> 6) & 3));
		/* The text format names untested targets on stderr too. */
		stderr = quiet_stderr;
		for (size_t i = 0; i < n; i++) {
			status = run_worse_status(status, (int)results[i].status);
			if (fmt->target(mem, &results[i], &st) != 0)
				FAIL(); /* no format keeps a result now */
		}
		if (fmt->finish != NULL)
			status = fmt->finish(mem, &st, status);
		stderr = real_stderr;
		if (st.kept != NULL || st.spill.has_file || st.spill.mem != NULL || st.lost != 0)
			FAIL(); /* finish releases what the format held */
		fclose(mem);
		checking = out;
		if (show)
			printf("---- %s (status %d)\n%s", fmt->name, status, out);
		if (strcmp(fmt->name, "json") == 0)
			check_json(out, cfg.quiet ? n - closed : n);
		else if (strcmp(fmt->name, "nagios") == 0)
			check_nagios(out, status, n);
		else if (strcmp(fmt->name, "prometheus") == 0)
			check_prometheus(out, n);
		else if (strcmp(fmt->name, "text") == 0 && !f.raw && !st.colour)
			check_text(out);
		checking = NULL;
		free(out);
	}
	for (size_t i = 0; i < n; i++)
		run_free(&results[i]);
	return 0;
}
