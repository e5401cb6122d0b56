/* tls.h - TLS over a connected socket, with the system's OpenSSL loaded at
 * run time.
 *
 * The binary links libc only: libssl.so.3 (then libssl.so.1.1) is opened
 * with dlopen on first use, once per process (pthread_once), and the few
 * functions needed are looked up by name. Where no libssl exists every
 * function here fails cleanly with ERR_NO_TLS.
 *
 * The calls never block and never wait: each returns TLS_WANT_READ or
 * TLS_WANT_WRITE when the socket must become ready first, and net.c does
 * the waiting with its deadlines. Certificates are not verified: relaytest
 * tests relaying, not identity; what the server showed is reported. */
#ifndef RELAYTEST_TLS_H
#define RELAYTEST_TLS_H

#include <stddef.h>
#include <time.h>

#include "error.h"

#define TLS_NO_LIBSSL "TLS needed and this system has no libssl (install libssl3)"

enum tls_status {
	TLS_FAIL = -1,	    /* err says why */
	TLS_DONE = 0,	    /* the operation completed */
	TLS_WANT_READ = 1,  /* wait until the socket is readable, then call again */
	TLS_WANT_WRITE = 2, /* wait until the socket is writable, then call again */
	TLS_EOF = 3	    /* the peer closed the TLS session (close_notify) */
};

/* What the server showed in its handshake, for the report. */
struct tls_info {
	char version[16];      /* "TLSv1.3" */
	char cipher[64];       /* "TLS_AES_256_GCM_SHA384" */
	char subject[256];     /* "/CN=mail.example.org", sanitised; "" without a certificate */
	char not_after[32];    /* "2027-01-31 12:00:00 UTC"; "" when unknown */
	long long not_after_t; /* seconds since the epoch; 0 when unknown */
	int expired;	       /* not_after lies in the past */
};

struct tls_conn; /* opaque */

/* Whether libssl could be loaded (loads it on first call; thread-safe).
 * Returns 1, or 0 with why (may be NULL) filled with TLS_NO_LIBSSL. */
int tls_available(struct rt_error *why);

/* A client TLS object on the connected socket fd (made non-blocking here);
 * sni is sent as server name when it is a host name, ignored when NULL or
 * an address literal. Returns the object (owned by the caller, freed with
 * tls_free), or NULL with err (ERR_NO_TLS, ERR_INTERNAL). */
struct tls_conn *tls_new(int fd, const char *sni, struct rt_error *err);

/* Advance the handshake. Returns TLS_DONE, TLS_WANT_READ/WRITE, or TLS_FAIL
 * with err ERR_TLS (alert, bad handshake) or ERR_CLOSED (cut short). */
int tls_handshake(struct tls_conn *t, struct rt_error *err);

/* Read up to cap bytes into buf; *n gets the count on TLS_DONE. Returns as
 * tls_handshake, or TLS_EOF. */
int tls_read(struct tls_conn *t, char *buf, size_t cap, size_t *n, struct rt_error *err);

/* Write up to len bytes; *n gets the count written on TLS_DONE. Returns as
 * tls_handshake. After TLS_WANT_* call again with the same data. */
int tls_write(struct tls_conn *t, const char *data, size_t len, size_t *n, struct rt_error *err);

/* Whether decrypted bytes are waiting inside the TLS object. */
int tls_pending(struct tls_conn *t);

/* Fill info from the completed handshake; now is the current wall time. */
void tls_get_info(struct tls_conn *t, long long now, struct tls_info *info);

/* The server side, for the test server (tests/fakesmtpd.c); relaytest
 * itself never serves. */
struct tls_server; /* opaque: a server context with its certificate */

/* A server context serving the PEM certificate chain in cert_file with the
 * PEM private key in key_file. Returns it (owned by the caller, freed with
 * tls_server_free), or NULL with err (ERR_NO_TLS, ERR_TLS for a file
 * libssl refuses, ERR_INTERNAL, ERR_LOCAL). */
struct tls_server *tls_server_new(const char *cert_file, const char *key_file,
				  struct rt_error *err);

/* Free s; the connections made from it must be freed first. Safe on NULL. */
void tls_server_free(struct tls_server *s);

/* A server TLS object on the accepted socket fd (made non-blocking here):
 * tls_handshake then accepts the client's handshake, and tls_read,
 * tls_write and tls_free work as on a client's. Returns the object (owned
 * by the caller), or NULL with err (ERR_INTERNAL, ERR_LOCAL). */
struct tls_conn *tls_accept(struct tls_server *s, int fd, struct rt_error *err);

/* Free t without a close_notify (a peer that hangs up rudely). Safe on NULL. */
void tls_drop(struct tls_conn *t);

/* Send close_notify without waiting (not after a fatal error, as OpenSSL
 * requires) and free t. Safe on NULL. libssl writes to the socket with
 * write(2), not send(MSG_NOSIGNAL): the process must ignore SIGPIPE (main.c
 * does), or a peer that reset the connection kills it. */
void tls_free(struct tls_conn *t);

#endif
