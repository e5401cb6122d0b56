/* report.c - the table of output formats, and the records some of them
 * keep until the end. */
#include "report.h"

#include <errno.h>
#include <string.h>

const struct report_format report_formats[] = {
	{ "text", report_text_target, report_text_finish },
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

int report_keep(struct report_state *st, const void *data, size_t len)
{
	size_t at;

	if (st->lost != 0)
		return -1;
	if (spill_append(&st->spill, data, len, &at) < 0) {
		st->lost = errno != 0 ? errno : ENOMEM;
		return -1;
	}
	return 0;
}
