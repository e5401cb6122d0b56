#!/usr/bin/env bash
# tests/fuzz/run.sh - run each libFuzzer target for FUZZ_SECONDS on a copy of
# its seed corpus (tests/fuzz/corpus/NAME stays as committed). Prints one
# line per target with executions and executions per second; exits non-zero
# on any finding (crash, leak, sanitizer report, timeout). FUZZ_JOBS targets
# run at once (default: the number of cores), each for the whole time, so
# the same fuzzing takes less wall time.
set -u
cd "$(dirname "$0")/../.."
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
NAMES=(fuzz_reply fuzz_session fuzz_mx fuzz_targets fuzz_report fuzz_engine)

# fuzz NAME: one target, its exit status in build-fuzz/NAME.rc.
fuzz() {
	local name=$1 work=build-fuzz/corpus-$1
	mkdir -p "$work"
	cp -n tests/fuzz/corpus/${name#fuzz_}/* "$work/" 2>/dev/null
	"build-fuzz/$name" -max_total_time="$FUZZ_SECONDS" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="build-fuzz/finding-$name-" "$work" >"build-fuzz/$name.log" 2>&1
	echo $? >"build-fuzz/$name.rc"
}

pids=()
for name in "${NAMES[@]}"; do
	rm -f "build-fuzz/$name.rc"
	fuzz "$name" &
	pids+=($!)
	if [ "${#pids[@]}" -ge "$FUZZ_JOBS" ]; then
		wait "${pids[0]}"
		pids=("${pids[@]:1}")
	fi
done
wait

status=0
for name in "${NAMES[@]}"; do
	rc=$(cat "build-fuzz/$name.rc" 2>/dev/null || echo "none")
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build-fuzz/$name.log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "build-fuzz/$name.log")
	if [ "$rc" = 0 ]; then
		echo "$name: ${execs:-?} executions in ${FUZZ_SECONDS} s (${rate:-?}/s), no finding"
	else
		echo "$name: FINDING (exit $rc) after ${execs:-?} executions; see build-fuzz/$name.log"
		grep -m 5 -E 'ERROR|SUMMARY|runtime error' "build-fuzz/$name.log"
		status=1
	fi
done
exit $status
