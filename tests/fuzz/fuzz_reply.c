/* fuzz_reply.c - libFuzzer target: the reply parser, capabilities, greeting
 * host, the address an EHLO reply echoes and classifier on arbitrary bytes,
 * split into lines at LF. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "classify.h"
#include "reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct reply r;
	struct rt_error err;

	reply_init(&r);
	while (p < end) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((lf != NULL ? lf : end) - p);
		int rc;

		if (len > 0 && p[len - 1] == '\r')
			len--;
		rc = len <= REPLY_LINE_MAX ? reply_add_line(&r, p, len, &err) : -1;
		if (rc != 0) {
			if (rc == 1) {
				struct capabilities caps;
				char buf[REPLY_TEXT_MAX];
				const char *sent[] = { "<probe@example.net>", "probe" };

				for (int step = CLASSIFY_EHLO; step <= CLASSIFY_XCLIENT; step++)
					(void)classify((enum classify_step)step, &r, sent, 2);
				reply_capabilities(&r, &caps);
				(void)reply_xclient_takes(&caps, "PORT");
				reply_greeting_host(&r, buf, sizeof(buf));
				reply_seen_as(&r, buf, sizeof(buf));
				for (size_t i = 0; reply_line(&r, i, buf, sizeof(buf)) == 0; i++)
					;
			}
			reply_init(&r);
		}
		p += (size_t)((lf != NULL ? lf + 1 : end) - p);
	}
	return 0;
}
