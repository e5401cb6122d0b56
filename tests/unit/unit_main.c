/* unit_main.c - runs every unit test; one "ok"/"FAIL" line each. */
#include "check.h"

int check_failures;

void test_reply_lines(void);
void test_reply_multiline(void);
void test_reply_enhanced(void);
void test_reply_capabilities(void);
void test_reply_greeting_host(void);
void test_reply_seen_as(void);
void test_reply_xclient_takes(void);
void test_classify_table(void);
void test_cases_expand(void);
void test_claim_xclient(void);
void test_claim_proxy(void);
void test_claim_proxy_v2(void);
void test_cases_table(void);
void test_target_parse(void);
void test_targets_once(void);
void test_cli_valid(void);
void test_cli_invalid(void);
void test_text_sanitize(void);
void test_text_format_cut(void);
void test_auth_base64(void);
void test_auth_dialogues(void);
void test_md5(void);
void test_hmac_md5(void);
void test_remedy_identify(void);
void test_remedy_advice(void);
void test_mx_parse(void);
void test_quirks_table(void);
void test_tally_line(void);
void test_waits_describe(void);
void test_transcript_group(void);
void test_findings_table(void);
void test_expand_distinct(void);
void test_expand_append(void);
void test_target_label(void);

static const struct {
	const char *name;
	check_fn fn;
} tests[] = {
	{ "reply: line syntax", test_reply_lines },
	{ "reply: multi-line replies", test_reply_multiline },
	{ "reply: enhanced status codes", test_reply_enhanced },
	{ "reply: EHLO capabilities", test_reply_capabilities },
	{ "reply: greeting host name", test_reply_greeting_host },
	{ "reply: the client address an EHLO reply echoes", test_reply_seen_as },
	{ "reply: the attributes XCLIENT takes", test_reply_xclient_takes },
	{ "classify: every rule", test_classify_table },
	{ "cases: template expansion", test_cases_expand },
	{ "cases: table is well formed", test_cases_table },
	{ "claim: the XCLIENT command", test_claim_xclient },
	{ "claim: the PROXY v1 header", test_claim_proxy },
	{ "claim: the PROXY v2 header", test_claim_proxy_v2 },
	{ "target: parsing", test_target_parse },
	{ "targets: a server named twice is one target", test_targets_once },
	{ "target: the label every report names a target by", test_target_label },
	{ "expand: each address of a lookup once, in its order", test_expand_distinct },
	{ "expand: a name of several addresses is a target each", test_expand_append },
	{ "cli: valid options", test_cli_valid },
	{ "cli: invalid options", test_cli_invalid },
	{ "text: sanitising", test_text_sanitize },
	{ "text: a cut text ends on a whole word, marked", test_text_format_cut },
	{ "auth: base64", test_auth_base64 },
	{ "auth: dialogues", test_auth_dialogues },
	{ "auth: MD5 (RFC 1321)", test_md5 },
	{ "auth: HMAC-MD5 (RFC 2104) and CRAM-MD5 (RFC 2195)", test_hmac_md5 },
	{ "remedy: server software from greeting and EHLO", test_remedy_identify },
	{ "remedy: advice fits what was accepted", test_remedy_advice },
	{ "mx: parsing canned DNS answers, hostile ones too", test_mx_parse },
	{ "quirks: each software's limits, found by its greeting or EHLO", test_quirks_table },
	{ "tally: the run summary over several targets", test_tally_line },
	{ "waits: what the engine waits for, for the progress line", test_waits_describe },
	{ "transcript: grouped by connection", test_transcript_group },
	{ "findings: each from the facts that make it", test_findings_table },
};

int main(void)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		check_failures = 0;
		tests[i].fn();
		printf("%s - unit: %s\n", check_failures == 0 ? "ok" : "FAIL", tests[i].name);
		failed += check_failures != 0;
	}
	return failed != 0;
}
