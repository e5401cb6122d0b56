#!/usr/bin/env bash
# bench/scale.sh - many loopback targets at once: wall time, peak RSS (all
# processes, from /usr/bin/time) and the most descriptors relaytest's parent
# held, for each --jobs given. Loopback only: manyfake processes play a
# closed server on 127.0.0.1-254, up to 4064 listeners each, one listener
# per target (relaytest tests a server named twice only once).
#   usage: bench/scale.sh [TARGETS [JOBS...]] (default 10000, jobs 64 256)
#   env:   FORMAT (json), TESTS (a --tests list; default the whole table)
set -u
cd "$(dirname "$0")/.."
TARGETS=${1:-10000}
shift || true
JOBS=${*:-64 256}
FORMAT=${FORMAT:-json}
PER_FAKE=4064 # 254 addresses x 16 ports, under manyfake's 4096
make -s relaytest build/manyfake || exit 1
work=$(mktemp -d)
fakes=()
trap 'kill "${fakes[@]}" 2>/dev/null; wait "${fakes[@]}" 2>/dev/null; rm -rf "$work"' EXIT
for i in $(seq 1 $(((TARGETS + PER_FAKE - 1) / PER_FAKE))); do
	build/manyfake -a 254 -n 16 -o "$work/listeners.$i" -w 3600 &
	fakes+=($!)
done
for i in $(seq 1 ${#fakes[@]}); do
	for _ in $(seq 1 200); do [ -s "$work/listeners.$i" ] && break; sleep 0.05; done
done
cat "$work"/listeners.* | head -n "$TARGETS" >"$work/targets"
echo "targets: $(wc -l <"$work/targets"), format $FORMAT${TESTS:+, --tests $TESTS}, $(nproc) cores"
for j in $JOBS; do
	/usr/bin/time -o "$work/time" -f '%e %M' ./relaytest --timeout 10 --jobs "$j" -F "$FORMAT" \
		${TESTS:+--tests "$TESTS"} --input "$work/targets" >"$work/out" 2>"$work/err" &
	tp=$!
	maxfd=0
	sleep 0.2
	rp=$(ps -o pid= --ppid "$tp" | tr -d ' ' | head -n 1)
	while kill -0 "$tp" 2>/dev/null; do
		n=$(ls "/proc/$rp/fd" 2>/dev/null | wc -l)
		[ "$n" -gt "$maxfd" ] && maxfd=$n
		sleep 0.5
	done
	wait "$tp"
	read -r secs kb < <(tail -n 1 "$work/time")
	lines=$(grep -c . "$work/out")
	echo "--jobs $j: $secs s wall, peak RSS $((kb / 1024)) MiB, at most $maxfd descriptors in the parent, $lines output lines, $(grep -c . "$work/err") stderr lines"
done
