/* classify.c - reply to verdict: one table of rules, first match wins. */
#include "classify.h"

#include <string.h>

#include "text.h"

static const char *const verdict_names[] = {
	[VERDICT_ACCEPTED] = "accepted",
	[VERDICT_DENIED] = "denied",
	[VERDICT_TEMPFAIL] = "temporary failure",
	[VERDICT_ERROR] = "error",
	[VERDICT_SKIPPED] = "skipped",
	[VERDICT_UNTESTED] = "not tested",
};

static const char *const verdict_keys[] = {
	[VERDICT_ACCEPTED] = "accepted",
	[VERDICT_DENIED] = "denied",
	[VERDICT_TEMPFAIL] = "temporary_failure",
	[VERDICT_ERROR] = "error",
	[VERDICT_SKIPPED] = "skipped",
	[VERDICT_UNTESTED] = "not_tested",
};

static const char *const reason_names[] = {
	[REASON_NONE] = "",
	[REASON_RELAYED] = "would relay",
	[REASON_CONTROL_OK] = "control accepted",
	[REASON_AUTH_BOGUS] = "bogus credentials",
	[REASON_RELAY_POLICY] = "relay policy",
	[REASON_ADDRESS] = "address",
	[REASON_SYNTAX] = "syntax",
	[REASON_AUTH_REQUIRED] = "auth required",
	[REASON_TLS_REQUIRED] = "STARTTLS required",
	[REASON_AUTH_FAILED] = "credentials refused",
	[REASON_POLICY] = "policy",
	[REASON_GREYLIST] = "greylisting",
	[REASON_TEMPORARY] = "temporary",
	[REASON_CLOSING] = "server closing (421)",
	[REASON_TIMEOUT] = "timeout",
	[REASON_CONNECTION] = "connection lost",
	[REASON_PROTOCOL] = "protocol error",
	[REASON_NOT_REACHED] = "not reached",
	[REASON_NOT_OFFERED] = "not offered",
	[REASON_SEQUENCE] = "bad sequence (503)",
	[REASON_LIMIT] = "session limit",
	[REASON_HELO_REFUSED] = "EHLO name refused",
	[REASON_NO_TLS] = "no libssl for TLS",
	[REASON_CLIENT_BLOCKED] = "refuses this client",
	[REASON_TLS_REFUSED] = "STARTTLS refused",
	[REASON_SERVER_ERROR] = "server error",
	[REASON_NOT_PROBED] = "not probed at DATA",
	[REASON_XCLIENT_REFUSED] = "XCLIENT refused",
};

_Static_assert(sizeof(reason_names) / sizeof(reason_names[0]) == REASON_COUNT,
	       "every reason needs a name");
_Static_assert(sizeof(verdict_keys) / sizeof(verdict_keys[0]) == VERDICT_COUNT,
	       "every verdict needs a key");
_Static_assert(sizeof(verdict_names) / sizeof(verdict_names[0]) == VERDICT_COUNT,
	       "every verdict needs a name");

/* Steps a rule applies to, as a bit mask of 1 << enum classify_step. */
#define AT_EHLO (1u << CLASSIFY_EHLO)
#define AT_AUTH (1u << CLASSIFY_AUTH)
#define AT_MAIL (1u << CLASSIFY_MAIL)
#define AT_CONTROL (1u << CLASSIFY_CONTROL)
#define AT_RCPT ((1u << CLASSIFY_RCPT) | AT_CONTROL)
#define AT_ENVELOPE (AT_MAIL | AT_RCPT)
#define AT_ANY (AT_EHLO | AT_AUTH | AT_MAIL | AT_RCPT)
#define AT_XCLIENT (1u << CLASSIFY_XCLIENT)

/* A named list of phrases; a rule with one matches when any phrase is in
 * the text (case-insensitive, our own addresses taken out). */
enum phrases {
	ANY_TEXT,
	GREYLIST,
	RELAY_REFUSAL,
	CLIENT_REFUSAL,
	TLS_WORDS,
	LIMIT_WORDS,
	HELO_WORDS,
	SERVER_ERROR_WORDS,
	PHRASES_COUNT
};

static const char *const *const phrase_lists[PHRASES_COUNT] = {
	[ANY_TEXT] = NULL,
	/* Greylisters and "come back later" (postgrey, Exim, sqlgrey, rspamd). */
	[GREYLIST] = (const char *const[]){ "greylist", "graylist", "grey-list", "try again",
					    "try later", "retry", "later", NULL },
	/* Postfix, Sendmail, Exim, Exchange, qmail, Courier, Domino and others. */
	[RELAY_REFUSAL] = (const char *const[]){ "relay access denied",
						 "relaying denied",
						 "relay denied",
						 "relay not permitted",
						 "relay is not permitted",
						 "relaying not permitted",
						 "not permitted to relay",
						 "unable to relay",
						 "cannot relay",
						 "can't relay",
						 "relaying not allowed",
						 "relaying is not allowed",
						 "relay not allowed",
						 "not allowed to relay",
						 "relaying disallowed",
						 "relaying prohibited",
						 "relaying is prohibited",
						 "relay prohibited",
						 "relaying to",
						 "relay rejected",
						 "we do not relay",
						 "no relaying",
						 "not authorized to relay",
						 "rcpthosts",
						 NULL },
	/* Refusals aimed at who we are, before any relay check: DNS blocklists
	 * (Postfix reject_rbl_client and Exchange "Client host [x] blocked
	 * using ...", Exim "is in a black list at" / Debian's "is listed at",
	 * Sendmail's dnsbl "Rejected: x listed at ..."), Postfix's client
	 * checks ("Client host rejected: cannot find your reverse hostname",
	 * 4.7.25), Microsoft's banned IPs (5.7.606-649), reputation services. */
	[CLIENT_REFUSAL] = (const char *const[]){ "blocked using",
						  "listed at",
						  "listed in",
						  "listed on",
						  "in a black list",
						  "black list",
						  "blacklist",
						  "blocklist",
						  "block list",
						  "client host rejected",
						  "client host blocked",
						  "unverified client host",
						  "banned sending ip",
						  "spamhaus",
						  "spamcop",
						  "barracuda",
						  "sorbs.net",
						  "dnsbl",
						  "reverse hostname",
						  "reverse dns",
						  "cannot find your hostname",
						  "poor reputation",
						  NULL },
	[TLS_WORDS] = (const char *const[]){ "starttls", "tls", "encryption required", NULL },
	[LIMIT_WORDS] = (const char *const[]){ "too many", "limit exceeded", "rate limit", NULL },
	/* Refusals of the EHLO name, whatever the code: Postfix's
	 * smtpd_helo_restrictions answer at RCPT ("504 5.5.2 <x>: Helo command
	 * rejected: need fully-qualified hostname"), Exim's and Sendmail's
	 * checks name HELO or EHLO. */
	[HELO_WORDS] = (const char *const[]){ "helo command rejected", "ehlo command rejected",
					      "helo rejected", "ehlo rejected", "invalid helo",
					      "invalid ehlo", "bad helo", "helo name", "ehlo name",
					      "helo/ehlo name", NULL },
	/* A failure of the server itself, not a judgement of what we sent
	 * ("500 Error", "internal error", a back end that is down). */
	[SERVER_ERROR_WORDS] = (const char *const[]){ "internal", "server error", "unavailable",
						      "backend", "back end", NULL },
};

struct rule {
	unsigned steps;	      /* AT_* mask */
	int lo, hi;	      /* reply code range, inclusive */
	const char *enhanced; /* prefix of the enhanced code ("5.7."), or NULL */
	enum phrases phrases;
	enum verdict verdict;
	enum reason reason;
	enum classify_action action;
};

/* clang-format off */
static const struct rule rules[] = {
	/* XCLIENT refused by a server that offered it: its own list of who may
	 * claim another address (Postfix 550 5.7.0 "insufficient
	 * authorization"; 501 for an address family it does not speak). */
	{ AT_XCLIENT, 400, 499, NULL, ANY_TEXT, VERDICT_TEMPFAIL, REASON_TEMPORARY, CLASSIFY_FINAL },
	{ AT_XCLIENT, 500, 599, NULL, ANY_TEXT, VERDICT_DENIED, REASON_XCLIENT_REFUSED, CLASSIFY_FINAL },
	/* Success: bogus credentials taken, the control passed, a relay. A
	 * MAIL decides a test only when refused, and AUTH succeeds with 235:
	 * any other success there is off-script. */
	{ AT_AUTH, 235, 235, NULL, ANY_TEXT, VERDICT_ACCEPTED, REASON_AUTH_BOGUS, CLASSIFY_FINAL },
	{ AT_AUTH | AT_MAIL, 200, 299, NULL, ANY_TEXT, VERDICT_ERROR, REASON_PROTOCOL, CLASSIFY_FINAL },
	{ AT_CONTROL, 200, 299, NULL, ANY_TEXT, VERDICT_ACCEPTED, REASON_CONTROL_OK, CLASSIFY_FINAL },
	{ AT_ANY, 200, 299, NULL, ANY_TEXT, VERDICT_ACCEPTED, REASON_RELAYED, CLASSIFY_FINAL },
	/* Not an answer to these commands at all. */
	{ AT_ANY, 100, 399, NULL, ANY_TEXT, VERDICT_ERROR, REASON_PROTOCOL, CLASSIFY_FINAL },
	/* The server is closing: the test did not run. */
	{ AT_ANY, 421, 421, NULL, ANY_TEXT, VERDICT_UNTESTED, REASON_CLOSING, CLASSIFY_RERUN },
	/* TLS first (RFC 3207 530 5.7.0; 538 needs encryption for AUTH). */
	{ AT_ANY, 530, 530, NULL, TLS_WORDS, VERDICT_UNTESTED, REASON_TLS_REQUIRED, CLASSIFY_NEEDS_TLS },
	{ AT_ANY, 538, 538, NULL, ANY_TEXT, VERDICT_UNTESTED, REASON_TLS_REQUIRED, CLASSIFY_NEEDS_TLS },
	{ AT_ANY, 400, 599, "5.7.0", TLS_WORDS, VERDICT_UNTESTED, REASON_TLS_REQUIRED, CLASSIFY_NEEDS_TLS },
	{ AT_ANY, 400, 599, "4.7.0", TLS_WORDS, VERDICT_UNTESTED, REASON_TLS_REQUIRED, CLASSIFY_NEEDS_TLS },
	/* Bogus credentials: any refusal is the right answer, except the
	 * server's own failure: a 500 that says nothing but "Error" (or names
	 * an internal fault) judged nothing. */
	{ AT_AUTH, 503, 503, NULL, ANY_TEXT, VERDICT_UNTESTED, REASON_SEQUENCE, CLASSIFY_RERUN },
	{ AT_AUTH, 500, 500, NULL, ANY_TEXT, VERDICT_ERROR, REASON_SERVER_ERROR, CLASSIFY_FINAL },
	{ AT_AUTH, 500, 599, NULL, SERVER_ERROR_WORDS, VERDICT_ERROR, REASON_SERVER_ERROR, CLASSIFY_FINAL },
	{ AT_AUTH, 400, 499, NULL, ANY_TEXT, VERDICT_TEMPFAIL, REASON_TEMPORARY, CLASSIFY_RERUN },
	{ AT_AUTH, 500, 599, NULL, ANY_TEXT, VERDICT_DENIED, REASON_AUTH_FAILED, CLASSIFY_FINAL },
	/* Come back later: greylisting gets no quick rerun, it would fail again. */
	{ AT_ANY, 400, 499, NULL, GREYLIST, VERDICT_TEMPFAIL, REASON_GREYLIST, CLASSIFY_FINAL },
	/* Words that refuse relaying, and Exchange's relay codes. */
	{ AT_ENVELOPE, 400, 599, NULL, RELAY_REFUSAL, VERDICT_DENIED, REASON_RELAY_POLICY, CLASSIFY_FINAL },
	{ AT_ENVELOPE, 500, 599, "5.7.54", ANY_TEXT, VERDICT_DENIED, REASON_RELAY_POLICY, CLASSIFY_FINAL },
	{ AT_ENVELOPE, 500, 599, "5.7.64", ANY_TEXT, VERDICT_DENIED, REASON_RELAY_POLICY, CLASSIFY_FINAL },
	/* Refused for who we are (a blocklist; X.7.25, RFC 7372: reverse DNS
	 * failed): the relay check was never reached, so nothing was tested,
	 * and again would not help. */
	{ AT_ENVELOPE, 400, 599, NULL, CLIENT_REFUSAL, VERDICT_UNTESTED, REASON_CLIENT_BLOCKED, CLASSIFY_FINAL },
	{ AT_ENVELOPE, 500, 599, "5.7.25", ANY_TEXT, VERDICT_UNTESTED, REASON_CLIENT_BLOCKED, CLASSIFY_FINAL },
	{ AT_ENVELOPE, 400, 499, "4.7.25", ANY_TEXT, VERDICT_UNTESTED, REASON_CLIENT_BLOCKED, CLASSIFY_FINAL },
	/* Per-session limits and state (Exim's nonmail and syntax limits, a
	 * second EHLO on OpenSMTPD): the test never ran here. */
	{ AT_ANY, 400, 599, NULL, LIMIT_WORDS, VERDICT_UNTESTED, REASON_LIMIT, CLASSIFY_RERUN },
	{ AT_ANY, 503, 503, NULL, ANY_TEXT, VERDICT_UNTESTED, REASON_SEQUENCE, CLASSIFY_RERUN },
	/* The test's own EHLO name refused: that is the server's answer, at
	 * EHLO or, from Postfix, at RCPT (504 5.5.2 is not a syntax error of
	 * ours). */
	{ AT_EHLO, 500, 599, NULL, ANY_TEXT, VERDICT_DENIED, REASON_HELO_REFUSED, CLASSIFY_FINAL },
	{ AT_ENVELOPE, 500, 599, NULL, HELO_WORDS, VERDICT_DENIED, REASON_HELO_REFUSED, CLASSIFY_FINAL },
	/* Any other 4xx may clear on a new connection (postscreen, lookups). */
	{ AT_ANY, 400, 499, NULL, ANY_TEXT, VERDICT_TEMPFAIL, REASON_TEMPORARY, CLASSIFY_RERUN },
	/* Permanent refusals of the test's envelope. */
	{ AT_ENVELOPE, 530, 530, NULL, ANY_TEXT, VERDICT_DENIED, REASON_AUTH_REQUIRED, CLASSIFY_FINAL },
	{ AT_ENVELOPE, 500, 501, NULL, ANY_TEXT, VERDICT_DENIED, REASON_SYNTAX, CLASSIFY_FINAL },
	{ AT_ENVELOPE, 500, 599, "5.1.", ANY_TEXT, VERDICT_DENIED, REASON_ADDRESS, CLASSIFY_FINAL },
	{ AT_ENVELOPE, 500, 599, "5.5.", ANY_TEXT, VERDICT_DENIED, REASON_SYNTAX, CLASSIFY_FINAL },
	{ AT_ENVELOPE, 500, 599, NULL, ANY_TEXT, VERDICT_DENIED, REASON_POLICY, CLASSIFY_FINAL },
};
/* clang-format on */

#define RULES_COUNT (sizeof(rules) / sizeof(rules[0]))

size_t classify_rule_count(void)
{
	return RULES_COUNT;
}

/* Blank every case-insensitive occurrence of word in text. */
static void blank_out(char *text, const char *word)
{
	size_t n = strlen(word);

	if (n == 0)
		return;
	for (char *p = text; *p != '\0'; p++)
		if (strncasecmp(p, word, n) == 0)
			memset(p, ' ', n);
}

/* The reply text with what we sent taken out: each sent string as given and
 * without its angle brackets, and anything else in angle brackets (servers
 * echo addresses, sometimes rewritten). */
static void our_words_out(char *text, const char *const *sent, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char bare[TEXT_ARG_MAX + 1];
		size_t len;

		if (sent[i] == NULL)
			continue;
		blank_out(text, sent[i]);
		len = strlen(sent[i]);
		if (len >= 2 && sent[i][0] == '<' && sent[i][len - 1] == '>' &&
		    len - 2 < sizeof(bare)) {
			memcpy(bare, sent[i] + 1, len - 2);
			bare[len - 2] = '\0';
			blank_out(text, bare);
		}
	}
	for (char *open = strchr(text, '<'); open != NULL; open = strchr(open, '<')) {
		char *close = strchr(open, '>');

		if (close == NULL)
			break;
		memset(open, ' ', (size_t)(close - open) + 1);
	}
}

static int has_phrase(const char *text, enum phrases which)
{
	const char *const *list = phrase_lists[which];

	if (list == NULL)
		return 1;
	for (; *list != NULL; list++)
		if (text_contains_ci(text, *list))
			return 1;
	return 0;
}

struct classification classify(enum classify_step step, const struct reply *r,
			       const char *const *sent, size_t n)
{
	struct classification c = { VERDICT_ERROR, REASON_PROTOCOL, CLASSIFY_FINAL, -1 };
	char text[REPLY_TEXT_MAX];

	text_copy(text, sizeof(text), r->text);
	our_words_out(text, sent, n);
	for (size_t i = 0; i < RULES_COUNT; i++) {
		const struct rule *rule = &rules[i];

		if (!(rule->steps & (1u << step)) || r->code < rule->lo || r->code > rule->hi)
			continue;
		if (rule->enhanced != NULL &&
		    strncmp(r->enhanced, rule->enhanced, strlen(rule->enhanced)) != 0)
			continue;
		if (!has_phrase(text, rule->phrases))
			continue;
		c.verdict = rule->verdict;
		c.reason = rule->reason;
		c.action = rule->action;
		c.rule = (int)i;
		break;
	}
	return c;
}

int classify_undecided(enum verdict v)
{
	return v == VERDICT_TEMPFAIL || v == VERDICT_ERROR || v == VERDICT_UNTESTED;
}

const char *classify_verdict_name(enum verdict v)
{
	return (unsigned)v < VERDICT_COUNT ? verdict_names[v] : "?";
}

const char *classify_verdict_key(enum verdict v)
{
	return (unsigned)v < VERDICT_COUNT ? verdict_keys[v] : "?";
}

const char *classify_reason_name(enum reason why)
{
	return (unsigned)why < REASON_COUNT ? reason_names[why] : "?";
}
