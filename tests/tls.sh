# tests/tls.sh - the TLS sections of tests/run.sh (issue 11), sourced by it.
#
# tls_scenarios: tests/tls/*.scn against build/fakesmtpd, which speaks TLS
#   through src/tls.c (same format and checks as tests/scenarios).
# tls_no_libssl: relaytest with libssl hidden in a private mount namespace
#   says it cannot test over TLS and never passes what needs TLS.
# tls_linkage: the binary needs libc (and libm) only.
# tls_valgrind: one STARTTLS session under valgrind.

tls_scenarios() {
	local scn
	if ! command -v openssl >/dev/null; then
		not_ok "tls: the openssl command is needed to make the fake server's certificates (apt-get install openssl)"
		return
	fi
	local list=()
	for scn in tests/tls/*.scn; do
		[ -z "$ONLY" ] || [[ $scn == *"$ONLY"* ]] || continue
		list+=("$scn")
	done
	run_scenarios "${list[@]}"
}

# Each run hides every libssl.so.* of this system behind /dev/null in a
# private mount namespace (nothing outside it changes), as on a machine
# without libssl3.
tls_no_libssl() {
	local scn name dir rc why
	if ! unshare -m true 2>/dev/null; then
		not_ok "tls: no libssl: unshare -m is not permitted here (run as root)"
		return
	fi
	for name in starttls-auth-after-tls relay-530-before-tls; do
		scn=tests/tls/$name.scn
		dir=$WORK/nossl-$name
		mkdir -p "$dir"
		start_fake "$scn" "$dir" 60 || { not_ok "tls: no libssl: $name: fake server did not start"; continue; }
		unshare -m --propagation private sh -c '
			for f in /lib/*/libssl.so.* /usr/lib/*/libssl.so.*; do
				[ -e "$f" ] && { mount --bind /dev/null "$f" || exit 97; }
			done
			exec "$@"' sh "$RELAYTEST" --all "127.0.0.1:$FAKE_PORT" >"$dir/out" 2>"$dir/err"
		rc=$?
		stop_fake
		why=()
		[ "$rc" = 2 ] || why+=("exit status $rc, want 2 (inconclusive)")
		tr -s ' \n' '  ' <"$dir/out" | grep -q 'TLS needed and this system has no libssl (install libssl3)' ||
			why+=("the report does not say libssl is missing")
		grep -q '^== tls$' "$FAKE_LOG" && why+=("a TLS handshake happened")
		grep -q '^STARTTLS' "$FAKE_LOG" && why+=("STARTTLS was sent")
		if [ "$name" = starttls-auth-after-tls ]; then
			check_verdicts "$dir/out" "auth-plain-bogus NOT TESTED: no libssl for TLS" \
				"auth-login-bogus NOT TESTED: no libssl for TLS" \
				"auth-plain-empty NOT TESTED: no libssl for TLS" \
				"auth-cram-md5-bogus NOT TESTED: no libssl for TLS" \
				"auth-ntlm-anonymous NOT TESTED: no libssl for TLS" "* denied: relay policy"
		else
			check_verdicts "$dir/out" "* NOT TESTED: no libssl for TLS"
		fi
		if [ ${#why[@]} -eq 0 ]; then
			ok "tls: no libssl: $name is inconclusive and says why"
		else
			not_ok "tls: no libssl: $name" "${why[@]}" "report: $dir/out"
		fi
	done
}

tls_linkage() {
	local needed
	needed=$(readelf -d "$RELAYTEST" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
	case $needed in
	"libc.so.6 " | "libc.so.6 libm.so.6 ") ok "tls: relaytest needs only libc (and libm): $needed" ;;
	*) not_ok "tls: relaytest links more than libc" "NEEDED: $needed" ;;
	esac
}

tls_valgrind() {
	local dir=$WORK/valgrind-tls rc
	command -v valgrind >/dev/null || return 0
	mkdir -p "$dir"
	start_fake tests/tls/starttls-auth-after-tls.scn "$dir" 120 ||
		{ not_ok "valgrind: TLS session: fake server did not start"; return; }
	valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --track-fds=no \
		"$RELAYTEST" --verbose --timeout 10 -T ext-to-ext,auth-plain-bogus "127.0.0.1:$FAKE_PORT" \
		>"$dir/out" 2>"$dir/err"
	rc=$?
	stop_fake
	if [ "$rc" = 1 ] && ! grep -q '^==[0-9]*==' "$dir/err" && grep -q '^TLS ' "$dir/out"; then
		ok "valgrind: a STARTTLS session with AUTH over TLS is clean (exit $rc)"
	else
		not_ok "valgrind: TLS session" "exit $rc (want 1)" "$(grep -m 8 '^==' "$dir/err")"
	fi
}
