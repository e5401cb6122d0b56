# tests/mta/opensmtpd.sh - relaytest against OpenSMTPD 6.8 from Debian, unpacked
# by tests/mta/fetch.sh; sourced by tests/run.sh after tests/mta/lib.sh.
#
# OpenSMTPD's paths are compiled in (queue /var/spool/smtpd, control socket
# /var/run/smtpd.sock, chroot /var/lib/opensmtpd/empty), so each instance's
# mount namespace puts private empty directories over /var/spool, /run and
# /var/lib: its queue and socket live there and vanish with it. It runs in the
# foreground (-d) on 127.0.0.1 and a free port. Nothing can leave: local mail
# goes to a maildir action that is never reached (no DATA is sent), and the
# open instance's relay action sends only to 127.0.0.1 port 9 (discard),
# where nothing listens. OpenSMTPD offers no PIPELINING and answers a second
# EHLO "503 5.5.1 Invalid command: Already identified".

# opensmtpd_start NAME MATCH-LINES: sets SMTPD_PORT. Listens on the ports in
# MTA_EXTRA_PORTS too (benchmarks), and with SMTPD_LISTEN's extra listen
# lines.
opensmtpd_start() {
	local name=$1 match=$2 dir=$WORK/mta/opensmtpd-$1
	mkdir -p "$dir/mail"
	chmod 755 "$WORK" "$WORK/mta" "$dir"
	SMTPD_PORT=$(mta_free_port) || return 1
	printf 'postmaster: nobody\n' >"$dir/aliases"
	cat >"$dir/smtpd.conf" <<CONF
table aliases file:$dir/aliases
listen on 127.0.0.1 port $SMTPD_PORT hostname mx.relaytest.test
$(for p in ${MTA_EXTRA_PORTS:-}; do echo "listen on 127.0.0.1 port $p hostname mx.relaytest.test"; done)
${SMTPD_LISTEN:-}
action "local" maildir "$dir/mail" alias <aliases>
action "nowhere" relay host smtp://127.0.0.1:9
$match
CONF
	chmod 600 "$dir/smtpd.conf"
	mta_spawn "$dir" "$dir/daemon.log" \
		"mount -t tmpfs tmpfs /var/spool && mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /var/lib && mkdir -p /var/lib/opensmtpd/empty" \
		"$PWD/$MTA_ROOT/usr/sbin/smtpd" -d -f "$dir/smtpd.conf"
	mta_wait_greeting "opensmtpd $name" "$SMTPD_PORT" "$MTA_PID" "$dir/daemon.log"
}

opensmtpd_tests() {
	mta_available opensmtpd || return 0
	local skips=("${MTA_NO_AUTH[@]}")

	# Closed: mail for its own domain only. OpenSMTPD refuses every other
	# recipient "550 Invalid recipient". Its HELO tests need their own
	# connection: the second EHLO of a session is answered 503, which is no
	# verdict.
	if opensmtpd_start closed 'match from any for domain "relaytest.test" action "local"'; then
		mta_modes opensmtpd-closed "opensmtpd closed: every relay test denied, exit 0" 0 \
			"control-postmaster accepted" "${skips[@]}" "* denied" -- "127.0.0.1:$SMTPD_PORT"
	fi

	# Open: relays for any client to any domain. Denied even here, by
	# OpenSMTPD's own parser: an address without brackets (553), quoted
	# local parts and a second or trailing @ (501 5.1.3); and the local
	# domain's unknown users (550 Invalid recipient) for the percent hack
	# and bang path aimed at relaytest.test itself.
	if opensmtpd_start open 'match from any for domain "relaytest.test" action "local"
match from any for any action "nowhere"'; then
		mta_modes opensmtpd-open "opensmtpd open (match from any for any): relaying accepted, exit 1" 1 \
			"control-postmaster accepted" "${skips[@]}" "no-brackets denied" \
			"percent-hack-domain denied" "bang-path-domain denied" "quoted-at denied" \
			"quoted-percent denied" "quoted-at-domain denied" "quoted-at-ip denied" \
			"double-at-domain denied" "double-at-host denied" "double-at-ip denied" "trailing-at denied" \
			"* accepted" -- "127.0.0.1:$SMTPD_PORT"
	fi
	opensmtpd_proxy_v2
}

# A listener with proxy-v2: silent without a header, and it closes on a
# text (v1) one without a word. relaytest asks again with the binary
# header; the server relays for a claimed 10.0.0.0/8, so proxy-10 opens it
# while the table, behind a header from 127.0.0.1, is denied.
opensmtpd_proxy_v2() {
	local v2port skips=("${MTA_NO_AUTH[@]}") xclient=() id
	v2port=$(mta_free_port) || return 1
	for id in loopback loopback6 10 172-16 192-168-0 192-168-1 login; do
		xclient+=("xclient-$id skipped")
	done
	SMTPD_LISTEN="listen on 127.0.0.1 port $v2port hostname mx.relaytest.test proxy-v2" \
		opensmtpd_start proxy-v2 'match from any for domain "relaytest.test" action "local"
match from src 10.0.0.0/8 for any action "nowhere"' || return 0
	mta_run opensmtpd-proxy-v2 --timeout 3 "127.0.0.1:$v2port"
	mta_check "opensmtpd proxy-v2 (relay for 10.0.0.0/8): a v2 header from 10.0.0.1 relays, exit 1" 1 \
		"control-postmaster accepted" "${skips[@]}" "${xclient[@]}" "proxy-10 accepted" \
		"no-brackets denied" "* denied"
	mta_json_check "opensmtpd proxy-v2: proxy_header 2, finding proxy-accepted" \
		'.proxy_header == 2 and ([.findings[].id] | index("proxy-accepted") != null)'
}
