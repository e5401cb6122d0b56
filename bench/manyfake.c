/* manyfake - one process that plays a closed SMTP server on many loopback
 * listeners at once, for benchmarks and scale tests. libc only.
 *
 * usage: manyfake -a ADDRESSES -n PORTS [-S SILENT] -o LISTFILE [-w SECONDS]
 *
 * Binds PORTS random ports on each of 127.0.0.1 .. 127.0.0.ADDRESSES, writes
 * one "127.0.0.X:PORT" line per listener to LISTFILE (then renames it into
 * place, so a reader never sees half of it), and answers every connection
 * like a closed relay: EHLO offers PIPELINING, RCPT to postmaster@ is
 * accepted, every other RCPT is refused 554. The first SILENT listeners in
 * the list accept and never say a word (a tarpit). A watchdog (-w, default
 * 600 s) ends it. Each connection has a bounded line buffer; a peer that
 * does not read its replies is dropped. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONNS_MAX 16384
#define LINE_CAP 1024

struct conn {
	char buf[LINE_CAP];
	size_t len;
	int silent;
};

static struct pollfd *pfds;
static struct conn **conns;
static size_t nfds, nlisten;

static void drop(size_t i)
{
	close(pfds[i].fd);
	free(conns[i]);
	nfds--;
	pfds[i] = pfds[nfds];
	conns[i] = conns[nfds];
}

/* Reply to one command line; returns -1 to close. */
static int answer(int fd, const char *line)
{
	const char *r;

	if (strncasecmp(line, "EHLO", 4) == 0)
		r = "250-mx.bench.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
	else if (strncasecmp(line, "HELO", 4) == 0 || strncasecmp(line, "MAIL", 4) == 0 ||
		 strncasecmp(line, "RSET", 4) == 0 || strncasecmp(line, "NOOP", 4) == 0)
		r = "250 2.0.0 Ok\r\n";
	else if (strncasecmp(line, "RCPT", 4) == 0)
		r = strcasestr(line, "<postmaster@") != NULL ? "250 2.1.5 Ok\r\n"
							     : "554 5.7.1 Relay access denied\r\n";
	else if (strncasecmp(line, "QUIT", 4) == 0) {
		(void)!send(fd, "221 2.0.0 Bye\r\n", 15, MSG_DONTWAIT | MSG_NOSIGNAL);
		return -1;
	} else
		r = "500 5.5.2 unrecognised command\r\n";
	return send(fd, r, strlen(r), MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)strlen(r) ? 0 : -1;
}

/* Read what a connection sent and answer each whole line; -1 to close. */
static int serve(size_t i)
{
	struct conn *c = conns[i];
	ssize_t n = recv(pfds[i].fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
	char *line, *nl;

	if (n <= 0)
		return -1;
	if (c->silent)
		return 0;
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	line = c->buf;
	while ((nl = strchr(line, '\n')) != NULL) {
		*nl = '\0';
		if (answer(pfds[i].fd, line) < 0)
			return -1;
		line = nl + 1;
	}
	c->len -= (size_t)(line - c->buf);
	memmove(c->buf, line, c->len);
	return c->len == sizeof(c->buf) - 1 ? -1 : 0;
}

int main(int argc, char **argv)
{
	int addrs = 1, ports = 1, silent = 0, wait_s = 600, opt;
	const char *list = NULL;
	char tmp[4096];
	FILE *f;
	struct rlimit rl;

	while ((opt = getopt(argc, argv, "a:n:S:o:w:")) != -1) {
		switch (opt) {
		case 'a':
			addrs = atoi(optarg);
			break;
		case 'n':
			ports = atoi(optarg);
			break;
		case 'S':
			silent = atoi(optarg);
			break;
		case 'o':
			list = optarg;
			break;
		case 'w':
			wait_s = atoi(optarg);
			break;
		default:
			return 64;
		}
	}
	if (list == NULL || addrs < 1 || addrs > 254 || ports < 1 || addrs * ports > 4096) {
		fprintf(stderr, "usage: manyfake -a 1-254 -n PORTS [-S SILENT] -o LIST [-w S]\n");
		return 64;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	alarm((unsigned)wait_s);
	pfds = calloc(CONNS_MAX, sizeof(*pfds));
	conns = calloc(CONNS_MAX, sizeof(*conns));
	snprintf(tmp, sizeof(tmp), "%s.tmp", list);
	f = fopen(tmp, "w");
	if (pfds == NULL || conns == NULL || f == NULL)
		return 71;
	for (int a = 1; a <= addrs; a++) {
		for (int p = 0; p < ports; p++) {
			struct sockaddr_in sin = { .sin_family = AF_INET };
			socklen_t len = sizeof(sin);
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;

			sin.sin_addr.s_addr = htonl(0x7f000000u | (unsigned)a);
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
			    listen(fd, 512) < 0 ||
			    getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
				perror("manyfake: listen");
				return 71;
			}
			fprintf(f, "127.0.0.%d:%d\n", a, ntohs(sin.sin_port));
			pfds[nfds].fd = fd;
			pfds[nfds].events = POLLIN;
			conns[nfds] = NULL;
			nfds++;
		}
	}
	nlisten = nfds;
	if (fclose(f) != 0 || rename(tmp, list) < 0)
		return 71;
	for (;;) {
		if (poll(pfds, (nfds_t)nfds, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 71;
		}
		for (size_t i = nfds; i-- > 0;) {
			if (pfds[i].revents == 0)
				continue;
			if (i < nlisten) {
				int fd;

				while (nfds < CONNS_MAX &&
				       (fd = accept4(pfds[i].fd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					struct conn *c = calloc(1, sizeof(*c));

					if (c == NULL) {
						close(fd);
						break;
					}
					c->silent = (int)i < silent;
					if (!c->silent)
						(void)!send(fd, "220 mx.bench.test ESMTP\r\n", 25,
							    MSG_DONTWAIT | MSG_NOSIGNAL);
					pfds[nfds].fd = fd;
					pfds[nfds].events = POLLIN;
					pfds[nfds].revents = 0;
					conns[nfds++] = c;
				}
			} else if (serve(i) < 0) {
				drop(i);
			}
		}
	}
}
