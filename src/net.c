/* net.c - connect, read and write with absolute deadlines. */
#include "net.h"

#include "text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int64_t net_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t net_deadline(int timeout_ms, int64_t end_ms)
{
	int64_t d = net_now_ms() + timeout_ms;

	return d < end_ms ? d : end_ms;
}

void net_init(struct net_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

void net_adopt(struct net_conn *c, int fd)
{
	net_init(c);
	c->fd = fd;
	c->family = AF_UNIX;
	text_copy(c->peer_addr, sizeof(c->peer_addr), "127.0.0.1");
	text_copy(c->local_addr, sizeof(c->local_addr), "127.0.0.1");
}

/* poll() one descriptor until deadline, retrying EINTR. Returns poll's result. */
static int wait_for(int fd, short events, int64_t deadline, short *revents)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events, .revents = 0 };
		int64_t left = deadline - net_now_ms();
		int n;

		if (left < 0)
			left = 0;
		n = poll(&pfd, 1, left > 86400000 ? 86400000 : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		*revents = pfd.revents;
		return n;
	}
}

void net_address_text(const struct sockaddr *sa, char *buf, size_t cap)
{
	const void *where = sa->sa_family == AF_INET6
				    ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
				    : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;

	if (inet_ntop(sa->sa_family, where, buf, (socklen_t)cap) == NULL)
		buf[0] = '\0';
}

static unsigned port_of(const struct sockaddr *sa)
{
	return ntohs(sa->sa_family == AF_INET6 ? ((const struct sockaddr_in6 *)sa)->sin6_port
					       : ((const struct sockaddr_in *)sa)->sin_port);
}

/* One bounded connect: non-blocking connect, poll for POLLOUT, SO_ERROR. */
static int connect_one(const struct sockaddr *sa, socklen_t len, int64_t deadline,
		       struct rt_error *err, const char *shown)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	int flags, soerr = 0;
	socklen_t soerrlen = sizeof(soerr);
	short revents = 0;

	if (fd < 0) {
		int local =
			errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM;

		/* Out of descriptors or memory is this machine's limit, never a
		 * sign that the server refuses connections. */
		if (local)
			error_set(err, ERR_LOCAL, "relaytest cannot open a socket for %s: %s%s",
				  shown, strerror(errno),
				  errno == EMFILE ? " (its open-file limit, ulimit -n)" : "");
		else
			error_set(err, ERR_CONNECT, "cannot create a socket for %s: %s", shown,
				  strerror(errno));
		return -1;
	}
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(fd, sa, len) < 0 && errno != EINPROGRESS) {
		error_set(err, ERR_CONNECT, "cannot connect to %s: %s", shown, strerror(errno));
		close(fd);
		return -1;
	}
	if (wait_for(fd, POLLOUT, deadline, &revents) == 0) {
		error_set(err, ERR_TIMEOUT, "connection to %s timed out", shown);
		close(fd);
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &soerrlen) < 0)
		soerr = errno;
	if (soerr != 0) {
		error_set(err, ERR_CONNECT, "cannot connect to %s: %s", shown, strerror(soerr));
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, flags);
	return fd;
}

/* Descriptors kept free beyond the sockets: libssl's first load, a
 * resolver's socket, a worker's pipe. */
#define NET_FD_RESERVE 4
/* Counting open descriptors looks this far at most (the count is then a
 * lower bound, and a later EMFILE is still told apart: ERR_LOCAL). */
#define NET_FD_SCAN_MAX 65536

unsigned net_sockets_free(void)
{
	struct rlimit rl;
	rlim_t open_now = 0, limit;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return UINT_MAX;
	limit = rl.rlim_cur < NET_FD_SCAN_MAX ? rl.rlim_cur : NET_FD_SCAN_MAX;
	for (rlim_t fd = 0; fd < limit; fd++)
		open_now += fcntl((int)fd, F_GETFD) != -1;
	if (rl.rlim_cur <= open_now + NET_FD_RESERVE)
		return 0;
	return rl.rlim_cur - open_now - NET_FD_RESERVE > UINT_MAX
		       ? UINT_MAX
		       : (unsigned)(rl.rlim_cur - open_now - NET_FD_RESERVE);
}

/* A name lookup running in a thread of its own, so that the caller can
 * stop waiting at its deadline: getaddrinfo itself has none. A lookup still
 * running then is abandoned, and its thread frees it when it ends. */
struct lookup {
	pthread_mutex_t lock;
	pthread_cond_t done;
	int finished, abandoned, rc, family;
	struct addrinfo *list;
	char host[256], port[16];
};

static void lookup_free(struct lookup *q)
{
	pthread_cond_destroy(&q->done);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

static void *lookup_thread(void *arg)
{
	struct lookup *q = arg;
	struct addrinfo hints = { .ai_family = q->family,
				  .ai_socktype = SOCK_STREAM,
				  .ai_protocol = IPPROTO_TCP };
	struct addrinfo *list = NULL;
	int rc = getaddrinfo(q->host, q->port, &hints, &list);
	int abandoned;

	pthread_mutex_lock(&q->lock);
	q->rc = rc;
	q->list = list;
	q->finished = 1;
	abandoned = q->abandoned;
	pthread_cond_signal(&q->done);
	pthread_mutex_unlock(&q->lock);
	if (abandoned) {
		if (rc == 0)
			freeaddrinfo(list);
		lookup_free(q);
	}
	return NULL;
}

/* Wait for q until deadline (CLOCK_MONOTONIC ms); 1 when it finished. */
static int lookup_wait(struct lookup *q, int64_t deadline)
{
	struct timespec until = { deadline / 1000, (deadline % 1000) * 1000000L };
	int finished;

	pthread_mutex_lock(&q->lock);
	while (!q->finished && pthread_cond_timedwait(&q->done, &q->lock, &until) != ETIMEDOUT)
		;
	finished = q->finished;
	q->abandoned = !finished;
	pthread_mutex_unlock(&q->lock);
	return finished;
}

/* getaddrinfo, ended at deadline. Returns 0 with *list, or a getaddrinfo
 * error (EAI_AGAIN at the deadline). An address literal needs no lookup. */
static int lookup_until(const char *host, const char *port, int family, int64_t deadline,
			struct addrinfo **list)
{
	struct addrinfo hints = { .ai_family = family,
				  .ai_socktype = SOCK_STREAM,
				  .ai_protocol = IPPROTO_TCP,
				  .ai_flags = AI_NUMERICHOST };
	pthread_condattr_t attr;
	pthread_t thread;
	struct lookup *q;
	int rc = getaddrinfo(host, port, &hints, list);

	if (rc != EAI_NONAME)
		return rc;
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return EAI_MEMORY;
	text_copy(q->host, sizeof(q->host), host);
	text_copy(q->port, sizeof(q->port), port);
	q->family = family;
	pthread_mutex_init(&q->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q->done, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&thread, NULL, lookup_thread, q) != 0) {
		lookup_free(q);
		return EAI_AGAIN;
	}
	pthread_detach(thread);
	if (!lookup_wait(q, deadline))
		return EAI_AGAIN; /* the thread frees q */
	rc = q->rc;
	*list = q->list;
	lookup_free(q);
	return rc;
}

int net_resolve(struct net_peer *peer, const char *host, const char *port, int family,
		int64_t deadline, struct rt_error *err)
{
	struct addrinfo *list = NULL;
	int rc;

	peer->n = 0;
	peer->chosen = -1;
	text_copy(peer->port, sizeof(peer->port), port);
	if (peer->hook != NULL)
		return 0;
	rc = lookup_until(host, port, family, deadline, &list);
	if (rc != 0) {
		if (rc == EAI_AGAIN && net_now_ms() >= deadline)
			error_set(err, ERR_TIMEOUT,
				  "cannot resolve %s: no answer within the time limit", host);
		else
			error_set(err, ERR_RESOLVE, "cannot resolve %s: %s", host,
				  rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	for (const struct addrinfo *ai = list; ai != NULL && peer->n < NET_PEER_ADDRS_MAX;
	     ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(peer->addrs[0]))
			continue;
		memcpy(&peer->addrs[peer->n], ai->ai_addr, ai->ai_addrlen);
		peer->lens[peer->n++] = ai->ai_addrlen;
	}
	freeaddrinfo(list);
	return 0;
}

/* Connect to address i of peer. */
static int connect_address(struct net_conn *c, const struct net_peer *peer, size_t i,
			   int64_t deadline, struct rt_error *err)
{
	const struct sockaddr *sa = (const struct sockaddr *)&peer->addrs[i];
	char addr[NET_ADDR_MAX], shown[NET_ADDR_MAX + 24];
	struct sockaddr_storage local;
	socklen_t locallen = sizeof(local);
	int fd;

	net_address_text(sa, addr, sizeof(addr));
	snprintf(shown, sizeof(shown), sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s", addr,
		 peer->port);
	fd = connect_one(sa, peer->lens[i], deadline, err, shown);
	if (fd < 0)
		return -1;
	c->fd = fd;
	c->family = sa->sa_family;
	c->peer_index = (int)i;
	memcpy(c->peer_addr, addr, sizeof(addr));
	c->peer_port = port_of(sa);
	if (getsockname(fd, (struct sockaddr *)&local, &locallen) == 0) {
		net_address_text((struct sockaddr *)&local, c->local_addr, sizeof(c->local_addr));
		c->local_port = port_of((struct sockaddr *)&local);
	}
	return 0;
}

int net_connect(struct net_conn *c, const struct net_peer *peer, int timeout_ms, int64_t end_ms,
		struct rt_error *err)
{
	net_init(c);
	if (peer->hook != NULL) {
		int fd = peer->hook(peer->hook_ctx);

		if (fd < 0) {
			error_set(err, ERR_CONNECT, "connection refused (test hook)");
			return -1;
		}
		net_adopt(c, fd);
		return 0;
	}
	for (size_t i = 0; i < peer->n; i++) {
		if (peer->chosen >= 0 && (size_t)peer->chosen != i)
			continue;
		if (net_now_ms() >= end_ms) {
			error_set(err, ERR_TIMEOUT,
				  "time limit reached before the server answered");
			return -1;
		}
		if (connect_address(c, peer, i, net_deadline(timeout_ms, end_ms), err) == 0)
			return 0;
	}
	if (peer->n == 0)
		error_set(err, ERR_RESOLVE, "the name has no address");
	return -1;
}

/* Run one TLS operation until it completes, waiting for the socket as it
 * asks, until deadline. op is 'h' (handshake), 'r' (read into buf up to
 * cap) or 'w' (write len bytes of data); *n gets the count. Returns a
 * tls_status other than WANT_*; ERR_TIMEOUT names what was under way. */
static int tls_run(struct net_conn *c, int op, char *buf, const char *data, size_t cap, size_t *n,
		   int64_t deadline, struct rt_error *err)
{
	for (;;) {
		short revents = 0;
		int st;

		if (op == 'h')
			st = tls_handshake(c->tls, err);
		else if (op == 'r')
			st = tls_read(c->tls, buf, cap, n, err);
		else
			st = tls_write(c->tls, data, cap, n, err);
		if (st != TLS_WANT_READ && st != TLS_WANT_WRITE)
			return st;
		if (wait_for(c->fd, st == TLS_WANT_READ ? POLLIN : POLLOUT, deadline, &revents) ==
		    0) {
			error_set(err, ERR_TIMEOUT, "%s",
				  op == 'h'   ? "the TLS handshake did not complete in time"
				  : op == 'r' ? "no reply from the server in time"
					      : "the server stopped reading our commands");
			return TLS_FAIL;
		}
	}
}

int net_starttls(struct net_conn *c, const char *sni, int64_t deadline, struct tls_info *info,
		 struct rt_error *err)
{
	struct timespec now;

	if (c->fd < 0) {
		error_set(err, ERR_CLOSED, "the connection is closed");
		return -1;
	}
	c->tls = tls_new(c->fd, sni, err);
	if (c->tls == NULL)
		return -1;
	c->rpos = c->rlen = 0;
	if (tls_run(c, 'h', NULL, NULL, 0, NULL, deadline, err) != TLS_DONE) {
		if (err != NULL && err->kind == ERR_NONE)
			error_set(err, ERR_CLOSED,
				  "the server closed the connection during the "
				  "TLS handshake");
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	tls_get_info(c->tls, (long long)now.tv_sec, info);
	return 0;
}

/* A server that talks without end is cut off. */
static int check_bytes_in(const struct net_conn *c, struct rt_error *err)
{
	if (c->bytes_in <= NET_SESSION_BYTES_MAX)
		return 0;
	error_set(err, ERR_PROTOCOL, "the server sent more than %zu bytes on one connection",
		  NET_SESSION_BYTES_MAX);
	return -1;
}

/* Refill the read buffer through TLS. */
static int fill_tls(struct net_conn *c, int64_t deadline, struct rt_error *err)
{
	size_t n = 0;
	int st = tls_run(c, 'r', c->rbuf + c->rlen, NULL, sizeof(c->rbuf) - c->rlen, &n, deadline,
			 err);

	if (st == TLS_EOF) {
		error_set(err, ERR_CLOSED, "the server closed the connection");
		return -1;
	}
	if (st != TLS_DONE)
		return -1;
	c->rlen += n;
	c->bytes_in += n;
	return 0;
}

/* Refill the read buffer: wait for data until deadline, then recv once. */
static int fill(struct net_conn *c, int64_t deadline, struct rt_error *err)
{
	short revents = 0;
	ssize_t n;

	if (c->rpos > 0) {
		memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
		c->rlen -= c->rpos;
		c->rpos = 0;
	}
	if (c->tls != NULL)
		return fill_tls(c, deadline, err) < 0 ? -1 : check_bytes_in(c, err);
	if (wait_for(c->fd, POLLIN, deadline, &revents) == 0) {
		error_set(err, ERR_TIMEOUT, "no reply from the server in time");
		return -1;
	}
	do
		n = recv(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n < 0) {
		error_set(err, ERR_CLOSED, "the connection failed: %s", strerror(errno));
		return -1;
	}
	if (n == 0) {
		error_set(err, ERR_CLOSED, "the server closed the connection");
		return -1;
	}
	c->rlen += (size_t)n;
	c->bytes_in += (size_t)n;
	return check_bytes_in(c, err);
}

int net_read_line(struct net_conn *c, char *buf, size_t cap, size_t *len, int64_t deadline,
		  struct rt_error *err)
{
	for (;;) {
		char *start = c->rbuf + c->rpos;
		size_t avail = c->rlen - c->rpos;
		char *lf = memchr(start, '\n', avail);

		if (lf != NULL) {
			size_t n = (size_t)(lf - start);

			c->rpos += n + 1;
			if (n > 0 && start[n - 1] == '\r')
				n--;
			if (n >= cap) {
				error_set(err, ERR_PROTOCOL, "reply line longer than %zu bytes",
					  cap - 1);
				return -1;
			}
			memcpy(buf, start, n);
			buf[n] = '\0';
			*len = n;
			return 0;
		}
		/* A line that has not ended within cap (+CR) bytes never will fit. */
		if (avail > cap || avail >= sizeof(c->rbuf)) {
			error_set(err, ERR_PROTOCOL, "reply line longer than %zu bytes", cap - 1);
			return -1;
		}
		if (fill(c, deadline, err) < 0)
			return -1;
	}
}

/* With TLS a readable socket may carry only handshake records (TLS 1.3
 * session tickets): read once without waiting and count application data. */
static int tls_has_unread(struct net_conn *c)
{
	short revents = 0;
	int st;
	size_t n = 0;

	if (tls_pending(c->tls))
		return 1;
	if (wait_for(c->fd, POLLIN, 0, &revents) <= 0)
		return 0;
	if (c->rpos > 0) {
		memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
		c->rlen -= c->rpos;
		c->rpos = 0;
	}
	if (c->rlen >= sizeof(c->rbuf))
		return 1;
	st = tls_read(c->tls, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen, &n, NULL);
	if (st == TLS_DONE) {
		c->rlen += n;
		c->bytes_in += n;
		return 1;
	}
	/* Closed or broken: let the next read find out and say so. */
	return st != TLS_WANT_READ && st != TLS_WANT_WRITE;
}

int net_has_unread(struct net_conn *c)
{
	short revents = 0;

	char byte;

	if (c->rpos < c->rlen)
		return 1;
	if (c->tls != NULL)
		return tls_has_unread(c);
	if (c->fd < 0 || wait_for(c->fd, POLLIN, 0, &revents) <= 0 || !(revents & POLLIN))
		return 0;
	/* A close also wakes poll: only a byte is a reply to nothing we sent. */
	return recv(c->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 1;
}

int net_reply_started(struct net_conn *c, int64_t deadline)
{
	short revents = 0;

	if (c->rpos < c->rlen || c->fd < 0 || (c->tls != NULL && tls_pending(c->tls)))
		return 1;
	return wait_for(c->fd, POLLIN, deadline, &revents) != 0;
}

int net_peek_byte(struct net_conn *c, unsigned char *byte, int64_t deadline)
{
	if (c->rpos == c->rlen && fill(c, deadline, NULL) < 0)
		return 0;
	if (c->rpos == c->rlen)
		return 0;
	*byte = (unsigned char)c->rbuf[c->rpos];
	return 1;
}

int net_write_all(struct net_conn *c, const char *data, size_t len, int64_t deadline,
		  struct rt_error *err)
{
	while (len > 0 && c->tls != NULL) {
		size_t n = 0;

		if (tls_run(c, 'w', NULL, data, len, &n, deadline, err) != TLS_DONE) {
			if (err != NULL && err->kind == ERR_NONE)
				error_set(err, ERR_CLOSED, "the server closed the connection");
			return -1;
		}
		data += n;
		len -= n;
	}
	while (len > 0) {
		short revents = 0;
		ssize_t n;

		if (wait_for(c->fd, POLLOUT, deadline, &revents) == 0) {
			error_set(err, ERR_TIMEOUT, "the server stopped reading our commands");
			return -1;
		}
		n = send(c->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (n < 0) {
			error_set(err, ERR_CLOSED, "cannot send to the server: %s",
				  strerror(errno));
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

void net_close(struct net_conn *c)
{
	int saved = errno;

	tls_free(c->tls);
	c->tls = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->rpos = c->rlen = 0;
	errno = saved;
}
