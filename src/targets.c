/* targets.c - building the ordered target list. */
#include "targets.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct target *append(struct target_list *list)
{
	if (list->n >= TARGETS_MAX)
		return NULL;
	if (list->n == list->cap) {
		size_t cap = list->cap == 0 ? 16 : list->cap * 2;
		struct target *bigger = realloc(list->items, cap * sizeof(*bigger));

		if (bigger == NULL)
			return NULL;
		list->items = bigger;
		list->cap = cap;
	}
	memset(&list->items[list->n], 0, sizeof(list->items[0]));
	return &list->items[list->n++];
}

int targets_add(struct target_list *list, const char *arg, const int *ports, size_t nports,
		const char *domain, char *err, size_t cap)
{
	struct target parsed;

	if (target_parse(arg, ports[0], &parsed, err, cap) < 0)
		return -1;
	for (size_t i = 0; i < (parsed.explicit_port ? 1 : nports); i++) {
		struct target *t = append(list);

		if (t == NULL) {
			snprintf(err, cap, "too many targets (at most %d)", TARGETS_MAX);
			return -1;
		}
		*t = parsed;
		if (!parsed.explicit_port && nports > 1) {
			snprintf(t->port, sizeof(t->port), "%d", ports[i]);
			snprintf(t->name, sizeof(t->name),
				 strchr(t->host, ':') != NULL ? "[%s]:%d" : "%s:%d", t->host,
				 ports[i]);
		}
		if (domain != NULL)
			text_copy(t->domain, sizeof(t->domain), domain);
	}
	return 0;
}

int targets_add_failed(struct target_list *list, const char *name, const char *why)
{
	struct target *t = append(list);

	if (t == NULL)
		return -1;
	text_copy(t->name, sizeof(t->name), name);
	text_copy(t->host, sizeof(t->host), name);
	text_copy(t->error, sizeof(t->error), why);
	return 0;
}

/* The line without its comment and surrounding blanks. */
static char *strip(char *line)
{
	char *end;

	line[strcspn(line, "#\r\n")] = '\0';
	while (*line == ' ' || *line == '\t')
		line++;
	end = line + strlen(line);
	while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return line;
}

int targets_read(struct target_list *list, const char *path, const int *ports, size_t nports,
		 char *err, size_t cap)
{
	int use_stdin = strcmp(path, "-") == 0;
	FILE *f = use_stdin ? stdin : fopen(path, "r");
	char line[1024];
	const char *shown = use_stdin ? "standard input" : path;
	int rc = 0;

	if (f == NULL) {
		snprintf(err, cap, "--input %s: %s", path, strerror(errno));
		return -1;
	}
	for (unsigned number = 1; rc == 0 && fgets(line, sizeof(line), f) != NULL; number++) {
		char why[256];
		char *target;

		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, cap, "%s:%u: line longer than %zu bytes", shown, number,
				 sizeof(line) - 2);
			rc = -1;
			break;
		}
		target = strip(line);
		if (*target == '\0')
			continue;
		if (strpbrk(target, " \t") != NULL) {
			snprintf(err, cap, "%s:%u: one target per line", shown, number);
			rc = -1;
		} else if (targets_add(list, target, ports, nports, NULL, why, sizeof(why)) < 0) {
			snprintf(err, cap, "%s:%u: %s", shown, number, why);
			rc = -1;
		}
	}
	if (!use_stdin)
		fclose(f);
	return rc;
}

void targets_free(struct target_list *list)
{
	free(list->items);
	memset(list, 0, sizeof(*list));
}
