# tests/postfix.sh - relaytest against real Postfix instances (sourced by tests/run.sh).
#
# Each instance gets its own config, queue and data directories under
# $WORK, one smtpd on 127.0.0.1 and a free high port, and can deliver
# nothing: every transport is discard and DNS is off. The tests connect from
# 127.0.0.1, so mynetworks is a documentation prefix (192.0.2.0/24) unless
# the instance is meant to be open. Instances are stopped by their master's
# pid, also when a test fails.

PF_STARTED=() # config directories of the instances we started

postfix_free_port() {
	local port try
	for try in $(seq 1 50); do
		port=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	return 1
}

# postfix_start NAME [main.cf lines...]: sets PF_PORT; returns non-zero on failure.
# PF_MASTER_EXTRA: more master.cf lines (e.g. tlsmgr), there from the start;
# {port} in them is PF_PORT.
# PF_READY: how to know the instance is up: "greeting" (default: a 220 within
# 1 s), "tls" (a 220 inside TLS from the first byte: wrapper mode), or
# "greeting N" (a 220 within N s, for a greeting tarpit), or "proxy" (a 220
# within 1 s after a PROXY v1 header: smtpd_upstream_proxy_protocol); sets
# PF_GREET_SECONDS to how long the last greeting took.
postfix_start() {
	local name=$1 dir=$WORK/postfix/$1 line i
	shift
	mkdir -p "$dir/etc" "$dir/queue" "$dir/data"
	chmod 755 "$WORK" "$WORK/postfix" "$dir"
	chown postfix "$dir/data"
	PF_PORT=$(postfix_free_port) || return 1
	local extra=${PF_MASTER_EXTRA:-}
	cat >"$dir/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
meta_directory = /etc/postfix
maillog_file_prefixes = $dir
maillog_file = $dir/maillog
myhostname = mx.relaytest.test
mydomain = relaytest.test
myorigin = \$mydomain
mydestination = \$mydomain
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 192.0.2.0/24
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
default_transport = discard
relay_transport = discard
local_transport = discard
virtual_transport = discard
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
smtpd_peername_lookup = no
local_recipient_maps =
alias_maps =
alias_database =
biff = no
CF
	for line in "$@"; do
		echo "$line" >>"$dir/etc/main.cf"
	done
	cat >"$dir/etc/master.cf" <<CF
127.0.0.1:$PF_PORT inet n - n - - smtpd
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
proxymap  unix  - - n - - proxymap
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
${extra//\{port\}/$PF_PORT}
CF
	postfix -c "$dir/etc" start >"$dir/start.log" 2>&1 || {
		echo "# postfix $name did not start: $(tail -n 3 "$dir/maillog" 2>/dev/null)"
		return 1
	}
	PF_STARTED+=("$dir")
	# Wait (at most 10 s, or 10 tries of a greeting tarpit) until it greets.
	local ready=${PF_READY:-greeting} wait=1 tries=100 start
	case $ready in
	"greeting "*) wait=$((${ready#greeting } + 2)) tries=10 ;;
	tls) wait=3 tries=30 ;;
	proxy) tries=50 ;;
	esac
	for i in $(seq 1 "$tries"); do
		start=$(date +%s%N)
		if postfix_greets "$ready" "$wait"; then
			PF_GREET_SECONDS=$(awk -v n="$(($(date +%s%N) - start))" 'BEGIN { printf "%.1f", n / 1e9 }')
			return 0
		fi
		sleep 0.1
	done
	echo "# postfix $name did not answer on port $PF_PORT (waited for: $ready)"
	return 1
}

# postfix_greets READY SECONDS: one connection to PF_PORT gets a 220 within
# SECONDS, in plain text, (READY tls) inside TLS, or (READY proxy) after a
# PROXY v1 header.
postfix_greets() {
	if [ "$1" = tls ]; then
		# QUIT ahead of the greeting: the server answers both and closes.
		printf 'QUIT\r\n' | timeout "$2" openssl s_client -connect "127.0.0.1:$PF_PORT" -quiet 2>/dev/null |
			head -c 3 | grep -q 220
	elif [ "$1" = proxy ]; then
		# The header claims the connection's own addresses (127.0.0.1).
		timeout "$2" bash -c "exec 3<>/dev/tcp/127.0.0.1/$PF_PORT && printf 'PROXY TCP4 127.0.0.1 127.0.0.1 40000 $PF_PORT\\r\\n' >&3 && head -c 3 <&3" 2>/dev/null | grep -q 220
	else
		timeout "$2" bash -c "exec 3<>/dev/tcp/127.0.0.1/$PF_PORT && head -c 3 <&3" 2>/dev/null | grep -q 220
	fi
}

postfix_stop_all() {
	local dir pid
	for dir in "${PF_STARTED[@]}"; do
		pid=$(tr -d ' ' <"$dir/queue/pid/master.pid" 2>/dev/null)
		postfix -c "$dir/etc" stop >/dev/null 2>&1
		# If the master outlived "postfix stop", end it by its pid.
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			sleep 1
			kill "$pid" 2>/dev/null
		fi
	done
	PF_STARTED=()
}

# postfix_run NAME ARGS...: run relaytest; sets PF_RC and PF_OUT.
postfix_run() {
	local name=$1
	shift
	PF_OUT=$WORK/postfix/$name.out
	timeout 120 "$RELAYTEST" --all "$@" >"$PF_OUT" 2>"$PF_OUT.err"
	PF_RC=$?
}

# postfix_short NAME MAX-LINES RESULT ARGS...: the default short report (no
# --all) has at most MAX-LINES lines, its second line is "Result: RESULT"
# whole, and no line ends in white space (issue 20's goals on real servers).
postfix_short() {
	local name=$1 max=$2 result=$3 out=$WORK/postfix/$1-short.out why=()
	shift 3
	timeout 120 "$RELAYTEST" "$@" >"$out" 2>&1
	[ "$(wc -l <"$out")" -le "$max" ] || why+=("$(wc -l <"$out") lines, want at most $max")
	[ "$(sed -n 2p "$out")" = "Result: $result" ] || why+=("line 2: $(sed -n 2p "$out")")
	! grep -q ' $' "$out" || why+=("trailing white space")
	if [ ${#why[@]} -eq 0 ]; then
		ok "postfix: $name: short report, $(wc -l <"$out") lines (at most $max)"
	else
		not_ok "postfix: $name: short report" "${why[@]}" "report: $out"
	fi
}

# postfix_check NAME WANT-EXIT "ID TEXT" ... ["*" TEXT for every other test]
postfix_check() {
	local name=$1 want=$2 why=()
	shift 2
	[ "$PF_RC" = "$want" ] || why+=("exit status $PF_RC, want $want")
	check_verdicts "$PF_OUT" "$@"
	# The report fits mail: every line at most 78 columns (transcript aside).
	local wide
	wide=$(awk '/^Transcript:$/ { exit } length > 78 { n++ } END { print n + 0 }' "$PF_OUT")
	[ "$wide" = 0 ] || why+=("$wide report lines over 78 columns")
	if [ ${#why[@]} -eq 0 ]; then
		ok "postfix: $name"
	else
		not_ok "postfix: $name" "${why[@]}" "report: $PF_OUT"
	fi
}

# postfix_rows NAME: the result rows of the last report into $WORK/postfix/NAME.rows
postfix_rows() {
	cut -c1-64 "$PF_OUT" | grep -E '^[a-z]+-' >"$WORK/postfix/$1.rows"
}

# postfix_same NAME-A NAME-B WHAT: ok when both runs gave the same verdicts.
postfix_same() {
	if cmp -s "$WORK/postfix/$1.rows" "$WORK/postfix/$2.rows"; then
		ok "postfix: $3"
	else
		not_ok "postfix: not $3" "$(diff "$WORK/postfix/$1.rows" "$WORK/postfix/$2.rows" | head -5)"
	fi
}

# Greet pause, Postfix's classic greeting tarpit (postconf(5), "sleep"):
# with smtpd_delay_reject = no the client restrictions run at connect, so
# "sleep N" holds the 220 back N seconds, and reject_unauth_pipelining
# refuses a client that talked before it. Every connection pays the N
# seconds again, so the table must not cost more connections than against
# the same server without the pause (CLOSED-PORT, the closed instance),
# plus one: a TLS probe made while no greeting has come. At most 4 at once:
# the default cap of 3 (issue 18) plus that probe. The pause is 3 s here to keep the
# suite short (bench/mta-limits.sh uses 10 s); a run that took long is not a
# failure, wrong verdicts or more connections are.
POSTFIX_GREET_PAUSE=${POSTFIX_GREET_PAUSE:-3}
postfix_greet_pause() {
	local closed_port=$1 pause=$POSTFIX_GREET_PAUSE base
	# shellcheck source=tests/mta/lib.sh
	. tests/mta/lib.sh
	mkdir -p "$WORK/mta"
	if [ -z "$closed_port" ]; then
		not_ok "postfix: greeting tarpit: no closed instance to compare with"
		return
	fi
	MTA_LABEL=postfix mta_run postfix-closed "127.0.0.1:$closed_port"
	base=$(jq -r '.connections' "$MTA_JSON" 2>/dev/null)
	if ! [[ $base =~ ^[0-9]+$ ]]; then
		not_ok "postfix: greeting tarpit: no JSON report from the closed instance" "report: $MTA_JSON"
		return
	fi
	PF_READY="greeting $pause" postfix_start greet-pause "smtpd_delay_reject = no" \
		"smtpd_client_restrictions = sleep $pause, reject_unauth_pipelining" || {
		not_ok "postfix: greeting tarpit: the instance did not start"
		return
	}
	# The fixture holds its greeting back, or the test proves nothing.
	if awk -v g="$PF_GREET_SECONDS" -v p="$pause" 'BEGIN { exit !(g >= p - 0.5) }'; then
		ok "postfix: greeting tarpit: the 220 comes after $PF_GREET_SECONDS s (sleep $pause)"
	else
		not_ok "postfix: greeting tarpit: the 220 came after $PF_GREET_SECONDS s, want $pause"
	fi
	MTA_LABEL=postfix mta_run postfix-greet-pause "127.0.0.1:$PF_PORT"
	MTA_LABEL=postfix mta_check "greeting tarpit (220 after $pause s): every relay test denied, exit 0" 0 \
		"control-postmaster accepted" "${MTA_NO_AUTH[@]}" "* denied"
	MTA_LABEL=postfix mta_connections_at_most \
		"greeting tarpit: no more connections than without it ($base) plus a TLS probe, 3 at once plus the probe" \
		$((base + 1)) 4
}

# Every address of a name (issue 19): one Postfix with an smtpd on
# 127.0.0.2 that relays for loopback clients (mynetworks for that service
# alone) and one on 127.0.0.3 that does not, on one port; relaytest reaches
# them by two.relaytest.test, which a private hosts file (tests/addresses.sh)
# maps to both: two reports, OPEN RELAY on 127.0.0.2's, exit 1.
postfix_addresses() {
	local dir=$WORK/postfix/addresses why=()
	mkdir -p "$dir"
	if ! unshare -m true 2>/dev/null; then
		not_ok "postfix: every address of a name: unshare -m is not permitted here (run as root)"
		return
	fi
	addr_ns_files "$dir"
	PF_MASTER_EXTRA='127.0.0.2:{port} inet n - n - - smtpd -o mynetworks=127.0.0.0/8
127.0.0.3:{port} inet n - n - - smtpd' postfix_start addresses || {
		not_ok "postfix: every address of a name: the instance did not start"
		return
	}
	addr_run "$dir" text "two.relaytest.test:$PF_PORT"
	[ "$ADDR_RC" = 1 ] || why+=("text: exit $ADDR_RC, want 1")
	[ "$(addr_result "$ADDR_OUT" "two.relaytest.test:$PF_PORT (127.0.0.2)")" = "Result: OPEN RELAY" ] &&
		[ "$(addr_result "$ADDR_OUT" "two.relaytest.test:$PF_PORT (127.0.0.3)")" = "Result: not an open relay" ] ||
		why+=("text: $(grep -E 'report for|^Result' "$ADDR_OUT" | tr '\n' ' ')")
	grep -q "1 open relay (two.relaytest.test:$PF_PORT (127.0.0.2))" <(tr -s ' \n' '  ' <"$ADDR_OUT") ||
		why+=("text: the summary does not name 127.0.0.2")
	# Each section is the server at its address (one run: an open Postfix
	# slows down as its cleanup processes pile up).
	grep -q "^Server     127.0.0.2 port $PF_PORT, " "$ADDR_OUT" && grep -q "^Server     127.0.0.3 port $PF_PORT, " "$ADDR_OUT" &&
		[ "$(grep -c '^Greeting   220 mx.relaytest.test ESMTP Postfix' "$ADDR_OUT")" = 2 ] ||
		why+=("text: $(grep -E '^(Server|Greeting) ' "$ADDR_OUT" | tr '\n' ' ')")
	if [ ${#why[@]} -eq 0 ]; then
		ok "postfix: every address of a name: two.relaytest.test is two servers, OPEN RELAY on 127.0.0.2 only, exit 1"
	else
		not_ok "postfix: every address of a name" "${why[@]}" "report: $dir"
	fi
}

postfix_tests() {
	if ! command -v postfix >/dev/null 2>&1; then
		if [ -n "${RELAYTEST_SKIP_POSTFIX:-}" ]; then
			echo "# postfix tests skipped (RELAYTEST_SKIP_POSTFIX is set)"
		else
			not_ok "postfix: Postfix is not installed (apt-get install postfix, or run .ci/run)"
		fi
		return
	fi
	if [ "$(id -u)" != 0 ]; then
		not_ok "postfix: the Postfix tests must run as root (postfix start needs it)"
		return
	fi
	trap 'postfix_stop_all; cleanup' EXIT
	local skips=("auth-plain-bogus skipped" "auth-login-bogus skipped" "auth-plain-empty skipped")

	# 1. Closed, default error limits: every relay test denied, control accepted.
	if postfix_start closed; then
		local closed_port=$PF_PORT
		postfix_run closed "127.0.0.1:$PF_PORT"
		postfix_check "closed server: every relay test denied, exit 0" 0 \
			"control-postmaster accepted (control)" "${skips[@]}" "* denied: relay policy"
		grep -qE '^ +all [0-9]+ relay tests denied' "$PF_OUT" && grep -q '^Result: not an open relay$' "$PF_OUT" &&
			ok "postfix: closed server summary line" ||
			not_ok "postfix: closed server summary line" "$(tail -n 1 "$PF_OUT")"
		local conns
		conns=$(sed -n 's/^Server .*, \([0-9]*\) connections, at most [0-9]* at once$/\1/p' "$PF_OUT")
		[ "${conns:-0}" -ge 4 ] &&
			ok "postfix: error budget spreads the table over $conns connections" ||
			not_ok "postfix: error budget" "connections: ${conns:-?}" "$(tail -n 1 "$PF_OUT")"
		# The verdicts do not depend on how many connections carried them.
		postfix_short closed 25 "not an open relay" "127.0.0.1:$PF_PORT"
		postfix_rows closed
		postfix_run closed-lockstep --no-pipelining "127.0.0.1:$closed_port"
		postfix_rows closed-lockstep
		postfix_same closed closed-lockstep \
			"closed server: pipelined and lock-step runs give the same verdicts"
		postfix_run closed-budget3 --error-budget 3 "127.0.0.1:$closed_port"
		postfix_rows closed3
		postfix_same closed closed3 "same verdicts with --error-budget 3 (more connections)"
	fi

	# 1b. Closed, no tarpit delay, hard limit 5: each connection is dropped
	# before its lane of tests is through, then the lane resumes on a new
	# one; same verdicts as above.
	if postfix_start closed-droppy "smtpd_error_sleep_time = 0" "smtpd_soft_error_limit = 5" \
		"smtpd_hard_error_limit = 5"; then
		postfix_run closed-droppy --verbose --error-budget 1000 --connections 1 "127.0.0.1:$PF_PORT"
		postfix_check "server that disconnects at 5 errors: resumed, nothing lost" 0 \
			"control-postmaster accepted (control)" "${skips[@]}" "* denied: relay policy"
		grep -q ' -> interrupted (' "$PF_OUT" &&
			ok "postfix: the disconnect was met and survived (transcript shows it)" ||
			not_ok "postfix: no disconnect in the transcript"
		postfix_rows droppy
		postfix_same closed droppy "same verdicts on one connection with a drop as on five"
	fi

	# 1c. Closed, at most 4 connections from a client per 10 s (Postfix's
	# anvil; the rate window is 60 s by default): the table needs more, so
	# the open connections carry more tests, and when none is left the run
	# waits for the window to pass. Every verdict as on the unlimited server.
	if postfix_start closed-rate "smtpd_client_connection_rate_limit = 4" \
		"anvil_rate_time_unit = 10s"; then
		postfix_run closed-rate --verbose "127.0.0.1:$PF_PORT"
		postfix_check "server limiting connections to 4 per 10 s: every test still run" 0 \
			"control-postmaster accepted (control)" "${skips[@]}" "* denied: relay policy"
		grep -q 'The server refused extra connections from this client' "$PF_OUT" &&
			grep -qE 'EHLO again on this one|waiting [0-9.]+ s for the server' "$PF_OUT" &&
			ok "postfix: the rate limit was met and said; open connections carried more" ||
			not_ok "postfix: the rate limit was not met or not said" \
				"$(grep -E 'refused|EHLO again|waiting' "$PF_OUT" | head -n 5)"
		postfix_rows closed-rate
		postfix_same closed closed-rate "same verdicts under a connection rate limit"
	fi

	postfix_greet_pause "${closed_port:-}"

	# 2. Open: everyone is in mynetworks.
	if postfix_start open "mynetworks = 0.0.0.0/0"; then
		postfix_run open "127.0.0.1:$PF_PORT"
		postfix_check "open server: relaying accepted, exit 1" 1 \
			"control-postmaster accepted (control)" "${skips[@]}" \
			"ext-to-ext ACCEPTED" "null-sender ACCEPTED" "domain-sender ACCEPTED" \
			"no-brackets ACCEPTED" "percent-hack-domain ACCEPTED" "quoted-at ACCEPTED" \
			"source-route-domain ACCEPTED" "bang-path ACCEPTED" "helo-localhost ACCEPTED"
		postfix_rows open
		local open_out=$PF_OUT
		postfix_run open-lockstep --no-pipelining "127.0.0.1:$PF_PORT"
		postfix_rows open-lockstep
		postfix_same open open-lockstep \
			"open server: pipelined and lock-step runs give the same verdicts"
		PF_OUT=$open_out
		grep -q '^Result: OPEN RELAY$' "$PF_OUT" &&
			ok "postfix: open server summary: $(sed -n 's/^ *\([0-9]* of [0-9]*\) relay tests accepted.*/\1/p' "$PF_OUT" | head -1) accepted" ||
			not_ok "postfix: open server summary" "$(tail -n 1 "$PF_OUT")"
	fi

	# 3. defer_unauth_destination: 454 4.7.1 Relay access denied is a denial.
	if postfix_start deferring "smtpd_relay_restrictions = permit_mynetworks, defer_unauth_destination"; then
		postfix_run deferring "127.0.0.1:$PF_PORT"
		postfix_check "defer_unauth_destination (454 4.7.1): denied, exit 0" 0 \
			"control-postmaster accepted (control)" "${skips[@]}" "ext-to-ext denied: relay policy" \
			"* denied"
		grep -q '454 4.7.1' "$PF_OUT" && ok "postfix: 454 4.7.1 shown in the report" ||
			not_ok "postfix: 454 4.7.1 not in the report"
	fi

	# 4. Greylisting-like: every RCPT but postmaster gets 450 4.7.1 "try again later".
	local grey=$WORK/postfix/greylist
	mkdir -p "$WORK/postfix"
	printf '/^postmaster@relaytest\\.test$/ DUNNO\n/./ 450 4.7.1 Greylisted, try again later\n' >"$grey"
	if postfix_start greylisting \
		"smtpd_relay_restrictions = permit_mynetworks, check_recipient_access regexp:$grey, reject_unauth_destination"; then
		postfix_run greylisting "127.0.0.1:$PF_PORT"
		postfix_check "greylisting (450 4.7.1 try again later): inconclusive, exit 2" 2 \
			"control-postmaster accepted (control)" "${skips[@]}" "* temp-fail: greylisting"
		postfix_short greylisting 30 "INCONCLUSIVE" "127.0.0.1:$PF_PORT"
	fi

	# 4b. Relaying refused first, then every remaining recipient greylisted
	# (postgrey after reject_unauth_destination, as most sites run it): the
	# control is only greylisted, every relay test is denied: exit 0.
	local greyall=$WORK/postfix/greylist-all
	printf '/./ 450 4.7.1 Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/relaytest.test.html\n' >"$greyall"
	if postfix_start greylist-after \
		"smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination, check_recipient_access regexp:$greyall"; then
		postfix_run greylist-after "127.0.0.1:$PF_PORT"
		postfix_check "greylisting after the relay check: not an open relay, exit 0" 0 \
			"control-postmaster temp-fail: greylisting" "${skips[@]}" "* denied: relay policy"
		postfix_rows greylist-after
		postfix_run greylist-after-lockstep --no-pipelining "127.0.0.1:$PF_PORT"
		postfix_rows greylist-after-lockstep
		postfix_same greylist-after greylist-after-lockstep \
			"greylisting after the relay check: lock-step gives the same verdicts"
	fi

	# 5. Authentication required for everything: 530. The control is refused
	# too, so the denials prove nothing: inconclusive, and the report says why.
	local authmap=$WORK/postfix/authreq
	printf '/^/ 530 5.7.0 Authentication required\n' >"$authmap"
	if postfix_start auth-required "smtpd_sender_restrictions = check_sender_access regexp:$authmap"; then
		postfix_run auth-required "127.0.0.1:$PF_PORT"
		postfix_check "authentication required (530): denied, control refused, exit 2" 2 \
			"control-postmaster denied: auth required" "${skips[@]}" "* denied: auth required"
		tr -s ' \n' '  ' <"$PF_OUT" | grep -q 'Result: INCONCLUSIVE the control recipient postmaster@relaytest.test was refused' &&
			ok "postfix: the refused control is the reason given" ||
			not_ok "postfix: the refused control is not the reason given"
	fi

	postfix_addresses

	# Nothing may have been delivered or queued anywhere.
	local queued=0 dir
	for dir in "${PF_STARTED[@]}"; do
		queued=$((queued + $(find "$dir/queue/incoming" "$dir/queue/active" "$dir/queue/deferred" -type f 2>/dev/null | wc -l)))
	done
	[ "$queued" = 0 ] && ok "postfix: nothing was queued (no DATA was ever sent)" ||
		not_ok "postfix: $queued queue files exist"

	# --send on an open server: one labelled message per accepted test, and
	# Postfix's discard transport is where it ends.
	if postfix_start open-send "mynetworks = 0.0.0.0/0"; then
		local log=$WORK/postfix/open-send/maillog ids i
		postfix_run open-send --send --to admin@example.net \
			--tests ext-to-ext,percent-hack-domain,null-sender "127.0.0.1:$PF_PORT"
		# The report wraps at 78 columns: read it as one line.
		ids=$(tr -s ' \n' '  ' <"$PF_OUT" | grep -oE -- '--send: message accepted for delivery: 250 2\.0\.0 Ok: queued as [0-9A-F]+' | awk '{ print $NF }')
		for i in $(seq 1 50); do
			[ "$(grep -c 'postfix/discard.*to=<admin@example.net>.*status=sent' "$log")" -ge 3 ] && break
			sleep 0.1
		done
		local found=0 id
		for id in $ids; do
			grep -q "discard.*$id: to=<admin@example.net>.*status=sent" "$log" && found=$((found + 1))
		done
		[ "$PF_RC" = 1 ] && [ "$found" = 3 ] && [ "$(echo "$ids" | wc -w)" = 3 ] &&
			ok "postfix: --send: 3 accepted tests, 3 messages, each discarded by Postfix" ||
			not_ok "postfix: --send" "exit $PF_RC, queue ids: $ids, discarded: $found"
	fi
	postfix_stop_all
}
