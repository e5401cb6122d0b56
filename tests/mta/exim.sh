# tests/mta/exim.sh - relaytest against Exim 4 from Debian (exim4-daemon-light),
# unpacked by tests/mta/fetch.sh; sourced by tests/run.sh after tests/mta/lib.sh.
#
# Each instance: its own configuration, spool and logs under $WORK/mta/exim-NAME,
# the daemon in the foreground (-bdf) on 127.0.0.1 and a free port, no queue
# runner (no -q), queue_only, and every router a :blackhole: redirect, so
# nothing could be delivered even if a message were accepted. No DNS: host
# lookups, ident and HELO verification are off, and the mount namespace has no
# resolver. Exim's protocol limits are left at their defaults
# (smtp_accept_max_nonmail 10, smtp_max_synprot_errors 3, smtp_enforce_sync).

# exim_start NAME RELAY-FROM-HOSTS [ACL LINES [MAIN OPTIONS [ACLS]]]: the ACL
# lines go into acl_check_rcpt before the relay check, ACLS (whole ACLs) after
# it; sets EXIM_PORT. Listens on the ports in MTA_EXTRA_PORTS too (benchmarks).
exim_start() {
	local name=$1 relay_hosts=$2 extra=${3:-} main=${4:-} acls=${5:-} dir=$WORK/mta/exim-$1
	mkdir -p "$dir/spool" "$dir/log"
	chown -R Debian-exim "$dir/spool" "$dir/log"
	chmod 755 "$WORK" "$WORK/mta" "$dir"
	EXIM_PORT=$(mta_free_port) || return 1
	local rcpt_acl="acl_smtp_rcpt = acl_check_rcpt"
	[[ $main == *acl_smtp_rcpt* ]] && rcpt_acl="" # MAIN OPTIONS choose another
	cat >"$dir/exim.conf" <<CONF
primary_hostname = mx.relaytest.test
qualify_domain = relaytest.test
domainlist local_domains = relaytest.test : mx.relaytest.test
domainlist relay_to_domains =
hostlist relay_from_hosts = $relay_hosts
$rcpt_acl
local_interfaces = 127.0.0.1
daemon_smtp_ports = $EXIM_PORT${MTA_EXTRA_PORTS:+ : ${MTA_EXTRA_PORTS// / : }}
spool_directory = $dir/spool
log_file_path = $dir/log/%slog
pid_file_path = $dir/exim.pid
host_lookup =
rfc1413_hosts =
helo_lookup_domains =
helo_try_verify_hosts =
queue_only = true
no_message_logs
never_users = root
$main

begin acl
acl_check_rcpt:
  accept  hosts = :
  deny    domains = +local_domains
          local_parts = ^[.] : ^.*[@%!/|]
          message = restricted characters in address
  deny    domains = !+local_domains
          local_parts = ^[./|] : ^.*[@%!] : ^.*/\\\\.\\\\./
          message = restricted characters in address
  accept  local_parts = postmaster
          domains = +local_domains
$extra
  accept  hosts = +relay_from_hosts
  accept  domains = +local_domains
  deny    message = relay not permitted
$acls

begin routers
blackhole:
  driver = redirect
  data = :blackhole:
CONF
	mta_spawn "$dir" "$dir/daemon.log" "" \
		"$PWD/$MTA_ROOT/usr/sbin/exim4" -C "$dir/exim.conf" -bdf
	mta_wait_greeting "exim $name" "$EXIM_PORT" "$MTA_PID" "$dir/daemon.log" "$dir/log/paniclog"
}

# exim_one_per_host_checks NAME LABEL: after a run against
# exim_start NAME's smtp_accept_max_per_host = 1. Exim logs each connection
# it turned away ("Connection from [127.0.0.1] refused: too many connections
# from that IP address"): learning the limit costs a few (the connections
# made at once after the first EHLO), and a client that waits for the
# server's close after QUIT before it reconnects meets hardly any more (only
# when it is quicker than Exim reaping the old session); at most
# EXIM_REFUSED_MAX in all (relaytest 1.x: 11 on the closed table). And the
# report names no mechanism that Exim's 421 does not: nothing about
# Postfix's connection rate limit.
EXIM_REFUSED_MAX=${EXIM_REFUSED_MAX:-5}
exim_one_per_host_checks() {
	local name=$1 label=$2 refused named
	refused=$(grep -c 'refused: too many connections from that IP address' \
		"$WORK/mta/exim-$name/log/mainlog" 2>/dev/null)
	[ "${refused:-0}" -le "$EXIM_REFUSED_MAX" ] &&
		ok "mta: exim $label, one connection per host: Exim turned away ${refused:-0} connections (at most $EXIM_REFUSED_MAX)" ||
		not_ok "mta: exim $label, one connection per host: Exim turned away $refused connections, want at most $EXIM_REFUSED_MAX" \
			"report: $MTA_JSON"
	named=$(jq -r '.warnings[]' "$MTA_JSON" 2>/dev/null | grep -i 'smtpd_client_connection_rate_limit')
	[ -z "$named" ] &&
		ok "mta: exim $label, one connection per host: no warning names Postfix's connection rate limit" ||
		not_ok "mta: exim $label, one connection per host: a warning names a mechanism Exim's 421 does not" "$named"
}

exim_tests() {
	mta_available exim || return 0
	local skips=("${MTA_NO_AUTH[@]}")

	# Closed: Debian's stock rcpt ACL, relaying for nobody (relay_from_hosts
	# is a documentation prefix). Every relay test is refused "relay not
	# permitted", or "restricted characters in address" for the percent,
	# bang and quoted forms; none of the HELO tests may be "denied" by Exim's
	# "554 Too many nonmail commands" (the 11th RSET/EHLO of a session).
	if exim_start closed 192.0.2.0/24; then
		mta_modes exim-closed "exim closed: every relay test denied, exit 0" 0 \
			"control-postmaster accepted" "${skips[@]}" "* denied" -- "127.0.0.1:$EXIM_PORT"
	fi

	# Closed, and one connection per client at a time
	# (smtp_accept_max_per_host = 1: Exim answers a second one "421 Too many
	# concurrent SMTP connections from this IP address"): the same verdicts,
	# none of them decided by a 421.
	if exim_start one-per-host 192.0.2.0/24 '' 'smtp_accept_max_per_host = 1'; then
		mta_run exim-one-per-host "127.0.0.1:$EXIM_PORT"
		mta_check "exim closed, smtp_accept_max_per_host = 1: every relay test denied, exit 0" 0 \
			"control-postmaster accepted" "${skips[@]}" "* denied"
		exim_one_per_host_checks one-per-host closed
	fi

	# Open, one connection per client: the accepted tests are still
	# accepted (a few, to keep it short: sender, null sender, source route,
	# HELO), the percent hack still refused for its characters.
	if exim_start one-per-host-open '*' '' 'smtp_accept_max_per_host = 1'; then
		mta_run exim-one-per-host-open \
			--tests ext-to-ext,null-sender,source-route-domain,helo-localhost,percent-hack-domain \
			"127.0.0.1:$EXIM_PORT"
		mta_check "exim open, smtp_accept_max_per_host = 1: relaying accepted, exit 1" 1 \
			"control-postmaster accepted" "ext-to-ext accepted" "null-sender accepted" \
			"source-route-domain accepted" "helo-localhost accepted" "percent-hack-domain denied"
		exim_one_per_host_checks one-per-host-open open
	fi

	# Open: relay_from_hosts = * (everyone may relay). Accepted: every test
	# whose addresses Exim takes as they are, and the source routes, which it
	# strips (RFC 5321 C). Denied even here, by Exim's own parsing before any
	# relay check: unqualified and domain-literal addresses (501; literals
	# are off by default), and the stock ACL's restricted characters (550 for
	# % ! @ / | in a local part).
	if exim_start open '*'; then
		mta_modes exim-open "exim open (relay_from_hosts = *): relaying accepted, exit 1" 1 \
			"control-postmaster accepted" "${skips[@]}" \
			"ext-to-ext accepted" "null-sender accepted" "domain-sender accepted" \
			"host-sender accepted" "localhost-sender accepted" "same-domain-sender accepted" \
			"no-brackets accepted" "source-route-domain accepted" "source-route-host accepted" \
			"helo-localhost accepted" "helo-host accepted" "helo-ip accepted" "helo-loopback accepted" \
			"* denied" -- "127.0.0.1:$EXIM_PORT"
		# The DATA probe on a real server (issue 19): the last open run's
		# accepted tests include some confirmed by Exim's 354 (and the
		# connection closed there: the check at the end finds nothing queued);
		# Exim echoes our address ("Hello localhost [127.0.0.1]"): seen as
		# ourselves, no finding.
		mta_json_check "exim open: a relay accepted at RCPT is confirmed at DATA (354)" \
			'[.tests[] | select(.data_probe.result == "confirmed")] | length >= 1 and length <= 3'
		mta_json_check "exim open: seen as 127.0.0.1, no seen-as-other-address finding" \
			'.seen_as == "127.0.0.1" and ([.findings[] | select(.id == "seen-as-other-address")] | length == 0)'
	fi

	# Open, accepting every recipient (acl_smtp_rcpt = accept, nothing
	# refused for its characters): no rejection, so a runner that keeps one
	# connection while nothing is refused meets Exim's non-mail limit (the
	# 11th RSET or EHLO of a session gets "554 Too many nonmail commands"),
	# which must not decide the HELO tests. Only what Exim cannot parse is
	# refused (501), and its 3 syntax errors per session
	# (smtp_max_synprot_errors) must not decide anything either.
	if exim_start accept-all '*' '' 'acl_smtp_rcpt = accept'; then
		mta_modes exim-accept-all "exim accepting every recipient: relaying accepted, exit 1" 1 \
			"control-postmaster accepted" "${skips[@]}" \
			"unqualified-sender denied" "bang-path-sender denied" "ip-sender denied" "loopback-sender denied" \
			"percent-hack-ip denied" "percent-hack-bare denied" "quoted-at denied" \
			"quoted-percent denied" "quoted-at-ip denied" "double-at-domain denied" \
			"double-at-host denied" "double-at-ip denied" "trailing-at denied" \
			"source-route-ip denied" "bang-path denied" "bang-path-ip denied" \
			"* accepted" -- "127.0.0.1:$EXIM_PORT"
	fi

	# Accepting at RCPT what it refuses at DATA (acl_smtp_predata: "550
	# relaying refused at DATA" before the 354), trusting EHLO with its own
	# name: helo-host is accepted at RCPT and denied at DATA, so the server
	# is not an open relay, where a tester that stops at RCPT would say so.
	if exim_start data-refused 192.0.2.0/24 \
		'  accept  condition = ${if eqi{$sender_helo_name}{$primary_hostname}}' \
		'acl_smtp_predata = acl_check_predata' \
		'acl_check_predata:
  deny    message = relaying refused at DATA'; then
		mta_modes exim-data-refused "exim refusing at DATA what it takes at RCPT: helo-host denied at DATA, exit 0" 0 \
			"control-postmaster accepted" "${skips[@]}" "helo-host denied" "* denied" \
			-- "127.0.0.1:$EXIM_PORT"
		mta_json_check "exim refusing at DATA: helo-host's probe refused, the reply Exim's" \
			'[.tests[] | select(.id == "helo-host" and .stage == "DATA" and .data_probe.result == "refused" and (.text | test("relaying refused at DATA")))] | length == 1'
	fi

	# Behind a forwarding proxy (a Docker userland proxy's way: every client
	# arrives from the proxy's address, here 127.0.0.2), which Exim trusts
	# (relay_from_hosts = 127.0.0.2): it names the client 127.0.0.2, not the
	# 127.0.0.1 relaytest connects from, and so relays for anyone. The
	# finding says so; the relay is there too.
	if exim_start behind-proxy 127.0.0.2 && mta_forward exim "$EXIM_PORT" 127.0.0.2; then
		mta_run exim-behind-proxy --tests ext-to-ext "127.0.0.1:$MTA_FORWARD_PORT"
		mta_check "exim behind a forwarding proxy it trusts: open relay, exit 1" 1 \
			"control-postmaster accepted" "ext-to-ext accepted"
		mta_json_check "exim behind a forwarding proxy: seen as 127.0.0.2, the seen-as-other-address finding" \
			'.seen_as == "127.0.0.2" and ([.findings[] | select(.id == "seen-as-other-address" and (.text | test("sees this client as 127.0.0.2, not 127.0.0.1")))] | length == 1)'
	fi

	# HELO trust: relays for a client that says EHLO with the server's own
	# name, a classic misconfiguration. Only helo-host is an open relay; on
	# a shared connection Exim would answer its EHLO "554 Too many nonmail
	# commands", which is no verdict.
	if exim_start helo 192.0.2.0/24 '  accept  condition = ${if eqi{$sender_helo_name}{$primary_hostname}}'; then
		mta_modes exim-helo "exim trusting EHLO mx.relaytest.test: helo-host accepted, exit 1" 1 \
			"control-postmaster accepted" "${skips[@]}" "helo-host accepted" "* denied" \
			-- "127.0.0.1:$EXIM_PORT"
	fi
}
