#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Fail when a guest console log shows a kernel splat.
#
#   tools/vm/check-log.sh CONSOLE_LOG
#
# A splat is anything the kernel prints when something is wrong: BUG (which
# includes KASAN reports), WARNING (lockdep, RCU and WARN_ON reports), Oops,
# panics, lockdep's INFO reports, kmemleak's unreferenced objects, hung tasks,
# RCU stalls, and call traces other than the OOM killer's.
set -euo pipefail
log=${1:?usage: check-log.sh CONSOLE_LOG}
[ -f "$log" ] || { echo "[vsvm] splat check: no console log $log" >&2; exit 1; }

patterns=(
	'(^|[^A-Za-z_])BUG:'
	'WARNING:'
	'kernel BUG at'
	'Oops'
	'Kernel panic'
	'general protection fault'
	'INFO: possible'
	'INFO: trying to register non-static key'
	'INFO: task .* blocked for more than'
	'unreferenced object 0x'
	'UBSAN:'
	'rcu: INFO: .* detected stall'
	'self-detected stall on CPU'
	'Call Trace:'
)
regex=$(IFS='|'; echo "${patterns[*]}")
# The OOM killer's report has a call trace too (a test may provoke it on
# purpose, in a memory cgroup): its first lines, right after "invoked
# oom-killer", are not a splat. Any other pattern in the report still is.
if hits=$(awk -v re="$regex" '
	/invoked oom-killer:/ { oom = NR }
	$0 ~ re {
		if ($0 ~ /Call Trace:/ && oom && NR - oom <= 5)
			next
		print NR ":" $0
	}' "$log") && [ -n "$hits" ]; then
	echo "[vsvm] kernel splat in $log:" >&2
	echo "$hits" | head -n 20 | sed 's/^/[vsvm]   /' >&2 || true
	exit 1
fi
exit 0
