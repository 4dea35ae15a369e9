#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `make run`: install and build what is missing, boot a guest and run the
# demo in it (tools/vm/demo.sh).
#
# The guest kernel: KERNEL=self is the self-built debug kernel with vsvm
# in-tree (build-kernel.sh; about 20 minutes when it is not in the cache),
# KERNEL=distro Debian's prebuilt one with vsvm.ko built out of tree
# (distro-kernel.sh; a few minutes from nothing). Without KERNEL the
# self-built kernel when its image is in the cache, else Debian's.
# VSVM_DEMO_MIB sets the demo's size (MiB per array, default 16).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
source "$(dirname "$0")/vm/common.sh"
source "$(dirname "$0")/vm/distro-kernel.sh"
cd "$VSVM_ROOT"
build=${VSVM_BUILD:-$VSVM_ROOT/build}

kernel=${KERNEL:-}
if [ -z "$kernel" ]; then
	kernel=distro
	[ ! -f "$KERNEL_IMAGE" ] || kernel=self
fi
demo=(env VSVM_DEMO_MIB="${VSVM_DEMO_MIB:-16}")
vm=()
case "$kernel" in
self)
	vsvm_log "run: the self-built $KERNEL_FLAVOUR kernel $KERNEL_VERSION with vsvm in-tree ($KERNEL_IMAGE$([ -f "$KERNEL_IMAGE" ] && echo ", cached" || echo ", to be built: about 20 minutes"))"
	tools/deps.sh
	make -s -C "$VSVM_ROOT" build
	;;
distro)
	vsvm_log "run: Debian's kernel $DISTRO_KERNEL with vsvm.ko built out of tree ($([ -f "$KERNEL_IMAGE" ] && echo "KERNEL=distro" || echo "no self-built kernel in $VSVM_CACHE"); KERNEL=self boots that one)"
	tools/deps.sh
	distro_install_packages
	# Only the programs the demo runs: the whole UMD with its tests takes
	# over ten minutes on 2 busy cores.
	cmake -S umd -B "$build/umd" -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
	# (Not as a sub-make of make run's: no "Entering directory" lines.)
	env -u MAKELEVEL -u MAKEFLAGS \
		cmake --build "$build/umd" -j"$(nproc)" --target saxpy vsvm-info vsvm-stat
	distro_init "$build/demo/distro"
	distro_build_module
	distro_pack_initramfs
	demo+=(VSVM_DEMO_KO="$distro_ko")
	vm=(--kernel "$DISTRO_KERNEL_IMAGE" --initrd "$distro_initramfs")
	;;
*)
	vsvm_die "KERNEL=$kernel: use KERNEL=self (the self-built kernel) or KERNEL=distro (Debian's)"
	;;
esac
# The demo's output as it comes (run-vm.sh --show would print it at the end):
# the guest writes it to command.log in the results share.
rm -f "$build/demo/command.log"
tools/vm/run-vm.sh --results "$build/demo" --timeout "${VSVM_GUEST_TIMEOUT:-900}" "${vm[@]}" \
	-- "${demo[@]}" tools/vm/demo.sh &
guest=$!
# (tail's status is 1 when the file was missing at first: the guest's.)
tail -n +1 -F --pid="$guest" "$build/demo/command.log" 2>/dev/null || true
wait "$guest"
