/* runner.h - the engine's parts (private to src/).
 *
 * run.c     one target: the first connection, the plan, the connections at
 *           once (threads), the rerun round, the summary's inputs
 * plan.c    which tests share a connection (lanes), and identical twins
 * lane.c    one lane walked on its connection(s): reconnects, resume, limits
 * steps.c   one test's dialogue: MAIL/RCPT, bogus AUTH, --send's message
 * group.c   plain tests as pipelined groups (RFC 2920)
 * summary.c the target's verdict and the warnings a reader needs
 * tlsplan.c which tests run over TLS, and what to do when TLS is missing
 *
 * One owner for test state: a test belongs to exactly one lane at a time,
 * and only the thread walking that lane writes its result. Everything the
 * connections share (the queue of lanes, counters, warnings, the stop
 * message) is in struct engine under its lock. */
#ifndef RELAYTEST_RUNNER_H
#define RELAYTEST_RUNNER_H

#include <pthread.h>

#include "run.h"
#include "session.h"

/* The most rejections one test can cause (MAIL refused, then MAIL <> refused). */
#define RUN_TEST_REJECTIONS_MAX 2
/* Consecutive failed connects, with no other connection open, after which
 * the rest is "not reached". */
#define RUN_RECONNECT_FAILURES_MAX 2
/* A refusal this late is a tarpit's (Exchange's TarpitInterval is 5 s),
 * named in the report; the tests behind it have gone to other connections
 * by then (RUN_LATE_MS). */
#define RUN_TARPIT_MS 2000
/* A reply this late, with tests waiting behind it on the connection, sends
 * those tests to other connections at once (plus 3 EHLO round trips, so a
 * distant server is not taken for a slow one). */
#define RUN_LATE_MS 1000
/* Connections at once when replies come late, unless --connections is
 * given: Exchange's default MaxInboundConnectionPerSource. */
#define RUN_LATE_CONNECTIONS 20
/* When the server refuses new connections after accepting others (a rate
 * limit such as Postfix's smtpd_client_connection_rate_limit, or a count
 * limit), the open ones carry more: rejections up to RUN_SCARCE_ERRORS
 * (under Postfix's hard limit of 20) and commands up to RUN_SCARCE_COMMANDS
 * (about 8 tests: RSET and EHLO stay under Exim's 10 non-mail commands). */
#define RUN_SCARCE_ERRORS 16
#define RUN_SCARCE_COMMANDS 26
/* ... and for a server known by its greeting to allow more on one
 * connection (Postfix: 100 junk commands, hard error limit 20; Sendmail:
 * MAXNOOPCOMMANDS 20 and RSET is not one; OpenSMTPD: no count): about 18. */
#define RUN_SCARCE_COMMANDS_KNOWN 56
/* A refused reconnect, with no connection left that may carry its test,
 * waits 10 s and tries again, up to 9 times: a rate limit counts over a
 * window (Postfix anvil_rate_time_unit: 60 s). */
#define RUN_SCARCE_WAITS 9
#define RUN_SCARCE_WAIT_MS 10000
/* Each connection thread's stack: the engine's deepest call chain uses
 * under 64 KiB (no frame over 16 KiB: tests/nosilent.sh checks), and a
 * sanitizer build about three times that. */
#define RUN_THREAD_STACK ((size_t)256 * 1024)
/* Lanes of one round: every test alone, at most. */
#define PLAN_LANES_MAX CASES_MAX

enum step {
	STEP_DONE,	 /* the test has its verdict */
	STEP_INTERRUPTED /* the connection went away mid-test; err says how */
};

/* Tests that share one connection, walked in order; a HELO-trust lane greets
 * with its test's name, every other lane with ours. */
struct lane {
	size_t tests[CASES_MAX]; /* indexes into res->tests */
	size_t ntests;
	const char *helo; /* NULL: our own name; else the test's EHLO name */
};

struct crew; /* run.c */

struct engine {
	const struct engine_params *p;
	struct target_result *res;
	struct case_vars vars;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct lane lanes[PLAN_LANES_MAX * 2];
	size_t nlanes, next_lane; /* the queue: lanes[next_lane .. nlanes) wait */
	unsigned busy;		  /* lanes being walked now */
	unsigned max_busy;	  /* connections at once; lowered when refused */
	int reconnect_failures;	  /* consecutive, across all connections */
	const char *stop;	  /* set: every test not yet run is not reached */
	char stop_msg[ERROR_MSG_MAX + 64];
	struct session *first; /* the first connection, handed to one lane */
	int64_t slowest_ms;    /* the slowest reply seen, and to what */
	char slowest_cmd[16];
	int tls_relay;		  /* enum session_tls for every test but AUTH */
	int tls_auth;		  /* enum session_tls for the AUTH tests */
	int tls_switched;	  /* relay tests refused for want of TLS moved to STARTTLS */
	int planned;		  /* the queue is filled: workers may take lanes */
	int tarpit;		  /* the server delays its refusals (RUN_TARPIT_MS) */
	unsigned preconnected;	  /* connections open at once before the plan, the first too */
	unsigned socket_room;	  /* connections our open-file limit allows (net_sockets_free) */
	int late;		  /* some reply came late with tests waiting behind it */
	int late_ms;		  /* how late that is: RUN_LATE_MS (run_set_late_ms) */
	int scarce;		  /* a new connection was refused: keep open ones for more lanes */
	unsigned scarce_commands; /* commands one connection may carry when scarce */
	int scarce_waits;	  /* waits for the server to take connections again */
	int64_t scarce_waited_ms; /* their sum, for the report */
	struct crew *crew;	  /* the round's helper connections (run_widen adds some) */
};

/* One connection's worker: walks lanes on its own session. */
struct runner {
	struct engine *eng;
	const struct engine_params *p;
	struct target_result *res;
	struct session s;
	struct case_vars vars;
	int fresh;		 /* no test has run on this connection yet */
	int idle;		 /* no transaction open: RSET would change nothing */
	int dirty;		 /* this connection may not carry another test (after AUTH) */
	int from_ok;		 /* MAIL FROM:<{from}> has been accepted */
	int mail_refused;	 /* some MAIL has been refused: groups must be smaller */
	int no_pipelining;	 /* the server broke a pipelined group: lock-step from then on */
	const struct lane *lane; /* the lane being walked */
	size_t lane_end;	 /* positions from here on were handed back to the queue */
	size_t pos;		 /* the lane position of the test whose reply is awaited */
	int waiting;		 /* connected and greeted by the server; no EHLO yet */
	int scarce;		 /* eng->scarce when this lane was taken */
};

/* --- plan.c ------------------------------------------------------------- */

/* Expand every selected test's EHLO name, sender and recipient into its
 * result, mark tests that would send exactly the same commands as an earlier
 * one as its twin (note "same as ..."), and fill eng's queue with lanes:
 * plain tests in lanes of at most lane_size, each HELO-trust test and each
 * AUTH test in a lane of its own. Tests already done are left out. */
void plan_build(struct engine *eng, size_t lane_size);

/* Queue the tests marked for a rerun (at most once each) as new lanes, the
 * plain ones together; returns how many were queued. */
size_t plan_reruns(struct engine *eng, size_t lane_size);

/* Whether test index t of res is a twin (its verdict is copied later). */
int plan_is_twin(const struct target_result *res, size_t t);

/* Copy each twin's verdict from the test it repeats. */
void plan_copy_twins(struct target_result *res);

/* --- lane.c ------------------------------------------------------------- */

/* Worker thread body: claim lanes from eng's queue and walk them on one
 * session at a time until the queue is empty. arg is a struct runner. */
void *lane_worker(void *arg);

/* Open r's session with name (NULL: ours), counting it in the engine; a
 * connection made ahead of time (lane_connect) is greeted instead. */
int lane_open(struct runner *r, const char *name, struct rt_error *err);

/* Connect r's session and read the greeting, without EHLO (r->waiting). */
int lane_connect(struct runner *r, struct rt_error *err);

/* Give the lane's unfinished tests from position from on back to the queue,
 * each a lane of its own, so that idle connections share the waiting; r
 * walks its lane only up to from. Returns 1 when they were handed over (all
 * or none), 0 when there was none or no room. */
int lane_hand_back(struct runner *r, size_t from);

/* The rejections r's connection may draw before a fresh one is needed. */
unsigned lane_error_budget(const struct runner *r);

/* How many more tests r's connection may carry by the commands it has
 * sent (no limit unless connections are scarce). */
size_t lane_tests_room(const struct runner *r);

/* Worker thread body that first makes its connection, while the first
 * connection is still learning what the server is, then waits for the
 * plan and works as lane_worker. */
void *lane_preconnect_worker(void *arg);

/* --- steps.c ------------------------------------------------------------ */

/* Set tr's code, text, stage and verdict from rp (judged with classify). */
void step_set_verdict(struct test_result *tr, const struct reply *rp, enum run_stage stage);

/* Read the next reply; a 421 is an interruption, not a verdict. */
enum step step_command_reply(struct runner *r, struct reply *rp, struct rt_error *err);

/* Whether commands may go out in groups (RFC 2920) on this connection. */
int step_pipelining_ok(const struct runner *r);

/* Remember how the server answered MAIL (for sizing groups). */
void step_note_sender(struct runner *r, const struct relay_case *tc, int code);

/* A test refused at MAIL takes MAIL's verdict. */
void step_finish_at_mail(struct test_result *tr, const struct reply *rp);

/* Make tr an error (or "not tested" for a 421) for why, with msg as its text. */
void step_fail(struct test_result *tr, enum reason why, const char *msg);

/* Expand tr's MAIL and RCPT templates into buffers of RUN_ADDR_MAX; on
 * overflow tr gets an error verdict and -1 is returned. */
int step_expand(struct test_result *tr, const struct case_vars *v, char *from, char *to);

/* One test, lock-step: RSET when needed, then its dialogue. */
enum step step_run_case(struct runner *r, struct test_result *tr, struct rt_error *err);

/* The reason for an error verdict after err. */
enum reason step_reason_of(const struct rt_error *err);

/* --- group.c ------------------------------------------------------------ */

/* Whether tr can go out in a pipelined group now. */
int group_can(const struct runner *r, const struct test_result *tr);

/* One past the last lane position of the group that starts at lane
 * position first. */
size_t group_end(const struct runner *r, size_t first);

/* Run the lane's tests at positions [first, end) as one group. STEP_DONE
 * when the first test is finished or must run alone; later tests may be
 * done too (their done flag). */
enum step group_run(struct runner *r, size_t first, size_t end, struct rt_error *err);

/* --- summary.c ---------------------------------------------------------- */

/* Counts, status, the one-line reason and the warnings of a finished run. */
void summary_build(struct target_result *res, const struct engine *eng);

/* --- tlsplan.c ---------------------------------------------------------- */

/* The TLS every test starts with: implicit for --tls implicit and, in auto
 * mode, for port 465 (RFC 8314); STARTTLS for --tls starttls. */
int tlsplan_initial(const struct engine_params *p, const struct target *t);

/* The TLS the test needs now (relay tests may move to STARTTLS mid-run). */
int tlsplan_for(struct engine *eng, const struct relay_case *tc);

/* After a connection opened: remember what its TLS showed, for the report. */
void tlsplan_note(struct engine *eng, const struct session *s);

/* The probe failed: when its silent server answered our TLS probe (auto
 * mode), switch to implicit TLS and return 1 to try again; without libssl
 * err says so instead and 0 is returned. */
int tlsplan_implicit_retry(struct engine *eng, struct runner *r, struct rt_error *err);

/* After the probe, auto mode: when the server offers STARTTLS and leaves
 * out before it an AUTH mechanism a selected test uses, upgrade the probe's
 * connection to learn the capabilities after TLS, and run the AUTH tests
 * over STARTTLS. Where that cannot be done the AUTH tests get their
 * verdict here ("not tested" without libssl, an error when STARTTLS fails). */
void tlsplan_auth(struct engine *eng, struct runner *r);

/* A test has ended: if the server refused it for want of TLS, move the relay
 * tests to STARTTLS and mark it to run again, or say why it cannot. */
void tlsplan_after_test(struct runner *r, struct test_result *tr);

/* Before the rerun round: once relay tests moved to STARTTLS, those that
 * ended in errors without TLS run again too (Postfix with
 * smtpd_tls_security_level = encrypt refuses even RSET before TLS). */
void tlsplan_mark_reruns(struct engine *eng);

/* Warnings about TLS for the report (expired certificate, STARTTLS missing
 * under --tls starttls). */
void tlsplan_warnings(struct engine *eng);

/* --- run.c -------------------------------------------------------------- */

/* Whether the case cannot run against this server; the note says why. */
int run_skip_reason(const struct target_result *res, const struct relay_case *tc, char *note,
		    size_t cap);

/* Replies come late: allow RUN_LATE_CONNECTIONS at once unless --connections
 * was given or the server refused extra connections, and start the helpers
 * to use them. Once per target. */
void run_widen(struct engine *eng);

/* Add a warning to res (the caller holds the engine lock, or is alone). */
void run_add_warning(struct target_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
