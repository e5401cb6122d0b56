# tests/postfix-tls.sh - relaytest against real Postfix over TLS (issue 11),
# sourced by tests/run.sh after tests/postfix.sh (whose postfix_start,
# postfix_run, postfix_check and postfix_stop_all it uses).
#
# The certificate is self-signed, made here with openssl, private to $WORK.

# The instance postfix_start just made gets Postfix's TLS session manager
# (its master.cf has none), then reloads.
postfix_tls_manager() {
	local dir=${PF_STARTED[${#PF_STARTED[@]} - 1]}
	echo "tlsmgr    unix  - - n 1000? 1 tlsmgr" >>"$dir/etc/master.cf"
	postfix -c "$dir/etc" reload >/dev/null 2>&1 && sleep 1
}

postfix_tls_tests() {
	command -v postfix >/dev/null 2>&1 && [ "$(id -u)" = 0 ] || return 0
	local dir=$WORK/postfix-tls skips
	skips=("auth-plain-bogus skipped" "auth-login-bogus skipped" "auth-plain-empty skipped"
		"auth-cram-md5-bogus skipped" "auth-ntlm-anonymous skipped")
	mkdir -p "$dir"
	if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$dir/key.pem" -out "$dir/cert.pem" -days 2 \
		-subj /CN=mx.relaytest.test >/dev/null 2>&1; then
		not_ok "postfix tls: openssl could not make a certificate"
		return
	fi
	chmod 644 "$dir/key.pem" "$dir/cert.pem"
	trap 'postfix_stop_all; cleanup' EXIT

	# TLS required (smtpd_tls_security_level = encrypt) and open to anyone
	# after STARTTLS: every MAIL before TLS gets 530 5.7.0, so the tests run
	# again over STARTTLS and the server is reported open.
	if postfix_start tls-encrypt-open "mynetworks = 0.0.0.0/0" \
		"smtpd_tls_security_level = encrypt" \
		"smtpd_tls_cert_file = $dir/cert.pem" "smtpd_tls_key_file = $dir/key.pem" &&
		postfix_tls_manager; then
		postfix_run tls-encrypt-open "127.0.0.1:$PF_PORT"
		postfix_check "TLS required, open after STARTTLS: tested over TLS, open relay, exit 1" 1 \
			"control-postmaster accepted (control)" "ext-to-ext ACCEPTED" "${skips[@]}"
		grep -q '^TLS        STARTTLS, TLSv1\.[23], ' "$PF_OUT" &&
			grep -q '^Cert       /CN=mx.relaytest.test' "$PF_OUT" &&
			ok "postfix tls: the report shows STARTTLS, version and certificate" ||
			not_ok "postfix tls: no TLS lines in the report" "$(grep -m 3 '^TLS\|^Cert' "$PF_OUT")"
		postfix_run tls-encrypt-open-no --tls no "127.0.0.1:$PF_PORT"
		# Before TLS Postfix refuses even RSET: inconclusive, never a pass.
		postfix_check "TLS required, --tls no: inconclusive, exit 2" 2 "${skips[@]}"
	fi
	postfix_stop_all
	postfix_wrapper_mode "$dir"
	postfix_stop_all
	postfix_sasl_after_tls "$dir"
}

# Wrapper mode (smtpd_tls_wrappermode = yes: TLS from the first byte, as on
# port 465) on a free high port, never 465, closed. In the default --tls auto
# relaytest must find TLS although the port does not suggest it, and run the
# table inside it; with --tls no it cannot test and must say so, never pass.
# --timeout 10 bounds what a greeting that never comes costs (it is not a
# timing test: relaytest may take its time, but not give wrong verdicts).
postfix_wrapper_mode() {
	local dir=$1 mode subject rc
	# shellcheck source=tests/mta/lib.sh
	. tests/mta/lib.sh
	mkdir -p "$WORK/mta"
	if ! PF_READY=tls PF_MASTER_EXTRA="tlsmgr    unix  - - n 1000? 1 tlsmgr" \
		postfix_start tls-wrapper "smtpd_tls_wrappermode = yes" "smtpd_tls_security_level = may" \
		"smtpd_tls_cert_file = $dir/cert.pem" "smtpd_tls_key_file = $dir/key.pem"; then
		not_ok "postfix tls: wrapper mode: the instance did not start"
		return
	fi
	MTA_LABEL="postfix tls" mta_run postfix-wrapper --timeout 10 "127.0.0.1:$PF_PORT"
	MTA_LABEL="postfix tls" mta_check "wrapper mode on a high port (not 465), --tls auto: every relay test denied, exit 0" 0 \
		"control-postmaster accepted" "${MTA_NO_AUTH[@]}" "* denied"
	mode=$(jq -r '.tls.mode // "none"' "$MTA_JSON" 2>/dev/null)
	subject=$(jq -r '.tls.subject // ""' "$MTA_JSON" 2>/dev/null)
	[ "$mode" = implicit ] && [[ $subject == *CN=mx.relaytest.test* ]] &&
		ok "postfix tls: wrapper mode: the JSON says tls.mode implicit, with the certificate's subject" ||
		not_ok "postfix tls: wrapper mode: tls.mode '$mode', subject '$subject', want implicit and CN=mx.relaytest.test" \
			"report: $MTA_JSON"
	MTA_LABEL="postfix tls" mta_run postfix-wrapper-no --tls no --timeout 2 "127.0.0.1:$PF_PORT"
	rc=$(jq -r '"\(.verdict) \(.counts.denied)"' "$MTA_JSON" 2>/dev/null)
	{ [ "$MTA_RC" = 3 ] || [ "$MTA_RC" = 2 ]; } && [[ $rc != closed* ]] && [[ $rc != *\ [1-9]* ]] &&
		ok "postfix tls: wrapper mode, --tls no: could not test (exit $MTA_RC), no verdict" ||
		not_ok "postfix tls: wrapper mode, --tls no: exit $MTA_RC, verdict and denials '$rc', want exit 3 or 2 and none" \
			"report: $MTA_JSON"
}

# SASL that accepts any user and password, offered only after STARTTLS
# (smtpd_tls_auth_only, as Debian's and most submission setups): Postfix
# asks tests/fakeauth.py, which speaks Dovecot's auth protocol and accepts
# every credential (as a static passdb with nopassword=y would). The AUTH
# tests must run over STARTTLS and the server must come out an open relay;
# with --tls no, and without libssl, never a pass.
postfix_sasl_after_tls() {
	local dir=$1 auth_pid rc
	/usr/bin/python3 tests/fakeauth.py "$dir/auth" 300 &
	auth_pid=$!
	for _ in $(seq 1 50); do [ -S "$dir/auth" ] && break; sleep 0.1; done
	if ! [ -S "$dir/auth" ]; then
		not_ok "postfix tls: the fake auth service did not start"
		kill "$auth_pid" 2>/dev/null
		return
	fi
	if postfix_start tls-sasl-open "smtpd_tls_security_level = may" \
		"smtpd_tls_cert_file = $dir/cert.pem" "smtpd_tls_key_file = $dir/key.pem" \
		"smtpd_sasl_auth_enable = yes" "smtpd_sasl_type = dovecot" \
		"smtpd_sasl_path = $dir/auth" "smtpd_tls_auth_only = yes" \
		"smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination" &&
		postfix_tls_manager; then
		postfix_run tls-sasl-open "127.0.0.1:$PF_PORT"
		postfix_check "SASL accepting any password after STARTTLS: AUTH over TLS, open relay, exit 1" 1 \
			"control-postmaster accepted (control)" \
			"auth-plain-bogus ACCEPTED: bogus credentials" \
			"auth-login-bogus ACCEPTED: bogus credentials" \
			"auth-plain-empty ACCEPTED: bogus credentials" \
			"auth-cram-md5-bogus skipped" "auth-ntlm-anonymous skipped" \
			"* denied: relay policy"
		# Real Postfix forgets what came with STARTTLS (since 2.8.0, the
		# CVE-2011-0411 fix) and offers AUTH only after TLS: the injection
		# probe ran (STARTTLS and NOOP in one write, a handshake, silence)
		# and nothing is found.
		postfix_run tls-sasl-open-probe -v --tests ext-to-ext "127.0.0.1:$PF_PORT"
		grep -q 'STARTTLS injection probe' "$PF_OUT" &&
			sed -n '/STARTTLS injection probe/,$p' "$PF_OUT" | grep -q '== TLS started' &&
			! grep -q 'starttls-injection\|auth-plaintext\|Other findings' "$PF_OUT" &&
			ok "postfix tls: the STARTTLS injection probe ran; Postfix keeps no plain text across STARTTLS, offers AUTH only after TLS: no finding" ||
			not_ok "postfix tls: the STARTTLS injection probe did not run, or found something on Postfix" "report: $PF_OUT"
		postfix_run tls-sasl-open-no --tls no "127.0.0.1:$PF_PORT"
		postfix_check "SASL after STARTTLS, --tls no: AUTH not offered, not a pass of AUTH" 0 \
			"${skips[@]}" "* denied: relay policy"
		tr -s ' \n' '  ' <"$PF_OUT" | grep -q 'it may offer it only after STARTTLS' &&
			ok "postfix tls: --tls no says AUTH may come only after STARTTLS" ||
			not_ok "postfix tls: --tls no does not say why AUTH was not tested" "report: $PF_OUT"
		if unshare -m true 2>/dev/null; then
			unshare -m --propagation private sh -c '
				for f in /lib/*/libssl.so.* /usr/lib/*/libssl.so.*; do
					[ -e "$f" ] && { mount --bind /dev/null "$f" || exit 97; }
				done
				exec "$@"' sh "$RELAYTEST" --all "127.0.0.1:$PF_PORT" >"$dir/nossl.out" 2>&1
			rc=$?
			PF_OUT=$dir/nossl.out PF_RC=$rc
			postfix_check "SASL after STARTTLS, no libssl: AUTH not tested, inconclusive, exit 2" 2 \
				"auth-plain-bogus NOT TESTED: no libssl for TLS" \
				"auth-login-bogus NOT TESTED: no libssl for TLS" \
				"auth-plain-empty NOT TESTED: no libssl for TLS" \
				"auth-cram-md5-bogus NOT TESTED: no libssl for TLS" \
				"auth-ntlm-anonymous NOT TESTED: no libssl for TLS" \
				"* denied: relay policy"
		fi
	fi
	postfix_stop_all
	# The same with smtpd_tls_auth_only = no: AUTH before TLS is a finding,
	# and the exit status stays what the relay tests make it.
	if postfix_start tls-sasl-plain "smtpd_tls_security_level = may" \
		"smtpd_tls_cert_file = $dir/cert.pem" "smtpd_tls_key_file = $dir/key.pem" \
		"smtpd_sasl_auth_enable = yes" "smtpd_sasl_type = dovecot" \
		"smtpd_sasl_path = $dir/auth" "smtpd_tls_auth_only = no" \
		"smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination" &&
		postfix_tls_manager; then
		postfix_run tls-sasl-plain --tests ext-to-ext "127.0.0.1:$PF_PORT"
		tr -s ' \n' '  ' <"$PF_OUT" | grep -q 'auth-plaintext: AUTH (PLAIN LOGIN) is offered before TLS on a server that offers STARTTLS' &&
			! grep -q 'starttls-injection' "$PF_OUT" &&
			ok "postfix tls: AUTH offered before TLS (smtpd_tls_auth_only = no) is the auth-plaintext finding" ||
			not_ok "postfix tls: no auth-plaintext finding for smtpd_tls_auth_only = no" "report: $PF_OUT"
	fi
	postfix_stop_all
	kill "$auth_pid" 2>/dev/null
	wait "$auth_pid" 2>/dev/null
}
