/* reply.h - the SMTP reply parser (RFC 5321 section 4.2, RFC 3463 enhanced
 * status codes, RFC 5321 section 4.1.1.1 EHLO keywords).
 *
 * Pure: no I/O, no allocation. Every byte it reads comes from a server we do
 * not trust, so every length is bounded and every field checked. Text kept in
 * a struct reply is already sanitised (printable ASCII, lines joined by '\n'). */
#ifndef RELAYTEST_REPLY_H
#define RELAYTEST_REPLY_H

#include <stddef.h>

#include "error.h"

#define REPLY_LINE_MAX 1000   /* bytes in one line, CRLF excluded (RFC: 512) */
#define REPLY_LINES_MAX 100   /* lines in one reply */
#define REPLY_TEXT_MAX 1024   /* sanitised text kept from one reply */
#define REPLY_ENHANCED_MAX 16 /* "5.7.1" and longer forms up to 5.999.999 */

struct reply {
	int code;			   /* 200..599 once a line is in */
	char enhanced[REPLY_ENHANCED_MAX]; /* "5.7.1", or "" when absent */
	char text[REPLY_TEXT_MAX];	   /* text after the code, lines split by '\n' */
	size_t nlines;
	int complete; /* the last line (code followed by space or end) has come */
};

/* What the server told us in its EHLO reply. */
#define CAPS_AUTH_MAX 128
#define CAPS_LIST_MAX 512

struct capabilities {
	int esmtp; /* EHLO answered 250; else we fell back to HELO */
	int pipelining;
	int starttls;
	int auth;
	int auth_plain;
	int auth_login;
	int xclient; /* Postfix's XCLIENT: we may claim another client's address */
	long size;   /* SIZE value, 0 when not given */
	char auth_mechs[CAPS_AUTH_MAX]; /* "PLAIN LOGIN", sanitised */
	char list[CAPS_LIST_MAX];	/* every keyword line, joined by '\n' */
};

/* Parse one raw reply line (CRLF already removed). On success stores the
 * code, whether more lines follow, and where the text after the separator
 * starts, and returns 0. Returns -1 when the line is not an SMTP reply line:
 * the code must be three digits [2-5][0-5][0-9] followed by ' ', '-' or the
 * end of the line. */
int reply_parse_line(const char *line, size_t len, int *code, int *more, const char **text,
		     size_t *textlen);

/* Empty r so that reply_add_line can fill it. */
void reply_init(struct reply *r);

/* Add one raw line to r. Returns 1 when the reply is complete, 0 when more
 * lines must follow, -1 (with err filled, ERR_PROTOCOL) when the line is not
 * SMTP, its code differs from the first line's, or the reply has more than
 * REPLY_LINES_MAX lines. */
int reply_add_line(struct reply *r, const char *line, size_t len, struct rt_error *err);

/* Copy the n-th line (0-based) of r->text into buf; returns -1 if absent. */
int reply_line(const struct reply *r, size_t n, char *buf, size_t cap);

/* Fill caps from a complete 250 EHLO reply. */
void reply_capabilities(const struct reply *ehlo, struct capabilities *caps);

/* Whether the XCLIENT keyword line of caps ("XCLIENT NAME ADDR ... LOGIN")
 * lists attribute (case-insensitive). */
int reply_xclient_takes(const struct capabilities *caps, const char *attribute);

/* The host name a greeting announces: its first word, when that looks like a
 * domain name or address literal. Returns -1 (buf empty) when it does not. */
int reply_greeting_host(const struct reply *greeting, char *buf, size_t cap);

/* The client address a 250 EHLO/HELO reply's first line echoes ("Hello
 * name [192.0.2.7]", as Exim, Sendmail, OpenSMTPD, Exchange and others
 * say), in canonical form, into buf (at least INET6_ADDRSTRLEN bytes).
 * Returns 0, or -1 (buf empty) when the reply names no address. */
int reply_seen_as(const struct reply *hello, char *buf, size_t cap);

#endif
