#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build vsvm out-of-tree against Debian's prebuilt 6.12 kernel, the way users
# of distribution kernels build it, and boot that kernel once in QEMU to load
# the module and open its render node.
#
#   tools/vm/distro-check.sh
#
# Steps (the first three are distro-kernel.sh's, shared with `make run`);
# each one that is already done is skipped or fast:
#   1. install Debian's kernel image and headers (DISTRO_KERNEL below) and
#      the tools the other steps need, when missing
#   2. copy driver/, uapi/, kunit/ and Kconfig to $VSVM_BUILD/distro/src and
#      build vsvm.ko there with driver/Makefile; a warning fails the build
#   3. pack a small initramfs that loads the 9p modules, mounts the host root
#      over virtio-9p and starts guest-init.sh in it (distro-init.sh)
#   4. build distro-open.c, boot the kernel with run-vm.sh and run
#      distro-guest.sh in it: load the dependencies with modprobe, insmod
#      vsvm.ko, open the render node and read one parameter, rmmod vsvm
#   5. DKMS: build the vsvm-dkms package (tools/dkms-deb.sh), install it on
#      the host with dpkg (DKMS builds vsvm.ko for every installed 6.12
#      kernel that has headers, $DISTRO_KERNEL among them), boot the kernel
#      again and run distro-dkms-guest.sh: modprobe the DKMS-built module,
#      a few IGT subtests, rmmod; then purge the package. Skipped when
#      vsvm-dkms was installed before (it is the user's, not the check's).
#
# Output: on stdout only the lines
#
#   RESULT distro <build|boot|load|open|unload> PASS|FAIL|SKIP
#   RESULT distro <dkms-package|dkms-build|dkms-boot|dkms-load|dkms-unload> PASS|FAIL|SKIP
#   RESULT distro igt@<binary>@<subtest> PASS|FAIL|SKIP
#
# (boot: the guest finished and its console shows no kernel splat;
# dkms-package: the .deb was built, dkms-build: DKMS built and installed
# vsvm.ko for $DISTRO_KERNEL); progress and timings go to stderr. Exit status
# 1 when a result is FAIL.
#
# Needs Debian bookworm and root or sudo (apt-get, dpkg). Everything made
# here is under $VSVM_BUILD/distro and $VSVM_BUILD/dkms (VSVM_BUILD defaults
# to build/ in the clone); the build happens in a copy of the sources, not in
# driver/.

# shellcheck disable=SC2317 # the step functions are called through run_step
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/distro-kernel.sh"

build=${VSVM_BUILD:-$VSVM_ROOT/build}
distro_init "$build/distro"
out=$distro_out
ko=$distro_ko
probe=$out/distro-open
initramfs=$distro_initramfs
guest=$out/guest

# run_step NAME FUNCTION: run FUNCTION with errexit in a subshell, log how long
# it took and leave its exit status in $step_status.
step_status=0
run_step() {
	local start=$SECONDS
	vsvm_log "distro: $1"
	set +e
	(set -e; "$2")
	step_status=$?
	set -e
	vsvm_log "distro: $1: $((SECONDS - start))s$([ "$step_status" = 0 ] || echo ", FAILED")"
}

# The program distro-guest.sh opens the render node with.
build_probe() {
	local source=$VSVM_ROOT/tools/vm/distro-open.c header=$VSVM_ROOT/uapi/vsvm_drm.h
	if [ "$probe" -nt "$source" ] && [ "$probe" -nt "$header" ]; then
		return 0
	fi
	rm -f "$probe"
	# shellcheck disable=SC2046 # pkg-config prints several flags
	cc -O2 -Wall -Wextra -Werror -I"$VSVM_ROOT/uapi" $(pkg-config --cflags libdrm) \
		-o "$probe" "$source"
}

# Both boots use single-threaded TCG: Debian's kernel under multi-threaded
# TCG can oops on int3 while it patches its own text (see run-vm.sh).
boot_guest() {
	mkdir -p "$guest"
	rm -f "$guest/results.txt"
	# run-vm.sh prints nothing on stdout but the guest's command might.
	"$VSVM_ROOT/tools/vm/run-vm.sh" --kernel "$DISTRO_KERNEL_IMAGE" \
		--initrd "$initramfs" --mem 2G --timeout 600 --tcg-thread single --results "$guest" -- \
		"$VSVM_ROOT/tools/vm/distro-guest.sh" "$ko" "$probe" >&2
}

# Step 5. The package is installed for as long as the check runs.
dkms_guest=$out/dkms-guest
dkms_subtests=(igt@vsvm_basic@get-param igt@vsvm_svm@malloc-small igt@vsvm_svm@munmap-whole)
dkms_names=(dkms-package dkms-build dkms-boot dkms-load "${dkms_subtests[@]}" dkms-unload)
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo

build_dkms_package() {
	"$VSVM_ROOT/tools/dkms-deb.sh" >"$out/dkms-deb.path"
}

install_dkms_package() {
	$sudo env DEBIAN_FRONTEND=noninteractive dpkg -i "$(cat "$out/dkms-deb.path")" >&2
	# The postinst builds for the kernels DKMS picks; make sure of ours.
	dkms status -k "$DISTRO_KERNEL" vsvm | grep -q ': installed' ||
		$sudo dkms autoinstall -k "$DISTRO_KERNEL" >&2
	dkms status -k "$DISTRO_KERNEL" vsvm >&2
	dkms status -k "$DISTRO_KERNEL" vsvm | grep -q ': installed'
}

purge_dkms_package() {
	if dpkg-query -W -f='${Status}' vsvm-dkms 2>/dev/null | grep -q 'ok installed'; then
		vsvm_log "distro: purging vsvm-dkms"
		$sudo env DEBIAN_FRONTEND=noninteractive dpkg --purge vsvm-dkms >&2
	fi
}

boot_dkms_guest() {
	mkdir -p "$dkms_guest"
	rm -f "$dkms_guest/results.txt"
	"$VSVM_ROOT/tools/vm/run-vm.sh" --kernel "$DISTRO_KERNEL_IMAGE" \
		--initrd "$initramfs" --mem 2G --timeout 600 --tcg-thread single --results "$dkms_guest" -- \
		"$VSVM_ROOT/tools/vm/distro-dkms-guest.sh" "$build/igt" >&2
}

dkms_check() {
	if dpkg-query -W -f='${Status}' vsvm-dkms 2>/dev/null | grep -q 'ok installed'; then
		vsvm_log "distro: vsvm-dkms is installed already: no DKMS check"
		return 0
	fi
	run_step "build the vsvm-dkms package" build_dkms_package
	[ "$step_status" = 0 ] || { result[dkms-package]=FAIL; return 0; }
	result[dkms-package]=PASS
	# The check leaves the host as it found it, whatever happens from here.
	trap purge_dkms_package EXIT
	run_step "install vsvm-dkms, DKMS builds vsvm.ko for $DISTRO_KERNEL" install_dkms_package
	if [ "$step_status" != 0 ]; then
		result[dkms-build]=FAIL
	elif [ ! -f "$initramfs" ]; then
		result[dkms-build]=PASS result[dkms-boot]=FAIL
	else
		result[dkms-build]=PASS
		dkms_boot
	fi
	run_step "purge vsvm-dkms" purge_dkms_package
	trap - EXIT
}

dkms_boot() {
	local name tag suite verdict
	run_step "boot $DISTRO_KERNEL with the DKMS-built vsvm.ko" boot_dkms_guest
	if [ -f "$dkms_guest/exit-status" ] &&
		"$VSVM_ROOT/tools/vm/check-log.sh" "$dkms_guest/console.log" 2>/dev/null; then
		result[dkms-boot]=PASS
	else
		result[dkms-boot]=FAIL
	fi
	for name in "${dkms_names[@]:3}"; do
		result[$name]=FAIL
	done
	if [ -f "$dkms_guest/results.txt" ]; then
		while read -r tag suite name verdict _; do
			[ "$tag $suite" = "RESULT distro" ] || continue
			result[$name]=$verdict
		done <"$dkms_guest/results.txt"
	fi
}

declare -A result=([build]=SKIP [boot]=SKIP [load]=SKIP [open]=SKIP [unload]=SKIP)
for name in "${dkms_names[@]}"; do
	result[$name]=SKIP
done
total_start=$SECONDS

run_step "install packages" distro_install_packages
[ "$step_status" = 0 ] || vsvm_die "could not install ${DISTRO_PACKAGES[*]}"

run_step "build vsvm.ko against $DISTRO_KERNEL" distro_build_module
if [ "$step_status" = 0 ]; then
	result[build]=PASS
	run_step "build the open probe" build_probe
	[ "$step_status" = 0 ] || vsvm_log "no open probe: the open check fails"
	run_step "pack the initramfs" distro_pack_initramfs
	if [ "$step_status" != 0 ]; then
		result[boot]=FAIL
	else
		run_step "boot $DISTRO_KERNEL" boot_guest
		# boot: the guest ran the command to its end and the console is clean.
		if [ -f "$guest/exit-status" ] &&
			"$VSVM_ROOT/tools/vm/check-log.sh" "$guest/console.log" 2>/dev/null; then
			result[boot]=PASS
		else
			result[boot]=FAIL
		fi
		# What the guest did not report, it did not get to do.
		result[load]=FAIL result[open]=FAIL result[unload]=FAIL
		if [ -f "$guest/results.txt" ]; then
			while read -r tag suite name verdict _; do
				[ "$tag $suite" = "RESULT distro" ] || continue
				case "$name" in
				load | open | unload) result[$name]=$verdict ;;
				esac
			done <"$guest/results.txt"
		fi
	fi
else
	result[build]=FAIL
fi
if [ "${result[build]}" = PASS ]; then
	dkms_check
fi
vsvm_log "distro: all steps: $((SECONDS - total_start))s"

status=0
for name in build boot load open unload "${dkms_names[@]}"; do
	echo "RESULT distro $name ${result[$name]}"
	[ "${result[$name]}" != FAIL ] || status=1
done
exit "$status"
