/* runner.h - what the three parts of a target's run share (private to src/):
 * run.c walks the table and reconnects, steps.c speaks one test's dialogue,
 * group.c sends plain tests as pipelined groups (RFC 2920). */
#ifndef RELAYTEST_RUNNER_H
#define RELAYTEST_RUNNER_H

#include "run.h"
#include "session.h"

/* The most rejections one test can cause (MAIL refused, then MAIL <> refused). */
#define RUN_TEST_REJECTIONS_MAX 2
/* Consecutive failed reconnects after which the rest is "not reached". */
#define RUN_RECONNECT_FAILURES_MAX 2

enum step {
	STEP_DONE,	 /* the test has its verdict */
	STEP_INTERRUPTED /* the connection went away mid-test; err says how */
};

struct runner {
	const struct config *cfg;
	struct target_result *res;
	struct session s;
	struct case_vars vars;
	int fresh;	   /* no test has run on this connection yet */
	int idle;	   /* no transaction open: RSET would change nothing */
	int dirty;	   /* this connection may not carry another test (after AUTH) */
	int from_ok;	   /* MAIL FROM:<{from}> has been accepted */
	int mail_refused;  /* some MAIL has been refused: groups must be smaller */
	int no_pipelining; /* the server broke a pipelined group: lock-step from then on */
};

/* --- steps.c ------------------------------------------------------------ */

/* Set tr's code, text, stage and verdict from rp. */
void step_set_verdict(struct test_result *tr, const struct reply *rp, enum run_stage stage);

/* Read the next reply; a 421 is an interruption, not a verdict. */
enum step step_command_reply(struct runner *r, struct reply *rp, struct rt_error *err);

/* Whether commands may go out in groups (RFC 2920) on this connection. */
int step_pipelining_ok(const struct runner *r);

/* Remember how the server answered MAIL (for sizing groups). */
void step_note_sender(struct runner *r, const struct relay_case *tc, int code);

/* A test refused at MAIL takes MAIL's verdict. */
void step_finish_at_mail(struct test_result *tr, const struct reply *rp);

/* Make tr an error for why, with msg as its text. */
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

/* One past the last test of the group that starts at first. */
size_t group_end(const struct runner *r, size_t first);

/* Run tests [first, end) as one group. STEP_DONE when the first test is
 * finished or must run alone; later tests may be done too (their done flag). */
enum step group_run(struct runner *r, size_t first, size_t end, struct rt_error *err);

/* --- run.c -------------------------------------------------------------- */

/* Whether the case cannot run against this server; the note says why. */
int run_skip_reason(const struct target_result *res, const struct relay_case *tc, char *note,
		    size_t cap);

#endif
