/* error.h - the error a lower layer hands back to its caller.
 *
 * Lower layers never print and never exit: they return -1 and fill a
 * caller-provided struct rt_error. Only main.c decides what is printed and
 * which exit status follows. */
#ifndef RELAYTEST_ERROR_H
#define RELAYTEST_ERROR_H

enum err_kind {
	ERR_NONE = 0,
	ERR_RESOLVE,  /* the name did not resolve */
	ERR_CONNECT,  /* no TCP connection could be made */
	ERR_TIMEOUT,  /* a deadline passed */
	ERR_CLOSED,   /* the server closed or reset the connection */
	ERR_PROTOCOL, /* the server did not speak SMTP as RFC 5321 says */
	ERR_REFUSED,  /* the server refused service (421/554 greeting, 421 reply) */
	ERR_INTERNAL, /* a buffer too small, a command too long: our fault */
	ERR_LOCAL,    /* this machine ran out (open files, memory): ours, not the server's */
	ERR_TLS,      /* the TLS handshake failed or the server sent a TLS alert */
	ERR_NO_TLS,   /* TLS is needed and this system has no libssl */
	ERR_RUN_TIME  /* the whole run's time (--run-time) ended before this target began */
};

#define ERROR_MSG_MAX 320

struct rt_error {
	enum err_kind kind;
	char msg[ERROR_MSG_MAX];
};

/* Fill err (which may be NULL) with kind and a printf-style message. */
void error_set(struct rt_error *err, enum err_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Reset err to ERR_NONE with an empty message. */
void error_clear(struct rt_error *err);

#endif
