# shellcheck shell=bash
# tests/docs-check.sh - sourced by tests/run.sh (section "docs"); uses its
# ok/not_ok helpers, RELAYTEST and TEST_IDS.
#
# README.md and relaytest.1 say what the binary says (--help, --list-tests):
#   (a) the same test ids, both ways;
#   (b) every long option of --help;
#   (c) every default --help states (numbers, addresses, "MODE (default)");
#   (d) the number of relay tests ("a fixed table of N relay tests");
#   (e) tests/FILEFORMAT.md describes every directive the scenarios use.
# Each check is one ok/not_ok line per document that names what drifted.
# DOCS_README and DOCS_MAN point the checks at other copies (to see them fail).

# The lines of markdown FILE under the heading HEADING, up to the next "## ".
docs_md_section() {
	awk -v h="$2" '$0 == h { on = 1; next } on && /^## / { exit } on' "$1"
}

# The lines of man page FILE in its subsection ".Ss NAME", up to the next one.
docs_man_section() {
	awk -v h=".Ss $2" '$0 == h { on = 1; next } on && /^\.S[sh] / { exit } on' "$1"
}

# Test ids README's "The tests" names, one a line: `a-b-c`, and `a-b-c|d|e`
# standing for a-b-c, a-b-d and a-b-e.
docs_readme_ids() {
	docs_md_section "$1" "## The tests" | grep -oE '`[^`]*`' | tr -d '`' |
		grep -E '^[a-z][a-z0-9]*(-[a-z0-9]+)+(\|[a-z0-9]+)*$' |
		awk -F'|' '{ print $1; stem = $1; sub(/-[^-]*$/, "", stem)
			for (i = 2; i <= NF; i++) print stem "-" $i }' | LC_ALL=C sort -u
}

# Test ids the man page's ".Ss The tests" names (its .Cm words), one a line.
docs_man_ids() {
	docs_man_section "$1" "The tests" | grep -E '^\.(It )?Cm ' |
		grep -oE '(^| )[a-z][a-z0-9]*(-[a-z0-9]+)+' | tr -d ' ' | LC_ALL=C sort -u
}

# The man page's .It entry for long option OPT (without --), macros left
# out, on one line.
docs_man_entry() {
	awk -v re="^\\\\.It .*Fl Fl $2( |$)" '$0 ~ re { on = 1; print; next }
		on && /^\.(It|El)( |$)/ { exit } on' "$1" |
		awk '{ for (i = 1; i <= NF; i++)
			if ($i !~ /^\.?(It|Cm|Li|Fl|Ar|Pq|Sx|Ql|Dq|No|Ns|Op|Oo|Oc|Pa|Ev)$/) printf "%s ", $i }'
}

# README's Usage table row(s) whose first cell names long option OPT (with
# --), backticks left out.
docs_readme_row() {
	docs_md_section "$1" "## Usage" | grep -E -- "^\| [^|]*$2([ \`]|\$)" | tr -d '`'
}

# (a) Every id of --list-tests is in the document's list of tests, and the
# list names no id --list-tests does not know.
docs_check_ids() {
	local doc=$1 documented=$2 known missing unknown why=()
	known=$(LC_ALL=C sort -u <<<"$TEST_IDS")
	missing=$(LC_ALL=C comm -23 <(echo "$known") <(echo "$documented") | tr '\n' ' ')
	unknown=$(LC_ALL=C comm -13 <(echo "$known") <(echo "$documented") | tr '\n' ' ')
	[ -z "$missing" ] || why+=("in --list-tests, not in $doc: $missing")
	[ -z "$unknown" ] || why+=("in $doc, not in --list-tests: $unknown")
	if [ ${#why[@]} -eq 0 ]; then
		ok "docs: $doc names the $(wc -l <<<"$known") test ids of --list-tests, and no other"
	else
		not_ok "docs: $doc and --list-tests name different test ids" "${why[@]}"
	fi
}

# (b) Every long option of --help has its entry in the man page's option
# list and a place in README's Usage table.
docs_check_options() {
	local readme=$1 man=$2 opt no_man=() no_readme=()
	for opt in $("$RELAYTEST" --help | grep -oE -- '--[a-z][a-z0-9-]+' | LC_ALL=C sort -u); do
		grep -qE "^\.It .*Fl Fl ${opt#--}( |$)" "$man" || no_man+=("$opt")
		[ -n "$(docs_md_section "$readme" "## Usage" | grep -E '^\| ' | grep -E -- "$opt([ \`]|\$)")" ] ||
			no_readme+=("$opt")
	done
	if [ ${#no_man[@]} -eq 0 ]; then
		ok "docs: every long option of --help has its entry in $man"
	else
		not_ok "docs: options of --help missing from $man" "${no_man[*]}"
	fi
	if [ ${#no_readme[@]} -eq 0 ]; then
		ok "docs: every long option of --help is in $readme's option table"
	else
		not_ok "docs: options of --help missing from $readme's option table" "${no_readme[*]}"
	fi
}

# The defaults --help states, "OPTION<TAB>VALUE" a line: each number and
# address in "(default ...)", and "WORD (default)" as it is.
docs_help_defaults() {
	local line opt re_paren='\(default:? ([^)]*)\)' re_word='([a-z]+) \(default\)'
	"$RELAYTEST" --help | while IFS= read -r line; do
		opt=$(grep -oE -- '--[a-z][a-z0-9-]+' <<<"$line" | head -n 1)
		[ -n "$opt" ] || continue
		if [[ $line =~ $re_paren ]]; then
			grep -oE '[^ ;,()]+@[^ ;,()]+|[0-9]+(\.[0-9]+)?' <<<"${BASH_REMATCH[1]}" |
				sed "s/^/$opt\t/"
		fi
		[[ $line =~ $re_word ]] && printf '%s\t%s (default)\n' "$opt" "${BASH_REMATCH[1]}"
	done
}

# (c) Each default --help states is in the option's man page entry and in its
# README table row: numbers and addresses as words, "WORD (default)" as is.
docs_check_defaults() {
	local readme=$1 man=$2 defaults opt value entry row n=0 no_man=() no_readme=()
	defaults=$(docs_help_defaults)
	while IFS=$'\t' read -r opt value; do
		[ -n "$opt" ] || continue
		n=$((n + 1))
		entry=$(docs_man_entry "$man" "${opt#--}")
		row=$(docs_readme_row "$readme" "$opt")
		if [[ $value == *"(default)" ]]; then
			[[ $entry == *"$value"* ]] || no_man+=("$opt $value")
			[[ $row == *"$value"* ]] || no_readme+=("$opt $value")
		else
			grep -qwF -- "$value" <<<"$entry" || no_man+=("$opt default $value")
			grep -qwF -- "$value" <<<"$row" || no_readme+=("$opt default $value")
		fi
	done <<<"$defaults"
	if [ "$n" -lt 10 ]; then
		not_ok "docs: defaults: only $n found in --help (the check's parser no longer fits it)" "$defaults"
		return
	fi
	if [ ${#no_man[@]} -eq 0 ]; then
		ok "docs: the $n defaults --help states are the same in $man"
	else
		not_ok "docs: $man states other defaults than --help" "${no_man[@]}"
	fi
	if [ ${#no_readme[@]} -eq 0 ]; then
		ok "docs: the $n defaults --help states are the same in $readme"
	else
		not_ok "docs: $readme states other defaults than --help" "${no_readme[@]}"
	fi
}

# (d) Every "table of N relay tests" in the documents says the number of
# relay tests --list-tests lists (every test but the control); at least one
# document says it.
docs_check_count() {
	local relay f n seen=0 why=()
	relay=$("$RELAYTEST" --list-tests | awk 'NR > 1 && $0 !~ /^ / && $2 != "control"' | wc -l)
	for f in "$@"; do
		for n in $(tr '\n' ' ' <"$f" | grep -oE 'table of [0-9]+ relay +tests' | grep -oE '[0-9]+'); do
			seen=$((seen + 1))
			[ "$n" = "$relay" ] || why+=("$f: $n relay tests, --list-tests lists $relay")
		done
	done
	[ "$seen" -gt 0 ] || why+=("no 'table of N relay tests' in $*")
	if [ ${#why[@]} -eq 0 ]; then
		ok "docs: the documents count $relay relay tests, as --list-tests lists"
	else
		not_ok "docs: the number of relay tests" "${why[@]}"
	fi
}

# (e) Every directive a scenario file uses (the first word of a line that is
# not a comment) is described in tests/FILEFORMAT.md (as `word`).
docs_check_fileformat() {
	local spec=${DOCS_FILEFORMAT:-tests/FILEFORMAT.md} word missing=() n=0
	for word in $(grep -hoE '^[a-z][a-z.-]*' tests/scenarios/*.scn tests/tls/*.scn \
		tests/demo/*.scn tests/harden/*.scn | LC_ALL=C sort -u); do
		n=$((n + 1))
		grep -qF "\`$word" "$spec" || missing+=("$word")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		ok "docs: $spec describes the $n directives the scenario files use"
	else
		not_ok "docs: scenario directives missing from $spec" "${missing[*]}"
	fi
}

docs_agree() {
	local readme=${DOCS_README:-README.md} man=${DOCS_MAN:-relaytest.1}
	docs_check_ids "$man" "$(docs_man_ids "$man")"
	docs_check_ids "$readme" "$(docs_readme_ids "$readme")"
	docs_check_options "$readme" "$man"
	docs_check_defaults "$readme" "$man"
	docs_check_count "$readme" "$man"
	docs_check_fileformat
}
