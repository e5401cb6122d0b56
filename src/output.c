/* output.c - the report to standard output, or to a file replaced whole. */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int output_open(struct output_file *o, const char *path, char *err, size_t cap)
{
	mode_t mask;
	int fd;

	memset(o, 0, sizeof(*o));
	o->path = path;
	if (path == NULL) {
		o->fp = stdout;
		return 0;
	}
	if (snprintf(o->tmp, sizeof(o->tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(o->tmp)) {
		snprintf(err, cap, "--output: the file name is too long");
		return -1;
	}
	fd = mkstemp(o->tmp);
	if (fd < 0) {
		snprintf(err, cap, "--output %.300s: cannot create a file beside it: %s", path,
			 strerror(errno));
		o->tmp[0] = '\0';
		return -1;
	}
	/* mkstemp makes it 0600; a report is for others to read (the collector
	 * runs as its own user), as a file made with the umask would be. */
	mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	o->fp = fdopen(fd, "w");
	if (o->fp == NULL) {
		snprintf(err, cap, "--output %.300s: %s", path, strerror(errno));
		close(fd);
		output_discard(o);
		return -1;
	}
	return 0;
}

/* Sync the directory that holds path, so the rename survives a crash. */
static void sync_directory(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int output_commit(struct output_file *o, char *err, size_t cap)
{
	const char *shown = o->path != NULL ? o->path : "standard output";
	int saved;

	errno = 0;
	if (fflush(o->fp) == EOF || ferror(o->fp)) {
		saved = errno != 0 ? errno : EIO;
		goto failed;
	}
	if (o->path == NULL)
		return 0;
	if (fsync(fileno(o->fp)) < 0) {
		saved = errno;
		goto failed;
	}
	if (fclose(o->fp) == EOF) {
		saved = errno;
		o->fp = NULL;
		goto failed;
	}
	o->fp = NULL;
	if (rename(o->tmp, o->path) < 0) {
		saved = errno;
		goto failed;
	}
	o->tmp[0] = '\0';
	sync_directory(o->path);
	return 0;
failed:
	snprintf(err, cap, "cannot write the report to %.300s: %s%s", shown, strerror(saved),
		 o->path != NULL ? " (the file was left as it was)" : "");
	if (o->path != NULL)
		output_discard(o);
	errno = saved;
	return -1;
}

void output_discard(struct output_file *o)
{
	if (o->path == NULL)
		return;
	if (o->fp != NULL)
		fclose(o->fp);
	o->fp = NULL;
	if (o->tmp[0] != '\0')
		unlink(o->tmp);
	o->tmp[0] = '\0';
}
