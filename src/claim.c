/* claim.c - the XCLIENT command and the PROXY v1 header, as text. */
#include "claim.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The family of the address literal text (AF_INET, AF_INET6), or 0. */
static int family_of(const char *text)
{
	unsigned char bin[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, text, bin) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, text, bin) == 1)
		return AF_INET6;
	return 0;
}

/* Whether text is 127.0.0.0/8 or ::1. */
static int loopback(const char *text, int family)
{
	struct in6_addr a6;

	if (family == AF_INET)
		return strncmp(text, "127.", 4) == 0;
	return inet_pton(AF_INET6, text, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* snprintf's result n into a buffer of cap: n, or -1 when it did not fit. */
static int fits(int n, size_t cap)
{
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

/* Whether text is a plain word: letters and digits only (no xtext needed). */
static int plain_word(const char *text)
{
	if (*text == '\0')
		return 0;
	for (; *text != '\0'; text++)
		if (!isalnum((unsigned char)*text))
			return 0;
	return 1;
}

/* Append the formatted text at buf + *used; -1 when it does not fit. */
__attribute__((format(printf, 4, 5))) static int append(char *buf, size_t cap, size_t *used,
							const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *used, cap - *used, fmt, ap);
	va_end(ap);
	if (fits(n, cap - *used) < 0)
		return -1;
	*used += (size_t)n;
	return 0;
}

int claim_xclient_command(const char *addr, const char *login, unsigned port, char *buf, size_t cap)
{
	int family = addr != NULL ? family_of(addr) : 0;
	size_t used = 0;

	if ((addr != NULL && family == 0) || (login != NULL && !plain_word(login)) ||
	    (addr == NULL && login == NULL) || port > 65535 ||
	    append(buf, cap, &used, "XCLIENT") < 0)
		return -1;
	if (addr != NULL &&
	    append(buf, cap, &used, " ADDR=%s%s NAME=%s", family == AF_INET6 ? "IPV6:" : "", addr,
		   loopback(addr, family) ? "localhost" : "[UNAVAILABLE]") < 0)
		return -1;
	if (addr != NULL && port != 0 && append(buf, cap, &used, " PORT=%u", port) < 0)
		return -1;
	return login != NULL ? append(buf, cap, &used, " LOGIN=%s", login) : 0;
}

/* addr as an IPv6 address: itself, or an IPv4 address IPv4-mapped. */
static void as_ipv6(const char *addr, int family, char *out, size_t cap)
{
	snprintf(out, cap, family == AF_INET ? "::ffff:%s" : "%s", addr);
}

/* Put the 16-bit value v at p, most significant byte first. */
static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

int claim_proxy_header_v2(const char *src, const char *dst, unsigned sport, unsigned dport,
			  unsigned char *buf, size_t cap)
{
	static const unsigned char signature[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
						     0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };
	int sf = family_of(src), df = family_of(dst), v6;
	size_t alen, len;
	char s6[INET6_ADDRSTRLEN + 8], d6[INET6_ADDRSTRLEN + 8];

	if (sf == 0 || df == 0 || sport > 65535 || dport > 65535)
		return -1;
	v6 = sf == AF_INET6 || df == AF_INET6;
	alen = v6 ? 16 : 4;
	len = 16 + 2 * alen + 4;
	if (cap < len)
		return -1;
	memcpy(buf, signature, sizeof(signature));
	buf[12] = 0x21;		    /* version 2, PROXY */
	buf[13] = v6 ? 0x21 : 0x11; /* TCP over IPv6 : IPv4 */
	put16(buf + 14, (unsigned)(len - 16));
	as_ipv6(src, sf, s6, sizeof(s6));
	as_ipv6(dst, df, d6, sizeof(d6));
	if (inet_pton(v6 ? AF_INET6 : AF_INET, v6 ? s6 : src, buf + 16) != 1 ||
	    inet_pton(v6 ? AF_INET6 : AF_INET, v6 ? d6 : dst, buf + 16 + alen) != 1)
		return -1;
	put16(buf + 16 + 2 * alen, sport);
	put16(buf + 16 + 2 * alen + 2, dport);
	return (int)len;
}

int claim_proxy_header(const char *src, const char *dst, unsigned sport, unsigned dport, char *buf,
		       size_t cap)
{
	int sf = family_of(src), df = family_of(dst);
	char s6[INET6_ADDRSTRLEN + 8], d6[INET6_ADDRSTRLEN + 8];

	if (sf == 0 || df == 0 || sport > 65535 || dport > 65535)
		return -1;
	if (sf == AF_INET && df == AF_INET)
		return fits(
			snprintf(buf, cap, "PROXY TCP4 %s %s %u %u\r\n", src, dst, sport, dport),
			cap);
	as_ipv6(src, sf, s6, sizeof(s6));
	as_ipv6(dst, df, d6, sizeof(d6));
	return fits(snprintf(buf, cap, "PROXY TCP6 %s %s %u %u\r\n", s6, d6, sport, dport), cap);
}
