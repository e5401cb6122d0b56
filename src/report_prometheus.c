/* report_prometheus.c - the Prometheus text exposition format, for
 * node_exporter's textfile collector: relaytest from cron writes a .prom
 * file, Prometheus alerts on relaytest_open_relay. A metric's samples must
 * stand together under its HELP and TYPE lines, so each target is kept as a
 * small summary and everything is written at the end. */
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

struct prom_store {
	struct prom_target *t;
	size_t n, cap;
};

int report_prometheus_target(FILE *out, struct target_result *res, struct report_state *st)
{
	struct prom_store *store = st->kept;
	struct prom_target *t;

	(void)out;
	if (store == NULL) {
		store = calloc(1, sizeof(*store));
		if (store == NULL)
			return 0;
		st->kept = store;
	}
	if (store->n == store->cap) {
		size_t cap = store->cap == 0 ? 16 : store->cap * 2;
		struct prom_target *grown = realloc(store->t, cap * sizeof(*grown));

		if (grown == NULL)
			return 0;
		store->t = grown;
		store->cap = cap;
	}
	t = &store->t[store->n++];
	text_copy(t->name, sizeof(t->name), res->target.host);
	text_copy(t->port, sizeof(t->port), res->target.port);
	t->status = res->status;
	memcpy(t->counts, res->counts, sizeof(t->counts));
	t->elapsed_ms = res->elapsed_ms;
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

int report_prometheus_finish(FILE *out, struct report_state *st, int status)
{
	struct prom_store *store = st->kept;
	struct prom_store none = { 0 };
	const struct prom_store *s = store != NULL ? store : &none;

	family(out, "relaytest_open_relay",
	       "1 if the server accepted a relay test, 0 if not (absent: could not test).");
	for (size_t i = 0; i < s->n; i++)
		if (s->t[i].status != RUN_UNTESTED) {
			labels(out, "relaytest_open_relay", &s->t[i]);
			fprintf(out, "} %d\n", s->t[i].status == RUN_OPEN);
		}
	family(out, "relaytest_status",
	       "Result: 0 not an open relay, 1 open relay, 2 inconclusive, 3 could not test.");
	for (size_t i = 0; i < s->n; i++) {
		labels(out, "relaytest_status", &s->t[i]);
		fprintf(out, "} %d\n", (int)s->t[i].status);
	}
	family(out, "relaytest_tests", "Relay tests run, by verdict (control test excluded).");
	for (size_t i = 0; i < s->n; i++)
		for (int v = 0; v < VERDICT_COUNT; v++) {
			labels(out, "relaytest_tests", &s->t[i]);
			fprintf(out, ",verdict=\"%s\"} %zu\n", classify_verdict_key(v),
				s->t[i].counts[v]);
		}
	family(out, "relaytest_duration_seconds", "How long testing the target took.");
	for (size_t i = 0; i < s->n; i++) {
		labels(out, "relaytest_duration_seconds", &s->t[i]);
		fprintf(out, "} %.3f\n", s->t[i].elapsed_ms / 1000.0);
	}
	family(out, "relaytest_last_run_timestamp_seconds",
	       "When this run finished, in seconds since the Unix epoch.");
	fprintf(out, "relaytest_last_run_timestamp_seconds %lld\n", (long long)time(NULL));
	if (store != NULL) {
		free(store->t);
		free(store);
		st->kept = NULL;
	}
	return status;
}
