/* report_prometheus.c - the Prometheus text exposition format, for
 * node_exporter's textfile collector: relaytest from cron writes a .prom
 * file (--output replaces it whole), Prometheus alerts on
 * relaytest_open_relay or relaytest_result, relaytest_up and the TLS
 * certificate's expiry. A metric's samples must
 * stand together under its HELP and TYPE lines, so each target is kept as a
 * small summary in a temporary file (report_spill: memory does not grow with
 * the number of targets) and everything is written at the end, one pass
 * over the file per metric. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "findings.h"
#include "report.h"
#include "text.h"

struct prom_target {
	char name[TARGET_LABEL_MAX];
	char port[8];
	enum run_status status;
	int tested;
	size_t counts[VERDICT_COUNT];
	long elapsed_ms;
	long long cert_expiry; /* the TLS certificate's notAfter (Unix time); 0: none seen */
	unsigned char accepted[CASES_MAX];     /* by cases_table index: relay test accepted */
	int seen_other;			       /* findings_seen_other */
	unsigned char found[RUN_FINDINGS_MAX]; /* by the table's order (findings_id) */
};

/* relaytest_result's states, the words of JSON's "verdict". */
static const char *const prom_results[] = {
	[RUN_CLOSED] = "closed",
	[RUN_OPEN] = "open",
	[RUN_INCONCLUSIVE] = "inconclusive",
	[RUN_UNTESTED] = "untested",
};

int report_prometheus_target(FILE *out, struct target_result *res, struct report_state *st)
{
	struct prom_target t;

	(void)out;
	memset(&t, 0, sizeof(t));
	/* One series per server: one of a name's several addresses is
	 * target="name (address)". */
	target_label(&res->target, TARGET_HOST, t.name, sizeof(t.name));
	text_copy(t.port, sizeof(t.port), res->target.port);
	t.status = res->status;
	t.tested = res->tested;
	memcpy(t.counts, res->counts, sizeof(t.counts));
	t.elapsed_ms = res->elapsed_ms;
	if (res->tls_used)
		t.cert_expiry = res->tls.not_after_t;
	for (size_t i = 0; res->tested && i < res->ntests; i++) {
		const struct test_result *tr = &res->tests[i];

		if (tr->verdict == VERDICT_ACCEPTED && tr->tc->group != CASE_CONTROL)
			t.accepted[tr->tc - cases_table] = 1;
	}
	t.seen_other = findings_seen_other(res);
	for (size_t i = 0; i < findings_count(); i++)
		for (size_t k = 0; k < res->nfindings; k++)
			t.found[i] |= strcmp(res->findings[k].id, findings_id(i)) == 0;
	report_keep(st, &t, sizeof(t)); /* a failure is said at the end */
	return 0;
}

/* A label value: backslash, double quote and newline escaped. */
static void label_value(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(out, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

static void labels(FILE *out, const char *metric, const struct prom_target *t)
{
	fprintf(out, "%s{target=\"", metric);
	label_value(out, t->name);
	fputs("\",port=\"", out);
	label_value(out, t->port);
	fputc('"', out);
}

static void family(FILE *out, const char *metric, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", metric, help, metric);
}

/* Each kept target in turn (*at from 0); 0 at the end, or when it cannot
 * be read back (st->lost says so). */
static int next_target(struct report_state *st, struct prom_target *t, size_t *at)
{
	if (*at + sizeof(*t) > spill_size(&st->spill))
		return 0;
	if (spill_read(&st->spill, *at, t, sizeof(*t)) < 0) {
		st->lost = errno != 0 ? errno : EIO;
		return 0;
	}
	*at += sizeof(*t);
	return 1;
}

/* The families that say what each target is: open relay, status, the
 * result as a state set, tested or not, the accepted tests. */
static void write_results(FILE *out, struct report_state *st)
{
	struct prom_target t;

	family(out, "relaytest_open_relay",
	       "1 if the server accepted a relay test, 0 if not (absent: could not test).");
	for (size_t at = 0; next_target(st, &t, &at);)
		if (t.status != RUN_UNTESTED) {
			labels(out, "relaytest_open_relay", &t);
			fprintf(out, "} %d\n", t.status == RUN_OPEN);
		}
	family(out, "relaytest_status",
	       "Result: 0 not an open relay, 1 open relay, 2 inconclusive, 3 could not test.");
	for (size_t at = 0; next_target(st, &t, &at);) {
		labels(out, "relaytest_status", &t);
		fprintf(out, "} %d\n", (int)t.status);
	}
	family(out, "relaytest_result",
	       "The result as a state set: 1 for the target's one result (open, closed, "
	       "inconclusive, untested), 0 for the others.");
	for (size_t at = 0; next_target(st, &t, &at);)
		for (int r = 0; r < (int)(sizeof(prom_results) / sizeof(prom_results[0])); r++) {
			labels(out, "relaytest_result", &t);
			fprintf(out, ",result=\"%s\"} %d\n", prom_results[r], (int)t.status == r);
		}
	family(out, "relaytest_up",
	       "1 if an SMTP session was had and the tests ran, 0 if the target could not be "
	       "tested.");
	for (size_t at = 0; next_target(st, &t, &at);) {
		labels(out, "relaytest_up", &t);
		fprintf(out, "} %d\n", t.tested);
	}
	family(out, "relaytest_test_accepted",
	       "1 for each relay test the server accepted (absent: not accepted).");
	for (size_t at = 0; next_target(st, &t, &at);)
		for (size_t i = 0; i < cases_count; i++)
			if (t.accepted[i]) {
				labels(out, "relaytest_test_accepted", &t);
				fprintf(out, ",test=\"%s\"} 1\n", cases_table[i].id);
			}
}

/* The families that describe each run: certificate expiry, tests by
 * verdict, duration. */
static void write_details(FILE *out, struct report_state *st)
{
	struct prom_target t;

	family(out, "relaytest_tls_cert_expiry_timestamp_seconds",
	       "When the server's TLS certificate expires, in seconds since the Unix epoch "
	       "(absent: no test ran over TLS).");
	for (size_t at = 0; next_target(st, &t, &at);)
		if (t.cert_expiry > 0) {
			labels(out, "relaytest_tls_cert_expiry_timestamp_seconds", &t);
			fprintf(out, "} %lld\n", t.cert_expiry);
		}
	family(out, "relaytest_tests", "Relay tests run, by verdict (control test excluded).");
	for (size_t at = 0; next_target(st, &t, &at);)
		for (int v = 0; v < VERDICT_COUNT; v++) {
			labels(out, "relaytest_tests", &t);
			fprintf(out, ",verdict=\"%s\"} %zu\n", classify_verdict_key(v),
				t.counts[v]);
		}
	family(out, "relaytest_duration_seconds", "How long testing the target took.");
	for (size_t at = 0; next_target(st, &t, &at);) {
		labels(out, "relaytest_duration_seconds", &t);
		fprintf(out, "} %.3f\n", t.elapsed_ms / 1000.0);
	}
}

/* The findings beside the verdict (findings.h): one gauge each, by id, and
 * the one for the address the server sees as a family of its own. */
static void write_findings(FILE *out, struct report_state *st)
{
	struct prom_target t;

	family(out, "relaytest_seen_as_other_address",
	       "1 if the server's EHLO reply names this client by another address (a proxy "
	       "or NAT in front of it).");
	for (size_t at = 0; next_target(st, &t, &at);)
		if (t.status != RUN_UNTESTED) {
			labels(out, "relaytest_seen_as_other_address", &t);
			fprintf(out, "} %d\n", t.seen_other);
		}
	family(out, "relaytest_finding", "1 for each finding beside the verdict, by id.");
	for (size_t at = 0; next_target(st, &t, &at);)
		for (size_t i = 0; t.status != RUN_UNTESTED && i < findings_count(); i++) {
			labels(out, "relaytest_finding", &t);
			fprintf(out, ",id=\"%s\"} %d\n", findings_id(i), t.found[i]);
		}
}

int report_prometheus_finish(FILE *out, struct report_state *st, int status)
{
	/* A file that lacks a target would read as "not an open relay" for
	 * it, or as no target at all: write nothing rather than part. */
	if (st->lost != 0) {
		spill_free(&st->spill);
		return RUN_UNTESTED;
	}
	write_results(out, st);
	write_details(out, st);
	write_findings(out, st);
	family(out, "relaytest_last_run_timestamp_seconds",
	       "When this run finished, in seconds since the Unix epoch.");
	fprintf(out, "relaytest_last_run_timestamp_seconds %lld\n", (long long)time(NULL));
	spill_free(&st->spill);
	return st->lost != 0 ? RUN_UNTESTED : status;
}
