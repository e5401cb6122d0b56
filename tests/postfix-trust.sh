# tests/postfix-trust.sh - relaytest against Postfix that trusts what a client
# claims about itself (issue 19): XCLIENT offered to anyone, and the PROXY
# protocol (smtpd_upstream_proxy_protocol, postscreen_upstream_proxy_protocol)
# accepted from anyone. Sourced by tests/run.sh after tests/postfix.sh (it
# sources tests/mta/lib.sh itself); doc/xclient-proxy-notes.md has the dialogues these servers
# really speak, and tests/mta/trust-check.py checks them without relaytest.
#
# One Postfix master (postfix_start: its own directories, 127.0.0.1, every
# transport discard, DNS off) serves five listeners, each an smtpd (or
# postscreen) with its own -o overrides and its own syslog_name, so one start
# (about 3 s) serves them all. The tests connect from 127.0.0.1, which no
# listener trusts: mynetworks is 10.0.0.0/8 and [::1]/128 on the open ones
# (so a claim of 10.0.0.1 or ::1 relays, a claim of 127.0.0.1 does not) and
# the documentation prefix 192.0.2.0/24 on the closed ones.
#
#   xclient-open   smtpd_authorized_xclient_hosts = 0.0.0.0/0, [::]/0, relay
#                  for 10.0.0.0/8 and [::1]/128: plain tests denied, XCLIENT
#                  ADDR=10.0.0.1 and ADDR=IPV6:::1 relay.
#   xclient-closed the same XCLIENT, mynetworks 192.0.2.0/24: every test
#                  denied; the finding alone says XCLIENT is open.
#   proxy-open     smtpd_upstream_proxy_protocol = haproxy, relay for
#                  10.0.0.0/8 and [::1]/128, smtpd_upstream_proxy_timeout 1s:
#                  a client that sends no header gets "421 4.3.0 <host>
#                  Server local error" after 1 s (after 5 s by default, so
#                  relaytest's default --timeout 30 always meets this 421).
#   proxy-closed   the same, mynetworks 192.0.2.0/24, the default timeout of
#                  5 s: relaytest (--timeout PT_SILENT_TIMEOUT, 2) meets
#                  silence, not the 421.
#   postscreen     postscreen_upstream_proxy_protocol = haproxy, timeout 1s
#                  ("421 4.3.2 No system resources"), smtpd behind it relays
#                  for 10.0.0.0/8 and [::1]/128.
#
# The runs go in parallel (each mostly waits), then each is checked; beside
# them tests/mta/trust-check.py checks that the servers themselves behave as
# the notes say (so a changed Postfix fails there, not in relaytest's checks).
#
# Test ids are PREFIX-SUFFIX: xclient-10, proxy-loopback6, ...; each SUFFIX
# names the address its test claims (the maillog must show the server saw it).
PT_XCLIENT=${PT_XCLIENT:-xclient}
PT_PROXY=${PT_PROXY:-proxy}
declare -A PT_CLAIM=(
	[loopback]=127.0.0.1 [loopback6]=::1 [10]=10.0.0.1 [172-16]=172.16.0.1
	[192-168-0]=192.168.0.1 [192-168-1]=192.168.1.1
)
# Findings (JSON .findings[].id) each kind of server must draw.
PT_FINDING_XCLIENT=${PT_FINDING_XCLIENT:-xclient-offered}
PT_FINDING_PROXY=${PT_FINDING_PROXY:-proxy-accepted}
# What the classic table (ext-to-ext ... helo-loopback) gets on the PROXY
# listeners: it runs behind an honest header (127.0.0.1, which these servers
# do not trust).
PT_PROXY_TABLE=${PT_PROXY_TABLE:-denied}
# --timeout for every run; the silent one (proxy-closed) uses a shorter one
# so that relaytest gives up before Postfix's 5 s and sees no reply at all.
PT_TIMEOUT=${PT_TIMEOUT:-3}
PT_SILENT_TIMEOUT=${PT_SILENT_TIMEOUT:-2}
# No run may take longer than this many seconds (it would eat CI's budget).
PT_MAX_SECONDS=${PT_MAX_SECONDS:-15}

# postfix_trust_start: the instance; sets PT_PORT[xclient-open], ...
declare -A PT_PORT=()
postfix_trust_start() {
	local name p
	for name in xclient-closed proxy-open proxy-closed postscreen; do
		PT_PORT[$name]=$(postfix_free_port) || return 1
	done
	# Closed listeners trust no one; PROXY listeners offer no XCLIENT.
	local closed="-o mynetworks=192.0.2.0/24" noxc="-o smtpd_authorized_xclient_hosts="
	local px="-o smtpd_upstream_proxy_protocol=haproxy"
	PF_MASTER_EXTRA="127.0.0.1:${PT_PORT[xclient-closed]} inet n - n - - smtpd -o syslog_name=pf-xclient-closed $closed
127.0.0.1:${PT_PORT[proxy-open]} inet n - n - - smtpd -o syslog_name=pf-proxy-open $px -o smtpd_upstream_proxy_timeout=1s $noxc
127.0.0.1:${PT_PORT[proxy-closed]} inet n - n - - smtpd -o syslog_name=pf-proxy-closed $px $closed $noxc
127.0.0.1:${PT_PORT[postscreen]} inet n - n - 1 postscreen -o syslog_name=pf-postscreen -o postscreen_upstream_proxy_protocol=haproxy -o postscreen_upstream_proxy_timeout=1s -o postscreen_greet_wait=1s
smtpd     pass  - - n - - smtpd -o syslog_name=pf-postscreen $noxc" \
		postfix_start trust "inet_protocols = all" "mynetworks = 10.0.0.0/8, [::1]/128" \
		"smtpd_authorized_xclient_hosts = 0.0.0.0/0, [::]/0" "syslog_name = pf-xclient-open" || return 1
	# (main.cf's syslog_name tags every daemon, but only the main listener's smtpd)
	PT_PORT[xclient-open]=$PF_PORT
	PT_LOG=$WORK/postfix/trust/maillog
	# One master opens every listener before the first greets; make sure.
	for name in xclient-closed proxy-open proxy-closed postscreen; do
		p=${PT_PORT[$name]}
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || {
			echo "# postfix trust: listener $name (port $p) is not up"
			return 1
		}
	done
}

# pt_launch NAME ARGS...: relaytest -F json ARGS in the background, into
# $WORK/mta/trust-NAME.json; pt_collect NAME waits for it and sets MTA_RC,
# MTA_JSON and MTA_SECONDS as mta_run does.
declare -A PT_PID=()
pt_launch() {
	local name=$1 out=$WORK/mta/trust-$1
	shift
	(
		start=$(date +%s%N)
		timeout 180 "$RELAYTEST" -F json "$@" >"$out.json" 2>"$out.json.err"
		echo "$? $(($(date +%s%N) - start))" >"$out.rc"
	) &
	PT_PID[$name]=$!
}
pt_collect() {
	local out=$WORK/mta/trust-$1 rc ns
	wait "${PT_PID[$1]}" 2>/dev/null
	read -r rc ns <"$out.rc" 2>/dev/null
	MTA_RC=${rc:-none}
	MTA_JSON=$out.json
	MTA_SECONDS=$(awk -v n="${ns:-0}" 'BEGIN { printf "%.2f", n / 1e9 }')
}

# pt_specs PREFIX VERDICT ID-SUFFIX...: "PREFIX-SUFFIX VERDICT" specs for mta_check.
pt_specs() {
	local prefix=$1 verdict=$2 suffix
	shift 2
	for suffix in "$@"; do echo "$prefix-$suffix $verdict"; done
}

# pt_finding NAME ID: the last run's findings hold ID.
pt_finding() {
	MTA_LABEL=postfix mta_json_check "$1: finding $2" "[.findings[].id] | index(\"$2\") != null"
}

# pt_saw NAME SYSLOG-NAME PREFIX: the server's log shows a session from each
# claimed address (so relaytest really sent each claim, and the server took
# it). Weak for 127.0.0.1, which is also the real client address.
pt_saw() {
	local name=$1 tag=$2 prefix=$3 suffix addr missing=()
	for suffix in "${!PT_CLAIM[@]}"; do
		addr=${PT_CLAIM[$suffix]}
		grep -F "$tag/smtpd[" "$PT_LOG" | grep -qF "[$addr]" || missing+=("$prefix-$suffix ($addr)")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		ok "postfix: $name: the server saw a session from every claimed address"
	else
		not_ok "postfix: $name: the server never saw these claims" "${missing[*]}" "log: $PT_LOG"
	fi
}

# pt_check_time NAME: the last run ended within PT_MAX_SECONDS.
pt_check_time() {
	if awk -v t="$MTA_SECONDS" -v m="$PT_MAX_SECONDS" 'BEGIN { exit !(t <= m) }'; then
		ok "postfix: $1: done in $MTA_SECONDS s (at most $PT_MAX_SECONDS)"
	else
		not_ok "postfix: $1: took $MTA_SECONDS s, more than $PT_MAX_SECONDS" "report: $MTA_JSON"
	fi
}

# pt_after NAME VERDICT FINDING SYSLOG-NAME PREFIX: what every run must show
# beside its verdicts: the verdict, the finding, a session from each claimed
# address in the server's log, and its time.
pt_after() {
	MTA_LABEL=postfix mta_json_check "$1: verdict $2" ".verdict == \"$2\""
	pt_finding "$1" "$3"
	pt_saw "$1" "$4" "$5"
	pt_check_time "$1"
}

# 1. XCLIENT open to all, relay only via XCLIENT: the plain table is denied
# (127.0.0.1 is not in mynetworks); XCLIENT ADDR=10.0.0.1 and ADDR=IPV6:::1
# relay, the other claims do not. OPEN, exit 1.
postfix_trust_xclient_open() {
	pt_collect xclient-open
	local specs
	mapfile -t specs < <(pt_specs "$PT_XCLIENT" denied loopback 172-16 192-168-0 192-168-1
		pt_specs "$PT_PROXY" skipped "${!PT_CLAIM[@]}")
	MTA_LABEL=postfix mta_check "XCLIENT open to all, relay via XCLIENT only: xclient-10 and xclient-loopback6 accepted, exit 1" 1 \
		"control-postmaster accepted" "${MTA_NO_AUTH[@]}" \
		"$PT_XCLIENT-10 accepted" "$PT_XCLIENT-loopback6 accepted" "${specs[@]}" "* denied"
	pt_after "XCLIENT open" open "$PT_FINDING_XCLIENT" pf-xclient-open "$PT_XCLIENT"
}

# 2. XCLIENT open to all, relaying refused whatever the claim: every test
# denied, exit 0, but the finding says XCLIENT is offered to an outsider.
postfix_trust_xclient_closed() {
	pt_collect xclient-closed
	local specs
	mapfile -t specs < <(pt_specs "$PT_XCLIENT" denied "${!PT_CLAIM[@]}"
		pt_specs "$PT_PROXY" skipped "${!PT_CLAIM[@]}")
	MTA_LABEL=postfix mta_check "XCLIENT open to all, relaying refused even via XCLIENT: every test denied, exit 0" 0 \
		"control-postmaster accepted" "${MTA_NO_AUTH[@]}" "${specs[@]}" "* denied"
	pt_after "XCLIENT closed" closed "$PT_FINDING_XCLIENT" pf-xclient-closed "$PT_XCLIENT"
}

# 3 and 5. PROXY protocol from anyone (smtpd's own, or postscreen's handing
# the claim to smtpd), relay for 10.0.0.0/8 and [::1]/128; no header: a 421
# after 1 s. Headers claiming 10.0.0.1 and ::1 (TCP6) relay.
# pt_proxy_open RUN TITLE NAME SYSLOG-NAME
pt_proxy_open() {
	pt_collect "$1"
	local specs table=()
	mapfile -t specs < <(pt_specs "$PT_PROXY" denied loopback 172-16 192-168-0 192-168-1
		pt_specs "$PT_XCLIENT" skipped "${!PT_CLAIM[@]}")
	[ -n "$PT_PROXY_TABLE" ] && table=("* $PT_PROXY_TABLE")
	MTA_LABEL=postfix mta_check "$2: proxy-10 and proxy-loopback6 accepted, exit 1" 1 \
		"control-postmaster accepted" "${MTA_NO_AUTH[@]}" "$PT_PROXY-10 accepted" "$PT_PROXY-loopback6 accepted" "${specs[@]}" "${table[@]}"
	pt_after "$3" open "$PT_FINDING_PROXY" "$4" "$PT_PROXY"
}
postfix_trust_proxy_open() {
	pt_proxy_open proxy-open "PROXY header from anyone (421 after 1 s without one)" "PROXY open" pf-proxy-open
}

# 4. PROXY protocol from anyone, relaying refused: relaytest meets silence
# (its --timeout is shorter than Postfix's 5 s), every proxy-* denied, exit 0
# and the finding.
postfix_trust_proxy_closed() {
	pt_collect proxy-closed
	local specs table=()
	mapfile -t specs < <(pt_specs "$PT_PROXY" denied "${!PT_CLAIM[@]}"
		pt_specs "$PT_XCLIENT" skipped "${!PT_CLAIM[@]}")
	[ -n "$PT_PROXY_TABLE" ] && table=("* $PT_PROXY_TABLE")
	MTA_LABEL=postfix mta_check "PROXY header from anyone, relaying refused (silent $PT_SILENT_TIMEOUT s): every proxy-* denied, exit 0" 0 \
		"control-postmaster accepted" "${MTA_NO_AUTH[@]}" "${specs[@]}" "${table[@]}"
	pt_after "PROXY closed" closed "$PT_FINDING_PROXY" pf-proxy-closed "$PT_PROXY"
}

postfix_trust_postscreen() {
	pt_proxy_open postscreen "postscreen takes PROXY headers from anyone (421 4.3.2 after 1 s)" \
		"postscreen PROXY open" pf-postscreen
}

postfix_trust_tests() {
	if ! command -v postfix >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
		not_ok "postfix: trust tests need Postfix and root (see the postfix section)"
		return
	fi
	# shellcheck source=tests/mta/lib.sh
	. tests/mta/lib.sh
	mkdir -p "$WORK/mta"
	local saved
	saved=$(trap -p EXIT)
	trap 'postfix_stop_all; cleanup' EXIT
	if ! postfix_trust_start; then
		not_ok "postfix: trust: the instance did not start" "$(tail -n 3 "$WORK/postfix/trust/maillog" 2>/dev/null)"
		postfix_stop_all
		eval "$saved"
		return
	fi
	local t=$PT_TIMEOUT
	pt_launch xclient-open --timeout "$t" "127.0.0.1:${PT_PORT[xclient-open]}"
	pt_launch xclient-closed --timeout "$t" "127.0.0.1:${PT_PORT[xclient-closed]}"
	pt_launch proxy-open --timeout "$t" "127.0.0.1:${PT_PORT[proxy-open]}"
	pt_launch proxy-closed --timeout "$PT_SILENT_TIMEOUT" "127.0.0.1:${PT_PORT[proxy-closed]}"
	pt_launch postscreen --timeout "$t" "127.0.0.1:${PT_PORT[postscreen]}"
	# Meanwhile, the servers themselves must speak as the notes say (claiming
	# addresses that are none of relaytest's candidates).
	local check=$WORK/mta/trust-check.out check_pid name kinds=()
	for name in "${!PT_PORT[@]}"; do kinds+=("$name=${PT_PORT[$name]}"); done
	python3 tests/mta/trust-check.py "${kinds[@]}" >"$check" 2>&1 &
	check_pid=$!
	postfix_trust_xclient_open
	postfix_trust_xclient_closed
	postfix_trust_proxy_open
	postfix_trust_proxy_closed
	postfix_trust_postscreen
	# One line for the lot when all is well; each failure on its own.
	wait "$check_pid"
	local n_ok fails
	n_ok=$(grep -c '^ok - ' "$check")
	fails=$(grep -A1 '^FAIL - ' "$check")
	if [ -z "$fails" ] && [ "$n_ok" -gt 0 ]; then
		ok "postfix: trust: the servers speak XCLIENT and PROXY as the notes say ($n_ok checks, tests/mta/trust-check.py)"
	else
		not_ok "postfix: trust: the servers do not behave as the notes say (tests/mta/trust-check.py)" \
			"${fails:-$(tail -n 5 "$check")}" "output: $check"
	fi
	# No message may stay queued (an accepted RCPT opens a queue file, which
	# Postfix removes when the session ends without a message).
	local dir=$WORK/postfix/trust/queue queued _
	for _ in $(seq 1 20); do
		queued=$(find "$dir/incoming" "$dir/active" "$dir/deferred" -type f 2>/dev/null | wc -l)
		[ "$queued" = 0 ] && break
		sleep 0.1
	done
	[ "$queued" = 0 ] && ok "postfix: trust: nothing was queued" ||
		not_ok "postfix: trust: $queued queue files exist"
	postfix_stop_all
	eval "$saved"
}
