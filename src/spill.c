/* spill.c - a temporary file of records, with memory behind it. */
#include "spill.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void spill_init(struct spill *s)
{
	memset(s, 0, sizeof(*s));
}

/* An unlinked file in $TMPDIR (tmpfile(3) ignores it) or /tmp. */
static int open_file(void)
{
	const char *dir = getenv("TMPDIR");
	char path[PATH_MAX];
	int fd;

	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	if (snprintf(path, sizeof(path), "%s/relaytest.XXXXXX", dir) >= (int)sizeof(path))
		return -1;
	fd = mkstemp(path);
	if (fd >= 0) {
		unlink(path);
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	return fd;
}

/* Room for need more bytes in memory. */
static int grow(struct spill *s, size_t need)
{
	size_t cap = s->cap == 0 ? 65536 : s->cap;
	char *bigger;

	if (need <= s->cap - s->end)
		return 0;
	while (cap - s->end < need) {
		if (cap > SIZE_MAX / 2) {
			errno = ENOMEM;
			return -1;
		}
		cap *= 2;
	}
	bigger = realloc(s->mem, cap);
	if (bigger == NULL)
		return -1;
	s->mem = bigger;
	s->cap = cap;
	return 0;
}

/* The file failed: bring what it holds into memory, and stay there. */
static int to_memory(struct spill *s)
{
	int kept = s->has_file ? s->fd : -1;

	s->in_memory = 1;
	s->has_file = 0;
	if (s->end > 0 && (grow(s, s->end) < 0 || kept < 0 ||
			   pread(kept, s->mem, s->end, 0) != (ssize_t)s->end)) {
		if (kept >= 0)
			close(kept);
		return -1;
	}
	if (kept >= 0)
		close(kept);
	return 0;
}

static int write_file(int fd, const void *data, size_t len, size_t at)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)at);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		at += (size_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int spill_append(struct spill *s, const void *data, size_t len, size_t *at)
{
	if (!s->in_memory) {
		if (!s->has_file) {
			s->fd = open_file();
			s->has_file = s->fd >= 0;
		}
		if (s->has_file && write_file(s->fd, data, len, s->end) == 0) {
			*at = s->end;
			s->end += len;
			return 0;
		}
		if (to_memory(s) < 0)
			return -1;
	}
	if (grow(s, len) < 0)
		return -1;
	memcpy(s->mem + s->end, data, len);
	*at = s->end;
	s->end += len;
	return 0;
}

int spill_read(const struct spill *s, size_t at, void *buf, size_t len)
{
	char *p = buf;

	if (at > s->end || len > s->end - at) {
		errno = EINVAL;
		return -1;
	}
	if (s->in_memory) {
		memcpy(buf, s->mem + at, len);
		return 0;
	}
	while (len > 0) {
		ssize_t n = pread(s->fd, p, len, (off_t)at);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			errno = n == 0 ? EIO : errno;
			return -1;
		}
		p += n;
		at += (size_t)n;
		len -= (size_t)n;
	}
	return 0;
}

size_t spill_size(const struct spill *s)
{
	return s->end;
}

void spill_clear(struct spill *s)
{
	if (s->has_file && ftruncate(s->fd, 0) < 0) {
		close(s->fd); /* a fresh file next time */
		s->has_file = 0;
	}
	s->end = 0;
}

void spill_free(struct spill *s)
{
	if (s->has_file)
		close(s->fd);
	free(s->mem);
	spill_init(s);
}
