#!/usr/bin/env bash
# bench/round-trips.sh - round trips per target against a distant server.
#
# usage: bench/round-trips.sh [DELAY_MS]      (default 50; needs nmap)
#
# The bundled fake server waits DELAY_MS before its greeting and before
# answering each batch of commands it reads: one delay per round trip, as a
# distant server would cost. The same closed server is offered with and
# without PIPELINING; relaytest runs pipelined and --no-pipelining, nmap's
# smtp-open-relay script runs too. Round trips = time / delay. Relay tests
# are counted as the RCPT commands the server received. The fake server
# serves up to 32 connections at once (its concurrent mode), each with its
# own delays, so concurrent connections cost what they would on a real
# server; with a relaytest that has --connections, the runs on one
# connection are measured too.
set -u
cd "$(dirname "$0")/.."
DELAY=${1:-50}
RELAYTEST=${RELAYTEST:-./relaytest}
FAKESMTPD=${FAKESMTPD:-build/fakesmtpd}
work=$(mktemp -d "${TMPDIR:-/tmp}/relaytest-rtt.XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
command -v nmap >/dev/null || { echo "bench: nmap is not installed (apt-get install nmap)" >&2; exit 1; }
[ -x "$RELAYTEST" ] && [ -x "$FAKESMTPD" ] || make -s relaytest build/fakesmtpd

# A closed server; AUTH is left out so that every tool runs the same kind of table.
make_scenario() { # FILE WITH_PIPELINING
	{
		echo "delay-all $DELAY"
		echo "concurrent 32"
		echo "greeting 220 mx.relaytest.test ESMTP Postfix"
		if [ "$2" = yes ]; then
			echo 'on EHLO * => 250-mx.relaytest.test\n250-PIPELINING\n250-SIZE 10240000\n250 8BITMIME'
		else
			echo 'on EHLO * => 250-mx.relaytest.test\n250-SIZE 10240000\n250 8BITMIME'
		fi
		echo 'on HELO * => 250 mx.relaytest.test'
		echo 'on MAIL FROM:* => 250 2.1.0 Ok'
		echo 'on RCPT TO:<postmaster@relaytest.test> => 250 2.1.5 Ok'
		echo 'on RCPT TO:* => 554 5.7.1 Relay access denied'
	} >"$1"
}

# measure NAME SCENARIO COMMAND... (PORT in the command is replaced)
measure() {
	local name=$1 scn=$2 start end port rcpts
	shift 2
	rm -f "$work/port"
	"$FAKESMTPD" -s "$scn" -l "$work/log" -p "$work/port" -w 600 &
	pid=$!
	while [ ! -s "$work/port" ]; do sleep 0.01; done
	port=$(cat "$work/port")
	mkdir -p "$work/nd"
	printf 'smtp\t%s/tcp\t0.5\n' "$port" >"$work/nd/nmap-services"
	local args=()
	for a in "$@"; do args+=("${a//PORT/$port}"); done
	start=$(date +%s.%N)
	"${args[@]}" >"$work/$name.out" 2>&1
	end=$(date +%s.%N)
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
	rcpts=$(grep -c '^RCPT' "$work/log")
	awk -v n="$name" -v s="$start" -v e="$end" -v d="$DELAY" -v r="$rcpts" 'BEGIN {
		printf "  %-42s %7.2f s  %5.1f round trips  %3d relay tests  %4.1f round trips per test\n",
			n, e - s, (e - s) * 1000 / d, r, (e - s) * 1000 / d / r
	}'
}

make_scenario "$work/pipe.scn" yes
make_scenario "$work/nopipe.scn" no
echo "closed server on 127.0.0.1 with ${DELAY} ms per round trip:"
measure "relaytest, server offers PIPELINING" "$work/pipe.scn" "$RELAYTEST" 127.0.0.1:PORT
measure "relaytest --error-budget 100, PIPELINING" "$work/pipe.scn" "$RELAYTEST" --error-budget 100 127.0.0.1:PORT
measure "relaytest --no-pipelining" "$work/pipe.scn" "$RELAYTEST" --no-pipelining 127.0.0.1:PORT
measure "relaytest, server without PIPELINING" "$work/nopipe.scn" "$RELAYTEST" 127.0.0.1:PORT
if "$RELAYTEST" --help | grep -q -- '--connections'; then
	measure "relaytest --connections 1, PIPELINING" "$work/pipe.scn" "$RELAYTEST" --connections 1 127.0.0.1:PORT
	measure "relaytest --connections 1 --no-pipelining" "$work/pipe.scn" \
		"$RELAYTEST" --connections 1 --no-pipelining 127.0.0.1:PORT
else
	echo "  (this relaytest has no --connections: the runs on one connection are left out)"
fi
measure "nmap --script smtp-open-relay" "$work/pipe.scn" \
	nmap -n -Pn -sT -p PORT --datadir "$work/nd" --script smtp-open-relay 127.0.0.1
