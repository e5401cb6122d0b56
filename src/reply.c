/* reply.c - the SMTP reply parser. */
#include "reply.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text.h"

int reply_parse_line(const char *line, size_t len, int *code, int *more, const char **text,
		     size_t *textlen)
{
	if (len < 3)
		return -1;
	if (line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '5' ||
	    !isdigit((unsigned char)line[2]))
		return -1;
	*code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (len == 3) {
		*more = 0;
		*text = line + 3;
		*textlen = 0;
		return 0;
	}
	if (line[3] != ' ' && line[3] != '-')
		return -1;
	*more = line[3] == '-';
	*text = line + 4;
	*textlen = len - 4;
	return 0;
}

void reply_init(struct reply *r)
{
	memset(r, 0, sizeof(*r));
}

/* An RFC 3463 code "c.sss.ddd" at the start of text, whose class matches the
 * reply's first digit, followed by a space or the end. */
static void parse_enhanced(struct reply *r, const char *text, size_t len)
{
	size_t i = 0;
	int part_digits[3] = { 0, 0, 0 };
	int part = 0;

	if (len == 0 || text[0] - '0' != r->code / 100)
		return;
	for (i = 0; i < len && text[i] != ' '; i++) {
		if (text[i] == '.') {
			if (++part > 2)
				return;
		} else if (isdigit((unsigned char)text[i])) {
			part_digits[part]++;
		} else {
			return;
		}
	}
	if (part != 2 || part_digits[0] != 1 || part_digits[1] < 1 || part_digits[1] > 3 ||
	    part_digits[2] < 1 || part_digits[2] > 3)
		return;
	memcpy(r->enhanced, text, i);
	r->enhanced[i] = '\0';
}

static void append_text(struct reply *r, const char *text, size_t len)
{
	size_t used = strlen(r->text);

	if (r->nlines > 0) {
		if (used + 1 >= sizeof(r->text))
			return;
		r->text[used++] = '\n';
		r->text[used] = '\0';
	}
	text_sanitize(r->text + used, sizeof(r->text) - used, text, len);
}

int reply_add_line(struct reply *r, const char *line, size_t len, struct rt_error *err)
{
	int code = 0, more = 0;
	const char *text = NULL;
	size_t textlen = 0;

	if (reply_parse_line(line, len, &code, &more, &text, &textlen) < 0) {
		char shown[80];

		text_sanitize(shown, sizeof(shown), line, len < 60 ? len : 60);
		error_set(err, ERR_PROTOCOL, "not an SMTP reply line: \"%s\"", shown);
		return -1;
	}
	if (r->nlines == 0) {
		r->code = code;
		parse_enhanced(r, text, textlen);
	} else if (code != r->code) {
		error_set(err, ERR_PROTOCOL,
			  "reply line with code %d continues a reply that began with %d", code,
			  r->code);
		return -1;
	}
	if (r->nlines >= REPLY_LINES_MAX) {
		error_set(err, ERR_PROTOCOL, "reply has more than %d lines", REPLY_LINES_MAX);
		return -1;
	}
	append_text(r, text, textlen);
	r->nlines++;
	r->complete = !more;
	return r->complete;
}

int reply_line(const struct reply *r, size_t n, char *buf, size_t cap)
{
	const char *p = r->text;

	for (size_t i = 0; i < n; i++) {
		p = strchr(p, '\n');
		if (p == NULL) {
			buf[0] = '\0';
			return -1;
		}
		p++;
	}
	if (n >= r->nlines) {
		buf[0] = '\0';
		return -1;
	}
	size_t len = strcspn(p, "\n");
	if (len >= cap)
		len = cap - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return 0;
}

/* Append text to dst, after sep when dst is not empty; cut at cap. */
static void append_item(char *dst, size_t cap, char sep, const char *text)
{
	size_t used = strlen(dst);

	if (used > 0 && used + 1 < cap)
		dst[used++] = sep;
	dst[used] = '\0';
	text_copy(dst + used, cap - used, text);
}

static void parse_auth_mechs(struct capabilities *caps, const char *args)
{
	char word[64];

	while (*args != '\0') {
		size_t n;

		while (*args == ' ' || *args == '=')
			args++;
		n = strcspn(args, " ");
		if (n == 0)
			break;
		if (n < sizeof(word)) {
			memcpy(word, args, n);
			word[n] = '\0';
			if (strcasecmp(word, "PLAIN") == 0)
				caps->auth_plain = 1;
			else if (strcasecmp(word, "LOGIN") == 0)
				caps->auth_login = 1;
			if (!text_contains_ci(caps->auth_mechs, word))
				append_item(caps->auth_mechs, sizeof(caps->auth_mechs), ' ', word);
		}
		args += n;
	}
}

void reply_capabilities(const struct reply *ehlo, struct capabilities *caps)
{
	char line[REPLY_TEXT_MAX];

	memset(caps, 0, sizeof(*caps));
	caps->esmtp = ehlo->code == 250;
	/* Line 0 is the server's name and greeting; keywords follow. */
	for (size_t i = 1; reply_line(ehlo, i, line, sizeof(line)) == 0; i++) {
		size_t kwlen = strcspn(line, " =");
		const char *args = line + kwlen;

		append_item(caps->list, sizeof(caps->list), '\n', line);
		if (kwlen == 10 && strncasecmp(line, "PIPELINING", 10) == 0)
			caps->pipelining = 1;
		else if (kwlen == 8 && strncasecmp(line, "STARTTLS", 8) == 0)
			caps->starttls = 1;
		else if (kwlen == 7 && strncasecmp(line, "XCLIENT", 7) == 0)
			caps->xclient = 1;
		else if (kwlen == 4 && strncasecmp(line, "SIZE", 4) == 0)
			caps->size = strtol(args + (*args != '\0'), NULL, 10);
		else if (kwlen == 4 && strncasecmp(line, "AUTH", 4) == 0) {
			/* "AUTH=PLAIN LOGIN" is the pre-RFC 4954 form some servers still send. */
			caps->auth = 1;
			parse_auth_mechs(caps, args);
		}
	}
}

int reply_xclient_takes(const struct capabilities *caps, const char *attribute)
{
	char line[CAPS_LIST_MAX], *save = NULL;
	const char *at = caps->list;

	while (*at != '\0' && strncasecmp(at, "XCLIENT ", 8) != 0)
		at += strcspn(at, "\n") + (at[strcspn(at, "\n")] == '\n');
	if (*at == '\0')
		return 0;
	at += 8; /* the attributes after the keyword */
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(at, "\n"), at);
	for (char *word = strtok_r(line, " ", &save); word != NULL;
	     word = strtok_r(NULL, " ", &save))
		if (strcasecmp(word, attribute) == 0)
			return 1;
	return 0;
}

/* RFC 5321 4.1.2 sub-domain: Let-dig [Ldh-str], at most 63 octets. */
static int is_subdomain(const char *s, size_t len)
{
	if (len == 0 || len > 63 || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[len - 1]))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

/* RFC 5321 Domain: sub-domain *("." sub-domain). A bare word ("ESMTP",
 * "Welcome") is not taken for a host name: at least one dot is required. */
static int is_domain(const char *s, size_t len)
{
	size_t start = 0, dots = 0;

	if (len > 255)
		return 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (!is_subdomain(s + start, i - start))
			return 0;
		dots += i < len;
		start = i + 1;
	}
	return dots > 0;
}

/* RFC 5321 address-literal: "[" (IPv4 | "IPv6:" IPv6 | tag ":" dcontent) "]". */
static int is_address_literal(const char *s, size_t len)
{
	char inner[TEXT_ARG_MAX + 1];
	unsigned char addr[16];
	const char *colon;
	size_t n;

	if (len < 3 || s[0] != '[' || s[len - 1] != ']' || len - 2 > TEXT_ARG_MAX)
		return 0;
	n = len - 2;
	memcpy(inner, s + 1, n);
	inner[n] = '\0';
	if (inet_pton(AF_INET, inner, addr) == 1)
		return 1;
	if (strncasecmp(inner, "IPv6:", 5) == 0)
		return inet_pton(AF_INET6, inner + 5, addr) == 1;
	colon = strchr(inner, ':');
	if (colon == NULL || colon == inner || colon[1] == '\0')
		return 0;
	for (const char *p = inner; p < colon; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			return 0;
	if (!isalnum((unsigned char)colon[-1]))
		return 0;
	for (const char *p = colon + 1; *p != '\0'; p++)
		if (*p < 33 || *p > 126 || *p == '[' || *p == '\\' || *p == ']')
			return 0;
	return 1;
}

int reply_greeting_host(const struct reply *greeting, char *buf, size_t cap)
{
	size_t len = strcspn(greeting->text, " \n");

	buf[0] = '\0';
	if (len == 0 || len >= cap || len > TEXT_ARG_MAX)
		return -1;
	if (!is_domain(greeting->text, len) && !is_address_literal(greeting->text, len))
		return -1;
	memcpy(buf, greeting->text, len);
	buf[len] = '\0';
	return 0;
}

/* The phrases after which servers echo the client's address in their
 * EHLO/HELO reply, the address in brackets before the first comma:
 *   Exim       "mx Hello name [192.0.2.7]" (smtp_in.c: "%s Hello %s%s%s" " [%s]")
 *   Sendmail   "mx Hello name [192.0.2.7], pleased to meet you" (also
 *              "[192.0.2.7] (may be forged)", "[IPv6:2001:db8::7]")
 *   OpenSMTPD  "mx Hello name [192.0.2.7], pleased to meet you"
 *   Exchange   "mx Hello [192.0.2.7]"
 *   Haraka     "mx Hello name [192.0.2.7], Haraka is at your service."
 *   Gmail      "mx.google.com at your service, [192.0.2.7]"
 * Postfix, qmail and Courier do not echo it. */
static const char *const seen_markers[] = { "hello ", "at your service, " };

/* Whether text (len bytes) holds the phrase marker as words: at its start
 * or after a space; returns where the phrase ends, or NULL. */
static const char *find_marker(const char *text, size_t len, const char *marker)
{
	size_t n = strlen(marker);

	for (size_t i = 0; i + n <= len; i++)
		if ((i == 0 || text[i - 1] == ' ') && strncasecmp(text + i, marker, n) == 0)
			return text + i + n;
	return NULL;
}

/* The address in "[...]" (len bytes inside the brackets), "IPv6:" allowed,
 * in canonical form (inet_ntop) in buf. Returns 0, or -1 when it is not an
 * IPv4 or IPv6 address. */
static int bracket_address(const char *in, size_t len, char *buf, size_t cap)
{
	char addr[INET6_ADDRSTRLEN + 8];
	unsigned char bin[16];

	if (len >= 5 && strncasecmp(in, "IPv6:", 5) == 0) {
		in += 5;
		len -= 5;
	}
	if (len == 0 || len >= sizeof(addr))
		return -1;
	memcpy(addr, in, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, bin) == 1)
		return inet_ntop(AF_INET, bin, buf, (socklen_t)cap) != NULL ? 0 : -1;
	if (strchr(addr, ':') != NULL && inet_pton(AF_INET6, addr, bin) == 1)
		return inet_ntop(AF_INET6, bin, buf, (socklen_t)cap) != NULL ? 0 : -1;
	return -1;
}

int reply_seen_as(const struct reply *hello, char *buf, size_t cap)
{
	size_t len = strcspn(hello->text, "\n");

	if (cap > 0)
		buf[0] = '\0';
	if (hello->code != 250 || cap < INET6_ADDRSTRLEN)
		return -1;
	for (size_t m = 0; m < sizeof(seen_markers) / sizeof(seen_markers[0]); m++) {
		const char *from = find_marker(hello->text, len, seen_markers[m]);
		const char *end, *open = NULL, *close = NULL;

		if (from == NULL)
			continue;
		/* The phrase ends at the first comma, or the line's end; within
		 * it, the last bracketed group is the client's address (Exim puts
		 * our EHLO name, which may be a literal, before it). */
		end = memchr(from, ',', len - (size_t)(from - hello->text));
		if (end == NULL || m == 1)
			end = hello->text + len;
		for (const char *c = from; c < end; c++)
			if (*c == '[')
				open = c;
		if (open != NULL)
			close = memchr(open, ']', (size_t)(end - open));
		if (close != NULL &&
		    bracket_address(open + 1, (size_t)(close - open - 1), buf, cap) == 0)
			return 0;
		buf[0] = '\0';
		return -1;
	}
	return -1;
}
