/* fold.c - tests that got the same answer share one row of the short report. */
#include "fold.h"

#include <string.h>

/* Row order: what must be acted on first. */
static int rank(const struct test_result *tr)
{
	if (tr->tc->group == CASE_CONTROL)
		return 0;
	switch (tr->verdict) {
	case VERDICT_ACCEPTED:
		return 1;
	case VERDICT_ERROR:
	case VERDICT_UNTESTED:
	case VERDICT_TEMPFAIL:
		return 2;
	case VERDICT_DENIED:
		return 3;
	default:
		return 4;
	}
}

/* a and b alike, each <...> span taken as equal to any other. */
static int same_but_addresses(const char *a, const char *b)
{
	while (*a != '\0' && *b != '\0') {
		if (*a == '<' && *b == '<' && strchr(a, '>') != NULL && strchr(b, '>') != NULL) {
			a = strchr(a, '>') + 1;
			b = strchr(b, '>') + 1;
			continue;
		}
		if (*a++ != *b++)
			return 0;
	}
	return *a == *b;
}

int fold_same(const struct test_result *a, const struct test_result *b)
{
	if (rank(a) < 2 || rank(b) < 2)
		return 0;
	/* XCLIENT and PROXY trust tests skipped where neither is used share
	 * a row of their own. */
	if (a->verdict == VERDICT_SKIPPED && cases_claims(a->tc) != cases_claims(b->tc))
		return 0;
	if (a->verdict != b->verdict || a->reason != b->reason || a->stage != b->stage ||
	    a->code != b->code || a->over_tls != b->over_tls ||
	    strcmp(a->enhanced, b->enhanced) != 0)
		return 0;
	if (a->verdict == VERDICT_SKIPPED)
		return 1; /* the same reason; their notes may name their mechanisms */
	return same_but_addresses(a->text, b->text);
}

void fold_reply_text(const char *text, char *buf, size_t cap)
{
	size_t code = strspn(text, "0123456789.");
	const char *open = text + code + (code > 0 && text[code] == ' ');
	const char *close = strchr(open, '>');
	const char *rest = NULL;

	if (*open == '<' && close != NULL && close[1] == ':' && close[2] == ' ')
		rest = close + 3;
	else if (*open == '<' && close != NULL && strncmp(close + 1, "... ", 4) == 0)
		rest = close + 5;
	if (rest == NULL)
		snprintf(buf, cap, "%s", text);
	else
		snprintf(buf, cap, "%.*s%s", (int)(open - text), text, rest);
}

void fold_tests(const struct target_result *res, struct fold *f)
{
	size_t largest = 0;

	f->nrows = 0;
	for (int r = 0; r <= 4; r++)
		for (size_t i = 0; i < res->ntests; i++) {
			const struct test_result *tr = &res->tests[i];
			size_t row = 0;

			if (rank(tr) != r)
				continue;
			while (row < f->nrows && !fold_same(&res->tests[f->rows[row].lead], tr))
				row++;
			if (row == f->nrows)
				f->rows[f->nrows++] = (struct fold_row){ .lead = i };
			f->rows[row].count++;
			f->row_of[i] = row;
		}
	for (size_t row = 1; row < f->nrows; row++)
		if (f->rows[row].count > f->rows[largest].count)
			largest = row;
	f->rows[largest].others = f->rows[largest].count > FOLD_LIST_MAX;
}
