/* report.c - the table of output formats, and the temporary file some of
 * them keep their output in until the end. */
#include "report.h"

#include <string.h>

const struct report_format report_formats[] = {
	{ "text", report_text_target, NULL },
	{ "json", report_json_target, NULL },
	{ "nagios", report_nagios_target, report_nagios_finish },
	{ "prometheus", report_prometheus_target, report_prometheus_finish },
};

const size_t report_formats_count = sizeof(report_formats) / sizeof(report_formats[0]);

const struct report_format *report_format_find(const char *name)
{
	for (size_t i = 0; i < report_formats_count; i++)
		if (strcmp(report_formats[i].name, name) == 0)
			return &report_formats[i];
	return NULL;
}

FILE *report_spill(struct report_state *st)
{
	if (st->spill == NULL && !st->spill_lost) {
		st->spill = tmpfile();
		st->spill_lost = st->spill == NULL;
	}
	return st->spill;
}

void report_spill_close(struct report_state *st)
{
	if (st->spill != NULL)
		fclose(st->spill);
	st->spill = NULL;
}
