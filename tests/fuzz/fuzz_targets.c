/* fuzz_targets.c - libFuzzer target: target parsing and --input files. The
 * input is written to a temporary file and read as an --input list; its
 * first line is also parsed as one target operand. Every accepted target
 * must come back from the packed list with terminated, control-free names. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "target.h"
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct target *t)
{
	if (memchr(t->name, '\0', sizeof(t->name)) == NULL ||
	    memchr(t->host, '\0', sizeof(t->host)) == NULL)
		abort();
	for (const char *p = t->name; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[] = "/tmp/fuzz_targets.XXXXXX";
	static int fd = -1;
	static const int ports[] = { 25, 587 };
	struct target_list list = { 0 };
	struct target t;
	char err[512], first[1100];
	size_t n = 0;

	if (fd < 0) {
		fd = mkstemp(path);
		if (fd < 0)
			return 0;
		unlink(path);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	while (n < size && n < sizeof(first) - 1 && data[n] != '\n' && data[n] != '\0') {
		first[n] = (char)data[n];
		n++;
	}
	first[n] = '\0';
	if (target_parse(first, 25, &t, err, sizeof(err)) == 0)
		check(&t);
	targets_read(&list, path, ports, 2, err, sizeof(err));
	if (memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	for (size_t i = 0; i < list.n; i++) {
		targets_get(&list, i, &t);
		check(&t);
	}
	targets_free(&list);
	return 0;
}
