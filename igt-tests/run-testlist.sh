#!/bin/bash
# SPDX-License-Identifier: MIT
#
# run-testlist.sh - run an IGT testlist against the vsvm test binaries
#
# Usage: run-testlist.sh BINDIR TESTLIST [KNOWN_FAILURES]
#
# TESTLIST has one entry a line, igt@<binary>@<subtest>[@<dynamic-subtest>];
# blank lines and '#' comments are ignored. Each entry runs as
#   BINDIR/<binary> --run-subtest <subtest> [--dynamic-subtest <dynamic>]
# under a timeout, with the test's own output passed through, followed by one
# line on stdout:
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
# Environment: VSVM_IGT_TIMEOUT, seconds per entry (default 300).

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

# run_entry ENTRY
run_entry() {
	local entry=$1 prefix binary subtest dynamic rest bin status
	local -a args

	IFS=@ read -r prefix binary subtest dynamic rest <<< "$entry"
	if [ "$prefix" != igt ] || [ -z "$binary" ] || [ -z "$subtest" ] || [ -n "$rest" ]; then
		report "$entry" FAIL "malformed entry, expected igt@<binary>@<subtest>"
		return
	fi

	bin=$bindir/$binary
	if [ ! -x "$bin" ]; then
		report "$entry" FAIL "$bin: no such executable"
		return
	fi
	if [ -z "${subtests_of[$binary]+set}" ]; then
		subtests_of[$binary]=$("$bin" --list-subtests < /dev/null 2>/dev/null)
	fi
	if ! grep -qxF -- "$subtest" <<< "${subtests_of[$binary]}"; then
		report "$entry" FAIL "$binary --list-subtests does not list $subtest"
		return
	fi

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

while read -r entry; do
	run_entry "$entry"
done < <(list_entries "$testlist")

total=$((passed + failed + skipped))
if [ "$total" -eq 0 ]; then
	echo "run-testlist: $testlist has no entries" >&2
	exit 2
fi

echo "igt: $passed passed, $failed failed, $skipped skipped"
[ "$known_failed" -eq 0 ] ||
	echo "run-testlist: $known_failed of the failures are in $known_failures" >&2
[ "$failed" -eq "$known_failed" ]
