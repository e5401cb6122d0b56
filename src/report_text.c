/* report_text.c - the plain-text report: fits a terminal, reads well in mail. */
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "findings.h"
#include "fold.h"
#include "remedy.h"
#include "tally.h"
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

/* The EHLO keyword lines, packed into lines of the report; a keyword line
 * ("AUTH PLAIN LOGIN", "SIZE 10240000") is never split. */
static void print_keywords(FILE *out, const char *label, const char *list)
{
	char line[WRAP_WIDTH + 1];
	size_t used = 0;

	fprintf(out, "%-10s ", label);
	while (*list != '\0') {
		size_t n = strcspn(list, "\n");

		if (used > 0 && 11 + used + 1 + n > WRAP_WIDTH) {
			fprintf(out, "%.*s\n%11s", (int)used, line, "");
			used = 0;
		}
		if (n > WRAP_WIDTH - 11)
			n = WRAP_WIDTH - 11; /* a hostile keyword line */
		used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%.*s",
					 used > 0 ? " " : "", (int)n, list);
		list += strcspn(list, "\n");
		if (*list == '\n')
			list++;
	}
	fprintf(out, "%.*s\n", (int)used, line);
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
	if (res->tls_caps.list[0] == '\0')
		print_field(out, "EHLO (TLS)", "(no extensions)");
	else
		print_keywords(out, "EHLO (TLS)", res->tls_caps.list);
}

static void print_header(FILE *out, const struct target_result *res)
{
	char buf[REPLY_TEXT_MAX + 2 * TEXT_ARG_MAX + 200];

	if (!res->tested) {
		/* Where it went, or for a name, the address it was to be tested on. */
		snprintf(buf, sizeof(buf), "%s port %s",
			 res->address[0] != '\0'	  ? res->address
			 : res->target.address[0] != '\0' ? res->target.address
							  : res->target.host,
			 res->target.port);
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
	if (res->proxy) {
		snprintf(buf, sizeof(buf),
			 "the server greets only after a PROXY header: each connection sent one "
			 "(v%d) from %s (ours), the PROXY trust tests from the address they test",
			 res->proxy, res->local_address);
		print_field(out, "PROXY", buf);
	}
	snprintf(buf, sizeof(buf), "%d %s", res->greeting.code, res->greeting.text);
	print_field(out, "Greeting", buf);
	if (!res->caps.esmtp)
		print_field(out, "EHLO", "(refused; fell back to HELO, no extensions)");
	else if (res->caps.list[0] == '\0')
		print_field(out, "EHLO", "(no extensions)");
	else
		print_keywords(out, "EHLO", res->caps.list);
	print_field(out, "HELO name", res->helo);
	if (res->seen_as[0] != '\0') {
		snprintf(buf, sizeof(buf), "%s (the address its EHLO reply names; ours: %s)",
			 res->seen_as, res->local_address);
		print_field(out, "Seen as", buf);
	}
	snprintf(buf, sizeof(buf), "%s (%s)", res->domain, res->domain_source);
	print_field(out, "Domain", buf);
	snprintf(buf, sizeof(buf), "%s -> %s (outside sender, recipient)", res->from, res->to);
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
	if (tr->stage == STAGE_MAIL || tr->stage == STAGE_HELO || tr->stage == STAGE_DATA) {
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

/* The REPLY column: code, enhanced code, and a mark for a test that ran
 * over TLS. */
static void reply_column(const struct test_result *tr, char *buf, size_t cap)
{
	if (tr->code != 0)
		snprintf(buf, cap, "%d%s%s%s", tr->code, tr->enhanced[0] != '\0' ? " " : "",
			 tr->enhanced, tr->over_tls ? " TLS" : "");
	else
		snprintf(buf, cap, "-%s", tr->over_tls ? " TLS" : "");
}

/* "label  RESULT  REPLY": label is a test's id or a row's "N tests". */
static void print_row(FILE *out, const char *label, const struct test_result *tr, int colour)
{
	char words[64], code[40];
	const char *on = "", *off = "";

	result_words(tr, words, sizeof(words));
	if (colour && tr->reason != REASON_CONTROL_OK && tr->verdict != VERDICT_SKIPPED) {
		on = verdict_colour(tr->verdict);
		off = COLOUR_OFF;
	}
	reply_column(tr, code, sizeof(code));
	/* 20 + 1 + 32 + 1 + at most 23: the row always fits. */
	fprintf(out, "%-20s %s%-32s%s %.23s\n", label, on, words, off, code);
}

/* The reply that decided tr, or the error: "server: 554 ..." / "why: ...". */
static void print_answer(FILE *out, const struct test_result *tr, int folded)
{
	char reply[REPLY_TEXT_MAX + 16], text[REPLY_TEXT_MAX];

	if (folded)
		fold_reply_text(tr->text, text, sizeof(text));
	else
		snprintf(text, sizeof(text), "%s", tr->text);
	snprintf(reply, sizeof(reply), "%d %s", tr->code, text);
	if (tr->code == 0)
		print_detail(out, "why", tr->text);
	else
		print_detail(out, "server", reply);
}

static void print_send(FILE *out, const struct test_result *tr)
{
	char buf[RUN_NOTE_MAX + 64];

	if (tr->sent == 0)
		return;
	snprintf(buf, sizeof(buf), "%s (token %s)", tr->send_result, tr->token);
	print_detail(out, "--send", buf);
}

/* What the DATA probe after an accepted RCPT found, when it left the
 * acceptance standing (a refusal is the test's own reply and note). */
static void print_probe(FILE *out, const struct test_result *tr)
{
	char buf[sizeof(tr->data_reply) + 80];

	if (tr->data_probe == DATA_PROBE_CONFIRMED)
		snprintf(buf, sizeof(buf),
			 "accepted at RCPT and DATA (%.3s), then closed: no byte of a message sent",
			 tr->data_reply);
	else if (tr->data_probe == DATA_PROBE_NO_ANSWER)
		snprintf(buf, sizeof(buf), "not confirmed: %s", tr->data_reply);
	else
		return;
	print_detail(out, "DATA", buf);
}

static void print_test(FILE *out, const struct test_result *tr, int colour, int verbose)
{
	print_row(out, tr->tc->id, tr, colour);
	print_envelope(out, tr, verbose);
	if (tr->note[0] != '\0')
		print_detail(out, "note", tr->note);
	if (tr->verdict == VERDICT_SKIPPED)
		return;
	if (tr->verdict == VERDICT_ERROR || tr->verdict == VERDICT_UNTESTED ||
	    (tr->code != 0 && (tr->verdict == VERDICT_TEMPFAIL || tr->tc->group == CASE_AUTH ||
			       (tr->tc->group == CASE_CONTROL && tr->verdict != VERDICT_ACCEPTED))))
		print_answer(out, tr, 0);
	print_probe(out, tr);
	print_send(out, tr);
}

/* Whether the tests on a row share one note (skipped tests: why). */
static int one_note(const struct target_result *res, const struct fold *f, size_t row)
{
	const char *note = res->tests[f->rows[row].lead].note;

	for (size_t i = 0; i < res->ntests; i++)
		if (f->row_of[i] == row && strcmp(res->tests[i].note, note) != 0)
			return 0;
	return 1;
}

/* "tests: a, b, c": the ids of the tests on a row. */
static void print_row_ids(FILE *out, const struct target_result *res, const struct fold *f,
			  size_t row)
{
	char ids[CASES_MAX * 24]; /* ids are at most 20 characters */
	size_t used = 0;

	ids[0] = '\0';
	for (size_t i = 0; i < res->ntests; i++)
		if (f->row_of[i] == row)
			used += (size_t)snprintf(ids + used, sizeof(ids) - used, "%s%s",
						 used > 0 ? ", " : "", res->tests[i].tc->id);
	print_detail(out, "tests", ids);
}

/* One row of the short table: a test alone as in the full table (less the
 * notes that only say how it ran), or "N tests" with the ids it covers and
 * the reply they got. */
static void print_fold_row(FILE *out, const struct target_result *res, const struct fold *f,
			   size_t row, int colour)
{
	const struct fold_row *fr = &f->rows[row];
	const struct test_result *tr = &res->tests[fr->lead];
	int skipped = tr->verdict == VERDICT_SKIPPED, claims = skipped && cases_claims(tr->tc);
	int same_note = one_note(res, f, row);

	if (fr->count == 1) {
		print_row(out, tr->tc->id, tr, colour);
		print_envelope(out, tr, 0);
	} else {
		char label[32];

		snprintf(label, sizeof(label), "%zu tests", fr->count);
		print_row(out, label, tr, colour);
	}
	/* The ids, but not of the largest row (--all has them) nor of tests
	 * skipped for the one reason their note gives, nor of the XCLIENT and
	 * PROXY trust tests of a server that uses neither. */
	if (fr->count > 1 && !fr->others && !claims && (!skipped || !same_note))
		print_row_ids(out, res, f, row);
	if (skipped) {
		print_detail(out, "note",
			     same_note ? tr->note
			     : claims  ? "no XCLIENT offered, no PROXY header needed"
				       : classify_reason_name(tr->reason));
	} else if (tr->verdict == VERDICT_ACCEPTED) {
		if (tr->note[0] != '\0' && tr->tc->group == CASE_AUTH)
			print_detail(out, "note", tr->note);
	} else if (tr->code != 0 || tr->verdict != VERDICT_DENIED) {
		print_answer(out, tr, 1);
	}
	if (fr->count == 1 && (tr->stage == STAGE_DATA || tr->reason == REASON_NOT_PROBED))
		print_detail(out, "note", tr->note); /* accepted at RCPT, then */
	/* A confirmation is in the result's reason already; --all has it here. */
	if (tr->data_probe != DATA_PROBE_CONFIRMED)
		print_probe(out, tr);
	print_send(out, tr);
}

static void print_table(FILE *out, const struct target_result *res, int colour, int all)
{
	struct fold f;

	fprintf(out, "\n%-20s %-32s %s\n", "TEST", "RESULT", "REPLY");
	if (all) {
		for (size_t i = 0; i < res->ntests; i++)
			print_test(out, &res->tests[i], colour, res->log.len > 0);
		return;
	}
	fold_tests(res, &f);
	for (size_t row = 0; row < f.nrows; row++)
		print_fold_row(out, res, &f, row, colour);
	if (f.nrows < res->ntests)
		fprintf(out, "(%zu tests on %zu rows; --all gives each its own)\n", res->ntests,
			f.nrows);
}

/* ", 3 denied"; singular and plural spelled out, nothing for zero. */
static void add_count(char *buf, size_t cap, size_t n, const char *one, const char *many)
{
	size_t used = strlen(buf);

	if (n > 0 && used < cap)
		snprintf(buf + used, cap - used, "%s%zu %s", used > 0 ? ", " : "", n,
			 n == 1 ? one : many);
}

/* Whether every accepted relay test ran over TLS: the relay is there only
 * behind TLS, and the headline says so. */
static int open_only_over_tls(const struct target_result *res)
{
	size_t accepted = 0;

	for (size_t i = 0; i < res->ntests; i++) {
		const struct test_result *tr = &res->tests[i];

		if (tr->verdict != VERDICT_ACCEPTED || tr->tc->group == CASE_CONTROL)
			continue;
		if (!tr->over_tls)
			return 0;
		accepted++;
	}
	return accepted > 0;
}

void report_headline(const struct target_result *res, char *buf, size_t cap)
{
	switch (res->status) {
	case RUN_OPEN:
		snprintf(buf, cap, "OPEN RELAY%s",
			 !open_only_over_tls(res)		  ? ""
			 : strcmp(res->tls_mode, "implicit") == 0 ? " over TLS"
								  : " over STARTTLS");
		break;
	case RUN_CLOSED:
		snprintf(buf, cap, "not an open relay");
		break;
	case RUN_INCONCLUSIVE:
		snprintf(buf, cap, "INCONCLUSIVE");
		break;
	default:
		snprintf(buf, cap, "COULD NOT TEST");
		break;
	}
}

void report_counts(const struct target_result *res, char *buf, size_t cap)
{
	const size_t *n = res->counts;
	size_t run = n[VERDICT_ACCEPTED] + n[VERDICT_DENIED] + n[VERDICT_TEMPFAIL] +
		     n[VERDICT_ERROR] + n[VERDICT_UNTESTED];
	size_t used;

	buf[0] = '\0';
	if (res->tested) {
		if (n[VERDICT_ACCEPTED] > 0)
			snprintf(buf, cap, "%zu of %zu relay tests accepted", n[VERDICT_ACCEPTED],
				 run);
		else if (n[VERDICT_DENIED] == run && run > 0)
			snprintf(buf, cap, "%s%zu relay test%s denied", run > 1 ? "all " : "", run,
				 run == 1 ? "" : "s");
		else
			add_count(buf, cap, n[VERDICT_DENIED], "denied", "denied");
		if (n[VERDICT_ACCEPTED] > 0)
			add_count(buf, cap, n[VERDICT_DENIED], "denied", "denied");
		add_count(buf, cap, n[VERDICT_UNTESTED], "not tested", "not tested");
		add_count(buf, cap, n[VERDICT_TEMPFAIL], "temporary failure", "temporary failures");
		add_count(buf, cap, n[VERDICT_ERROR], "error", "errors");
		add_count(buf, cap, n[VERDICT_SKIPPED], "skipped", "skipped");
		add_count(buf, cap, res->not_selected, "not run (--tests)", "not run (--tests)");
	}
	used = strlen(buf);
	if (used < cap)
		snprintf(buf + used, cap - used, "%s%.2f s", used > 0 ? "; " : "",
			 res->elapsed_ms / 1000.0);
}

/* Why, when the headline and counts are not the whole story: the accepted
 * tests, the cause of an inconclusive run, what stopped the test. */
static const char *result_reason(const struct target_result *res, char *buf, size_t cap)
{
	if (!res->tested)
		return res->error.msg;
	if (res->status == RUN_CLOSED)
		return "";
	if (res->status == RUN_OPEN && open_only_over_tls(res) && res->plain_refusal[0] != '\0') {
		snprintf(buf, cap, "%s (plain SMTP: %s)", res->why, res->plain_refusal);
		return buf;
	}
	return res->why;
}

void report_result_text(const struct target_result *res, char *buf, size_t cap)
{
	char headline[64], reason[RUN_WARNING_MAX + REPLY_TEXT_MAX + 32], counts[256];
	const char *why = result_reason(res, reason, sizeof(reason));

	report_headline(res, headline, sizeof(headline));
	report_counts(res, counts, sizeof(counts));
	snprintf(buf, cap, "Result: %s%s%s (%s)", headline, why[0] != '\0' ? ": " : "", why,
		 counts);
}

/* "Result: VERDICT" on a line of its own, whole and coloured on a
 * terminal; then why, and the counts and time, wrapped under it. */
static void print_result(FILE *out, const struct target_result *res, int colour)
{
	char headline[64], reason[RUN_WARNING_MAX + REPLY_TEXT_MAX + 32], counts[256];
	const char *why = result_reason(res, reason, sizeof(reason));

	report_headline(res, headline, sizeof(headline));
	report_counts(res, counts, sizeof(counts));
	if (colour)
		fprintf(out, "%sResult: %s%s\n",
			res->status == RUN_OPEN	    ? COLOUR_BAD
			: res->status == RUN_CLOSED ? COLOUR_GOOD
						    : COLOUR_UNSURE,
			headline, COLOUR_OFF);
	else
		fprintf(out, "Result: %s\n", headline);
	if (why[0] != '\0')
		print_wrapped(out, "        ", why);
	print_wrapped(out, "        ", counts);
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

/* The server sees us as another address: said under the verdict, as it
 * may matter more than the verdict. */
static void print_seen_as(FILE *out, const struct target_result *res)
{
	for (size_t i = 0; i < res->nfindings; i++)
		if (strcmp(res->findings[i].id, "seen-as-other-address") == 0)
			print_wrapped(out, "Warning: ", res->findings[i].text);
}

static void print_findings(FILE *out, const struct target_result *res)
{
	char line[RUN_WARNING_MAX + 64];

	if (res->nfindings == 0)
		return;
	fprintf(out, "\nOther findings:\n");
	for (size_t i = 0; i < res->nfindings; i++) {
		snprintf(line, sizeof(line), "%s: %s", res->findings[i].id, res->findings[i].text);
		print_wrapped(out, "  - ", line);
	}
}

void report_text(FILE *out, const struct target_result *res, int colour, int all)
{
	char label[TARGET_LABEL_MAX];

	/* host:port, whatever the user typed: the port is always there; one
	 * of a name's several addresses says which. */
	target_label(&res->target, TARGET_HOST_PORT, label, sizeof(label));
	fprintf(out, "relaytest %s report for %s\n", RELAYTEST_VERSION, label);
	print_result(out, res, colour);
	print_seen_as(out, res);
	fputc('\n', out);
	print_header(out, res);
	if (res->tested)
		print_table(out, res, colour, all);
	if (res->nwarnings > 0) {
		fprintf(out, "\nWarnings:\n");
		for (size_t i = 0; i < res->nwarnings; i++)
			print_wrapped(out, "  - ", res->warnings[i]);
	}
	print_findings(out, res);
	print_remedy(out, res);
	if (res->log.len > 0)
		fprintf(out, "\nTranscript:\n%s", res->log.buf);
	if (all && res->tested) {
		/* A long report: the verdict again where the reader ends (an
		 * untested target's report is short: its reason is said once). */
		fputc('\n', out);
		print_result(out, res, colour);
	}
}

/* Whether stderr is where the report goes too (a terminal, cron's one pipe
 * for both, 2>&1): a line there would only repeat the report. */
static int stderr_is(FILE *out)
{
	struct stat a, b;

	return fstat(fileno(out), &a) == 0 && fstat(STDERR_FILENO, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int report_text_target(FILE *out, struct target_result *res, struct report_state *st)
{
	if (st->kept == NULL && st->lost == 0) {
		st->kept = calloc(1, sizeof(struct tally));
		if (st->kept == NULL)
			st->lost = ENOMEM; /* the summary cannot be whole: main says so */
	}
	if (st->kept != NULL)
		tally_add(st->kept, res);
	/* Why a target could not be tested is said once where the reader
	 * looks: in its report, and on stderr only when the report goes
	 * elsewhere (a file, a pipe), so that a terminal still learns it. */
	if (res->status == RUN_UNTESTED && !stderr_is(out)) {
		char label[TARGET_LABEL_MAX], name[4 * TARGET_LABEL_MAX];
		char msg[4 * sizeof(res->error.msg)];

		/* The name comes from the command line or --input: no raw escapes. */
		target_label(&res->target, TARGET_AS_GIVEN, label, sizeof(label));
		text_sanitize(name, sizeof(name), label, strlen(label));
		text_sanitize(msg, sizeof(msg), res->error.msg, strlen(res->error.msg));
		fprintf(stderr, "relaytest: %s: %s\n", name, msg);
	}
	if (st->quiet && res->status == RUN_CLOSED)
		return 0;
	if (st->shown++ > 0)
		fputs("\n", out);
	report_text(out, res, st->colour, st->all);
	return 0;
}

int report_text_finish(FILE *out, struct report_state *st, int status)
{
	struct tally *t = st->kept;

	if (t != NULL && t->total >= 2 && st->shown > 0) {
		static char line[TALLY_LINE_MAX]; /* large: off the stack */

		tally_line(t, line, sizeof(line));
		fputc('\n', out);
		wrap_print(out, "relaytest: ", line, WRAP_WIDTH);
	}
	free(t);
	st->kept = NULL;
	return status;
}
