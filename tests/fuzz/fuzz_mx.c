/* fuzz_mx.c - libFuzzer target: mx_parse on any DNS answer. Checks what
 * the contract promises: at most MX_HOSTS_MAX hosts, in preference order,
 * each name terminated and non-empty. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_answer a;
	char err[256];

	memset(&a, 0, sizeof(a));
	if (mx_parse(data, size, &a, err, sizeof(err)) < 0) {
		if (memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		return 0;
	}
	if (a.n > MX_HOSTS_MAX)
		abort();
	for (size_t i = 0; i < a.n; i++) {
		if (memchr(a.hosts[i].name, '\0', sizeof(a.hosts[i].name)) == NULL ||
		    a.hosts[i].name[0] == '\0')
			abort();
		if (i > 0 && a.hosts[i - 1].preference > a.hosts[i].preference)
			abort();
	}
	return 0;
}
