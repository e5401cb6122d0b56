# shellcheck shell=bash disable=SC2207
# bash completion for relaytest. Options, their values and test ids are asked
# of the relaytest being completed (--help, --list-tests, and what it says to
# an option without a value or with a bad one), so they always match the
# installed binary, and an option added to it needs no line here.
_relaytest()
{
	local cur prev cmd=${COMP_WORDS[0]}
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	case $prev in
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
		# An option that takes a value (given alone, without a target, the
		# binary only says it "needs a value"): its values when the binary
		# lists them in its complaint about a bad one (--format, --tls: "must
		# be one of ...", "use ... or ..."), else nothing; never host names.
		# A FILE or DOMAIN is not tried: a file would be read, a domain
		# looked up.
		if [[ $prev != *=* ]] &&
			"$cmd" "$prev" </dev/null 2>&1 >/dev/null | grep -q 'needs a value'; then
			"$cmd" --help 2>/dev/null |
				grep -qE -- "(^|[ ,])$prev( |, --[a-z0-9-]+ )(FILE|DOMAIN)" && return
			COMPREPLY=($(compgen -W "$("$cmd" "$prev" '?' </dev/null 2>&1 |
				sed -nE 's/.*(must be one of|: use) //p' | sed 's/,/ /g; s/ or / /g')" -- "$cur"))
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
