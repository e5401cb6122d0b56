/* report_json.c - one JSON object per target per line (JSON Lines).
 * Every string written here is ASCII already (server text is sanitised);
 * quotes, backslashes and control characters are escaped all the same. */
#include <string.h>

#include "remedy.h"
#include "report.h"

static const char *const json_verdicts[] = {
	[VERDICT_ACCEPTED] = "accepted",
	[VERDICT_DENIED] = "denied",
	[VERDICT_TEMPFAIL] = "temporary_failure",
	[VERDICT_ERROR] = "error",
	[VERDICT_SKIPPED] = "skipped",
};

static const char *const json_status[] = {
	[RUN_CLOSED] = "closed",
	[RUN_OPEN] = "open",
	[RUN_INCONCLUSIVE] = "inconclusive",
	[RUN_UNTESTED] = "untested",
};

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* A string, or null when it is empty. */
static void json_text(FILE *out, const char *s)
{
	if (s[0] == '\0')
		fputs("null", out);
	else
		json_string(out, s);
}

static void json_key(FILE *out, const char *key, int first)
{
	if (!first)
		fputc(',', out);
	json_string(out, key);
	fputc(':', out);
}

/* An array of the '\n'-separated lines of text. */
static void json_lines(FILE *out, const char *text)
{
	char line[REPLY_TEXT_MAX];

	fputc('[', out);
	for (int first = 1; *text != '\0'; first = 0) {
		size_t n = strcspn(text, "\n");

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, text, n);
		line[n] = '\0';
		if (!first)
			fputc(',', out);
		json_string(out, line);
		text += strcspn(text, "\n");
		if (*text == '\n')
			text++;
	}
	fputc(']', out);
}

static void json_test(FILE *out, const struct test_result *tr)
{
	fputc('{', out);
	json_key(out, "id", 1);
	json_string(out, tr->tc->id);
	json_key(out, "group", 0);
	json_string(out, cases_group_name(tr->tc->group));
	json_key(out, "helo", 0);
	json_text(out, tr->helo);
	json_key(out, "mail_from", 0);
	json_text(out, tr->mail_from);
	json_key(out, "rcpt_to", 0);
	json_text(out, tr->rcpt_to);
	json_key(out, "code", 0);
	if (tr->code != 0)
		fprintf(out, "%d", tr->code);
	else
		fputs("null", out);
	json_key(out, "enhanced", 0);
	json_text(out, tr->enhanced);
	json_key(out, "text", 0);
	json_text(out, tr->text);
	json_key(out, "stage", 0);
	json_text(out, run_stage_name(tr->stage));
	json_key(out, "verdict", 0);
	json_string(out, json_verdicts[tr->verdict]);
	json_key(out, "reason", 0);
	json_text(out, classify_reason_name(tr->reason));
	json_key(out, "note", 0);
	json_text(out, tr->note);
	json_key(out, "ms", 0);
	fprintf(out, "%ld", tr->ms);
	json_key(out, "connection", 0);
	fprintf(out, "%u", tr->connection);
	json_key(out, "sent", 0);
	if (tr->sent == 0) {
		fputs("null", out);
	} else {
		fprintf(out, "{\"accepted\":%s,\"token\":", tr->sent == 1 ? "true" : "false");
		json_string(out, tr->token);
		fputs(",\"result\":", out);
		json_string(out, tr->send_result);
		fputc('}', out);
	}
	fputc('}', out);
}

void report_json(FILE *out, const struct target_result *res)
{
	const char *advice[REMEDY_MAX];
	size_t nadvice = remedy_advice(res, advice);
	char greeting[REPLY_TEXT_MAX + 8] = "";

	if (res->tested)
		snprintf(greeting, sizeof(greeting), "%d %s", res->greeting.code,
			 res->greeting.text);
	fputc('{', out);
	json_key(out, "target", 1);
	json_string(out, res->target.name);
	json_key(out, "host", 0);
	json_string(out, res->target.host);
	json_key(out, "address", 0);
	json_text(out, res->address);
	json_key(out, "port", 0);
	fprintf(out, "%s", res->target.port[0] != '\0' ? res->target.port : "null");
	json_key(out, "tested", 0);
	fputs(res->tested ? "true" : "false", out);
	json_key(out, "error", 0);
	json_text(out, res->tested ? "" : res->error.msg);
	json_key(out, "greeting", 0);
	json_text(out, greeting);
	json_key(out, "helo", 0);
	json_text(out, res->helo);
	json_key(out, "domain", 0);
	json_text(out, res->domain);
	json_key(out, "domain_source", 0);
	json_text(out, res->domain_source);
	json_key(out, "software", 0);
	json_string(out, remedy_software_name(remedy_identify(res)));
	json_key(out, "capabilities", 0);
	json_lines(out, res->caps.list);
	json_key(out, "tests", 0);
	fputc('[', out);
	for (size_t i = 0; res->tested && i < res->ntests; i++) {
		if (i > 0)
			fputc(',', out);
		json_test(out, &res->tests[i]);
	}
	fputc(']', out);
	json_key(out, "counts", 0);
	fputc('{', out);
	for (int v = 0; v < VERDICT_COUNT; v++) {
		json_key(out, json_verdicts[v], v == 0);
		fprintf(out, "%zu", res->counts[v]);
	}
	fputc('}', out);
	json_key(out, "warnings", 0);
	fputc('[', out);
	for (size_t i = 0; i < res->nwarnings; i++) {
		if (i > 0)
			fputc(',', out);
		json_string(out, res->warnings[i]);
	}
	fputc(']', out);
	json_key(out, "remediation", 0);
	fputc('[', out);
	for (size_t i = 0; i < nadvice; i++) {
		if (i > 0)
			fputc(',', out);
		json_string(out, advice[i]);
	}
	fputc(']', out);
	json_key(out, "connections", 0);
	fprintf(out, "%u", res->connections);
	json_key(out, "elapsed_ms", 0);
	fprintf(out, "%ld", res->elapsed_ms);
	json_key(out, "transcript", 0);
	json_text(out, res->log.len > 0 ? res->log.buf : "");
	json_key(out, "verdict", 0);
	json_string(out, json_status[res->status]);
	json_key(out, "exit_status", 0);
	fprintf(out, "%d", (int)res->status);
	fputs("}\n", out);
}
