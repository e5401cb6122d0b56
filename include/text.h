/* text.h - small string helpers: sanitising hostile text, bounded copies,
 * and the validation that keeps user input from reaching the socket as
 * extra SMTP commands. Pure functions, no I/O. */
#ifndef RELAYTEST_TEXT_H
#define RELAYTEST_TEXT_H

#include <stdarg.h>
#include <stddef.h>

/* Longest address, HELO name, domain or host name accepted (RFC 5321 path). */
#define TEXT_ARG_MAX 254

/* Copy len bytes of untrusted src into dst (capacity cap, always
 * NUL-terminated), replacing every byte outside printable ASCII with
 * "\xNN" so that no terminal escape or control byte is ever printed.
 * Output that does not fit is cut at a whole escape. Returns the length
 * written. */
size_t text_sanitize(char *dst, size_t cap, const char *src, size_t len);

/* src, a string, sanitised into buf as text_sanitize does, with every '|'
 * also made '/' when nagios is set (in a plugin's output '|' starts the
 * performance data). Returns buf, for use inside printf's arguments. */
const char *text_shown(char *buf, size_t cap, const char *src, int nagios);

/* Bounded copy: copies at most cap-1 bytes and terminates. Returns 0, or -1
 * when src did not fit (dst then holds the truncated copy). */
int text_copy(char *dst, size_t cap, const char *src);

/* snprintf for text where cutting at cap is acceptable (notes, messages):
 * always terminated; text too long for cap ends on a whole word and says
 * so (" [...]"), never mid-word. Returns 0, or -1 when the text was cut. */
int text_format(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* text_format with a va_list. */
int text_vformat(char *buf, size_t cap, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Case-insensitive substring search in a NUL-terminated haystack. */
int text_contains_ci(const char *haystack, const char *needle);

/* Check a user-supplied argument (address, HELO name, domain, target) that
 * will be written into SMTP commands: non-empty, at most TEXT_ARG_MAX bytes,
 * no control characters, no spaces, no bytes >= 0x7f. Returns NULL when it
 * is acceptable, else a static phrase saying what is wrong. */
const char *text_check_arg(const char *arg);

#endif
