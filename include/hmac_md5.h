/* hmac_md5.h - MD5 (RFC 1321) and HMAC-MD5 (RFC 2104), for AUTH CRAM-MD5
 * (RFC 2195). Not for security: relaytest only needs a well-formed answer
 * with made-up credentials. Pure functions, no I/O. */
#ifndef RELAYTEST_HMAC_MD5_H
#define RELAYTEST_HMAC_MD5_H

#include <stddef.h>

#define MD5_DIGEST 16

/* The MD5 digest of len bytes of data. */
void md5(const unsigned char *data, size_t len, unsigned char digest[MD5_DIGEST]);

/* HMAC-MD5 of msg under key (any lengths). */
void hmac_md5(const unsigned char *key, size_t klen, const unsigned char *msg, size_t mlen,
	      unsigned char mac[MD5_DIGEST]);

#endif
