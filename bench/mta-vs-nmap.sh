#!/usr/bin/env bash
# bench/mta-vs-nmap.sh - relaytest's full table against nmap's smtp-open-relay
# script on each real server of the test suite, closed, in one run.
#
# usage: bench/mta-vs-nmap.sh [RUNS [MTA...]]
#        (default 1 run; MTAs postfix exim opensmtpd sendmail tarpit)
#        needs root, nmap, postfix, and tests/mta/fetch.sh's unpacked servers
#
# Each server is started with the test suite's closed configuration
# (tests/postfix.sh, tests/mta/*.sh): Postfix 3.7, Exim 4.96, OpenSMTPD 6.8
# and Sendmail 8.17 from Debian 12, on 127.0.0.1; "tarpit" is the bundled fake
# server as an Exchange-style tarpit (every 5xx reply 5 s late, Exchange's
# default TarpitInterval; 421 after 5 errors, MaxProtocolErrors; up to 32
# connections at once). nmap's script needs no arguments: its own default
# addresses (antispam@ and relaytest@nmap.scanme.org) are the external ones,
# and it needs no DNS with -n. Prints the median time of each tool, the verdict
# each reached, and the ratio. RELAYTEST picks the binary (default
# ./relaytest). Not a test: timing depends on the machine.
set -u
cd "$(dirname "$0")/.."
RUNS=${1:-1}
shift
MTAS=${*:-postfix exim opensmtpd sendmail tarpit}
RELAYTEST=${RELAYTEST:-./relaytest}
FAKESMTPD=${FAKESMTPD:-build/fakesmtpd}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/relaytest-bench.XXXXXX")
ok() { :; }
not_ok() { echo "bench: $*" >&2; }
check_verdicts() { :; }
fake_pid=
cleanup() {
	mta_stop_all
	postfix_stop_all
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
. tests/postfix.sh
. tests/mta/lib.sh
. tests/mta/exim.sh
. tests/mta/opensmtpd.sh
. tests/mta/sendmail.sh
trap cleanup EXIT
mkdir -p "$WORK/mta" "$WORK/nd"

command -v nmap >/dev/null || { echo "bench: nmap is not installed (apt-get install nmap)" >&2; exit 1; }
[ -x "$RELAYTEST" ] && [ -x "$FAKESMTPD" ] || make -s relaytest build/fakesmtpd
[ -f "$MTA_DIR/exim.ok" ] || bash tests/mta/fetch.sh "$MTA_DIR" || exit 1

start_tarpit() {
	cat >"$WORK/tarpit.scn" <<'SCN'
greeting 220 mail.contoso.test Microsoft ESMTP MAIL Service ready
tarpit 5000
max-errors 5
concurrent 32
on EHLO * => 250-mail.contoso.test Hello [127.0.0.1]\n250-SIZE 37748736\n250-PIPELINING\n250-DSN\n250-ENHANCEDSTATUSCODES\n250-8BITMIME\n250 CHUNKING
on HELO * => 250 mail.contoso.test Hello [127.0.0.1]
on MAIL FROM:* => 250 2.1.0 Sender OK
on RCPT TO:<postmaster@contoso.test> => 250 2.1.5 Recipient OK
on RCPT TO:* => 550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain
SCN
	"$FAKESMTPD" -s "$WORK/tarpit.scn" -l "$WORK/tarpit.log" -p "$WORK/tarpit.port" -w 3000 &
	fake_pid=$!
	while [ ! -s "$WORK/tarpit.port" ]; do sleep 0.01; done
	PORT=$(cat "$WORK/tarpit.port")
}

# time_runs NAME COMMAND...: the median of RUNS runs, in seconds.
time_runs() {
	local name=$1 i start end times=()
	shift
	for i in $(seq 1 "$RUNS"); do
		start=$(date +%s.%N)
		"$@" >"$WORK/$name.$i.out" 2>&1
		end=$(date +%s.%N)
		times+=("$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')")
	done
	printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

echo "closed servers on 127.0.0.1, $RUNS run(s) each, medians ($("$RELAYTEST" --version)):"
printf '  %-10s %10s %-22s %10s %-22s %s\n' server relaytest verdict nmap verdict "nmap / relaytest"
for mta in $MTAS; do
	case $mta in
	postfix) postfix_start closed >/dev/null || continue; PORT=$PF_PORT ;;
	exim) exim_start closed 192.0.2.0/24 || continue; PORT=$EXIM_PORT ;;
	opensmtpd) opensmtpd_start closed 'match from any for domain "relaytest.test" action "local"' || continue
		PORT=$SMTPD_PORT ;;
	sendmail) sendmail_start closed || continue; PORT=$SENDMAIL_PORT ;;
	tarpit) start_tarpit ;;
	esac
	printf 'smtp\t%s/tcp\t0.5\n' "$PORT" >"$WORK/nd/nmap-services"
	rt=$(time_runs "rt-$mta" "$RELAYTEST" -F json "127.0.0.1:$PORT")
	rv=$(jq -r '"\(.verdict) \(.counts.denied)d/\(.counts.error + .counts.temporary_failure)e"' "$WORK/rt-$mta.1.out" 2>/dev/null)
	nm=$(time_runs "nmap-$mta" nmap -n -Pn -sT -p "$PORT" --datadir "$WORK/nd" --script smtp-open-relay 127.0.0.1)
	if grep -q "doesn't seem to be an open relay" "$WORK/nmap-$mta.1.out"; then
		nv=closed
	elif grep -q 'Server is an open relay' "$WORK/nmap-$mta.1.out"; then
		nv=open
	else
		nv="unclear: $(grep -m 1 '^|' "$WORK/nmap-$mta.1.out" | cut -c1-60)"
	fi
	printf '  %-10s %8.2f s %-22s %8.2f s %-22s %.1fx\n' "$mta" "$rt" "$rv" "$nm" "$nv" \
		"$(awk -v r="$rt" -v n="$nm" 'BEGIN { print n / r }')"
	mta_stop_all
	postfix_stop_all
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
	fake_pid=
done
