# tests/harden.sh - issue 12: scale, signals and hostile input. Sourced by
# tests/run.sh (section "harden"); uses its start_fake/ok/not_ok helpers.

# Nothing a server sends puts a '|' into nagios output: one '|' in all,
# on the status line, before the performance data.
harden_nagios_pipe() {
	local dir=$1 scn args rc bars
	for scn in pipe-in-text:2 pipe-in-greeting:1; do
		start_fake "tests/harden/${scn%%:*}.scn" "$dir" 60 || {
			not_ok "harden: nagios pipe ${scn%%:*}" "fake server did not start"
			continue
		}
		# Two targets are two servers to relaytest (one is tested once);
		# -4: localhost is 127.0.0.1 alone, where the fake listens, even
		# where /etc/hosts also maps it to ::1 (a target of its own).
		args=("127.0.0.1:$FAKE_PORT")
		[ "${scn#*:}" = 1 ] || args+=("localhost:$FAKE_PORT")
		"$RELAYTEST" -4 --format nagios --timeout 5 "${args[@]}" >"$dir/out" 2>"$dir/err"
		rc=$?
		stop_fake
		bars=$(tr -cd '|' <"$dir/out" | wc -c)
		if [ "$bars" = 1 ] && [ "$rc" = 2 ] &&
			head -n 1 "$dir/out" | grep -q ' | tests=[0-9]*;;;0 accepted' &&
			grep -q 'go away / tests=999' "$dir/out" &&
			[ "$(grep -c '^RELAYTEST' "$dir/out")" = 1 ]; then
			ok "harden: no '|' from server text in nagios output (${scn%%:*})"
		else
			not_ok "harden: nagios output of ${scn%%:*} has $bars '|', exit $rc" \
				"$(head -n 5 "$dir/out")"
		fi
	done
}

MANYFAKE=${MANYFAKE:-build/manyfake}

# Start manyfake: ADDRESSES PORTS SILENT DIR; sets MANY_PID, MANY_LIST.
start_many() {
	local i
	MANY_LIST=$4/many.list
	rm -f "$MANY_LIST"
	"$MANYFAKE" -a "$1" -n "$2" -S "$3" -o "$MANY_LIST" -w 120 2>"$4/many.err" &
	MANY_PID=$!
	PIDS+=("$MANY_PID")
	for i in $(seq 1 500); do
		[ -s "$MANY_LIST" ] && return 0
		sleep 0.01
	done
	return 1
}

# Item 1: memory bounded by --jobs, not by the number of targets. A tarpit
# first holds the head of the line while 400 closed servers finish behind
# it; in every format the peak stays far below 400 whole results (~100 MB).
harden_memory() {
	local dir=$1 fmt kb rc
	start_many 2 201 1 "$dir" || { not_ok "harden: memory" "manyfake did not start"; return; }
	head -n 401 "$MANY_LIST" >"$dir/pile"
	for fmt in text json nagios prometheus; do
		/usr/bin/time -o "$dir/time" -f '%M' "$RELAYTEST" --timeout 3 --jobs 8 -F "$fmt" \
			--input "$dir/pile" >"$dir/out" 2>"$dir/err"
		rc=$?
		kb=$(tail -n 1 "$dir/time")
		# nagios: one status line whose perfdata counts every server, and
		# at most 20 detail lines; the others a report (line) per target.
		if [ "$rc" = 3 ] || { [ "$fmt" = nagios ] && [ "$rc" = 2 ]; } &&
			[ "$kb" -lt 24576 ] && { [ "$(grep -c . "$dir/out")" -ge 401 ] ||
				{ [ "$fmt" = nagios ] && grep -q ' servers=401;' "$dir/out"; }; }; then
			ok "harden: 401 targets behind a tarpit, -F $fmt: peak RSS $kb KiB (< 24 MiB)"
		else
			not_ok "harden: memory -F $fmt" "exit $rc, peak RSS $kb KiB" "$(head -c 300 "$dir/err")"
		fi
	done
	kill "$MANY_PID" 2>/dev/null
	wait "$MANY_PID" 2>/dev/null
}

# The pids of the processes whose parent is $1.
children_of() {
	ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' '
}

# The pipe inodes process $1 holds, one a line.
pipes_of() {
	find "/proc/$1/fd" -lname 'pipe:*' -printf '%l\n' 2>/dev/null | sort -u
}

# Item 3: SIGINT and SIGTERM stop every worker at once (exit 130, 143); a
# worker holds no pipe of relaytest's but its own (pipes the test runner
# itself passed down do not count); a closed stdout ends the run quietly
# and leaves no worker behind.
harden_signals() {
	local dir=$1 sig want pid rc kids left i extra quick
	start_many 1 6 4 "$dir" || { not_ok "harden: signals" "manyfake did not start"; return; }
	head -n 4 "$MANY_LIST" >"$dir/tarpits"
	quick=$(tail -n 1 "$MANY_LIST")
	pipes_of "$BASHPID" >"$dir/pipes.runner"
	for sig in INT:130 TERM:143; do
		want=${sig#*:}
		"$RELAYTEST" --timeout 30 --jobs 4 --input "$dir/tarpits" >"$dir/out" 2>"$dir/err" &
		pid=$!
		for i in $(seq 1 100); do
			kids=$(children_of "$pid")
			[ "$(echo "$kids" | grep -c .)" = 4 ] && break
			sleep 0.05
		done
		pipes_of "$pid" | comm -23 - "$dir/pipes.runner" >"$dir/pipes.parent"
		extra=""
		for i in $kids; do
			[ "$(pipes_of "$i" | comm -12 - "$dir/pipes.parent" | wc -l)" = 1 ] || extra="$extra $i"
		done
		kill -"${sig%:*}" "$pid"
		rc=0
		wait "$pid" || rc=$?
		sleep 0.2
		left=""
		for i in $kids; do [ -d "/proc/$i" ] && left="$left $i"; done
		if [ "$rc" = "$want" ] && [ -z "$left" ] && [ -n "$kids" ] && [ -z "$extra" ]; then
			ok "harden: SIG${sig%:*} stops all 4 workers (exit $rc); each held only its own pipe"
		else
			not_ok "harden: SIG${sig%:*}" "exit $rc, want $want; workers left:$left" \
				"workers holding other pipes:$extra"
		fi
		# shellcheck disable=SC2086
		[ -z "$left" ] || kill $left 2>/dev/null
	done
	# A reader that goes away after the first report (a quick server's).
	SECONDS=0
	rm -f "$dir/fifo"
	mkfifo "$dir/fifo"
	head -n 1 <"$dir/fifo" >"$dir/out" &
	local reader=$!
	"$RELAYTEST" --timeout 30 --jobs 4 -F json "$quick" --input "$dir/tarpits" \
		>"$dir/fifo" 2>"$dir/err" &
	pid=$!
	for i in $(seq 1 100); do
		kids=$(children_of "$pid")
		[ -n "$kids" ] && break
		sleep 0.05
	done
	rc=0
	wait "$pid" || rc=$?
	wait "$reader"
	sleep 0.2
	left=""
	for i in $kids; do [ -d "/proc/$i" ] && left="$left $i"; done
	if [ "$rc" = 141 ] && [ -n "$kids" ] && [ -z "$left" ] && [ ! -s "$dir/err" ] &&
		[ "$SECONDS" -lt 10 ] && grep -q '"target"' "$dir/out"; then
		ok "harden: a closed stdout stops the workers at once, quietly (SIGPIPE, ${SECONDS}s)"
	else
		not_ok "harden: closed stdout" "exit $rc after ${SECONDS}s; workers left:$left" \
			"$(head -c 200 "$dir/err")"
	fi
	kill "$MANY_PID" 2>/dev/null
	wait "$MANY_PID" 2>/dev/null
}

# Item 9: a report that cannot be written is an error (exit 3), said on
# stderr; item 4: --jobs beyond the open-file limit is capped and said.
harden_output() {
	local dir=$1 fmt rc quick
	start_many 1 100 0 "$dir" || { not_ok "harden: output" "manyfake did not start"; return; }
	quick=$(head -n 1 "$MANY_LIST")
	for fmt in text json nagios; do
		"$RELAYTEST" --timeout 5 -F "$fmt" "$quick" >/dev/full 2>"$dir/err"
		rc=$?
		if [ "$rc" = 3 ] && grep -q 'cannot write the report to standard output: No space left' "$dir/err"; then
			ok "harden: -F $fmt to /dev/full: said on stderr, exit 3"
		else
			not_ok "harden: -F $fmt to /dev/full" "exit $rc: $(head -c 200 "$dir/err")"
		fi
	done
	"$RELAYTEST" --timeout 5 "$quick" >&- 2>"$dir/err"
	rc=$?
	[ "$rc" = 3 ] && grep -q 'cannot write the report' "$dir/err" &&
		ok "harden: closed stdout (>&-): said on stderr, exit 3" ||
		not_ok "harden: closed stdout" "exit $rc: $(head -c 200 "$dir/err")"
	cp "$MANY_LIST" "$dir/hundred"
	(
		ulimit -n 64
		"$RELAYTEST" --timeout 5 --jobs 100 -F json --input "$dir/hundred" >"$dir/out" 2>"$dir/err"
	)
	rc=$?
	if [ "$rc" = 0 ] && grep -q -- '--jobs 100 needs 116 open files, the limit is 64: using --jobs 48' "$dir/err" &&
		[ "$(grep -c '"target"' "$dir/out")" = 100 ]; then
		ok "harden: --jobs above the open-file limit is capped and said; all 100 tested"
	else
		not_ok "harden: --jobs above the open-file limit" "exit $rc: $(head -c 300 "$dir/err")"
	fi
	kill "$MANY_PID" 2>/dev/null
	wait "$MANY_PID" 2>/dev/null
}

# Item 5: nothing from the command line or an --input file reaches the
# terminal raw; item 7: --input refuses a directory and NUL or CR bytes.
harden_input() {
	local dir=$1 out rc name
	check_echo() { # NAME WANT-EXIT PATTERN ARGS...: output has PATTERN and no ESC byte
		local name=$1 want=$2 pattern=$3
		shift 3
		out=$("$RELAYTEST" "$@" 2>&1)
		rc=$?
		if [ "$rc" = "$want" ] && ! printf '%s' "$out" | grep -q $'\e' &&
			printf '%s' "$out" | grep -qF -- "$pattern"; then
			ok "harden: $name (exit $rc)"
		else
			not_ok "harden: $name" "exit $rc, want $want" "$(printf '%s' "$out" | head -n 2 | cat -v)"
		fi
	}
	check_echo "target parse error sanitised" 64 "target '\x1b[31mevil'" $'\e[31mevil'
	check_echo "unknown long option sanitised" 64 "unknown option '--bad\x1b[2J'" $'--bad\e[2J'
	check_echo "nagios UNKNOWN line sanitised, no '|'" 3 "RELAYTEST UNKNOWN - unknown option '--x\x1b]0;t/x=1'" \
		-F nagios $'--x\e]0;t|x=1'
	printf 'a\e[31m.example\n' >"$dir/esc.list"
	check_echo "--input line sanitised" 64 "esc.list:1: target 'a\x1b[31m.example'" --input "$dir/esc.list"
	mkdir -p "$dir/adir"
	check_echo "--input DIRECTORY refused" 64 "--input $dir/adir: is a directory" --input "$dir/adir"
	printf '127.0.0.1\n127.0.0.1\0evil\n' >"$dir/nul.list"
	check_echo "--input NUL inside a line refused" 64 "nul.list:2: a NUL byte inside the line" --input "$dir/nul.list"
	printf '127.0.0.1\r\n127.0\r.0.1\n' >"$dir/cr.list"
	check_echo "--input CR inside a line refused (CRLF ends are fine)" 64 \
		"cr.list:2: a carriage return (CR) byte inside the line" --input "$dir/cr.list"
}

# The README's sharding recipe, run as written with two stand-in "hosts"
# (tests/shard/ssh runs the command here): every target exactly once in
# the merged JSON Lines, each line valid JSON, both hosts used.
harden_shard() {
	local dir=$1 rc
	command -v parallel >/dev/null || { not_ok "harden: shard recipe" "GNU parallel is not installed"; return; }
	start_many 2 15 0 "$dir" || { not_ok "harden: shard recipe" "manyfake did not start"; return; }
	cp "$MANY_LIST" "$dir/targets.txt"
	rm -f "$dir/hosts"
	mkdir -p "$dir/bin"
	ln -sf "$(cd "$(dirname "$RELAYTEST")" && pwd)/$(basename "$RELAYTEST")" "$dir/bin/relaytest"
	(
		cd "$dir" || exit 1
		export PATH="$dir/bin:$PATH" SHARD_HOSTS_LOG="$dir/hosts"
		parallel --will-cite --ssh "$OLDPWD/tests/shard/ssh" --sshlogin 2/hostA,2/hostB \
			--pipe-part -a targets.txt --block -1 \
			relaytest --timeout 10 --jobs 4 -F json --input - >results.jsonl
	)
	rc=$?
	if [ "$rc" = 0 ] && jq -e . "$dir/results.jsonl" >/dev/null &&
		[ "$(jq -r .target "$dir/results.jsonl" | sort)" = "$(sort "$dir/targets.txt")" ] &&
		[ "$(sort -u "$dir/hosts" | tr '\n' ' ')" = "hostA hostB " ]; then
		ok "harden: shard recipe: $(wc -l <"$dir/targets.txt") targets over 2 stand-in hosts, merged once each"
	else
		not_ok "harden: shard recipe" "exit $rc; $(wc -l <"$dir/results.jsonl") lines; hosts: $(sort -u "$dir/hosts" | tr '\n' ' ')"
	fi
	kill "$MANY_PID" 2>/dev/null
	wait "$MANY_PID" 2>/dev/null
}

section_harden() {
	local dir=$WORK/harden
	mkdir -p "$dir"
	harden_nagios_pipe "$dir"
	harden_memory "$dir"
	harden_signals "$dir"
	harden_output "$dir"
	harden_input "$dir"
	harden_shard "$dir"
}
