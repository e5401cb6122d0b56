/* auth.c - bogus AUTH PLAIN / AUTH LOGIN dialogues. */
#include "auth.h"

#include "hmac_md5.h"
#include "text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

size_t auth_base64(const unsigned char *in, size_t len, char *out, size_t cap)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t need = (len + 2) / 3 * 4, o = 0;

	if (need + 1 > cap)
		return 0;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16;

		if (i + 1 < len)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

static void random_hex(char *out, size_t nbytes)
{
	unsigned char raw[32];

	if (nbytes > sizeof(raw))
		nbytes = sizeof(raw);
	if (getrandom(raw, nbytes, 0) != (ssize_t)nbytes) {
		/* Unpredictability is a nicety here, not a security need. */
		unsigned long seed = (unsigned long)time(NULL) ^ (unsigned long)getpid();

		for (size_t i = 0; i < nbytes; i++) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			raw[i] = (unsigned char)(seed >> 56);
		}
	}
	for (size_t i = 0; i < nbytes; i++)
		sprintf(out + 2 * i, "%02x", raw[i]);
}

void auth_token(char *buf, size_t cap)
{
	char hex[17];

	random_hex(hex, 8);
	snprintf(buf, cap, "rt-%s", hex);
}

void auth_start(struct auth_dialogue *d, enum case_auth how)
{
	memset(d, 0, sizeof(*d));
	d->how = how;
	if (how == CASE_AUTH_NTLM_ANON) {
		text_copy(d->description, sizeof(d->description),
			  "anonymous NTLM (no user, no password)");
		return;
	}
	if (how == CASE_AUTH_PLAIN_EMPTY) {
		text_copy(d->description, sizeof(d->description), "empty user and password");
		return;
	}
	strcpy(d->user, "relaytest-");
	random_hex(d->user + strlen(d->user), 4);
	random_hex(d->pass, 12);
	snprintf(d->description, sizeof(d->description), "user %s, random password", d->user);
}

long auth_unbase64(const char *text, unsigned char *out, size_t cap)
{
	unsigned v = 0;
	int bits = 0, pad = 0;
	size_t n = 0;

	for (; *text != '\0'; text++) {
		const char *alphabet =
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const char *at;

		if (*text == '=') {
			pad++;
			continue;
		}
		at = strchr(alphabet, *text);
		if (at == NULL || pad > 0)
			return -1;
		v = (v << 6 | (unsigned)(at - alphabet)) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= cap)
				return -1;
			out[n++] = (unsigned char)(v >> bits);
		}
	}
	return pad > 2 ? -1 : (long)n;
}

static int word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; *p != '\0'; p += strcspn(p, " "), p += *p == ' ') {
		if (strncasecmp(p, word, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	}
	return 0;
}

int auth_offered(const struct capabilities *caps, enum case_auth kind, char *why, size_t cap)
{
	static const char *const mechs[] = {
		[CASE_AUTH_PLAIN_RANDOM] = "PLAIN", [CASE_AUTH_PLAIN_EMPTY] = "PLAIN",
		[CASE_AUTH_LOGIN_RANDOM] = "LOGIN", [CASE_AUTH_CRAM_MD5] = "CRAM-MD5",
		[CASE_AUTH_NTLM_ANON] = "NTLM",
	};
	const char *mech = (size_t)kind < sizeof(mechs) / sizeof(mechs[0]) ? mechs[kind] : NULL;

	if (mech == NULL || word_in(caps->auth_mechs, mech))
		return 1;
	snprintf(why, cap, "AUTH %s is not offered (offered: %s)", mech, caps->auth_mechs);
	return 0;
}

/* NTLM messages (MS-NLMP): type 1 asks, the server's type 2 challenges,
 * an anonymous type 3 answers with empty credentials. */
static const unsigned char ntlm_sig[8] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0 };

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A security buffer: length, capacity, offset. */
static void secbuf(unsigned char *p, uint16_t len, uint32_t offset)
{
	p[0] = p[2] = (unsigned char)len;
	p[1] = p[3] = (unsigned char)(len >> 8);
	put32(p + 4, offset);
}

static void ntlm_type1(char *line, size_t cap)
{
	unsigned char m[32] = { 0 };

	memcpy(m, ntlm_sig, 8);
	put32(m + 8, 1);
	/* Unicode, OEM, request target, NTLM, always sign. */
	put32(m + 12, 0x00008207);
	secbuf(m + 16, 0, 32); /* no domain */
	secbuf(m + 24, 0, 32); /* no workstation */
	auth_base64(m, sizeof(m), line, cap);
}

/* The server's type 2: signature, type 2, and its 8-byte challenge at 24,
 * all inside what was decoded. Returns 0 or -1. */
static int ntlm_type2_ok(const char *challenge)
{
	unsigned char m[1024];
	long n = auth_unbase64(challenge, m, sizeof(m));

	return n >= 32 && memcmp(m, ntlm_sig, 8) == 0 && m[8] == 2 && m[9] == 0 && m[10] == 0 &&
			       m[11] == 0
		       ? 0
		       : -1;
}

static void ntlm_type3_anonymous(char *line, size_t cap)
{
	unsigned char m[65] = { 0 };

	memcpy(m, ntlm_sig, 8);
	put32(m + 8, 3);
	secbuf(m + 12, 1, 64);	   /* LM response: one zero byte, as anonymous */
	secbuf(m + 20, 0, 65);	   /* NT response: empty */
	secbuf(m + 28, 0, 65);	   /* domain */
	secbuf(m + 36, 0, 65);	   /* user */
	secbuf(m + 44, 0, 65);	   /* workstation */
	secbuf(m + 52, 0, 65);	   /* session key */
	put32(m + 60, 0x00000a05); /* Unicode, request target, NTLM, anonymous */
	auth_base64(m, sizeof(m), line, cap);
}

/* "user hexdigest" for RFC 2195, base64'd; -1 for a challenge that is not
 * base64. */
static int cram_md5_answer(const struct auth_dialogue *d, const char *challenge, char *line,
			   size_t cap)
{
	unsigned char c[1024], mac[MD5_DIGEST];
	char answer[sizeof(d->user) + (size_t)2 * MD5_DIGEST + 2];
	long n = challenge != NULL ? auth_unbase64(challenge, c, sizeof(c)) : -1;
	size_t used;

	if (n <= 0)
		return -1;
	hmac_md5((const unsigned char *)d->pass, strlen(d->pass), c, (size_t)n, mac);
	used = (size_t)snprintf(answer, sizeof(answer), "%s ", d->user);
	for (int i = 0; i < MD5_DIGEST && used + 2 < sizeof(answer); i++, used += 2)
		sprintf(answer + used, "%02x", mac[i]);
	auth_base64((const unsigned char *)answer, used, line, cap);
	return 0;
}

static void cancel(struct auth_dialogue *d, char *line, size_t cap, const char *what)
{
	size_t used = strlen(d->description);

	snprintf(line, cap, "*");
	snprintf(d->description + used, sizeof(d->description) - used,
		 "; the server's %s could not be parsed, so the exchange was cancelled", what);
}

int auth_next(struct auth_dialogue *d, const char *challenge, char *line, size_t cap)
{
	unsigned char plain[sizeof(d->user) + sizeof(d->pass) + 2];
	size_t ulen = strlen(d->user), plen = strlen(d->pass);
	int n = 0;

	switch (d->how) {
	case CASE_AUTH_PLAIN_RANDOM:
	case CASE_AUTH_PLAIN_EMPTY:
		if (d->step > 0)
			return -1;
		/* authzid NUL authcid NUL passwd, with an empty authzid. */
		plain[0] = '\0';
		memcpy(plain + 1, d->user, ulen);
		plain[1 + ulen] = '\0';
		memcpy(plain + 2 + ulen, d->pass, plen);
		n = snprintf(line, cap, "AUTH PLAIN ");
		auth_base64(plain, 2 + ulen + plen, line + n, cap - (size_t)n);
		break;
	case CASE_AUTH_LOGIN_RANDOM:
		if (d->step == 0)
			snprintf(line, cap, "AUTH LOGIN");
		else if (d->step == 1)
			auth_base64((const unsigned char *)d->user, ulen, line, cap);
		else if (d->step == 2)
			auth_base64((const unsigned char *)d->pass, plen, line, cap);
		else
			return -1;
		break;
	case CASE_AUTH_CRAM_MD5:
		if (d->step == 0)
			snprintf(line, cap, "AUTH CRAM-MD5");
		else if (d->step == 1) {
			if (cram_md5_answer(d, challenge, line, cap) < 0)
				cancel(d, line, cap, "CRAM-MD5 challenge");
		} else
			return -1;
		break;
	case CASE_AUTH_NTLM_ANON:
		if (d->step == 0)
			snprintf(line, cap, "AUTH NTLM");
		else if (d->step == 1)
			ntlm_type1(line, cap);
		else if (d->step == 2) {
			if (challenge == NULL || ntlm_type2_ok(challenge) < 0)
				cancel(d, line, cap, "NTLM type 2 challenge");
			else
				ntlm_type3_anonymous(line, cap);
		} else
			return -1;
		break;
	default:
		return -1;
	}
	d->step++;
	return 0;
}
