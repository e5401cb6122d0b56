#!/usr/bin/env bash
# bench/relay-vs-nmap.sh - relaytest's full table against nmap's
# smtp-open-relay script, on the same closed Postfix on loopback, in one run.
#
# usage: bench/relay-vs-nmap.sh [RUNS]      (default 5; needs root, postfix, nmap)
#
# Times each tool RUNS times and prints the medians and their ratio, plus how
# many relay tests (RCPT commands Postfix rejected, counted in its own log)
# each tool ran. Not a test: timing depends on the machine.
set -u
cd "$(dirname "$0")/.."
RUNS=${1:-5}
RELAYTEST=${RELAYTEST:-./relaytest}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/relaytest-bench.XXXXXX")
ok() { :; }
not_ok() { echo "bench: $*" >&2; }
cleanup() { postfix_stop_all; rm -rf "$WORK"; }
. tests/postfix.sh
trap cleanup EXIT

command -v nmap >/dev/null || { echo "bench: nmap is not installed (apt-get install nmap)" >&2; exit 1; }
[ -x "$RELAYTEST" ] || make -s relaytest
postfix_start closed || exit 1
PORT=$PF_PORT
MAILLOG=$WORK/postfix/closed/maillog
# nmap runs its script only on ports it believes are SMTP: a private
# services file names this port so (no -sV probing, which would add time).
mkdir -p "$WORK/nmapdata"
printf 'smtp\t%s/tcp\t0.5\n' "$PORT" >"$WORK/nmapdata/nmap-services"

rejections() { grep -c 'NOQUEUE: reject: RCPT' "$MAILLOG" 2>/dev/null || true; }

# time_runs NAME COMMAND...: prints the median seconds; writes the tests per run to $WORK/NAME.tests.
time_runs() {
	local name=$1 i start end before after times=()
	shift
	for i in $(seq 1 "$RUNS"); do
		sleep 0.3 # let the log catch up
		before=$(rejections)
		start=$(date +%s.%N)
		"$@" >"$WORK/$name.$i.out" 2>&1
		end=$(date +%s.%N)
		sleep 0.5
		after=$(rejections)
		echo $((after - before)) >"$WORK/$name.tests"
		times+=("$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f", e - s }')")
	done
	printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

rt=$(time_runs relaytest "$RELAYTEST" "127.0.0.1:$PORT")
rt_tests=$(cat "$WORK/relaytest.tests")
nm=$(time_runs nmap nmap -n -Pn -sT -p "$PORT" --datadir "$WORK/nmapdata" --script smtp-open-relay 127.0.0.1)
nm_tests=$(cat "$WORK/nmap.tests")
grep -q "doesn't seem to be an open relay" "$WORK/nmap.1.out" || {
	echo "bench: nmap's script did not run as expected:" >&2
	cat "$WORK/nmap.1.out" >&2
	exit 1
}
grep -q 'Result: not an open relay' "$WORK/relaytest.1.out" || {
	echo "bench: relaytest did not finish as expected" >&2
	exit 1
}

echo "closed Postfix $(postconf -d -h mail_version) on 127.0.0.1, $RUNS runs each, medians:"
printf '  %-28s %8.3f s  %3d relay tests (RCPT rejected by Postfix)\n' "relaytest (full table)" "$rt" "$rt_tests"
printf '  %-28s %8.3f s  %3d relay tests\n' "nmap --script smtp-open-relay" "$nm" "$nm_tests"
awk -v r="$rt" -v n="$nm" -v rtt="$rt_tests" -v ntt="$nm_tests" 'BEGIN {
	printf "  speed: relaytest is %.0fx faster; tests: %.2fx as many as nmap\n", n / r, rtt / ntt
}'
