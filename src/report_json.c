/* report_json.c - one JSON object per target per line (JSON Lines).
 * Every string written here is ASCII already (server text is sanitised);
 * quotes, backslashes and control characters are escaped all the same. */
#include <string.h>
#include <time.h>

#include "remedy.h"
#include "report.h"
#include "version.h"

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

/* An object being written: fields are separated by commas as they come. */
struct jw {
	FILE *out;
	int fields;
};

static void jw_key(struct jw *w, const char *key)
{
	if (w->fields++ > 0)
		fputc(',', w->out);
	json_string(w->out, key);
	fputc(':', w->out);
}

/* A string field; empty text is written as null. */
static void jw_text(struct jw *w, const char *key, const char *value)
{
	jw_key(w, key);
	if (value[0] == '\0')
		fputs("null", w->out);
	else
		json_string(w->out, value);
}

static void jw_number(struct jw *w, const char *key, long value)
{
	jw_key(w, key);
	fprintf(w->out, "%ld", value);
}

/* A literal: true, false, null or a number already formatted. */
static void jw_raw(struct jw *w, const char *key, const char *value)
{
	jw_key(w, key);
	fputs(value, w->out);
}

/* An array field of the '\n'-separated lines of text. */
static void jw_lines(struct jw *w, const char *key, const char *text)
{
	char line[REPLY_TEXT_MAX];

	jw_key(w, key);
	fputc('[', w->out);
	for (int first = 1; *text != '\0'; first = 0) {
		size_t n = strcspn(text, "\n");

		memcpy(line, text, n < sizeof(line) ? n : sizeof(line) - 1);
		line[n < sizeof(line) ? n : sizeof(line) - 1] = '\0';
		if (!first)
			fputc(',', w->out);
		json_string(w->out, line);
		text += n;
		if (*text == '\n')
			text++;
	}
	fputc(']', w->out);
}

/* An array field of strings. */
static void jw_strings(struct jw *w, const char *key, const char *const *items, size_t n)
{
	jw_key(w, key);
	fputc('[', w->out);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			fputc(',', w->out);
		json_string(w->out, items[i]);
	}
	fputc(']', w->out);
}

static const char *const json_data_probe[] = {
	[DATA_PROBE_NONE] = "",
	[DATA_PROBE_CONFIRMED] = "confirmed",
	[DATA_PROBE_REFUSED] = "refused",
	[DATA_PROBE_TEMPFAIL] = "temporary_failure",
	[DATA_PROBE_NO_ANSWER] = "no_answer",
};

_Static_assert(sizeof(json_data_probe) / sizeof(json_data_probe[0]) == DATA_PROBE_COUNT,
	       "every DATA probe outcome has a key");

/* "data_probe": null, or {"result", "reply"} of the DATA probe. */
static void json_data_probe_of(struct jw *w, const struct test_result *tr)
{
	struct jw probe = { w->out, 0 };

	jw_key(w, "data_probe");
	if (tr->data_probe == DATA_PROBE_NONE) {
		fputs("null", w->out);
		return;
	}
	fputc('{', w->out);
	jw_text(&probe, "result", json_data_probe[tr->data_probe]);
	jw_text(&probe, "reply", tr->data_reply);
	fputc('}', w->out);
}

/* XCLIENT and PROXY trust tests: what they claim ("ADDR=10.0.0.1",
 * "LOGIN=relaytest", a PROXY header's source); null for the others. */
static void json_claim(struct jw *w, const struct relay_case *tc)
{
	char claim[TEXT_ARG_MAX + 16] = "";

	if (tc->group == CASE_XCLIENT)
		snprintf(claim, sizeof(claim), tc->login != NULL ? "LOGIN=%s" : "ADDR=%s",
			 tc->login != NULL ? tc->login : tc->claim);
	else if (tc->group == CASE_PROXY)
		snprintf(claim, sizeof(claim), "%s", tc->claim);
	jw_text(w, "claim", claim);
}

static void json_test(FILE *out, const struct target_result *res, const struct test_result *tr)
{
	struct jw w = { out, 0 };

	fputc('{', out);
	jw_text(&w, "id", tr->tc->id);
	jw_text(&w, "group", cases_group_name(tr->tc->group));
	jw_text(&w, "helo", tr->helo);
	json_claim(&w, tr->tc);
	jw_text(&w, "mail_from", tr->mail_from);
	jw_text(&w, "rcpt_to", tr->rcpt_to);
	if (tr->code != 0)
		jw_number(&w, "code", tr->code);
	else
		jw_raw(&w, "code", "null");
	jw_text(&w, "enhanced", tr->enhanced);
	jw_text(&w, "text", tr->text);
	jw_text(&w, "stage", run_stage_name(tr->stage));
	jw_text(&w, "verdict", classify_verdict_key(tr->verdict));
	jw_text(&w, "reason", classify_reason_name(tr->reason));
	jw_text(&w, "note", tr->note);
	jw_number(&w, "ms", tr->ms);
	jw_number(&w, "connection", (long)tr->connection);
	jw_raw(&w, "over_tls", tr->over_tls ? "true" : "false");
	jw_number(&w, "reruns", (long)tr->reruns);
	jw_text(&w, "same_as", tr->twin_of != 0 ? res->tests[tr->twin_of - 1].tc->id : "");
	json_data_probe_of(&w, tr);
	if (tr->sent == 0) {
		jw_raw(&w, "sent", "null");
	} else {
		struct jw sent = { out, 0 };

		jw_key(&w, "sent");
		fputc('{', out);
		jw_raw(&sent, "accepted", tr->sent == 1 ? "true" : "false");
		jw_text(&sent, "token", tr->token);
		jw_text(&sent, "result", tr->send_result);
		fputc('}', out);
	}
	fputc('}', out);
}

/* "tls": null, or what TLS showed (issue 11). */
static void json_tls(struct jw *w, const struct target_result *res)
{
	struct jw t = { w->out, 0 };

	jw_key(w, "tls");
	if (!res->tls_used) {
		fputs("null", w->out);
		return;
	}
	fputc('{', w->out);
	jw_text(&t, "mode", res->tls_mode);
	jw_text(&t, "version", res->tls.version);
	jw_text(&t, "cipher", res->tls.cipher);
	jw_text(&t, "subject", res->tls.subject);
	jw_text(&t, "not_after", res->tls.not_after);
	jw_number(&t, "not_after_epoch", (long)res->tls.not_after_t);
	jw_raw(&t, "expired", res->tls.expired ? "true" : "false");
	jw_lines(&t, "capabilities", res->tls_caps.list);
	jw_raw(&t, "auth_after_tls", res->auth_after_tls ? "true" : "false");
	fputc('}', w->out);
}

/* ms since the epoch as RFC 3339 in UTC ("2026-12-05T11:38:59.123Z");
 * "" when unknown. */
static void rfc3339(char *buf, size_t cap, int64_t ms)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	buf[0] = '\0';
	if (ms <= 0 || gmtime_r(&secs, &tm) == NULL)
		return;
	n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n == 0)
		buf[0] = '\0';
	else
		snprintf(buf + n, cap - n, ".%03dZ", (int)(ms % 1000));
}

/* "findings": [{"id", "text"}] (findings.h), [] when none. */
static void json_findings(struct jw *w, const struct target_result *res)
{
	jw_key(w, "findings");
	fputc('[', w->out);
	for (size_t i = 0; i < res->nfindings; i++) {
		struct jw f = { w->out, 0 };

		if (i > 0)
			fputc(',', w->out);
		fputc('{', w->out);
		jw_text(&f, "id", res->findings[i].id);
		jw_text(&f, "text", res->findings[i].text);
		fputc('}', w->out);
	}
	fputc(']', w->out);
}

/* "tests": each test's record; "counts": how many got each verdict. */
static void json_tests(struct jw *w, const struct target_result *res)
{
	struct jw counts = { w->out, 0 };

	jw_key(w, "tests");
	fputc('[', w->out);
	for (size_t i = 0; res->tested && i < res->ntests; i++) {
		if (i > 0)
			fputc(',', w->out);
		json_test(w->out, res, &res->tests[i]);
	}
	fputc(']', w->out);
	jw_key(w, "counts");
	fputc('{', w->out);
	for (int v = 0; v < VERDICT_COUNT; v++)
		jw_number(&counts, classify_verdict_key(v), (long)res->counts[v]);
	fputc('}', w->out);
}

void report_json(FILE *out, const struct target_result *res)
{
	const char *advice[REMEDY_MAX];
	const char *warnings[RUN_WARNINGS_MAX];
	size_t nadvice = remedy_advice(res, advice);
	char greeting[REPLY_TEXT_MAX + 8] = "", started[40], target[TARGET_LABEL_MAX];
	struct jw w = { out, 0 };

	for (size_t i = 0; i < res->nwarnings; i++)
		warnings[i] = res->warnings[i];
	if (res->tested)
		snprintf(greeting, sizeof(greeting), "%d %s", res->greeting.code,
			 res->greeting.text);
	rfc3339(started, sizeof(started), res->started_ms);
	fputc('{', out);
	jw_text(&w, "version", RELAYTEST_VERSION);
	jw_text(&w, "started", started);
	target_label(&res->target, TARGET_AS_GIVEN, target, sizeof(target));
	jw_text(&w, "target", target);
	jw_text(&w, "host", res->target.host);
	jw_raw(&w, "port", res->target.port[0] != '\0' ? res->target.port : "null");
	/* A name's address is known before any connection (expand.h). */
	jw_text(&w, "address", res->address[0] != '\0' ? res->address : res->target.address);
	jw_text(&w, "source_address", res->local_address);
	jw_raw(&w, "tested", res->tested ? "true" : "false");
	jw_text(&w, "error", res->tested ? "" : res->error.msg);
	jw_text(&w, "greeting", greeting);
	jw_text(&w, "helo", res->helo);
	jw_text(&w, "domain", res->domain);
	jw_text(&w, "domain_source", res->domain_source);
	jw_text(&w, "software", remedy_software_name(remedy_identify(res)));
	jw_lines(&w, "capabilities", res->caps.list);
	json_tls(&w, res);
	jw_text(&w, "seen_as", res->seen_as);
	if (res->proxy != 0)
		jw_number(&w, "proxy_header", res->proxy);
	else
		jw_raw(&w, "proxy_header", "null");
	json_tests(&w, res);
	jw_strings(&w, "warnings", warnings, res->nwarnings);
	jw_strings(&w, "remediation", advice, nadvice);
	json_findings(&w, res);
	jw_number(&w, "connections", (long)res->connections);
	jw_number(&w, "max_connections_at_once", (long)res->max_connections);
	jw_number(&w, "duration_ms", res->elapsed_ms);
	jw_text(&w, "transcript", res->log.len > 0 ? res->log.buf : "");
	jw_text(&w, "verdict", json_status[res->status]);
	jw_text(&w, "verdict_reason", res->tested ? res->why : res->error.msg);
	jw_number(&w, "exit_status", (long)res->status);
	fputs("}\n", out);
}

int report_json_target(FILE *out, struct target_result *res, struct report_state *st)
{
	/* --quiet: like text, nothing for a target found closed. */
	if (st->quiet && res->status == RUN_CLOSED)
		return 0;
	st->shown++;
	report_json(out, res);
	return 0;
}
