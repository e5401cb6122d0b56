/* auth.c - bogus AUTH PLAIN / AUTH LOGIN dialogues. */
#include "auth.h"

#include <stdio.h>
#include <string.h>
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
	if (how == CASE_AUTH_PLAIN_EMPTY) {
		text_copy(d->description, sizeof(d->description), "empty user and password");
		return;
	}
	strcpy(d->user, "relaytest-");
	random_hex(d->user + strlen(d->user), 4);
	random_hex(d->pass, 12);
	snprintf(d->description, sizeof(d->description), "user %s, random password", d->user);
}

int auth_next(struct auth_dialogue *d, char *line, size_t cap)
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
	default:
		return -1;
	}
	d->step++;
	return 0;
}
