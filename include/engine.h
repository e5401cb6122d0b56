/* engine.h - what the engine is asked (struct engine_params) and what it
 * finds (struct target_result): data only, shared by the engine's parts
 * (src/runner.h) and the reports; run.h has the functions. */
#ifndef RELAYTEST_ENGINE_H
#define RELAYTEST_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "cases.h"
#include "classify.h"
#include "error.h"
#include "net.h"
#include "reply.h"
#include "target.h"
#include "transcript.h"
#include "waits.h"

/* --tls: which TLS the tests use. */
enum engine_tls {
	ENGINE_TLS_AUTO,     /* implicit on port 465; STARTTLS where the server asks for it */
	ENGINE_TLS_STARTTLS, /* STARTTLS whenever offered */
	ENGINE_TLS_IMPLICIT, /* TLS from the first byte (RFC 8314) */
	ENGINE_TLS_NO	     /* plain SMTP only */
};

/* A reply this late, with tests waiting behind it on its connection, sends
 * those tests to other connections (plus 3 EHLO round trips, so that a
 * distant server is not taken for a slow one). */
#define ENGINE_LATE_MS 1000
/* The most connections to one target at once that --connections allows. */
#define ENGINE_CONNECTIONS_MAX 32

/* What the engine is asked to do for one target: the user's choices, in the
 * engine's own terms (src/params.c makes them from the command line), and
 * the few knobs tests and fuzzers turn. */
struct engine_params {
	int family;	     /* AF_UNSPEC, AF_INET or AF_INET6 */
	int timeout_ms;	     /* per reply */
	int max_time_ms;     /* the whole target */
	int error_budget;    /* rejections per connection before a fresh one */
	int connections;     /* the most connections at once */
	int connections_set; /* the user chose that number: use it once SMTP is seen */
	int alone;	     /* the only target under test: connections may be made ahead */
	const char *helo;    /* NULL: this host's FQDN, else our address literal */
	const char *domain;  /* NULL: from the greeting */
	const char *from;    /* the external sender and recipient */
	const char *to;
	int selected[CASES_MAX]; /* indexed like cases_table */
	int send;		 /* complete an accepted relay with one message to `to` */
	int no_data_probe;	 /* decide at RCPT: no DATA probe after an accepted relay */
	int no_pipelining;	 /* one command at a time */
	enum engine_tls tls;
	int verbose; /* keep a transcript */
	int late_ms; /* ENGINE_LATE_MS; a fuzzer makes it short */
	/* NULL, or where the engine marks what it waits for, for a progress
	 * display on a terminal (the engine never prints). Not owned. */
	struct waits *waits;
	/* Tests and fuzzing: with connect_hook set, every connection adopts the
	 * descriptor it returns (a socketpair's end; negative: refused). */
	int (*connect_hook)(void *ctx);
	void *connect_ctx;
};

/* Exit statuses, most severe first in the order 1, 3, 2, 0. */
enum run_status {
	RUN_CLOSED = 0,	      /* every relay test denied */
	RUN_OPEN = 1,	      /* at least one relay test accepted */
	RUN_INCONCLUSIVE = 2, /* temporary failures, errors or tests not reached */
	RUN_UNTESTED = 3      /* could not test at all */
};

/* The command whose reply decided a test (the order of enum classify_step,
 * one later). */
enum run_stage {
	STAGE_NONE,
	STAGE_HELO,
	STAGE_XCLIENT,
	STAGE_AUTH,
	STAGE_MAIL,
	STAGE_RCPT,
	STAGE_DATA
};

/* DATA probes per target at most: after a relay test is accepted at RCPT,
 * DATA alone on its connection; a 354 confirms the relay and the connection
 * is closed at once, before any byte of a message (RFC 5321 4.1.1.4: an
 * unfinished message is never delivered). Each probe costs its connection;
 * one 354 settles the verdict, so probing stops at the first. */
#define ENGINE_DATA_PROBES_MAX 3

/* What the DATA probe after an accepted RCPT found. */
enum data_probe {
	DATA_PROBE_NONE,      /* not probed */
	DATA_PROBE_CONFIRMED, /* 354: the relay is confirmed */
	DATA_PROBE_REFUSED,   /* 5xx (or a 4xx denial): the test is denied at DATA */
	DATA_PROBE_TEMPFAIL,  /* 4xx: undecided */
	DATA_PROBE_NO_ANSWER, /* no reply, or one that is not an answer to DATA */
	DATA_PROBE_COUNT
};

#define RUN_ADDR_MAX 600 /* an expanded MAIL/RCPT argument */
#define RUN_NOTE_MAX 400
#define RUN_WARNINGS_MAX 8
#define RUN_WARNING_MAX 1024
#define RUN_FINDINGS_MAX 8

/* A fact beside the verdict (findings.c): an id ("auth-plaintext") and what
 * it means, in words. */
struct run_finding {
	const char *id; /* static */
	char text[RUN_WARNING_MAX];
};

/* The STARTTLS injection probe (session_starttls_injection). */
enum injection {
	INJECTION_NOT_RUN, /* STARTTLS not offered in plain text, --tls no, no libssl */
	INJECTION_CLEAN,   /* no reply after the handshake */
	INJECTION_FOUND,   /* the NOOP sent in plain text was answered over TLS */
	INJECTION_FAILED   /* the probe could not run: injection_note says why */
};

/* Where a test is in its run (src/test.c is the only writer). */
enum test_state {
	TEST_QUEUED,	  /* waits for a connection */
	TEST_SENT,	  /* its commands went out; their replies decide */
	TEST_ALONE,	  /* to run again by itself, one command at a time */
	TEST_INTERRUPTED, /* its connection ended before the test was decided */
	TEST_TWIN,	  /* sends what an earlier test sends: takes its verdict */
	TEST_DECIDED,	  /* has its verdict */
	TEST_STATE_COUNT
};

struct test_result {
	const struct relay_case *tc;
	enum test_state state;
	enum verdict verdict;
	enum reason reason;
	enum run_stage stage;	      /* the command whose reply decided */
	char helo[RUN_ADDR_MAX];      /* CASE_HELO: the EHLO name sent */
	char mail_from[RUN_ADDR_MAX]; /* MAIL FROM argument sent last */
	char rcpt_to[RUN_ADDR_MAX];   /* RCPT TO argument (template expanded) */
	int code;		      /* deciding reply code; 0 if none */
	char enhanced[REPLY_ENHANCED_MAX];
	char text[REPLY_TEXT_MAX];	/* deciding reply's text, sanitised, or an error */
	char note[RUN_NOTE_MAX];	/* what else the reader must know */
	unsigned connection;		/* which connection finished it */
	int sent;			/* --send: 1 message accepted, -1 refused or failed */
	char send_result[RUN_NOTE_MAX]; /* --send: the final reply or the failure */
	char token[40];			/* --send: the token in Subject and body */
	int interruptions;		/* connections that ended under it (two end the test) */
	int rerun;	/* the classifier asked for one more try on a fresh connection */
	int reruns;	/* reruns made (at most one) */
	int needs_tls;	/* refused for want of STARTTLS */
	int over_tls;	/* its last connection ran over TLS */
	size_t twin_of; /* 1 + index of the test with the same commands; 0: none */
	enum data_probe data_probe;	     /* the DATA probe after its accepted RCPT */
	char data_reply[REPLY_TEXT_MAX + 8]; /* its reply ("354 ..."), or why none */
	long ms;
};

struct target_result {
	struct target target;
	int tested; /* 0: no SMTP session could be had; error says why */
	struct rt_error error;
	char address[NET_ADDR_MAX];	  /* the server's, once a connection was made */
	char local_address[NET_ADDR_MAX]; /* ours on that connection */
	int64_t started_ms;		  /* wall clock when testing began, ms since the epoch */
	struct reply greeting;
	struct capabilities caps;
	char helo[TEXT_ARG_MAX + 1];
	char from[TEXT_ARG_MAX + 1]; /* the external sender and recipient used */
	char to[TEXT_ARG_MAX + 1];
	char greeting_host[TEXT_ARG_MAX + 1];
	char domain[TEXT_ARG_MAX + 1];
	char domain_source[128];
	int domain_given; /* the domain came from --domain */
	struct test_result tests[CASES_MAX];
	size_t ntests;
	size_t counts[VERDICT_COUNT]; /* over the relay tests, control excluded */
	size_t relay_tests;	      /* relay tests selected (control excluded) */
	size_t not_selected;	      /* relay tests of the table left out by --tests */
	char why[RUN_WARNING_MAX];    /* one line: why the status is what it is */
	char warnings[RUN_WARNINGS_MAX][RUN_WARNING_MAX];
	size_t nwarnings;
	unsigned connections;		   /* connections opened in all */
	unsigned max_connections;	   /* the most open at once */
	unsigned connection_cap;	   /* the most connections at once allowed at the end */
	int concurrency_refused;	   /* the server refused extra connections */
	char refused_with[REPLY_TEXT_MAX]; /* ... with this reply or error */
	int waited_for_close; /* reconnects waited for the server to end the last session */
	int64_t greeting_ms;  /* how long the first connection's greeting took */
	int64_t slowest_ms;   /* the slowest reply, and the command it answered */
	char slowest_cmd[16];
	int tarpit;		  /* refusals came RUN_TARPIT_MS late or later */
	int64_t scarce_waited_ms; /* time spent waiting for the server to take connections */
	int tls_asked;		  /* enum engine_tls the run was asked for */
	int local_limit;	  /* relaytest could not open more (ERR_LOCAL): ours */
	int pipelining_off;	  /* the server broke a pipelined group */
	int tls_used;		  /* some test ran over TLS: tls and tls_caps are set */
	struct tls_info tls;
	struct capabilities tls_caps;	    /* the EHLO reply after TLS */
	char tls_mode[16];		    /* "implicit", "starttls" or "" (plain only) */
	int auth_after_tls;		    /* the AUTH tests ran over STARTTLS (tls_caps) */
	char plain_refusal[REPLY_TEXT_MAX]; /* the reply that sent relay tests to TLS */
	char seen_as[NET_ADDR_MAX];	    /* the client address the EHLO reply echoed, or "" */
	int proxy; /* the server greeted only after a PROXY header (its version, 1 or 2): every
		    * connection sent one */
	struct capabilities plain_caps;		  /* the first connection's EHLO reply before TLS */
	enum injection injection;		  /* the STARTTLS injection probe */
	char injection_note[REPLY_TEXT_MAX + 16]; /* its extra reply, or why it did not run */
	struct run_finding findings[RUN_FINDINGS_MAX];
	size_t nfindings;
	unsigned data_probes; /* DATA probes sent (ENGINE_DATA_PROBES_MAX) */
	long elapsed_ms;
	struct transcript log; /* filled with --verbose */
	enum run_status status;
};

#endif
