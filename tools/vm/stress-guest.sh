#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Run vsvm-fuzz or vsvm-soak in the guest and turn the outcome into results:
#
#   tools/vm/stress-guest.sh fuzz|soak [TOOL ARGS...]
#
# Loads vsvm if needed, runs build/umd/bin/vsvm-<mode> with the arguments,
# keeps its output in $VSVM_RESULTS/<mode>.log (and on the console), and
# prints two lines:
#
#   RESULT <mode> run PASS|FAIL               the tool's own checks
#   RESULT <mode> no-kernel-splat PASS|FAIL   check-log.sh over what the
#                                             kernel logged meanwhile
#
# Exit status 0 when both pass. Used by guest-tests.sh (make test) and by
# tools/stress.sh (make fuzz, make soak).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${VSVM_BUILD:-$root/build}
out=${VSVM_RESULTS:?run me inside the guest (run-vm.sh)}
mode=${1:?usage: stress-guest.sh fuzz|soak [ARGS...]}
shift
case "$mode" in fuzz|soak) ;; *) echo "stress-guest.sh: unknown mode $mode" >&2; exit 2 ;; esac

# The soak checks data, not speed: on a loaded TCG host a job queued behind
# the other workers' jobs can outlast the default 10 s job watchdog, and a
# stopped job leaves its writes half done, which the soak cannot tell from
# lost data. Its own waits allow 120 s, so the driver gets the same limit
# (a job still running after that is a hang and fails the soak).
params=
[ "$mode" = soak ] && params="job_timeout_ms=120000"
if [ -n "$params" ] && [ -e /sys/module/vsvm ] &&
	[ "$(cat /sys/module/vsvm/parameters/job_timeout_ms)" != 120000 ]; then
	modprobe -r vsvm || { echo "RESULT $mode run FAIL"; exit 1; }
fi
# shellcheck disable=SC2086
[ -e /sys/module/vsvm ] || modprobe vsvm $params || { echo "RESULT $mode run FAIL"; exit 1; }

# The soak moves pages into device memory and back (DOC: Device memory); a
# 2 MiB limit, less than the workers' regions together, makes them evict
# each other's pages too.
limit=
for f in /sys/class/drm/renderD*/device/tunables/vram_limit_mb; do
	[ -e "$f" ] && limit=$f && break
done
vram() { grep -h "^$1 " /sys/kernel/debug/dri/vsvm.0/counters 2>/dev/null | cut -d' ' -f2; }
if [ "$mode" = soak ] && [ -n "$limit" ] && [ "$(vram vram_bytes)" != 0 ]; then
	old_limit=$(cat "$limit")
	echo 2 >"$limit"
	to_device0=$(vram vram_migrated_to_device) evicted0=$(vram vram_evicted)
fi

before=$(dmesg | wc -l)
echo "==== vsvm-$mode $*" >&2
start=$(date +%s)
"$build/umd/bin/vsvm-$mode" "$@" >"$out/$mode.log" 2>&1
status=$?
cat "$out/$mode.log" >&2
echo "==== vsvm-$mode: exit status $status after $(($(date +%s) - start))s" >&2
# Read every debugfs file of the device as well: counters after the storm.
for f in /sys/kernel/debug/dri/vsvm.*/*; do
	[ -f "$f" ] && cat "$f" >/dev/null
done
# What the mirror audit (CONFIG_DRM_VSVM_DEBUG_AUDIT) checked meanwhile.
grep -h '^audit_' /sys/kernel/debug/dri/vsvm.0/counters 2>/dev/null | tr '\n' ' ' |
	sed 's/^./'"$mode"': &/;s/ $/\n/' >&2
dmesg | tail -n +"$((before + 1))" >"$out/$mode-dmesg.log"

fail=0
if [ -n "${old_limit:-}" ]; then
	echo "$old_limit" >"$limit"
	to_device=$(($(vram vram_migrated_to_device) - to_device0))
	evicted=$(($(vram vram_evicted) - evicted0))
	echo "$mode: vram migrated-to-device $to_device evicted $evicted" \
		"migrated-to-ram $(vram vram_migrated_to_ram) alloc-failed $(vram vram_alloc_failed)" >&2
	# The migrations ran: pages went in, and the limit made them evict.
	if [ "$to_device" -gt 0 ] && [ "$evicted" -gt 0 ]; then
		echo "RESULT $mode device-memory PASS"
	else
		echo "RESULT $mode device-memory FAIL"
		fail=1
	fi
fi
if [ "$status" = 0 ]; then
	echo "RESULT $mode run PASS"
else
	echo "RESULT $mode run FAIL"
	fail=1
fi
if "$root/tools/vm/check-log.sh" "$out/$mode-dmesg.log"; then
	echo "RESULT $mode no-kernel-splat PASS"
else
	echo "RESULT $mode no-kernel-splat FAIL"
	fail=1
fi
exit "$fail"
