# shellcheck shell=bash disable=SC2207
# bash completion for relaytest. Options, formats, TLS modes and test ids are
# asked of the relaytest being completed (--help, --format's and --tls's
# errors, --list-tests, and whether an option "needs a value"), so they always
# match the installed binary.
_relaytest()
{
	local cur prev cmd=${COMP_WORDS[0]}
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	case $prev in
	-F | --format)
		COMPREPLY=($(compgen -W "$("$cmd" --format=? 2>&1 |
			sed -n 's/.*must be one of //p' | tr -d ,)" -- "$cur"))
		return
		;;
	--tls)
		COMPREPLY=($(compgen -W "$("$cmd" --tls='?' 2>&1 |
			sed -n 's/.*: use //p' | sed 's/,/ /g; s/ or / /g')" -- "$cur"))
		return
		;;
	-T | --tests)
		# A comma-separated list: complete the id after the last comma.
		local done=${cur%"${cur##*,}"} ids
		ids=$("$cmd" --list-tests 2>/dev/null | awk 'NR > 1 && $0 !~ /^ / { print $1 }')
		COMPREPLY=($(compgen -P "$done" -W "$ids" -- "${cur##*,}"))
		return
		;;
	-i | --input | -o | --output)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	-[a-zA-Z0-9] | --[a-z0-9]*)
		# Any other option that takes a value (the binary, given that option
		# alone, says it "needs a value"; without a target nothing else
		# happens): nothing to offer, and never a host name.
		if [[ $prev != *=* ]] &&
			"$cmd" "$prev" </dev/null 2>&1 >/dev/null | grep -q 'needs a value'; then
			return
		fi
		;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$("$cmd" --help 2>/dev/null |
			grep -oE -- '(^|[][ ,;/(])--?[a-zA-Z0-9][a-z0-9-]*' | sed 's/^[][ ,;/(]//' |
			sort -u)" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -A hostname -- "$cur"))
}
complete -F _relaytest relaytest
