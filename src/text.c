/* text.c - sanitising, bounded copies and argument checks. */
#include "text.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

size_t text_sanitize(char *dst, size_t cap, const char *src, size_t len)
{
	size_t out = 0;

	if (cap == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c >= 0x20 && c < 0x7f) {
			if (out + 1 >= cap)
				break;
			dst[out++] = (char)c;
		} else {
			if (out + 4 >= cap)
				break;
			snprintf(dst + out, cap - out, "\\x%02x", c);
			out += 4;
		}
	}
	dst[out] = '\0';
	return out;
}

int text_copy(char *dst, size_t cap, const char *src)
{
	size_t len = strlen(src);

	if (cap == 0)
		return -1;
	if (len >= cap) {
		memcpy(dst, src, cap - 1);
		dst[cap - 1] = '\0';
		return -1;
	}
	memcpy(dst, src, len + 1);
	return 0;
}

/* The mark a cut text ends with. */
#define CUT_MARK " [...]"

int text_vformat(char *buf, size_t cap, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, cap, fmt, ap);
	char *cut;

	if (n >= 0 && (size_t)n < cap)
		return 0;
	if (cap < 4 * sizeof(CUT_MARK))
		return -1; /* too small to say more than it holds */
	/* Back to a space in the second half, else cut where it is. */
	cut = buf + cap - sizeof(CUT_MARK);
	while (cut > buf + cap / 2 && *cut != ' ')
		cut--;
	if (*cut != ' ')
		cut = buf + cap - sizeof(CUT_MARK);
	memcpy(cut, CUT_MARK, sizeof(CUT_MARK));
	return -1;
}

int text_format(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = text_vformat(buf, cap, fmt, ap);
	va_end(ap);
	return rc;
}

int text_contains_ci(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);

	for (; *haystack != '\0'; haystack++)
		if (strncasecmp(haystack, needle, n) == 0)
			return 1;
	return n == 0;
}

const char *text_check_arg(const char *arg)
{
	size_t len = strlen(arg);

	if (len == 0)
		return "is empty";
	if (len > TEXT_ARG_MAX)
		return "is longer than 254 bytes";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)arg[i];

		if (c == '\r' || c == '\n')
			return "contains a line break (CR or LF)";
		if (c == ' ' || c == '\t')
			return "contains white space";
		if (c < 0x20 || c == 0x7f)
			return "contains a control character";
		if (c > 0x7f)
			return "contains a non-ASCII byte";
	}
	return NULL;
}

const char *text_shown(char *buf, size_t cap, const char *src, int nagios)
{
	text_sanitize(buf, cap, src, strlen(src));
	for (char *p = buf; nagios && *p != '\0'; p++)
		if (*p == '|')
			*p = '/';
	return buf;
}
