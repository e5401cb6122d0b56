#!/usr/bin/env bash
# bench/report-lines.sh - how long the default text report is on real
# servers (issue 20's goals: a closed Postfix at most 25 lines, a
# greylisting one at most 30), for relaytest and, when OLD names one, an
# older binary on the same servers in the same run.
#
# usage: bash bench/report-lines.sh
#        OLD=/tmp/relaytest-dcc6e8b bash bench/report-lines.sh
#
# Servers, each on 127.0.0.1 with the test suite's configuration
# (tests/postfix.sh, tests/mta/postscreen.sh), never delivering:
#   closed      Postfix, reject_unauth_destination
#   greylisting Postfix answering every relay RCPT 450 4.7.1 Greylisted
#   postscreen  Postfix behind postscreen (its first visit's 450 4.3.2)
# Needs root and Postfix. KEEP=1 keeps the reports.
set -u
cd "$(dirname "$0")/.." || exit 1
RELAYTEST=${RELAYTEST:-./relaytest}
OLD=${OLD:-}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/relaytest-lines.XXXXXX")
[ -x "$RELAYTEST" ] || make -s >/dev/null || exit 1
ok() { :; }
not_ok() { echo "# $*" >&2; }
# shellcheck source=tests/postfix.sh
. tests/postfix.sh
# shellcheck source=tests/mta/lib.sh
. tests/mta/lib.sh
# shellcheck source=tests/mta/postscreen.sh
. tests/mta/postscreen.sh
mkdir -p "$WORK/postfix"
trap 'postfix_stop_all; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT

# run NAME BIN: BIN's default report against the server on $PF_PORT; prints
# its number of lines.
run() {
	local out

	out=$WORK/$1.$(basename "$2").out
	timeout 120 "$2" --helo client.example.org "127.0.0.1:$PF_PORT" >"$out" 2>&1
	wc -l <"$out"
}

# row NAME START...: a fresh server (START, with its arguments) for each
# binary, so that what one run leaves behind (postscreen remembers a client
# that passed) does not change the other's report.
row() {
	local name=$1 bin n line
	shift
	line=$(printf '%-12s' "$name")
	for bin in "$RELAYTEST" ${OLD:+"$OLD"}; do
		"$@" "$name-$(basename "$bin")" || return 1
		n=$(run "$name" "$bin")
		line+=$(printf ' %8s' "$n")
		postfix_stop_all
	done
	echo "$line"
}

with_args() { # FUNCTION NAME ARGS...: FUNCTION NAME-... with ARGS after the name
	local fn=$1
	shift
	"$fn" "${@: -1}" "${@:1:$#-1}"
}

printf '%-12s %8s%s\n' server lines "${OLD:+ $(printf '%8s' old)}"
grey=$WORK/postfix/greylist
printf '/^postmaster@relaytest\\.test$/ DUNNO\n/./ 450 4.7.1 Greylisted, try again later\n' >"$grey"
row closed postfix_start
row greylisting with_args postfix_start \
	"smtpd_relay_restrictions = permit_mynetworks, check_recipient_access regexp:$grey, reject_unauth_destination"
row postscreen postscreen_start
[ -z "${KEEP:-}" ] || echo "reports in $WORK"
