# tests/addresses.sh - every address of a name, each a target of its own
# (issue 19). Sourced by tests/run.sh (section "addresses"; tests/postfix.sh
# uses addr_ns with real Postfix).
#
# relaytest runs in a private mount namespace whose /etc/hosts maps
# two.relaytest.test to 127.0.0.2 and 127.0.0.3 (and dual.relaytest.test to
# 127.0.0.2 and ::1), whose /etc/nsswitch.conf says "hosts: files" and whose
# /etc/resolv.conf names a loopback address: no name is ever asked of a DNS
# server beyond this machine. Fake servers with different relay policies
# listen on one port at each address.

# addr_ns_files DIR: DIR/hosts, DIR/nsswitch.conf and DIR/resolv.conf.
addr_ns_files() {
	cat >"$1/hosts" <<'HOSTS'
127.0.0.1 localhost
127.0.0.2 two.relaytest.test
127.0.0.3 two.relaytest.test
127.0.0.3 one.relaytest.test
127.0.0.2 dual.relaytest.test
::1 dual.relaytest.test
HOSTS
	printf 'hosts: files\n' >"$1/nsswitch.conf"
	# The --mx test's fake DNS server (tests/fakedns.py); nothing listens
	# there otherwise, so any other query is refused at once.
	printf 'nameserver %s\noptions timeout:1 attempts:1\n' "$ADDR_DNS" >"$1/resolv.conf"
}
ADDR_DNS=127.0.0.153

# addr_ns DIR COMMAND...: COMMAND in a private mount namespace with DIR's
# hosts, nsswitch.conf and resolv.conf.
addr_ns() {
	local dir=$1
	shift
	unshare -m --propagation private sh -c '
		mount --bind "$1/hosts" /etc/hosts &&
			mount --bind "$1/nsswitch.conf" /etc/nsswitch.conf &&
			mount --bind "$1/resolv.conf" /etc/resolv.conf || exit 97
		shift
		exec "$@"' addr-ns "$dir" "$@"
}

# addr_run DIR NAME ARGS...: relaytest ARGS in the namespace, with what
# the other tests give it; sets ADDR_RC and ADDR_OUT (DIR/NAME.out).
addr_run() {
	local dir=$1 name=$2
	shift 2
	ADDR_OUT=$dir/$name.out
	addr_ns "$dir" timeout 60 "$RELAYTEST" --timeout 5 "$@" >"$ADDR_OUT" 2>"$ADDR_OUT.err"
	ADDR_RC=$?
}

# addr_result FILE LABEL: the Result line of FILE's report for LABEL.
addr_result() {
	awk -v label="$2" '
		/^relaytest .* report for / { here = substr($0, index($0, " report for ") + 12) == label }
		here && /^Result: / { print; exit }' "$1"
}

# addr_verdict JSONL ADDRESS: "verdict exit_status target" of the record for ADDRESS.
addr_verdict() {
	jq -r --arg a "$2" 'select(.address == $a) | "\(.verdict) \(.exit_status) \(.target)"' "$1"
}

# addr_schema JSONL: every record passes doc/relaytest-json.schema.json.
addr_schema() {
	python3 -c 'import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
for line in open(sys.argv[2]):
    jsonschema.validate(json.loads(line), schema)' doc/relaytest-json.schema.json "$1" 2>&1 | tail -n 3
}

# The text report: a section per address, each with its own result; the
# summary names the address that relays; the exit status is the worst.
addresses_text() {
	local dir=$1 port=$2 why=() want
	addr_run "$dir" text "two.relaytest.test:$port"
	[ "$ADDR_RC" = 1 ] || why+=("exit $ADDR_RC, want 1")
	[ "$(grep -c '^relaytest .* report for ' "$ADDR_OUT")" = 2 ] ||
		why+=("$(grep -c '^relaytest .* report for ' "$ADDR_OUT") report sections, want 2")
	[ "$(addr_result "$ADDR_OUT" "two.relaytest.test:$port (127.0.0.2)")" = "Result: OPEN RELAY" ] ||
		why+=("127.0.0.2: '$(addr_result "$ADDR_OUT" "two.relaytest.test:$port (127.0.0.2)")'")
	[ "$(addr_result "$ADDR_OUT" "two.relaytest.test:$port (127.0.0.3)")" = "Result: not an open relay" ] ||
		why+=("127.0.0.3: '$(addr_result "$ADDR_OUT" "two.relaytest.test:$port (127.0.0.3)")'")
	grep -q "^Server     127.0.0.2 port $port, " "$ADDR_OUT" && grep -q "^Server     127.0.0.3 port $port, " "$ADDR_OUT" ||
		why+=("no Server line for each address")
	want="relaytest: 2 servers: 1 open relay (two.relaytest.test:$port (127.0.0.2)), 1 closed"
	[ "$(sed -n '/^relaytest: /,$p' "$ADDR_OUT" | tr -s ' \n' '  ' | sed 's/ $//')" = "$want" ] ||
		why+=("summary: $(sed -n '/^relaytest: /,$p' "$ADDR_OUT" | tr -s ' \n' '  ')")
	# Each address was really tested: each fake saw the whole table.
	[ "$(grep -c '^RCPT TO:' "$dir/o/server.log")" -ge 30 ] && [ "$(grep -c '^RCPT TO:' "$dir/c/server.log")" -ge 30 ] ||
		why+=("RCPT commands: 127.0.0.2 saw $(grep -c '^RCPT TO:' "$dir/o/server.log"), 127.0.0.3 $(grep -c '^RCPT TO:' "$dir/c/server.log")")
	if [ ${#why[@]} -eq 0 ]; then
		ok "addresses: text: a name of two addresses is two reports, OPEN RELAY on 127.0.0.2's, the summary names it, exit 1"
	else
		not_ok "addresses: text" "${why[@]}" "report: $ADDR_OUT"
	fi
	# One address: the name's own label, no address added.
	addr_run "$dir" one "one.relaytest.test:$port"
	[ "$ADDR_RC" = 0 ] && [ "$(grep '^relaytest .* report for ' "$ADDR_OUT")" = "relaytest 1.0.0 report for one.relaytest.test:$port" ] &&
		grep -q "^Server     127.0.0.3 port $port, " "$ADDR_OUT" &&
		ok "addresses: a name of one address keeps its own label, tested at that address" ||
		not_ok "addresses: one address" "exit $ADDR_RC" "$(grep -E 'report for|^Server' "$ADDR_OUT")"
}

# JSON, Nagios and Prometheus: a record, a detail line, a series per address.
addresses_formats() {
	local dir=$1 port=$2 why=() out promtool=/opt/prometheus/usr/bin/promtool
	addr_run "$dir" json -F json "two.relaytest.test:$port"
	[ "$ADDR_RC" = 1 ] && [ "$(grep -c . "$ADDR_OUT")" = 2 ] || why+=("json: exit $ADDR_RC, $(grep -c . "$ADDR_OUT") records")
	[ "$(addr_verdict "$ADDR_OUT" 127.0.0.2)" = "open 1 two.relaytest.test:$port (127.0.0.2)" ] ||
		why+=("json 127.0.0.2: $(addr_verdict "$ADDR_OUT" 127.0.0.2)")
	[ "$(addr_verdict "$ADDR_OUT" 127.0.0.3)" = "closed 0 two.relaytest.test:$port (127.0.0.3)" ] ||
		why+=("json 127.0.0.3: $(addr_verdict "$ADDR_OUT" 127.0.0.3)")
	[ "$(jq -r '.host' "$ADDR_OUT" | sort -u)" = two.relaytest.test ] || why+=("json: host is not the name")
	out=$(addr_schema "$ADDR_OUT")
	[ -z "$out" ] || why+=("json schema: $out")
	addr_run "$dir" nagios -F nagios "two.relaytest.test:$port"
	[ "$ADDR_RC" = 2 ] || why+=("nagios: exit $ADDR_RC, want 2 (CRITICAL)")
	[[ $(head -n 1 "$ADDR_OUT") == "RELAYTEST CRITICAL - 1 of 2 servers need attention: 1 OPEN RELAY (two.relaytest.test:$port (127.0.0.2)) | "*" servers=2;;;0 open_relay=1;;;0 "* ]] ||
		why+=("nagios status: $(head -n 1 "$ADDR_OUT")")
	# Among several servers, those that need attention have lines (the
	# closed address is counted in servers=2 above, as any closed server).
	grep -q "^two.relaytest.test:$port (127.0.0.2): OPEN RELAY: " "$ADDR_OUT" &&
		grep -q "^two.relaytest.test:$port (127.0.0.2): [0-9]* relay tests: [1-9][0-9]* accepted" "$ADDR_OUT" ||
		why+=("nagios: no attention and detail lines for 127.0.0.2")
	addr_run "$dir" prom -F prometheus "two.relaytest.test:$port"
	grep -qx "relaytest_open_relay{target=\"two.relaytest.test (127.0.0.2)\",port=\"$port\"} 1" "$ADDR_OUT" &&
		grep -qx "relaytest_open_relay{target=\"two.relaytest.test (127.0.0.3)\",port=\"$port\"} 0" "$ADDR_OUT" ||
		why+=("prometheus: $(grep '^relaytest_open_relay{' "$ADDR_OUT" | tr '\n' ' ')")
	if [ -x "$promtool" ]; then
		"$promtool" check metrics <"$ADDR_OUT" >"$dir/promtool" 2>&1 || why+=("promtool: $(head -n 3 "$dir/promtool")")
	fi
	if [ ${#why[@]} -eq 0 ]; then
		ok "addresses: JSON (schema-valid) and Prometheus: a record, a series per address; Nagios: a server each, lines for the open one"
	else
		not_ok "addresses: formats" "${why[@]}"
	fi
}

# -4 and -6 restrict the addresses; a name with none of the family cannot
# be tested. dual.relaytest.test is 127.0.0.2 (open) and ::1 (closed).
addresses_family() {
	local dir=$1 port=$2 six=$3 why=()
	addr_run "$dir" no-six -6 -F json "two.relaytest.test:$port"
	[ "$ADDR_RC" = 3 ] && [ "$(jq -r '"\(.tested) \(.target)"' "$ADDR_OUT")" = "false two.relaytest.test:$port" ] &&
		jq -r .error "$ADDR_OUT" | grep -q '^cannot resolve two.relaytest.test: ' ||
		why+=("-6, no IPv6 address: exit $ADDR_RC, $(head -c 300 "$ADDR_OUT")")
	if [ -z "$six" ]; then
		echo "# addresses: ::1 cannot be bound here: -4/-6 over a name of an IPv4 and an IPv6 address not tested"
	else
		addr_run "$dir" dual -F json "dual.relaytest.test:$port"
		[ "$ADDR_RC" = 1 ] && [ "$(grep -c . "$ADDR_OUT")" = 2 ] &&
			[ "$(addr_verdict "$ADDR_OUT" ::1)" = "closed 0 dual.relaytest.test:$port (::1)" ] &&
			[ "$(addr_verdict "$ADDR_OUT" 127.0.0.2)" = "open 1 dual.relaytest.test:$port (127.0.0.2)" ] ||
			why+=("IPv4 and IPv6: exit $ADDR_RC, $(jq -c '[.target, .verdict]' "$ADDR_OUT" | tr '\n' ' ')")
		addr_run "$dir" dual-6 -6 -F json "dual.relaytest.test:$port"
		[ "$ADDR_RC" = 0 ] && [ "$(jq -r '"\(.target) \(.address) \(.verdict)"' "$ADDR_OUT")" = "dual.relaytest.test:$port ::1 closed" ] ||
			why+=("-6: exit $ADDR_RC, $(jq -c '[.target, .address, .verdict]' "$ADDR_OUT" | tr '\n' ' ')")
		# glibc's "files" gives an IPv4 lookup 127.0.0.1 for a ::1 line:
		# a record for it may come too, but none for an IPv6 address.
		addr_run "$dir" dual-4 -4 -F json "dual.relaytest.test:$port"
		[ "$ADDR_RC" = 1 ] && ! jq -r .address "$ADDR_OUT" | grep -q : &&
			[ "$(addr_verdict "$ADDR_OUT" 127.0.0.2 | cut -d' ' -f1-2)" = "open 1" ] ||
			why+=("-4: exit $ADDR_RC, $(jq -c '[.target, .address, .verdict]' "$ADDR_OUT" | tr '\n' ' ')")
	fi
	if [ ${#why[@]} -eq 0 ]; then
		ok "addresses: -4 and -6 test only their family's addresses${six:+ (::1 too)}; none: could not test, exit 3"
	else
		not_ok "addresses: -4/-6" "${why[@]}"
	fi
}

# --mx DOMAIN: every address of every MX host. The MX answer comes from
# tests/fakedns.py on a loopback address; the MX host's addresses from the
# namespace's hosts file.
addresses_mx() {
	local dir=$1 port=$2 pid i why=()
	rm -f "$dir/dns.log"
	python3 tests/fakedns.py "$ADDR_DNS" "$dir/dns.log" relaytest.test=10:two.relaytest.test 30 2>"$dir/dns.err" &
	pid=$!
	PIDS+=("$pid")
	for i in $(seq 1 100); do
		grep -q '^== ready' "$dir/dns.log" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if ! grep -q '^== ready' "$dir/dns.log" 2>/dev/null; then
		not_ok "addresses: --mx: the fake DNS server did not start on $ADDR_DNS:53" "$(tail -n 2 "$dir/dns.err")"
		kill "$pid" 2>/dev/null
		return
	fi
	addr_run "$dir" mx -F json --mx relaytest.test -p "$port"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	grep -q '^relaytest.test 15$' "$dir/dns.log" || why+=("no MX question reached the fake DNS server")
	[ "$ADDR_RC" = 1 ] && [ "$(grep -c . "$ADDR_OUT")" = 2 ] || why+=("exit $ADDR_RC, $(grep -c . "$ADDR_OUT") records")
	[ "$(addr_verdict "$ADDR_OUT" 127.0.0.2)" = "open 1 two.relaytest.test (127.0.0.2)" ] &&
		[ "$(addr_verdict "$ADDR_OUT" 127.0.0.3)" = "closed 0 two.relaytest.test (127.0.0.3)" ] ||
		why+=("$(jq -c '[.target, .verdict]' "$ADDR_OUT" | tr '\n' ' ')")
	[ "$(jq -r '"\(.domain) \(.domain_source)"' "$ADDR_OUT" | sort -u)" = "relaytest.test the domain given to --mx" ] ||
		why+=("mail domain: $(jq -r .domain "$ADDR_OUT" | tr '\n' ' ')")
	if [ ${#why[@]} -eq 0 ]; then
		ok "addresses: --mx tests every address of every MX host, with the domain given"
	else
		not_ok "addresses: --mx" "${why[@]}"
	fi
}

section_addresses() {
	local dir=$WORK/addresses port six="" pids=()
	mkdir -p "$dir/o" "$dir/c" "$dir/6"
	if ! unshare -m true 2>/dev/null; then
		not_ok "addresses: unshare -m is not permitted here (run as root)"
		return
	fi
	addr_ns_files "$dir"
	start_fake tests/scenarios/open-relay.scn "$dir/o" 120 -a 127.0.0.2 &&
		port=$FAKE_PORT && pids+=("$FAKE_PID")
	[ -n "${port:-}" ] && start_fake tests/scenarios/quiet-closed.scn "$dir/c" 120 -a 127.0.0.3 -P "$port" &&
		pids+=("$FAKE_PID")
	if [ ${#pids[@]} != 2 ]; then
		not_ok "addresses: fake servers on 127.0.0.2 and 127.0.0.3 did not start" "$(cat "$dir"/[oc]/server.err)"
		kill "${pids[@]}" 2>/dev/null
		return
	fi
	start_fake tests/scenarios/quiet-closed.scn "$dir/6" 120 -a ::1 -P "$port" && six=1 && pids+=("$FAKE_PID")
	if ! addr_ns "$dir" true; then
		not_ok "addresses: the private hosts file could not be mounted"
	else
		addresses_text "$dir" "$port"
		addresses_formats "$dir" "$port"
		addresses_family "$dir" "$port" "$six"
		addresses_mx "$dir" "$port"
	fi
	kill "${pids[@]}" 2>/dev/null
	wait "${pids[@]}" 2>/dev/null
}
