# tests/mta/postscreen.sh - relaytest against Postfix behind postscreen with its
# deep protocol tests on (sourced by tests/run.sh after tests/postfix.sh,
# whose instances it reuses: own directories, 127.0.0.1, discard transports).
#
# With postscreen_pipelining_enable, _non_smtp_command_enable and
# _bare_newline_enable, postscreen itself answers a new client's first
# connection: the greeting and EHLO look normal, but every RCPT gets
# "450 4.3.2 Service currently unavailable". A client that behaved is then
# remembered (postscreen_cache_map) and its next connection goes to the real
# smtpd. So the first visit's temporary failures say nothing about relaying:
# each must be rerun on a fresh connection, where it gets its real answer.

# postscreen_start NAME [main.cf lines...]: a postfix_start instance whose
# port is served by postscreen; sets PF_PORT.
postscreen_start() {
	local name=$1 dir=$WORK/postfix/$1 i
	shift
	postfix_start "$name" "postscreen_pipelining_enable = yes" \
		"postscreen_non_smtp_command_enable = yes" "postscreen_bare_newline_enable = yes" \
		"postscreen_greet_wait = 1s" "$@" || return 1
	sed -i "s/^127\.0\.0\.1:$PF_PORT inet .*/127.0.0.1:$PF_PORT inet n - n - 1 postscreen\nsmtpd     pass  - - n - - smtpd\ndnsblog   unix  - - n - 0 dnsblog\ntlsproxy  unix  - - n - 0 tlsproxy/" \
		"$dir/etc/master.cf"
	postfix -c "$dir/etc" reload >/dev/null 2>&1 || return 1
	# Reloaded when the listener is postscreen: its log says so (at most 10 s).
	for i in $(seq 1 100); do
		if timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PF_PORT && head -c 3 <&3" 2>/dev/null | grep -q 220 &&
			grep -q 'postfix/postscreen' "$dir/maillog" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "# postscreen $name did not start: $(tail -n 3 "$dir/maillog" 2>/dev/null)"
	return 1
}

postscreen_tests() {
	if ! command -v postfix >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
		not_ok "mta: postscreen needs Postfix and root (see the postfix section)"
		return
	fi
	local skips=("${MTA_NO_AUTH[@]}")

	# Closed: the first visit's 450 4.3.2 replies are rerun on a fresh
	# connection, where Postfix refuses relaying: every relay test denied.
	if postscreen_start postscreen-closed; then
		local log=$WORK/postfix/postscreen-closed/maillog
		mta_run postscreen-closed "127.0.0.1:$PF_PORT"
		grep -q 'NOQUEUE: reject: RCPT from .*450 4.3.2 Service currently unavailable' "$log" &&
			ok "mta: postscreen's deep tests answered the first visit's RCPTs 450 4.3.2" ||
			not_ok "mta: postscreen never answered 450 4.3.2 (deep tests not on?)" "$(tail -n 3 "$log")"
		mta_check "postscreen closed: first visit's 450 4.3.2 rerun, every relay test denied, exit 0" 0 \
			"control-postmaster accepted" "${skips[@]}" "* denied"
		# A second run finds the client remembered: the same verdicts at once.
		mta_run postscreen-closed-again "127.0.0.1:$PF_PORT"
		mta_check "postscreen closed, client already passed: every relay test denied, exit 0" 0 \
			"control-postmaster accepted" "${skips[@]}" "* denied"
	fi

	# Open behind postscreen: smtpd lets 127.0.0.1 relay (check_client_access
	# OK), while postscreen does not know it (it is not in mynetworks).
	mkdir -p "$WORK/postfix"
	printf '127.0.0.1 OK\n' >"$WORK/postfix/relay-clients.cidr"
	if postscreen_start postscreen-open \
		"smtpd_relay_restrictions = permit_mynetworks, check_client_access cidr:$WORK/postfix/relay-clients.cidr, reject_unauth_destination"; then
		mta_run postscreen-open "127.0.0.1:$PF_PORT"
		mta_check "postscreen open: first visit's 450 4.3.2 rerun, relaying accepted, exit 1" 1 \
			"control-postmaster accepted" "${skips[@]}" "ext-to-ext accepted" "null-sender accepted" \
			"helo-localhost accepted" "percent-hack-domain accepted"
	fi
}
