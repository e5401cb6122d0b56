/* auth.h - the fake AUTH dialogues (RFC 4954 PLAIN and LOGIN) with bogus
 * credentials: a server that answers 235 to them lets anyone relay. */
#ifndef RELAYTEST_AUTH_H
#define RELAYTEST_AUTH_H

#include <stddef.h>

#include "cases.h"
#include "reply.h"

struct auth_dialogue {
	enum case_auth how;
	int step;
	char user[32];
	char pass[40];
	char description[128]; /* "user relaytest-1a2b3c4d, random password" */
};

/* Start a dialogue: random user and password from getrandom(), or empty
 * ones for CASE_AUTH_PLAIN_EMPTY. */
void auth_start(struct auth_dialogue *d, enum case_auth how);

/* The next line to send (AUTH command or base64 answer to a 334);
 * challenge is the text of the server's last 334 reply (NULL before the
 * first). A challenge that cannot be parsed (CRAM-MD5, NTLM type 2) is
 * answered "*", which cancels the exchange (RFC 4954), and the description
 * says so. Returns 0, or -1 when the dialogue has nothing more to send. */
int auth_next(struct auth_dialogue *d, const char *challenge, char *line, size_t cap);

/* Whether the server offers what the AUTH case kind needs; if not, why says
 * so (capacity cap). Returns 1 when the case can run, else 0. */
int auth_offered(const struct capabilities *caps, enum case_auth kind, char *why, size_t cap);

/* Decode base64 text (up to NUL) into out (capacity cap). Returns the
 * number of bytes, or -1 for a bad character, bad padding or no room. */
long auth_unbase64(const char *text, unsigned char *out, size_t cap);

/* A random token ("rt-" and 16 hex digits) for --send messages. */
void auth_token(char *buf, size_t cap);

/* Base64 (RFC 4648) of len bytes; returns the length written, or 0 when out
 * (capacity cap) is too small. */
size_t auth_base64(const unsigned char *in, size_t len, char *out, size_t cap);

#endif
