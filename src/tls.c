/* tls.c - TLS through the system's libssl, loaded with dlopen: relaytest's
 * client side, and the server side its test server (tests/fakesmtpd.c) uses.
 *
 * Only stable entry points common to OpenSSL 1.1.1 and 3.x are used; they are
 * declared here as opaque pointers, so no OpenSSL header is needed to build. */
#include "tls.h"

#include "text.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Values from OpenSSL's ssl.h and tls1.h, stable since 1.1.0. */
#define SSL_ERROR_SSL 1
#define SSL_ERROR_WANT_READ 2
#define SSL_ERROR_WANT_WRITE 3
#define SSL_ERROR_SYSCALL 5
#define SSL_ERROR_ZERO_RETURN 6
#define SSL_CTRL_SET_TLSEXT_HOSTNAME 55
#define TLSEXT_NAMETYPE_HOST_NAME 0
#define SSL_FILETYPE_PEM 1

/* The functions we look up; names in the table below, in the same order. */
struct libssl {
	int (*init_ssl)(uint64_t, const void *);
	const void *(*client_method)(void);
	void *(*ctx_new)(const void *);
	void (*ctx_set_security_level)(void *, int);
	void *(*ssl_new)(void *);
	void (*ssl_free)(void *);
	int (*set_fd)(void *, int);
	long (*ctrl)(void *, int, long, void *);
	int (*connect)(void *);
	int (*read)(void *, void *, int);
	int (*write)(void *, const void *, int);
	int (*get_error)(const void *, int);
	int (*shutdown)(void *);
	int (*pending)(const void *);
	const char *(*get_version)(const void *);
	const void *(*current_cipher)(const void *);
	const char *(*cipher_name)(const void *);
	void *(*peer_cert)(const void *);
	void *(*subject_name)(const void *);
	char *(*name_oneline)(const void *, char *, int);
	const void *(*not_after)(const void *);
	int (*time_to_tm)(const void *, struct tm *);
	void (*x509_free)(void *);
	unsigned long (*err_get)(void);
	void (*err_string)(unsigned long, char *, size_t);
	void (*err_clear)(void);
	const void *(*server_method)(void);
	int (*ctx_use_chain)(void *, const char *);
	int (*ctx_use_key)(void *, const char *, int);
	void (*ctx_free)(void *);
	int (*accept)(void *);
};

static const char *const libssl_names[] = {
	"OPENSSL_init_ssl",
	"TLS_client_method",
	"SSL_CTX_new",
	"SSL_CTX_set_security_level",
	"SSL_new",
	"SSL_free",
	"SSL_set_fd",
	"SSL_ctrl",
	"SSL_connect",
	"SSL_read",
	"SSL_write",
	"SSL_get_error",
	"SSL_shutdown",
	"SSL_pending",
	"SSL_get_version",
	"SSL_get_current_cipher",
	"SSL_CIPHER_get_name",
	"SSL_get1_peer_certificate", /* SSL_get_peer_certificate before 3.0 */
	"X509_get_subject_name",
	"X509_NAME_oneline",
	"X509_get0_notAfter",
	"ASN1_TIME_to_tm",
	"X509_free",
	"ERR_get_error",
	"ERR_error_string_n",
	"ERR_clear_error",
	"TLS_server_method",
	"SSL_CTX_use_certificate_chain_file",
	"SSL_CTX_use_PrivateKey_file",
	"SSL_CTX_free",
	"SSL_accept",
};

static const char *const libssl_files[] = { "libssl.so.3", "libssl.so.1.1" };

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static struct libssl ssl;
static void *ssl_ctx; /* one client context, shared (OpenSSL locks it) */
static int loaded;

struct tls_conn {
	void *ssl;
	int server;    /* accepts the handshake (tls_accept) instead of starting it */
	int failed;    /* SSL_ERROR_SYSCALL or SSL_ERROR_SSL: no close_notify may follow */
	char sni[256]; /* the server name sent; SSL_ctrl takes it as void * */
};

static void load(void)
{
	void *fn[sizeof(libssl_names) / sizeof(libssl_names[0])];
	void *h = NULL;

	_Static_assert(sizeof(fn) == sizeof(struct libssl), "libssl table and struct differ");
	for (size_t i = 0; h == NULL && i < sizeof(libssl_files) / sizeof(libssl_files[0]); i++)
		h = dlopen(libssl_files[i], RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		return;
	for (size_t i = 0; i < sizeof(fn) / sizeof(fn[0]); i++) {
		fn[i] = dlsym(h, libssl_names[i]);
		if (fn[i] == NULL && strcmp(libssl_names[i], "SSL_get1_peer_certificate") == 0)
			fn[i] = dlsym(h, "SSL_get_peer_certificate");
		if (fn[i] == NULL) {
			dlclose(h);
			return;
		}
	}
	/* ISO C has no object <-> function pointer conversion; POSIX dlsym
	 * requires that they share a representation. */
	memcpy(&ssl, fn, sizeof(ssl));
	if (ssl.init_ssl(0, NULL) != 1)
		return;
	ssl_ctx = ssl.ctx_new(ssl.client_method());
	if (ssl_ctx == NULL)
		return;
	/* Old servers still run old ciphers; we test relaying, not crypto. */
	ssl.ctx_set_security_level(ssl_ctx, 0);
	loaded = 1;
}

int tls_available(struct rt_error *why)
{
	pthread_once(&load_once, load);
	if (!loaded)
		error_set(why, ERR_NO_TLS, "%s", TLS_NO_LIBSSL);
	return loaded;
}

/* Whether name is an IPv4 or IPv6 address literal (no SNI for those, RFC 6066 3). */
static int is_literal(const char *name)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1 ||
	       name[0] == '[';
}

/* A TLS connection of context ctx on the connected socket fd, made
 * non-blocking; NULL with err when it cannot be set up. */
static struct tls_conn *conn_new(void *ctx, int fd, struct rt_error *err)
{
	struct tls_conn *t = calloc(1, sizeof(*t));
	int flags;

	if (t == NULL) {
		error_set(err, ERR_LOCAL, "relaytest ran out of memory");
		return NULL;
	}
	t->ssl = ssl.ssl_new(ctx);
	if (t->ssl == NULL || ssl.set_fd(t->ssl, fd) != 1) {
		tls_free(t);
		error_set(err, ERR_INTERNAL, "cannot set up TLS on the connection");
		return NULL;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	return t;
}

struct tls_conn *tls_new(int fd, const char *sni, struct rt_error *err)
{
	struct tls_conn *t;

	if (!tls_available(err))
		return NULL;
	t = conn_new(ssl_ctx, fd, err);
	if (t == NULL)
		return NULL;
	if (sni != NULL && sni[0] != '\0' && !is_literal(sni) && strlen(sni) < sizeof(t->sni)) {
		memcpy(t->sni, sni, strlen(sni) + 1);
		ssl.ctrl(t->ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_HOST_NAME, t->sni);
	}
	return t;
}

/* Copy untrusted src into dst with control characters replaced; src may be dst. */
static void clean(char *dst, size_t cap, const char *src)
{
	char tmp[256];

	text_copy(tmp, sizeof(tmp), src);
	text_sanitize(dst, cap, tmp, strlen(tmp));
}

/* Map the result of an SSL call to a status, filling err on failure. */
static int status(struct tls_conn *t, int ret, const char *during, struct rt_error *err)
{
	int e = ssl.get_error(t->ssl, ret);
	unsigned long code;
	char why[200] = "";

	switch (e) {
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return TLS_EOF;
	case SSL_ERROR_SYSCALL:
		t->failed = 1;
		ssl.err_clear();
		error_set(err, ERR_CLOSED, "the server closed the connection during %s", during);
		return TLS_FAIL;
	default:
		t->failed = 1;
		code = ssl.err_get();
		if (code != 0)
			ssl.err_string(code, why, sizeof(why));
		ssl.err_clear();
		clean(why, sizeof(why), why);
		/* OpenSSL 3 reports a peer that closed mid-handshake this way. */
		if (strstr(why, "unexpected eof") != NULL) {
			error_set(err, ERR_CLOSED, "the server closed the connection during %s",
				  during);
			return TLS_FAIL;
		}
		error_set(err, ERR_TLS, "TLS failed during %s: %s", during,
			  why[0] != '\0' ? why : "unknown error");
		return TLS_FAIL;
	}
}

int tls_handshake(struct tls_conn *t, struct rt_error *err)
{
	int ret = t->server ? ssl.accept(t->ssl) : ssl.connect(t->ssl);

	return ret == 1 ? TLS_DONE : status(t, ret, "the handshake", err);
}

int tls_read(struct tls_conn *t, char *buf, size_t cap, size_t *n, struct rt_error *err)
{
	int ret = ssl.read(t->ssl, buf, cap > INT32_MAX ? INT32_MAX : (int)cap);

	if (ret > 0) {
		*n = (size_t)ret;
		return TLS_DONE;
	}
	return status(t, ret, "a read", err);
}

int tls_write(struct tls_conn *t, const char *data, size_t len, size_t *n, struct rt_error *err)
{
	int ret = ssl.write(t->ssl, data, len > INT32_MAX ? INT32_MAX : (int)len);

	if (ret > 0) {
		*n = (size_t)ret;
		return TLS_DONE;
	}
	return status(t, ret, "a write", err);
}

int tls_pending(struct tls_conn *t)
{
	return ssl.pending(t->ssl) > 0;
}

void tls_get_info(struct tls_conn *t, long long now, struct tls_info *info)
{
	const char *v = ssl.get_version(t->ssl);
	const void *cipher = ssl.current_cipher(t->ssl);
	void *cert = ssl.peer_cert(t->ssl);

	memset(info, 0, sizeof(*info));
	clean(info->version, sizeof(info->version), v != NULL ? v : "");
	if (cipher != NULL && ssl.cipher_name(cipher) != NULL)
		clean(info->cipher, sizeof(info->cipher), ssl.cipher_name(cipher));
	if (cert != NULL) {
		const void *na = ssl.not_after(cert);
		struct tm tm;

		if (ssl.name_oneline(ssl.subject_name(cert), info->subject,
				     (int)sizeof(info->subject)) == NULL)
			info->subject[0] = '\0';
		clean(info->subject, sizeof(info->subject), info->subject);
		memset(&tm, 0, sizeof(tm));
		if (na != NULL && ssl.time_to_tm(na, &tm) == 1) {
			info->not_after_t = (long long)timegm(&tm);
			strftime(info->not_after, sizeof(info->not_after), "%Y-%m-%d %H:%M:%S UTC",
				 &tm);
			info->expired = info->not_after_t < now;
		}
		ssl.x509_free(cert);
	}
}

struct tls_server {
	void *ctx;
};

/* The first error libssl queued, sanitised, into why; clears the queue. */
static void last_error(char *why, size_t cap)
{
	unsigned long code = ssl.err_get();

	why[0] = '\0';
	if (code != 0)
		ssl.err_string(code, why, cap);
	ssl.err_clear();
	clean(why, cap, why[0] != '\0' ? why : "unknown error");
}

struct tls_server *tls_server_new(const char *cert_file, const char *key_file, struct rt_error *err)
{
	struct tls_server *s;
	char why[200];

	if (!tls_available(err))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		error_set(err, ERR_LOCAL, "out of memory");
		return NULL;
	}
	s->ctx = ssl.ctx_new(ssl.server_method());
	if (s->ctx == NULL) {
		last_error(why, sizeof(why));
		error_set(err, ERR_INTERNAL, "cannot make a TLS server context: %s", why);
		tls_server_free(s);
		return NULL;
	}
	if (ssl.ctx_use_chain(s->ctx, cert_file) != 1) {
		last_error(why, sizeof(why));
		error_set(err, ERR_TLS, "cannot use the certificate %s: %s", cert_file, why);
		tls_server_free(s);
		return NULL;
	}
	if (ssl.ctx_use_key(s->ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		last_error(why, sizeof(why));
		error_set(err, ERR_TLS, "cannot use the key %s: %s", key_file, why);
		tls_server_free(s);
		return NULL;
	}
	return s;
}

void tls_server_free(struct tls_server *s)
{
	if (s == NULL)
		return;
	if (s->ctx != NULL)
		ssl.ctx_free(s->ctx);
	free(s);
}

struct tls_conn *tls_accept(struct tls_server *s, int fd, struct rt_error *err)
{
	struct tls_conn *t = conn_new(s->ctx, fd, err);

	if (t != NULL)
		t->server = 1;
	return t;
}

void tls_drop(struct tls_conn *t)
{
	if (t != NULL)
		t->failed = 1;
	tls_free(t);
}

void tls_free(struct tls_conn *t)
{
	if (t == NULL)
		return;
	if (t->ssl != NULL) {
		/* Best effort close_notify on the non-blocking socket: no waiting.
		 * OpenSSL's rule: never after a fatal error (SSL_shutdown(3)); the
		 * peer is gone or broken, and the write would meet a reset. */
		if (!t->failed)
			ssl.shutdown(t->ssl);
		ssl.err_clear();
		ssl.ssl_free(t->ssl);
	}
	free(t);
}
