/* session.c - the SMTP dialogue on one connection. */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "claim.h"
#include "text.h"

/* QUIT is a courtesy: it is sent, never waited for. */
#define SESSION_QUIT_WRITE_MS 200
/* How long a silent server gets to answer our TLS probe. */
#define TLS_PROBE_WAIT_MS 3000

void session_init(struct session *s, struct transcript *log, int timeout_ms, int64_t end_ms)
{
	memset(s, 0, sizeof(*s));
	net_init(&s->conn);
	s->log = log;
	s->timeout_ms = timeout_ms;
	s->end_ms = end_ms;
}

/* What s waits for from now on (WAITS_NONE: nothing), for a progress display. */
static void waiting(const struct session *s, enum waits_kind kind, const char *verb)
{
	waits_set(s->waits, s->number, kind, verb);
}

void session_close(struct session *s, const char *why)
{
	if (s->conn.fd >= 0 && s->log != NULL)
		transcript_conn_note(s->log, s->number, "closed: %s", why);
	if (s->conn.fd >= 0)
		waiting(s, WAITS_NONE, NULL);
	net_close(&s->conn);
	s->open = 0;
}

/* A line of the dialogue; over TLS marked so ("TLS -> EHLO ..."). */
static void log_line(struct session *s, const char *marker, const char *line, size_t len)
{
	char tls_marker[16];

	if (s->log == NULL)
		return;
	if (s->tls_active) {
		snprintf(tls_marker, sizeof(tls_marker), "TLS %s", marker);
		marker = tls_marker;
	}
	transcript_add(s->log, s->number, marker, line, len);
}

/* Say which limit ended a wait: the per-reply timeout or the target's budget. */
static void timeout_error(const struct session *s, int64_t deadline, struct rt_error *err,
			  const char *what, const char *hint)
{
	if (deadline >= s->end_ms)
		error_set(err, ERR_TIMEOUT,
			  "%s before the time limit for this target ran out (--max-time)%s", what,
			  hint);
	else
		error_set(err, ERR_TIMEOUT, "%s within %g s (--timeout)%s", what,
			  s->timeout_ms / 1000.0, hint);
}

/* Read one complete reply; the whole reply must arrive by one deadline,
 * --timeout after the wait for it began (since). */
static int read_since(struct session *s, struct reply *r, int64_t since, struct rt_error *err)
{
	int64_t deadline = since + s->timeout_ms < s->end_ms ? since + s->timeout_ms : s->end_ms;
	char line[REPLY_LINE_MAX + 1];
	size_t len = 0;
	int64_t from;
	int done = 0;

	reply_init(r);
	waiting(s, WAITS_REPLY, s->last_cmd);
	while (!done) {
		if (net_read_line(&s->conn, line, sizeof(line), &len, deadline, err) < 0) {
			if (err->kind == ERR_TIMEOUT)
				timeout_error(s, deadline, err, "no complete reply", "");
			session_close(s, err->msg);
			return -1;
		}
		log_line(s, "<- ", line, len);
		done = reply_add_line(r, line, len, err);
		if (done < 0) {
			session_close(s, "protocol error");
			return -1;
		}
	}
	waiting(s, WAITS_NONE, NULL);
	s->last_code = r->code;
	/* A reply's delay counts from its command or, in a pipelined group,
	 * from the reply before it: the server answers them in turn. */
	from = s->sent_ms > s->replied_ms ? s->sent_ms : s->replied_ms;
	s->replied_ms = net_now_ms();
	if (s->replied_ms - from > s->slowest_ms) {
		s->slowest_ms = s->replied_ms - from;
		text_copy(s->slowest_cmd, sizeof(s->slowest_cmd), s->last_cmd);
	}
	if (r->code >= 400)
		s->rejections++;
	if (r->code == 421)
		session_close(s, "the server said 421 (closing)");
	return 0;
}

static int read_reply(struct session *s, struct reply *r, struct rt_error *err)
{
	return read_since(s, r, net_now_ms(), err);
}

/* Bytes before our command are replies to nothing we sent (or a close):
 * reading on would pair every later reply with the wrong command. */
static int check_nothing_pending(struct session *s, struct rt_error *err)
{
	char junk[REPLY_LINE_MAX + 1];
	size_t len = 0;
	struct rt_error why;

	if (!net_has_unread(&s->conn))
		return 0;
	if (net_read_line(&s->conn, junk, sizeof(junk), &len, net_now_ms(), &why) == 0) {
		log_line(s, "<- ", junk, len);
		error_set(err, ERR_PROTOCOL, "the server sent a reply to a command we never sent");
	} else {
		*err = why;
	}
	session_close(s, err->msg);
	return -1;
}

int session_send_group(struct session *s, const char *const *cmds, size_t n, struct rt_error *err)
{
	char *wire;
	size_t used = 0;
	int sent;

	if (!s->open) {
		error_set(err, ERR_CLOSED, "the connection is closed");
		return -1;
	}
	if (check_nothing_pending(s, err) < 0)
		return -1;
	wire = malloc(SESSION_GROUP_MAX); /* not on a connection thread's small stack */
	if (wire == NULL) {
		error_set(err, ERR_LOCAL, "relaytest ran out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(cmds[i]);

		if (len > SESSION_COMMAND_MAX || used + len + 2 > SESSION_GROUP_MAX) {
			error_set(err, ERR_INTERNAL, "command group longer than %d bytes",
				  SESSION_GROUP_MAX);
			free(wire);
			return -1;
		}
		snprintf(wire + used, SESSION_GROUP_MAX - used, "%s\r\n", cmds[i]);
		used += len + 2;
		log_line(s, "-> ", cmds[i], len);
		s->commands++;
	}
	sent = net_write_all(&s->conn, wire, used, net_deadline(s->timeout_ms, s->end_ms), err);
	free(wire);
	if (sent < 0) {
		session_close(s, err->msg);
		return -1;
	}
	s->sent_ms = net_now_ms();
	/* The verb of the group's first command names a slow reply. */
	snprintf(s->last_cmd, sizeof(s->last_cmd), "%.*s", (int)strcspn(cmds[0], " :"), cmds[0]);
	return 0;
}

int session_read(struct session *s, struct reply *r, int64_t since, struct rt_error *err)
{
	if (!s->open) {
		reply_init(r);
		error_set(err, ERR_CLOSED, "the connection is closed");
		return -1;
	}
	return read_since(s, r, since, err);
}

void session_expect(struct session *s, const char *cmd)
{
	snprintf(s->last_cmd, sizeof(s->last_cmd), "%.*s", (int)strcspn(cmd, " :"), cmd);
	waiting(s, WAITS_REPLY, s->last_cmd); /* read_since goes on with this wait */
}

int session_command(struct session *s, const char *cmd, struct reply *r, struct rt_error *err)
{
	reply_init(r);
	if (session_send_group(s, &cmd, 1, err) < 0)
		return -1;
	return read_reply(s, r, err);
}

int session_hello(struct session *s, const char *name, struct reply *r, struct rt_error *err)
{
	char cmd[SESSION_COMMAND_MAX];

	snprintf(cmd, sizeof(cmd), "EHLO %s", name);
	if (session_command(s, cmd, r, err) < 0)
		return -1;
	s->hello_ms = net_now_ms() - s->sent_ms;
	if (r->code >= 500) {
		/* RFC 5321 4.1.4: a server that does not know EHLO gets HELO. */
		snprintf(cmd, sizeof(cmd), "HELO %s", name);
		if (session_command(s, cmd, r, err) < 0)
			return -1;
		if (r->code == 250) {
			s->hello = *r;
			memset(&s->caps, 0, sizeof(s->caps));
		}
		return 0;
	}
	if (r->code == 250) {
		s->hello = *r;
		reply_capabilities(r, &s->caps);
		if (!s->tls_active)
			s->plain_caps = s->caps;
	}
	return 0;
}

/* Name the peer when its first bytes show it is not an SMTP server. */
static const char *foreign_protocol(const char *line, size_t len)
{
	if (len >= 5 && memcmp(line, "HTTP/", 5) == 0)
		return "it answered like an HTTP server";
	if (len >= 4 && memcmp(line, "SSH-", 4) == 0)
		return "it sent an SSH banner";
	if (len >= 3 && memcmp(line, "+OK", 3) == 0)
		return "it answered like a POP3 server";
	if (len >= 4 && memcmp(line, "* OK", 4) == 0)
		return "it answered like an IMAP server";
	return NULL;
}

static const char no_greeting[] = "the server accepted the connection but sent no greeting";
static const char no_greeting_hint[] =
	"; it did not answer a TLS ClientHello either, so it is not waiting for TLS";
static const char implicit_tls[] =
	"not an SMTP server: it expects TLS on connect (implicit TLS, as on port 465); "
	"test it with --tls implicit (or auto), or test port 25 or 587";

/* A silent server may be waiting for a TLS ClientHello (port 465). Send a
 * minimal one and see whether a TLS record (handshake or alert) comes back. */
static int answers_tls(struct session *s)
{
	/* clang-format off */
	static const unsigned char hello[] = {
		0x16, 0x03, 0x01, 0x00, 0x2f,             /* record: handshake, 47 bytes */
		0x01, 0x00, 0x00, 0x2b, 0x03, 0x03,       /* ClientHello, TLS 1.2 */
		0x52, 0x45, 0x4c, 0x41, 0x59, 0x54, 0x45, 0x53, /* 32 bytes "random" */
		0x54, 0x52, 0x45, 0x4c, 0x41, 0x59, 0x54, 0x45,
		0x53, 0x54, 0x52, 0x45, 0x4c, 0x41, 0x59, 0x54,
		0x45, 0x53, 0x54, 0x52, 0x45, 0x4c, 0x41, 0x59,
		0x00,                                     /* no session id */
		0x00, 0x04, 0xc0, 0x2f, 0x00, 0x2f,       /* two cipher suites */
		0x01, 0x00,                               /* null compression */
	};
	/* clang-format on */
	int64_t deadline = net_deadline(TLS_PROBE_WAIT_MS, s->end_ms);
	unsigned char first = 0;

	if (net_write_all(&s->conn, (const char *)hello, sizeof(hello), deadline, NULL) < 0)
		return 0;
	if (s->log != NULL)
		transcript_conn_note(
			s->log, s->number,
			"no greeting: sent a TLS ClientHello to see whether TLS answers");
	return net_peek_byte(&s->conn, &first, deadline) && (first == 0x16 || first == 0x15);
}

/* No greeting came by deadline, or TLS did: why, in err, and the session
 * is closed. Returns -1. */
static int no_greeting_error(struct session *s, int64_t deadline, int got_byte,
			     struct rt_error *err)
{
	int closed = !got_byte && net_now_ms() < deadline;

	/* A TLS record came, or a silent server answers our ClientHello. */
	/* After a PROXY header the silence is the header's: no TLS probe. */
	s->tls_seen = got_byte || (!closed && !s->proxy && deadline < s->end_ms && answers_tls(s));
	s->silent = !s->tls_seen;
	if (s->tls_seen)
		error_set(err, ERR_PROTOCOL, "%s", implicit_tls);
	else if (closed)
		error_set(err, ERR_CLOSED, "the server closed the connection before its greeting");
	else
		timeout_error(s, deadline, err, no_greeting,
			      deadline < s->end_ms ? no_greeting_hint : "");
	session_close(s, err->msg);
	return -1;
}

/* Read the greeting's lines into s->greeting; -1 with err (session closed)
 * for a timeout, a foreign protocol or a malformed reply. */
static int read_greeting_lines(struct session *s, int64_t deadline, struct rt_error *err)
{
	char line[REPLY_LINE_MAX + 1];
	size_t len = 0;
	int done = 0;

	reply_init(&s->greeting);
	while (!done) {
		struct rt_error lerr;
		const char *foreign;

		if (net_read_line(&s->conn, line, sizeof(line), &len, deadline, &lerr) < 0) {
			if (lerr.kind == ERR_TIMEOUT)
				timeout_error(s, deadline, err, "the greeting did not complete",
					      "");
			else
				*err = lerr;
			session_close(s, err->msg);
			return -1;
		}
		log_line(s, "<- ", line, len);
		foreign = s->greeting.nlines == 0 ? foreign_protocol(line, len) : NULL;
		if (foreign != NULL)
			error_set(&lerr, ERR_PROTOCOL, "%s", foreign);
		done = foreign != NULL ? -1 : reply_add_line(&s->greeting, line, len, &lerr);
		if (done < 0) {
			error_set(err, ERR_PROTOCOL, "not an SMTP server: %s", lerr.msg);
			session_close(s, err->msg);
			return -1;
		}
	}
	return 0;
}

static int read_greeting(struct session *s, struct rt_error *err)
{
	int64_t deadline = net_deadline(s->timeout_ms, s->end_ms);
	unsigned char first = 0;

	if (!net_peek_byte(&s->conn, &first, deadline))
		return no_greeting_error(s, deadline, 0, err);
	if (first == 0x16 || first == 0x15)
		return no_greeting_error(s, deadline, 1, err);
	if (read_greeting_lines(s, deadline, err) < 0)
		return -1;
	s->last_code = s->greeting.code;
	if (s->greeting.code != 220) {
		char first_line[REPLY_TEXT_MAX];

		reply_line(&s->greeting, 0, first_line, sizeof(first_line));
		error_set(err, ERR_REFUSED, "the server refused the session: %d %s",
			  s->greeting.code, first_line);
		/* RFC 5321 3.1: after a 554 greeting the server waits for QUIT. */
		if (s->greeting.code == 554)
			session_quit(s);
		session_close(s, err->msg);
		return -1;
	}
	return 0;
}

/* EHLO (or HELO); anything but 250 ends the session. */
static int greet(struct session *s, struct rt_error *err)
{
	struct reply r;

	if (session_hello(s, s->helo, &r, err) < 0)
		return -1;
	if (r.code != 250) {
		char first_line[REPLY_TEXT_MAX];

		s->hello = r; /* the refusal, for a caller that tests the name */
		reply_line(&r, 0, first_line, sizeof(first_line));
		error_set(err, ERR_REFUSED, "the server refused our HELO/EHLO %s: %d %s", s->helo,
			  r.code, first_line);
		session_quit(s);
		return -1;
	}
	return 0;
}

/* The TLS handshake on s->conn; closes s on failure. */
static int start_tls(struct session *s, struct rt_error *err)
{
	int64_t deadline = net_deadline(s->timeout_ms, s->end_ms);

	waiting(s, WAITS_TLS, NULL);
	if (net_starttls(&s->conn, s->host, deadline, &s->tls, err) < 0) {
		if (err->kind == ERR_TIMEOUT)
			timeout_error(s, deadline, err, "the TLS handshake did not complete", "");
		session_close(s, err->msg);
		return -1;
	}
	s->tls_active = 1;
	waiting(s, WAITS_NONE, NULL);
	if (s->log != NULL)
		transcript_conn_note(s->log, s->number,
				     "TLS started: %s, %s, certificate %s, expires %s",
				     s->tls.version, s->tls.cipher,
				     s->tls.subject[0] != '\0' ? s->tls.subject : "(none)",
				     s->tls.not_after[0] != '\0' ? s->tls.not_after : "(unknown)");
	return 0;
}

/* STARTTLS answered r, not 220: ERR_REFUSED quoting it. Returns -1. */
static int starttls_refused(const struct reply *r, struct rt_error *err)
{
	char first_line[REPLY_TEXT_MAX];

	reply_line(r, 0, first_line, sizeof(first_line));
	error_set(err, ERR_REFUSED, "the server refused STARTTLS: %d %s", r->code, first_line);
	return -1;
}

int session_starttls(struct session *s, struct rt_error *err)
{
	struct reply r;

	if (!tls_available(err))
		return -1;
	if (session_command(s, "STARTTLS", &r, err) < 0)
		return -1;
	if (r.code != 220)
		return starttls_refused(&r, err);
	/* RFC 3207 5: bytes sent with the 220 are an injection; net drops them. */
	if (net_has_unread(&s->conn) && s->log != NULL)
		transcript_conn_note(s->log, s->number, "data after 220 to STARTTLS ignored");
	if (start_tls(s, err) < 0)
		return -1;
	memset(&s->caps, 0, sizeof(s->caps));
	return greet(s, err);
}

/* TLS on connect when asked, and the greeting, on a connected s->conn. */
static void session_reset_counts(struct session *s)
{
	s->tls_active = 0;
	s->tls_seen = 0;
	s->silent = 0;
	memset(&s->tls, 0, sizeof(s->tls));
	s->rejections = 0;
	reply_init(&s->hello);
	s->commands = 0;
	s->last_code = 0;
	s->replied_ms = 0;
}

static void session_started(struct session *s, const char *port)
{
	s->open = 1;
	s->connected_ms = net_now_ms();
	if (s->log != NULL)
		transcript_conn_note(s->log, s->number, "connected to %s port %s",
				     s->conn.peer_addr, port);
}

int session_hear_greeting(struct session *s, struct rt_error *err)
{
	int rc;

	if (s->tls_want == SESSION_TLS_IMPLICIT && start_tls(s, err) < 0)
		return -1;
	waiting(s, WAITS_GREETING, NULL);
	rc = read_greeting(s, err);
	waiting(s, WAITS_NONE, NULL);
	s->greeting_ms = net_now_ms() - s->connected_ms;
	return rc;
}

static int session_start(struct session *s, const char *port, struct rt_error *err)
{
	session_started(s, port);
	return session_hear_greeting(s, err);
}

/* Begin the connection with a PROXY header of version s->proxy: from
 * s->proxy_from, or from our own end as a proxy in front of the server
 * would say it. */
static int send_proxy_header(struct session *s, struct rt_error *err)
{
	const char *from = s->proxy_from[0] != '\0' ? s->proxy_from : s->conn.local_addr;
	const struct net_conn *c = &s->conn;
	char header[CLAIM_PROXY_MAX + 1];
	int n = s->proxy == 2
			? claim_proxy_header_v2(from, c->peer_addr, c->local_port, c->peer_port,
						(unsigned char *)header, sizeof(header))
			: claim_proxy_header(from, c->peer_addr, c->local_port, c->peer_port,
					     header, sizeof(header));

	if (n < 2) {
		error_set(err, ERR_LOCAL, "cannot write a PROXY header from %s to %s", from,
			  c->peer_addr);
		session_close(s, err->msg);
		return -1;
	}
	if (s->proxy == 2 && s->log != NULL)
		transcript_conn_note(s->log, s->number,
				     "sent a binary PROXY v2 header from %s port %u to %s port %u",
				     from, c->local_port, c->peer_addr, c->peer_port);
	else
		log_line(s, "-> ", header, (size_t)n - 2);
	if (net_write_all(&s->conn, header, (size_t)n, net_deadline(s->timeout_ms, s->end_ms),
			  err) < 0) {
		session_close(s, err->msg);
		return -1;
	}
	return 0;
}

int session_dial(struct session *s, const struct net_peer *peer, const char *host,
		 struct rt_error *err)
{
	session_reset_counts(s);
	text_copy(s->host, sizeof(s->host), host);
	waiting(s, WAITS_CONNECT, NULL);
	if (net_connect(&s->conn, peer, s->timeout_ms, s->end_ms, err) < 0) {
		waiting(s, WAITS_NONE, NULL);
		return -1;
	}
	waiting(s, WAITS_NONE, NULL);
	session_started(s, peer->port);
	return s->proxy ? send_proxy_header(s, err) : 0;
}

int session_starttls_injection(struct session *s, int wait_ms, struct reply *extra,
			       struct rt_error *err)
{
	static const char *const cmds[] = { "STARTTLS", "NOOP" };
	char ehlo[SESSION_COMMAND_MAX];
	struct reply r, second;
	unsigned char first;

	reply_init(extra);
	if (!tls_available(err))
		return -1;
	if (session_send_group(s, cmds, 2, err) < 0 || session_read(s, &r, s->sent_ms, err) < 0)
		return -1;
	if (r.code != 220)
		return starttls_refused(&r, err);
	if (start_tls(s, err) < 0)
		return -1;
	/* Our own EHLO over TLS. A server that kept the plain-text NOOP answers
	 * it first, in one line, then the EHLO; a clean one answers the EHLO
	 * alone, in several lines as a rule: then nothing is waited for. */
	snprintf(ehlo, sizeof(ehlo), "EHLO %s", s->helo);
	if (net_has_unread(&s->conn)) {
		/* A reply before we said a word over TLS answers the NOOP. */
		if (read_since(s, extra, net_now_ms(), err) < 0) {
			reply_init(extra);
			error_clear(err);
			return 0;
		}
		return 1;
	}
	if (session_command(s, ehlo, &r, err) < 0) {
		error_clear(err);
		return 0; /* no reply to our EHLO: nothing shows a kept NOOP */
	}
	if (r.nlines > 1)
		return 0;
	/* One line: the NOOP's reply if a second, the EHLO's, follows. */
	if (!net_peek_byte(&s->conn, &first, net_deadline(wait_ms, s->end_ms)))
		return 0;
	if (read_since(s, &second, net_now_ms(), err) < 0) {
		error_clear(err); /* bytes, but no reply: not what counts */
		return 0;
	}
	*extra = r;
	return 1;
}

int session_heard(struct session *s, int wait_ms)
{
	int64_t deadline = net_deadline(wait_ms, s->end_ms);
	unsigned char first = 0;
	int heard;

	waiting(s, WAITS_GREETING, NULL);
	/* A close before the deadline is an answer too. */
	heard = net_peek_byte(&s->conn, &first, deadline) || net_now_ms() < deadline;
	if (heard)
		waiting(s, WAITS_NONE, NULL); /* else the wait for the greeting goes on */
	return heard;
}

int session_greet(struct session *s, const char *helo, struct rt_error *err)
{
	if (helo != NULL)
		text_copy(s->helo, sizeof(s->helo), helo);
	else
		snprintf(s->helo, sizeof(s->helo),
			 strchr(s->conn.local_addr, ':') != NULL ? "[IPv6:%s]" : "[%s]",
			 s->conn.local_addr);
	if (greet(s, err) < 0)
		return -1;
	if (s->tls_want == SESSION_TLS_STARTTLS && s->caps.starttls && !s->tls_active) {
		if (session_starttls(s, err) < 0) {
			session_quit(s);
			return -1;
		}
	}
	return 0;
}

int session_regreet(struct session *s, const char *name, struct rt_error *err)
{
	text_copy(s->helo, sizeof(s->helo), name);
	return greet(s, err);
}

int session_connect(struct session *s, const struct net_peer *peer, const char *host,
		    struct rt_error *err)
{
	if (session_dial(s, peer, host, err) < 0)
		return -1;
	return session_hear_greeting(s, err);
}

int session_open_fd(struct session *s, int fd, const char *helo, struct rt_error *err)
{
	session_reset_counts(s);
	net_adopt(&s->conn, fd);
	if (session_start(s, "(socket)", err) < 0)
		return -1;
	return session_greet(s, helo, err);
}

int session_data(struct session *s, const char *body, struct reply *r, struct rt_error *err)
{
	char wire[SESSION_MESSAGE_MAX + 64];
	size_t used = 0;

	/* RFC 5321 4.5.2: a line that starts with "." gets one more. */
	for (const char *line = body; *line != '\0';) {
		size_t len = strcspn(line, "\n");

		len += line[len] == '\n';
		if (used + len + 8 >= sizeof(wire)) {
			error_set(err, ERR_INTERNAL, "message longer than %d bytes",
				  SESSION_MESSAGE_MAX);
			return -1;
		}
		if (line[0] == '.')
			wire[used++] = '.';
		memcpy(wire + used, line, len);
		used += len;
		line += len;
	}
	memcpy(wire + used, ".\r\n", 3);
	used += 3;
	if (s->log != NULL)
		transcript_conn_note(s->log, s->number, "message of %zu bytes sent, then \".\"",
				     used);
	s->commands++;
	if (net_write_all(&s->conn, wire, used, net_deadline(s->timeout_ms, s->end_ms), err) < 0) {
		session_close(s, err->msg);
		return -1;
	}
	return read_reply(s, r, err);
}

int session_quit_wait(struct session *s, int wait_ms)
{
	struct rt_error err;
	int64_t deadline;
	char line[REPLY_LINE_MAX + 1];
	size_t len;

	if (!s->open)
		return 0;
	log_line(s, "-> ", "QUIT", 4);
	deadline = net_deadline(wait_ms, s->end_ms);
	waiting(s, WAITS_CLOSE, NULL);
	if (net_write_all(&s->conn, "QUIT\r\n", 6, deadline, &err) < 0) {
		session_close(s, "QUIT");
		return 0;
	}
	/* The 221 and then the end of the stream; a few lines at most. */
	for (int lines = 0; lines < 8; lines++)
		if (net_read_line(&s->conn, line, sizeof(line), &len, deadline, &err) < 0)
			break;
	session_close(s, "QUIT");
	return err.kind == ERR_CLOSED;
}

void session_quit(struct session *s)
{
	struct rt_error err;

	if (!s->open)
		return;
	/* Nothing we need comes after QUIT: say it and go (no wait for 221). */
	log_line(s, "-> ", "QUIT", 4);
	net_write_all(&s->conn, "QUIT\r\n", 6, net_deadline(SESSION_QUIT_WRITE_MS, s->end_ms),
		      &err);
	session_close(s, "QUIT");
}
