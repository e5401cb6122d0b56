# shellcheck shell=bash
# Sourced by tests/run.sh: the Nagios and Icinga 2 definitions in contrib/
# are loaded by the real programs (nagios4 -v, icinga2 daemon -C) in a
# private directory, and the Nagios command line is run as Nagios would.
# The programs come from Debian's packages, unpacked by .ci/run into
# /opt/monitoring (MONITORING_ROOT), since only their checkers are needed.

monitoring_tests() {
	local root=${MONITORING_ROOT:-/opt/monitoring} dir=$WORK/monitoring out rc
	local nagios=$root/usr/sbin/nagios4
	local icinga=$root/usr/lib/x86_64-linux-gnu/icinga2/sbin/icinga2
	mkdir -p "$dir/n" "$dir/i"/{var,etc,cache,log,run}
	if [ ! -x "$nagios" ]; then
		not_ok "monitoring: nagios4 not found under $root (.ci/run unpacks nagios4-core)"
	else
		monitoring_nagios_cfg "$dir/n" "$PWD/contrib/relaytest-nagios.cfg"
		if out=$(timeout 30 "$nagios" -v "$dir/n/nagios.cfg" 2>&1); then
			ok "monitoring: nagios4 -v accepts contrib/relaytest-nagios.cfg"
		else
			not_ok "monitoring: nagios4 -v" "$(grep -m 5 -iE 'error|warning' <<<"$out")"
		fi
	fi
	if [ ! -x "$icinga" ]; then
		not_ok "monitoring: icinga2 not found under $root (.ci/run unpacks icinga2-bin)"
	else
		printf 'include <itl>\ninclude "%s"\nobject Host "mx1" {\n  check_command = "dummy"\n  address = "127.0.0.1"\n  vars.mail_server = true\n  vars.relaytest_inconclusive_state = "ok"\n}\n' \
			"$PWD/contrib/relaytest-icinga2.conf" >"$dir/i/test.conf"
		out=$(LD_LIBRARY_PATH=$root/usr/lib/x86_64-linux-gnu timeout 30 "$icinga" daemon -C \
			-c "$dir/i/test.conf" -DPrefixDir="$root/usr" \
			-DIncludeConfDir="$root/usr/share/icinga2/include" -DDataDir="$dir/i/var" \
			-DConfigDir="$dir/i/etc" -DCacheDir="$dir/i/cache" -DLogDir="$dir/i/log" \
			-DSpoolDir="$dir/i/var" -DInitRunDir="$dir/i/run" -DZonesDir="$dir/i/etc" \
			-DRunAsUser="$(id -un)" -DRunAsGroup="$(id -gn)" 2>&1)
		rc=$?
		if [ "$rc" = 0 ] && grep -q 'Instantiated 1 Service' <<<"$out" &&
			grep -q 'Finished validating' <<<"$out"; then
			ok "monitoring: icinga2 daemon -C accepts contrib/relaytest-icinga2.conf (1 service applied)"
		else
			not_ok "monitoring: icinga2 daemon -C" "exit $rc" "$(grep -m 5 -iE 'critical|error' <<<"$out")"
		fi
	fi

	# Both say where to run the check from, and how to choose the states.
	local f missing=()
	for f in contrib/relaytest-nagios.cfg contrib/relaytest-icinga2.conf; do
		grep -q 'OUTSIDE the mail server.s relay networks' "$f" && grep -q -- '--inconclusive-state' "$f" &&
			grep -q -- '--untested-state\|relaytest_untested_state' "$f" || missing+=("$f")
	done
	[ ${#missing[@]} -eq 0 ] && ok "monitoring: contrib/ says to run the check from outside the relay networks, and how to choose the states" ||
		not_ok "monitoring: contrib/ lacks the outside-the-relay-networks advice or the state options" "${missing[@]}"

	# The Nagios command line, macros filled in as Nagios would, against an
	# open fake server: CRITICAL, exit 2, well inside 60 s.
	local line
	line=$(sed -n 's/^ *command_line *//p' contrib/relaytest-nagios.cfg)
	start_fake tests/scenarios/open-relay.scn "$dir" 60 ||
		{ not_ok "monitoring: Nagios command line: fake server did not start"; return; }
	line=${line//\/usr\/local\/bin\/relaytest/$RELAYTEST}
	line=${line//\$ARG1\$/$FAKE_PORT}
	line=${line//\$HOSTADDRESS\$/127.0.0.1}
	# shellcheck disable=SC2086
	timeout 60 $line >"$dir/out" 2>&1
	rc=$?
	stop_fake
	[ "$rc" = 2 ] && grep -qE '^RELAYTEST CRITICAL - 127.0.0.1(:[0-9]+)?: OPEN RELAY' "$dir/out" &&
		ok "monitoring: the documented Nagios command line reports an open relay CRITICAL" ||
		not_ok "monitoring: Nagios command line" "exit $rc: $(head -n 1 "$dir/out")"
}

# A minimal nagios.cfg in dir around the object file under test.
monitoring_nagios_cfg() {
	local d=$1 objects=$2
	cat >"$d/nagios.cfg" <<CFG
log_file=$d/nagios.log
cfg_file=$d/objects.cfg
cfg_file=$objects
status_file=$d/status.dat
temp_file=$d/tmp
temp_path=$d
lock_file=$d/lock
check_result_path=$d
object_cache_file=$d/objects.cache
precached_object_file=$d/objects.precache
command_file=$d/cmd
nagios_user=$(id -un)
nagios_group=$(id -gn)
CFG
	cat >"$d/objects.cfg" <<'CFG'
define timeperiod {
    timeperiod_name 24x7
    alias           always
    monday 00:00-24:00
}
define command {
    command_name notify-none
    command_line /bin/true
}
define command {
    command_name check-host-alive
    command_line /bin/true
}
define contact {
    contact_name                  admin
    host_notification_period      24x7
    service_notification_period   24x7
    host_notification_options     n
    service_notification_options  n
    host_notification_commands    notify-none
    service_notification_commands notify-none
}
define service {
    name                  generic-service
    register              0
    max_check_attempts    3
    check_interval        5
    retry_interval        1
    check_period          24x7
    notification_interval 0
    notification_period   24x7
    contacts              admin
}
define hostgroup {
    hostgroup_name mail-servers
}
define host {
    host_name           mx1
    address             127.0.0.1
    max_check_attempts  3
    check_period        24x7
    check_command       check-host-alive
    contacts            admin
    notification_period 24x7
    hostgroups          mail-servers
}
CFG
}
