/* hmac_md5.c - MD5 (RFC 1321) and HMAC-MD5 (RFC 2104). */
#include "hmac_md5.h"

#include <stdint.h>
#include <string.h>

struct md5_state {
	uint32_t h[4];
	unsigned char block[64];
	size_t used;   /* bytes in block */
	uint64_t bits; /* message length so far */
};

static const uint32_t md5_k[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
	0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
	0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
	0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
	0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
	0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
	0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
	0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
	0xeb86d391,
};

static const unsigned char md5_r[64] = {
	7,  12, 17, 22, 7,  12, 17, 22, 7,  12, 17, 22, 7,  12, 17, 22, 5,  9,	14, 20, 5,  9,
	14, 20, 5,  9,	14, 20, 5,  9,	14, 20, 4,  11, 16, 23, 4,  11, 16, 23, 4,  11, 16, 23,
	4,  11, 16, 23, 6,  10, 15, 21, 6,  10, 15, 21, 6,  10, 15, 21, 6,  10, 15, 21,
};

static void md5_block(struct md5_state *s, const unsigned char *p)
{
	uint32_t w[16], a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];

	for (size_t i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
		       (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
	for (int i = 0; i < 64; i++) {
		uint32_t f, t;
		int g;

		if (i < 16) {
			f = (b & c) | (~b & d);
			g = i;
		} else if (i < 32) {
			f = (d & b) | (~d & c);
			g = (5 * i + 1) % 16;
		} else if (i < 48) {
			f = b ^ c ^ d;
			g = (3 * i + 5) % 16;
		} else {
			f = c ^ (b | ~d);
			g = (7 * i) % 16;
		}
		t = d;
		d = c;
		c = b;
		f += a + md5_k[i] + w[g];
		b += (f << md5_r[i]) | (f >> (32 - md5_r[i]));
		a = t;
	}
	s->h[0] += a;
	s->h[1] += b;
	s->h[2] += c;
	s->h[3] += d;
}

static void md5_init(struct md5_state *s)
{
	memset(s, 0, sizeof(*s));
	s->h[0] = 0x67452301;
	s->h[1] = 0xefcdab89;
	s->h[2] = 0x98badcfe;
	s->h[3] = 0x10325476;
}

static void md5_add(struct md5_state *s, const unsigned char *data, size_t len)
{
	s->bits += (uint64_t)len * 8;
	while (len > 0) {
		size_t n = 64 - s->used < len ? 64 - s->used : len;

		memcpy(s->block + s->used, data, n);
		s->used += n;
		data += n;
		len -= n;
		if (s->used == 64) {
			md5_block(s, s->block);
			s->used = 0;
		}
	}
}

static void md5_end(struct md5_state *s, unsigned char digest[MD5_DIGEST])
{
	uint64_t bits = s->bits;
	unsigned char pad = 0x80, zero = 0, len[8];

	md5_add(s, &pad, 1);
	while (s->used != 56)
		md5_add(s, &zero, 1);
	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (8 * i));
	md5_add(s, len, 8);
	for (int i = 0; i < 16; i++)
		digest[i] = (unsigned char)(s->h[i / 4] >> (8 * (i % 4)));
}

void md5(const unsigned char *data, size_t len, unsigned char digest[MD5_DIGEST])
{
	struct md5_state s;

	md5_init(&s);
	md5_add(&s, data, len);
	md5_end(&s, digest);
}

void hmac_md5(const unsigned char *key, size_t klen, const unsigned char *msg, size_t mlen,
	      unsigned char mac[MD5_DIGEST])
{
	unsigned char k[64] = { 0 }, pad[64], inner[MD5_DIGEST];
	struct md5_state s;

	if (klen > 64)
		md5(key, klen, k);
	else
		memcpy(k, key, klen);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	md5_init(&s);
	md5_add(&s, pad, 64);
	md5_add(&s, msg, mlen);
	md5_end(&s, inner);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	md5_init(&s);
	md5_add(&s, pad, 64);
	md5_add(&s, inner, MD5_DIGEST);
	md5_end(&s, mac);
}
