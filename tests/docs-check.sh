# shellcheck shell=bash
# tests/docs-check.sh - sourced by tests/run.sh (section "docs"); uses its
# ok/not_ok helpers, start_fake and stop_fake, RELAYTEST, WORK and TEST_IDS.
#
# README.md and relaytest.1 say what the binary says, asked of the binary
# itself (--help, --list-tests, its complaints, its output), never of a list
# kept here, so that an option, test or format added to the binary is checked
# too:
#   (a) the same test ids as --list-tests, both ways;
#   (b) the options of --help, short and long, both ways: cli.c's getopt table
#       has the same, the binary knows each, the man page has an entry for
#       each, README's Usage table a row, and neither names another;
#   (c) every default --help states (numbers, addresses, "MODE (default)");
#   (d) the number of relay tests, wherever the prose states one;
#   (f) the exit statuses of --help, with their words, and the order several
#       targets take the worst in;
#   (h) the values of each option whose values the binary lists (--format,
#       --tls);
#   (i) the Nagios example is what -F nagios prints on the scenario README
#       names; the plugin states the binary exits with; the perfdata labels;
#       the command_line of contrib/relaytest-nagios.cfg;
#   (g) the verdicts the binary reports (-F prometheus's verdict labels);
#   (j) the default addresses are the ones the binary sends;
#   (k) the man page renders without warnings (man, groff);
#   (l) the version the examples show is --version's;
#   (e) tests/FILEFORMAT.md describes every directive the scenarios use.
# Each check is one ok/not_ok line that names what drifted. DOCS_README,
# DOCS_MAN and DOCS_CLI point the checks at other copies (to see them fail).
# The bash completion is checked by docs_completion in tests/run.sh.

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

# Every option --help names, -x and --xx, one a line: the list every other
# list of options is held to.
docs_help_options() {
	"$RELAYTEST" --help | grep -oE -- '(^|[][ ,;/(])--?[a-zA-Z0-9][a-z0-9-]*' |
		sed 's/^[][ ,;/(]//' | LC_ALL=C sort -u
}

# The options of cli.c's getopt table: its long_options names and the letters
# of getopt_long's option string.
docs_cli_options() {
	local cli=${DOCS_CLI:-src/cli.c}
	{
		awk '/struct option long_options\[\]/ { on = 1; next } on && /^};/ { exit }
			on && match($0, /\{ *"[a-z0-9-]+"/) {
				s = substr($0, RSTART, RLENGTH); gsub(/[{ "]/, "", s); print "--" s }' "$cli"
		grep -oE 'getopt_long\([^"]*"[^"]*"' "$cli" | sed 's/.*"\(.*\)"/\1/' | tr -d ':' |
			grep -oE '[a-zA-Z0-9]' | sed 's/^/-/'
	} | LC_ALL=C sort -u
}

# The options man page FILE names with Fl, one a line (-46 counts as -4 and
# -6); with a second argument "entries", only those of .It Fl lines: the
# entries of its option list.
docs_man_options() {
	awk -v entries="${2:-}" 'entries != "" && !/^\.It Fl / { next }
		{ for (i = 1; i < NF; i++) {
			if ($i != "Fl" && $i != ".Fl") continue
			if ($(i + 1) == "Fl") {
				w = $(i + 2); i += 2; gsub(/[^a-z0-9-]/, "", w)
				if (w != "") print "--" w
				continue
			}
			w = $(++i); gsub(/[^a-zA-Z0-9]/, "", w)
			for (j = 1; j <= length(w); j++) print "-" substr(w, j, 1)
		} }' "$1" | LC_ALL=C sort -u
}

# The options README's Usage table has a row for: those in a row's first
# cell, and those a row names with "also `--x`".
docs_readme_table_options() {
	docs_md_section "$1" "## Usage" | grep -E '^\| `-' | {
		cut -d'|' -f2 | grep -oE -- '`--?[a-zA-Z0-9][a-z0-9-]*' | tr -d '`'
	}
	docs_md_section "$1" "## Usage" | grep -E '^\| `-' | grep -oE -- 'also `--[a-z0-9-]+' |
		sed 's/also `//'
}

# Options README names as relaytest's: a backticked span that starts with
# --xx, and every -x or --xx after "relaytest " on a command line (in a code
# block or a backticked span, up to a pipe or comment). GNU parallel's options
# in the sharding recipe are not relaytest's.
docs_readme_options() {
	{
		grep -oE '`--[a-zA-Z0-9][a-z0-9-]*' "$1" | tr -d '`'
		{
			awk '/^```/ { c = !c; next } c' "$1"
			grep -oE '`[^`]*`' "$1"
		} | grep -E '(^|[ /`])relaytest ' | sed -E 's/.*(^|[ /`])relaytest //; s/[|#;>&].*//' |
			grep -oE -- '(^| )--?[a-zA-Z0-9][a-z0-9-]*' | tr -d ' '
	} | grep -vxE -- '--(ssh|sshlogin|pipe-part|block)' | LC_ALL=C sort -u
}

# A line naming what list $1 has and list $2 lacks, when it has any.
docs_only_in() {
	LC_ALL=C comm -23 <(LC_ALL=C sort -u <<<"$1") <(LC_ALL=C sort -u <<<"$2") | paste -sd ' '
}

# (b) The options of --help are those of cli.c's getopt table, and the binary
# knows each; the man page has an entry for each and names no other; README's
# Usage table has a row for each and README names no other.
docs_check_options() {
	local readme=$1 man=$2 help n opt diff why=()
	help=$(docs_help_options)
	n=$(wc -l <<<"$help")
	if [ "$n" -lt 20 ]; then
		not_ok "docs: options: only $n found in --help (the check's parser no longer fits it)" "$help"
		return
	fi
	diff=$(docs_only_in "$(docs_cli_options)" "$help")
	[ -z "$diff" ] || why+=("in cli.c's getopt table, not in --help: $diff")
	diff=$(docs_only_in "$help" "$(docs_cli_options)")
	[ -z "$diff" ] || why+=("in --help, not in cli.c's getopt table: $diff")
	for opt in $help; do
		"$RELAYTEST" "$opt" </dev/null 2>&1 >/dev/null | grep -q 'unknown option' &&
			why+=("$opt: the binary does not know it")
	done
	if [ ${#why[@]} -eq 0 ]; then
		ok "docs: --help, cli.c's getopt table and the binary have the same $n options"
	else
		not_ok "docs: --help and the options the binary has" "${why[@]}"
	fi
	why=()
	diff=$(docs_only_in "$help" "$(docs_man_options "$man" entries)")
	[ -z "$diff" ] || why+=("in --help, no entry in $man: $diff")
	diff=$(docs_only_in "$(docs_man_options "$man")" "$help")
	[ -z "$diff" ] || why+=("in $man, not in --help: $diff")
	if [ ${#why[@]} -eq 0 ]; then
		ok "docs: $man has an entry for each of the $n options of --help, and names no other"
	else
		not_ok "docs: $man and the options of --help" "${why[@]}"
	fi
	why=()
	diff=$(docs_only_in "$help" "$(docs_readme_table_options "$readme")")
	[ -z "$diff" ] || why+=("in --help, not in $readme's Usage table: $diff")
	diff=$(docs_only_in "$(docs_readme_table_options "$readme"; docs_readme_options "$readme")" "$help")
	[ -z "$diff" ] || why+=("in $readme, not in --help: $diff")
	if [ ${#why[@]} -eq 0 ]; then
		ok "docs: $readme's Usage table has each of the $n options of --help, and $readme names no other"
	else
		not_ok "docs: $readme and the options of --help" "${why[@]}"
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

# The prose of document FILE, one paragraph-ish stream: README without its
# code blocks, the man page without its literal displays.
docs_prose() {
	case $1 in
	*.md) awk '/^```/ { c = !c; next } !c' "$1" ;;
	*) awk '/^\.Bd / { c = 1; next } /^\.Ed/ { c = 0; next } !c' "$1" ;;
	esac
}

# (d) Every "N relay tests" the documents' prose states (and "table of N relay
# tests", at least once) is the number of relay tests --list-tests lists
# (every test but the control); an example report of the whole table
# ("all N relay tests denied, M skipped") adds up to it.
docs_check_count() {
	local relay f n m table=0 why=()
	relay=$("$RELAYTEST" --list-tests | awk 'NR > 1 && $0 !~ /^ / && $2 != "control"' | wc -l)
	for f in "$@"; do
		table=$((table + $(tr '\n' ' ' <"$f" | grep -cE 'table of [0-9]+ relay +tests')))
		for n in $(docs_prose "$f" | tr '\n' ' ' | grep -oE '\b[0-9]+ relay +tests' | grep -oE '^[0-9]+'); do
			[ "$n" = "$relay" ] || why+=("$f: $n relay tests, --list-tests lists $relay")
		done
		while read -r n m; do
			[ -n "$n" ] || continue
			[ $((n + m)) = "$relay" ] || why+=("$f: an example of the whole table: $n denied + $m skipped, --list-tests lists $relay")
		done < <(grep -oE 'all [0-9]+ relay tests denied, [0-9]+ skipped' "$f" | awk '{ print $2, $6 }')
	done
	[ "$table" -gt 0 ] || why+=("no 'table of N relay tests' in $*")
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

# The lines of man page FILE in its section ".Sh NAME", up to the next one.
docs_man_sh() {
	awk -v h=".Sh $2" '$0 == h { on = 1; next } on && /^\.Sh / { exit } on' "$1"
}

# The exit statuses --help states, "N<TAB>words" a line: its "Exit status:"
# paragraph without the parentheses, cut at ";" and ".".
docs_help_statuses() {
	"$RELAYTEST" --help | awk '/^Exit status:/ { on = 1 } on && /^$/ { exit } on' |
		tr '\n' ' ' | sed -e 's/^Exit status: *//' -e 's/([^)]*)//g' -e 's/[;.]/\n/g' |
		sed -nE 's/^ *([0-9]+) +([a-z][a-z ]*[a-z]) *$/\1\t\2/p'
}

# The statuses in the order "several targets" take the worst, from text on
# standard input: the digits of its first sentence that says so.
docs_worst_order() {
	tr '\n' ' ' | grep -oiE 'several targets[^.]*' | head -n 1 | grep -oE '\b[0-9]+\b' | paste -sd ' '
}

# (f) The exit statuses: README's table and the man page's EXIT STATUS list
# each status --help states, with its words, and no other (the man page may
# add the statuses of signals, above 128); all three take the worst of several
# targets in the same order.
docs_check_statuses() {
	local readme=$1 man=$2 statuses code words row entry order n why=() listed
	statuses=$(docs_help_statuses)
	n=$(grep -c . <<<"$statuses")
	if [ "$n" -lt 4 ]; then
		not_ok "docs: exit statuses: only $n found in --help (the check's parser no longer fits it)"
		return
	fi
	while IFS=$'\t' read -r code words; do
		row=$(docs_md_section "$readme" "## Exit status" | grep -E "^\| $code \|" | tr -d '*' | tr '[:upper:]' '[:lower:]')
		[[ $row == *"$words"* ]] || why+=("$readme: status $code is not '$words': ${row:-no row}")
		entry=$(docs_man_sh "$man" "EXIT STATUS" |
			awk -v c="$code" '$0 ~ "^\\.It " c "( |$)" { on = 1; next } on && /^\.(It|El)( |$)/ { exit } on' |
			tr '\n' ' ' | tr '[:upper:]' '[:lower:]')
		[[ $entry == *"$words"* ]] || why+=("$man: status $code is not '$words': ${entry:-no entry}")
	done <<<"$statuses"
	listed=$(cut -f1 <<<"$statuses")
	for code in $(docs_md_section "$readme" "## Exit status" | sed -nE 's/^\| ([0-9]+) \|.*/\1/p'); do
		grep -qx "$code" <<<"$listed" || why+=("$readme: status $code, which --help does not state")
	done
	for code in $(docs_man_sh "$man" "EXIT STATUS" | sed -n 's/^\.It //p' | grep -oE '[0-9]+'); do
		grep -qx "$code" <<<"$listed" || [ "$code" -gt 128 ] ||
			why+=("$man: status $code, which --help does not state")
	done
	order=$("$RELAYTEST" --help | docs_worst_order)
	[ -n "$order" ] || why+=("--help does not say the order of several targets' statuses")
	[ "$(docs_md_section "$readme" "## Exit status" | docs_worst_order)" = "$order" ] ||
		why+=("$readme: several targets: $(docs_md_section "$readme" "## Exit status" | docs_worst_order), --help: $order")
	[ "$(docs_man_sh "$man" "EXIT STATUS" | docs_worst_order)" = "$order" ] ||
		why+=("$man: several targets: $(docs_man_sh "$man" "EXIT STATUS" | docs_worst_order), --help: $order")
	if [ ${#why[@]} -eq 0 ]; then
		ok "docs: $readme and $man give the $n exit statuses of --help, their words and the order $order"
	else
		not_ok "docs: exit statuses differ from --help" "${why[@]}"
	fi
}

# (g) The verdicts: the man page's Verdicts list and README's "What the
# verdicts mean" (its bullets, but for notes such as "same commands as ...")
# name the verdicts the binary reports (the verdict labels of -F prometheus,
# "_" read as a space), and no other. $3 is that output.
docs_check_verdicts() {
	local readme=$1 man=$2 known diff why=()
	known=$(grep -oE 'verdict="[a-z_]+"' "$3" | cut -d'"' -f2 | LC_ALL=C sort -u)
	if [ "$(grep -c . <<<"$known")" -lt 4 ]; then
		not_ok "docs: verdicts: -F prometheus names $(grep -c . <<<"$known") (the check no longer fits it)"
		return
	fi
	local in_man in_readme
	in_man=$(docs_man_section "$man" "Verdicts" | sed -n 's/^\.It //p' | tr ' ' '_')
	in_readme=$(docs_md_section "$readme" "## What the verdicts mean" |
		sed -nE 's/^- \*\*([^*]+)\*\*.*/\1/p' | grep -v '\.\.\.$' | tr ' ' '_')
	diff=$(docs_only_in "$known" "$in_man")
	[ -z "$diff" ] || why+=("$man does not explain: $diff")
	diff=$(docs_only_in "$in_man" "$known")
	[ -z "$diff" ] || why+=("$man explains verdicts the binary lacks: $diff")
	diff=$(docs_only_in "$known" "$in_readme")
	[ -z "$diff" ] || why+=("$readme does not explain: $diff")
	diff=$(docs_only_in "$in_readme" "$known")
	[ -z "$diff" ] || why+=("$readme explains verdicts the binary lacks: $diff")
	if [ ${#why[@]} -eq 0 ]; then
		ok "docs: $readme and $man explain the $(grep -c . <<<"$known") verdicts the binary reports, and no other"
	else
		not_ok "docs: verdicts differ from the binary's" "${why[@]}"
	fi
}

# The values option OPT takes, when the binary lists them in its complaint
# about a bad one ("must be one of a, b", "use a, b or c"), one a line; as
# completion/relaytest.bash asks.
docs_option_values() {
	"$RELAYTEST" "$1" '?' </dev/null 2>&1 | sed -nE 's/.*(must be one of|: use) //p' |
		sed 's/,/ /g; s/ or / /g' | tr -s ' ' '\n' | grep .
}

# The long options of --help whose value is one of a list the binary names
# (probed with "?"; options whose value is a FILE or DOMAIN are not probed,
# since a lookup or a file would follow).
docs_enum_options() {
	local opt
	for opt in $("$RELAYTEST" --help | grep -oE -- '--[a-z][a-z0-9-]+ [A-Z]+' |
		grep -vE ' (FILE|DOMAIN)$' | cut -d' ' -f1 | LC_ALL=C sort -u); do
		[ -n "$(docs_option_values "$opt")" ] && echo "$opt"
	done
}

# (h) Each value of such an option (--format's formats, --tls's modes) is
# named in its man page entry and its README table row.
docs_check_values() {
	local readme=$1 man=$2 opt value entry row n=0 why=() options
	options=$(docs_enum_options)
	for opt in $options; do
		entry=$(docs_man_entry "$man" "${opt#--}")
		row=$(docs_readme_row "$readme" "$opt")
		for value in $(docs_option_values "$opt"); do
			n=$((n + 1))
			grep -qwF -- "$value" <<<"$entry" || why+=("$man: $opt $value is not in its entry")
			grep -qwF -- "$value" <<<"$row" || why+=("$readme: $opt $value is not in its row")
		done
	done
	if [ "$n" -lt 6 ]; then
		not_ok "docs: option values: only $n found (the check's parser no longer fits the binary)"
	elif [ ${#why[@]} -eq 0 ]; then
		ok "docs: $readme and $man name the $n values of $(paste -sd ' ' <<<"$options")"
	else
		not_ok "docs: option values differ from the binary's" "${why[@]}"
	fi
}

# (i) Monitoring: README's -F nagios example, a "$ relaytest ..." code block in
# its Monitoring section run against the scenario the section names, is what
# the binary prints (the port and time= aside); every other RELAYTEST status
# line in README and the man page has the real perfdata labels; the documents
# give the states the binary exits with (open CRITICAL, closed OK,
# inconclusive WARNING, usage error UNKNOWN); README's and the man page's
# Nagios command_line is contrib/relaytest-nagios.cfg's. $3 is a directory.
docs_check_nagios() {
	local readme=$1 man=$2 dir=$3 section scn cmd want got port perf line why=() args i f
	section=$(docs_md_section "$readme" "## Monitoring (Nagios, Icinga)")
	scn=$(grep -oE 'tests/[a-z/-]+\.scn' <<<"$section" | head -n 1)
	cmd=$(awk '/^```/ { c = !c; next } c && /^\$ relaytest / { print; exit }' <<<"$section" | sed 's/^\$ //')
	want=$(awk -v cmd="\$ $cmd" '/^```/ { if (on) exit; c = !c; next } c && $0 == cmd { on = 1; next } on' <<<"$section")
	if [ -z "$scn" ] || [ ! -f "$scn" ] || [ -z "$cmd" ] || [ -z "$want" ]; then
		not_ok "docs: nagios example: $readme's Monitoring section needs a '\$ relaytest -F nagios ...' code block and the tests/...scn it was run against" \
			"scenario '$scn', command '$cmd'"
		return
	fi
	mkdir -p "$dir"
	if ! start_fake "$scn" "$dir" 30; then
		not_ok "docs: nagios example: the fake server did not start on $scn"
		return
	fi
	port=$(grep -oE '127\.0\.0\.1:[0-9]+' <<<"$cmd" | head -n 1 | cut -d: -f2)
	read -ra args <<<"${cmd#relaytest }"
	for i in "${!args[@]}"; do
		args[i]=${args[i]//127.0.0.1:$port/127.0.0.1:$FAKE_PORT}
	done
	"$RELAYTEST" "${args[@]}" >"$dir/nagios" 2>&1
	echo "exit $?" >"$dir/nagios.rc"
	"$RELAYTEST" -F prometheus "127.0.0.1:$FAKE_PORT" >"$dir/prometheus" 2>&1
	"$RELAYTEST" -F json -T ext-to-ext "127.0.0.1:$FAKE_PORT" >"$dir/json" 2>&1
	stop_fake
	got=$(sed -e "s/\b$FAKE_PORT\b/$port/g" -e 's/time=[0-9.]*s/time=Ts/' "$dir/nagios")
	want=$(sed 's/time=[0-9.]*s/time=Ts/' <<<"$want")
	if [ "$got" != "$want" ]; then
		why+=("$readme's example (\$ $cmd on $scn) is not what the binary prints:"
			"$(diff <(echo "$want") <(echo "$got") | head -n 12)")
	fi
	perf=$(head -n 1 "$dir/nagios" | sed -n 's/.* | //p' | tr ' ' '\n' | cut -d= -f1 | tr '\n' ' ')
	while IFS= read -r line; do
		[[ $line == *" | "* ]] || continue
		[ "$(sed 's/.* | //' <<<"$line" | tr ' ' '\n' | cut -d= -f1 | tr '\n' ' ')" = "$perf" ] ||
			why+=("perfdata labels: '$line', the binary's: $perf")
	done < <(grep -h '^RELAYTEST ' "$readme" "$man")
	docs_check_nagios_states "$readme" "$man" "$dir" "$(cat "$dir/nagios.rc") $(head -n 1 "$dir/nagios")"
	local contrib
	contrib=$(sed -n 's/^ *command_line *//p' contrib/relaytest-nagios.cfg | tr -s ' ')
	for f in "$readme" "$man"; do
		while IFS= read -r line; do
			[ "$line" = "$contrib" ] || why+=("$f: command_line $line, contrib/relaytest-nagios.cfg: $contrib")
		done < <(sed -n 's/^ *command_line *//p' "$f" | tr -s ' ')
	done
	if [ ${#why[@]} -eq 0 ]; then
		ok "docs: the nagios example is the binary's output on $scn; states, perfdata labels and command_line agree"
	else
		not_ok "docs: nagios example and states" "${why[@]}"
	fi
	docs_check_verdicts "$readme" "$man" "$dir/prometheus"
	docs_check_addresses "$readme" "$man" "$dir/json"
}

# The plugin states the binary exits with, each given as "N STATE" in README's
# Monitoring section and the man page's EXIT STATUS. $4: "exit N RELAYTEST
# STATE ..." of the example's run (an open relay); a closed and a greylisting
# scenario and a usage error give the others. Appends to the caller's why.
docs_check_nagios_states() {
	local readme=$1 man=$2 dir=$3 pair rc state scn text
	local pairs=("$(awk '{ print $2, $4 }' <<<"$4")")
	for scn in tests/demo/closed.scn tests/scenarios/greylisting.scn; do
		if ! start_fake "$scn" "$dir" 30; then
			why+=("nagios states: the fake server did not start on $scn")
			continue
		fi
		"$RELAYTEST" -F nagios "127.0.0.1:$FAKE_PORT" >"$dir/state" 2>&1
		rc=$?
		stop_fake
		pairs+=("$rc $(head -n 1 "$dir/state" | awk '{ print $2 }')")
	done
	"$RELAYTEST" -F nagios --port 0 127.0.0.1 >"$dir/state" 2>&1
	pairs+=("$? $(head -n 1 "$dir/state" | awk '{ print $2 }')")
	for pair in "${pairs[@]}"; do
		read -r rc state <<<"$pair"
		[[ $state =~ ^(OK|WARNING|CRITICAL|UNKNOWN)$ ]] || { why+=("nagios: exit $rc, status line '$state'"); continue; }
		text=$(docs_md_section "$readme" "## Monitoring (Nagios, Icinga)" | tr '\n' ' ')
		[[ $text == *"$rc $state"* ]] || why+=("$readme's Monitoring section does not say '$rc $state'")
		text=$(docs_man_sh "$man" "EXIT STATUS" | tr '\n' ' ')
		[[ $text == *"$rc $state"* ]] || why+=("$man's EXIT STATUS does not say '$rc $state'")
	done
	[ ${#pairs[@]} -eq 4 ] || why+=("nagios states: ${#pairs[@]} of 4 found")
}

# (j) The default sender and recipient --help states are the ones the binary
# sends (ext-to-ext's MAIL FROM and RCPT TO in JSON); README and the man page
# state them (c). $3 is that JSON.
docs_check_addresses() {
	local from to got defaults
	defaults=$(docs_help_defaults)
	from=$(awk -F'\t' '$1 == "--from" { print $2 }' <<<"$defaults")
	to=$(awk -F'\t' '$1 == "--to" { print $2 }' <<<"$defaults")
	got=$(jq -r '.tests[] | select(.id == "ext-to-ext") | "\(.mail_from) \(.rcpt_to)"' "$3" 2>&1)
	if [ -n "$from" ] && [ "$got" = "<$from> <$to>" ]; then
		ok "docs: the binary sends from and to the defaults --help states ($from, $to)"
	else
		not_ok "docs: default addresses" "--help: '$from' '$to'" "sent: $got"
	fi
}

# (l) Every "relaytest X.Y.Z" the documents show (a report's first line) is
# the version --version prints.
docs_check_version() {
	local version f v why=()
	version=$("$RELAYTEST" --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1)
	for f in "$@"; do
		for v in $(grep -oE 'relaytest [0-9]+\.[0-9]+\.[0-9]+' "$f" | cut -d' ' -f2 | sort -u); do
			[ "$v" = "$version" ] || why+=("$f shows relaytest $v")
		done
	done
	if [ -n "$version" ] && [ ${#why[@]} -eq 0 ]; then
		ok "docs: the documents show the version --version prints ($version)"
	else
		not_ok "docs: versions differ from --version ('$version')" "${why[@]}"
	fi
}

# (k) The man page renders without a warning through man(1) and groff.
docs_check_render() {
	local man=$1 out
	if ! command -v man >/dev/null || ! command -v groff >/dev/null; then
		not_ok "docs: man and groff are not installed (apt-get install man-db groff-base)"
		return
	fi
	out=$({
		MANWIDTH=80 man --warnings -l "$man" 2>&1 >/dev/null
		groff -wall -mandoc -Tutf8 "$man" 2>&1 >/dev/null
	} | head -n 20)
	if [ -z "$out" ]; then
		ok "docs: $man renders without warnings (man --warnings, groff -wall)"
	else
		not_ok "docs: $man renders with warnings" "$out"
	fi
}

docs_agree() {
	local readme=${DOCS_README:-README.md} man=${DOCS_MAN:-relaytest.1}
	docs_check_ids "$man" "$(docs_man_ids "$man")"
	docs_check_ids "$readme" "$(docs_readme_ids "$readme")"
	docs_check_options "$readme" "$man"
	docs_check_defaults "$readme" "$man"
	docs_check_count "$readme" "$man"
	docs_check_statuses "$readme" "$man"
	docs_check_values "$readme" "$man"
	docs_check_nagios "$readme" "$man" "$WORK/docs-nagios"
	docs_check_render "$man"
	docs_check_version "$readme" "$man"
	docs_check_fileformat
}
