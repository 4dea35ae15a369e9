#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Run one command as root in a fresh QEMU (TCG) guest and return its status.
#
#   tools/vm/run-vm.sh [options] -- COMMAND [ARG...]
#
# The guest boots the kernel built by build-kernel.sh and runs the host's own
# userspace: the host root is its root file system, shared read-only over
# virtio-9p, with tmpfs on the places that must be writable. RESULTS_DIR is
# shared writable and is mounted in the guest at $VSVM_RESULTS
# (/run/vsvm-results); the command's output also goes to the console.
#
# Options:
#   --results DIR   writable share (default: a new directory under /tmp)
#   --log FILE      guest console log (default: DIR/console.log)
#   --timeout SEC   wall-clock limit for the whole guest (default 1800)
#   --mem SIZE      guest memory (default 4G)
#   --smp N         guest CPUs (default 2)
#   --tcg-thread single|multi
#                   QEMU's TCG threading (default multi: one host thread per
#                   vCPU). Debian's kernel patches its text with int3 while
#                   the other vCPU runs it, and multi-threaded TCG can run a
#                   stale translation of a half-patched instruction there
#                   ("Oops: int3" in enqueue_timer at boot); single runs the
#                   vCPUs round-robin on one host thread, which cannot.
#   --show          print the command's output when the guest is done
#   --append ARGS   extra kernel command-line arguments
#   --kernel IMAGE  boot this kernel instead of build-kernel.sh's
#   --initrd FILE   with an initramfs (for kernels that need modules to
#                   mount the 9p root, like Debian's)
#   --modroot DIR   modules of that kernel (DIR/lib/modules/VERSION); default
#                   the module root of the kernel build-kernel.sh built
#
# Exit status: the command's, or 1 when the guest did not finish (timeout or
# crash before the command returned) or when the console shows a kernel
# splat (check-log.sh).
set -euo pipefail
source "$(dirname "$0")/common.sh"

results="" log="" timeout=1800 mem=4G smp=2 append="" initrd="" show=0 tcg_thread=multi
kernel=$KERNEL_IMAGE modroot=$KERNEL_MODROOT
while [ $# -gt 0 ]; do
	case "$1" in
	--results) results=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--tcg-thread) tcg_thread=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--show) show=1; shift ;;
	--kernel) kernel=$2 modroot=""; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--modroot) modroot=$2; shift 2 ;;
	--) shift; break ;;
	*) vsvm_die "run-vm.sh: unknown option $1" ;;
	esac
done
case "$tcg_thread" in single | multi) ;; *) vsvm_die "run-vm.sh: --tcg-thread single or multi" ;; esac
[ $# -gt 0 ] || vsvm_die "usage: run-vm.sh [options] -- COMMAND [ARG...]"
[ -f "$kernel" ] || vsvm_die "no kernel at $kernel: run tools/vm/build-kernel.sh"
command -v qemu-system-x86_64 >/dev/null || vsvm_die "qemu-system-x86_64 missing: run tools/deps.sh"

[ -n "$results" ] || results=$(mktemp -d /tmp/vsvm-vm.XXXXXX)
mkdir -p "$results"
results=$(cd "$results" && pwd)
[ -n "$log" ] || log=$results/console.log
rm -f "$results/exit-status" "$log"

# The command travels as a script in the results share: no quoting through
# the kernel command line.
{
	printf 'cd %q\n' "$PWD"
	printf '%q ' "$@"
	printf '\n'
} >"$results/command.sh"

cmdline=(
	console=ttyS0 loglevel=7 panic=-1 oops=panic panic_on_warn=0
	root=hostroot rootfstype=9p ro
	rootflags=trans=virtio,version=9p2000.L,msize=1048576,cache=loose
	init="$VSVM_ROOT/tools/vm/guest-init.sh"
	numa=fake=2


	rcupdate.rcu_cpu_stall_timeout=120
)
[ -z "$modroot" ] || cmdline+=(vsvm_modroot="$modroot")
qemu_boot=(-kernel "$kernel")
[ -z "$initrd" ] || qemu_boot+=(-initrd "$initrd")

vsvm_log "guest: $(basename "$kernel"), $smp CPUs ($tcg_thread-threaded TCG), $mem, timeout ${timeout}s, console $log"
qemu_status=0
timeout --kill-after=10 "$timeout" \
	qemu-system-x86_64 \
	-machine q35 -accel "tcg,thread=$tcg_thread" -cpu max -smp "$smp" -m "$mem" \
	"${qemu_boot[@]}" -append "${cmdline[*]} $append" \
	-display none -monitor none -serial "file:$log" -no-reboot \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$results,mount_tag=results,security_model=none,multidevs=remap" \
	-nic none </dev/null || qemu_status=$?

[ "$show" = 0 ] || cat "$results/command.log" 2>/dev/null

status=0
if [ ! -f "$results/exit-status" ]; then
	if [ "$qemu_status" = 124 ] || [ "$qemu_status" = 137 ]; then
		vsvm_log "guest FAILED: did not finish within ${timeout}s (console: $log)"
	else
		vsvm_log "guest FAILED: stopped before the command finished, qemu status $qemu_status (console: $log)"
	fi
	status=1
else
	status=$(cat "$results/exit-status")
fi
if ! "$VSVM_ROOT/tools/vm/check-log.sh" "$log"; then
	[ "$status" != 0 ] || status=1
fi
exit "$status"
