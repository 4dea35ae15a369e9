#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Fail when a guest console log shows a kernel splat.
#
#   tools/vm/check-log.sh CONSOLE_LOG
#
# A splat is anything the kernel prints when something is wrong: BUG (which
# includes KASAN reports), WARNING (lockdep, RCU and WARN_ON reports), Oops,
# panics, lockdep's INFO reports, kmemleak's unreferenced objects, hung tasks
# and RCU stalls.
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
if hits=$(grep -nE "$regex" "$log"); then
	echo "[vsvm] kernel splat in $log:" >&2
	echo "$hits" | head -n 20 | sed 's/^/[vsvm]   /' >&2
	exit 1
fi
exit 0
