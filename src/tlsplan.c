/* tlsplan.c - which tests run over TLS (issue 11), and what happens when a
 * server wants TLS that this system or the server cannot give.
 *
 * Relay tests run as the first connection found the server (plain, or
 * implicit TLS on port 465) until the server refuses one for want of TLS;
 * from then on they run over STARTTLS, and those already refused run again.
 * AUTH tests run over STARTTLS when the server leaves out before TLS a
 * mechanism they use (Postfix smtpd_tls_auth_only, Exim's Debian default,
 * OpenSMTPD). Without libssl, whatever needs TLS is "not tested". */
#include <string.h>
#include <time.h>

#include "auth.h"
#include "runner.h"

int tlsplan_initial(const struct engine_params *p, const struct target *t)
{
	if (p->tls == ENGINE_TLS_IMPLICIT ||
	    (p->tls == ENGINE_TLS_AUTO && strcmp(t->port, "465") == 0))
		return SESSION_TLS_IMPLICIT;
	return p->tls == ENGINE_TLS_STARTTLS ? SESSION_TLS_STARTTLS : SESSION_TLS_NONE;
}

int tlsplan_for(struct engine *eng, const struct relay_case *tc)
{
	int want;

	pthread_mutex_lock(&eng->lock);
	want = tc->group == CASE_AUTH ? eng->tls_auth : eng->tls_relay;
	pthread_mutex_unlock(&eng->lock);
	return want;
}

void tlsplan_note(struct engine *eng, const struct session *s)
{
	struct target_result *res = eng->res;

	if (!s->tls_active)
		return;
	pthread_mutex_lock(&eng->lock);
	if (!res->tls_used) {
		res->tls_used = 1;
		res->tls = s->tls;
		res->tls_caps = s->caps;
		text_copy(res->tls_mode, sizeof(res->tls_mode),
			  s->tls_want == SESSION_TLS_IMPLICIT ? "implicit" : "starttls");
	}
	pthread_mutex_unlock(&eng->lock);
}

int tlsplan_implicit_retry(struct engine *eng, const struct session *s, struct rt_error *err)
{
	if (eng->p->tls != ENGINE_TLS_AUTO || eng->tls_relay != SESSION_TLS_NONE || !s->tls_seen)
		return 0;
	if (!tls_available(NULL)) {
		error_set(err, ERR_NO_TLS, "it expects TLS on connect (as on port 465): %s",
			  TLS_NO_LIBSSL);
		return 0;
	}
	eng->tls_relay = eng->tls_auth = SESSION_TLS_IMPLICIT;
	return 1;
}

/* Whether some selected AUTH test uses a mechanism caps leaves out. */
static int auth_lacking(const struct target_result *res, const struct capabilities *caps)
{
	for (size_t i = 0; i < res->ntests; i++) {
		const struct test_result *tr = &res->tests[i];
		char why[RUN_NOTE_MAX];

		if (tr->tc->group == CASE_AUTH && tr->state != TEST_DECIDED &&
		    !auth_offered(caps, tr->tc->auth, why, sizeof(why)))
			return 1;
	}
	return 0;
}

/* The AUTH tests end for err: "not tested" without libssl; an error when
 * TLS failed. When the server refused STARTTLS itself (ERR_REFUSED), no
 * client can reach what is behind it: the tests whose mechanism plain
 * caps lack are skipped, the others run in plain text. */
static void fail_auth(struct target_result *res, const struct rt_error *err,
		      const struct capabilities *caps)
{
	int refused = err->kind == ERR_REFUSED;
	enum reason why = refused ? REASON_TLS_REFUSED : test_reason_of(err);
	enum verdict verdict = refused		      ? VERDICT_SKIPPED
			       : why == REASON_NO_TLS ? VERDICT_UNTESTED
						      : VERDICT_ERROR;
	char note[RUN_NOTE_MAX];

	if (refused)
		text_format(note, sizeof(note), "%s; the mechanism is offered only after it",
			    err->msg);
	else
		text_copy(note, sizeof(note),
			  "needs STARTTLS: the server offers it, and before it not every AUTH "
			  "mechanism tested");
	for (size_t i = 0; i < res->ntests; i++) {
		struct test_result *tr = &res->tests[i];
		char offered[RUN_NOTE_MAX];

		if (tr->tc->group != CASE_AUTH || tr->state == TEST_DECIDED ||
		    (refused && auth_offered(caps, tr->tc->auth, offered, sizeof(offered))))
			continue;
		text_copy(tr->text, sizeof(tr->text), err->msg);
		test_settle(&res->log, 1, tr, verdict, why, note);
	}
}

void tlsplan_auth(struct engine *eng, struct runner *r)
{
	struct target_result *res = eng->res;
	struct rt_error err;

	if (eng->p->tls != ENGINE_TLS_AUTO || eng->tls_relay != SESSION_TLS_NONE ||
	    !r->s.caps.starttls || !auth_lacking(res, &r->s.caps))
		return;
	error_clear(&err);
	if (!tls_available(&err)) {
		fail_auth(res, &err, &r->s.caps);
		return;
	}
	if (session_starttls(&r->s, &err) < 0) {
		/* Not a pass: the AUTH tests could not be tried where they apply. */
		transcript_conn_note(&res->log, r->s.number,
				     "STARTTLS for the AUTH tests failed: %s", err.msg);
		fail_auth(res, &err, &r->s.caps);
		if (r->s.open && err.kind == ERR_REFUSED)
			return; /* 454: the connection still serves plain tests */
		session_close(&r->s, err.msg);
		return;
	}
	r->s.tls_want = SESSION_TLS_STARTTLS;
	eng->tls_auth = SESSION_TLS_STARTTLS;
	res->auth_after_tls = 1;
	tlsplan_note(eng, &r->s);
}

void tlsplan_after_test(struct runner *r, struct test_result *tr)
{
	struct engine *eng = r->eng;
	int switched = 0;

	if (!tr->needs_tls || tr->tc->group == CASE_AUTH || tr->over_tls)
		return;
	if (eng->p->tls != ENGINE_TLS_AUTO || !r->res->caps.starttls)
		return; /* --tls no, or no STARTTLS to be had: "STARTTLS required" stands */
	if (!tls_available(NULL)) {
		tr->reason = REASON_NO_TLS;
		tr->rerun = 0;
		text_copy(tr->note, sizeof(tr->note), TLS_NO_LIBSSL);
		return;
	}
	pthread_mutex_lock(&eng->lock);
	if (eng->tls_relay == SESSION_TLS_NONE) {
		eng->tls_relay = SESSION_TLS_STARTTLS;
		eng->tls_switched = 1;
		switched = 1;
		text_format(r->res->plain_refusal, sizeof(r->res->plain_refusal), "%d %s", tr->code,
			    tr->text);
	}
	pthread_mutex_unlock(&eng->lock);
	tr->rerun = 1;
	if (switched)
		transcript_conn_note(&r->res->log, r->s.number,
				     "test %s refused for want of TLS: relay tests over STARTTLS "
				     "from now on",
				     tr->tc->id);
}

void tlsplan_mark_reruns(struct engine *eng)
{
	struct target_result *res = eng->res;

	if (!eng->tls_switched)
		return;
	for (size_t i = 0; i < res->ntests; i++) {
		struct test_result *tr = &res->tests[i];

		if (tr->tc->group != CASE_AUTH && !tr->over_tls && tr->verdict == VERDICT_ERROR &&
		    tr->reason != REASON_NOT_REACHED)
			tr->rerun = 1;
	}
}
