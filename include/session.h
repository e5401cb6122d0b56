/* session.h - one SMTP connection: greeting, EHLO/HELO, commands, QUIT.
 *
 * The session speaks lock-step SMTP (RFC 5321): one command, one complete
 * reply. It never sends DATA. Every wait ends at min(per-reply timeout,
 * end of the target's time budget). */
#ifndef RELAYTEST_SESSION_H
#define RELAYTEST_SESSION_H

#include <stdint.h>

#include "error.h"
#include "net.h"
#include "reply.h"
#include "text.h"
#include "transcript.h"
#include "waits.h"

#define SESSION_COMMAND_MAX 1024 /* one command line we send, CRLF excluded */
#define SESSION_MESSAGE_MAX 4096 /* the --send confirmation message */
#define SESSION_GROUP_MAX 65536	 /* one pipelined group of commands */

/* What TLS a session asks for (s->tls_want, set after session_init). */
enum session_tls {
	SESSION_TLS_NONE,     /* plain SMTP */
	SESSION_TLS_STARTTLS, /* STARTTLS after the first EHLO when offered (RFC 3207) */
	SESSION_TLS_IMPLICIT  /* TLS right after connect (RFC 8314, port 465) */
};

struct session {
	struct net_conn conn;
	struct transcript *log; /* not owned; may be NULL */
	struct waits *waits;	/* not owned; may be NULL: what this session waits for */
	int timeout_ms;		/* per reply */
	int64_t end_ms;		/* end of the whole target's budget */
	int open;		/* connected and not closed by either side */
	unsigned number;	/* set by the caller: 1 for a target's first connection */
	unsigned rejections;	/* 4xx/5xx replies on this connection */
	unsigned commands;	/* commands sent on this connection */
	int last_code;		/* code of the last reply read, 0 if none */
	int64_t sent_ms;	/* when the last command (group) went out */
	int64_t replied_ms;	/* when the last reply came */
	char last_cmd[16];	/* its verb */
	int64_t slowest_ms;	/* the slowest reply on this session so far */
	char slowest_cmd[16];	/* the verb it answered */
	int64_t hello_ms;	/* how long the last EHLO took: a round trip and a bit */
	int64_t greeting_ms;	/* how long the greeting took after connect */
	int64_t connected_ms;	/* when the connection was made */
	struct reply greeting;
	struct reply hello; /* the EHLO (or HELO) reply, also when it refused */
	struct capabilities caps;
	struct capabilities plain_caps; /* the last EHLO reply's before TLS */
	char helo[TEXT_ARG_MAX + 1];	/* the name we greet with */
	int tls_want;			/* enum session_tls; set by the caller */
	int tls_active;			/* this connection runs over TLS */
	int tls_seen;			/* the silent-port probe was answered by TLS */
	int silent; /* no byte came before the greeting's time ran out or the server closed */
	struct tls_info tls;	     /* valid while tls_active */
	char host[TEXT_ARG_MAX + 1]; /* the target's name, for SNI */
	/* Set by the caller before connecting: every connection begins with a
	 * PROXY header of this version (1 text, 2 binary; 0: none) from
	 * proxy_from ("": our own address and port). */
	int proxy;
	char proxy_from[NET_ADDR_MAX];
};

/* Prepare s for a target; nothing is connected yet. log may be NULL. */
void session_init(struct session *s, struct transcript *log, int timeout_ms, int64_t end_ms);

/* Connect to peer (with TLS first when s->tls_want is IMPLICIT) and read
 * the greeting; host is the target's name, for SNI. Then session_greet
 * greets with EHLO helo (HELO when EHLO is refused with 5xx; NULL: our own
 * address literal, known once connected; the name used is kept in s->helo)
 * and, with s->tls_want STARTTLS, STARTTLS when offered (s->tls_active
 * tells; not offered is not an error). Each returns 0 with s->open set, or
 * -1 with err: ERR_CONNECT/ERR_TIMEOUT/ERR_LOCAL, ERR_REFUSED for a
 * refusing greeting (554, 421) or refused HELO, ERR_PROTOCOL for a peer
 * that is not SMTP (HTTP, SSH, TLS on connect, garbage); STARTTLS errors
 * as session_starttls. After a failed session_connect nothing is open. */
int session_connect(struct session *s, const struct net_peer *peer, const char *host,
		    struct rt_error *err);
int session_greet(struct session *s, const char *helo, struct rt_error *err);

/* session_connect and session_dial begin a connection with a PROXY v1
 * header when s->proxy is set (src/claim.h); a header that cannot be
 * written fails the connect with ERR_LOCAL or the write's error. */

/* session_connect in two steps, so that a silent server can be asked
 * whether it waits for TLS on another connection meanwhile: connect
 * (returns as net_connect), then read the greeting (returns as
 * session_connect). */
int session_dial(struct session *s, const struct net_peer *peer, const char *host,
		 struct rt_error *err);
int session_hear_greeting(struct session *s, struct rt_error *err);

/* Whether the server has sent something (or closed) within wait_ms. */
int session_heard(struct session *s, int wait_ms);

/* On an open session whose EHLO offered STARTTLS: send STARTTLS, do the
 * handshake (SNI = the target's name unless a literal), EHLO again and
 * replace s->caps (RFC 3207 4.2). Returns 0 with s->tls_active set, or -1
 * with err: ERR_NO_TLS (no libssl; nothing was sent), ERR_REFUSED (STARTTLS
 * answered other than 220, e.g. 454; the session stays open in plain text),
 * ERR_TLS, ERR_CLOSED, ERR_TIMEOUT (the session is then closed). */
int session_starttls(struct session *s, struct rt_error *err);

/* The STARTTLS injection probe (CVE-2011-0411 class), on an open plain
 * session whose EHLO offered STARTTLS: send "STARTTLS\r\nNOOP\r\n" in one
 * write; after the 220 and the handshake, send EHLO. Two replies to it
 * (waited for up to wait_ms when the first is one line) mean the first
 * answers the NOOP sent in plain text: the server kept it across
 * STARTTLS. Returns 1 with that reply in extra, 0 when there was none (a
 * plain-text answer before the handshake is dropped and does not count;
 * a multi-line first reply is the EHLO's, and nothing is waited for), -1
 * with err when the probe could not run
 * (no libssl, STARTTLS refused, the handshake failed; then s is closed
 * unless STARTTLS was refused). */
int session_starttls_injection(struct session *s, int wait_ms, struct reply *extra,
			       struct rt_error *err);

/* As session_open, on a socket already connected (tests and fuzzing). */
int session_open_fd(struct session *s, int fd, const char *helo, struct rt_error *err);

/* Send EHLO name (falling back to HELO on 5xx) and record capabilities when
 * the reply is positive. Returns as session_command. */
int session_hello(struct session *s, const char *name, struct reply *r, struct rt_error *err);

/* Send one command line (without CRLF) and read its complete reply into r.
 * Returns 0 when a reply was read (any code; after a 421 the session is
 * closed), -1 with err when none could be read; the session is then closed. */
int session_command(struct session *s, const char *cmd, struct reply *r, struct rt_error *err);

/* EHLO again on the open session s, as name (RFC 5321 4.1.4 allows it; it
 * resets the transaction). Returns as session_greet; a refusal leaves the
 * reply in s->hello and closes s. */
int session_regreet(struct session *s, const char *name, struct rt_error *err);

/* PIPELINING (RFC 2920): send the n command lines (without CRLF) in one
 * write; read their replies with session_read, in order. Returns 0, or -1
 * with err (the session is then closed). */
int session_send_group(struct session *s, const char *const *cmds, size_t n, struct rt_error *err);

/* Read the next reply of a group sent with session_send_group; the wait for
 * it began at since (net_now_ms()), and --timeout counts from there.
 * Returns as session_command. */
int session_read(struct session *s, struct reply *r, int64_t since, struct rt_error *err);

/* The next reply read answers cmd (a command line of the group sent), and
 * the wait for it begins: in a pipelined group replies come in turn, and
 * the slowest reply and the progress display name the command each one
 * answers. */
void session_expect(struct session *s, const char *cmd);

/* After a 354 to DATA: send body (CRLF lines, dot-stuffed here) and the
 * final ".", and read the reply to it into r. Returns as session_command. */
int session_data(struct session *s, const char *body, struct reply *r, struct rt_error *err);

/* Send QUIT and close without waiting for the reply. Safe on a closed session. */
void session_quit(struct session *s);

/* Send QUIT and wait up to wait_ms for the server to close the connection
 * (a server that counts sessions until they end, such as Exim, then counts
 * this one no more). Returns 1 when the server closed it, else 0; the
 * session is closed either way. */
int session_quit_wait(struct session *s, int wait_ms);

/* Close without QUIT. */
void session_close(struct session *s, const char *why);

#endif
