/* inject.c - the STARTTLS injection probe (CVE-2011-0411 class): after
 * the tests, on a connection of its own, STARTTLS and NOOP in one write;
 * a reply to the NOOP after the handshake means the server kept plain text
 * across STARTTLS. */
#include "runner.h"

void inject_probe(struct engine *eng, struct runner *r)
{
	struct target_result *res = eng->res;
	struct rt_error err;
	struct reply extra;
	char line[REPLY_TEXT_MAX];
	int wait_ms, rc;

	if (!res->plain_caps.starttls || eng->p->tls == ENGINE_TLS_NO ||
	    eng->tls_relay == SESSION_TLS_IMPLICIT || eng->stop != NULL || !tls_available(NULL) ||
	    net_now_ms() + eng->p->timeout_ms > eng->end_ms)
		return;
	for (size_t i = 0; i < res->ntests; i++)
		if (res->tests[i].reason == REASON_TLS_REFUSED)
			return; /* STARTTLS is refused: there is nothing to probe */
	error_clear(&err);
	r->s.tls_want = SESSION_TLS_NONE;
	/* A handshake takes a round trip or two: a server that drips it is not
	 * worth the whole --timeout here. */
	if (r->s.timeout_ms > RUN_INJECTION_TIMEOUT_MS)
		r->s.timeout_ms = RUN_INJECTION_TIMEOUT_MS;
	transcript_note(&res->log, "STARTTLS injection probe: STARTTLS and NOOP in one write");
	if (conn_open(r, NULL, &err) < 0 || !r->s.caps.starttls) {
		res->injection = INJECTION_FAILED;
		text_format(res->injection_note, sizeof(res->injection_note), "%s",
			    err.msg[0] != '\0' ? err.msg : "STARTTLS not offered this time");
		session_quit(&r->s);
		return;
	}
	wait_ms = RUN_INJECTION_WAIT_MS + 3 * (int)r->s.hello_ms;
	if (wait_ms > eng->p->timeout_ms)
		wait_ms = eng->p->timeout_ms;
	rc = session_starttls_injection(&r->s, wait_ms, &extra, &err);
	if (rc < 0) {
		res->injection = INJECTION_FAILED;
		text_copy(res->injection_note, sizeof(res->injection_note), err.msg);
	} else if (rc == 1) {
		res->injection = INJECTION_FOUND;
		reply_line(&extra, 0, line, sizeof(line));
		text_format(res->injection_note, sizeof(res->injection_note), "%d %s", extra.code,
			    line);
	} else {
		res->injection = INJECTION_CLEAN;
	}
	session_quit(&r->s);
}
