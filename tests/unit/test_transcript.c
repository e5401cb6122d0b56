/* test_transcript.c - the --verbose transcript grouped by connection. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "transcript.h"

void test_transcript_group(void);

/* The transcript without its time stamps: "c1 -> EHLO", "== note", "". */
static void unstamped(const char *buf, char *out, size_t cap)
{
	size_t used = 0;

	while (*buf != '\0' && used + 1 < cap) {
		const char *nl = strchr(buf, '\n');
		size_t len = nl != NULL ? (size_t)(nl - buf) : strlen(buf);
		const char *p = buf;

		while (p < buf + len && *p == ' ')
			p++;
		while (p < buf + len && *p != ' ') /* the seconds */
			p++;
		while (p < buf + len && *p == ' ')
			p++;
		used += (size_t)snprintf(out + used, cap - used, "%.*s|", (int)(buf + len - p), p);
		buf += len + (nl != NULL);
	}
}

void test_transcript_group(void)
{
	struct transcript t;
	char got[1024];

	transcript_init(&t, 1);
	transcript_add(&t, 1, "<- ", "220 one", 7);
	transcript_add(&t, 2, "<- ", "220 two", 7);
	transcript_note(&t, "3 tests to run");
	transcript_add(&t, 1, "-> ", "MAIL FROM:<a@b>", 15);
	transcript_add(&t, 12, "<- ", "220 twelve", 10);
	transcript_add(&t, 2, "TLS -> ", "EHLO x", 6);
	transcript_add(&t, 1, "-> ", "QUIT", 4);
	transcript_group(&t);
	unstamped(t.buf, got, sizeof(got));
	CHECK_STR(got, "== 3 tests to run|"
		       "|c1  <- 220 one|c1  -> MAIL FROM:<a@b>|c1  -> QUIT|"
		       "|c2  <- 220 two|c2  TLS -> EHLO x|"
		       "|c12 <- 220 twelve|");
	CHECK_INT(t.len, strlen(t.buf));
	CHECK(t.len < t.cap);
	/* Lines may still be added after (nothing does), and it frees. */
	transcript_add(&t, 3, "<- ", "late", 4);
	CHECK(strstr(t.buf, "c3  <- late\n") != NULL);
	transcript_free(&t);

	/* Empty or disabled: nothing to group, nothing breaks. */
	transcript_init(&t, 0);
	transcript_group(&t);
	CHECK(t.buf == NULL);
	transcript_free(&t);
}
