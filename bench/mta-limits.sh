#!/usr/bin/env bash
# bench/mta-limits.sh - relaytest against real servers that limit their
# clients (issue 18), each paired with nmap's smtp-open-relay script on the
# same server in the same run.
#
# usage: bash bench/mta-limits.sh [RUNS [CASE...]]
#        RELAYTEST=/path/to/relaytest bash bench/mta-limits.sh 3
#
# No make target: run it with bash from anywhere (it cds to the checkout).
# RELAYTEST picks the binary (default ./relaytest, built with make when
# missing); TARPIT_SECONDS the greeting tarpit's pause (default 10); KEEP=1
# keeps the work directory (reports, server logs). Needs root, Postfix,
# openssl, jq, nmap (apt-get install nmap) and the Exim that
# tests/mta/fetch.sh unpacks (run here when missing). Default 3 runs.
#
# Cases (default all, in this order), each a closed server on 127.0.0.1 with
# the test suite's configuration (tests/postfix.sh, tests/mta/exim.sh):
#   postfix   Postfix, nothing special (the baseline)
#   exim      Exim, default limits
#   slow-greet the bundled fake server (build/fakesmtpd, FAKESMTPD) with
#             its 220 TARPIT_SECONDS late and nothing else slow: a closed
#             Postfix-like dialogue, no error limits, 32 connections at once
#   tarpit    Postfix holding its 220 back TARPIT_SECONDS (greet pause:
#             smtpd_delay_reject = no, smtpd_client_restrictions = sleep N,
#             reject_unauth_pipelining); its error slow-down (after 10
#             refusals on a connection) stays on
#   exim-one  Exim with smtp_accept_max_per_host = 1 (a second connection
#             gets "421 Too many concurrent SMTP connections")
#   wrapper   Postfix in wrapper mode (TLS from the first byte) on a free
#             high port, not 465; relaytest in its default --tls auto
#
# Each run is one relaytest -F json then one nmap, in turn (A B A B ...), so
# a drift in the machine's speed touches both; the ratio is taken pair by
# pair and its median printed. A second between runs lets the server reap
# the last sessions (outside the timing). For relaytest, from its JSON: the
# verdict with its count of denied tests and of tests in error, temporarily
# failed or not tested ("34d/0e"), connections (median over the runs) and
# the most at once (largest over the runs); and
# the connections the server itself logged during the run (Postfix: each
# smtpd connect; Exim: "accepted+turned away", with log_selector
# +smtp_connection). nmap runs with no script arguments (its default
# addresses are the external ones) and -n, with a private services file
# naming the port SMTP. Not a test: timing depends on the machine.
set -u
cd "$(dirname "$0")/.." || exit 1
RUNS=${1:-3}
shift
CASES=${*:-postfix exim slow-greet tarpit exim-one wrapper}
RELAYTEST=${RELAYTEST:-./relaytest}
FAKESMTPD=${FAKESMTPD:-build/fakesmtpd}
TARPIT_SECONDS=${TARPIT_SECONDS:-10}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/relaytest-bench.XXXXXX")
ok() { :; }
not_ok() { echo "bench: $*" >&2; }
fake_pid=
cleanup() {
	stop_fake
	mta_stop_all
	postfix_stop_all
	[ -n "${KEEP:-}" ] && echo "bench: kept $WORK" >&2 || rm -rf "$WORK"
}
# shellcheck source=tests/postfix.sh
. tests/postfix.sh
# shellcheck source=tests/mta/lib.sh
. tests/mta/lib.sh
# shellcheck source=tests/mta/exim.sh
. tests/mta/exim.sh
trap cleanup EXIT
mkdir -p "$WORK/mta" "$WORK/nd"

[ "$(id -u)" = 0 ] || { echo "bench: must run as root (Postfix, Exim)" >&2; exit 1; }
for tool in nmap postfix openssl jq; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 1; }
done
[ -x "$RELAYTEST" ] || make -s relaytest || exit 1
[ -x "$FAKESMTPD" ] || make -s build/fakesmtpd || exit 1
[ -f "$MTA_DIR/exim.ok" ] || bash tests/mta/fetch.sh "$MTA_DIR" || exit 1

stop_fake() {
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
	fake_pid=
}

start_slow_greet() {
	local i
	cat >"$WORK/slow-greet.scn" <<SCN
greeting !delay ${TARPIT_SECONDS}000 220 mx.relaytest.test ESMTP
concurrent 32
on EHLO * => 250-mx.relaytest.test\n250-PIPELINING\n250-SIZE 10240000\n250-ENHANCEDSTATUSCODES\n250 8BITMIME
on HELO * => 250 mx.relaytest.test
on MAIL FROM:* => 250 2.1.0 Ok
on RCPT TO:<postmaster@relaytest.test> => 250 2.1.5 Ok
on RCPT TO:* => 554 5.7.1 Relay access denied
SCN
	"$FAKESMTPD" -s "$WORK/slow-greet.scn" -l "$WORK/slow-greet.log" -p "$WORK/slow-greet.port" -w 3000 \
		2>"$WORK/slow-greet.err" &
	fake_pid=$!
	for i in $(seq 1 500); do
		[ -s "$WORK/slow-greet.port" ] && break
		sleep 0.01
	done
	PORT=$(cat "$WORK/slow-greet.port" 2>/dev/null)
	[ -n "$PORT" ]
}

# start_case CASE: starts the server; sets PORT and SERVER_LOG.
start_case() {
	local certs=$WORK/certs
	case $1 in
	postfix)
		postfix_start closed >/dev/null || return 1
		PORT=$PF_PORT SERVER_LOG=$WORK/postfix/closed/maillog ;;
	slow-greet)
		start_slow_greet || return 1
		SERVER_LOG=$WORK/slow-greet.log ;;
	tarpit)
		PF_READY="greeting $TARPIT_SECONDS" postfix_start tarpit "smtpd_delay_reject = no" \
			"smtpd_client_restrictions = sleep $TARPIT_SECONDS, reject_unauth_pipelining" >/dev/null || return 1
		PORT=$PF_PORT SERVER_LOG=$WORK/postfix/tarpit/maillog ;;
	wrapper)
		mkdir -p "$certs"
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout "$certs/key.pem" -out "$certs/cert.pem" -days 2 \
			-subj /CN=mx.relaytest.test >/dev/null 2>&1 || return 1
		chmod 755 "$certs"
		chmod 644 "$certs/key.pem" "$certs/cert.pem"
		PF_READY=tls PF_MASTER_EXTRA="tlsmgr    unix  - - n 1000? 1 tlsmgr" \
			postfix_start wrapper "smtpd_tls_wrappermode = yes" "smtpd_tls_security_level = may" \
			"smtpd_tls_cert_file = $certs/cert.pem" "smtpd_tls_key_file = $certs/key.pem" >/dev/null || return 1
		PORT=$PF_PORT SERVER_LOG=$WORK/postfix/wrapper/maillog ;;
	exim)
		exim_start closed 192.0.2.0/24 '' 'log_selector = +smtp_connection' || return 1
		PORT=$EXIM_PORT SERVER_LOG=$WORK/mta/exim-closed/log/mainlog ;;
	exim-one)
		exim_start one 192.0.2.0/24 '' "smtp_accept_max_per_host = 1
log_selector = +smtp_connection" || return 1
		PORT=$EXIM_PORT SERVER_LOG=$WORK/mta/exim-one/log/mainlog ;;
	*)
		echo "bench: unknown case $1" >&2
		return 1 ;;
	esac
}

# count_lines PATTERN FILE: how many lines of FILE match (0 when none or no file).
count_lines() {
	local n
	n=$(grep -c -- "$1" "$2" 2>/dev/null)
	echo "${n:-0}"
}

# server_count: connections the server logged so far ("N" for Postfix and
# the fake server, "accepted+turned away" for Exim).
server_count() {
	case $SERVER_LOG in
	*/slow-greet.log) count_lines '^== connect' "$SERVER_LOG" ;;
	*/maillog) count_lines 'postfix/smtpd\[[0-9]*\]: connect from' "$SERVER_LOG" ;;
	*) echo "$(count_lines 'SMTP connection from .*connection count' "$SERVER_LOG")+$(count_lines \
		'refused: too many connections' "$SERVER_LOG")" ;;
	esac
}

# count_diff BEFORE AFTER: AFTER - BEFORE, for "N" or "A+R".
count_diff() {
	if [[ $1 == *+* ]]; then
		echo "$((${2%+*} - ${1%+*}))+$((${2#*+} - ${1#*+}))"
	else
		echo "$(($2 - $1))"
	fi
}

# timed OUT COMMAND...: runs COMMAND, output to OUT; prints the seconds.
timed() {
	local out=$1 start end
	shift
	start=$(date +%s%N)
	"$@" >"$out" 2>&1
	end=$(date +%s%N)
	awk -v n="$((end - start))" 'BEGIN { printf "%.3f", n / 1e9 }'
}

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "-" }'; }

nmap_verdict() {
	if grep -q "doesn't seem to be an open relay" "$1"; then
		echo closed
	elif grep -q 'Server is an open relay' "$1"; then
		echo open
	else
		echo "unclear: $(grep -m 1 '^|' "$1" | cut -c1-50)"
	fi
}

echo "closed servers on 127.0.0.1, $RUNS run(s) each, relaytest and nmap in turn ($("$RELAYTEST" --version), $(nmap --version | head -n 1 | cut -d' ' -f1-3)):"
printf '  %-9s %9s %-18s %6s %7s %8s   %9s %-24s %s\n' server relaytest verdict conns at-once "srv-saw" nmap "nmap verdict" "nmap/relaytest"
for case in $CASES; do
	if ! start_case "$case"; then
		echo "  $case: the server did not start" >&2
		stop_fake
		mta_stop_all
		postfix_stop_all
		continue
	fi
	printf 'smtp\t%s/tcp\t0.5\n' "$PORT" >"$WORK/nd/nmap-services"
	rts=() nms=() ratios=() conns=() at_once=0 seen=()
	for i in $(seq 1 "$RUNS"); do
		sleep 1
		before=$(server_count)
		rt=$(timed "$WORK/rt-$case.$i.json" "$RELAYTEST" -F json "127.0.0.1:$PORT")
		sleep 1
		seen+=("$(count_diff "$before" "$(server_count)")")
		nm=$(timed "$WORK/nmap-$case.$i.out" nmap -n -Pn -sT -p "$PORT" --datadir "$WORK/nd" \
			--script smtp-open-relay 127.0.0.1)
		rts+=("$rt") nms+=("$nm")
		ratios+=("$(awk -v r="$rt" -v n="$nm" 'BEGIN { printf "%.2f", n / r }')")
		c=$(jq -r '"\(.connections) \(.max_connections_at_once)"' "$WORK/rt-$case.$i.json" 2>/dev/null)
		conns+=("${c% *}")
		[ "${c#* }" -gt "$at_once" ] 2>/dev/null && at_once=${c#* }
	done
	rv=$(jq -r '"\(.verdict) \(.counts.denied)d/\(.counts.error + .counts.temporary_failure + .counts.not_tested)e"' \
		"$WORK/rt-$case.1.json" 2>/dev/null)
	printf '  %-9s %7.2f s %-18s %6s %7s %8s   %7.2f s %-24s %sx\n' "$case" \
		"$(printf '%s\n' "${rts[@]}" | median)" "${rv:-no report}" \
		"$(printf '%s\n' "${conns[@]}" | median)" "$at_once" \
		"$(printf '%s\n' "${seen[@]}" | sort -t+ -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')" \
		"$(printf '%s\n' "${nms[@]}" | median)" "$(nmap_verdict "$WORK/nmap-$case.1.out")" \
		"$(printf '%s\n' "${ratios[@]}" | median)"
	printf '            relaytest runs: %s s; nmap runs: %s s\n' "${rts[*]}" "${nms[*]}"
	stop_fake
	mta_stop_all
	postfix_stop_all
done
