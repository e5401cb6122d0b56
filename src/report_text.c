/* report_text.c - the plain-text report: fits a terminal, reads well in mail. */
#include "report.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "remedy.h"

#include "version.h"

/* Prose (warnings) wraps here, so the report reads well in mail. */
#define REPORT_WIDTH 76

static void print_multiline(FILE *out, const char *label, const char *text)
{
	const char *line = text;

	fprintf(out, "%-10s ", label);
	for (;;) {
		size_t n = strcspn(line, "\n");

		fprintf(out, "%.*s\n", (int)n, line);
		if (line[n] == '\0')
			break;
		line += n + 1;
		fprintf(out, "%-10s ", "");
	}
}

static void print_header(FILE *out, const struct target_result *res)
{
	char greeting[REPLY_TEXT_MAX + 8];

	fprintf(out, "relaytest %s report for %s\n\n", RELAYTEST_VERSION, res->target.name);
	if (!res->tested) {
		fprintf(out, "%-10s %s port %s\n", "Server", res->target.host, res->target.port);
		return;
	}
	fprintf(out, "%-10s %s port %s, %u connection%s\n", "Server", res->address,
		res->target.port, res->connections, res->connections == 1 ? "" : "s");
	snprintf(greeting, sizeof(greeting), "%d %s", res->greeting.code, res->greeting.text);
	print_multiline(out, "Greeting", greeting);
	fprintf(out, "%-10s ", "EHLO");
	if (!res->caps.esmtp)
		fprintf(out, "(refused; fell back to HELO, no extensions)\n");
	else if (res->caps.list[0] == '\0')
		fprintf(out, "(no extensions)\n");
	else
		for (const char *p = res->caps.list; *p != '\0'; p++)
			fputc(*p == '\n' ? ' ' : *p, out);
	if (res->caps.esmtp && res->caps.list[0] != '\0')
		fputc('\n', out);
	fprintf(out, "%-10s %s\n", "HELO name", res->helo);
	fprintf(out, "%-10s %s (%s)\n", "Domain", res->domain, res->domain_source);
	fprintf(out, "%-10s %s -> %s (external sender and recipient)\n", "Addresses", res->from,
		res->to);
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

static void print_test(FILE *out, const struct test_result *tr, int colour)
{
	char words[64], code[32];
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
	fprintf(out, "%-20s %s%-32s%s %-10s ", tr->tc->id, on, words, off, code);
	if (tr->verdict == VERDICT_SKIPPED ||
	    (tr->tc->group == CASE_AUTH && tr->mail_from[0] == '\0'))
		fprintf(out, "%s\n", tr->note);
	else if (tr->tc->group == CASE_HELO && tr->helo[0] != '\0')
		fprintf(out, "EHLO %s; %s -> %s\n", tr->helo, tr->mail_from, tr->rcpt_to);
	else if (tr->mail_from[0] != '\0')
		fprintf(out, "%s -> %s\n", tr->mail_from, tr->rcpt_to);
	else
		fprintf(out, "\n");
	if (tr->verdict == VERDICT_SKIPPED)
		return;
	if (tr->note[0] != '\0' && !(tr->tc->group == CASE_AUTH && tr->mail_from[0] == '\0'))
		fprintf(out, "%-20s note: %s\n", "", tr->note);
	if (tr->verdict == VERDICT_ERROR || tr->verdict == VERDICT_UNTESTED)
		fprintf(out, "%-20s %s: %s\n", "", tr->code != 0 ? "server" : "why", tr->text);
	else if (tr->verdict == VERDICT_TEMPFAIL || tr->reason == REASON_AUTH_BOGUS ||
		 (tr->tc->group == CASE_CONTROL && tr->verdict != VERDICT_ACCEPTED))
		fprintf(out, "%-20s server: %d %s\n", "", tr->code, tr->text);
	if (tr->sent != 0)
		fprintf(out, "%-20s --send: %s (token %s)\n", "", tr->send_result, tr->token);
}

static void print_count(FILE *out, size_t n, const char *what)
{
	if (n > 0)
		fprintf(out, ", %zu %s", n, what);
}

void report_result_line(FILE *out, const struct target_result *res)
{
	const size_t *n = res->counts;
	size_t run = n[VERDICT_ACCEPTED] + n[VERDICT_DENIED] + n[VERDICT_TEMPFAIL] +
		     n[VERDICT_ERROR] + n[VERDICT_UNTESTED];
	double secs = res->elapsed_ms / 1000.0;

	switch (res->status) {
	case RUN_OPEN:
		fprintf(out, "Result: OPEN RELAY: %zu of %zu relay tests accepted",
			n[VERDICT_ACCEPTED], run);
		print_count(out, n[VERDICT_DENIED], "denied");
		break;
	case RUN_CLOSED:
		if (run == 1)
			fprintf(out, "Result: not an open relay: the relay test was denied");
		else
			fprintf(out, "Result: not an open relay: all %zu relay tests denied", run);
		break;
	case RUN_INCONCLUSIVE:
		fprintf(out, "Result: INCONCLUSIVE: %s", res->why);
		break;
	default:
		fprintf(out, "Result: COULD NOT TEST: %s (%.2f s)\n", res->error.msg, secs);
		return;
	}
	if (res->status != RUN_CLOSED) {
		print_count(out, n[VERDICT_UNTESTED], "not tested");
		print_count(out, n[VERDICT_TEMPFAIL], "temporary failures");
		print_count(out, n[VERDICT_ERROR], "errors");
	}
	print_count(out, n[VERDICT_SKIPPED], "skipped");
	fprintf(out, " (%.2f s)\n", secs);
}

/* Print text after prefix, wrapped at REPORT_WIDTH, continuation lines
 * indented as deep as the prefix. Server text has no newlines by now. */
static void print_wrapped(FILE *out, const char *prefix, const char *text)
{
	size_t indent = strlen(prefix), col = indent;

	fputs(prefix, out);
	while (*text != '\0') {
		size_t word = strcspn(text, " ");

		if (col > indent && col + 1 + word > REPORT_WIDTH) {
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', out);
			col++;
		}
		fprintf(out, "%.*s", (int)word, text);
		col += word;
		text += word;
		while (*text == ' ')
			text++;
	}
	fputc('\n', out);
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
	print_header(out, res);
	if (res->tested) {
		fprintf(out, "\n%-20s %-32s %-10s %s\n", "TEST", "RESULT", "REPLY",
			"MAIL FROM -> RCPT TO");
		for (size_t i = 0; i < res->ntests; i++)
			print_test(out, &res->tests[i], colour);
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
	report_result_line(out, res);
	if (colour)
		fputs(COLOUR_OFF, out);
}
