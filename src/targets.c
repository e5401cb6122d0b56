/* targets.c - building the ordered target list. */
#include "targets.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The strings of a record, in order, after LEAD bytes: literal,
 * explicit_port and several. */
#define FIELDS(t)                                                                      \
	{                                                                              \
		(t)->name, (t)->host, (t)->port, (t)->domain, (t)->error, (t)->address \
	}
#define NFIELDS 6
#define LEAD 3

/* Pack t onto the end of list. Returns 0, or -1 when full or out of memory. */
static int append(struct target_list *list, const struct target *t)
{
	const char *fields[NFIELDS] = FIELDS(t);
	size_t need = LEAD;

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
	list->packed[list->used++] = (char)t->several;
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
	t->several = (unsigned char)p[2];
	p += LEAD;
	{
		char *fields[NFIELDS] = FIELDS(t);
		size_t caps[NFIELDS] = { sizeof(t->name),   sizeof(t->host),  sizeof(t->port),
					 sizeof(t->domain), sizeof(t->error), sizeof(t->address) };

		for (size_t f = 0; f < NFIELDS; f++) {
			text_copy(fields[f], caps[f], p);
			p += strlen(p) + 1;
		}
	}
}

/* The key of a server: host in lower case (an address literal in the form
 * inet_ntop gives), a newline, the port. */
static void server_key(const char *host, const char *port, char *key, size_t cap)
{
	unsigned char addr[sizeof(struct in6_addr)];
	char canon[INET6_ADDRSTRLEN];
	size_t n;

	if (inet_pton(AF_INET6, host, addr) == 1 &&
	    inet_ntop(AF_INET6, addr, canon, sizeof(canon)) != NULL)
		host = canon;
	n = (size_t)snprintf(key, cap, "%s\n%s", host, port);
	for (size_t i = 0; i < n && i < cap; i++)
		key[i] = (char)tolower((unsigned char)key[i]);
}

static size_t key_hash(const char *key)
{
	size_t h = 14695981039346656037ULL & SIZE_MAX; /* FNV-1a */

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * (1099511628211ULL & SIZE_MAX);
	return h;
}

/* The key of target i of the list. */
static void key_of(const struct target_list *list, size_t i, char *key, size_t cap)
{
	const char *name = list->packed + list->at[i] + LEAD;
	const char *host = name + strlen(name) + 1;
	const char *port = host + strlen(host) + 1;

	server_key(host, port, key, cap);
}

/* The slot of key in the set: where it is, or the empty one it would take. */
static size_t seen_slot(const struct target_list *list, const char *key)
{
	char other[sizeof(((struct target *)0)->host) + 16];
	size_t mask = list->seen_cap - 1, at = key_hash(key) & mask;

	while (list->seen[at] != 0) {
		key_of(list, list->seen[at] - 1, other, sizeof(other));
		if (strcmp(key, other) == 0)
			break;
		at = (at + 1) & mask;
	}
	return at;
}

/* Room in the set for one more target (kept at most half full). */
static int seen_grow(struct target_list *list)
{
	size_t cap = list->seen_cap == 0 ? 64 : list->seen_cap * 2;
	size_t *old = list->seen, old_cap = list->seen_cap;
	char key[sizeof(((struct target *)0)->host) + 16];

	if ((list->n + 1) * 2 <= list->seen_cap)
		return 0;
	list->seen = calloc(cap, sizeof(*list->seen));
	if (list->seen == NULL) {
		list->seen = old;
		return -1;
	}
	list->seen_cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i] != 0) {
			key_of(list, old[i] - 1, key, sizeof(key));
			list->seen[seen_slot(list, key)] = old[i];
		}
	free(old);
	return 0;
}

/* Append t unless its server is in the list already. Returns 0, or -1 when
 * full or out of memory. */
static int append_once(struct target_list *list, const struct target *t)
{
	char key[sizeof(t->host) + 16];
	size_t slot;

	if (seen_grow(list) < 0)
		return -1;
	server_key(t->host, t->port, key, sizeof(key));
	slot = seen_slot(list, key);
	if (list->seen[slot] != 0)
		return 0; /* tested once, reported once */
	if (append(list, t) < 0)
		return -1;
	list->seen[slot] = list->n;
	return 0;
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
		if (append_once(list, &t) < 0) {
			if (list->n >= TARGETS_MAX)
				snprintf(err, cap, "too many targets (at most %d)", TARGETS_MAX);
			else
				snprintf(err, cap, "out of memory after %zu targets", list->n);
			return -1;
		}
	}
	return 0;
}

int targets_append(struct target_list *list, const struct target *t)
{
	return append(list, t);
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

/* Read one line of at most cap - 1 bytes (its LF dropped) into buf, never
 * more: a file with no line end (/dev/zero) cannot eat memory. *len gets its
 * length. Returns 1 for a line, 0 at end of file, -1 for a line longer than
 * the buffer (the rest is not read), -2 for a read error (errno set). */
static int read_line(FILE *f, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;

	for (;;) {
		int c;

		errno = 0;
		c = getc(f);
		if (c == EOF) {
			if (ferror(f))
				return -2;
			*len = n;
			return n > 0;
		}
		if (c == '\n')
			break;
		if (n + 1 >= cap)
			return -1;
		buf[n++] = (char)c;
	}
	*len = n;
	return 1;
}

/* One line's target (line is n bytes, NUL-terminated): appended, skipped
 * (blank or comment), or refused with "WHERE:LINE: problem" in err. */
static int add_line(struct target_list *list, char *line, size_t n, const char *shown,
		    unsigned number, const int *ports, size_t nports, char *err, size_t cap)
{
	char why[256];
	char *target;

	if (n > 0 && line[n - 1] == '\r') /* CRLF line ends are fine */
		line[--n] = '\0';
	if (memchr(line, '\0', n) != NULL || memchr(line, '\r', n) != NULL) {
		snprintf(err, cap, "%s:%u: a %s byte inside the line", shown, number,
			 memchr(line, '\0', n) != NULL ? "NUL" : "carriage return (CR)");
		return -1;
	}
	target = strip(line);
	if (*target == '\0')
		return 0;
	if (strpbrk(target, " \t") != NULL) {
		snprintf(err, cap, "%s:%u: one target per line", shown, number);
		return -1;
	}
	if (targets_add(list, target, ports, nports, NULL, why, sizeof(why)) < 0) {
		snprintf(err, cap, "%s:%u: %s", shown, number, why);
		return -1;
	}
	return 0;
}

int targets_read(struct target_list *list, const char *path, const int *ports, size_t nports,
		 char *err, size_t cap)
{
	int use_stdin = strcmp(path, "-") == 0;
	FILE *f = use_stdin ? stdin : fopen(path, "r");
	/* Room for the longest line, its CR and one byte more to see it is too long. */
	char line[TARGETS_LINE_MAX + 3];
	const char *shown = use_stdin ? "standard input" : path;
	unsigned number = 0;
	struct stat st;
	size_t n;
	int rc = 0, got;

	if (f == NULL) {
		snprintf(err, cap, "--input %s: %s", path, strerror(errno));
		return TARGETS_USAGE;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, cap, "--input %s: is a directory, not a file of targets", shown);
		if (!use_stdin)
			fclose(f);
		return TARGETS_USAGE;
	}
	while (rc == 0 && (got = read_line(f, line, sizeof(line), &n)) != 0) {
		number++;
		if (got == -2) {
			snprintf(err, cap, "--input %s: cannot read line %u: %s", shown, number,
				 strerror(errno != 0 ? errno : EIO));
			rc = TARGETS_READ_ERROR;
		} else if (got == -1 || (n > TARGETS_LINE_MAX &&
					 !(n == TARGETS_LINE_MAX + 1 && line[n - 1] == '\r'))) {
			snprintf(err, cap, "%s:%u: line longer than %d bytes", shown, number,
				 TARGETS_LINE_MAX);
			rc = TARGETS_USAGE;
		} else {
			line[n] = '\0';
			rc = add_line(list, line, n, shown, number, ports, nports, err, cap);
		}
	}
	if (!use_stdin)
		fclose(f);
	return rc;
}

void targets_free(struct target_list *list)
{
	free(list->packed);
	free(list->at);
	free(list->seen);
	memset(list, 0, sizeof(*list));
}
