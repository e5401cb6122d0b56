/* summary.c - a finished run's verdict, its one-line reason, and warnings.
 *
 * open relay (1):       some relay test was accepted at RCPT (or bogus AUTH);
 * not an open relay (0): the control was accepted (or only greylisted) and
 *                        every relay test that ran was definitely denied;
 * inconclusive (2):      anything else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"

#include <stdarg.h>

#include "findings.h"
#include "quirks.h"
#include "tls.h"

/* Add a warning to res. */
static void warn(struct target_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn(struct target_result *res, const char *fmt, ...)
{
	va_list ap;

	if (res->nwarnings >= RUN_WARNINGS_MAX)
		return;
	va_start(ap, fmt);
	text_vformat(res->warnings[res->nwarnings++], RUN_WARNING_MAX, fmt, ap);
	va_end(ap);
}

static int is_private_address(const char *addr)
{
	static const char *const prefixes[] = {
		"127.",	 "10.",		"192.168.",   "169.254.",	"::1", "fc", "fd",
		"fe80:", "::ffff:127.", "::ffff:10.", "::ffff:192.168."
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(addr, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	/* 172.16.0.0/12 */
	if (strncmp(addr, "172.", 4) == 0) {
		long second = strtol(addr + 4, NULL, 10);

		return second >= 16 && second <= 31;
	}
	return 0;
}

/* Which tests to list: relay tests with a verdict (VERDICT_COUNT: any) and
 * a reason (REASON_NONE: any), or every test run again, the control too. */
struct pick {
	enum verdict verdict;
	enum reason reason;
	int rerun_only;
};

static int picked(const struct test_result *tr, const struct pick *p)
{
	return (p->rerun_only || tr->tc->group != CASE_CONTROL) &&
	       (p->verdict == VERDICT_COUNT || tr->verdict == p->verdict) &&
	       (p->reason == REASON_NONE || tr->reason == p->reason) &&
	       (!p->rerun_only || tr->reruns > 0);
}

/* Room kept at the end of a list of ids for " and 123 more". */
#define MORE_ROOM 16

/* The ids of the tests p picks, comma-separated; a list too long for cap
 * ends "... and 19 more", never with a cut id. Returns how many there are. */
static size_t list_ids(const struct target_result *res, struct pick p, char *buf, size_t cap)
{
	size_t n = 0, shown = 0, used = 0;

	for (size_t i = 0; i < res->ntests; i++)
		n += (size_t)picked(&res->tests[i], &p);
	buf[0] = '\0';
	for (size_t i = 0; i < res->ntests && shown < n; i++) {
		const char *id = res->tests[i].tc->id;
		size_t need = strlen(id) + 2 + (shown + 1 < n ? MORE_ROOM : 0);

		if (!picked(&res->tests[i], &p))
			continue;
		if (used + need >= cap)
			break;
		used += (size_t)snprintf(buf + used, cap - used, "%s%s", shown > 0 ? ", " : "", id);
		shown++;
	}
	if (shown < n)
		snprintf(buf + used, cap - used, " and %zu more", n - shown);
	return n;
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* The first relay test (the control too) refused for who we are, or NULL. */
static const struct test_result *client_blocked(const struct target_result *res)
{
	for (size_t i = 0; i < res->ntests; i++)
		if (res->tests[i].reason == REASON_CLIENT_BLOCKED)
			return &res->tests[i];
	return NULL;
}

/* After an open verdict's reason: which tests the DATA probe confirmed. */
static void confirmed_at_data(struct target_result *res)
{
	char ids[160];
	size_t used = strlen(res->why), n = 0, shown = 0;

	for (size_t i = 0; i < res->ntests; i++)
		n += res->tests[i].data_probe == DATA_PROBE_CONFIRMED;
	if (n == 0)
		return;
	ids[0] = '\0';
	for (size_t i = 0; i < res->ntests && shown < 3; i++)
		if (res->tests[i].data_probe == DATA_PROBE_CONFIRMED)
			text_format(ids + strlen(ids), sizeof(ids) - strlen(ids), "%s%s",
				    shown++ > 0 ? ", " : "", res->tests[i].tc->id);
	text_format(res->why + used, sizeof(res->why) - used, "; accepted at RCPT and DATA: %s",
		    ids);
}

/* Relay tests accepted at RCPT and refused at DATA: the server decides
 * there, and a tester that stops at RCPT would call it open. */
static void refused_at_data(struct target_result *res)
{
	const struct test_result *first = NULL;
	size_t n = 0;

	for (size_t i = 0; i < res->ntests; i++)
		if (res->tests[i].data_probe == DATA_PROBE_REFUSED ||
		    res->tests[i].data_probe == DATA_PROBE_TEMPFAIL) {
			first = first != NULL ? first : &res->tests[i];
			n++;
		}
	if (n == 0)
		return;
	warn(res,
	     "%zu relay %s accepted at RCPT and refused at DATA (%s: %d %s): the server "
	     "decides at DATA, where a tester that stops at RCPT would call it open. "
	     "relaytest sent DATA alone and closed the connection at its reply.",
	     n, plural(n, "test was", "tests were"), first->tc->id, first->code, first->text);
}

/* Why nothing was decided, most useful cause first. */
static void undecided_reason(struct target_result *res, const struct test_result *control)
{
	const struct test_result *blocked = client_blocked(res);
	char ids[RUN_WARNING_MAX / 2];
	size_t no_libssl = list_ids(res, (struct pick){ VERDICT_UNTESTED, REASON_NO_TLS, 0 }, ids,
				    sizeof(ids));
	size_t tls = list_ids(res, (struct pick){ VERDICT_UNTESTED, REASON_TLS_REQUIRED, 0 }, ids,
			      sizeof(ids));
	size_t grey = list_ids(res, (struct pick){ VERDICT_TEMPFAIL, REASON_GREYLIST, 0 }, ids,
			       sizeof(ids));
	size_t not_probed = list_ids(res, (struct pick){ VERDICT_UNTESTED, REASON_NOT_PROBED, 0 },
				     ids, sizeof(ids));
	size_t untested = res->counts[VERDICT_UNTESTED], temp = res->counts[VERDICT_TEMPFAIL],
	       errors = res->counts[VERDICT_ERROR];

	if (blocked != NULL)
		text_format(res->why, sizeof(res->why),
			    "the server refuses this client (%d %.120s): its relay policy cannot "
			    "be seen from here; test from an address it does not block",
			    blocked->code, blocked->text);
	else if (not_probed > 0)
		text_format(res->why, sizeof(res->why),
			    "%zu more relay %s accepted at RCPT and not probed at DATA, where "
			    "the server refused those probed (at most %d probes a target): run "
			    "again with --tests %s",
			    not_probed, plural(not_probed, "test was", "tests were"),
			    ENGINE_DATA_PROBES_MAX, ids);
	else if (no_libssl > 0)
		text_format(res->why, sizeof(res->why), "%s", TLS_NO_LIBSSL);
	else if (tls > 0)
		text_format(res->why, sizeof(res->why),
			    "the server requires STARTTLS, so %zu relay %s could not run "
			    "without TLS",
			    tls, plural(tls, "test", "tests"));
	else if (grey > 0)
		text_format(res->why, sizeof(res->why),
			    "%zu relay %s greylisted; run again in 5 to 30 minutes", grey,
			    plural(grey, "test was", "tests were"));
	else if (untested + temp + errors > 0)
		text_format(res->why, sizeof(res->why), "%zu relay %s undecided",
			    untested + temp + errors,
			    plural(untested + temp + errors, "test is", "tests are"));
	else if (control != NULL && control->verdict == VERDICT_DENIED)
		text_format(res->why, sizeof(res->why),
			    "the control recipient postmaster@%s was refused, so the denials "
			    "show nothing",
			    res->domain);
	else if (control != NULL)
		text_format(res->why, sizeof(res->why), "the control test did not complete (%s)",
			    classify_reason_name(control->reason));
	else
		text_copy(res->why, sizeof(res->why), "no relay test could run");
}

static void status_and_reason(struct target_result *res, const struct test_result *control)
{
	size_t ran = res->counts[VERDICT_ACCEPTED] + res->counts[VERDICT_DENIED] +
		     res->counts[VERDICT_TEMPFAIL] + res->counts[VERDICT_ERROR] +
		     res->counts[VERDICT_UNTESTED];
	/* Greylisting of local mail says nothing against definite denials. */
	int control_ok = control != NULL && (control->verdict == VERDICT_ACCEPTED ||
					     control->verdict == VERDICT_TEMPFAIL);
	if (res->counts[VERDICT_ACCEPTED] > 0) {
		char ids[160]; /* a few, then "and 19 more": the report's rows list them */
		size_t n;

		res->status = RUN_OPEN;
		n = list_ids(res, (struct pick){ VERDICT_ACCEPTED, REASON_NONE, 0 }, ids,
			     sizeof(ids));
		text_format(res->why, sizeof(res->why), "%zu relay %s accepted: %s", n,
			    plural(n, "test was", "tests were"), ids);
		confirmed_at_data(res);
	} else if (ran > 0 && res->counts[VERDICT_DENIED] == ran && control_ok &&
		   res->not_selected > 0) {
		/* Tests left out may be the ones this server fails: no all-clear. */
		res->status = RUN_INCONCLUSIVE;
		text_format(res->why, sizeof(res->why),
			    "no relay found by the %zu %s run (%zu not run: --tests)", ran,
			    plural(ran, "test", "tests"), res->not_selected);
	} else if (ran > 0 && res->counts[VERDICT_DENIED] == ran && control_ok) {
		res->status = RUN_CLOSED;
		text_format(res->why, sizeof(res->why), "all %zu relay %s denied", ran,
			    plural(ran, "test was", "tests were"));
	} else {
		res->status = RUN_INCONCLUSIVE;
		undecided_reason(res, ran > 0 ? control : NULL);
	}
}

/* Whether text (a reply's, "5.1.8 ...") starts with enhanced code X.detail. */
static int enhanced_is(const char *text, const char *detail)
{
	size_t n = strlen(detail);

	return (text[0] == '4' || text[0] == '5') && text[1] == '.' &&
	       strncmp(text + 2, detail, n) == 0 && text[2 + n] == ' ';
}

/* A control refused for our EHLO name or our sender, by its reply (Postfix
 * "Helo command rejected", "Sender address rejected"; X.1.8 bad sender
 * domain, X.7.27 sender without a null MX): the advice is the option that
 * changes what was refused, not --domain. Returns 1 when it warned. */
static int control_refused_for_us(struct target_result *res, const struct test_result *control)
{
	if (text_contains_ci(control->text, "helo command rejected")) {
		warn(res,
		     "The control test (mail to postmaster@%s) was refused for our EHLO "
		     "name %s (%d %s)%s. Give a fully qualified host name the server "
		     "accepts with --helo; until the control is accepted, denials "
		     "prove nothing.",
		     res->domain, res->helo, control->code, control->text,
		     res->helo[0] == '['
			     ? ": an address literal, relaytest's default on a host "
			       "without a fully qualified name, which many servers refuse"
			     : "");
		return 1;
	}
	if (text_contains_ci(control->text, "sender address rejected") ||
	    enhanced_is(control->text, "1.8") || enhanced_is(control->text, "7.27")) {
		warn(res,
		     "The control test (mail to postmaster@%s) was refused for our "
		     "sender %s (%d %s). Give an address in a real domain that "
		     "receives mail with --from; until the control is accepted, "
		     "denials prove nothing.",
		     res->domain, res->from, control->code, control->text);
		return 1;
	}
	return 0;
}

static void control_warnings(struct target_result *res, const struct test_result *control,
			     int domain_given)
{
	if (control == NULL || control->verdict == VERDICT_ACCEPTED)
		return;
	if ((control->verdict == VERDICT_DENIED ||
	     (control->verdict == VERDICT_TEMPFAIL && control->reason != REASON_GREYLIST)) &&
	    control_refused_for_us(res, control))
		return;
	if (control->reason == REASON_CLIENT_BLOCKED)
		warn(res,
		     "The control test (mail to postmaster@%s) was refused for this "
		     "client (%d %s): the server blocks this address, so no test here "
		     "shows its relay policy. Test from an address it does not block.",
		     res->domain, control->code, control->text);
	else if (control->verdict == VERDICT_TEMPFAIL)
		warn(res,
		     "The control test (mail to postmaster@%s) %s (%d %s); the relay "
		     "tests' answers stand on their own.",
		     res->domain,
		     control->reason == REASON_GREYLIST ? "was greylisted"
							: "got a temporary failure",
		     control->code, control->text);
	else if (control->verdict == VERDICT_DENIED && domain_given)
		warn(res,
		     "The control test (mail to postmaster@%s) was refused (%d %s). "
		     "Check that %s is a domain this server receives mail for, and "
		     "that it accepts mail from this address; until the control is "
		     "accepted, denials prove nothing.",
		     res->domain, control->code, control->text, res->domain);
	else if (control->verdict == VERDICT_DENIED)
		warn(res,
		     "The control test (mail to postmaster@%s, %s) was refused (%d "
		     "%s). Name a domain this server receives mail for with --domain; "
		     "until the control is accepted, denials prove nothing.",
		     res->domain, res->domain_source, control->code, control->text);
	else
		warn(res, "The control test (mail to postmaster@%s) did not complete: %s.",
		     res->domain, control->text);
}

/* " The server names itself Exim, whose setting for this is
 * smtp_accept_max_per_host." when the greeting or EHLO reply names software
 * with such a setting, else "" (a mechanism is named only then). */
static const char *setting_named(const struct target_result *res, const char *setting, char *buf,
				 size_t cap)
{
	const struct quirk *q = quirks_find(res->greeting.text, res->caps.list);

	if (setting == NULL)
		return "";
	text_format(buf, cap, " The server names itself %s, whose setting for this is %s.", q->name,
		    setting);
	return buf;
}

static void engine_warnings(struct target_result *res)
{
	const struct quirk *quirk = quirks_find(res->greeting.text, res->caps.list);
	char note[160];
	char ids[RUN_WARNING_MAX / 2];
	size_t reruns =
		list_ids(res, (struct pick){ VERDICT_COUNT, REASON_NONE, 1 }, ids, sizeof(ids));

	if (reruns > 0)
		warn(res,
		     "%zu %s could not run or got a temporary failure and %s run again "
		     "on a fresh connection: %s.",
		     reruns, plural(reruns, "test", "tests"), plural(reruns, "was", "were"), ids);
	/* What was measured; a mechanism is named only when the server names
	 * its software. */
	if (res->greeting_ms >= 1000)
		warn(res,
		     "The greeting came %.1f s after the connection was made, so "
		     "relaytest kept its tests on open connections.",
		     (double)res->greeting_ms / 1000.0);
	if (res->tarpit)
		warn(res,
		     "The server's refusals came late, up to %.1f s after the command: "
		     "relaytest gave each test still waiting a connection of its own, "
		     "%u at once at most.%s",
		     (double)res->slowest_ms / 1000.0, res->max_connections,
		     setting_named(res, quirk->tarpit_setting, note, sizeof(note)));
	else if (res->slowest_ms >= 2000)
		warn(res, "The reply to %s came %.1f s late; other connections went on meanwhile.",
		     res->slowest_cmd, (double)res->slowest_ms / 1000.0);
	if (res->local_limit)
		warn(res,
		     "relaytest used at most %u %s at once: it could open no more on "
		     "this machine (its open-file limit, ulimit -n, or memory). This "
		     "limit is relaytest's, not the server's.",
		     res->connection_cap, plural(res->connection_cap, "connection", "connections"));
	if (res->concurrency_refused)
		warn(res,
		     "The server refused extra connections from this client (%s), so "
		     "relaytest went down to %u at once%s.%s",
		     res->refused_with, res->connection_cap,
		     res->waited_for_close ? " and waited for the server to end each session "
					     "before the next"
					   : "",
		     setting_named(res, quirk->count_setting, note, sizeof(note)));
	if (res->scarce_waited_ms > 0)
		warn(res,
		     "New connections were refused even one at a time (%s): relaytest "
		     "carried more tests on each connection and waited %.0f s in all for "
		     "the server to take new ones.%s",
		     res->refused_with, (double)res->scarce_waited_ms / 1000.0,
		     setting_named(res, quirk->rate_setting, note, sizeof(note)));
	if (res->pipelining_off)
		warn(res, "The server sent more replies than commands in a pipelined group, "
			  "so relaytest stopped pipelining and ran those tests again one at "
			  "a time. A server that does this is broken; its PIPELINING cannot "
			  "be trusted.");
}

/* Warnings about TLS (expired certificate, STARTTLS missing under --tls
 * starttls). */
static void tls_warnings(struct target_result *res)
{
	if (res->tls_asked == ENGINE_TLS_STARTTLS && !res->tls_used)
		warn(res, "The server does not offer STARTTLS, so every test ran without TLS "
			  "(--tls starttls).");
	if (res->tls_used && res->tls.expired)
		warn(res,
		     "The server's TLS certificate expired on %s: senders that verify "
		     "certificates will refuse to deliver over TLS.",
		     res->tls.not_after);
}

void summary_build(struct target_result *res)
{
	const struct test_result *control = NULL, *first_mail = NULL;
	size_t relay_tests = 0, identical_mail = 0;

	memset(res->counts, 0, sizeof(res->counts));
	res->relay_tests = 0;
	res->not_selected = 0;
	for (size_t i = 0; i < cases_count; i++)
		res->not_selected += cases_table[i].group != CASE_CONTROL;
	for (size_t i = 0; i < res->ntests; i++) {
		const struct test_result *tr = &res->tests[i];

		if (tr->tc->group == CASE_CONTROL) {
			control = tr;
			continue; /* never a relay test */
		}
		res->relay_tests++;
		res->not_selected--;
		res->counts[tr->verdict]++;
		if (tr->verdict == VERDICT_SKIPPED || tr->tc->group == CASE_AUTH)
			continue;
		relay_tests++;
		if (tr->stage == STAGE_MAIL && tr->verdict != VERDICT_ACCEPTED) {
			if (first_mail == NULL)
				first_mail = tr;
			if (tr->code == first_mail->code && strcmp(tr->text, first_mail->text) == 0)
				identical_mail++;
		}
	}
	status_and_reason(res, control);
	tls_warnings(res);
	control_warnings(res, control, res->domain_given);
	if (relay_tests > 1 && identical_mail == relay_tests)
		warn(res,
		     "Every test was refused at MAIL FROM with the same reply (%d %s): the "
		     "server refuses this client or sender outright, so the recipient tricks "
		     "were never tried. Try another --from.",
		     first_mail->code, first_mail->text);
	refused_at_data(res);
	engine_warnings(res);
	findings_build(res);
	if (is_private_address(res->local_address))
		warn(res,
		     "Tested from %s, a loopback or private address, which servers often "
		     "trust (Postfix mynetworks): test from outside for an attacker's view.",
		     res->local_address);
}
