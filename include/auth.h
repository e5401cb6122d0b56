/* auth.h - the fake AUTH dialogues (RFC 4954 PLAIN and LOGIN) with bogus
 * credentials: a server that answers 235 to them lets anyone relay. */
#ifndef RELAYTEST_AUTH_H
#define RELAYTEST_AUTH_H

#include <stddef.h>

#include "cases.h"

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

/* The next line to send (AUTH command or base64 answer to a 334). Returns
 * 0, or -1 when the dialogue has nothing more to send. */
int auth_next(struct auth_dialogue *d, char *line, size_t cap);

/* A random token ("rt-" and 16 hex digits) for --send messages. */
void auth_token(char *buf, size_t cap);

/* Base64 (RFC 4648) of len bytes; returns the length written, or 0 when out
 * (capacity cap) is too small. */
size_t auth_base64(const unsigned char *in, size_t len, char *out, size_t cap);

#endif
