/* report_text.c - the plain-text report: fits a terminal, reads well in mail. */
#include "report.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "remedy.h"
#include "wrap.h"

#include "version.h"

#define ROW_INDENT "                     " /* under the RESULT column */

static void print_wrapped(FILE *out, const char *prefix, const char *text)
{
	wrap_print(out, prefix, text, WRAP_WIDTH);
}

/* "Label      text", wrapped under the text. */
static void print_field(FILE *out, const char *label, const char *text)
{
	char prefix[32];

	snprintf(prefix, sizeof(prefix), "%-10s ", label);
	print_wrapped(out, prefix, text);
}

/* What TLS showed (issue 11): mode, version, cipher, certificate, expiry and
 * the capabilities after TLS; each line at most 78 columns. */
static void print_tls(FILE *out, const struct target_result *res)
{
	const struct tls_info *t = &res->tls;
	char buf[CAPS_LIST_MAX + sizeof(res->tls.subject)];

	if (!res->tls_used)
		return;
	snprintf(buf, sizeof(buf), "%s, %s, %s",
		 strcmp(res->tls_mode, "implicit") == 0 ? "implicit" : "STARTTLS", t->version,
		 t->cipher);
	print_field(out, "TLS", buf);
	print_field(out, "Cert", t->subject[0] != '\0' ? t->subject : "(none)");
	if (t->not_after[0] != '\0') {
		snprintf(buf, sizeof(buf), "%s%s", t->not_after, t->expired ? " (EXPIRED)" : "");
		print_field(out, "Expires", buf);
	}
	snprintf(buf, sizeof(buf), "%s",
		 res->tls_caps.list[0] != '\0' ? res->tls_caps.list : "(no extensions)");
	for (char *p = buf; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
	print_field(out, "EHLO (TLS)", buf);
}

static void print_header(FILE *out, const struct target_result *res)
{
	char buf[REPLY_TEXT_MAX + 2 * TEXT_ARG_MAX + 200];
	char result[RUN_WARNING_MAX + 200];

	fprintf(out, "relaytest %s report for ", RELAYTEST_VERSION);
	print_wrapped(out, "", res->target.name);
	report_result_text(res, result, sizeof(result));
	print_wrapped(out, "", result);
	fputc('\n', out);
	if (!res->tested) {
		snprintf(buf, sizeof(buf), "%s port %s", res->target.host, res->target.port);
		print_field(out, "Server", buf);
		return;
	}
	if (res->connections > 1)
		snprintf(buf, sizeof(buf), "%s port %s, %u connections, at most %u at once",
			 res->address, res->target.port, res->connections, res->max_connections);
	else
		snprintf(buf, sizeof(buf), "%s port %s, 1 connection", res->address,
			 res->target.port);
	print_field(out, "Server", buf);
	snprintf(buf, sizeof(buf), "%d %s", res->greeting.code, res->greeting.text);
	print_field(out, "Greeting", buf);
	if (!res->caps.esmtp)
		print_field(out, "EHLO", "(refused; fell back to HELO, no extensions)");
	else if (res->caps.list[0] == '\0')
		print_field(out, "EHLO", "(no extensions)");
	else {
		snprintf(buf, sizeof(buf), "%s", res->caps.list);
		for (char *p = buf; *p != '\0'; p++)
			if (*p == '\n')
				*p = ' ';
		print_field(out, "EHLO", buf);
	}
	print_field(out, "HELO name", res->helo);
	snprintf(buf, sizeof(buf), "%s (%s)", res->domain, res->domain_source);
	print_field(out, "Domain", buf);
	snprintf(buf, sizeof(buf), "%s -> %s (external sender and recipient)", res->from, res->to);
	print_field(out, "Addresses", buf);
	print_tls(out, res);
}

static void result_words(const struct test_result *tr, char *buf, size_t cap)
{
	const char *reason = classify_reason_name(tr->reason);

	switch (tr->verdict) {
	case VERDICT_ACCEPTED:
		if (tr->reason == REASON_CONTROL_OK)
			snprintf(buf, cap, "accepted (control)");
		else
			snprintf(buf, cap, "ACCEPTED: %s", reason);
		break;
	case VERDICT_DENIED:
		snprintf(buf, cap, "denied: %s", reason);
		break;
	case VERDICT_TEMPFAIL:
		snprintf(buf, cap, "temp-fail: %s", reason);
		break;
	case VERDICT_ERROR:
		snprintf(buf, cap, "ERROR: %s", reason);
		break;
	case VERDICT_UNTESTED:
		snprintf(buf, cap, "NOT TESTED: %s", reason);
		break;
	default:
		snprintf(buf, cap, "skipped");
		break;
	}
	if (tr->stage == STAGE_MAIL || tr->stage == STAGE_HELO) {
		size_t used = strlen(buf);

		if (tr->verdict == VERDICT_DENIED || tr->verdict == VERDICT_TEMPFAIL)
			snprintf(buf + used, cap - used, " at %s", run_stage_name(tr->stage));
	}
}

/* ANSI colours for verdicts when stdout is a terminal. */
#define COLOUR_BAD "\033[1;31m"
#define COLOUR_GOOD "\033[32m"
#define COLOUR_UNSURE "\033[33m"
#define COLOUR_OFF "\033[0m"

int report_use_colour(FILE *out)
{
	const char *no_colour = getenv("NO_COLOR");

	return isatty(fileno(out)) && (no_colour == NULL || no_colour[0] == '\0');
}

static const char *verdict_colour(enum verdict v)
{
	switch (v) {
	case VERDICT_ACCEPTED:
		return COLOUR_BAD;
	case VERDICT_DENIED:
		return COLOUR_GOOD;
	case VERDICT_TEMPFAIL:
	case VERDICT_ERROR:
	case VERDICT_UNTESTED:
		return COLOUR_UNSURE;
	default:
		return "";
	}
}

/* One detail line under a test row: "label: text", wrapped under the
 * RESULT column. */
static void print_detail(FILE *out, const char *label, const char *text)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "%s%s: ", ROW_INDENT, label);
	print_wrapped(out, prefix, text);
}

/* The commands a test sent, shown where they add something: for a relay
 * test that was accepted (what exactly got through) and with --verbose. */
static void print_envelope(FILE *out, const struct test_result *tr, int verbose)
{
	char buf[3 * RUN_ADDR_MAX + 32];

	/* An AUTH test's note already names the envelope it tried. */
	if (tr->mail_from[0] == '\0' || tr->verdict == VERDICT_SKIPPED ||
	    tr->tc->group == CASE_AUTH)
		return;
	if (!verbose && !(tr->verdict == VERDICT_ACCEPTED && tr->tc->group != CASE_CONTROL))
		return;
	if (tr->tc->group == CASE_HELO && tr->helo[0] != '\0')
		snprintf(buf, sizeof(buf), "EHLO %s, then %s -> %s", tr->helo, tr->mail_from,
			 tr->rcpt_to);
	else
		snprintf(buf, sizeof(buf), "%s -> %s", tr->mail_from, tr->rcpt_to);
	print_detail(out, "sent", buf);
}

static void print_test(FILE *out, const struct test_result *tr, int colour, int verbose)
{
	char words[64], code[32], reply[REPLY_TEXT_MAX + 16];
	const char *on = "", *off = "";

	result_words(tr, words, sizeof(words));
	if (colour && tr->reason != REASON_CONTROL_OK && tr->verdict != VERDICT_SKIPPED) {
		on = verdict_colour(tr->verdict);
		off = COLOUR_OFF;
	}
	if (tr->code != 0)
		snprintf(code, sizeof(code), "%d %s", tr->code, tr->enhanced);
	else
		snprintf(code, sizeof(code), "-");
	/* 20 + 1 + 32 + 1 + at most 13: the row always fits. */
	fprintf(out, "%-20s %s%-32s%s %.13s\n", tr->tc->id, on, words, off, code);
	print_envelope(out, tr, verbose);
	if (tr->note[0] != '\0')
		print_detail(out, "note", tr->note);
	if (tr->verdict == VERDICT_SKIPPED)
		return;
	snprintf(reply, sizeof(reply), "%d %s", tr->code, tr->text);
	if (tr->verdict == VERDICT_ERROR || tr->verdict == VERDICT_UNTESTED)
		print_detail(out, tr->code != 0 ? "server" : "why",
			     tr->code != 0 ? reply : tr->text);
	else if (tr->code != 0 &&
		 (tr->verdict == VERDICT_TEMPFAIL || tr->tc->group == CASE_AUTH ||
		  (tr->tc->group == CASE_CONTROL && tr->verdict != VERDICT_ACCEPTED)))
		print_detail(out, "server", reply);
	if (tr->sent != 0) {
		snprintf(reply, sizeof(reply), "%s (token %s)", tr->send_result, tr->token);
		print_detail(out, "--send", reply);
	}
}

/* ", 3 denied"; singular and plural spelled out, nothing for zero. */
static void add_count(char *buf, size_t cap, size_t n, const char *one, const char *many)
{
	size_t used = strlen(buf);

	if (n > 0 && used < cap)
		snprintf(buf + used, cap - used, ", %zu %s", n, n == 1 ? one : many);
}

void report_result_text(const struct target_result *res, char *buf, size_t cap)
{
	const size_t *n = res->counts;
	size_t run = n[VERDICT_ACCEPTED] + n[VERDICT_DENIED] + n[VERDICT_TEMPFAIL] +
		     n[VERDICT_ERROR] + n[VERDICT_UNTESTED];
	size_t used;
	double secs = res->elapsed_ms / 1000.0;

	switch (res->status) {
	case RUN_OPEN:
		snprintf(buf, cap, "Result: OPEN RELAY: %zu of %zu relay test%s accepted",
			 n[VERDICT_ACCEPTED], run, run == 1 ? "" : "s");
		add_count(buf, cap, n[VERDICT_DENIED], "denied", "denied");
		break;
	case RUN_CLOSED:
		if (run == 1)
			snprintf(buf, cap, "Result: not an open relay: the relay test was denied");
		else
			snprintf(buf, cap, "Result: not an open relay: all %zu relay tests denied",
				 run);
		break;
	case RUN_INCONCLUSIVE:
		snprintf(buf, cap, "Result: INCONCLUSIVE: %s", res->why);
		break;
	default:
		snprintf(buf, cap, "Result: COULD NOT TEST: %s (%.2f s)", res->error.msg, secs);
		return;
	}
	if (res->status != RUN_CLOSED) {
		add_count(buf, cap, n[VERDICT_UNTESTED], "not tested", "not tested");
		add_count(buf, cap, n[VERDICT_TEMPFAIL], "temporary failure", "temporary failures");
		add_count(buf, cap, n[VERDICT_ERROR], "error", "errors");
	}
	add_count(buf, cap, n[VERDICT_SKIPPED], "skipped", "skipped");
	used = strlen(buf);
	if (used < cap)
		snprintf(buf + used, cap - used, " (%.2f s)", secs);
}

static void print_remedy(FILE *out, const struct target_result *res)
{
	const char *advice[REMEDY_MAX];
	size_t n = remedy_advice(res, advice);

	if (n == 0)
		return;
	fprintf(out, "\nWhat to fix:\n");
	for (size_t i = 0; i < n; i++)
		print_wrapped(out, "  - ", advice[i]);
}

void report_text(FILE *out, const struct target_result *res, int colour)
{
	char result[RUN_WARNING_MAX + 200];

	print_header(out, res);
	if (res->tested) {
		fprintf(out, "\n%-20s %-32s %s\n", "TEST", "RESULT", "REPLY");
		for (size_t i = 0; i < res->ntests; i++)
			print_test(out, &res->tests[i], colour, res->log.len > 0);
	}
	if (res->nwarnings > 0) {
		fprintf(out, "\nWarnings:\n");
		for (size_t i = 0; i < res->nwarnings; i++)
			print_wrapped(out, "  - ", res->warnings[i]);
	}
	print_remedy(out, res);
	if (res->log.len > 0)
		fprintf(out, "\nTranscript:\n%s", res->log.buf);
	fprintf(out, "\n");
	if (colour)
		fputs(res->status == RUN_OPEN	  ? COLOUR_BAD
		      : res->status == RUN_CLOSED ? COLOUR_GOOD
						  : COLOUR_UNSURE,
		      out);
	report_result_text(res, result, sizeof(result));
	print_wrapped(out, "", result);
	if (colour)
		fputs(COLOUR_OFF, out);
}

int report_text_target(FILE *out, struct target_result *res, struct report_state *st)
{
	if (res->status == RUN_UNTESTED) {
		char name[4 * sizeof(res->target.name)], msg[4 * sizeof(res->error.msg)];

		/* The name comes from the command line or --input: no raw escapes. */
		text_sanitize(name, sizeof(name), res->target.name, strlen(res->target.name));
		text_sanitize(msg, sizeof(msg), res->error.msg, strlen(res->error.msg));
		fprintf(stderr, "relaytest: %s: %s\n", name, msg);
	}
	if (st->quiet && res->status == RUN_CLOSED)
		return 0;
	if (st->shown++ > 0)
		fputs("\n", out);
	report_text(out, res, st->colour);
	return 0;
}
