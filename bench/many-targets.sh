#!/usr/bin/env bash
# bench/many-targets.sh - 200 closed servers on loopback, tested with
# --jobs 1, --jobs 32, and by nmap's smtp-open-relay script over the same set.
#
# usage: bench/many-targets.sh [N [DELAY_MS]]   (default 200 and 0; needs nmap)
#        bench/many-targets.sh N mta            (real servers; needs root, postfix)
#        SKIP_NMAP=1 leaves nmap out
#
# Each target is one bundled fake server (a closed server that offers
# PIPELINING) on its own port of 127.0.0.1, answering after DELAY_MS per
# round trip (0: at once; 10 is a server about a city away). Every tool must
# report every target; the times and ratios are printed.
#
# With "mta" instead of a delay, the targets are real servers, a quarter each
# of Postfix, Exim, OpenSMTPD and Sendmail from Debian 12 (the test suite's
# closed configurations, tests/mta/): one instance of each, listening on N/4
# ports of 127.0.0.1, every port a target. As each instance stands for N/4
# servers, its limits on simultaneous connections are raised to match (Exim
# smtp_accept_max 20 -> 1000; Postfix smtpd processes 100 -> 1000 and no
# per-client count limit); the limits per connection stay as they are.
set -u
cd "$(dirname "$0")/.."
N=${1:-200}
DELAY=${2:-0}
RELAYTEST=${RELAYTEST:-./relaytest}
FAKESMTPD=${FAKESMTPD:-build/fakesmtpd}
work=$(mktemp -d "${TMPDIR:-/tmp}/relaytest-many.XXXXXX")
pids=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
command -v nmap >/dev/null || { echo "bench: nmap is not installed (apt-get install nmap)" >&2; exit 1; }
[ -x "$RELAYTEST" ] && [ -x "$FAKESMTPD" ] || make -s relaytest build/fakesmtpd

mta_targets() {
	local per=$((N / 4)) i p ports_of extra
	WORK=$work
	ok() { :; }
	not_ok() { echo "bench: $*" >&2; }
	check_verdicts() { :; }
	. tests/postfix.sh
	. tests/mta/lib.sh
	. tests/mta/exim.sh
	. tests/mta/opensmtpd.sh
	. tests/mta/sendmail.sh
	[ -f "$MTA_DIR/exim.ok" ] || bash tests/mta/fetch.sh "$MTA_DIR" || exit 1
	mkdir -p "$work/mta"
	trap 'mta_stop_all; postfix_stop_all; cleanup' EXIT
	# ports_of: PER free ports; the first is the server's own, the rest extra.
	ports_of() {
		local list=" " q
		while [ "$(echo $list | wc -w)" -lt "$per" ]; do
			q=$(mta_free_port) || return 1
			[[ $list == *" $q "* ]] || list+="$q "
		done
		echo $list
	}
	for mta in postfix exim opensmtpd sendmail; do
		extra=$(ports_of)
		p=${extra%% *}
		extra=${extra#* }
		case $mta in
		postfix)
			postfix_start closed "default_process_limit = 1000" \
				"smtpd_client_connection_count_limit = 0" >/dev/null || exit 1
			for q in $extra; do
				echo "127.0.0.1:$q inet n - n - - smtpd" >>"$work/postfix/closed/etc/master.cf"
			done
			postfix -c "$work/postfix/closed/etc" reload >/dev/null 2>&1
			sleep 1
			p=$PF_PORT ;;
		exim) MTA_EXTRA_PORTS=$extra exim_start closed 192.0.2.0/24 '' 'smtp_accept_max = 1000' || exit 1; p=$EXIM_PORT ;;
		opensmtpd) MTA_EXTRA_PORTS=$extra opensmtpd_start closed \
			'match from any for domain "relaytest.test" action "local"' || exit 1; p=$SMTPD_PORT ;;
		sendmail) MTA_EXTRA_PORTS=$extra sendmail_start closed || exit 1; p=$SENDMAIL_PORT ;;
		esac
		for q in $p $extra; do
			ports+=("$q")
			echo "127.0.0.1:$q" >>"$work/targets"
			printf 'smtp\t%s/tcp\t0.5\n' "$q" >>"$work/nd/nmap-services"
		done
	done
}

mkdir -p "$work/nd"
: >"$work/targets"
ports=()
if [ "$DELAY" = mta ]; then
	mta_targets
else
echo "delay-all $DELAY" >"$work/closed.scn"
cat >>"$work/closed.scn" <<'SCN'
greeting 220 mx.relaytest.test ESMTP Postfix
on EHLO * => 250-mx.relaytest.test\n250-PIPELINING\n250-SIZE 10240000\n250 8BITMIME
on MAIL FROM:* => 250 2.1.0 Ok
on RCPT TO:<postmaster@relaytest.test> => 250 2.1.5 Ok
on RCPT TO:* => 554 5.7.1 Relay access denied
SCN
for i in $(seq 1 "$N"); do
	"$FAKESMTPD" -s "$work/closed.scn" -l /dev/null -p "$work/port.$i" -w 900 &
	pids+=($!)
done
for i in $(seq 1 "$N"); do
	while [ ! -s "$work/port.$i" ]; do sleep 0.01; done
	port=$(cat "$work/port.$i")
	ports+=("$port")
	echo "127.0.0.1:$port" >>"$work/targets"
	printf 'smtp\t%s/tcp\t0.5\n' "$port" >>"$work/nd/nmap-services"
done
fi

time_it() { # NAME CHECK-COMMAND COMMAND...
	local name=$1 start end
	shift
	start=$(date +%s.%N)
	"$@" >"$work/out" 2>&1
	end=$(date +%s.%N)
	awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }'
}

N=${#ports[@]}
# Against real servers --jobs 1 is left out: one at a time, a slow server
# (Sendmail's EHLO delays) would make it take many minutes.
if [ "$DELAY" != mta ]; then
	t1=$(time_it jobs1 "$RELAYTEST" --jobs 1 -F json --input "$work/targets")
	n1=$(grep -c '"verdict":"closed"' "$work/out")
fi
t32=$(time_it jobs32 "$RELAYTEST" --jobs 32 -F json --input "$work/targets")
n32=$(grep -c '"verdict":"closed"' "$work/out")
# What the targets not found closed were, and why (at most 5).
jq -r 'select(.verdict != "closed") | "  # \(.target) (\(.software)): \(.verdict): " +
	([.tests[] | select(.verdict != "denied" and .verdict != "accepted" and .verdict != "skipped")
	| "\(.id) \(.verdict) \(.text)"] | .[0:2] | join("; ")) + (.error // "")' "$work/out" 2>/dev/null |
	head -n 5 | cut -c1-200 >"$work/not-closed"
[ -n "${SKIP_NMAP:-}" ] && { echo "$N targets, --jobs 32: $t32 s, $n32 closed"; cat "$work/not-closed"; exit 0; }
tn=$(time_it nmap nmap -n -Pn -sT -p "$(IFS=,; echo "${ports[*]}")" --datadir "$work/nd" \
	--script smtp-open-relay 127.0.0.1)
nn=$(grep -c "doesn't seem to be an open relay" "$work/out")

if [ "$DELAY" = mta ]; then
	echo "${#ports[@]} closed real servers on 127.0.0.1 (Postfix, Exim, OpenSMTPD, Sendmail, a quarter each; $(nproc) cores):"
else
	echo "$N closed servers on 127.0.0.1, $DELAY ms per round trip ($(nproc) cores):"
fi
[ "$DELAY" = mta ] ||
	printf '  %-32s %7s s  %3d of %d targets reported closed\n' "relaytest --jobs 1" "$t1" "$n1" "$N"
printf '  %-32s %7s s  %3d of %d targets reported closed\n' "relaytest --jobs 32" "$t32" "$n32" "$N"
cat "$work/not-closed"
printf '  %-32s %7s s  %3d of %d targets reported closed\n' "nmap --script smtp-open-relay" "$tn" "$nn" "$N"
if [ "$DELAY" = mta ]; then
	awk -v b="$t32" -v n="$tn" 'BEGIN { printf "  --jobs 32 is %.1fx faster than nmap\n", n / b }'
else
	awk -v a="$t1" -v b="$t32" -v n="$tn" 'BEGIN {
		printf "  --jobs 32 is %.1fx faster than --jobs 1, %.1fx faster than nmap\n", a / b, n / b
	}'
fi
