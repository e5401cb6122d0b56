/* targets.c - building the ordered target list. */
#include "targets.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The strings of a record, in order; literal and explicit_port lead as two bytes. */
#define FIELDS(t)                                                        \
	{                                                                \
		(t)->name, (t)->host, (t)->port, (t)->domain, (t)->error \
	}
#define NFIELDS 5

/* Pack t onto the end of list. Returns 0, or -1 when full or out of memory. */
static int append(struct target_list *list, const struct target *t)
{
	const char *fields[NFIELDS] = FIELDS(t);
	size_t need = 2;

	if (list->n >= TARGETS_MAX)
		return -1;
	for (size_t i = 0; i < NFIELDS; i++)
		need += strlen(fields[i]) + 1;
	if (list->n == list->cap) {
		size_t cap = list->cap == 0 ? 16 : list->cap * 2;
		size_t *bigger = realloc(list->at, cap * sizeof(*bigger));

		if (bigger == NULL)
			return -1;
		list->at = bigger;
		list->cap = cap;
	}
	if (list->size - list->used < need) {
		size_t size = list->size == 0 ? 4096 : list->size * 2;
		char *bigger;

		while (size - list->used < need)
			size *= 2;
		bigger = realloc(list->packed, size);
		if (bigger == NULL)
			return -1;
		list->packed = bigger;
		list->size = size;
	}
	list->at[list->n++] = list->used;
	list->packed[list->used++] = (char)t->literal;
	list->packed[list->used++] = (char)t->explicit_port;
	for (size_t i = 0; i < NFIELDS; i++) {
		size_t len = strlen(fields[i]) + 1;

		memcpy(list->packed + list->used, fields[i], len);
		list->used += len;
	}
	return 0;
}

void targets_get(const struct target_list *list, size_t i, struct target *t)
{
	const char *p = list->packed + list->at[i];

	memset(t, 0, sizeof(*t));
	t->literal = (unsigned char)p[0];
	t->explicit_port = (unsigned char)p[1];
	p += 2;
	{
		char *fields[NFIELDS] = FIELDS(t);
		size_t caps[NFIELDS] = { sizeof(t->name), sizeof(t->host), sizeof(t->port),
					 sizeof(t->domain), sizeof(t->error) };

		for (size_t f = 0; f < NFIELDS; f++) {
			text_copy(fields[f], caps[f], p);
			p += strlen(p) + 1;
		}
	}
}

int targets_add(struct target_list *list, const char *arg, const int *ports, size_t nports,
		const char *domain, char *err, size_t cap)
{
	struct target parsed;

	if (target_parse(arg, ports[0], &parsed, err, cap) < 0)
		return -1;
	for (size_t i = 0; i < (parsed.explicit_port ? 1 : nports); i++) {
		struct target t = parsed;

		if (!parsed.explicit_port && nports > 1) {
			snprintf(t.port, sizeof(t.port), "%d", ports[i]);
			snprintf(t.name, sizeof(t.name),
				 strchr(t.host, ':') != NULL ? "[%s]:%d" : "%s:%d", t.host,
				 ports[i]);
		}
		if (domain != NULL)
			text_copy(t.domain, sizeof(t.domain), domain);
		if (append(list, &t) < 0) {
			if (list->n >= TARGETS_MAX)
				snprintf(err, cap, "too many targets (at most %d)", TARGETS_MAX);
			else
				snprintf(err, cap, "out of memory after %zu targets", list->n);
			return -1;
		}
	}
	return 0;
}

int targets_add_failed(struct target_list *list, const char *name, const char *why)
{
	struct target t;

	memset(&t, 0, sizeof(t));
	text_copy(t.name, sizeof(t.name), name);
	text_copy(t.host, sizeof(t.host), name);
	text_copy(t.error, sizeof(t.error), why);
	return append(list, &t);
}

/* The line without its comment and surrounding blanks. */
static char *strip(char *line)
{
	char *end;

	line[strcspn(line, "#")] = '\0';
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
	char *line = NULL;
	size_t linecap = 0;
	ssize_t len;
	const char *shown = use_stdin ? "standard input" : path;
	unsigned number = 0;
	struct stat st;
	int rc = 0;

	if (f == NULL) {
		snprintf(err, cap, "--input %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, cap, "--input %s: is a directory, not a file of targets", shown);
		if (!use_stdin)
			fclose(f);
		return -1;
	}
	while (rc == 0 && (len = getline(&line, &linecap, f)) >= 0) {
		char why[256];
		char *target;
		size_t n = (size_t)len;

		number++;
		if (n > 0 && line[n - 1] == '\n')
			n--;
		if (n > 0 && line[n - 1] == '\r') /* CRLF line ends are fine */
			n--;
		if (n > TARGETS_LINE_MAX) {
			snprintf(err, cap, "%s:%u: line longer than %d bytes", shown, number,
				 TARGETS_LINE_MAX);
			rc = -1;
			break;
		}
		if (memchr(line, '\0', n) != NULL || memchr(line, '\r', n) != NULL) {
			snprintf(err, cap, "%s:%u: a %s byte inside the line", shown, number,
				 memchr(line, '\0', n) != NULL ? "NUL" : "carriage return (CR)");
			rc = -1;
			break;
		}
		line[n] = '\0';
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
	if (rc == 0 && ferror(f)) {
		snprintf(err, cap, "--input %s: %s", shown, strerror(errno));
		rc = -1;
	}
	free(line);
	if (!use_stdin)
		fclose(f);
	return rc;
}

void targets_free(struct target_list *list)
{
	free(list->packed);
	free(list->at);
	memset(list, 0, sizeof(*list));
}
