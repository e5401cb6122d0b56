#!/usr/bin/env bash
# tests/fuzz/run.sh - run each libFuzzer target for FUZZ_SECONDS on a copy of
# its seed corpus (tests/fuzz/corpus/NAME stays as committed). Prints one
# line per target with executions and executions per second; exits non-zero
# on any finding (crash, leak, sanitizer report, timeout).
set -u
cd "$(dirname "$0")/../.."
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
status=0
for name in fuzz_reply fuzz_session fuzz_mx fuzz_targets fuzz_report fuzz_engine; do
	bin=build-fuzz/$name
	work=build-fuzz/corpus-$name
	mkdir -p "$work"
	cp -n tests/fuzz/corpus/${name#fuzz_}/* "$work/" 2>/dev/null
	"$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="build-fuzz/finding-$name-" "$work" >"build-fuzz/$name.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build-fuzz/$name.log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "build-fuzz/$name.log")
	if [ "$rc" -eq 0 ]; then
		echo "$name: ${execs:-?} executions in ${FUZZ_SECONDS} s (${rate:-?}/s), no finding"
	else
		echo "$name: FINDING (exit $rc) after ${execs:-?} executions; see build-fuzz/$name.log"
		grep -m 5 -E 'ERROR|SUMMARY|runtime error' "build-fuzz/$name.log"
		status=1
	fi
done
exit $status
