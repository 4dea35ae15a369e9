#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `make fuzz` and `make soak`: boot one guest (debug kernel) and run
# vsvm-fuzz or vsvm-soak in it for DURATION, then check the console for
# kernel splats.
#
#   DURATION=10m [COUNT=N] [SEED=S] tools/stress.sh fuzz
#   DURATION=10m [SEED=S] [PROCESSES=N] [THREADS=N] tools/stress.sh soak
#
# DURATION is seconds or a number with s, m or h (default 10m). For fuzz,
# COUNT bounds the ioctl-phase iterations instead (DURATION is ignored).
# Results: build/<mode>/ (console.log, <mode>.log, results.txt).
set -euo pipefail
source "$(dirname "$0")/vm/common.sh"
cd "$VSVM_ROOT"

mode=${1:?usage: tools/stress.sh fuzz|soak}
duration=${DURATION:-10m}
seed=${SEED:-1}
case "$duration" in
*h) seconds=$(( ${duration%h} * 3600 )) ;;
*m) seconds=$(( ${duration%m} * 60 )) ;;
*s) seconds=${duration%s} ;;
*) seconds=$duration ;;
esac
[[ "$seconds" =~ ^[0-9]+$ ]] || vsvm_die "DURATION must be N, Ns, Nm or Nh: $duration"

case "$mode" in
fuzz)
	if [ -n "${COUNT:-}" ]; then
		args=(--seed "$seed" --count "$COUNT")
		seconds=3600 # a bound for the guest only
	else
		args=(--seed "$seed" --duration "$seconds")
	fi
	;;
soak)
	args=(--seed "$seed" --duration "$seconds" --processes "${PROCESSES:-2}" --threads "${THREADS:-3}")
	;;
*) vsvm_die "tools/stress.sh: unknown mode $mode" ;;
esac

build=${VSVM_BUILD:-$VSVM_ROOT/build}
out=$build/$mode
rm -rf "$out"
# Boot, module load and teardown take a few minutes under TCG with KASAN.
status=0
tools/vm/run-vm.sh --results "$out" --timeout $((seconds * 3 / 2 + 900)) \
	-- sh -c "tools/vm/stress-guest.sh $mode ${args[*]} >\"\$VSVM_RESULTS/results.txt\"" || status=$?
grep -E "^(fuzz|soak):" "$out/$mode.log" 2>/dev/null || true
cat "$out/results.txt" 2>/dev/null || true
vsvm_log "console: $out/console.log; log: $out/$mode.log"
exit "$status"
