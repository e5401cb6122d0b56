/* runner.h - the engine's parts (private to src/), from the top down; each
 * part calls only parts below it.
 *
 * run.c      one target: its address, the plan, the rounds
 * inject.c   after the tests: the STARTTLS injection probe
 * first.c    the first connection, alone: is it SMTP, TLS on connect, a PROXY
 *            header, retry
 * crew.c     the connections at once: one thread each, and when to add some
 * lane.c     one connection's worker: takes lanes and walks them
 * conn.c     that connection made fit for each test: new, EHLO again, waits
 * batch.c    tests that go out together on one connection, through the loop
 * dialogue.c one test's commands and what each reply means for it
 * loop.c     the one command loop: a window of commands, replies in order
 * plan.c     which tests share a connection, twins, tests that cannot run
 * tlsplan.c  which tests run over TLS, and what to do when TLS is missing
 * test.c     a test's state: the only writer of it, traced in --verbose
 *
 * A test belongs to one lane at a time, and only the thread walking that
 * lane changes it, through test.c. Everything the connections share (the
 * queue of lanes, counters, the stop message) is in struct engine under its
 * lock. */
#ifndef RELAYTEST_RUNNER_H
#define RELAYTEST_RUNNER_H

#include <pthread.h>

#include "auth.h"
#include "quirks.h"
#include "engine.h"
#include "session.h"

/* Consecutive failed connects, with no other connection open, after which
 * the rest is "not reached". */
#define RUN_RECONNECT_FAILURES_MAX 2
/* A refusal this late is a tarpit's (Exchange's TarpitInterval is 5 s),
 * named in the report; the tests behind it have gone to other connections
 * by then (ENGINE_LATE_MS). */
#define RUN_TARPIT_MS 2000
/* Connections at once by default once the server has greeted and answered
 * EHLO: an IDS, fail2ban or Exchange's throttling sees no flood. More only
 * on evidence that they pay (late replies), up to --connections. */
#define RUN_POLITE_CONNECTIONS 3
/* A greeting this slow makes every new connection cost as much: the tests
 * stay on the connections already open, which may then draw up to the
 * software's error limit (quirks.c). */
#define RUN_COSTLY_GREETING_MS 1000
/* Rejections one connection may draw when new connections are costly and
 * the software's own limit is unknown: the server will say when it has had
 * enough, and one reconnect then costs no more than planned ones would. */
#define RUN_COSTLY_ERRORS 64
/* A refused reconnect, with no connection left that may carry its test,
 * waits 10 s and tries again, up to 9 times: a rate limit counts over a
 * window (Postfix anvil_rate_time_unit: 60 s). */
#define RUN_SCARCE_WAITS 9
#define RUN_SCARCE_WAIT_MS 10000
/* A refusal right after a session of ours ended may be the server still
 * counting it: up to 5 waits of half a second come first. */
#define RUN_SHORT_WAITS 5
#define RUN_SHORT_WAIT_MS 500
/* A first connection silent this long gets a second one that tries TLS on
 * connect (a server in wrapper mode on a port other than 465); that try
 * (connect, handshake, greeting) may take RUN_TLS_RACE_TRY_MS, during which
 * the first connection's greeting waits unread. */
#define RUN_TLS_RACE_MS 2000
#define RUN_TLS_RACE_TRY_MS 1500
/* A first connection that got no byte at all (no greeting, no TLS) gets
 * one more that begins with a PROXY header (Postfix
 * smtpd_upstream_proxy_protocol, Exim hosts_proxy): a server that waits
 * for one greets at once after it, so this try waits at most 10 s. */
#define RUN_PROXY_TRY_MS 10000
/* A 421 greeting this late after connect is a PROXY listener's timeout
 * (Postfix's smtpd_upstream_proxy_timeout is 5 s; 1 s is the least one
 * sees set), not a server that is busy: it says so at once. */
#define RUN_PROXY_SILENCE_MS 800
/* How long the STARTTLS injection probe waits after its handshake for a
 * reply to the NOOP it sent in plain text (3 EHLO round trips more): a
 * server that kept it answers at once. */
#define RUN_INJECTION_WAIT_MS 1500
/* The probe's connection waits this long at most for each reply and for
 * its handshake. */
#define RUN_INJECTION_TIMEOUT_MS 5000
/* When connections are scarce, how long to wait after QUIT for the server
 * to close ours before connecting again (Exim takes about 200 ms), and how
 * long after that for a server that counts a session until its process is
 * reaped (quirks.c). */
#define RUN_CLOSE_WAIT_MS 2000
#define RUN_REAP_MS 100
/* Each connection thread's stack: the engine's deepest call chain uses
 * under 64 KiB (no frame over 16 KiB: tests/nosilent.sh checks), and a
 * sanitizer build about three times that. */
#define RUN_THREAD_STACK ((size_t)256 * 1024)
/* Lanes of one round: every test alone, at most, twice over (tests handed
 * back make lanes of their own). */
#define PLAN_LANES_MAX ((size_t)CASES_MAX * 2)
/* Tests that go out together at most. */
#define BATCH_TESTS_MAX 32

/* Tests that share one connection, walked in order; a HELO-trust lane greets
 * with its test's name, every other lane with ours. */
struct lane {
	size_t tests[CASES_MAX]; /* indexes into res->tests */
	size_t ntests;
	const char *helo; /* NULL: our own name; else the test's EHLO name */
};

struct crew; /* crew.c */

struct engine {
	const struct engine_params *p;
	struct target_result *res;
	struct net_peer *peer; /* the one address every connection goes to */
	int64_t end_ms;	       /* the target's time is up */
	const struct quirk *quirk;
	struct case_vars vars;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct lane lanes[PLAN_LANES_MAX];
	size_t nlanes, next_lane; /* the queue: lanes[next_lane .. nlanes) wait */
	unsigned busy;		  /* lanes being walked now */
	unsigned max_busy;	  /* connections at once; lowered when refused */
	unsigned socket_room;	  /* connections our open-file limit allows */
	int reconnect_failures;	  /* consecutive, across all connections */
	const char *stop;	  /* set: every test not yet run is not reached */
	char stop_msg[ERROR_MSG_MAX + 64];
	int tls_relay;	      /* enum session_tls for every test but AUTH */
	int tls_auth;	      /* enum session_tls for the AUTH tests */
	int tls_switched;     /* relay tests refused for want of TLS moved to STARTTLS */
	int planned;	      /* the queue is filled: workers may take lanes */
	int late;	      /* some reply came late with tests waiting behind it */
	int late_ms;	      /* how late that is */
	int costly;	      /* new connections cost a slow greeting: keep open ones */
	int from_ok;	      /* the server has taken MAIL FROM:<{from}> on some connection */
	int scarce;	      /* a new connection was refused: keep open ones */
	int scarce_waits;     /* waits for the server to take connections again */
	int short_waits;      /* ... short ones, right after a session of ours ended */
	int64_t last_quit_ms; /* when a session of ours last ended */
	unsigned probes;      /* DATA probes claimed (ENGINE_DATA_PROBES_MAX) */
	int probe_confirmed;  /* some probe got its 354: probing is over */
	int proxy; /* the server greets only after a PROXY header of this version: send one */
	struct crew *crew; /* the round's helper connections */
};

/* One connection's worker: walks lanes on its own session. */
struct runner {
	struct engine *eng;
	const struct engine_params *p;
	struct target_result *res;
	struct session s;
	int fresh;		 /* no test has run on this connection yet */
	int idle;		 /* no transaction open: RSET would change nothing */
	int dirty;		 /* this connection may not carry another test (after AUTH) */
	int from_ok;		 /* MAIL FROM:<{from}> has been accepted */
	int mail_refused;	 /* some MAIL has been refused: batches must be smaller */
	int no_pipelining;	 /* the server broke a pipelined batch: lock-step from then on */
	const struct lane *lane; /* the lane being walked */
	size_t lane_end;	 /* positions from here on were handed back to the queue */
	int keep;		 /* connections are scarce or costly: carry more on this one */
	int costly;		 /* ... costly (a slow greeting), not refused */
};

/* --- test.c: a test's state ---------------------------------------------- */

/* Move tr to state to; --verbose traces "cN id: from -> to (detail)". */
void test_move(struct transcript *log, unsigned conn, struct test_result *tr, enum test_state to,
	       const char *detail);

/* Give tr the verdict the classifier finds for rp, the reply to its
 * command at stage (its state is not changed). */
void test_verdict(struct test_result *tr, const struct reply *rp, enum run_stage stage);

/* Move tr, whose verdict is set, to TEST_DECIDED. */
void test_decided(struct transcript *log, unsigned conn, struct test_result *tr);

/* Decide tr as an error (or "not tested" for a server closing on us) for
 * why, with msg as its text. */
void test_fail(struct transcript *log, unsigned conn, struct test_result *tr, enum reason why,
	       const char *msg);

/* Decide tr with a verdict that needs no reply (skipped, not tested). */
void test_settle(struct transcript *log, unsigned conn, struct test_result *tr,
		 enum verdict verdict, enum reason why, const char *note);

/* tr's connection ended under it (err): it runs again, or, the second time
 * or after a timeout (which already cost a full wait), ends as an error. */
void test_interrupt(struct transcript *log, unsigned conn, struct test_result *tr,
		    const struct rt_error *err);

/* Queue a decided tr once more for a fresh connection (a rerun). */
void test_requeue(struct transcript *log, struct test_result *tr);

/* The reason for an error verdict after err. */
enum reason test_reason_of(const struct rt_error *err);

/* "", "EHLO", "AUTH", "MAIL", "RCPT". */
const char *test_stage_name(enum run_stage stage);

/* --- loop.c: the one command loop ----------------------------------------- */

enum loop_kind { LOOP_RSET, LOOP_MAIL, LOOP_RCPT, LOOP_AUTH, LOOP_DATA, LOOP_MESSAGE };

struct loop_command {
	char line[SESSION_COMMAND_MAX + 1];
	const char *body; /* LOOP_MESSAGE: the message (not owned) */
	size_t owner;	  /* the caller's index: a lane position */
	enum loop_kind kind;
	int alone; /* goes out by itself, after every earlier reply */
};

/* Commands go out a window at a time (one write); their replies are read in
 * order before the next window goes. A window of 1 is lock-step. */
struct loop {
	struct loop_command *cmds; /* owned: LOOP_COMMANDS_MAX */
	size_t n, sent, read;
	size_t end; /* replies from here on belong to nobody (loop_cut) */
	size_t window;
	int64_t asked;	 /* when the wait for the next reply began */
	int late_told;	 /* LOOP_LATE was returned for the reply awaited */
	int64_t took_ms; /* how long the last reply took */
};

#define LOOP_COMMANDS_MAX (BATCH_TESTS_MAX * 4 + 16)

enum loop_event {
	LOOP_REPLY,  /* a reply to cmds[*at] */
	LOOP_LATE,   /* the reply to cmds[*at] has not begun by the late mark */
	LOOP_FAILED, /* no reply to cmds[*at]: err says why (421 included) */
	LOOP_END     /* every command is answered */
};

/* Start an empty loop with window (1: lock-step); -1 without memory. */
int loop_init(struct loop *l, size_t window);
void loop_free(struct loop *l);

/* Append a command; -1 when the loop is full (a bug: sized for a batch). */
int loop_add(struct loop *l, size_t owner, enum loop_kind kind, int alone, const char *line);

/* Append --send's message (body, not owned: it must outlive the loop's
 * reading of its reply), sent with its final dot after a 354 to DATA. */
int loop_add_message(struct loop *l, size_t owner, const char *body);

/* Forget the commands from the first one owned by owner or later: those
 * not sent are dropped, replies to those sent belong to nobody. */
void loop_cut(struct loop *l, size_t owner);

/* Whether replies to commands already sent were cut away (the session can
 * then carry nothing more). */
int loop_has_orphans(const struct loop *l);

/* Send the next window when none is out, then wait for the next reply.
 * late_ms > 0: return LOOP_LATE once if the reply has not begun that long
 * after its wait began (the caller may then cut; call again to go on). */
enum loop_event loop_next(struct session *s, struct loop *l, int64_t late_ms, struct reply *rp,
			  size_t *at, struct rt_error *err);

/* --- dialogue.c: one test's commands and replies ---------------------------- */

/* What one connection knows that shapes a test's commands. */
struct dialogue_context {
	struct transcript *log; /* the trace, with the connection's number */
	unsigned conn;
	const struct case_vars *vars;
	const struct target_result *res; /* --send's message names the target */
	int pipelined;			 /* all of a test's commands go out at once */
	int send;			 /* --send: complete an accepted relay */
	int probe;			 /* an accepted relay may be probed with DATA */
};

/* One test's dialogue on one connection. */
struct dialogue {
	struct test_result *tr;
	char from[RUN_ADDR_MAX], to[RUN_ADDR_MAX];
	int mail_ok;	/* its MAIL was accepted */
	int null_retry; /* MAIL FROM:<> may follow a refused sender */
	int confirm;	/* --send may follow an accepted RCPT */
	int auth_done;	/* AUTH was accepted: MAIL and RCPT show what it allows */
	int probing;	/* its DATA is a probe: no message follows, ever */
	char then[RUN_NOTE_MAX];
	struct auth_dialogue auth;
	char message[SESSION_MESSAGE_MAX];
};

enum dialogue_next {
	DIALOGUE_WAIT,	  /* more replies are to come */
	DIALOGUE_DECIDED, /* tr has its verdict (the caller moves it) */
	DIALOGUE_ALONE,	  /* tr must run again by itself */
	DIALOGUE_BROKEN,  /* the connection cannot go on (RSET refused): err says why */
	DIALOGUE_PROBE,	  /* accepted at RCPT: the caller may grant a DATA probe */
	DIALOGUE_HANG_UP  /* tr has its verdict; close the connection at once, no QUIT
			   * (the probe's DATA was answered: not a byte more) */
};

/* Start tr's dialogue and add its first commands to l, as lane position
 * owner (RSET first unless idle). Returns DIALOGUE_WAIT, or DIALOGUE_DECIDED
 * when tr was decided without a command (an address too long). */
enum dialogue_next dialogue_begin(struct dialogue *d, const struct dialogue_context *ctx,
				  struct loop *l, size_t owner, struct test_result *tr, int idle);

/* The reply rp to command c of d's test: what it means, and the commands
 * it calls for next (added to l). */
enum dialogue_next dialogue_reply(struct dialogue *d, const struct dialogue_context *ctx,
				  struct loop *l, const struct loop_command *c,
				  const struct reply *rp, struct rt_error *err);

/* The caller granted the DATA probe d's test asked for (DIALOGUE_PROBE):
 * DATA goes out alone. Returns DIALOGUE_WAIT, or DIALOGUE_DECIDED when the
 * loop is full (the test stays accepted at RCPT). */
enum dialogue_next dialogue_probe(struct dialogue *d, struct loop *l, size_t owner);

/* The connection failed under d's test (err): DIALOGUE_DECIDED when its
 * verdict already stands (a reply to DATA or to MAIL after AUTH was still
 * due; that outcome is noted), else DIALOGUE_WAIT: the test was interrupted. */
enum dialogue_next dialogue_failed(struct dialogue *d, const struct loop_command *c,
				   const struct rt_error *err);

/* Free what d holds (an AUTH dialogue). */
void dialogue_end(struct dialogue *d);

/* --- plan.c ------------------------------------------------------------- */

/* Expand every selected test's EHLO name, sender and recipient, mark tests
 * that would send exactly the same commands as an earlier one as its twin,
 * and fill eng's queue with lanes: plain tests in lanes of at most
 * lane_size, each HELO-trust test and each AUTH test in a lane of its own.
 * Decided tests are left out. */
void plan_build(struct engine *eng, size_t lane_size);

/* Queue the decided tests that asked for a rerun (once each) as new lanes;
 * returns how many were queued. */
size_t plan_reruns(struct engine *eng, size_t lane_size);

/* Copy each twin's verdict from the test it repeats. */
void plan_copy_twins(struct target_result *res);

/* Whether the case cannot run against this server; the note says why. */
int plan_skip_reason(const struct target_result *res, const struct relay_case *tc, char *note,
		     size_t cap);

/* --- crew.c ------------------------------------------------------------- */

/* Start helpers (threads running body) until want connections work at once,
 * the caller's own included. */
void crew_start(struct engine *eng, size_t want, void *(*body)(void *));

/* Replies come late: allow more connections at once (up to --connections,
 * unless the server refused extra ones) and start helpers to use them.
 * Once per target. */
void crew_widen(struct engine *eng);

/* Let the helpers go (the queue is filled, or empty: then they quit), and
 * wait for them. */
void crew_finish(struct engine *eng);

/* Stop the run: every test not yet run becomes "not reached: <why><detail>"
 * (the first stop's words stand). */
void crew_stop(struct engine *eng, const char *why, const char *detail);

/* The stop's words, or NULL while the run goes on. */
const char *crew_stopped(struct engine *eng);

/* --- first.c ------------------------------------------------------------ */

/* Open r's session as the target's first connection, alone: greeting and
 * EHLO show that the server speaks SMTP. A server silent for
 * RUN_TLS_RACE_MS is asked on a second connection whether it speaks TLS on
 * connect (auto mode); whichever answers first is kept. Returns 0, or -1
 * with err. */
int first_connect(struct engine *eng, struct runner *r, struct rt_error *err);

/* --- conn.c ------------------------------------------------------------- */

/* Open r's session and greet with name (NULL: ours), counting it. Returns
 * as session_connect and session_greet. */
int conn_open(struct runner *r, const char *name, struct rt_error *err);

/* conn_open in two steps: connect (counted), then, once the greeting has
 * been read (session_hear_greeting), greet. */
int conn_dial(struct runner *r, struct rt_error *err);
int conn_greet(struct runner *r, const char *name, struct rt_error *err);

/* QUIT r's session (when connections are scarce, after the server has
 * ended it), and note when. */
void conn_quit(struct runner *r);

enum conn_ready {
	CONN_READY,	/* r's session can carry the test now */
	CONN_NOT_READY, /* not now: the test was decided, interrupted, or waited */
	CONN_LEFT	/* the lane's rest went back to the queue: r walks no more */
};

/* Make r's connection fit for tr, at lane position pos: as it is, after EHLO
 * again, or new; a refused connection lowers the connections at once, or
 * waits for the server, or counts against the test. */
enum conn_ready conn_ready(struct runner *r, struct test_result *tr, size_t pos);

/* --- lane.c ------------------------------------------------------------- */

/* Worker thread body: claim lanes from eng's queue and walk them on one
 * session at a time until the queue is empty. arg is a struct runner. */
void *lane_worker(void *arg);

/* --- batch.c ------------------------------------------------------------ */

/* Whether tr can go out with others in one window now. */
int batch_can(const struct runner *r, const struct test_result *tr);

/* One past the last lane position of the batch that starts at first. */
size_t batch_end(struct runner *r, size_t first);

/* Rejections one connection may draw when each new one costs a slow
 * greeting: the software's limit (RUN_COSTLY_ERRORS when unknown), or just
 * under its slow-down when a new connection costs less than the slowed
 * replies would. */
unsigned batch_costly_errors(const struct engine *eng);

/* The rejections r's connection may draw before a fresh one is needed. */
unsigned batch_error_budget(const struct runner *r);

/* How many more tests r's connection may carry by the commands it has sent. */
size_t batch_tests_room(const struct runner *r);

/* The probes are done (every round): when none got its 354 and some was
 * refused at DATA, the relay tests accepted at RCPT but never probed are
 * not tested (REASON_NOT_PROBED): the server that refuses at DATA may
 * refuse them too. */
void batch_after_probes(struct engine *eng);

/* Run the lane's tests at positions [first, end) through one loop. A reply
 * late with tests waiting behind it sends them back to the queue, each a
 * lane of its own, and widens the crew. Each test ends decided, alone (to
 * run by itself next) or interrupted. */
void batch_run(struct runner *r, size_t first, size_t end);

/* --- tlsplan.c ---------------------------------------------------------- */

/* The TLS every test starts with: implicit for --tls implicit and, in auto
 * mode, for port 465 (RFC 8314); STARTTLS for --tls starttls. */
int tlsplan_initial(const struct engine_params *p, const struct target *t);

/* The TLS the test needs now (relay tests may move to STARTTLS mid-run). */
int tlsplan_for(struct engine *eng, const struct relay_case *tc);

/* After a connection opened: remember what its TLS showed, for the report. */
void tlsplan_note(struct engine *eng, const struct session *s);

/* The first connection got no greeting: when its silent server answered a
 * TLS probe (auto mode), switch to implicit TLS and return 1; without
 * libssl err says so instead and 0 is returned. */
int tlsplan_implicit_retry(struct engine *eng, const struct session *s, struct rt_error *err);

/* After the probe, auto mode: when the server offers STARTTLS and leaves
 * out before it an AUTH mechanism a selected test uses, upgrade the probe's
 * connection to learn the capabilities after TLS, and run the AUTH tests
 * over STARTTLS. Where that cannot be done the AUTH tests are decided here. */
void tlsplan_auth(struct engine *eng, struct runner *r);

/* A test has ended: if the server refused it for want of TLS, move the relay
 * tests to STARTTLS and mark it to run again, or say why it cannot. */
void tlsplan_after_test(struct runner *r, struct test_result *tr);

/* Before the rerun round: once relay tests moved to STARTTLS, those that
 * ended in errors without TLS run again too (Postfix with
 * smtpd_tls_security_level = encrypt refuses even RSET before TLS). */
void tlsplan_mark_reruns(struct engine *eng);

/* inject.c: after the tests, when the plain EHLO offered STARTTLS (and
 * TLS is allowed and loadable): the STARTTLS injection probe on a
 * connection of its own, its outcome in res->injection. */
void inject_probe(struct engine *eng, struct runner *r);

#endif
