#!/usr/bin/env bash
# make demo: relaytest against two demo servers on 127.0.0.1 (the bundled
# fake SMTP server), one open and one closed, for anyone without a mail server.
set -u
cd "$(dirname "$0")/.."
RELAYTEST=${RELAYTEST:-./relaytest}
FAKESMTPD=${FAKESMTPD:-build/fakesmtpd}
work=$(mktemp -d "${TMPDIR:-/tmp}/relaytest-demo.XXXXXX")
pids=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT

start() { # NAME: starts tests/demo/NAME.scn; its port is then in $work/NAME.port
	local i
	"$FAKESMTPD" -s "tests/demo/$1.scn" -l "$work/$1.log" -p "$work/$1.port" -w 60 </dev/null >/dev/null &
	pids+=($!)
	for i in $(seq 1 200); do
		[ -s "$work/$1.port" ] && return 0
		sleep 0.01
	done
	echo "demo: the $1 demo server did not start" >&2
	exit 1
}

start open
start closed
open_port=$(cat "$work/open.port")
closed_port=$(cat "$work/closed.port")
echo "== relaytest 127.0.0.1:$open_port  (a misconfigured demo server)"
echo
"$RELAYTEST" --helo demo-client.example "127.0.0.1:$open_port"
echo "(exit status $?: 1 means open relay)"
echo
echo "== relaytest 127.0.0.1:$closed_port  (a closed demo server)"
echo
"$RELAYTEST" --helo demo-client.example "127.0.0.1:$closed_port"
echo "(exit status $?: 0 means not an open relay)"
