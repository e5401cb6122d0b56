/* claim.h - what a client says to claim another client's address: the
 * XCLIENT command (Postfix's XCLIENT_README) and the PROXY protocol's
 * version 1 header (HAProxy's proxy-protocol.txt, section 2.1). Pure text;
 * no I/O. */
#ifndef RELAYTEST_CLAIM_H
#define RELAYTEST_CLAIM_H

#include <stddef.h>

/* The longest PROXY v1 header, CRLF included (proxy-protocol.txt 2.1);
 * a v2 header of two IPv6 addresses is shorter (52 bytes). */
#define CLAIM_PROXY_MAX 107

/* "XCLIENT ADDR=<addr> NAME=<name>" for the IPv4 or IPv6 address addr
 * (IPv6 with the "IPV6:" prefix XCLIENT wants); NAME is "localhost" for a
 * loopback address, else "[UNAVAILABLE]" (no reverse name, as Postfix
 * says it). With login (letters and digits), "LOGIN=<login>" follows, and
 * addr may be NULL ("XCLIENT LOGIN=<login>", as Postfix takes it). With
 * port not 0, "PORT=<port>" follows ADDR (Exim's XCLIENT wants both).
 * Returns 0, or -1 when addr is no address, login is not plain, there is
 * neither, or cap is too small. */
int claim_xclient_command(const char *addr, const char *login, unsigned port, char *buf,
			  size_t cap);

/* The PROXY v1 header, CRLF included, of a connection from src:sport to
 * dst:dport: "PROXY TCP4 ..." when both are IPv4, else "PROXY TCP6 ..."
 * with an IPv4 address in its IPv4-mapped form. Returns the header's
 * length, or -1 when an address is not one or cap is too small. */
int claim_proxy_header(const char *src, const char *dst, unsigned sport, unsigned dport, char *buf,
		       size_t cap);

/* The same as a binary version 2 header (proxy-protocol.txt 2.2: the
 * 12-byte signature, PROXY command, TCP over IPv4 or IPv6, the addresses
 * and ports), which OpenSMTPD's proxy-v2 alone takes. Returns its length
 * (28 or 52), or -1 as claim_proxy_header. */
int claim_proxy_header_v2(const char *src, const char *dst, unsigned sport, unsigned dport,
			  unsigned char *buf, size_t cap);

#endif
