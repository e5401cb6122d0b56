/* net.h - TCP with absolute deadlines.
 *
 * Every wait is a poll() bounded by a deadline on CLOCK_MONOTONIC; nothing
 * here relies on SO_RCVTIMEO, so a server that drips a byte at a time still
 * ends at the deadline. Writes use MSG_NOSIGNAL|MSG_DONTWAIT after poll, so
 * a server that stops reading cannot block us either. */
#ifndef RELAYTEST_NET_H
#define RELAYTEST_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "error.h"
#include "tls.h"

#define NET_ADDR_MAX 64				    /* textual IPv4/IPv6 address */
#define NET_SESSION_BYTES_MAX ((size_t)1024 * 1024) /* bytes read on one connection */

struct net_conn {
	int fd; /* -1 when closed */
	int family;
	int peer_index;		       /* which of the peer's addresses */
	char peer_addr[NET_ADDR_MAX];  /* the address we connected to */
	char local_addr[NET_ADDR_MAX]; /* our end, for the trusted-network warning */
	unsigned peer_port, local_port;
	struct tls_conn *tls; /* NULL until net_starttls; owned, freed by net_close */
	size_t bytes_in;
	size_t rpos, rlen;
	char rbuf[4096];
};

/* Milliseconds on the monotonic clock. */
int64_t net_now_ms(void);

/* The earlier of now + timeout_ms and end_ms. */
int64_t net_deadline(int timeout_ms, int64_t end_ms);

/* The IPv4 or IPv6 address of sa as text (inet_ntop) in buf; "" when it
 * is neither. */
void net_address_text(const struct sockaddr *sa, char *buf, size_t cap);

/* Mark c closed without touching any descriptor. */
void net_init(struct net_conn *c);

#define NET_PEER_ADDRS_MAX 16

/* A target's addresses, resolved once: every connection of a run goes to
 * the same one (chosen), so that results from different machines behind a
 * name are never merged. */
struct net_peer {
	struct sockaddr_storage addrs[NET_PEER_ADDRS_MAX];
	socklen_t lens[NET_PEER_ADDRS_MAX];
	size_t n;
	int chosen; /* -1: try each in turn; else the one to use */
	char port[16];
	/* Tests and fuzzing: with a hook set, net_connect adopts the
	 * descriptor it returns (a socketpair's end; negative: refused). */
	int (*hook)(void *ctx);
	void *hook_ctx;
};

/* Resolve host:port (family AF_UNSPEC, AF_INET or AF_INET6) into peer,
 * giving up at deadline. Returns 0, or -1 with err (ERR_RESOLVE,
 * ERR_TIMEOUT). With peer->hook set nothing is resolved. */
int net_resolve(struct net_peer *peer, const char *host, const char *port, int family,
		int64_t deadline, struct rt_error *err);

/* Connect to the peer's chosen address, or to each in turn until one
 * answers, each attempt bounded by min(timeout_ms, end_ms); c->peer_index
 * tells which. Returns 0 with c open, or -1 with err (ERR_CONNECT,
 * ERR_TIMEOUT, ERR_LOCAL) naming the last failure. */
int net_connect(struct net_conn *c, const struct net_peer *peer, int timeout_ms, int64_t end_ms,
		struct rt_error *err);

/* Take over a connected stream socket (a socketpair in the fuzzer). */
void net_adopt(struct net_conn *c, int fd);

/* How many more sockets this process may open: its open-file limit
 * (RLIMIT_NOFILE) less the descriptors open now and a few kept for libssl
 * and the resolver; 0 when none. */
unsigned net_sockets_free(void);

/* Read one line ending in LF (a CR before it is removed) into buf, at most
 * cap-1 bytes, NUL-terminated, with its length in *len (the line may itself
 * hold NUL bytes). Returns 0, or -1 with err: ERR_TIMEOUT at the deadline,
 * ERR_CLOSED on EOF or reset, ERR_PROTOCOL when the line does not fit or the
 * connection has sent more than NET_SESSION_BYTES_MAX. */
int net_read_line(struct net_conn *c, char *buf, size_t cap, size_t *len, int64_t deadline,
		  struct rt_error *err);

/* Whether the server has sent bytes we have not read (checked without
 * waiting). Used to notice replies to commands never sent. */
int net_has_unread(struct net_conn *c);

/* Whether the server has started to answer by deadline: bytes are read
 * and waiting, or the socket became readable (or closed). Nothing is
 * consumed. Lets a reader notice a reply that is late before it comes. */
int net_reply_started(struct net_conn *c, int64_t deadline);

/* Wait until deadline for the first byte from the server, without
 * consuming it; returns 1 and stores the byte in *byte, 0 on timeout or close.
 * Lets the greeting reader recognise TLS or HTTP peers. */
int net_peek_byte(struct net_conn *c, unsigned char *byte, int64_t deadline);

/* Write all len bytes before deadline. Returns 0, or -1 with err. */
int net_write_all(struct net_conn *c, const char *data, size_t len, int64_t deadline,
		  struct rt_error *err);

/* Start TLS on the open connection c (STARTTLS after its 220, or right
 * after connect for implicit TLS) and complete the handshake before
 * deadline; sni is the target's name (ignored when an address literal).
 * Bytes already buffered are discarded (RFC 3207 5: nothing sent before the
 * handshake may be trusted). Afterwards every read and write goes through
 * TLS. Returns 0 with info filled, or -1 with err: ERR_NO_TLS, ERR_TLS (alert
 * or failed handshake), ERR_CLOSED (cut short), ERR_TIMEOUT. */
int net_starttls(struct net_conn *c, const char *sni, int64_t deadline, struct tls_info *info,
		 struct rt_error *err);

/* Close c if open; keeps errno. */
void net_close(struct net_conn *c);

#endif
