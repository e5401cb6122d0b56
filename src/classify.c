/* classify.c - reply to verdict. The rules are listed in classify.h. */
#include "classify.h"

#include <string.h>

#include "text.h"

static const char *const verdict_names[] = {
	[VERDICT_ACCEPTED] = "accepted",
	[VERDICT_DENIED] = "denied",
	[VERDICT_TEMPFAIL] = "temporary failure",
	[VERDICT_ERROR] = "error",
	[VERDICT_SKIPPED] = "skipped",
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
	[REASON_TLS_REQUIRED] = "TLS required",
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
};

_Static_assert(sizeof(reason_names) / sizeof(reason_names[0]) == REASON_COUNT,
	       "every reason needs a name");
_Static_assert(sizeof(verdict_names) / sizeof(verdict_names[0]) == VERDICT_COUNT,
	       "every verdict needs a name");

/* Phrases that mark a 4xx as "come back later" even when it names relaying. */
static int says_retry(const char *text)
{
	static const char *const phrases[] = { "greylist", "graylist", "try again", "later",
					       "retry" };

	for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (text_contains_ci(text, phrases[i]))
			return 1;
	return 0;
}

static int enhanced_subject(const struct reply *r, char subject)
{
	return r->enhanced[0] != '\0' && r->enhanced[1] == '.' && r->enhanced[2] == subject &&
	       r->enhanced[3] == '.';
}

static enum verdict classify_temporary(const struct reply *r, enum reason *why)
{
	if (r->code == 421) {
		*why = REASON_CLOSING;
		return VERDICT_ERROR;
	}
	if (says_retry(r->text)) {
		*why = REASON_GREYLIST;
		return VERDICT_TEMPFAIL;
	}
	if (text_contains_ci(r->text, "relay")) {
		*why = REASON_RELAY_POLICY;
		return VERDICT_DENIED;
	}
	*why = REASON_TEMPORARY;
	return VERDICT_TEMPFAIL;
}

static enum verdict classify_permanent(const struct reply *r, enum reason *why)
{
	if (r->code == 530 || r->code == 538)
		*why = text_contains_ci(r->text, "TLS") || r->code == 538 ? REASON_TLS_REQUIRED
									  : REASON_AUTH_REQUIRED;
	else if (r->code != 501 &&
		 (enhanced_subject(r, '7') || text_contains_ci(r->text, "relay") ||
		  text_contains_ci(r->text, "rcpthosts") || text_contains_ci(r->text, "(#5.7.")))
		*why = REASON_RELAY_POLICY;
	else if (r->code != 501 && enhanced_subject(r, '1'))
		*why = REASON_ADDRESS;
	else if (r->code == 501 || r->code == 500 || enhanced_subject(r, '5'))
		*why = REASON_SYNTAX;
	else
		*why = REASON_POLICY;
	return VERDICT_DENIED;
}

enum verdict classify_reply(const struct reply *r, enum reason *why)
{
	switch (r->code / 100) {
	case 2:
		*why = REASON_RELAYED;
		return VERDICT_ACCEPTED;
	case 4:
		return classify_temporary(r, why);
	case 5:
		return classify_permanent(r, why);
	default:
		*why = REASON_PROTOCOL;
		return VERDICT_ERROR;
	}
}

const char *classify_verdict_name(enum verdict v)
{
	return (unsigned)v < VERDICT_COUNT ? verdict_names[v] : "?";
}

const char *classify_reason_name(enum reason why)
{
	return (unsigned)why < REASON_COUNT ? reason_names[why] : "?";
}
