# tests/mta/sendmail.sh - relaytest against Sendmail 8.17 from Debian
# (sendmail-bin, sendmail-cf), unpacked by tests/mta/fetch.sh; sourced by
# tests/run.sh after tests/mta/lib.sh.
#
# Each instance gets its own sendmail.cf, built with m4 from sendmail-cf's
# stock rules, its own queue, status and pid files under
# $WORK/mta/sendmail-NAME, and runs in the foreground (-bD) on 127.0.0.1 and
# a free port, with no queue runner (no -q) and DeliveryMode queueonly, so it
# never delivers. It has a fully qualified name of its own (Dj), a hosts
# file (service switch: files only) and no resolver, so it neither waits on
# DNS nor sleeps for want of a qualified name.
#
# Sendmail's stock rules let 127.0.0.1 relay ("originated locally", rule set
# Relay_ok) and trust a client whose name is in $=w. Our client is on
# 127.0.0.1, so the generated cf drops that one rule, interface probing is
# off, and the hosts file names 127.0.0.1 "client.outside.test": to these
# rules the test client is a stranger. The rest of the stock rules and
# limits stay: MAXHELOCOMMANDS (the 3rd and later EHLO of a session are
# delayed 1, 2, 4 ... s), confBAD_RCPT_THROTTLE, the "553 Domain name
# required" for unqualified addresses.

# sendmail_start NAME [MC LINES]: sets SENDMAIL_PORT. Listens on the ports in
# MTA_EXTRA_PORTS too (benchmarks).
sendmail_start() {
	local name=$1 extra=${2:-} dir=$WORK/mta/sendmail-$1 cf=$PWD/$MTA_ROOT/usr/share/sendmail/cf
	mkdir -p "$dir/queue" "$dir/etc"
	chmod 755 "$WORK" "$WORK/mta" "$dir"
	chmod 700 "$dir/queue"
	SENDMAIL_PORT=$(mta_free_port) || return 1
	printf 'postmaster: root\n' >"$dir/etc/aliases"
	: >"$dir/etc/local-host-names"
	echo "${SENDMAIL_RELAY_DOMAINS:-}" >"$dir/etc/relay-domains"
	printf 'hosts files\naliases files\n' >"$dir/etc/service.switch"
	cat >"$dir/sendmail.mc" <<MC
divert(-1)
divert(0)dnl
include(\`$cf/m4/cf.m4')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`mx.relaytest.test')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confDELIVERY_MODE', \`queueonly')dnl
define(\`QUEUE_DIR', \`$dir/queue')dnl
define(\`STATUS_FILE', \`$dir/sendmail.st')dnl
define(\`confPID_FILE', \`$dir/sendmail.pid')dnl
define(\`ALIAS_FILE', \`$dir/etc/aliases')dnl
define(\`confCW_FILE', \`$dir/etc/local-host-names')dnl
define(\`confCR_FILE', \`$dir/etc/relay-domains')dnl
define(\`confSERVICE_SWITCH_FILE', \`$dir/etc/service.switch')dnl
define(\`confHOSTS_FILE', \`$dir/hosts')dnl
define(\`confDEF_USER_ID', \`daemon:daemon')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit,GroupWritableDirPathSafe,ClassFileInUnsafeDirPath,MapInUnsafeDirPath,InsufficientEntropy')dnl
define(\`confTO_IDENT', \`0s')dnl
define(\`confDONT_INIT_GROUPS', \`True')dnl
DAEMON_OPTIONS(\`Family=inet, Name=MTA, Port=$SENDMAIL_PORT, Addr=127.0.0.1')dnl
$(for p in ${MTA_EXTRA_PORTS:-}; do echo "DAEMON_OPTIONS(\`Family=inet, Name=MTA$p, Port=$p, Addr=127.0.0.1')dnl"; done)
FEATURE(\`no_default_msa')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
LOCAL_DOMAIN(\`relaytest.test')dnl
$extra
MAILER(\`local')dnl
MAILER(\`smtp')dnl
MC
	"$PWD/$MTA_ROOT/usr/bin/m4" "$dir/sendmail.mc" 2>"$dir/m4.err" |
		sed '/^R127\.0\.0\.1\t/d' >"$dir/sendmail.cf"
	# The cf must name the host, listen only where we said, and no longer
	# trust 127.0.0.1 by address.
	if ! grep -q '^Djmx\.relaytest\.test$' "$dir/sendmail.cf" ||
		[ "$(grep -c '^O DaemonPortOptions=' "$dir/sendmail.cf")" != $((1 + $(echo ${MTA_EXTRA_PORTS:-} | wc -w))) ] ||
		grep -q '^R127\.0\.0\.1' "$dir/sendmail.cf"; then
		echo "# sendmail $name: m4 did not make the expected sendmail.cf: $(head -n 3 "$dir/m4.err")"
		return 1
	fi
	# The aliases database (newaliases) is built in the namespace too: outside
	# it this machine's name may not be qualified, and Sendmail would sleep.
	local sm=$PWD/$MTA_ROOT/usr/libexec/sendmail/sendmail
	MTA_LOOPBACK_NAME=client.outside.test mta_spawn "$dir" "$dir/daemon.log" \
		"'$sm' -C '$dir/sendmail.cf' -bi >'$dir/newaliases.log' 2>&1" \
		"$sm" -C "$dir/sendmail.cf" -bD
	mta_wait_greeting "sendmail $name" "$SENDMAIL_PORT" "$MTA_PID" "$dir/daemon.log"
}

sendmail_tests() {
	mta_available sendmail || return 0
	# Sendmail offers AUTH CRAM-MD5 (and DIGEST-MD5) without TLS: the bogus
	# CRAM-MD5 test runs and must be refused; the others are not offered.
	local skips=("auth-plain-bogus skipped" "auth-login-bogus skipped" "auth-plain-empty skipped"
		"auth-cram-md5-bogus denied" "auth-ntlm-anonymous skipped")

	# Closed: the stock rules. "550 5.7.1 Relaying denied" for every remote
	# recipient; "553 5.5.4 Domain name required" and "Real domain name
	# required" at MAIL for unqualified, localhost and address-literal
	# senders (our own address echoed back is no relay phrase: still a
	# denial of the test's own envelope); "553 5.1.3 Invalid route address"
	# for a second @. The HELO tests must not meet MAXHELOCOMMANDS' delays
	# (1, 2, 4, 8 ... s for the 3rd and later EHLO of a session): each run
	# ends within 5 s with every reply inside a 5 s timeout.
	if sendmail_start closed; then
		MTA_MAX_SECONDS=5 mta_modes sendmail-closed \
			"sendmail closed: every relay test denied, exit 0, no EHLO delay met" 0 \
			"control-postmaster accepted" "${skips[@]}" "* denied" \
			-- --timeout 5 "127.0.0.1:$SENDMAIL_PORT"
		# Sendmail echoes our address ("Hello localhost [127.0.0.1],
		# pleased to meet you"): seen as ourselves, no false alarm.
		mta_json_check "sendmail closed: seen as 127.0.0.1, no seen-as-other-address finding" \
			'.seen_as == "127.0.0.1" and ([.findings[] | select(.id == "seen-as-other-address")] | length == 0)'
	fi

	# Open: FEATURE(promiscuous_relay). Still refused, before any relay
	# check: unqualified, localhost and address-literal senders (553 5.5.4)
	# and a second @ in the recipient (553 5.1.3 Invalid route address).
	local refused=("unqualified-sender denied" "ip-sender denied" "localhost-sender denied"
		"loopback-sender denied" "double-at-domain denied" "double-at-host denied"
		"double-at-ip denied")
	if sendmail_start open "FEATURE(\`promiscuous_relay')dnl"; then
		mta_modes sendmail-open "sendmail open (promiscuous_relay): relaying accepted, exit 1" 1 \
			"control-postmaster accepted" "${skips[@]}" "${refused[@]}" "* accepted" \
			-- "127.0.0.1:$SENDMAIL_PORT"
	fi

	# Open to this client only: its name is in relay-domains ($=R), as an
	# admin who lists a network's hosts there would have it. The same
	# refusals as above.
	if SENDMAIL_RELAY_DOMAINS=client.outside.test sendmail_start relay-client; then
		mta_modes sendmail-relay-client "sendmail relaying for the client's name (relay-domains): accepted, exit 1" 1 \
			"control-postmaster accepted" "${skips[@]}" "${refused[@]}" "* accepted" \
			-- "127.0.0.1:$SENDMAIL_PORT"
	fi
}
