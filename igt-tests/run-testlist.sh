#!/bin/bash
# SPDX-License-Identifier: MIT
#
# run-testlist.sh - run an IGT testlist against the vsvm test binaries
#
# Usage: run-testlist.sh BINDIR TESTLIST [KNOWN_FAILURES]
#
# TESTLIST has one entry a line, igt@<binary>@<subtest>[@<dynamic-subtest>];
# blank lines and '#' comments are ignored. The entries of one binary run in
# one process (in the binary's order), as
#   BINDIR/<binary> --run-subtest <subtest>,<subtest>,...
# under a timeout: starting a binary linked with libigt costs about two
# seconds in the TCG guest, a third of the IGT phase when every entry had a
# process of its own. Each "Subtest <name>: <result>" line IGT prints gives
# the entry's result; the entries a batch did not report (the binary crashed,
# aborted or timed out) and entries with a dynamic subtest then run one at a
# time, as
#   BINDIR/<binary> --run-subtest <subtest> [--dynamic-subtest <dynamic>]
# The test's own output is passed through; each entry ends with one line on
# stdout:
#   RESULT igt <binary>@<subtest>[@<dynamic>] PASS|FAIL|SKIP
# IGT exit codes: 0 PASS, 77 SKIP, 98 FAIL; anything else (79 unknown subtest,
# 112 abort, 124 timeout, 128+N killed by signal N) is a FAIL too. An entry
# whose binary is missing or does not list the subtest in --list-subtests is a
# FAIL without running.
#
# KNOWN_FAILURES (optional) lists entries in the same form, each followed by a
# justification; a FAIL of a listed entry is still printed as FAIL but does not
# fail the run, and a listed entry that passes is reported so that it gets
# removed from the list.
#
# The last line is "igt: N passed, N failed, N skipped". Exit status: 0 when
# no entry failed (skips are fine), 1 when one did, 2 on a usage error.
#
# Environment: VSVM_IGT_TIMEOUT, seconds per entry (default 300); a batch
# gets that plus 30 s per entry.

set -u

usage() {
	echo "usage: $0 BINDIR TESTLIST [KNOWN_FAILURES]" >&2
	exit 2
}

[ $# -eq 2 ] || [ $# -eq 3 ] || usage
bindir=$1
testlist=$2
known_failures=${3:-}
timeout_s=${VSVM_IGT_TIMEOUT:-300}

[ -d "$bindir" ] || { echo "$0: $bindir: not a directory" >&2; exit 2; }
[ -r "$testlist" ] || { echo "$0: $testlist: cannot read" >&2; exit 2; }
[ -z "$known_failures" ] || [ -r "$known_failures" ] ||
	{ echo "$0: $known_failures: cannot read" >&2; exit 2; }

# Entries of a list file: first word of each line, comments and blanks dropped.
list_entries() {
	sed -e 's/#.*//' "$1" | awk 'NF { print $1 }'
}

declare -A subtests_of	# binary -> newline-separated --list-subtests output
declare -A known	# entry -> 1 when in KNOWN_FAILURES
if [ -n "$known_failures" ]; then
	while read -r entry; do
		known[$entry]=1
	done < <(list_entries "$known_failures")
fi

passed=0
failed=0
skipped=0
known_failed=0

# report ENTRY RESULT [WHY]
report() {
	local name=${1#igt@}

	[ $# -lt 3 ] || echo "run-testlist: $1: $3" >&2
	echo "RESULT igt $name $2"
	case $2 in
	PASS)
		passed=$((passed + 1))
		[ -z "${known[$1]:-}" ] ||
			echo "run-testlist: $1 passes: remove it from $known_failures" >&2
		;;
	SKIP)
		skipped=$((skipped + 1))
		;;
	FAIL)
		failed=$((failed + 1))
		[ -z "${known[$1]:-}" ] || known_failed=$((known_failed + 1))
		;;
	esac
}

# check_entry ENTRY: parse ENTRY into binary/subtest/dynamic; report a FAIL
# and return 1 when it cannot run.
check_entry() {
	local entry=$1 prefix rest

	IFS=@ read -r prefix binary subtest dynamic rest <<< "$entry"
	if [ "$prefix" != igt ] || [ -z "$binary" ] || [ -z "$subtest" ] || [ -n "$rest" ]; then
		report "$entry" FAIL "malformed entry, expected igt@<binary>@<subtest>"
		return 1
	fi
	if [ ! -x "$bindir/$binary" ]; then
		report "$entry" FAIL "$bindir/$binary: no such executable"
		return 1
	fi
	if [ -z "${subtests_of[$binary]+set}" ]; then
		subtests_of[$binary]=$("$bindir/$binary" --list-subtests < /dev/null 2>/dev/null)
	fi
	if ! grep -qxF -- "$subtest" <<< "${subtests_of[$binary]}"; then
		report "$entry" FAIL "$binary --list-subtests does not list $subtest"
		return 1
	fi
	return 0
}

# run_entry ENTRY: the entry in a process of its own.
run_entry() {
	local entry=$1 binary subtest dynamic bin status
	local -a args

	check_entry "$entry" || return
	bin=$bindir/$binary
	args=(--run-subtest "$subtest")
	[ -z "$dynamic" ] || args+=(--dynamic-subtest "$dynamic")

	timeout --kill-after=10 "$timeout_s" "$bin" "${args[@]}" < /dev/null
	status=$?
	case $status in
	0)	report "$entry" PASS ;;
	77)	report "$entry" SKIP ;;
	98)	report "$entry" FAIL ;;
	124)	report "$entry" FAIL "timed out after ${timeout_s}s" ;;
	*)
		if [ "$status" -gt 128 ]; then
			# 137 is also timeout's SIGKILL after --kill-after.
			report "$entry" FAIL "killed by signal $((status - 128))"
		else
			report "$entry" FAIL "exit status $status"
		fi
		;;
	esac
}

# run_batch BINARY ENTRY...: the entries' subtests in one process.
run_batch() {
	local bin=$bindir/$1 entry list="" log status result name
	local -A result_of
	shift
	for entry in "$@"; do
		list+=${list:+,}${entry##*@}
	done
	log=$(mktemp)
	timeout --kill-after=10 $((timeout_s + 30 * $#)) "$bin" --run-subtest "$list" < /dev/null 2>&1 |
		tee "$log"
	status=${PIPESTATUS[0]}
	while read -r name result; do
		result_of[$name]=$result
	done < <(sed -n 's/^Subtest \([^ :]*\): \([A-Z]*\).*/\1 \2/p' "$log")
	rm -f "$log"
	for entry in "$@"; do
		case ${result_of[${entry##*@}]:-} in
		SUCCESS) report "$entry" PASS ;;
		SKIP) report "$entry" SKIP ;;
		"")
			echo "run-testlist: $entry: not reported by its batch (exit status $status): running it alone" >&2
			run_entry "$entry"
			;;
		*) report "$entry" FAIL "${result_of[${entry##*@}]}" ;;
		esac
	done
}

declare -a order	# binaries in the order of their first entry
declare -A batch	# binary -> its batchable entries, newline-separated
while read -r entry; do
	check_entry "$entry" || continue
	if [ -n "$dynamic" ]; then
		run_entry "$entry"
		continue
	fi
	[ -n "${batch[$binary]+set}" ] || order+=("$binary")
	batch[$binary]+=$entry$'\n'
done < <(list_entries "$testlist")
for binary in "${order[@]}"; do
	mapfile -t entries < <(printf '%s' "${batch[$binary]}")
	run_batch "$binary" "${entries[@]}"
done

total=$((passed + failed + skipped))
if [ "$total" -eq 0 ]; then
	echo "run-testlist: $testlist has no entries" >&2
	exit 2
fi

echo "igt: $passed passed, $failed failed, $skipped skipped"
[ "$known_failed" -eq 0 ] ||
	echo "run-testlist: $known_failed of the failures are in $known_failures" >&2
[ "$failed" -eq "$known_failed" ]
