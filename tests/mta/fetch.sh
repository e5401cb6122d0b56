#!/usr/bin/env bash
# tests/mta/fetch.sh - fetch Exim, OpenSMTPD and Sendmail from the Debian
# archive for the real-server tests, without installing them.
#
# usage: bash tests/mta/fetch.sh [DIR]      (default build/mta; needs root)
#
# The three conflict with postfix as packages, so each is fetched with
# `apt-get download` and unpacked with `dpkg -x` under DIR/root, together with
# the libraries (and m4) they need that the system lacks; the tests run the
# servers from there (tests/mta/lib.sh sets LD_LIBRARY_PATH). The system
# users the daemons switch to (Debian-exim, opensmtpd, opensmtpq) are created when
# missing. A server whose package the archive does not have is recorded in
# DIR/NAME.unavailable and its tests are skipped with that message; any other
# failure is an error (exit 1). Running it again does nothing once DIR/NAME.ok
# exists.
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=${1:-build/mta}
mkdir -p "$DIR/debs" "$DIR/root"
DIR=$(cd "$DIR" && pwd)
# apt-get download writes as the _apt user when it can.
chmod 777 "$DIR/debs"

# name: the packages it needs
declare -A GROUPS_OF=(
	[exim]="exim4-daemon-light exim4-base exim4-config"
	[opensmtpd]="opensmtpd"
	[sendmail]="sendmail-bin sendmail-base sendmail-cf m4"
)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# The shared libraries a package depends on that are not installed here.
missing_libs() {
	apt-cache depends --no-recommends --no-suggests --no-enhances --no-pre-depends "$1" 2>/dev/null |
		sed -n 's/^ *|\{0,1\}Depends: \(lib[^<> ]*\)$/\1/p' | sort -u |
		while read -r lib; do installed "$lib" || echo "$lib"; done
}

fetch_group() {
	local name=$1 pkg pkgs=() extra i=0
	rm -f "$DIR/$name.unavailable"
	for pkg in ${GROUPS_OF[$name]}; do
		if ! apt-cache show "$pkg" >/dev/null 2>&1; then
			echo "package $pkg is not in the configured Debian archive (apt-get update?)" >"$DIR/$name.unavailable"
			echo "# mta: $name: $(cat "$DIR/$name.unavailable")"
			return 0
		fi
		pkgs+=("$pkg")
	done
	# The missing libraries, and theirs in turn (bounded by the list's growth).
	while [ "$i" -lt "${#pkgs[@]}" ]; do
		for extra in $(missing_libs "${pkgs[$i]}"); do
			[[ " ${pkgs[*]} " == *" $extra "* ]] || pkgs+=("$extra")
		done
		i=$((i + 1))
	done
	(cd "$DIR/debs" && apt-get download -q "${pkgs[@]}" >/dev/null 2>"$DIR/debs/$name.err") || {
		echo "mta fetch: apt-get download ${pkgs[*]} failed: $(tail -n 2 "$DIR/debs/$name.err")" >&2
		return 1
	}
	for pkg in "${pkgs[@]}"; do
		dpkg -x "$(ls "$DIR/debs/${pkg}_"*.deb | tail -n 1)" "$DIR/root"
	done
	# The tests run them as root: no set-id bits (a set-group-id binary would
	# also ignore LD_LIBRARY_PATH), and none left lying around in the tree.
	find "$DIR/root" -type f -perm /6000 -exec chmod ug-s {} +
	echo "${pkgs[*]}" >"$DIR/$name.ok"
	echo "# mta: $name: unpacked ${pkgs[*]}"
}

[ "$(id -u)" = 0 ] || { echo "mta fetch: must run as root (apt-get download, system users)" >&2; exit 1; }
for user in Debian-exim opensmtpd opensmtpq; do
	getent passwd "$user" >/dev/null ||
		useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
done
for name in exim opensmtpd sendmail; do
	[ -f "$DIR/$name.ok" ] && continue
	fetch_group "$name"
done
