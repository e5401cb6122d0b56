# tests/nosilent.sh - "No silent failure" (issue 17): a dying peer, a failed
# fork, a full disk or a small limit of ours is never an all-clear, never a
# death without a word. Sourced by tests/run.sh (section "nosilent"); uses
# its start_fake/ok/not_ok helpers. Every reproducer here failed before the
# fix it guards.

# Start a second fake server on SCENARIO in DIR; sets OTHER_PORT and OTHER_PID.
start_other() {
	local saved_pid=${FAKE_PID:-} saved_port=${FAKE_PORT:-} saved_log=${FAKE_LOG:-}
	mkdir -p "$2"
	start_fake "$1" "$2" 60 || return 1
	OTHER_PORT=$FAKE_PORT OTHER_PID=$FAKE_PID
	FAKE_PID=$saved_pid FAKE_PORT=$saved_port FAKE_LOG=$saved_log
}

# what_formats_say DIR FORMAT N RC: the checks every format's output must
# pass for N targets that exited RC; prints what is wrong, nothing if all is.
what_formats_say() {
	local dir=$1 fmt=$2 n=$3 rc=$4
	[ "$rc" -lt 128 ] || echo "died of signal $((rc - 128)) (exit $rc)"
	[ "$rc" -le 3 ] || echo "exit $rc"
	[ -s "$dir/out" ] || echo "printed nothing"
	grep -q 'died (signal' "$dir/out" "$dir/err" && echo "a worker died: $(grep -m 1 -h 'died' "$dir/out")"
	case $fmt in
	text) [ "$(grep -c '^Result: ' "$dir/out")" -ge "$n" ] || echo "fewer than $n Result lines" ;;
	json) [ "$(jq -s length "$dir/out" 2>/dev/null)" = "$n" ] || echo "not $n JSON records" ;;
	nagios)
		head -n 1 "$dir/out" | grep -qE "^RELAYTEST (OK|WARNING|CRITICAL|UNKNOWN) - .* servers=$n;" ||
			echo "status line: $(head -n 1 "$dir/out")"
		;;
	prometheus) [ "$(grep -c '^relaytest_status{' "$dir/out")" = "$n" ] || echo "not $n status samples" ;;
	esac
}

# Item 1: a TLS peer that resets or closes is an error in the report, never
# SIGPIPE (exit 141, nothing printed): implicit TLS, STARTTLS in auto and
# starttls modes, a reset after a reply and a plain close (FIN); every
# format, one target and two (forked workers).
nosilent_tls_peers() {
	local dir=$WORK/nosilent-tls name args fmt n why rc
	if ! command -v openssl >/dev/null; then
		not_ok "nosilent: TLS peers: the openssl command is needed (apt-get install openssl)"
		return
	fi
	mkdir -p "$dir"
	printf 'concurrent 32\ntls implicit\non EHLO * => !reset\n' >"$dir/reset-ehlo.scn"
	printf '%s\n' 'concurrent 32' 'on-plain EHLO * => 250-mx.tls.relaytest.test\n250-STARTTLS\n250 8BITMIME' \
		'on-plain MAIL * => 530 5.7.0 Must issue a STARTTLS command first' \
		'on-tls EHLO * => !reset' >"$dir/reset-after-starttls.scn"
	printf '%s\n' 'concurrent 32' 'tls implicit' 'on EHLO * => 250-mx.tls.relaytest.test\n250 8BITMIME' \
		'on MAIL * => !then-reset 250 2.1.0 Ok' >"$dir/reset-after-reply.scn"
	printf '%s\n' 'concurrent 32' 'tls implicit' \
		'on EHLO * => !then-close 250-mx.tls.relaytest.test\n250 8BITMIME' >"$dir/close-after-reply.scn"
	for name in reset-ehlo:--tls=implicit reset-after-starttls:--tls=auto reset-after-starttls:--tls=starttls \
		reset-after-reply:--tls=implicit close-after-reply:--tls=implicit; do
		args=${name#*:}
		name=${name%%:*}
		mkdir -p "$dir/$name"
		if ! start_fake "$dir/$name.scn" "$dir/$name" 60 || ! start_other "$dir/$name.scn" "$dir/$name/b"; then
			not_ok "nosilent: TLS $name: fake server did not start"
			continue
		fi
		why=()
		# One target in this process; two in forked workers, every format.
		for fmt in text:1 text:2 json:2 nagios:2 prometheus:2; do
			n=${fmt#*:}
			fmt=${fmt%:*}
			local targets=("127.0.0.1:$FAKE_PORT")
			[ "$n" = 1 ] || targets+=("127.0.0.1:$OTHER_PORT")
			# shellcheck disable=SC2086
			timeout 60 "$RELAYTEST" ${args/=/ } -F "$fmt" --timeout 5 \
				-T ext-to-ext,null-sender,auth-plain-bogus "${targets[@]}" >"$dir/out" 2>"$dir/err"
			rc=$?
			while IFS= read -r line; do
				why+=("-F $fmt, $n target(s): $line")
			done < <(what_formats_say "$dir" "$fmt" "$n" "$rc")
		done
		stop_fake
		kill "$OTHER_PID" 2>/dev/null && wait "$OTHER_PID" 2>/dev/null
		if [ ${#why[@]} -eq 0 ]; then
			ok "nosilent: TLS peer $name ${args/=/ }: an error in every format, never SIGPIPE"
		else
			not_ok "nosilent: TLS peer $name ${args/=/ }" "${why[@]:0:6}"
		fi
	done
}

# Item 2: no process can be started (RLIMIT_NPROC as an unprivileged user):
# every target is tested in-process, none vanishes; nagios says CRITICAL
# for the open relay, never "OK - 0 of 0".
nosilent_no_fork() {
	local dir=$WORK/nosilent-fork bin fmt rc why=()
	if ! command -v prlimit >/dev/null || ! command -v setpriv >/dev/null || [ "$(id -u)" != 0 ]; then
		not_ok "nosilent: no fork: needs root, prlimit and setpriv (util-linux)"
		return
	fi
	mkdir -p "$dir/o" "$dir/c"
	bin=$(mktemp -d "${TMPDIR:-/tmp}/relaytest-bin.XXXXXX")
	chmod 755 "$bin"
	cp "$RELAYTEST" "$bin/relaytest" && chmod 755 "$bin/relaytest"
	if ! start_fake tests/scenarios/quiet-closed.scn "$dir/c" 60 ||
		! start_other tests/scenarios/open-relay.scn "$dir/o"; then
		not_ok "nosilent: no fork: fake server did not start"
		rm -rf "$bin"
		return
	fi
	for fmt in nagios prometheus json text; do
		prlimit --nproc=1:1 setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$bin/relaytest" -F "$fmt" --timeout 5 "127.0.0.1:$FAKE_PORT" \
			"127.0.0.1:$OTHER_PORT" >"$dir/out" 2>"$dir/err"
		rc=$?
		case $fmt in
		nagios) [ "$rc" = 2 ] && grep -q '^RELAYTEST CRITICAL - 1 of 2 servers need attention: .*OPEN RELAY' "$dir/out" &&
			grep -q ' servers=2;' "$dir/out" || why+=("nagios: exit $rc: $(head -n 1 "$dir/out")") ;;
		prometheus) [ "$rc" = 1 ] && grep -qx "relaytest_open_relay{target=\"127.0.0.1\",port=\"$OTHER_PORT\"} 1" "$dir/out" &&
			grep -qx "relaytest_open_relay{target=\"127.0.0.1\",port=\"$FAKE_PORT\"} 0" "$dir/out" ||
			why+=("prometheus: exit $rc: $(grep -c . "$dir/out") lines") ;;
		json) [ "$rc" = 1 ] && [ "$(jq -r .verdict "$dir/out" | tr '\n' ' ')" = "closed open " ] ||
			why+=("json: exit $rc: $(jq -r .verdict "$dir/out" 2>&1 | tr '\n' ' ')") ;;
		text) [ "$rc" = 1 ] && [ "$(grep -c '^relaytest .* report for ' "$dir/out")" = 2 ] ||
			why+=("text: exit $rc: $(grep -c '^relaytest .* report for ' "$dir/out") reports") ;;
		esac
	done
	stop_fake
	kill "$OTHER_PID" 2>/dev/null && wait "$OTHER_PID" 2>/dev/null
	rm -rf "$bin"
	if [ ${#why[@]} -eq 0 ]; then
		ok "nosilent: no process can be started: both targets tested in-process, in every format"
	else
		not_ok "nosilent: no process can be started" "${why[@]}"
	fi
}

# A private tmpfs of SIZE at DIR in a mount namespace of its own, filled to
# the last byte, runs the rest of the arguments: a full disk, as a test can
# make it without touching the machine's.
on_full_disk() {
	local size=$1 dir=$2
	shift 2
	unshare -m --propagation private sh -c '
		mount -t tmpfs -o size="$1" tmpfs "$2" || exit 97
		old=$3
		[ -z "$old" ] || printf "old report\n" >"$2/$old"
		cat /dev/zero >"$2/filler" 2>/dev/null
		shift 3
		"$@"
		rc=$?
		ls -A "$0" >"$0.listing"
		[ -z "$old" ] || cp "$0/$old" "$0.kept" 2>/dev/null
		exit $rc' "$dir" "$size" "$dir" "${OLD:-}" "$@"
}

# Item 3: the report goes to --output FILE whole or not at all; a full
# TMPDIR costs memory, never a target.
nosilent_output() {
	local dir=$WORK/nosilent-output rc why=() fmt mode
	mkdir -p "$dir/full" "$dir/files"
	if ! start_fake tests/scenarios/open-relay.scn "$dir" 60; then
		not_ok "nosilent: --output: fake server did not start"
		return
	fi
	# Written whole, the same as standard output, readable by others (umask).
	for fmt in prometheus nagios json text; do
		"$RELAYTEST" -F "$fmt" "127.0.0.1:$FAKE_PORT" >"$dir/stdout.$fmt" 2>/dev/null
		echo old >"$dir/files/report.$fmt"
		(umask 022 && "$RELAYTEST" -F "$fmt" -o "$dir/files/report.$fmt" "127.0.0.1:$FAKE_PORT") \
			>"$dir/out" 2>"$dir/err"
		rc=$?
		if [ "$fmt" = nagios ]; then
			[ "$rc" = 2 ] || why+=("-F $fmt -o: exit $rc, want 2 (CRITICAL)")
		else
			[ "$rc" = 1 ] || why+=("-F $fmt -o: exit $rc, want 1")
		fi
		[ ! -s "$dir/out" ] || why+=("-F $fmt -o: printed on stdout")
		grep -vE '[0-9]+\.[0-9]+ ?s|timestamp|time=|duration|elapsed' "$dir/files/report.$fmt" >"$dir/a"
		grep -vE '[0-9]+\.[0-9]+ ?s|timestamp|time=|duration|elapsed' "$dir/stdout.$fmt" >"$dir/b"
		cmp -s "$dir/a" "$dir/b" || why+=("-F $fmt -o: the file differs from stdout's report")
		mode=$(stat -c %a "$dir/files/report.$fmt")
		[ "$mode" = 644 ] || why+=("-F $fmt -o: mode $mode, want 644")
	done
	[ "$(ls "$dir/files" | grep -c tmp)" = 0 ] || why+=("temporary files left: $(ls "$dir/files")")
	# Cannot be created: exit 3, said, nothing else touched.
	"$RELAYTEST" -F prometheus -o "$dir/no/such/dir/x.prom" "127.0.0.1:$FAKE_PORT" >"$dir/out" 2>"$dir/err"
	rc=$?
	[ "$rc" = 3 ] && grep -q "^relaytest: --output $dir/no/such/dir/x.prom: cannot create" "$dir/err" ||
		why+=("-o into a missing directory: exit $rc: $(head -c 200 "$dir/err")")
	if ! unshare -m true 2>/dev/null; then
		not_ok "nosilent: --output: unshare -m is not permitted here (run as root)"
	else
		# A full disk under FILE: exit 3, the old FILE kept, no temporary file.
		OLD=report.prom on_full_disk 64k "$dir/full" \
			"$RELAYTEST" -F prometheus -o "$dir/full/report.prom" "127.0.0.1:$FAKE_PORT" \
			>"$dir/out" 2>"$dir/err"
		rc=$?
		[ "$rc" = 3 ] && grep -q 'cannot write the report to .*report.prom: No space left on device (the file was left as it was)' "$dir/err" ||
			why+=("full disk: exit $rc: $(head -c 300 "$dir/err")")
		[ "$(cat "$dir/full.kept" 2>/dev/null)" = "old report" ] || why+=("full disk: the old file was not kept")
		[ "$(grep -v '^filler$' "$dir/full.listing" | tr '\n' ' ')" = "report.prom " ] ||
			why+=("full disk: left behind: $(tr '\n' ' ' <"$dir/full.listing")")
		# A full TMPDIR: results waiting for their turn and prometheus'
		# samples go to memory; all 12 targets are there, the open relay too.
		nosilent_full_tmpdir "$dir"
	fi
	stop_fake
	if [ ${#why[@]} -eq 0 ]; then
		ok "nosilent: --output FILE: whole or not at all, old file kept on failure, exit 3 said"
	else
		not_ok "nosilent: --output" "${why[@]}"
	fi
}

# 11 quiet closed servers, slow enough that they finish out of order, and
# one open relay behind them, with TMPDIR on a full disk.
nosilent_full_tmpdir() {
	local dir=$1 fmt rc list=() i
	mkdir -p "$dir/tmp"
	for i in $(seq 1 11); do
		start_other tests/scenarios/quiet-closed.scn "$dir/c$i" || { why+=("full TMPDIR: no fake server"); return; }
		list+=("127.0.0.1:$OTHER_PORT")
		FULL_PIDS+=("$OTHER_PID")
	done
	list+=("127.0.0.1:$FAKE_PORT")
	for fmt in prometheus nagios json; do
		TMPDIR=$dir/tmp on_full_disk 64k "$dir/tmp" env TMPDIR="$dir/tmp" "$RELAYTEST" \
			-F "$fmt" -j 4 "${list[@]}" >"$dir/out.$fmt" 2>"$dir/err"
		rc=$?
		case $fmt in
		prometheus) [ "$rc" = 1 ] && [ "$(grep -c '^relaytest_status{' "$dir/out.$fmt")" = 12 ] &&
			grep -qx "relaytest_open_relay{target=\"127.0.0.1\",port=\"$FAKE_PORT\"} 1" "$dir/out.$fmt" ||
			why+=("full TMPDIR, prometheus: exit $rc, $(grep -c '^relaytest_status{' "$dir/out.$fmt") targets") ;;
		nagios) [ "$rc" = 2 ] && grep -q ' servers=12;' "$dir/out.$fmt" ||
			why+=("full TMPDIR, nagios: exit $rc: $(head -n 1 "$dir/out.$fmt")") ;;
		json) [ "$rc" = 1 ] && [ "$(jq -s length "$dir/out.$fmt")" = 12 ] ||
			why+=("full TMPDIR, json: exit $rc") ;;
		esac
	done
	kill "${FULL_PIDS[@]}" 2>/dev/null
	wait "${FULL_PIDS[@]}" 2>/dev/null
	FULL_PIDS=()
}
FULL_PIDS=()

# Item 4: --input reads into a bounded buffer: /dev/zero is a usage error
# naming file and line, also under a memory limit, before any connection;
# a read error is exit 3, never the end of the list.
nosilent_input() {
	local dir=$WORK/nosilent-input rc why=()
	mkdir -p "$dir"
	if ! start_fake tests/scenarios/quiet-closed.scn "$dir" 60; then
		not_ok "nosilent: --input: fake server did not start"
		return
	fi
	timeout 20 "$RELAYTEST" -i /dev/zero "127.0.0.1:$FAKE_PORT" >"$dir/out" 2>"$dir/err"
	rc=$?
	[ "$rc" = 64 ] && grep -q '^relaytest: /dev/zero:1: line longer than 1022 bytes' "$dir/err" ||
		why+=("-i /dev/zero: exit $rc: $(head -c 200 "$dir/err")")
	if [ -z "${SAN_RUN:-}" ]; then # the sanitizers reserve more address space than this
		(ulimit -v 65536 && timeout 20 "$RELAYTEST" -i /dev/zero "127.0.0.1:$FAKE_PORT") >"$dir/out" 2>"$dir/err"
		rc=$?
		[ "$rc" = 64 ] && grep -q 'line longer than' "$dir/err" ||
			why+=("-i /dev/zero under ulimit -v: exit $rc: $(head -c 200 "$dir/err")")
	fi
	"$RELAYTEST" -i /proc/self/mem "127.0.0.1:$FAKE_PORT" >"$dir/out" 2>"$dir/err"
	rc=$?
	[ "$rc" = 3 ] && grep -q '^relaytest: --input /proc/self/mem: cannot read line 1: Input/output error' "$dir/err" ||
		why+=("-i /proc/self/mem: exit $rc: $(head -c 200 "$dir/err")")
	"$RELAYTEST" -F nagios -i /proc/self/mem >"$dir/out" 2>"$dir/err"
	rc=$?
	[ "$rc" = 3 ] && grep -q '^RELAYTEST UNKNOWN - --input /proc/self/mem: cannot read' "$dir/out" ||
		why+=("-F nagios -i /proc/self/mem: exit $rc: $(head -c 200 "$dir/out")")
	grep -q '== connect' "$FAKE_LOG" && why+=("a connection was made before the list was whole")
	# The longest line allowed (1022 bytes, CRLF too) is read; one byte more is not.
	{ printf '127.0.0.1:%s' "$FAKE_PORT"; printf ' %.0s' $(seq 1 $((1022 - 10 - ${#FAKE_PORT}))); printf '\r\n'; } >"$dir/long.list"
	"$RELAYTEST" -q -i "$dir/long.list" >"$dir/out" 2>"$dir/err"
	rc=$?
	[ "$rc" = 0 ] || why+=("a 1022-byte line: exit $rc: $(head -c 200 "$dir/err")")
	{ printf '#'; printf 'x%.0s' $(seq 1 1022); printf '\n'; } >"$dir/over.list"
	"$RELAYTEST" -i "$dir/over.list" >"$dir/out" 2>"$dir/err"
	rc=$?
	[ "$rc" = 64 ] && grep -q 'over.list:1: line longer than 1022 bytes' "$dir/err" ||
		why+=("a 1023-byte line: exit $rc: $(head -c 200 "$dir/err")")
	stop_fake
	if [ ${#why[@]} -eq 0 ]; then
		ok "nosilent: --input: bounded lines (/dev/zero, ulimit -v) exit 64, a read error exit 3"
	else
		not_ok "nosilent: --input" "${why[@]}"
	fi
}

# Item 5: our own open-file limit is ours: same verdicts with fewer
# connections, said as relaytest's limit, never "the server refused".
# --connections 10 asks for more than these limits leave.
nosilent_fd_limit() {
	local dir=$WORK/nosilent-fd rc why=() n
	mkdir -p "$dir"
	if ! start_fake tests/scenarios/all-denied.scn "$dir" 60; then
		not_ok "nosilent: open-file limit: fake server did not start"
		return
	fi
	"$RELAYTEST" --connections 10 "127.0.0.1:$FAKE_PORT" >"$dir/clean" 2>&1
	for n in 7 8 10; do
		(ulimit -n "$n" && "$RELAYTEST" --connections 10 "127.0.0.1:$FAKE_PORT") >"$dir/out" 2>&1
		rc=$?
		[ "$rc" = 0 ] || why+=("ulimit -n $n: exit $rc")
		cmp -s <(cut -c1-64 "$dir/clean" | grep -E '^[a-z]+-[a-z-]+ ') \
			<(cut -c1-64 "$dir/out" | grep -E '^[a-z]+-[a-z-]+ ') || why+=("ulimit -n $n: verdicts differ")
		grep -q 'refused extra connections' "$dir/out" && why+=("ulimit -n $n: blames the server")
		tr -s ' \n' '  ' <"$dir/out" | grep -q "This limit is relaytest's, not the server's" ||
			why+=("ulimit -n $n: does not say the limit is ours")
	done
	stop_fake
	if [ ${#why[@]} -eq 0 ]; then
		ok "nosilent: our open-file limit: same verdicts, said as ours, never the server's"
	else
		not_ok "nosilent: open-file limit" "${why[@]}"
	fi
}

# Item 6: one server named twice (a port list, two spellings of one host,
# two forms of one address) is tested once and has one series.
nosilent_duplicates() {
	local dir=$WORK/nosilent-dup rc why=() promtool=/opt/prometheus/usr/bin/promtool
	mkdir -p "$dir"
	if ! start_fake tests/scenarios/open-relay.scn "$dir" 60; then
		not_ok "nosilent: duplicates: fake server did not start"
		return
	fi
	# -4: localhost is 127.0.0.1 alone, even where /etc/hosts maps ::1 too.
	"$RELAYTEST" -4 -F prometheus -p "$FAKE_PORT,$FAKE_PORT" 127.0.0.1 "127.0.0.1:$FAKE_PORT" \
		LOCALHOST:"$FAKE_PORT" localhost:"$FAKE_PORT" >"$dir/out" 2>"$dir/err"
	rc=$?
	[ "$rc" = 1 ] || why+=("exit $rc")
	[ "$(grep -c '^relaytest_status{' "$dir/out")" = 2 ] ||
		why+=("status samples: $(grep '^relaytest_status{' "$dir/out" | tr '\n' ' ')")
	[ "$(grep -c '^relaytest_status{target="127.0.0.1"' "$dir/out")" = 1 ] || why+=("127.0.0.1 twice")
	if [ -x "$promtool" ]; then
		"$promtool" check metrics <"$dir/out" >"$dir/promtool" 2>&1 || why+=("promtool: $(head -n 3 "$dir/promtool")")
	else
		why+=("promtool not found at $promtool (.ci/run unpacks it)")
	fi
	[ "$(grep -c '== connect' "$FAKE_LOG")" -le 40 ] || why+=("$(grep -c '== connect' "$FAKE_LOG") connections")
	"$RELAYTEST" -F json "[::ffff:127.0.0.1]:$FAKE_PORT" "[0:0:0:0:0:ffff:7f00:1]:$FAKE_PORT" \
		>"$dir/out6" 2>"$dir/err"
	[ "$(grep -c . "$dir/out6")" = 1 ] || why+=("two forms of one IPv6 address: $(grep -c . "$dir/out6") records")
	stop_fake
	if [ ${#why[@]} -eq 0 ]; then
		ok "nosilent: a server named twice is tested once: one series each (promtool clean)"
	else
		not_ok "nosilent: duplicates" "${why[@]}"
	fi
}

# end_within PID SECONDS: wait for PID to end, at most SECONDS; sets rc
# (its exit status, or "hung" after a SIGKILL).
end_within() {
	local i
	for i in $(seq 1 $(($2 * 20))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -KILL "$1"
		wait "$1" 2>/dev/null
		rc=hung
		return
	fi
	rc=0
	wait "$1" || rc=$?
}

# Item 7: SIGTERM at any moment ends the wait for workers at once (exit
# 143), also while a report write is blocked on a reader that does not read.
nosilent_sigterm() {
	local dir=$WORK/nosilent-term rc why=() i pid start ms slowest=0
	mkdir -p "$dir"
	if ! start_fake tests/scenarios/greeting-timeout.scn "$dir" 60; then
		not_ok "nosilent: SIGTERM: fake server did not start"
		return
	fi
	for i in $(seq 1 12); do
		"$RELAYTEST" -4 --timeout 30 -j 2 "127.0.0.1:$FAKE_PORT" "localhost:$FAKE_PORT" >/dev/null 2>&1 &
		pid=$!
		sleep "0.0$((i % 10))"
		start=$(date +%s%N)
		kill -TERM "$pid"
		end_within "$pid" 10
		ms=$((($(date +%s%N) - start) / 1000000))
		[ "$ms" -le "$slowest" ] || slowest=$ms
		[ "$rc" = 143 ] || why+=("try $i: exit $rc")
	done
	[ "$slowest" -lt 3000 ] || why+=("SIGTERM took $slowest ms to end the run")
	stop_fake
	# A reader that never reads: eight verbose reports (~180 KB) fill the
	# pipe, the report write blocks, SIGTERM ends it: 143, not 3.
	if start_many 1 8 0 "$dir"; then
		rm -f "$dir/fifo"
		mkfifo "$dir/fifo"
		local reader
		exec {reader}<>"$dir/fifo" # held open, never read
		"$RELAYTEST" -v -j 2 --input "$MANY_LIST" >"$dir/fifo" 2>"$dir/err" &
		pid=$!
		for i in $(seq 1 100); do
			[ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" = S ] &&
				grep -q pipe_write "/proc/$pid/wchan" 2>/dev/null && break
			sleep 0.05
		done
		kill -TERM "$pid"
		end_within "$pid" 10
		exec {reader}<&-
		[ "$rc" = 143 ] || why+=("blocked report write: exit $rc: $(head -c 200 "$dir/err")")
		kill "$MANY_PID" 2>/dev/null
		wait "$MANY_PID" 2>/dev/null
	else
		why+=("manyfake did not start (blocked write)")
	fi
	if [ ${#why[@]} -eq 0 ]; then
		ok "nosilent: SIGTERM ends the run at once, 12 of 12 times (slowest $slowest ms); a blocked write too (143)"
	else
		not_ok "nosilent: SIGTERM" "${why[@]}"
	fi
}

# Item 8: a small stack (ulimit -s 256, as a thread's default there; musl
# gives 128 KiB) is enough: no frame of ours is large, threads get their own
# stack size.
nosilent_stack() {
	local dir=$WORK/nosilent-stack rc why=() scn big specs
	mkdir -p "$dir"
	for scn in all-denied tarpit-widen open-relay; do
		if ! start_fake "tests/scenarios/$scn.scn" "$dir" 60; then
			why+=("$scn: fake server did not start")
			continue
		fi
		(ulimit -s 256 && "$RELAYTEST" --all --timeout 10 --helo client.example.org \
			"127.0.0.1:$FAKE_PORT") >"$dir/out" 2>&1
		rc=$?
		stop_fake
		[ "$rc" = "$(sed -n 's/^test\.exit //p' "tests/scenarios/$scn.scn")" ] ||
			why+=("$scn: exit $rc under ulimit -s 256")
		# The scenario's own verdicts (check_verdicts appends to why).
		mapfile -t specs < <(sed -n 's/^test\.verdict //p' "tests/scenarios/$scn.scn")
		specs+=("* $(sed -n 's/^test\.verdict-default //p' "tests/scenarios/$scn.scn")")
		check_verdicts "$dir/out" "${specs[@]}"
	done
	# No function of ours keeps more than 16 KiB on its stack: the build's
	# -fstack-usage files (build/*.su, one per source file) say so.
	local su=${STACK_USAGE_DIR:-build}
	big=$(cat "$su"/*.su 2>/dev/null | awk -F'\t' '$2 > 16384 { print $1 " " $2 }')
	[ "$(find "$su" -maxdepth 1 -name '*.su' | wc -l)" -ge "$(find src -name '*.c' | wc -l)" ] ||
		why+=("$su/*.su: fewer files than src/*.c (is -fstack-usage in the build?)")
	[ -z "$big" ] || why+=("frames over 16 KiB: $big")
	if [ ${#why[@]} -eq 0 ]; then
		ok "nosilent: ulimit -s 256: same verdicts (tarpit with 20 threads too); no frame over 16 KiB"
	else
		not_ok "nosilent: small stacks" "${why[@]}"
	fi
}

section_nosilent() {
	nosilent_tls_peers
	nosilent_no_fork
	nosilent_output
	nosilent_input
	nosilent_fd_limit
	nosilent_duplicates
	nosilent_sigterm
	nosilent_stack
}
