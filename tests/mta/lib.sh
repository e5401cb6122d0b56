# tests/mta/lib.sh - shared by the real-server tests of Exim, OpenSMTPD and
# Sendmail (sourced by tests/run.sh after tests/postfix.sh, once
# tests/mta/fetch.sh has unpacked the Debian packages under $MTA_ROOT).
#
# Each server runs from the unpacked tree with the test's own configuration,
# in its own directory under $WORK/mta, on 127.0.0.1 and a free high port, and
# never delivers. It runs in a private mount namespace (unshare -m) whose
# /etc/hosts is the test's own and whose /etc/resolv.conf names no reachable
# server (127.0.0.1 port 53, where nothing answers), so it cannot reach DNS.
# Servers are stopped by the pid the test started, also when a test fails.
#
# Checks read relaytest's JSON (-F json) with jq. An expected verdict is what
# is true for the server (issue 9): "denied" means the test's own envelope was
# refused, so a denial whose reply is a protocol-state or limit reply (503,
# 421, "too many ...") does not count as one.

MTA_DIR=${MTA_DIR:-build/mta}
MTA_ROOT=$MTA_DIR/root
MTA_PIDS=()

# A free port: postfix_free_port (tests/postfix.sh, sourced before this file).
mta_free_port() { postfix_free_port; }

# What a server without AUTH gives the three AUTH tests.
MTA_NO_AUTH=("auth-plain-bogus skipped" "auth-login-bogus skipped" "auth-plain-empty skipped"
	"auth-cram-md5-bogus skipped" "auth-ntlm-anonymous skipped")

# mta_available NAME: the server was unpacked; otherwise say why (skip when the
# archive lacks the package, fail when it was never fetched).
mta_available() {
	local name=$1
	if [ -f "$MTA_DIR/$name.unavailable" ]; then
		echo "# mta: $name tests skipped: $(cat "$MTA_DIR/$name.unavailable")"
		return 1
	fi
	if [ ! -f "$MTA_DIR/$name.ok" ]; then
		not_ok "mta: $name is not unpacked (bash tests/mta/fetch.sh, which .ci/run runs)"
		return 1
	fi
	if [ "$(id -u)" != 0 ]; then
		not_ok "mta: $name: the real-server tests must run as root (unshare -m, daemons)"
		return 1
	fi
	return 0
}

# mta_namespace_files DIR: the hosts file and resolver configuration the
# server sees. 127.0.0.1 is $MTA_LOOPBACK_NAME (default "localhost"; the
# client's name as the server sees it); this machine's own name resolves too,
# so that no daemon waits on the resolver for it.
mta_namespace_files() {
	local dir=$1 me
	me=$(hostname)
	{
		echo "127.0.0.1 ${MTA_LOOPBACK_NAME:-localhost}"
		echo "127.0.0.9 mx.relaytest.test mx ${me%%.*}.relaytest.test $me"
	} >"$dir/hosts"
	printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$dir/resolv.conf"
}

# mta_spawn DIR LOG SETUP COMMAND...: start COMMAND in the background in a
# private mount namespace with DIR/hosts and DIR/resolv.conf, after the shell
# commands SETUP (more private mounts; "" for none); sets MTA_PID (the
# server's own pid: unshare and the shell exec into it).
mta_spawn() {
	local dir=$1 log=$2 setup=${3:-true}
	shift 3
	mta_namespace_files "$dir"
	LD_LIBRARY_PATH=$PWD/$MTA_ROOT/usr/lib/x86_64-linux-gnu:$PWD/$MTA_ROOT/lib/x86_64-linux-gnu \
		unshare -m --propagation private bash -c \
		"mount --bind '$dir/hosts' /etc/hosts && mount --bind '$dir/resolv.conf' /etc/resolv.conf && ${setup:-true} && exec \"\$@\"" \
		mta "$@" >"$log" 2>&1 &
	MTA_PID=$!
	MTA_PIDS+=("$MTA_PID")
}

# mta_wait_greeting NAME PORT PID LOG...: wait (at most 15 s) until a 220
# greeting comes; else say so with the end of each LOG and return 1.
mta_wait_greeting() {
	local name=$1 port=$2 pid=$3 i
	shift 3
	for i in $(seq 1 150); do
		kill -0 "$pid" 2>/dev/null || break
		if timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && head -c 3 <&3" 2>/dev/null | grep -q 220; then
			return 0
		fi
		sleep 0.1
	done
	echo "# $name did not start: $(tail -n 3 "$@" 2>/dev/null)"
	return 1
}

mta_stop_all() {
	local pid
	for pid in "${MTA_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${MTA_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	MTA_PIDS=()
}

# mta_run NAME ARGS...: relaytest -F json ARGS; sets MTA_RC, MTA_JSON, MTA_SECONDS.
mta_run() {
	local name=$1 start end
	shift
	MTA_JSON=$WORK/mta/$name.json
	start=$(date +%s.%N)
	timeout 180 "$RELAYTEST" -F json "$@" >"$MTA_JSON" 2>"$MTA_JSON.err"
	MTA_RC=$?
	end=$(date +%s.%N)
	MTA_SECONDS=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }')
}

# mta_verdicts JSON: "ID VERDICT CODE CLAIMS TEXT" per test (CLAIMS: true for
# an XCLIENT or PROXY trust test), for the checks below.
mta_verdicts() {
	jq -r '.tests[] | "\(.id) \(.verdict) \(.code // "-") \(.group | test("XCLIENT|PROXY")) \(.text // "")"' \
		"$1" 2>/dev/null
}

# mta_check NAME WANT-EXIT "ID VERDICT" ... ["* VERDICT"]: the last run's exit
# status and each test's JSON verdict (accepted, denied, skipped, not_tested,
# temporary_failure, error); "* VERDICT" stands for every test not named,
# the control included, but not an XCLIENT or PROXY trust test skipped for
# want of XCLIENT or a PROXY listener (name it to check it). A denial whose
# reply is 503, 421 or "too many ..." is not a denial: the test never ran. The line starts "MTA_LABEL: " (default
# "mta"; tests/postfix.sh says "postfix").
mta_check() {
	local name=$1 want=$2 spec id verdict default="" why=() line code text
	declare -A expect=()
	shift 2
	for spec in "$@"; do
		id=${spec%% *}
		verdict=${spec#* }
		if [ "$id" = "*" ]; then default=$verdict; else expect[$id]=$verdict; fi
	done
	[ "$MTA_RC" = "$want" ] || why+=("exit status $MTA_RC, want $want")
	if ! jq -e '.tests | length > 0' "$MTA_JSON" >/dev/null 2>&1; then
		why+=("no JSON report: $(head -c 300 "$MTA_JSON") $(head -c 300 "$MTA_JSON.err")")
	else
		local seen=" "
		while read -r id verdict code claims text; do
			seen+="$id "
			line=${expect[$id]:-$default}
			[ "$claims/$verdict" = true/skipped ] && [ -z "${expect[$id]:-}" ] && continue
			[ -n "$line" ] || continue
			if [ "$verdict" != "$line" ]; then
				why+=("$id: $verdict ($code $text), want $line")
			elif [ "$verdict" = denied ] && { [ "$code" = 503 ] || [ "$code" = 421 ] ||
				[[ ${text,,} == *"too many"* ]]; }; then
				why+=("$id: 'denied' by a limit or state reply ($code $text): the test never ran")
			fi
		done < <(mta_verdicts "$MTA_JSON")
		for id in "${!expect[@]}"; do
			[[ $seen == *" $id "* ]] || why+=("$id: not in the report")
		done
	fi
	if [ -n "${MTA_MAX_SECONDS:-}" ] &&
		awk -v t="$MTA_SECONDS" -v m="$MTA_MAX_SECONDS" 'BEGIN { exit !(t > m) }'; then
		why+=("took $MTA_SECONDS s, limit $MTA_MAX_SECONDS s")
	fi
	if [ ${#why[@]} -eq 0 ]; then
		ok "${MTA_LABEL:-mta}: $name (${MTA_SECONDS} s)"
	else
		not_ok "${MTA_LABEL:-mta}: $name (${MTA_SECONDS} s)" "${why[@]:0:12}" "report: $MTA_JSON"
	fi
}

# mta_connections_at_most NAME TOTAL AT-ONCE: the last run's JSON counts at
# most TOTAL connections and at most AT-ONCE at the same time.
mta_connections_at_most() {
	local name=$1 total=$2 at_once=$3 got
	got=$(jq -r '"\(.connections) \(.max_connections_at_once)"' "$MTA_JSON" 2>/dev/null)
	if [[ $got =~ ^[0-9]+\ [0-9]+$ ]] && [ "${got% *}" -le "$total" ] && [ "${got#* }" -le "$at_once" ]; then
		ok "${MTA_LABEL:-mta}: $name: ${got% *} connections, at most ${got#* } at once (limits $total, $at_once)"
	else
		not_ok "${MTA_LABEL:-mta}: $name" "connections, at most at once: '${got:-no JSON}', want at most $total and $at_once" \
			"report: $MTA_JSON"
	fi
}

# mta_forward NAME TARGET-PORT SOURCE: a forwarding proxy (tests/mta/forward.py)
# to 127.0.0.1:TARGET-PORT whose connections come from SOURCE; sets
# MTA_FORWARD_PORT, and mta_stop_all stops it.
mta_forward() {
	local name=$1 target=$2 source=$3 portfile=$WORK/mta/forward-$1.port i
	rm -f "$portfile"
	python3 tests/mta/forward.py "$portfile" "$source" "$target" 180 2>"$portfile.err" &
	MTA_PIDS+=("$!")
	for i in $(seq 1 50); do
		[ -s "$portfile" ] && break
		sleep 0.1
	done
	MTA_FORWARD_PORT=$(cat "$portfile" 2>/dev/null)
	[ -n "$MTA_FORWARD_PORT" ] && return 0
	not_ok "mta: the forwarding proxy for $name did not start" "$(head -c 300 "$portfile.err")"
	return 1
}

# mta_json_check NAME JQ: the last run's JSON makes the jq expression JQ true.
mta_json_check() {
	if jq -e "$2" "$MTA_JSON" >/dev/null 2>&1; then
		ok "${MTA_LABEL:-mta}: $1"
	else
		not_ok "${MTA_LABEL:-mta}: $1" "not true of the report: $2" "report: $MTA_JSON"
	fi
}

# mta_same NAME-A NAME-B WHAT: two runs gave the same verdict for every test.
mta_same() {
	local a=$WORK/mta/$1.json b=$WORK/mta/$2.json
	if cmp -s <(jq -r '.tests[] | "\(.id) \(.verdict)"' "$a" | sort) \
		<(jq -r '.tests[] | "\(.id) \(.verdict)"' "$b" | sort); then
		ok "mta: $3"
	else
		not_ok "mta: not $3" "$(diff <(jq -r '.tests[] | "\(.id) \(.verdict)"' "$a" | sort) \
			<(jq -r '.tests[] | "\(.id) \(.verdict)"' "$b" | sort) | grep '^[<>]' | head -4 | tr '\n' ' ')"
	fi
}

# mta_modes PREFIX NAME WANT-EXIT SPECS... -- ARGS...: the same checks on the
# runs with ARGS (the target and options): pipelined (the default),
# lock-step, and on one connection when relaytest has --connections; every
# run must also end within MTA_MAX_SECONDS when that is set.
mta_modes() {
	local prefix=$1 name=$2 want=$3 specs=() mode
	shift 3
	while [ "$1" != -- ]; do
		specs+=("$1")
		shift
	done
	shift
	local modes=("::" "-lockstep:, lock-step:--no-pipelining")
	"$RELAYTEST" --help | grep -q -- '--connections' && modes+=("-one:, one connection:--connections 1")
	for mode in "${modes[@]}"; do
		IFS=: read -r suffix label opt <<<"$mode"
		# shellcheck disable=SC2086 # opt is one option and its argument, or empty
		mta_run "$prefix$suffix" $opt "$@"
		mta_check "$name$label" "$want" "${specs[@]}"
	done
}
