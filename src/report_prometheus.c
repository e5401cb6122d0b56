/* report_prometheus.c - the Prometheus text exposition format, for
 * node_exporter's textfile collector: relaytest from cron writes a .prom
 * file, Prometheus alerts on relaytest_open_relay. A metric's samples must
 * stand together under its HELP and TYPE lines, so each target is kept as a
 * small summary in a temporary file (report_spill: memory does not grow with
 * the number of targets) and everything is written at the end, one pass
 * over the file per metric. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"
#include "text.h"

struct prom_target {
	char name[TEXT_ARG_MAX + 8];
	char port[8];
	enum run_status status;
	size_t counts[VERDICT_COUNT];
	long elapsed_ms;
};

int report_prometheus_target(FILE *out, struct target_result *res, struct report_state *st)
{
	FILE *kept = report_spill(st);
	struct prom_target t;

	(void)out;
	if (kept == NULL)
		return 0; /* said at the end */
	memset(&t, 0, sizeof(t));
	text_copy(t.name, sizeof(t.name), res->target.host);
	text_copy(t.port, sizeof(t.port), res->target.port);
	t.status = res->status;
	memcpy(t.counts, res->counts, sizeof(t.counts));
	t.elapsed_ms = res->elapsed_ms;
	fwrite(&t, sizeof(t), 1, kept);
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

/* Each kept target in turn, from the start of the file; 0 at the end. */
static int next_target(struct report_state *st, struct prom_target *t, int first)
{
	if (st->spill == NULL)
		return 0;
	if (first)
		rewind(st->spill);
	return fread(t, sizeof(*t), 1, st->spill) == 1;
}

int report_prometheus_finish(FILE *out, struct report_state *st, int status)
{
	struct prom_target t;

	if (st->spill_lost)
		fputs("# relaytest: no temporary file could be made; targets left out\n", out);
	family(out, "relaytest_open_relay",
	       "1 if the server accepted a relay test, 0 if not (absent: could not test).");
	for (int more = next_target(st, &t, 1); more; more = next_target(st, &t, 0))
		if (t.status != RUN_UNTESTED) {
			labels(out, "relaytest_open_relay", &t);
			fprintf(out, "} %d\n", t.status == RUN_OPEN);
		}
	family(out, "relaytest_status",
	       "Result: 0 not an open relay, 1 open relay, 2 inconclusive, 3 could not test.");
	for (int more = next_target(st, &t, 1); more; more = next_target(st, &t, 0)) {
		labels(out, "relaytest_status", &t);
		fprintf(out, "} %d\n", (int)t.status);
	}
	family(out, "relaytest_tests", "Relay tests run, by verdict (control test excluded).");
	for (int more = next_target(st, &t, 1); more; more = next_target(st, &t, 0))
		for (int v = 0; v < VERDICT_COUNT; v++) {
			labels(out, "relaytest_tests", &t);
			fprintf(out, ",verdict=\"%s\"} %zu\n", classify_verdict_key(v),
				t.counts[v]);
		}
	family(out, "relaytest_duration_seconds", "How long testing the target took.");
	for (int more = next_target(st, &t, 1); more; more = next_target(st, &t, 0)) {
		labels(out, "relaytest_duration_seconds", &t);
		fprintf(out, "} %.3f\n", t.elapsed_ms / 1000.0);
	}
	family(out, "relaytest_last_run_timestamp_seconds",
	       "When this run finished, in seconds since the Unix epoch.");
	fprintf(out, "relaytest_last_run_timestamp_seconds %lld\n", (long long)time(NULL));
	report_spill_close(st);
	return status;
}
