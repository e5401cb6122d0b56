#!/usr/bin/env bash
# The test runner: unit tests, command-line checks, fake-server scenarios and
# (tests/postfix.sh) real Postfix. One line per test; the last line is
# "N passed, N failed". Every server it starts is stopped by pid.
set -u
cd "$(dirname "$0")/.."

RELAYTEST=${RELAYTEST:-./relaytest}
UNIT_TESTS=${UNIT_TESTS:-build/unit_tests}
FAKESMTPD=${FAKESMTPD:-build/fakesmtpd}
ONLY=${ONLY:-}          # run only scenario files whose name holds this
SCENARIO_JOBS=${SCENARIO_JOBS:-3} # scenarios run at once (run_scenarios)
TWINS=${TWINS:-1}       # 0: each scenario once, without its json, lock-step and concurrent twins;
                        # engine: the lock-step and concurrent twins only (the JSON twin
                        # checks the report's agreement, which the plain run has checked)
SCENARIO=${SCENARIO:-}  # section "scenario": tests/scenarios/NAME.scn or tests/tls/NAME.scn
SECTIONS=${SECTIONS:-lint unit cli scenarios tls multi addresses formats monitoring docs faults harden nosilent fuzz valgrind postfix mta sanitizers}

passed=0
failed=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/relaytest-tests.XXXXXX")
PIDS=()

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

PREFIX="" # "sanitizers: " while the sanitized build runs the same sections
ok() { passed=$((passed + 1)); echo "ok - $PREFIX$1"; }
not_ok() {
	failed=$((failed + 1))
	echo "FAIL - $PREFIX$1"
	shift
	local why
	for why in "$@"; do echo "#   $why"; done
}

# Start the fake server on a scenario; sets FAKE_PID, FAKE_PORT, FAKE_LOG.
# start_fake SCENARIO DIR [WATCHDOG [FAKESMTPD OPTIONS: -a ADDRESS -P PORT]]
start_fake() {
	local scn=$1 dir=$2 i
	FAKE_LOG=$dir/server.log
	rm -f "$dir/port"
	"$FAKESMTPD" -s "$scn" -l "$FAKE_LOG" -p "$dir/port" -w "${3:-60}" "${@:4}" 2>"$dir/server.err" &
	FAKE_PID=$!
	PIDS+=("$FAKE_PID")
	for i in $(seq 1 500); do
		[ -s "$dir/port" ] && break
		kill -0 "$FAKE_PID" 2>/dev/null || break # it could not bind
		sleep 0.01
	done
	FAKE_PORT=$(cat "$dir/port" 2>/dev/null)
	[ -n "$FAKE_PORT" ]
}

stop_fake() {
	kill "$FAKE_PID" 2>/dev/null
	wait "$FAKE_PID" 2>/dev/null
}

# check_verdicts REPORT "ID TEXT" ... ["* TEXT"]: the RESULT column of each
# named test starts with TEXT; "* TEXT" stands for every other test but the
# control. Appends what differs to the caller's why array.
check_verdicts() {
	local report=$1 spec id text got default="" named=" "
	shift
	for spec in "$@"; do
		id=${spec%% *}
		text=${spec#* }
		if [ "$id" = "*" ]; then
			default=$text
			continue
		fi
		named+="$id "
		got=$(result_of "$id" "$report")
		[[ $got == "$text"* ]] || why+=("$id: result '$got', want '$text'")
	done
	[ -n "$default" ] || return 0
	for id in $TEST_IDS; do
		[ "$id" = control-postmaster ] && continue
		[[ $named == *" $id "* ]] && continue
		got=$(result_of "$id" "$report")
		# An AUTH test whose mechanism the server does not offer is skipped,
		# and so are XCLIENT and PROXY trust tests where there is neither.
		[[ $got == skipped ]] && grep -A1 "^$id " "$report" |
			grep -qE 'is not offered|does not offer (AUTH|XCLIENT)|without a PROXY header' && continue
		[[ $got == "$default"* ]] || why+=("$id: result '$got', want '$default' (default)")
	done
}

# The RESULT column of the report row for test id $1 in file $2.
result_of() {
	awk -v id="$1" 'substr($0, 1, 21) == sprintf("%-20s ", id) { print substr($0, 22, 32); exit }' "$2" |
		sed 's/ *$//'
}

TEST_IDS=$("$RELAYTEST" --list-tests | awk 'NR > 1 && $0 !~ /^ / { print $1 }')

# ---------------------------------------------------------------- unit
section_unit() {
	local line rc before=$failed
	"$UNIT_TESTS" >"$WORK/unit.out" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }" ;;
		"FAIL - "*) not_ok "${line#FAIL - }" ;;
		*) echo "$line" ;;
		esac
	done <"$WORK/unit.out"
	if [ "$rc" -ne 0 ] && [ "$failed" -eq "$before" ]; then
		not_ok "unit: the unit test binary exited $rc without a failing test"
	fi
}

# ---------------------------------------------------------------- cli
# expect_usage NAME ARGS...: exit 64, a one-line "relaytest: " message, no connection.
expect_usage() {
	local name=$1 dir=$WORK/cli.$RANDOM out rc
	shift
	mkdir -p "$dir"
	printf 'greeting 220 fake.relaytest.test ESMTP\n' >"$dir/open.scn"
	if ! start_fake "$dir/open.scn" "$dir" 20; then
		not_ok "cli: $name" "fake server did not start"
		return
	fi
	local args=()
	local a
	for a in "$@"; do args+=("${a//\{port\}/$FAKE_PORT}"); done
	"$RELAYTEST" "${args[@]}" >"$dir/out" 2>"$dir/err"
	rc=$?
	sleep 0.1
	stop_fake
	local why=()
	[ "$rc" = 64 ] || why+=("exit status $rc, want 64")
	grep -q '^relaytest: ' "$dir/err" || why+=("no 'relaytest: ' message on stderr")
	[ -s "$dir/out" ] && why+=("printed on stdout: $(head -c 200 "$dir/out")")
	grep -q '== connect' "$FAKE_LOG" && why+=("a connection was opened")
	if [ ${#why[@]} -eq 0 ]; then ok "cli: $name"; else not_ok "cli: $name" "${why[@]}"; fi
}

section_cli() {
	local t='127.0.0.1:{port}'
	expect_usage "CRLF in --from is refused before connecting" --from $'a@b.example\r\nDATA' "$t"
	expect_usage "LF in --to is refused" --to $'a@b.example\nRSET' "$t"
	expect_usage "space in --helo is refused" --helo 'a b' "$t"
	expect_usage "control character in --domain is refused" --domain $'ex\x01.com' "$t"
	expect_usage "address over 254 bytes is refused" --from "$(printf 'a%.0s' $(seq 1 260))@x.example" "$t"
	expect_usage "port 0 is refused" --port 0 127.0.0.1
	expect_usage "port 65536 in a target is refused" 127.0.0.1:65536
	expect_usage "timeout 0 is refused" --timeout 0 "$t"
	expect_usage "timeout 'abc' is refused" --timeout abc "$t"
	expect_usage "unknown option is refused" --no-such-option "$t"
	expect_usage "unknown test id is refused" --tests ext-to-ext,no-such-test "$t"
	expect_usage "--ipv4 with --ipv6 is refused" -4 -6 "$t"
	expect_usage "no target is refused" --quiet
	expect_usage "--send without an explicit --to is refused" --send "$t"
	expect_usage "--format xml is refused" --format xml "$t"
	expect_usage "--jobs 0 is refused" --jobs 0 "$t"
	expect_usage "a port list with 0 in it is refused" --port 25,0 127.0.0.1
	expect_usage "--mx with a bracket is refused" --mx 'example.com]' "$t"
	printf '# targets\n127.0.0.1:2525\n\nbad host name\n' >"$WORK/bad-input.txt"
	expect_usage "--input with a bad line is refused, naming file and line" --input "$WORK/bad-input.txt"
	grep -q "bad-input.txt:4: one target per line" "$WORK"/cli.*/err &&
		ok "cli: the --input error names file and line" || not_ok "cli: --input error message"
	expect_usage "--input that does not exist is refused" --input "$WORK/no-such-file"

	local out rc
	out=$("$RELAYTEST" --help) && echo "$out" | grep -q -- '--max-time' && echo "$out" | grep -q '^Examples:' &&
		ok "cli: --help prints usage with examples, exit 0" || not_ok "cli: --help"
	[ "$(echo "$out" | wc -l)" -le 40 ] && ok "cli: --help fits one screen" ||
		not_ok "cli: --help fits one screen" "$(echo "$out" | wc -l) lines"
	local what
	for what in --help --list-tests; do
		out=$("$RELAYTEST" "$what" | awk 'length > 78 { n++ } END { print n + 0 }')
		[ "$out" = 0 ] && ok "cli: every line of $what fits 78 columns" ||
			not_ok "cli: $what fits 78 columns" "$out lines are longer"
	done
	out=$("$RELAYTEST" --version) && [[ $out =~ ^relaytest\ [0-9]+\.[0-9]+\.[0-9]+$ ]] &&
		ok "cli: --version" || not_ok "cli: --version" "$out"
	local n
	n=$(echo "$TEST_IDS" | wc -l)
	[ "$n" -ge 37 ] && echo "$TEST_IDS" | grep -qx control-postmaster &&
		ok "cli: --list-tests lists $n tests" || not_ok "cli: --list-tests" "$n ids"
	"$RELAYTEST" --timeout 2 --max-time 3 127.0.0.1:1 >"$WORK/refused.out" 2>"$WORK/refused.err"
	rc=$?
	[ "$rc" = 3 ] && grep -q 'cannot connect' "$WORK/refused.err" &&
		grep -q 'COULD NOT TEST' "$WORK/refused.out" &&
		ok "cli: connection refused exits 3 with the reason on stderr and in the report" ||
		not_ok "cli: connection refused" "exit $rc" "$(cat "$WORK/refused.err")"
}

# ---------------------------------------------------------------- scenarios
# Directives a scenario file holds for this runner (fakesmtpd ignores them):
#   test.args ARGS            relaytest's arguments; {port} is the fake port
#                             (default: 127.0.0.1:{port})
#   test.exit N               expected exit status
#   test.verdict ID TEXT      the RESULT column of ID starts with TEXT
#   test.verdict-default TEXT every other test row (control excepted) too
#   test.output TEXT          stdout holds TEXT ({n}: any count, so totals
#                             need no edit when the table grows)
#   test.output-lacks TEXT    stdout does not hold TEXT
#   test.no-output            stdout is empty
#   test.stderr TEXT          stderr holds TEXT
#   test.expect LINE          the server's log, line for line (see line_matches)
#   test.expect-structure [N] what was sent, by structure (tests/structure.py,
#                             on a -F json run of the same arguments): each
#                             test's own MAIL and RCPT under its EHLO name,
#                             well-formed connections, the connections the
#                             report counts; with N, at most N at once
#   test.max-seconds N        relaytest ended within N seconds
#   test.watchdog N           fake server lifetime (default 60)
#   test.allow-data           --send scenarios: DATA and a message may be sent
#   test.data-probes N        the server saw N DATA probes (each the last
#                             command of its connection, never a message)
#   test.no-lockstep-twin     skip the --no-pipelining comparison (say why)
#   test.short                the default short report (else --all is added,
#                             so that every test has its row); test.verdict
#                             then names only tests on rows of their own
#   test.max-lines N          the report has at most N lines
# An expected server line is literal, or ends in '*' to match a prefix
# (random AUTH credentials), or is '*' alone to match any line.
line_matches() {
	local got=$1 want=$2
	case $want in
	'*') return 0 ;;
	*'*') [[ $got == "${want%\*}"* ]] ;;
	*) [[ $got == "$want" ]] ;;
	esac
}

# The DATA probes in a fake server's log: prints their count, or fails
# with why when a command followed DATA on its connection (a probe ends its
# connection at the reply) or there were more than 3 (ENGINE_DATA_PROBES_MAX).
data_probes() {
	awk '/^== connect / || /^== conn / { cur = $3; next }
		/^== / { next }
		cur in probed { print "a command followed DATA on connection " cur ": " $0; bad = 1; exit 1 }
		toupper($0) == "DATA" || toupper($0) == "!BARE-LF DATA" { probed[cur] = 1; n++ }
		END { if (bad) exit 1; if (n > 3) { print n " DATA probes, at most 3"; exit 1 }; print n + 0 }' "$1"
}

run_scenario() {
	local scn=$1 name dir rc start end
	name=$(basename "$scn" .scn)
	dir=$WORK/$name
	mkdir -p "$dir"
	local watchdog
	watchdog=$(sed -n 's/^test\.watchdog //p' "$scn")
	if ! start_fake "$scn" "$dir" "${watchdog:-60}"; then
		not_ok "scenario $name" "fake server did not start: $(cat "$dir/server.err")"
		return
	fi
	local args_line
	args_line=$(sed -n 's/^test\.args //p' "$scn")
	[ -n "$args_line" ] || args_line='127.0.0.1:{port}'
	grep -q '^test\.short' "$scn" || args_line="--all $args_line"
	# Exact command lists need one connection at a time; the concurrent
	# twin below checks that many connections give the same verdicts.
	if grep -qE '^test\.expect ' "$scn" && [[ $args_line != *--connections* ]]; then
		args_line="--connections 1 $args_line"
	fi
	local args template=$args_line
	args_line=${args_line//\{port\}/$FAKE_PORT}
	eval "args=($args_line)"
	start=$(date +%s.%N)
	timeout 120 "$RELAYTEST" "${args[@]}" >"$dir/out" 2>"$dir/err"
	rc=$?
	end=$(date +%s.%N)
	sleep 0.05
	stop_fake

	local why=() want line id text got
	want=$(sed -n 's/^test\.exit //p' "$scn")
	[ -z "$want" ] || [ "$rc" = "$want" ] || why+=("exit status $rc, want $want")

	local specs=()
	mapfile -t specs < <(sed -n 's/^test\.verdict //p' "$scn")
	text=$(sed -n 's/^test\.verdict-default //p' "$scn")
	[ -z "$text" ] || specs+=("* $text")
	check_verdicts "$dir/out" "${specs[@]}"
	# The report wraps at 78 columns: compare with runs of spaces and line
	# breaks squeezed to one space, so a wrapped sentence still matches.
	local flat
	flat=$(tr -s ' \n' '  ' <"$dir/out")
	while IFS= read -r text; do
		text=$(tr -s ' ' <<<"$text" | tr -d '\n')
		if [[ $text == *"{n}"* ]]; then
			# {n} stands for a count that grows with the table.
			local glob=${text//\{n\}/[0-9]*}
			# shellcheck disable=SC2053
			[[ $flat == *$glob* ]] || why+=("stdout lacks: $text")
		else
			[[ $flat == *"$text"* ]] || why+=("stdout lacks: $text")
		fi
	done < <(sed -n 's/^test\.output //p' "$scn")
	while IFS= read -r text; do
		! grep -qF -- "$text" "$dir/out" || why+=("stdout holds: $text")
	done < <(sed -n 's/^test\.output-lacks //p' "$scn")
	if grep -q '^test\.no-output' "$scn" && [ -s "$dir/out" ]; then
		why+=("stdout not empty: $(head -c 200 "$dir/out")")
	fi
	while IFS= read -r text; do
		grep -qF -- "$text" "$dir/err" || why+=("stderr lacks: $text (stderr: $(head -c 300 "$dir/err"))")
	done < <(sed -n 's/^test\.stderr //p' "$scn")

	# No sanitizer may have spoken.
	grep -qE 'Sanitizer|runtime error' "$dir/err" && why+=("sanitizer report: $(grep -m 3 -E 'ERROR|runtime error' "$dir/err")")

	# The report fits mail: no line over 78 columns (a --verbose transcript aside).
	local wide
	wide=$(awk '/^Transcript:$/ { exit } length > 78 { print NR ": " length " columns"; exit }' "$dir/out")
	[ -z "$wide" ] || why+=("report line $wide, over 78")
	local max
	wide=$(grep -n ' $' "$dir/out" | head -1)
	[ -z "$wide" ] || why+=("trailing white space: line $wide")
	max=$(sed -n 's/^test\.max-lines //p' "$scn")
	[ -z "$max" ] || [ "$(wc -l <"$dir/out")" -le "$max" ] ||
		why+=("report has $(wc -l <"$dir/out") lines, at most $max wanted")

	# What relaytest printed: never a raw control or non-ASCII byte.
	LC_ALL=C grep -qP '[^\x0a\x20-\x7e]' "$dir/out" "$dir/err" &&
		why+=("output holds raw control or non-ASCII bytes")

	# What relaytest sent: DATA only as a probe (the last command of its
	# connection, 3 at most), never a message line, always CRLF, and
	# exactly as expected.
	if ! grep -q '^test\.allow-data' "$scn"; then
		local probes
		probes=$(data_probes "$FAKE_LOG") || why+=("$probes")
		want=$(sed -n 's/^test\.data-probes //p' "$scn")
		[ -z "$want" ] || [ "$probes" = "$want" ] || why+=("$probes DATA probes, want $want")
		grep -q '^| ' "$FAKE_LOG" && why+=("message lines were sent")
	fi
	grep -q '^!bare-lf' "$FAKE_LOG" && why+=("a command did not end in CRLF")
	local expect_file=$dir/expected
	: >"$expect_file"
	sed -n 's/^test\.expect //p' "$scn" >>"$expect_file"
	grep -q '^test\.expect-structure' "$scn" && check_structure "$scn" "$dir" "$template"
	if [ -s "$expect_file" ]; then
		local got_lines want_lines n=0 pattern
		mapfile -t want_lines <"$expect_file"
		mapfile -t got_lines <"$FAKE_LOG"
		if [ ${#got_lines[@]} -ne ${#want_lines[@]} ]; then
			why+=("server got ${#got_lines[@]} lines, want ${#want_lines[@]}")
		fi
		for pattern in "${want_lines[@]}"; do
			if ! line_matches "${got_lines[$n]:-<none>}" "$pattern"; then
				why+=("server line $((n + 1)): '${got_lines[$n]:-<none>}', want '$pattern'")
				break
			fi
			n=$((n + 1))
		done
	fi
	max=$(sed -n 's/^test\.max-seconds //p' "$scn")
	if [ -n "$max" ] && awk -v s="$start" -v e="$end" -v m="$max" 'BEGIN { exit !(e - s > m) }'; then
		why+=("took $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }') s, limit $max s")
	fi
	if [ "$TWINS" != 0 ]; then
		[ "$TWINS" = engine ] || check_json_twin "$scn" "$dir" "$rc" "$template"
		grep -q '^test\.no-lockstep-twin' "$scn" || check_lockstep_twin "$scn" "$dir" "$rc" "$template"
		[[ $template != --connections\ 1\ * ]] || grep -q '^test\.no-concurrent-twin' "$scn" ||
			check_twin concurrent "" "$scn" "$dir" "$rc" "${template#--connections 1 }"
	fi
	if [ ${#why[@]} -eq 0 ]; then
		ok "scenario $name"
	else
		not_ok "scenario $name" "${why[@]}" "report: $dir/out"
		[ -n "${VERBOSE_FAIL:-}" ] && sed 's/^/#     /' "$dir/out" "$dir/err"
	fi
}

# check_structure SCN DIR TEMPLATE: the scenario again with -F json, and
# tests/structure.py on its report and the server's log. Appends to why.
check_structure() {
	local scn=$1 dir=$2 template=$3 args at_most out
	mkdir -p "$dir/structure"
	start_fake "$scn" "$dir/structure" 60 || { why+=("structure run: fake server did not start"); return; }
	eval "args=(${template//\{port\}/$FAKE_PORT})"
	local kept=() arg
	for arg in "${args[@]}"; do # --quiet would leave a closed server's report out
		[ "$arg" = --quiet ] || [ "$arg" = -q ] || kept+=("$arg")
	done
	timeout 120 "$RELAYTEST" --format json "${kept[@]}" >"$dir/structure/out" 2>"$dir/structure/err"
	stop_fake
	at_most=$(sed -n 's/^test\.expect-structure *//p' "$scn")
	if ! out=$(python3 tests/structure.py "$dir/structure/out" "$FAKE_LOG" \
		${at_most:+--connections-at-most "$at_most"} 2>&1); then
		while IFS= read -r line; do why+=("structure: $line"); done <<<"$out"
	fi
}

# The same scenario again with --no-pipelining: one command at a time must
# give the same exit status and the same result for every test as the
# default run (which pipelines when the server offers PIPELINING).
check_lockstep_twin() {
	check_twin lock-step --no-pipelining "$@"
}

# check_twin NAME OPTION SCN DIR RC TEMPLATE: the scenario again with OPTION
# (may be empty) must give the same exit status and the same result for
# every test as the first run. Appends to why.
check_twin() {
	local name=$1 option=$2 scn=$3 dir=$4 text_rc=$5 template=$6 rc args
	mkdir -p "$dir/$name"
	start_fake "$scn" "$dir/$name" 60 || { why+=("$name twin: fake server did not start"); return; }
	eval "args=($option ${template//\{port\}/$FAKE_PORT})"
	timeout 120 "$RELAYTEST" "${args[@]}" >"$dir/$name/out" 2>"$dir/$name/err"
	rc=$?
	stop_fake
	[ "$rc" = "$text_rc" ] || why+=("$name twin: exit $rc, first run exited $text_rc")
	cut -c1-64 "$dir/out" | grep -E '^[a-z]+-[a-z-]+ ' >"$dir/$name/rows.default"
	cut -c1-64 "$dir/$name/out" | grep -E '^[a-z]+-[a-z-]+ ' >"$dir/$name/rows"
	cmp -s "$dir/$name/rows.default" "$dir/$name/rows" ||
		why+=("$name twin differs: $(diff "$dir/$name/rows.default" "$dir/$name/rows" | grep '^[<>]' | head -2 | tr '\n' ' ')")
}

# The same scenario again with --format json: every line is valid JSON (jq),
# one object per target, and it says what the text report said: the same
# exit status and the same verdict for every test. Appends to why.
check_json_twin() {
	local scn=$1 dir=$2 text_rc=$3 template=$4 rc id verdict want args
	mkdir -p "$dir/json"
	start_fake "$scn" "$dir/json" 60 || { why+=("json twin: fake server did not start"); return; }
	eval "args=(${template//\{port\}/$FAKE_PORT})"
	timeout 120 "$RELAYTEST" --format json "${args[@]}" >"$dir/json/out" 2>"$dir/json/err"
	rc=$?
	stop_fake
	[ "$rc" = "$text_rc" ] || why+=("json twin: exit $rc, text run exited $text_rc")
	if ! jq -e . "$dir/json/out" >/dev/null 2>&1; then
		why+=("json twin: not valid JSON: $(head -c 200 "$dir/json/out")")
		return
	fi
	[ "$(wc -l <"$dir/json/out")" = "$(jq -s length "$dir/json/out")" ] ||
		why+=("json twin: not one object per line")
	jq -e '(.port | type) == "number" and (.tests | type) == "array" and has("warnings")
		and has("verdict") and (.exit_status | type) == "number"' "$dir/json/out" >/dev/null ||
		why+=("json twin: required fields missing or mistyped")
	while read -r id verdict; do
		want=$(result_of "$id" "$dir/out")
		[ -n "$want" ] || continue # --quiet printed no text report
		case $want in
		ACCEPTED* | accepted*) want=accepted ;;
		denied*) want=denied ;;
		temp-fail*) want=temporary_failure ;;
		ERROR*) want=error ;;
		NOT\ TESTED*) want=not_tested ;;
		skipped*) want=skipped ;;
		esac
		[ "$verdict" = "$want" ] || why+=("json twin: $id is $verdict, text report says $want")
	done < <(jq -r '.tests[] | "\(.id) \(.verdict)"' "$dir/json/out")
}

section_scenarios() {
	local scn list=()
	for scn in tests/scenarios/*.scn; do
		[ -z "$ONLY" ] || [[ $scn == *"$ONLY"* ]] || continue
		list+=("$scn")
	done
	run_scenarios "${list[@]}"
}

# run_scenarios FILE...: up to SCENARIO_JOBS scenarios at once, each in a
# subshell with its own fake servers on their own ports (most of a
# scenario's time is waiting on the network, not the CPU); their lines are
# then printed and counted here in file order, as if run one by one.
run_scenarios() {
	local out=$WORK/scenario-results.$BASHPID.$RANDOM n=0 running=0 i line
	mkdir -p "$out"
	for i in "$@"; do
		n=$((n + 1))
		(
			passed=0 failed=0
			run_scenario "$i"
		) >"$out/$n" 2>&1 &
		running=$((running + 1))
		if [ "$running" -ge "$SCENARIO_JOBS" ]; then
			wait -n
			running=$((running - 1))
		fi
	done
	wait
	for i in $(seq 1 "$n"); do
		[ -s "$out/$i" ] || { not_ok "scenario $(basename "${!i}" .scn): printed nothing"; continue; }
		while IFS= read -r line; do
			case $line in
			"ok - "*) passed=$((passed + 1)) ;;
			"FAIL - "*) failed=$((failed + 1)) ;;
			esac
			printf '%s\n' "$line"
		done <"$out/$i"
	done
}

# make scenario NAME=x: exactly one scenario, tests/scenarios/x.scn or
# tests/tls/x.scn, with all its twins.
section_scenario() {
	if [ -n "$SCENARIO" ] && [ -f "tests/scenarios/$SCENARIO.scn" ]; then
		run_scenario "tests/scenarios/$SCENARIO.scn"
	elif [ -n "$SCENARIO" ] && [ -f "tests/tls/$SCENARIO.scn" ]; then
		run_scenario "tests/tls/$SCENARIO.scn"
	else
		not_ok "scenario '$SCENARIO': no tests/scenarios/$SCENARIO.scn or tests/tls/$SCENARIO.scn" \
			"usage: make scenario NAME=x (SECTIONS=scenario SCENARIO=x for tests/run.sh)"
	fi
}

# ---------------------------------------------------------------- tls
# TLS (issue 11): tests/tls.sh.
section_tls() {
	# shellcheck source=tests/tls.sh
	. tests/tls.sh
	tls_linkage
	tls_scenarios
	tls_no_libssl
	tls_valgrind
}

# ---------------------------------------------------------------- multi
# Several targets: reports in the order given, exit status the worst.
section_multi() {
	local dir=$WORK/multi closed open grey rc why
	mkdir -p "$dir/c" "$dir/o" "$dir/g"
	local closed_pid="" open_pid="" grey_pid=""
	start_fake tests/scenarios/quiet-closed.scn "$dir/c" 60 && closed=$FAKE_PORT && closed_pid=$FAKE_PID
	start_fake tests/scenarios/open-relay.scn "$dir/o" 60 && open=$FAKE_PORT && open_pid=$FAKE_PID
	start_fake tests/scenarios/greylisting.scn "$dir/g" 60 && grey=$FAKE_PORT && grey_pid=$FAKE_PID
	if [ -z "$closed_pid" ] || [ -z "$open_pid" ] || [ -z "$grey_pid" ]; then
		not_ok "multi: several targets: fake server did not start" \
			"closed: ${closed:-none}, open: ${open:-none}, greylisting: ${grey:-none}"
		# shellcheck disable=SC2086
		kill $closed_pid $open_pid $grey_pid 2>/dev/null
		return
	fi

	multi_case() { # NAME WANT-EXIT ARGS...
		local name=$1 want=$2
		shift 2
		"$RELAYTEST" --timeout 3 "$@" >"$dir/out" 2>"$dir/err"
		rc=$?
		if [ "$rc" = "$want" ]; then ok "multi: $name (exit $rc)"; else not_ok "multi: $name" "exit $rc, want $want"; fi
	}
	multi_case "closed only" 0 "127.0.0.1:$closed"
	multi_case "closed, greylisting" 2 "127.0.0.1:$closed" "127.0.0.1:$grey"
	multi_case "closed, unreachable, greylisting" 3 "127.0.0.1:$closed" 127.0.0.1:1 "127.0.0.1:$grey"
	multi_case "closed, open, unreachable, greylisting" 1 "127.0.0.1:$closed" "127.0.0.1:$open" 127.0.0.1:1 "127.0.0.1:$grey"
	why=$(grep '^relaytest .* report for ' "$dir/out" | sed 's/.* report for //' | tr '\n' ' ')
	[ "$why" = "127.0.0.1:$closed 127.0.0.1:$open 127.0.0.1:1 127.0.0.1:$grey " ] &&
		ok "multi: reports come in the order given" || not_ok "multi: report order" "got: $why"
	local all="127.0.0.1:$closed 127.0.0.1:$open 127.0.0.1:1 127.0.0.1:$grey"
	# --jobs 1 (one after another) and --jobs 4 (worker processes) agree.
	# shellcheck disable=SC2086
	"$RELAYTEST" --timeout 3 --jobs 1 $all 2>/dev/null | grep -E '^[a-z]+-[a-z-]+ |^Result|report for' >"$dir/serial"
	# shellcheck disable=SC2086
	"$RELAYTEST" --timeout 3 --jobs 4 $all 2>/dev/null | grep -E '^[a-z]+-[a-z-]+ |^Result|report for' >"$dir/parallel"
	sed -i 's/ ([0-9.]* s)$//' "$dir/serial" "$dir/parallel"
	cmp -s "$dir/serial" "$dir/parallel" && [ -s "$dir/serial" ] &&
		ok "multi: --jobs 4 reports exactly what --jobs 1 reports, in the same order" ||
		not_ok "multi: --jobs 1 and --jobs 4 differ" "$(diff "$dir/serial" "$dir/parallel" | head -5)"
	# Targets from a file (comments, blank lines) and from standard input.
	printf '# mail servers\n127.0.0.1:%s   # closed\n\n127.0.0.1:%s\n' "$closed" "$open" >"$dir/list"
	multi_case "--input FILE (comments, blank lines)" 1 --input "$dir/list"
	why=$(grep '^relaytest .* report for ' "$dir/out" | sed 's/.* report for //' | tr '\n' ' ')
	[ "$why" = "127.0.0.1:$closed 127.0.0.1:$open " ] && ok "multi: --input targets in file order" ||
		not_ok "multi: --input order" "got: $why"
	"$RELAYTEST" --timeout 3 --input - <"$dir/list" >"$dir/out" 2>&1
	rc=$?
	[ "$rc" = 1 ] && [ "$(grep -c 'report for' "$dir/out")" = 2 ] && ok "multi: --input - reads standard input" ||
		not_ok "multi: --input -" "exit $rc"
	# One host on several ports: each port is a target of its own.
	multi_case "--port $closed,$open on one host" 1 --port "$closed,$open" 127.0.0.1
	why=$(grep '^relaytest .* report for ' "$dir/out" | sed 's/.* report for //' | tr '\n' ' ')
	[ "$why" = "127.0.0.1:$closed 127.0.0.1:$open " ] && ok "multi: --port list tests the host on each port" ||
		not_ok "multi: --port list" "got: $why"
	multi_progress "$closed"
	# On a terminal the first Result line is coloured whole, escape sequences
	# around the line, never inside a word or across a line break.
	script -qec "$RELAYTEST --timeout 3 127.0.0.1:$open" /dev/null >"$dir/tty-open" 2>&1
	grep -q $'^\e\[1;31mResult: OPEN RELAY\e\[0m\r*$' "$dir/tty-open" &&
		ok "multi: the first Result line is coloured whole on a terminal" ||
		not_ok "multi: coloured Result line" "$(sed -n 2p "$dir/tty-open" | cat -v)"
	multi_case "--quiet, closed and open" 1 --quiet "127.0.0.1:$closed" "127.0.0.1:$open"
	why=$(grep -c '^relaytest .* report for ' "$dir/out")
	grep -q "report for 127.0.0.1:$open" "$dir/out" && [ "$why" = 1 ] &&
		ok "multi: --quiet prints only the targets with a problem" || not_ok "multi: --quiet" "$why reports"
	multi_summary "$closed" "$open" "$grey"
	multi_transcript "$closed"
	kill "$closed_pid" "$open_pid" "$grey_pid" 2>/dev/null
	wait "$closed_pid" "$open_pid" "$grey_pid" 2>/dev/null
}

# The progress line: on a terminal's stderr only (script(1) makes one), not
# under -q, what one target waits for, how far a run of several is, cleared
# before any report and at the end. A server with a slow greeting keeps the
# run long enough to draw it (PROGRESS_DELAY_MS).
multi_progress() {
	local closed=$1 dir=$WORK/multi/progress slow slow_pid why=() t out
	mkdir -p "$dir"
	cat >"$dir/slow.scn" <<'SCN'
concurrent 4
greeting !delay 2600 220 mx.relaytest.test ESMTP slow
on EHLO * => 250-mx.relaytest.test\n250-PIPELINING\n250 8BITMIME
on MAIL FROM:* => 250 2.1.0 Ok
on RCPT TO:<postmaster@relaytest.test> => 250 2.1.5 Ok
on RCPT TO:* => 554 5.7.1 <probe@example.net>: Relay access denied
SCN
	if ! start_fake "$dir/slow.scn" "$dir" 90; then
		not_ok "multi: progress line: slow fake server did not start"
		return
	fi
	slow=$FAKE_PORT slow_pid=$FAKE_PID
	t="--timeout 5 --tests ext-to-ext"
	# stdout to a file inside the terminal: what script records is stderr.
	script -qec "$RELAYTEST $t 127.0.0.1:$slow >$dir/one.out" /dev/null >"$dir/one.tty" 2>&1
	grep -qE "relaytest: 127.0.0.1:$slow: waiting for the greeting, [12] s" "$dir/one.tty" ||
		why+=("one target: no 'waiting for the greeting, N s': $(head -c 300 "$dir/one.tty" | cat -v)")
	# Cleared at the end: nothing after the last carriage return but blanks.
	out=$(tr -d '\n' <"$dir/one.tty" | awk -F '\r' '{ print $NF }')
	[ -z "${out// /}" ] || why+=("the line is left on the screen: '$out'")
	grep -q '^Result: ' "$dir/one.out" || why+=("one target: no report: $(head -c 300 "$dir/one.out")")
	# Not a terminal, or -q: nothing on stderr.
	"$RELAYTEST" $t "127.0.0.1:$slow" >/dev/null 2>"$dir/pipe.err"
	[ -s "$dir/pipe.err" ] && why+=("stderr not a terminal: $(head -c 200 "$dir/pipe.err" | cat -v)")
	script -qec "$RELAYTEST -q $t 127.0.0.1:$slow 127.0.0.1:$closed >/dev/null" /dev/null >"$dir/quiet.tty" 2>&1
	[ -s "$dir/quiet.tty" ] && why+=("-q on a terminal: $(head -c 200 "$dir/quiet.tty" | cat -v)")
	# Several targets at once (workers): how many are done, by result.
	script -qec "$RELAYTEST $t --jobs 2 127.0.0.1:$closed 127.0.0.1:$slow" /dev/null >"$dir/many.tty" 2>&1
	grep -qE 'relaytest: 1/2 done(, ETA [0-9]+ s)?' "$dir/many.tty" ||
		why+=("--jobs 2: no '1/2 done': $(head -c 300 "$dir/many.tty" | cat -v)")
	# One after another in this process: the count and what the current one waits for.
	script -qec "$RELAYTEST $t --jobs 1 127.0.0.1:$closed 127.0.0.1:$slow" /dev/null >"$dir/serial.tty" 2>&1
	grep -qE "relaytest: 1/2 done.*; (127.0.0.1:$slow: )?waiting for the greeting" "$dir/serial.tty" ||
		why+=("--jobs 1: no count with the wait: $(head -c 300 "$dir/serial.tty" | cat -v)")
	# The reports are never mixed with it: each header starts a line of its own,
	# and no drawn line is wider than 78 columns.
	for out in "$dir/many.tty" "$dir/serial.tty"; do
		[ "$(tr '\r' '\n' <"$out" | grep -c '^relaytest [0-9.]* report for ')" = 2 ] ||
			why+=("$(basename "$out"): a report header mixed with the progress line")
		[ "$(tr '\r' '\n' <"$out" | awk 'length > 78 { n++ } END { print n + 0 }')" = 0 ] ||
			why+=("$(basename "$out"): a line over 78 columns")
	done
	kill "$slow_pid" 2>/dev/null
	wait "$slow_pid" 2>/dev/null
	if [ ${#why[@]} -eq 0 ]; then
		ok "multi: progress on a terminal's stderr (one target's wait, several targets' count), nothing piped or under -q"
	else
		not_ok "multi: progress line" "${why[@]}"
	fi
}

# -v: the transcript of a run on several connections, one connection after
# another (each label's lines together), in the reader's words.
multi_transcript() {
	local closed=$1 dir=$WORK/multi/transcript why=() labels
	mkdir -p "$dir"
	"$RELAYTEST" --timeout 3 -v "127.0.0.1:$closed" >"$dir/out" 2>&1
	labels=$(sed -n '/^Transcript:$/,$p' "$dir/out" | awk '$2 ~ /^c[0-9]+$/ { print $2 }' | uniq)
	[ "$(echo "$labels" | wc -l)" -ge 3 ] || why+=("fewer than 3 connections: $labels")
	[ "$(echo "$labels" | sort | uniq -d)" = "" ] ||
		why+=("connections interleaved: $(echo "$labels" | tr '\n' ' ')")
	grep -qiE 'lanes?\b|rerun round' "$dir/out" && why+=("jargon: $(grep -iE 'lanes?\b|rerun round' "$dir/out" | head -2)")
	if [ ${#why[@]} -eq 0 ]; then
		ok "multi: -v groups the transcript by connection, without the engine's jargon"
	else
		not_ok "multi: -v transcript by connection" "${why[@]}"
	fi
}

# The run summary: one line at the end of a text report over several
# targets (under -q too when anything was printed), none for one target nor
# in the other formats; a "could not test" reason said once where the reader
# looks. Ports of running fake servers: closed, open, greylisting.
multi_summary() {
	local closed=$1 open=$2 grey=$3 dir=$WORK/multi/summary why=() want got rc
	mkdir -p "$dir"
	summary_of() { # the report's last paragraph, wrapped lines joined
		awk 'BEGIN { RS = "" } { last = $0 } END { gsub(/\n */, " ", last); print last }' "$1"
	}
	"$RELAYTEST" --timeout 3 "127.0.0.1:$closed" "127.0.0.1:$open" 127.0.0.1:1 "127.0.0.1:$grey" \
		>"$dir/out" 2>"$dir/err"
	want="relaytest: 4 servers: 1 open relay (127.0.0.1:$open), 1 not tested (127.0.0.1:1), 1 inconclusive (127.0.0.1:$grey), 1 closed"
	got=$(summary_of "$dir/out")
	[ "$got" = "$want" ] || why+=("several targets: '$got'")
	awk 'length > 78 { n++ } END { exit n > 0 }' "$dir/out" || why+=("a line over 78 columns")
	"$RELAYTEST" --timeout 3 --quiet "127.0.0.1:$closed" "127.0.0.1:$open" >"$dir/q" 2>&1
	got=$(summary_of "$dir/q")
	[ "$got" = "relaytest: 2 servers: 1 open relay (127.0.0.1:$open), 1 closed" ] || why+=("-q: '$got'")
	"$RELAYTEST" --timeout 3 --quiet -4 "127.0.0.1:$closed" "localhost:$closed" >"$dir/qc" 2>&1
	rc=$?
	[ "$rc" = 0 ] || why+=("-q, every server closed: exit $rc")
	[ -s "$dir/qc" ] && why+=("-q, every server closed: printed $(head -c 200 "$dir/qc")")
	"$RELAYTEST" --timeout 3 "127.0.0.1:$open" >"$dir/one" 2>&1
	grep -q 'servers:' "$dir/one" && why+=("a summary for one target")
	"$RELAYTEST" --timeout 3 -F json "127.0.0.1:$open" "127.0.0.1:$closed" >"$dir/json" 2>&1
	grep -q 'servers:' "$dir/json" && why+=("a summary line in -F json")
	if [ ${#why[@]} -eq 0 ]; then
		ok "multi: a run summary ends a text report over several targets, under -q too"
	else
		not_ok "multi: run summary" "${why[@]}"
	fi
	why=()
	# Report and stderr in one place (a terminal, cron, 2>&1): said once.
	"$RELAYTEST" --timeout 3 127.0.0.1:1 >"$dir/both" 2>&1
	got=$(tr '\n' ' ' <"$dir/both" | grep -o 'Connection refused' | wc -l)
	[ "$got" = 1 ] || why+=("stdout and stderr together: the reason $got times: $(cat "$dir/both")")
	# Apart (the report to a file or a pipe): once in the report, once on stderr.
	"$RELAYTEST" --timeout 3 127.0.0.1:1 >"$dir/apart" 2>"$dir/apart.err"
	got=$(tr '\n' ' ' <"$dir/apart" | grep -o 'Connection refused' | wc -l)
	[ "$got" = 1 ] || why+=("report apart: the reason $got times in the report")
	grep -q '^relaytest: 127.0.0.1:1: cannot connect' "$dir/apart.err" ||
		why+=("report apart: stderr does not say why: $(cat "$dir/apart.err")")
	if [ ${#why[@]} -eq 0 ]; then
		ok "multi: a 'could not test' reason is said once in the report, on stderr only when apart"
	else
		not_ok "multi: could-not-test reason once" "${why[@]}"
	fi
}

# ---------------------------------------------------------------- formats
# Monitoring-plugin output and its exit codes; colour only on a terminal.
section_formats() {
	local dir=$WORK/formats name scn want line rc
	local perf='\| tests=[0-9]+;;;0 accepted=[0-9]+;;;0 denied=[0-9]+;;;0 undecided=[0-9]+;;;0 servers=1;;;0 open_relay=[01];;;0 could_not_test=0;;;0 inconclusive=[01];;;0 not_reached=0;;;0 time=[0-9.]+s;;;0$'
	mkdir -p "$dir"
	for name in "quiet-closed 0 OK" "open-relay 2 CRITICAL" "greylisting 1 WARNING"; do
		read -r scn want state <<<"$name"
		start_fake "tests/scenarios/$scn.scn" "$dir" 60 ||
			{ not_ok "formats: nagios for $scn: fake server did not start"; continue; }
		"$RELAYTEST" --format nagios "127.0.0.1:$FAKE_PORT" >"$dir/out" 2>"$dir/err"
		rc=$?
		stop_fake
		line=$(head -n 1 "$dir/out")
		if [ "$rc" = "$want" ] && [[ $line =~ ^RELAYTEST\ $state\ -\ 127\.0\.0\.1:[0-9]+:\ .*\ $perf ]] &&
			[ "$(wc -l <"$dir/out")" -ge 2 ]; then
			ok "formats: nagios $state for $scn (exit $rc), perfdata after |"
		else
			not_ok "formats: nagios for $scn" "exit $rc, want $want" "line: $line"
		fi
	done
	"$RELAYTEST" --format nagios --timeout 2 127.0.0.1:1 >"$dir/out" 2>&1
	rc=$?
	[ "$rc" = 2 ] && grep -q '^RELAYTEST CRITICAL - 127.0.0.1:1: could not test' "$dir/out" &&
		ok "formats: nagios CRITICAL for an unreachable server" ||
		not_ok "formats: nagios unreachable" "exit $rc: $(head -n 1 "$dir/out")"
	"$RELAYTEST" --format nagios --port 0 127.0.0.1 >"$dir/out" 2>&1
	rc=$?
	[ "$rc" = 3 ] && grep -q '^RELAYTEST UNKNOWN - --port' "$dir/out" &&
		ok "formats: nagios UNKNOWN (exit 3) for a usage error" ||
		not_ok "formats: nagios usage error" "exit $rc: $(cat "$dir/out")"

	formats_nagios_run_time "$dir"
	formats_nagios_reason "$dir"
	formats_prometheus "$dir"
	formats_quiet_json "$dir"
	formats_json_schema "$dir"
	formats_issue19 "$dir"

	# Colour: on a terminal (script(1) gives one) unless NO_COLOR; never in a pipe.
	if ! start_fake tests/scenarios/percent-hack-only.scn "$dir" 60; then
		not_ok "formats: colour on a terminal, NO_COLOR and in a pipe: fake server did not start"
		return
	fi
	local port=$FAKE_PORT
	script -qec "$RELAYTEST --tests ext-to-ext,percent-hack-domain 127.0.0.1:$port" /dev/null >"$dir/tty" 2>&1
	NO_COLOR=1 script -qec "$RELAYTEST --tests ext-to-ext 127.0.0.1:$port" /dev/null >"$dir/tty-nc" 2>&1
	"$RELAYTEST" --tests ext-to-ext,percent-hack-domain "127.0.0.1:$port" >"$dir/pipe" 2>&1
	stop_fake
	grep -q $'\033\[1;31mACCEPTED' "$dir/tty" && grep -q $'\033\[32mdenied' "$dir/tty" &&
		ok "formats: colour on a terminal (ACCEPTED red, denied green)" ||
		not_ok "formats: no colour on a terminal" "$(head -c 300 "$dir/tty" | cat -v)"
	! grep -q $'\033' "$dir/tty-nc" && grep -q 'denied' "$dir/tty-nc" &&
		ok "formats: NO_COLOR turns colour off" || not_ok "formats: NO_COLOR ignored"
	! grep -q $'\033' "$dir/pipe" && grep -q 'ACCEPTED' "$dir/pipe" &&
		ok "formats: no colour in a pipe" || not_ok "formats: colour in a pipe"
}

# --format prometheus against an open, a closed, an untestable and a TLS
# server (AUTH accepted after STARTTLS) in one run: promtool (from Debian's
# prometheus package) accepts it, and the values say what the JSON twins say.
formats_prometheus() {
	local dir=$1/prom open_port closed_port tls_port open_pid tls_pid rc promtool want got t
	mkdir -p "$dir/o" "$dir/c" "$dir/t"
	promtool=${PROMTOOL:-$(command -v promtool || echo /opt/prometheus/usr/bin/promtool)}
	if ! start_fake tests/scenarios/open-relay.scn "$dir/o" 60; then
		not_ok "formats: prometheus (promtool, values): fake server did not start"
		return
	fi
	open_port=$FAKE_PORT open_pid=$FAKE_PID
	if ! start_fake tests/tls/starttls-auth-after-tls.scn "$dir/t" 60; then
		not_ok "formats: prometheus (promtool, values): fake TLS server did not start"
		kill "$open_pid" 2>/dev/null && wait "$open_pid" 2>/dev/null
		return
	fi
	tls_port=$FAKE_PORT tls_pid=$FAKE_PID
	if ! start_fake tests/scenarios/quiet-closed.scn "$dir/c" 60; then
		not_ok "formats: prometheus (promtool, values): fake server did not start"
		kill "$open_pid" "$tls_pid" 2>/dev/null && wait "$open_pid" "$tls_pid" 2>/dev/null
		return
	fi
	closed_port=$FAKE_PORT
	"$RELAYTEST" -F prometheus "127.0.0.1:$open_port" "127.0.0.1:$closed_port" 127.0.0.1:1 \
		"127.0.0.1:$tls_port" --timeout 2 >"$dir/out" 2>"$dir/err"
	rc=$?
	"$RELAYTEST" -F json "127.0.0.1:$open_port" >"$dir/json" 2>/dev/null
	"$RELAYTEST" -F json "127.0.0.1:$tls_port" >"$dir/tls.json" 2>/dev/null
	stop_fake
	kill "$open_pid" "$tls_pid" 2>/dev/null && wait "$open_pid" "$tls_pid" 2>/dev/null
	if [ ! -x "$promtool" ]; then
		not_ok "formats: prometheus: promtool not found (.ci/run unpacks Debian's prometheus into /opt/prometheus)"
	elif out=$("$promtool" check metrics <"$dir/out" 2>&1); then
		ok "formats: prometheus output passes promtool check metrics"
	else
		not_ok "formats: promtool check metrics" "$out"
	fi
	local why=()
	[ "$rc" = 1 ] || why+=("exit $rc, want 1 (an open relay among the targets)")
	grep -qx "relaytest_open_relay{target=\"127.0.0.1\",port=\"$open_port\"} 1" "$dir/out" || why+=("open target not 1")
	grep -qx "relaytest_open_relay{target=\"127.0.0.1\",port=\"$closed_port\"} 0" "$dir/out" || why+=("closed target not 0")
	grep -q 'relaytest_open_relay{target="127.0.0.1",port="1"}' "$dir/out" && why+=("untestable target has an open_relay sample")
	grep -qx 'relaytest_status{target="127.0.0.1",port="1"} 3' "$dir/out" || why+=("untestable target's status not 3")
	for want in accepted denied; do
		got=$(sed -n "s/^relaytest_tests{target=\"127.0.0.1\",port=\"$open_port\",verdict=\"$want\"} //p" "$dir/out")
		[ "$got" = "$(jq ".counts.$want" "$dir/json")" ] || why+=("$want: $got, JSON says $(jq ".counts.$want" "$dir/json")")
	done
	grep -qE '^relaytest_last_run_timestamp_seconds [0-9]{10}$' "$dir/out" || why+=("no last-run timestamp")
	if [ ${#why[@]} -eq 0 ]; then
		ok "formats: prometheus values match the JSON report (open 1, closed 0, untestable status 3)"
	else
		not_ok "formats: prometheus values" "${why[@]}"
	fi
	# The state set, up, the accepted tests and the certificate's expiry.
	why=()
	for t in "$open_port open 1" "$closed_port closed 1" "1 untested 0" "$tls_port open 1"; do
		read -r t want up <<<"$t"
		got=$(sed -n "s/^relaytest_result{target=\"127.0.0.1\",port=\"$t\",result=\"\([a-z]*\)\"} \([01]\)$/\1=\2/p" "$dir/out" | sort | tr '\n' ' ')
		[ "$got" = "$(printf '%s\n' closed=0 inconclusive=0 open=0 untested=0 | sed "s/^$want=0/$want=1/" | sort | tr '\n' ' ')" ] ||
			why+=("port $t: result state set '$got', want $want=1 and the others 0")
		grep -qx "relaytest_up{target=\"127.0.0.1\",port=\"$t\"} $up" "$dir/out" || why+=("port $t: relaytest_up not $up")
	done
	for t in "$open_port json" "$tls_port tls.json"; do
		read -r t want <<<"$t"
		got=$(sed -n "s/^relaytest_test_accepted{target=\"127.0.0.1\",port=\"$t\",test=\"\(.*\)\"} 1$/\1/p" "$dir/out" | sort | tr '\n' ' ')
		want=$(jq -r '.tests[] | select(.verdict == "accepted" and .group != "control") | .id' "$dir/$want" | sort | tr '\n' ' ')
		[ -n "$got" ] && [ "$got" = "$want" ] || why+=("port $t: accepted tests '$got', JSON says '$want'")
	done
	got=$(sed -n "s/^relaytest_tls_cert_expiry_timestamp_seconds{target=\"127.0.0.1\",port=\"$tls_port\"} //p" "$dir/out")
	[ -n "$got" ] && [ "$got" = "$(jq .tls.not_after_epoch "$dir/tls.json")" ] || why+=("cert expiry '$got', JSON says $(jq .tls.not_after_epoch "$dir/tls.json")")
	[ "$(grep -c '^relaytest_tls_cert_expiry_timestamp_seconds{' "$dir/out")" = 1 ] || why+=("a cert expiry sample for a target without TLS")
	if [ ${#why[@]} -eq 0 ]; then
		ok "formats: prometheus relaytest_result state set, relaytest_up, relaytest_test_accepted and the TLS certificate's expiry agree with JSON"
	else
		not_ok "formats: prometheus state set, up, accepted tests, cert expiry" "${why[@]}"
	fi
}

# --run-time: one deadline for the whole nagios run. A slow first target
# (greeting after 1.2 s) uses most of 2 s; the two after it are not started,
# and the plugin says so as UNKNOWN (exit 3) within the limit.
formats_nagios_run_time() {
	local dir=$1/runtime slow fast slow_pid rc start end line
	mkdir -p "$dir/s" "$dir/f"
	if ! start_fake tests/scenarios/greeting-delayed.scn "$dir/s" 60; then
		not_ok "formats: nagios --run-time, perfdata labels, long output: fake server did not start"
		return
	fi
	slow=$FAKE_PORT slow_pid=$FAKE_PID
	if ! start_fake tests/scenarios/quiet-closed.scn "$dir/f" 60; then
		not_ok "formats: nagios --run-time, perfdata labels, long output: fake server did not start"
		kill "$slow_pid" 2>/dev/null && wait "$slow_pid" 2>/dev/null
		return
	fi
	fast=$FAKE_PORT
	start=$(date +%s%N)
	# -4: localhost is one server (127.0.0.1) even where /etc/hosts maps ::1 too.
	"$RELAYTEST" -4 -F nagios -j 1 --run-time 2 --tests ext-to-ext "127.0.0.1:$slow" \
		"127.0.0.1:$fast" "localhost:$fast" >"$dir/out" 2>&1
	rc=$?
	end=$(date +%s%N)
	stop_fake
	kill "$slow_pid" 2>/dev/null && wait "$slow_pid" 2>/dev/null
	line=$(head -n 1 "$dir/out")
	# The first target ran a --tests subset: inconclusive, as a subset proves no
	# all-clear; the other two were never reached.
	if [ "$rc" = 3 ] && [[ $line == "RELAYTEST UNKNOWN - 3 of 3 servers need attention: 1 inconclusive (127.0.0.1:$slow); 2 not reached: the whole run's time limit ran out (--run-time) | "* ]] &&
		[[ $line == *" not_reached=2;;;0 "* ]] && [ $(((end - start) / 1000000)) -lt 2500 ]; then
		ok "formats: nagios --run-time: targets not reached in time are UNKNOWN (exit 3), within the limit"
	else
		not_ok "formats: nagios --run-time" "exit $rc, $(((end - start) / 1000000)) ms" "$line"
	fi
	# Perfdata labels are unique in their first 19 characters (monitoring-plugins guidelines).
	line=$(sed -n '1s/.* | //p' "$dir/out" | tr ' ' '\n' | cut -d= -f1 | cut -c1-19)
	[ -n "$line" ] && [ "$(sort <<<"$line" | uniq -d)" = "" ] &&
		ok "formats: nagios perfdata labels unique in 19 characters" ||
		not_ok "formats: nagios perfdata labels" "$line"
	[ "$(wc -l <"$dir/out")" -le 22 ] && ok "formats: nagios long output is short" ||
		not_ok "formats: nagios long output" "$(wc -l <"$dir/out") lines"
}

# Real -F json output from several servers (open with -v, closed,
# greylisting beside an unreachable one, a refused greeting, AUTH only after
# STARTTLS, --send, one seen as another address) against
# doc/relaytest-json.schema.json
# (tests/json-schema.py: strict, every key filled somewhere, README agrees);
# a refused greeting still gives the address connected to and ours; started
# is now, in RFC 3339 UTC.
formats_json_schema() {
	local dir=$1/schema scn args out before after started why=()
	mkdir -p "$dir"
	before=$(date -u +%s)
	for scn in "scenarios/open-relay -v" scenarios/quiet-closed "scenarios/greylisting 127.0.0.1:1" \
		scenarios/greeting-refused tls/starttls-auth-after-tls \
		"scenarios/send-confirm --send --to admin@example.net --tests ext-to-ext,null-sender" \
		scenarios/seen-as-other scenarios/proxy-relays; do
		read -r scn args <<<"$scn"
		start_fake "tests/$scn.scn" "$dir" 60 ||
			{ not_ok "formats: JSON schema: fake server for $scn did not start"; return; }
		# shellcheck disable=SC2086
		"$RELAYTEST" -F json --timeout 5 "127.0.0.1:$FAKE_PORT" $args >"$dir/${scn#*/}.jsonl" 2>/dev/null
		stop_fake
	done
	after=$(date -u +%s)
	if out=$(python3 tests/json-schema.py doc/relaytest-json.schema.json README.md "$dir"/*.jsonl 2>&1); then
		ok "formats: -F json from 7 servers passes doc/relaytest-json.schema.json ($out)"
	else
		not_ok "formats: -F json against its schema" "$(head -n 8 <<<"$out")"
	fi
	out=$(jq -c '[.tested, .address, .source_address]' "$dir/greeting-refused.jsonl")
	[ "$out" = '[false,"127.0.0.1","127.0.0.1"]' ] || why+=("refused greeting: [tested, address, source_address] = $out")
	out=$(jq -c '[.address, .source_address]' <(sed -n 2p "$dir/greylisting.jsonl"))
	[ "$out" = '[null,null]' ] || why+=("unreachable: [address, source_address] = $out")
	started=$(jq -r .started "$dir/quiet-closed.jsonl")
	started=$(date -u -d "$started" +%s 2>/dev/null || echo 0)
	[ "$started" -ge "$before" ] && [ "$started" -le "$after" ] || why+=("started $(jq -r .started "$dir/quiet-closed.jsonl") is not now")
	[ "$(jq -r .version "$dir/quiet-closed.jsonl")" = "$("$RELAYTEST" --version | cut -d' ' -f2)" ] || why+=("version differs from --version")
	if [ ${#why[@]} -eq 0 ]; then
		ok "formats: JSON address and source_address whenever a connection was made, started now, version"
	else
		not_ok "formats: JSON address, started, version" "${why[@]}"
	fi
}

# Issue 19 in the machine formats: a server that names this client by
# another address gives Nagios a "finding" line and Prometheus its gauges,
# with the state left as the relay tests make it (OK).
formats_issue19() {
	local dir=$1/issue19 why=() rc
	mkdir -p "$dir"
	start_fake tests/scenarios/seen-as-other.scn "$dir" 60 ||
		{ not_ok "formats: issue 19: fake server did not start"; return; }
	"$RELAYTEST" -F nagios "127.0.0.1:$FAKE_PORT" >"$dir/nagios" 2>&1
	rc=$?
	"$RELAYTEST" -F prometheus "127.0.0.1:$FAKE_PORT" >"$dir/prom" 2>&1
	stop_fake
	[ "$rc" = 0 ] && head -n 1 "$dir/nagios" | grep -q '^RELAYTEST OK - ' ||
		why+=("nagios: exit $rc, $(head -c 100 "$dir/nagios")")
	grep -q '^  finding seen-as-other-address: the server sees this client as 172.17.0.1, not 127.0.0.1' "$dir/nagios" ||
		why+=("nagios: no finding line")
	grep -q '^relaytest_seen_as_other_address{target="127.0.0.1",port="[0-9]*"} 1$' "$dir/prom" &&
		grep -q '^relaytest_finding{target="127.0.0.1",port="[0-9]*",id="seen-as-other-address"} 1$' "$dir/prom" &&
		grep -q '^relaytest_finding{target="127.0.0.1",port="[0-9]*",id="auth-plaintext"} 0$' "$dir/prom" ||
		why+=("prometheus: no seen-as/finding gauges")
	if [ ${#why[@]} -eq 0 ]; then
		ok "formats: nagios finding lines, prometheus seen-as and finding gauges"
	else
		not_ok "formats: issue 19 in nagios and prometheus" "${why[@]}"
	fi
}

# -F nagios says why: one target's status line carries its result and
# reason (JSON's verdict_reason), its warnings (the loopback one) are in the
# long output, and the counts use the perfdata's words. Several targets: one
# line per server that needs attention, before any detail. The states of
# inconclusive and could-not-test follow --inconclusive-state and
# --untested-state.
formats_nagios_reason() {
	local dir=$1/reason grey open closed grey_pid open_pid out rc line label words n why=()
	mkdir -p "$dir/g" "$dir/o" "$dir/c"
	start_fake tests/scenarios/greylisting.scn "$dir/g" 60 ||
		{ not_ok "formats: nagios reason: fake server did not start"; return; }
	grey=$FAKE_PORT grey_pid=$FAKE_PID
	if ! start_fake tests/scenarios/percent-hack-only.scn "$dir/o" 60; then
		not_ok "formats: nagios reason: fake server did not start"
		kill "$grey_pid" 2>/dev/null && wait "$grey_pid" 2>/dev/null
		return
	fi
	open=$FAKE_PORT open_pid=$FAKE_PID
	if ! start_fake tests/scenarios/quiet-closed.scn "$dir/c" 60; then
		not_ok "formats: nagios reason: fake server did not start"
		kill "$grey_pid" "$open_pid" 2>/dev/null && wait "$grey_pid" "$open_pid" 2>/dev/null
		return
	fi
	closed=$FAKE_PORT
	"$RELAYTEST" -F json "127.0.0.1:$grey" >"$dir/grey.json" 2>/dev/null
	"$RELAYTEST" -F nagios "127.0.0.1:$grey" >"$dir/one" 2>&1
	rc=$?
	line=$(head -n 1 "$dir/one")
	[ "$rc" = 1 ] && [[ $line == "RELAYTEST WARNING - 127.0.0.1:$grey: inconclusive: $(jq -r .verdict_reason "$dir/grey.json") | "* ]] ||
		why+=("one target: exit $rc, status line: $line")
	# Every warning of the JSON twin, the loopback one among them, on a line.
	jq -r '.warnings[]' "$dir/grey.json" | grep -q 'loopback or private' || why+=("no loopback warning in JSON")
	while IFS= read -r words; do
		grep -qxF "  warning: $words" "$dir/one" || why+=("long output lacks the warning '$words'")
	done < <(jq -r '.warnings[]' "$dir/grey.json")
	# Each count in the text is the perfdata's number with the perfdata's word.
	for label in tests accepted denied undecided; do
		n=$(sed -n "1s/.* $label=\([0-9]*\);.*/\1/p" "$dir/one")
		words=$([ "$label" = tests ] && echo "relay tests" || echo "$label")
		grep -q "[:,] $n $words[:,]\?" <(tail -n +2 "$dir/one") || why+=("long output lacks '$n $words' ($label=$n)")
	done
	if [ ${#why[@]} -eq 0 ]; then
		ok "formats: nagios, one target: the status line carries the reason, warnings and counts (perfdata's words) in the long output"
	else
		not_ok "formats: nagios, one target" "${why[@]}"
	fi
	why=()
	"$RELAYTEST" -F nagios --timeout 2 "127.0.0.1:$grey" "127.0.0.1:$closed" "127.0.0.1:$open" 127.0.0.1:1 >"$dir/many" 2>&1
	rc=$?
	line=$(head -n 1 "$dir/many")
	[ "$rc" = 2 ] && [[ $line == "RELAYTEST CRITICAL - 3 of 4 servers need attention: 1 OPEN RELAY (127.0.0.1:$open), 1 could not test (127.0.0.1:1), 1 inconclusive (127.0.0.1:$grey) | "* ]] ||
		why+=("exit $rc, status line: $line")
	out=$(sed -n 2,4p "$dir/many" | cut -d: -f1-3)
	[ "$out" = "127.0.0.1:$grey: inconclusive
127.0.0.1:$open: OPEN RELAY
127.0.0.1:1: could not test" ] || why+=("lines 2-4 are not one per server needing attention: $out")
	grep -q "^127.0.0.1:$closed" "$dir/many" && why+=("a line for the closed server")
	# The loopback warning holds for every server alike: said once.
	[ "$(grep -c '^  warning: .*loopback or private' "$dir/many")" = 1 ] ||
		why+=("the loopback warning $(grep -c '^  warning: .*loopback or private' "$dir/many") times, want once")
	grep -qx "127.0.0.1:$open: OPEN RELAY: 3 relay tests were accepted: percent-hack-domain, percent-hack-host, percent-hack-ip" "$dir/many" ||
		why+=("the open server's line does not name its accepted tests")
	# The perfdata's server counts are the status line's, in the same words.
	for label in open_relay could_not_test inconclusive; do
		n=$(sed -n "1s/.* $label=\([0-9]*\);.*/\1/p" "$dir/many")
		words=${label//_/ }
		[ "$n" = 1 ] && grep -qi "^RELAYTEST CRITICAL - .* $n $words (" "$dir/many" || why+=("$label=$n, not '$n $words' in the status line")
	done
	if [ ${#why[@]} -eq 0 ]; then
		ok "formats: nagios, several targets: one line per server needing attention before any detail, perfdata's words, a shared warning once"
	else
		not_ok "formats: nagios, several targets" "${why[@]}"
	fi
	why=()
	"$RELAYTEST" -F nagios --inconclusive-state ok "127.0.0.1:$grey" >"$dir/out" 2>&1
	rc=$?
	[ "$rc" = 0 ] && grep -q "^RELAYTEST OK - 127.0.0.1:$grey: inconclusive: " "$dir/out" || why+=("--inconclusive-state ok: exit $rc, $(head -n 1 "$dir/out")")
	"$RELAYTEST" -F nagios --inconclusive-state crit "127.0.0.1:$grey" >"$dir/out" 2>&1
	rc=$?
	[ "$rc" = 2 ] && grep -q "^RELAYTEST CRITICAL - 127.0.0.1:$grey: inconclusive: " "$dir/out" || why+=("--inconclusive-state crit: exit $rc, $(head -n 1 "$dir/out")")
	"$RELAYTEST" -F nagios --untested-state warning --timeout 2 127.0.0.1:1 >"$dir/out" 2>&1
	rc=$?
	[ "$rc" = 1 ] && grep -q "^RELAYTEST WARNING - 127.0.0.1:1: could not test: " "$dir/out" || why+=("--untested-state warning: exit $rc, $(head -n 1 "$dir/out")")
	"$RELAYTEST" -F nagios --untested-state unknown --inconclusive-state ok --timeout 2 "127.0.0.1:$grey" "127.0.0.1:$closed" 127.0.0.1:1 >"$dir/out" 2>&1
	rc=$?
	[ "$rc" = 3 ] && grep -q "^RELAYTEST UNKNOWN - 1 of 3 servers need attention: 1 could not test (127.0.0.1:1) | " "$dir/out" || why+=("several, mapped: exit $rc, $(head -n 1 "$dir/out")")
	"$RELAYTEST" -F nagios --untested-state maybe 127.0.0.1:1 >"$dir/out" 2>&1
	rc=$?
	[ "$rc" = 3 ] && grep -q "^RELAYTEST UNKNOWN - --untested-state 'maybe': use ok, warning, critical or unknown" "$dir/out" || why+=("a bad state with -F nagios: exit $rc, $(head -n 1 "$dir/out")")
	"$RELAYTEST" --inconclusive-state ok 127.0.0.1:1 >"$dir/out" 2>&1
	rc=$?
	[ "$rc" = 64 ] && grep -q "give it with --format nagios" "$dir/out" || why+=("--inconclusive-state without -F nagios: exit $rc, $(head -n 1 "$dir/out")")
	stop_fake
	kill "$grey_pid" "$open_pid" 2>/dev/null && wait "$grey_pid" "$open_pid" 2>/dev/null
	if [ ${#why[@]} -eq 0 ]; then
		ok "formats: nagios --inconclusive-state and --untested-state choose those states; bad values UNKNOWN (3) or 64"
	else
		not_ok "formats: nagios state mapping" "${why[@]}"
	fi
}

# --quiet with --format json: nothing for a closed target, a line for an open one.
formats_quiet_json() {
	local dir=$1/qjson closed open
	mkdir -p "$dir"
	start_fake tests/scenarios/quiet-closed.scn "$dir" 60 ||
		{ not_ok "formats: -q -F json: fake server did not start"; return; }
	"$RELAYTEST" -q -F json "127.0.0.1:$FAKE_PORT" >"$dir/closed" 2>&1
	stop_fake
	start_fake tests/scenarios/quiet-open.scn "$dir" 60 ||
		{ not_ok "formats: -q -F json: fake server did not start"; return; }
	"$RELAYTEST" -q -F json "127.0.0.1:$FAKE_PORT" >"$dir/open" 2>&1
	stop_fake
	[ ! -s "$dir/closed" ] && [ "$(jq -r .verdict "$dir/open")" = open ] &&
		ok "formats: -q -F json prints nothing for a closed target, one line for an open one" ||
		not_ok "formats: -q -F json" "closed: $(head -c 100 "$dir/closed")" "open: $(head -c 100 "$dir/open")"
}

# ---------------------------------------------------------------- docs
# The man page lints clean; README.md, relaytest.1 and the bash completion
# agree with what the binary says (--help, --list-tests, its errors, its
# output: tests/docs-check.sh); install, uninstall, dist and demo do what the
# README says.
section_docs() {
	local dir=$WORK/docs out
	mkdir -p "$dir"
	if ! command -v mandoc >/dev/null; then
		not_ok "docs: mandoc is not installed (apt-get install mandoc)"
	elif out=$(mandoc -Tlint -W warning relaytest.1 2>&1); then
		ok "docs: relaytest.1 is clean under mandoc -Tlint"
	else
		not_ok "docs: mandoc -Tlint" "$out"
	fi
	# shellcheck source=tests/docs-check.sh
	. tests/docs-check.sh
	docs_agree

	make -s install DESTDIR="$dir/root" PREFIX=/usr/local >/dev/null 2>&1
	out=$(cd "$dir/root" && find . -type f | sort | tr '\n' ' ')
	[ "$out" = "./usr/local/bin/relaytest ./usr/local/share/bash-completion/completions/relaytest ./usr/local/share/man/man1/relaytest.1 " ] &&
		[ -x "$dir/root/usr/local/bin/relaytest" ] &&
		ok "docs: make install DESTDIR=... installs exactly the binary, the page and bash completion" ||
		not_ok "docs: make install" "installed: $out"
	docs_completion "$dir/root/usr/local/bin/relaytest" "$dir/root/usr/local/share/bash-completion/completions/relaytest"
	make -s uninstall DESTDIR="$dir/root" PREFIX=/usr/local >/dev/null 2>&1
	[ -z "$(cd "$dir/root" && find . -type f)" ] && ok "docs: make uninstall removes them" ||
		not_ok "docs: make uninstall left files"

	if git rev-parse --git-dir >/dev/null 2>&1; then
		local tarball
		tarball=$(make -s dist 2>/dev/null | tail -n 1)
		mkdir -p "$dir/dist"
		if [ -f "$tarball" ] && tar -xzf "$tarball" -C "$dir/dist" &&
			make -s -C "$dir/dist/${tarball%.tar.gz}" >"$dir/dist.log" 2>&1 &&
			"$dir/dist/${tarball%.tar.gz}/relaytest" --version >/dev/null; then
			ok "docs: make dist makes $tarball, which builds with make alone"
		else
			not_ok "docs: make dist" "$(tail -n 5 "$dir/dist.log" 2>/dev/null)"
		fi
		rm -f "$tarball"
	fi

	out=$(make -s demo RELAYTEST="$RELAYTEST" 2>&1)
	grep -qE '^Result: OPEN RELAY$' <<<"$out" && grep -qE '^ +[0-9]+ of [0-9]+ relay tests accepted' <<<"$out" &&
		grep -qE '^Result: not an open relay$' <<<"$out" && grep -qE '^ +all [0-9]+ relay tests denied' <<<"$out" &&
		ok "docs: make demo shows an open and a closed demo server" ||
		not_ok "docs: make demo" "$(tail -n 5 <<<"$out")"
}

# complete BIN COMPLETION WORDS...: what bash completes for the command line
# WORDS (the last word is the one being completed), one candidate a line.
# Host names come from $WORK/hosts, which holds relaytest-nohost.example.
complete_words() {
	local bin=$1 file=$2
	shift 2
	[ -f "$WORK/hosts" ] || echo '127.0.0.9 relaytest-nohost.example' >"$WORK/hosts"
	HOSTFILE=$WORK/hosts bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		complete -p relaytest >/dev/null || exit 1
		_relaytest; printf "%s\n" "${COMPREPLY[@]}"' _ "$file" "$bin" "$@"
}

# The installed bash completion registers itself and offers the options of
# --help; for each option whose values the binary lists (--format, --tls:
# docs_enum_options), those values, and for --tls at least auto, starttls,
# implicit and no; the test ids of --list-tests; after any option that takes a
# value (the binary says it "needs a value" without one), never host names.
docs_completion() {
	local bin=$1 file=$2 why=() got want opt o short n=0
	got=$(complete_words "$bin" "$file" "$bin" --for | sort | tr '\n' ' ')
	[ "$got" = "--format " ] || why+=("--for completes to '$got'")
	got=$(complete_words "$bin" "$file" "$bin" - | LC_ALL=C sort | tr '\n' ' ')
	want=$(RELAYTEST=$bin docs_help_options | tr '\n' ' ')
	[ "$got" = "$want" ] && [[ $got == *"--max-time "* ]] || why+=("options: '$got'" "--help:   '$want'")
	for opt in $(RELAYTEST=$bin docs_enum_options); do
		want=$(RELAYTEST=$bin docs_option_values "$opt" | LC_ALL=C sort | tr '\n' ' ')
		short=$("$bin" --help | grep -oE -- "-[a-zA-Z0-9], $opt " | cut -c1-2)
		for o in $opt $short; do
			n=$((n + 1))
			got=$(complete_words "$bin" "$file" "$bin" "$o" "" | LC_ALL=C sort | tr '\n' ' ')
			[ "$got" = "$want" ] || why+=("$o offers '$got', the binary takes '$want'")
		done
	done
	[ "$n" -ge 3 ] || why+=("only $n options with a list of values found")
	got=$(complete_words "$bin" "$file" "$bin" --tls "" | LC_ALL=C sort | tr '\n' ' ')
	[ "$got" = "auto implicit no starttls " ] || why+=("--tls modes: '$got'")
	got=$(complete_words "$bin" "$file" "$bin" --tls st | tr '\n' ' ')
	[ "$got" = "starttls " ] || why+=("--tls st completes to '$got'")
	got=$(complete_words "$bin" "$file" "$bin" --tests "ext-to-ext,percent-hack-" | sort | tr '\n' ' ')
	want=$("$bin" --list-tests | awk '$1 ~ /^percent-hack-/ { printf "ext-to-ext,%s\n", $1 }' | sort | tr '\n' ' ')
	[ -n "$want" ] && [ "$got" = "$want" ] || why+=("test ids after a comma: '$got', want '$want'")
	got=$(complete_words "$bin" "$file" "$bin" -T "" | wc -l)
	[ "$got" = "$(echo "$TEST_IDS" | wc -l)" ] || why+=("-T offers $got ids")
	got=$(complete_words "$bin" "$file" "$bin" relaytest-noh)
	[ "$got" = relaytest-nohost.example ] || why+=("a target completes to '$got', not the host name")
	# One bash for all of them: "OPTION CANDIDATE" a line, for what is offered.
	local takes_value=()
	for opt in $(RELAYTEST=$bin docs_help_options); do
		"$bin" "$opt" </dev/null 2>&1 >/dev/null | grep -q 'needs a value' && takes_value+=("$opt")
	done
	n=${#takes_value[@]}
	got=$(HOSTFILE=$WORK/hosts bash -c '. "$1"; bin=$2; shift 2
		for opt; do
			COMP_WORDS=("$bin" "$opt" relaytest-noh) COMP_CWORD=2 COMPREPLY=()
			_relaytest
			[ ${#COMPREPLY[@]} -eq 0 ] || echo "$opt ${COMPREPLY[*]}"
		done' _ "$file" "$bin" "${takes_value[@]}")
	[ -z "$got" ] || why+=("after an option that takes a value: $got")
	[ "$n" -ge 20 ] || why+=("only $n options that need a value found")
	if [ ${#why[@]} -eq 0 ]; then
		ok "docs: bash completion offers the options, the values of $(RELAYTEST=$bin docs_enum_options | paste -sd ' '), and test ids; no host names after the $n options that take a value"
	else
		not_ok "docs: bash completion" "${why[@]}"
	fi
}

# ---------------------------------------------------------------- faults
# The fault matrix: for every k, a full run (tests/scenarios/all-denied.scn,
# AUTH included) in which the server drops the connection after the k-th
# command, or answers it 421 and closes, or resets the connection. Each fault
# happens once, so relaytest must recover every time: the run ends by itself,
# exit 0, every test reported once, with the same verdict as a clean run.
section_faults() {
	fault_matrix pipelined
	fault_matrix lock-step --no-pipelining
}

# fault_matrix MODE [relaytest options]
fault_matrix() {
	local mode=$1 base=tests/scenarios/all-denied.scn dir=$WORK/faults-$1 n k variant action rc
	shift
	local mode_args=("$@")
	mkdir -p "$dir"
	run_faulty() { # SCENARIO OUT
		start_fake "$1" "$dir" 30 || { rc=fixture; return 1; }
		timeout 60 "$RELAYTEST" --all "${mode_args[@]}" --helo client.example.org --timeout 5 \
			"127.0.0.1:$FAKE_PORT" >"$2" 2>&1
		rc=$?
		stop_fake
	}
	rows() { cut -c1-64 "$1" | grep -E '^[a-z]+-[a-z-]+ ' | sort; }
	run_faulty "$base" "$dir/clean.out"
	if [ "$rc" = fixture ]; then
		not_ok "faults ($mode): clean baseline run: fake server did not start"
		return
	fi
	rows "$dir/clean.out" >"$dir/clean.rows"
	n=$(grep -vc '^== connect' "$FAKE_LOG")
	if [ "$rc" != 0 ] || [ "$(wc -l <"$dir/clean.rows")" -lt 37 ] || [ "$n" -lt 50 ]; then
		not_ok "faults ($mode): clean baseline run" "exit $rc, $n commands"
		return
	fi
	for variant in drop 421 reset; do
		case $variant in
		drop) action='!close' ;;
		421) action='!then-close 421 4.7.0 mx.relaytest.test Error: too many errors' ;;
		reset) action='!reset' ;;
		esac
		local bad=()
		for k in $(seq 1 "$n"); do
			{ cat "$base"; echo "at $k => $action"; } >"$dir/faulty.scn"
			run_faulty "$dir/faulty.scn" "$dir/faulty.out"
			rows "$dir/faulty.out" >"$dir/faulty.rows"
			if [ "$rc" = fixture ]; then
				bad+=("k=$k: fake server did not start")
			elif [ "$rc" != 0 ]; then
				bad+=("k=$k: exit $rc")
			elif ! cmp -s "$dir/clean.rows" "$dir/faulty.rows"; then
				bad+=("k=$k: $(diff "$dir/clean.rows" "$dir/faulty.rows" | grep '^[<>]' | head -2 | tr '\n' ' ')")
			fi
			[ ${#bad[@]} -ge 5 ] && break
		done
		if [ ${#bad[@]} -eq 0 ]; then
			ok "faults ($mode): $variant after each of the $n commands of a full run: all recovered, same verdicts"
		else
			not_ok "faults ($mode): $variant after command k" "${bad[@]}"
		fi
	done
}

section_monitoring() {
	# shellcheck source=tests/monitoring.sh
	. tests/monitoring.sh
	monitoring_tests
}

section_postfix() {
	if [ -f tests/postfix.sh ]; then
		# shellcheck source=tests/postfix.sh
		. tests/postfix.sh
		postfix_tests
	fi
	if [ -f tests/postfix-tls.sh ]; then
		# shellcheck source=tests/postfix-tls.sh
		. tests/postfix-tls.sh
		postfix_tls_tests
	fi
	section_trust
}

# XCLIENT and PROXY-protocol trust (tests/postfix-trust.sh), part of the
# postfix section; SECTIONS=trust runs it alone.
section_trust() {
	[ -f tests/postfix-trust.sh ] || return 0
	# shellcheck source=tests/postfix.sh
	. tests/postfix.sh
	# shellcheck source=tests/postfix-trust.sh
	. tests/postfix-trust.sh
	postfix_trust_tests
}

# ---------------------------------------------------------------- mta
# Real Exim, OpenSMTPD and Sendmail from Debian (tests/mta/), unpacked under
# build/mta by tests/mta/fetch.sh (.ci/run runs it; run here when missing),
# and Postfix behind postscreen's deep protocol tests.
section_mta() {
	# shellcheck source=tests/postfix.sh
	. tests/postfix.sh
	# shellcheck source=tests/mta/lib.sh
	. tests/mta/lib.sh
	if [ ! -f "$MTA_DIR/exim.ok" ] || [ ! -f "$MTA_DIR/opensmtpd.ok" ] || [ ! -f "$MTA_DIR/sendmail.ok" ]; then
		[ "$(id -u)" = 0 ] && bash tests/mta/fetch.sh "$MTA_DIR"
	fi
	local mta saved
	saved=$(trap -p EXIT)
	trap 'mta_stop_all; postfix_stop_all; cleanup' EXIT
	mkdir -p "$WORK/mta"
	for mta in ${MTA_ONLY:-exim opensmtpd sendmail postscreen}; do
		# shellcheck disable=SC1090
		. "tests/mta/$mta.sh"
		"${mta}_tests"
		mta_stop_all
		postfix_stop_all
	done
	eval "$saved"
	# No message was ever queued (no DATA is sent).
	local queued
	queued=$(find "$WORK"/mta/exim-*/spool/input "$WORK"/mta/sendmail-*/queue -type f 2>/dev/null | wc -l)
	[ "$queued" = 0 ] && ok "mta: nothing was queued by Exim or Sendmail" ||
		not_ok "mta: $queued queue files exist"
}

# ---------------------------------------------------------------- sanitizers
# The same sections again with the -fsanitize=address,undefined build.
section_sanitizers() {
	if [ ! -x "${SAN_RELAYTEST:-}" ] || [ ! -x "${SAN_UNIT_TESTS:-}" ]; then
		not_ok "sanitizers: no sanitized build (run make check, which builds build-san/)"
		return
	fi
	local saved_rt=$RELAYTEST saved_ut=$UNIT_TESTS
	export ASAN_OPTIONS=detect_leaks=1:exitcode=86:abort_on_error=0
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87
	RELAYTEST=$SAN_RELAYTEST UNIT_TESTS=$SAN_UNIT_TESTS PREFIX="sanitizers: "
	section_unit
	section_cli
	# Each scenario with the twins that run other engine paths (lock-step,
	# many connections); the JSON report is fuzzed under the sanitizers
	# (fuzz_report) and its agreement checked by the plain run.
	local saved_twins=$TWINS
	[ "$TWINS" = 0 ] || TWINS=engine
	section_scenarios
	TWINS=$saved_twins
	# Pipelined only: the lock-step matrix's paths are the pipelined one's
	# minus the groups, and the plain run covers both.
	fault_matrix pipelined
	# The nosilent checks that need no small limit of the process (the
	# sanitizers' own memory and threads would meet it first).
	SAN_RUN=1
	nosilent_tls_peers
	nosilent_output
	nosilent_input
	unset SAN_RUN
	local f
	for f in fuzz_reply fuzz_session fuzz_mx fuzz_targets fuzz_report fuzz_engine; do
		if build-san/${f}_replay "tests/fuzz/corpus/${f#fuzz_}" >"$WORK/$f.san" 2>&1; then
			ok "fuzz corpus replay: $f ($(sed -n 's/replayed //p' "$WORK/$f.san"))"
		else
			not_ok "fuzz corpus replay: $f" "$(head -n 5 "$WORK/$f.san")"
		fi
	done
	RELAYTEST=$saved_rt UNIT_TESTS=$saved_ut PREFIX=""
	unset ASAN_OPTIONS UBSAN_OPTIONS
}

# ---------------------------------------------------------------- fuzz
# The seed corpora through a plain (gcc) build; with FUZZ_SECONDS > 0 also
# each libFuzzer target for that long (CI: 60 s each).
section_fuzz() {
	local f out
	for f in fuzz_reply fuzz_session fuzz_mx fuzz_targets fuzz_report fuzz_engine; do
		if out=$("build/${f}_replay" "tests/fuzz/corpus/${f#fuzz_}" 2>&1); then
			ok "fuzz corpus replay (plain build): $f, ${out#replayed }"
		else
			not_ok "fuzz corpus replay (plain build): $f" "$out"
		fi
	done
	if [ "${FUZZ_SECONDS:-0}" -gt 0 ]; then
		while IFS= read -r out; do
			case $out in
			*"no finding") ok "fuzz: $out" ;;
			fuzz_*) not_ok "fuzz: $out" ;;
			*) echo "#   $out" ;;
			esac
		done < <(FUZZ_SECONDS=$FUZZ_SECONDS bash tests/fuzz/run.sh)
	fi
}

# ---------------------------------------------------------------- valgrind
# Full runs under valgrind: no invalid access, no leak of any kind.
section_valgrind() {
	if ! command -v valgrind >/dev/null; then
		not_ok "valgrind: not installed (apt-get install valgrind)"
		return
	fi
	local scn name dir rc
	for scn in all-denied bogus-auth-accepted mid-table-421-full huge-line; do
		dir=$WORK/valgrind-$scn
		mkdir -p "$dir"
		start_fake "tests/scenarios/$scn.scn" "$dir" 120 || { not_ok "valgrind: $scn: fake server did not start"; continue; }
		valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=all \
			--errors-for-leak-kinds=all --track-fds=no \
			"$RELAYTEST" --verbose --timeout 10 "127.0.0.1:$FAKE_PORT" >"$dir/out" 2>"$dir/err"
		rc=$?
		stop_fake
		if [ "$rc" != 99 ] && ! grep -q '^==[0-9]*==' "$dir/err"; then
			ok "valgrind: full verbose run against $scn is clean (exit $rc)"
		else
			not_ok "valgrind: $scn" "exit $rc" "$(grep -m 8 '^==' "$dir/err")"
		fi
	done
	# The other formats keep end-of-run data in a temporary file (nagios,
	# prometheus) or write as they go (json): two targets each, so each is
	# tested in a forked worker. A worker ends with _exit and still holds
	# what the parent had allocated: only lost memory counts here.
	local fmt
	dir=$WORK/valgrind-formats
	mkdir -p "$dir"
	start_fake tests/scenarios/all-denied.scn "$dir" 120 || { not_ok "valgrind: formats: fake server did not start"; return; }
	for fmt in json nagios prometheus; do
		valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
			--errors-for-leak-kinds=definite,indirect --track-fds=no "$RELAYTEST" -4 -F "$fmt" --timeout 10 \
			"127.0.0.1:$FAKE_PORT" "localhost:$FAKE_PORT" >"$dir/$fmt.out" 2>"$dir/$fmt.err"
		rc=$?
		if [ "$rc" != 99 ] && [ -s "$dir/$fmt.out" ] && ! grep -q '^==[0-9]*==' "$dir/$fmt.err"; then
			ok "valgrind: -F $fmt over two targets is clean (exit $rc)"
		else
			not_ok "valgrind: -F $fmt" "exit $rc" "$(grep -m 8 '^==' "$dir/$fmt.err")"
		fi
	done
	stop_fake
}

# ---------------------------------------------------------------- lint
# Layout (.clang-format), cppcheck and clang-tidy (.clang-tidy names the
# checks and why some are left out): all must be clean.
section_lint() {
	local files tool out
	files=$(ls src/*.c src/*.h include/*.h tests/*.c tests/unit/*.c tests/unit/*.h tests/fuzz/*.c)
	for tool in clang-format cppcheck clang-tidy; do
		command -v "$tool" >/dev/null || { not_ok "lint: $tool is not installed"; return; }
	done
	# shellcheck disable=SC2086
	if out=$(clang-format --dry-run --Werror $files 2>&1); then
		ok "lint: clang-format: every C file follows .clang-format"
	else
		not_ok "lint: clang-format" "$(echo "$out" | grep -m 5 'warning')"
	fi
	if out=$(cppcheck -q --enable=warning,style,performance,portability --std=c11 \
		--error-exitcode=1 -D_DEFAULT_SOURCE -Iinclude --suppress=missingIncludeSystem \
		src tests/fakesmtpd.c tests/unit tests/fuzz 2>&1); then
		ok "lint: cppcheck (warning, style, performance, portability) clean"
	else
		not_ok "lint: cppcheck" "$(echo "$out" | head -n 10)"
	fi
	# Two at a time, eight files each: clang-tidy is the slowest check here.
	# shellcheck disable=SC2016
	if out=$(printf '%s\n' src/*.c tests/fakesmtpd.c tests/fuzz/*.c | xargs -P 2 -n 8 sh -c \
		'clang-tidy -quiet "$@" -- -std=c17 -D_DEFAULT_SOURCE -Iinclude' clang-tidy 2>&1); then
		ok "lint: clang-tidy (checks in .clang-tidy) clean"
	else
		not_ok "lint: clang-tidy" "$(echo "$out" | grep -m 10 -E 'error|warning:')"
	fi
}

# shellcheck source=tests/addresses.sh
. tests/addresses.sh
# shellcheck source=tests/harden.sh
. tests/harden.sh
# shellcheck source=tests/nosilent.sh
. tests/nosilent.sh

# Each section's time, after it and again at the end, so a CI log shows
# where the time goes; the last line stays "N passed, N failed".
section_times=()
run_start=$(date +%s%N)
for section in $SECTIONS; do
	section_start=$(date +%s%N)
	"section_$section"
	section_times+=("$section $((($(date +%s%N) - section_start + 500000000) / 1000000000))")
	echo "# section ${section_times[-1]% *}: ${section_times[-1]##* } s"
done
echo "# section times:"
for section in "${section_times[@]}"; do
	printf '#   %-12s %4s s\n' "${section% *}" "${section##* }"
done
printf '#   %-12s %4s s\n' total "$((($(date +%s%N) - run_start + 500000000) / 1000000000))"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
