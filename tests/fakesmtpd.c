/* fakesmtpd - a scripted SMTP server for relaytest's tests. libc, and for
 * TLS the system's libssl at run time through relaytest's own src/tls.c.
 *
 * usage: fakesmtpd -s SCENARIO -l LOG -p PORTFILE [-w SECONDS] [-a ADDRESS] [-P PORT]
 *
 * Binds 127.0.0.1 (-a: another loopback address, IPv4 or IPv6, so that
 * several fakes can stand behind the addresses of one name) on a random
 * port (-P: that port), writes the port to PORTFILE, and serves
 * connections one after another, replying as SCENARIO says, until the
 * watchdog (-w, default 60 s) ends it. Every line received is written to LOG
 * ("== connect N" marks a new connection; a line not ending in CRLF is
 * prefixed "!bare-lf "). Scenario lines (lines starting "test." are the test
 * runner's and ignored here):
 *
 *   greeting ACTION            what to do on connect (default a 220 line)
 *   on GLOB => ACTION          first rule whose glob matches the command
 *                              (fnmatch, case-insensitive) wins; a glob
 *                              holding '|' is matched against
 *                              "COMMAND|LAST MAIL|LAST EHLO|AUTH" instead, so
 *                              a reply can depend on the session's state
 *                              (AUTH is "auth" after a 235, else "-"; to an
 *                              EHLO or HELO, LAST EHLO is the one before it,
 *                              empty on a connection's first greeting)
 *   at N => ACTION             the N-th command of the whole run (1-based,
 *                              counted across connections) before any 'on'
 *   lf-only                    end reply lines with LF instead of CRLF
 *   split                      send replies in 3-byte pieces, 5 ms apart
 *   delay-all MS               a distant server: wait MS before the greeting
 *                              and after each read, before answering what
 *                              it brought (one delay per round trip)
 *   data-end ACTION            the reply to the "." that ends a message
 *                              (DATA itself, unmatched: 354 after a
 *                              recipient was taken, else 503)
 *                              (default 250); after a reply starting 354
 *                              the lines up to "." are logged as "| LINE"
 *   tls-reply ACTION           what to send when the client's bytes start
 *                              like a TLS ClientHello (0x16), then close
 *   tarpit MS                  an Exchange-style tarpit: wait MS before
 *                              sending every reply that starts with 5
 *                              (Exchange's TarpitInterval, default 5000)
 *   max-errors N [ACTION]      after N replies starting with 5 on one
 *                              connection, answer the next command with
 *                              ACTION (default "421 4.7.0 Too many errors on
 *                              this connection, closing transmission
 *                              channel") and close (Exchange's
 *                              MaxProtocolErrors, default 5)
 *   concurrent N               serve up to N connections at once, each in
 *                              its own thread (default: one after another);
 *                              'at N' still counts commands across all of
 *                              them, in the order they arrive, and the log
 *                              says which connection each line came from
 *                              ("== conn N" before a line whenever the
 *                              speaker changes; "== connect N" opens one)
 *   max-connections K [ACTION] with concurrent: a connection that arrives
 *                              while K are open gets ACTION (default "421
 *                              4.7.0 Too many concurrent SMTP connections
 *                              from this IP address; please try again
 *                              later.") and is closed; logged "== refused N"
 *
 * TLS, through relaytest's own src/tls.c (libssl loaded at run time). A
 * scenario with any of these lines speaks TLS: its certificate is made with
 * the openssl command in a directory beside LOG before the port is written,
 * and STARTTLS is answered "220 2.0.0 Ready to start TLS" and starts the
 * handshake unless a rule answers it otherwise (e.g. 454). A finished
 * handshake is logged "== tls", a failed one "== tls-failed WHY"; after it
 * the session's state ('|' globs) starts afresh.
 *
 *   tls implicit               TLS right after connect (port 465)
 *   on-plain GLOB => ACTION    an 'on' rule only before TLS
 *   on-tls GLOB => ACTION      an 'on' rule only after TLS
 *   tls-fault alert|cut|drip   instead of a handshake: answer the
 *                              ClientHello with a fatal alert; close after
 *                              reading it; or send one byte a second (logged
 *                              "== tls-fault KIND")
 *   cert expired               serve a certificate that expired in 2001
 *   starttls-keeps-input       the CVE-2011-0411 flaw: commands that came in
 *                              plain text with STARTTLS are answered after
 *                              the handshake, over TLS
 *
 * ACTION: reply lines separated by "\n" (each gets CRLF), with \r \t \\ and
 * \xNN escapes; "raw:" then bytes sent exactly as escaped; "!close" (close
 * without a word); "!reset" (abort with RST); "!hang" (never answer);
 * "!delay MS ACTION"; "!drip MS ACTION" (one byte every MS ms);
 * "!then-close ACTION" (reply, then close); "!then-reset ACTION" (reply,
 * then an RST); "!big N TEXT" (TEXT, then N
 * bytes of 'x', then CRLF: one huge line); "!repeat N LINE" (LINE N times,
 * no final line). QUIT is answered 221 and closes
 * unless a rule says otherwise; RSET gets 250; anything else unmatched gets
 * "500 5.5.2 unrecognised command". */
#define _GNU_SOURCE /* FNM_CASEFOLD */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <libgen.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RULES_MAX 256
#define LINE_MAX_IN 65536
#define ACTION_MAX 8192
#define TLS_WAIT_MS 10000 /* a handshake or a blocked TLS write gives up after this */

enum scope { SCOPE_ANY, SCOPE_PLAIN, SCOPE_TLS };
enum fault { FAULT_NONE, FAULT_ALERT, FAULT_CUT, FAULT_DRIP };

struct rule {
	int at; /* 0: glob rule */
	enum scope scope;
	char glob[512];
	char action[ACTION_MAX];
};

static struct rule rules[RULES_MAX];
static size_t nrules;
static char greeting[ACTION_MAX] = "220 fake.relaytest.test ESMTP fakesmtpd";
static int lf_only, split, delay_all_ms;
static char tls_reply[ACTION_MAX];
static char data_end[ACTION_MAX] = "250 2.0.0 Ok: queued as FAKE";
static unsigned long command_count;
static int tarpit_ms, max_errors, concurrency, max_connections;
static char too_many_errors[ACTION_MAX] =
	"!then-close 421 4.7.0 Too many errors on this connection, closing transmission channel";
static char refusal[ACTION_MAX] = "!then-close 421 4.7.0 Too many concurrent SMTP connections "
				  "from this IP address; please try again later.";
/* Session state that '|' globs can see, and the connection's 5xx count;
 * reset on each connection, one copy per thread in concurrent mode. */
static _Thread_local char last_mail[1024], last_helo[1024];
/* The client address claimed by a PROXY header or an accepted XCLIENT,
 * else "-": a glob with four '|' sees it as a fifth field. */
static _Thread_local char client[64];
static _Thread_local int authenticated, errors;
/* Whether a RCPT of the open transaction was answered 2xx: DATA's default. */
static _Thread_local int rcpt_ok;
static _Thread_local unsigned this_conn;
static FILE *log_file;
/* TLS: whether the scenario speaks it, and how. */
static int tls_on, tls_implicit, cert_expired, keeps_input;
/* proxy-protocol: no greeting before a PROXY v1 header (as Postfix's
 * smtpd_upstream_proxy_protocol); a connection without one is closed
 * silently after this many ms. */
static int proxy_wait_ms, proxy_then_greet, proxy_v2_only;
static enum fault tls_fault;
static struct tls_server *tls_server;
/* The connection's TLS session once a handshake finished, else NULL. */
static _Thread_local struct tls_conn *tls;
/* Concurrent mode: one lock for the command counter, the rules and the log. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slot_free = PTHREAD_COND_INITIALIZER;
static unsigned open_connections, last_speaker;

static void die(const char *what)
{
	fprintf(stderr, "fakesmtpd: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* A scenario number (milliseconds, counts); scenarios are ours, so 0 on junk is fine. */
static int number(const char *text)
{
	return (int)strtol(text, NULL, 10);
}

/* One line to the log. In concurrent mode a line from another connection
 * than the last one is preceded by "== conn N", event lines ("== tls")
 * too, so that the commands after them are not taken for the last
 * speaker's; "== connect N" and "== refused N" name their own. Locked by
 * the caller. */
static void log_line(const char *prefix, const char *text)
{
	if (concurrency > 0 && this_conn != last_speaker &&
	    strncmp(prefix, "== connect ", 11) != 0 && strncmp(prefix, "== refused ", 11) != 0)
		fprintf(log_file, "== conn %u\n", this_conn);
	last_speaker = this_conn;
	fprintf(log_file, "%s%s\n", prefix, text);
	fflush(log_file);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Scenario fields must fit; a scenario that does not is a test bug. */
static void copy_field(char *dst, size_t cap, const char *src)
{
	size_t len = strlen(src);

	if (len >= cap) {
		fprintf(stderr, "fakesmtpd: scenario field longer than %zu bytes\n", cap - 1);
		exit(2);
	}
	memcpy(dst, src, len + 1);
}

static const char *const fault_names[] = {
	[FAULT_NONE] = "none",
	[FAULT_ALERT] = "alert",
	[FAULT_CUT] = "cut",
	[FAULT_DRIP] = "drip",
};
_Static_assert(sizeof(fault_names) / sizeof(fault_names[0]) == FAULT_DRIP + 1,
	       "fault_names and enum fault differ");

static enum fault fault_named(const char *name)
{
	for (size_t i = FAULT_ALERT; i < sizeof(fault_names) / sizeof(fault_names[0]); i++)
		if (strcmp(name, fault_names[i]) == 0)
			return (enum fault)i;
	return FAULT_NONE;
}

static void load_scenario(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[ACTION_MAX + 600];

	if (f == NULL)
		die(path);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *sep;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0' || strncmp(line, "test.", 5) == 0)
			continue;
		if (strncmp(line, "greeting ", 9) == 0) {
			copy_field(greeting, sizeof(greeting), line + 9);
		} else if (strcmp(line, "lf-only") == 0) {
			lf_only = 1;
		} else if (strcmp(line, "split") == 0) {
			split = 1;
		} else if (strncmp(line, "data-end ", 9) == 0) {
			copy_field(data_end, sizeof(data_end), line + 9);
		} else if (strncmp(line, "tls-reply ", 10) == 0) {
			copy_field(tls_reply, sizeof(tls_reply), line + 10);
		} else if (strncmp(line, "delay-all ", 10) == 0) {
			delay_all_ms = number(line + 10);
		} else if (strncmp(line, "tarpit ", 7) == 0) {
			tarpit_ms = number(line + 7);
		} else if (strncmp(line, "max-errors ", 11) == 0) {
			max_errors = number(line + 11);
			sep = strchr(line + 11, ' ');
			if (sep != NULL)
				snprintf(too_many_errors, sizeof(too_many_errors), "!then-close %s",
					 sep + 1);
		} else if (strncmp(line, "concurrent ", 11) == 0) {
			concurrency = number(line + 11);
		} else if (strncmp(line, "max-connections ", 16) == 0) {
			max_connections = number(line + 16);
			sep = strchr(line + 16, ' ');
			if (sep != NULL)
				snprintf(refusal, sizeof(refusal), "!then-close %s", sep + 1);
		} else if (strcmp(line, "proxy-protocol") == 0) {
			proxy_wait_ms = 3000;
		} else if (strncmp(line, "proxy-protocol ", 15) == 0) {
			proxy_wait_ms = number(line + 15);
			/* Exim's hosts_proxy: no header in time, greet anyway. */
			proxy_then_greet = strstr(line + 15, " then-greet") != NULL;
			/* OpenSMTPD's proxy-v2: a text header is closed on. */
			proxy_v2_only = strstr(line + 15, " v2-only") != NULL;
		} else if (strcmp(line, "tls implicit") == 0) {
			tls_on = tls_implicit = 1;
		} else if (strcmp(line, "cert expired") == 0) {
			tls_on = cert_expired = 1;
		} else if (strcmp(line, "starttls-keeps-input") == 0) {
			tls_on = keeps_input = 1;
		} else if (strncmp(line, "tls-fault ", 10) == 0 &&
			   (tls_fault = fault_named(line + 10)) != FAULT_NONE) {
			tls_on = 1;
		} else if ((strncmp(line, "on ", 3) == 0 || strncmp(line, "at ", 3) == 0 ||
			    strncmp(line, "on-plain ", 9) == 0 ||
			    strncmp(line, "on-tls ", 7) == 0) &&
			   (sep = strstr(line, " => ")) != NULL && nrules < RULES_MAX) {
			struct rule *r = &rules[nrules++];

			*sep = '\0';
			if (line[0] == 'a') {
				r->at = number(line + 3);
			} else {
				const char *glob = strchr(line, ' ') + 1;

				r->scope = line[2] == '-'
						   ? (line[3] == 'p' ? SCOPE_PLAIN : SCOPE_TLS)
						   : SCOPE_ANY;
				tls_on |= r->scope != SCOPE_ANY;
				copy_field(r->glob, sizeof(r->glob), glob);
			}
			copy_field(r->action, sizeof(r->action), sep + 4);
		} else {
			fprintf(stderr, "fakesmtpd: %s: cannot read line: %s\n", path, line);
			exit(2);
		}
	}
	fclose(f);
}

/* Decode escapes of text into out; returns the length. Lines separated by
 * "\n" get line endings unless raw. */
static size_t decode(const char *text, char *out, size_t cap, int raw)
{
	size_t o = 0;

	for (const char *p = text; *p != '\0' && o + 4 < cap; p++) {
		if (*p != '\\') {
			out[o++] = *p;
			continue;
		}
		p++;
		switch (*p) {
		case 'n':
			if (!raw && !lf_only)
				out[o++] = '\r';
			out[o++] = '\n';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'x': {
			char hex[3] = { p[1], p[1] ? p[2] : '\0', '\0' };

			out[o++] = (char)strtol(hex, NULL, 16);
			p += 2;
			break;
		}
		case '\0':
			p--;
			break;
		default:
			out[o++] = *p;
			break;
		}
	}
	if (!raw && o + 2 < cap) {
		if (!lf_only)
			out[o++] = '\r';
		out[o++] = '\n';
	}
	return o;
}

/* A line to the log from a connection thread. */
static void log_locked(const char *prefix, const char *text)
{
	pthread_mutex_lock(&lock);
	log_line(prefix, text);
	pthread_mutex_unlock(&lock);
}

/* Wait up to ms (-1: for ever) until fd is ready for what a TLS call wants
 * (TLS_WANT_READ or TLS_WANT_WRITE); 0 when it is, -1 on timeout. */
static int tls_wait(int fd, int want, int ms)
{
	struct pollfd p = { .fd = fd, .events = want == TLS_WANT_WRITE ? POLLOUT : POLLIN };
	int n;

	do
		n = poll(&p, 1, ms);
	while (n < 0 && errno == EINTR);
	return n > 0 ? 0 : -1;
}

/* Send up to len bytes, in the clear or over TLS; the count sent, or -1. */
static ssize_t put(int fd, const char *buf, size_t len)
{
	struct rt_error err;
	size_t n = 0;
	int st;

	if (tls == NULL)
		return send(fd, buf, len, MSG_NOSIGNAL);
	while ((st = tls_write(tls, buf, len, &n, &err)) == TLS_WANT_READ || st == TLS_WANT_WRITE)
		if (tls_wait(fd, st, TLS_WAIT_MS) < 0)
			return -1;
	return st == TLS_DONE ? (ssize_t)n : -1;
}

/* Receive up to cap bytes, in the clear or over TLS; 0 at the end. */
static ssize_t get(int fd, char *buf, size_t cap)
{
	struct rt_error err;
	size_t n = 0;
	int st;

	if (tls == NULL)
		return recv(fd, buf, cap, 0);
	while ((st = tls_read(tls, buf, cap, &n, &err)) == TLS_WANT_READ || st == TLS_WANT_WRITE)
		if (tls_wait(fd, st, -1) < 0)
			return 0;
	return st == TLS_DONE ? (ssize_t)n : 0;
}

/* Close fd with an RST: linger on, timeout zero. */
static void set_reset(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

static int send_bytes(int fd, const char *buf, size_t len, int drip_ms)
{
	size_t chunk = drip_ms > 0 ? 1 : split ? 3 : len;

	for (size_t off = 0; off < len;) {
		size_t n = len - off < chunk ? len - off : chunk;
		ssize_t w = put(fd, buf + off, n);

		if (w <= 0)
			return -1;
		off += (size_t)w;
		if (off < len && (drip_ms > 0 || split))
			sleep_ms(drip_ms > 0 ? drip_ms : 5);
	}
	return 0;
}

enum outcome { KEEP, CLOSE, HANG };

static enum outcome perform(int fd, const char *action)
{
	static _Thread_local char buf[LINE_MAX_IN * 2];
	int drip = 0, then_close = 0, then_reset = 0;
	size_t len;

	for (;;) {
		if (strncmp(action, "!delay ", 7) == 0) {
			sleep_ms(number(action + 7));
			action = strchr(action + 7, ' ');
		} else if (strncmp(action, "!drip ", 6) == 0) {
			drip = number(action + 6);
			action = strchr(action + 6, ' ');
		} else if (strncmp(action, "!then-close ", 12) == 0) {
			then_close = 1;
			action += 11;
		} else if (strncmp(action, "!then-reset ", 12) == 0) {
			then_reset = 1;
			action += 11;
		} else {
			break;
		}
		if (action == NULL)
			return KEEP;
		action++;
	}
	if (strcmp(action, "!close") == 0)
		return CLOSE;
	if (strcmp(action, "!hang") == 0)
		return HANG;
	if (strcmp(action, "!reset") == 0) {
		set_reset(fd);
		return CLOSE;
	}
	if (strncmp(action, "!big ", 5) == 0) {
		/* "!big N TEXT": TEXT followed by N bytes of 'x' on one line. */
		char *end = NULL;
		long n = strtol(action + 5, &end, 10);
		size_t sent = 0;

		if (send_bytes(fd, end + 1, strlen(end + 1), 0) < 0)
			return CLOSE;
		memset(buf, 'x', sizeof(buf));
		while (sent < (size_t)n) {
			size_t part =
				(size_t)n - sent < sizeof(buf) ? (size_t)n - sent : sizeof(buf);

			if (put(fd, buf, part) <= 0)
				return CLOSE;
			sent += part;
		}
		send_bytes(fd, "\r\n", 2, 0);
		return KEEP;
	}
	if (strncmp(action, "!repeat ", 8) == 0) {
		char *end = NULL;
		long n = strtol(action + 8, &end, 10);

		len = decode(end + 1, buf, sizeof(buf), 0);
		for (long i = 0; i < n; i++)
			if (send_bytes(fd, buf, len, 0) < 0)
				return CLOSE;
		return KEEP;
	}
	if (strncmp(action, "raw:", 4) == 0)
		len = decode(action + 4, buf, sizeof(buf), 1);
	else
		len = decode(action, buf, sizeof(buf), 0);
	if (len > 0 && buf[0] == '5') {
		errors++;
		if (tarpit_ms > 0)
			sleep_ms(tarpit_ms);
	}
	if (send_bytes(fd, buf, len, drip) < 0)
		return CLOSE;
	if (then_reset) {
		sleep_ms(50); /* the reply reaches the client before the RST */
		set_reset(fd);
		return CLOSE;
	}
	return then_close ? CLOSE : KEEP;
}

static void track_state(const char *cmd)
{
	if (strncasecmp(cmd, "MAIL ", 5) == 0) {
		snprintf(last_mail, sizeof(last_mail), "%.1000s", cmd);
	} else if (strncasecmp(cmd, "EHLO ", 5) == 0 || strncasecmp(cmd, "HELO ", 5) == 0) {
		snprintf(last_helo, sizeof(last_helo), "%.1000s", cmd);
		last_mail[0] = '\0';
	} else if (strcasecmp(cmd, "RSET") == 0) {
		last_mail[0] = '\0';
	}
}

/* An accepted XCLIENT: the session starts afresh as the client it names
 * (ADDR=), logged in when it names a LOGIN= (as Postfix). */
static void track_xclient(const char *cmd, const char *action)
{
	const char *addr = strcasestr(cmd, "ADDR=");

	if (strncasecmp(cmd, "XCLIENT ", 8) != 0 || action[0] != '2')
		return;
	last_mail[0] = last_helo[0] = '\0';
	authenticated = strcasestr(cmd, "LOGIN=") != NULL;
	if (addr == NULL)
		return;
	addr += 5;
	if (strncasecmp(addr, "IPV6:", 5) == 0)
		addr += 5;
	snprintf(client, sizeof(client), "%.*s", (int)strcspn(addr, " "), addr);
}

static size_t pipes(const char *glob)
{
	size_t n = 0;

	for (; *glob != '\0'; glob++)
		n += *glob == '|';
	return n;
}

static const char *choose(const char *cmd)
{
	char stateful[4096];

	snprintf(stateful, sizeof(stateful), "%.1500s|%s|%s|%s", cmd, last_mail, last_helo,
		 authenticated ? "auth" : "-");
	for (size_t i = 0; i < nrules; i++)
		if (rules[i].at != 0 && (unsigned long)rules[i].at == command_count)
			return rules[i].action;
	for (size_t i = 0; i < nrules; i++) {
		char with_client[4200];
		const char *subject = cmd;

		if (pipes(rules[i].glob) >= 4) {
			snprintf(with_client, sizeof(with_client), "%s|%s", stateful, client);
			subject = with_client;
		} else if (pipes(rules[i].glob) > 0) {
			subject = stateful;
		}
		if (rules[i].at == 0 && rules[i].scope != (tls != NULL ? SCOPE_PLAIN : SCOPE_TLS) &&
		    fnmatch(rules[i].glob, subject, FNM_CASEFOLD) == 0)
			return rules[i].action;
	}
	if (tls_on && tls == NULL && strcasecmp(cmd, "STARTTLS") == 0)
		return "220 2.0.0 Ready to start TLS";
	if (strcasecmp(cmd, "QUIT") == 0)
		return "!then-close 221 2.0.0 Bye";
	if (strcasecmp(cmd, "RSET") == 0)
		return "250 2.0.0 Ok";
	/* As Postfix: 354 once a recipient was taken, else 503. */
	if (strcasecmp(cmd, "DATA") == 0)
		return rcpt_ok ? "354 End data with <CR><LF>.<CR><LF>"
			       : "503 5.5.1 Error: need RCPT command";
	return "500 5.5.2 unrecognised command";
}

/* Perform action; returns -1 when the connection is to be closed. */
static int respond(int fd, const char *action, int *hanging)
{
	switch (perform(fd, action)) {
	case CLOSE:
		return -1;
	case HANG:
		*hanging = 1;
		return 0;
	default:
		return 0;
	}
}

/* Answer the ClientHello the broken way the scenario says; the connection
 * ends after it. */
static void tls_faulty(int fd)
{
	static const unsigned char alert[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28 };
	static const unsigned char hello[] = { 0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00, 0x00 };
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[4096];

	if (poll(&p, 1, TLS_WAIT_MS) > 0 && recv(fd, buf, sizeof(buf), 0) > 0) {
		if (tls_fault == FAULT_ALERT) {
			send(fd, alert, sizeof(alert), MSG_NOSIGNAL);
			sleep_ms(200);
		} else if (tls_fault == FAULT_DRIP) {
			for (size_t i = 0; i < sizeof(hello) * 8; i++) {
				if (send(fd, &hello[i % sizeof(hello)], 1, MSG_NOSIGNAL) <= 0)
					break;
				sleep_ms(1000);
			}
		}
	}
	log_locked("== tls-fault ", fault_names[tls_fault]);
}

/* The server's side of a TLS handshake on fd (or the scenario's fault
 * instead); 0 when it finished, and the session starts afresh over TLS. */
static int start_tls(int fd)
{
	struct rt_error err = { 0 };
	struct tls_conn *t;
	int st = TLS_FAIL;

	if (tls_fault != FAULT_NONE) {
		tls_faulty(fd);
		return -1;
	}
	t = tls_accept(tls_server, fd, &err);
	if (t != NULL)
		while ((st = tls_handshake(t, &err)) == TLS_WANT_READ || st == TLS_WANT_WRITE)
			if (tls_wait(fd, st, TLS_WAIT_MS) < 0) {
				error_set(&err, ERR_TIMEOUT, "timeout");
				st = TLS_FAIL;
				break;
			}
	if (st != TLS_DONE) {
		log_locked("== tls-failed ", err.msg);
		tls_drop(t);
		return -1;
	}
	tls = t;
	last_mail[0] = last_helo[0] = '\0';
	authenticated = 0;
	log_locked("== tls", "");
	return 0;
}

/* Read exactly len bytes within proxy_wait_ms each; 0, or -1. */
static int read_exactly(int fd, unsigned char *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (size_t got = 0; got < len;) {
		ssize_t n;

		if (poll(&p, 1, proxy_wait_ms) <= 0 || (n = recv(fd, buf + got, len - got, 0)) <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* The rest of a binary v2 header whose first byte (CR) was read: its
 * source address becomes the client. Returns 0, or -1 (logged). */
static int read_proxy_v2(int fd)
{
	static const unsigned char signature[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
						     0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };
	unsigned char h[16 + 216];
	size_t len;
	int family;

	h[0] = 0x0d;
	if (read_exactly(fd, h + 1, 15) < 0 || memcmp(h, signature, 12) != 0 ||
	    (len = (size_t)h[14] << 8 | h[15]) > 216 || read_exactly(fd, h + 16, len) < 0) {
		log_locked("== no-proxy-header ", "a broken v2 header");
		return -1;
	}
	family = 0;
	if (h[13] == 0x11 && len >= 12)
		family = AF_INET; /* TCP over IPv4: two addresses of 4 bytes, two ports */
	else if (h[13] == 0x21 && len >= 36)
		family = AF_INET6;
	if (h[12] != 0x21 || family == 0 ||
	    inet_ntop(family, h + 16, client, sizeof(client)) == NULL) {
		log_locked("== no-proxy-header ", "a v2 header that is no TCP PROXY");
		return -1;
	}
	log_locked("== proxy v2 from ", client);
	return 0;
}

/* proxy-protocol: read the PROXY v1 header (at most 107 bytes, a byte at
 * a time so that nothing after it is taken) or a binary v2 one, and keep
 * its source address. Returns -1, logged, when none came in time: the
 * connection is closed without a word. */
static int read_proxy_header(int fd)
{
	char line[108], src[64];
	size_t len = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, proxy_wait_ms) <= 0 || recv(fd, line, 1, MSG_PEEK) != 1) {
		log_locked("== no-proxy-header ", "");
		return proxy_then_greet ? 0 : -1; /* nothing came in time */
	}
	if (line[0] == 0x0d && recv(fd, line, 1, 0) == 1)
		return read_proxy_v2(fd);
	while (len < sizeof(line) - 1 && poll(&p, 1, proxy_wait_ms) > 0 &&
	       recv(fd, line + len, 1, 0) == 1 && line[len] != '\n')
		len++;
	line[len] = '\0';
	line[strcspn(line, "\r")] = '\0';
	if (strncmp(line, "PROXY ", 6) != 0 || sscanf(line, "PROXY %*s %63s", src) != 1 ||
	    proxy_v2_only) {
		log_locked("== no-proxy-header ", line);
		return -1;
	}
	log_locked("== proxy ", line);
	snprintf(client, sizeof(client), "%s", src);
	return 0;
}

static void session(int fd)
{
	static _Thread_local char in[LINE_MAX_IN];
	size_t used = 0;
	int hanging = 0, in_data = 0;

	if (proxy_wait_ms > 0 && read_proxy_header(fd) < 0)
		return;
	if (tls_implicit && start_tls(fd) < 0)
		return;
	if (delay_all_ms > 0)
		sleep_ms(delay_all_ms);
	if (respond(fd, greeting, &hanging) < 0)
		return;
	for (;;) {
		ssize_t n = get(fd, in + used, sizeof(in) - used - 1);
		char *lf;

		if (n <= 0)
			return;
		if (delay_all_ms > 0)
			sleep_ms(delay_all_ms);
		used += (size_t)n;
		if (tls_reply[0] != '\0' && tls == NULL && (unsigned char)in[0] == 0x16) {
			pthread_mutex_lock(&lock);
			log_line("!tls-client-hello", "");
			pthread_mutex_unlock(&lock);
			perform(fd, tls_reply);
			return;
		}
		while ((lf = memchr(in, '\n', used)) != NULL) {
			size_t len = (size_t)(lf - in);
			int crlf = len > 0 && in[len - 1] == '\r';
			const char *action;
			int greets, starttls;

			in[crlf ? len - 1 : len] = '\0';
			if (in_data) {
				int end = strcmp(in, ".") == 0;

				/* Undo dot-stuffing (RFC 5321 4.5.2) in the log. */
				if (!end) {
					pthread_mutex_lock(&lock);
					log_line(crlf ? "| " : "!bare-lf | ",
						 in[0] == '.' ? in + 1 : in);
					pthread_mutex_unlock(&lock);
				}
				memmove(in, lf + 1, used - len - 1);
				used -= len + 1;
				if (end) {
					in_data = 0;
					if (perform(fd, data_end) == CLOSE)
						return;
				}
				continue;
			}
			pthread_mutex_lock(&lock);
			command_count++;
			log_line(crlf ? "" : "!bare-lf ", in);
			greets = strncasecmp(in, "EHLO ", 5) == 0 ||
				 strncasecmp(in, "HELO ", 5) == 0;
			if (!greets)
				track_state(in);
			action = max_errors > 0 && errors >= max_errors ? too_many_errors
									: choose(in);
			pthread_mutex_unlock(&lock);
			if (greets)
				track_state(in);
			if (strncmp(action, "235", 3) == 0)
				authenticated = 1;
			track_xclient(in, action);
			if (strncasecmp(in, "RCPT ", 5) == 0)
				rcpt_ok |= action[0] == '2';
			else if (greets || strncasecmp(in, "MAIL ", 5) == 0 ||
				 strcasecmp(in, "RSET") == 0)
				rcpt_ok = 0; /* a new transaction */
			in_data = strncmp(action, "354", 3) == 0;
			starttls = tls_on && tls == NULL && strcasecmp(in, "STARTTLS") == 0 &&
				   strncmp(action, "220", 3) == 0;
			memmove(in, lf + 1, used - len - 1);
			used -= len + 1;
			if (!hanging && respond(fd, action, &hanging) < 0)
				return;
			if (starttls && !hanging) {
				/* What the client sent before the handshake is
				 * forgotten (RFC 3207 4.2), unless the scenario
				 * plays the flawed server. */
				if (!keeps_input)
					used = 0;
				else if (used > 0)
					log_locked("== kept-plain-input", "");
				if (start_tls(fd) < 0)
					return;
			}
		}
		if (used >= sizeof(in) - 1)
			used = 0; /* an over-long line: drop it */
	}
}

static void serve(int fd, unsigned conn)
{
	char mark[32];

	last_mail[0] = last_helo[0] = '\0';
	snprintf(client, sizeof(client), "-");
	authenticated = errors = rcpt_ok = 0;
	this_conn = conn;
	snprintf(mark, sizeof(mark), "== connect %u", conn);
	log_locked(mark, "");
	session(fd);
	/* No close_notify: a closing server here hangs up, as the tests want. */
	tls_drop(tls);
	tls = NULL;
}

struct connection {
	int fd;
	unsigned conn;
};

static void *connection_thread(void *arg)
{
	struct connection c = *(struct connection *)arg;

	free(arg);
	serve(c.fd, c.conn);
	close(c.fd);
	pthread_mutex_lock(&lock);
	open_connections--;
	pthread_cond_signal(&slot_free);
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* Concurrent mode: refuse the connection past max-connections, else serve
 * it in a thread of its own once fewer than 'concurrent' are open (until
 * then it waits, as in a listen queue). */
static void serve_concurrently(int fd, unsigned conn)
{
	struct connection *c;
	pthread_t thread;

	pthread_mutex_lock(&lock);
	if (max_connections > 0 && open_connections >= (unsigned)max_connections) {
		char mark[32];

		snprintf(mark, sizeof(mark), "== refused %u", conn);
		log_line(mark, "");
		pthread_mutex_unlock(&lock);
		perform(fd, refusal);
		close(fd);
		return;
	}
	while (open_connections >= (unsigned)concurrency)
		pthread_cond_wait(&slot_free, &lock);
	open_connections++;
	pthread_mutex_unlock(&lock);
	c = malloc(sizeof(*c));
	if (c == NULL)
		die("malloc");
	c->fd = fd;
	c->conn = conn;
	if (pthread_create(&thread, NULL, connection_thread, c) != 0)
		die("pthread_create");
	pthread_detach(thread);
}

/* Run the openssl command with args; exits the process when it fails. */
static void run_openssl(char **args)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status = 0, e;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	e = posix_spawnp(&pid, "openssl", &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e != 0) {
		errno = e;
		die("cannot run openssl (apt-get install openssl)");
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "fakesmtpd: openssl %s failed\n", args[1]);
		exit(2);
	}
}

/* dir/name into buf (PATH_MAX_FAKE bytes). */
#define PATH_MAX_FAKE 4096
static char *in_dir(char *buf, const char *dir, const char *name)
{
	if (snprintf(buf, PATH_MAX_FAKE, "%s/%s", dir, name) >= PATH_MAX_FAKE) {
		fprintf(stderr, "fakesmtpd: path too long: %s/%s\n", dir, name);
		exit(2);
	}
	return buf;
}

/* An empty file, or one holding text, at dir/name. */
static void write_file(const char *dir, const char *name, const char *text)
{
	static char path[PATH_MAX_FAKE];
	FILE *f = fopen(in_dir(path, dir, name), "w");

	if (f == NULL)
		die(path);
	fputs(text, f);
	fclose(f);
}

/* A certificate for expired.tls.relaytest.test, valid in 2000 only, signed
 * with key: openssl 3.0's req has no -not_after, "openssl ca" takes
 * -startdate/-enddate. */
static void make_expired_cert(const char *dir, char *key, char *cert)
{
	/* Static: made once, before any thread, and kept off the stack. */
	static char conf[PATH_MAX_FAKE], csr[PATH_MAX_FAKE], text[3 * PATH_MAX_FAKE + 200];
	char *req[] = { "openssl",
			"req",
			"-new",
			"-key",
			key,
			"-out",
			in_dir(csr, dir, "req.csr"),
			"-subj",
			"/CN=expired.tls.relaytest.test",
			NULL };
	char *ca[] = { "openssl",
		       "ca",
		       "-batch",
		       "-config",
		       in_dir(conf, dir, "ca.conf"),
		       "-selfsign",
		       "-keyfile",
		       key,
		       "-in",
		       csr,
		       "-out",
		       cert,
		       "-startdate",
		       "20000101000000Z",
		       "-enddate",
		       "20010101000000Z",
		       "-notext",
		       NULL };

	snprintf(text, sizeof(text),
		 "[ca]\ndefault_ca=c\n[c]\ndatabase=%s/index\nnew_certs_dir=%s\n"
		 "serial=%s/serial\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n",
		 dir, dir, dir);
	write_file(dir, "ca.conf", text);
	write_file(dir, "index", "");
	write_file(dir, "serial", "01\n");
	run_openssl(req);
	run_openssl(ca);
}

/* A key and a certificate for mx.tls.relaytest.test (or, with cert expired,
 * for expired.tls.relaytest.test) in a new directory beside the log, so the
 * test runner's cleanup removes them too; then the server context. */
static void make_tls_server(const char *logpath)
{
	static char dir[PATH_MAX_FAKE], key[PATH_MAX_FAKE], cert[PATH_MAX_FAKE], tmp[PATH_MAX_FAKE];
	char *ecparam[] = { "openssl", "ecparam", "-name", "prime256v1", "-genkey",
			    "-noout",  "-out",	  key,	   NULL };
	struct rt_error err = { 0 };

	copy_field(tmp, sizeof(tmp), logpath);
	in_dir(dir, dirname(tmp), "fakesmtpd.XXXXXX");
	if (mkdtemp(dir) == NULL)
		die(dir);
	in_dir(key, dir, "key.pem");
	in_dir(cert, dir, "cert.pem");
	run_openssl(ecparam);
	if (cert_expired) {
		make_expired_cert(dir, key, cert);
	} else {
		char *req[] = { "openssl", "req", "-new",  "-x509",
				"-key",	   key,	  "-out",  cert,
				"-days",   "30",  "-subj", "/CN=mx.tls.relaytest.test",
				NULL };

		run_openssl(req);
	}
	tls_server = tls_server_new(cert, key, &err);
	if (tls_server == NULL) {
		fprintf(stderr, "fakesmtpd: %s\n", err.msg);
		exit(2);
	}
}

#define USAGE \
	"usage: fakesmtpd -s SCENARIO -l LOG -p PORTFILE [-w SECONDS] [-a ADDRESS] [-P PORT]\n"

/* A listening socket on address (IPv4 or IPv6) and port (0: any); the port
 * it got goes to portpath. Returns the socket. */
static int listen_on(const char *address, int port, const char *portpath)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len = sizeof(ss);
	int lfd, one = 1;
	FILE *pf;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, address, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)port);
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, address, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)port);
		len = sizeof(*sin6);
	} else {
		fprintf(stderr, "fakesmtpd: -a %s: not an IPv4 or IPv6 address\n", address);
		exit(2);
	}
	lfd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&ss, len) < 0 || listen(lfd, 16) < 0)
		die("bind");
	getsockname(lfd, (struct sockaddr *)&ss, &len);
	pf = fopen(portpath, "w");
	if (pf == NULL)
		die(portpath);
	fprintf(pf, "%d\n", ntohs(ss.ss_family == AF_INET6 ? sin6->sin6_port : sin->sin_port));
	fclose(pf);
	return lfd;
}

/* Accept and serve connections on lfd until the watchdog ends us. */
static void serve_forever(int lfd)
{
	unsigned conn = 0;
	int one = 1;

	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			die("accept");
		}
		/* Replies go out as written; without this, Nagle's algorithm and
		 * the client's delayed ACK stall pipelined replies by ~40 ms. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (concurrency > 0) {
			serve_concurrently(fd, ++conn);
			continue;
		}
		serve(fd, ++conn);
		close(fd);
	}
}

int main(int argc, char **argv)
{
	const char *scenario = NULL, *logpath = NULL, *portpath = NULL, *address = "127.0.0.1";
	int watchdog = 60, port = 0, c;

	while ((c = getopt(argc, argv, "s:l:p:w:a:P:")) != -1) {
		switch (c) {
		case 's':
			scenario = optarg;
			break;
		case 'l':
			logpath = optarg;
			break;
		case 'p':
			portpath = optarg;
			break;
		case 'w':
			watchdog = number(optarg);
			break;
		case 'a':
			address = optarg;
			break;
		case 'P':
			port = number(optarg);
			break;
		default:
			fputs(USAGE, stderr);
			return 2;
		}
	}
	if (scenario == NULL || logpath == NULL || portpath == NULL || port < 0 || port > 65535) {
		fputs(USAGE, stderr);
		return 2;
	}
	load_scenario(scenario);
	log_file = fopen(logpath, "w");
	if (log_file == NULL)
		die(logpath);
	/* The watchdog: whatever happens, this process ends by itself. */
	signal(SIGALRM, SIG_DFL);
	alarm((unsigned)watchdog);
	/* libssl writes with write(2): a client's reset must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	if (tls_on)
		make_tls_server(logpath);
	serve_forever(listen_on(address, port, portpath));
}
