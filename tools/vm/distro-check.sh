#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build vsvm out-of-tree against Debian's prebuilt 6.12 kernel, the way users
# of distribution kernels build it, and boot that kernel once in QEMU to load
# the module and open its render node.
#
#   tools/vm/distro-check.sh
#
# Steps; each one that is already done is skipped or fast:
#   1. install Debian's kernel image and headers (DISTRO_KERNEL below) and
#      the tools the other steps need, when missing
#   2. copy driver/, uapi/, kunit/ and Kconfig to $VSVM_BUILD/distro/src and
#      build vsvm.ko there with driver/Makefile; a warning fails the build
#   3. pack a small initramfs that loads the 9p modules, mounts the host root
#      over virtio-9p and starts guest-init.sh in it (distro-init.sh)
#   4. build distro-open.c, boot the kernel with run-vm.sh and run
#      distro-guest.sh in it: load the dependencies with modprobe, insmod
#      vsvm.ko, open the render node and read one parameter, rmmod vsvm
#
# Output: on stdout only the lines
#
#   RESULT distro <build|boot|load|open|unload> PASS|FAIL|SKIP
#
# (boot: the guest finished and its console shows no kernel splat); progress
# and timings go to stderr. Exit status 1 when a result is FAIL.
#
# Needs Debian bookworm and root or sudo (apt-get). Everything made here is
# under $VSVM_BUILD/distro (VSVM_BUILD defaults to build/ in the clone); the
# build happens in a copy of the sources, not in driver/.

# shellcheck disable=SC2317 # the step functions are called through run_step
set -euo pipefail
source "$(dirname "$0")/common.sh"

# The Debian kernel ABI checked here, pinned like the guest kernel's source
# (KERNEL_PKG_VERSION in common.sh): Debian's archive keeps only the newest
# ABI's packages, so the two move on together.
DISTRO_KERNEL=6.12.117+deb12-amd64

# The kernel (its headers pull in gcc-12, the kernel's compiler), busybox:
# the shell of the initramfs, cpio and xz-utils: packing it, kmod: modprobe,
# modinfo, the compiler, pkg-config and libdrm-dev (drm.h): the open probe.
DISTRO_PACKAGES=(
	"linux-image-$DISTRO_KERNEL-unsigned"
	"linux-headers-$DISTRO_KERNEL"
	busybox-static
	cpio
	xz-utils
	kmod
	build-essential
	pkg-config
	libdrm-dev
	qemu-system-x86
)
# Modules the initramfs loads to mount the root over virtio-9p; modprobe
# adds their dependencies.
INITRAMFS_MODULES=(virtio_pci 9pnet_virtio 9p)

build=${VSVM_BUILD:-$VSVM_ROOT/build}
mkdir -p "$build/distro"
out=$(cd "$build/distro" && pwd)
kdir=/lib/modules/$DISTRO_KERNEL/build
ko=$out/src/driver/vsvm.ko
probe=$out/distro-open
initramfs=$out/initramfs.cpio
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

install_packages() {
	local missing=() pkg sudo=""
	for pkg in "${DISTRO_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$pkg")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	[ "$(id -u)" = 0 ] || sudo=sudo
	vsvm_log "installing: ${missing[*]}"
	# INITRD=No: the image package's hook builds no initramfs (2 minutes);
	# the guest boots with the one pack_initramfs makes.
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
	$sudo env DEBIAN_FRONTEND=noninteractive INITRD=No \
		apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

# The sources an out-of-tree build needs, in the clone's layout (the links
# driver/Kconfig and driver/tests point into it); objects of an in-place
# build are left out.
sources() {
	tar -C "$VSVM_ROOT" -c --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
		--exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
		--exclude='.*.cmd' --exclude=Module.symvers --exclude=modules.order \
		driver uapi kunit Kconfig
}

# Copy the sources to $out/src and build vsvm.ko there against the distro
# kernel's headers. Done again from scratch when the sources or the headers
# changed, or when the last build was not clean; a warning fails the build.
build_module() {
	local src=$out/src stamp=$out/src.sha256 sum
	sum=$({ sources; dpkg-query -W -f='${Package} ${Version}' "linux-headers-$DISTRO_KERNEL"; } |
		sha256sum)
	if [ -f "$ko" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ]; then
		vsvm_log "$ko is up to date"
		return 0
	fi
	rm -rf "$src" "$stamp"
	mkdir -p "$src"
	sources | tar -C "$src" -x
	if ! make -C "$src/driver" KDIR="$kdir" >"$out/build.log" 2>&1; then
		tail -n 30 "$out/build.log" >&2
		vsvm_die "building vsvm.ko failed (log: $out/build.log)"
	fi
	if grep -iE 'warning:|error:' "$out/build.log" >&2; then
		vsvm_die "building vsvm.ko printed warnings (log: $out/build.log)"
	fi
	echo "$sum" >"$stamp"
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

# An initramfs with busybox, the 9p modules (decompressed: busybox's insmod
# loads plain .ko files) and distro-init.sh as /init. Cheap, so made anew
# every run.
pack_initramfs() {
	local stage=$out/initramfs kind path name applet
	rm -rf "$stage"
	mkdir -p "$stage/bin" "$stage/lib/modules" "$stage/proc" "$stage/newroot"
	cp /bin/busybox "$stage/bin/busybox"
	for applet in sh cat mount umount insmod sleep switch_root reboot; do
		ln -s busybox "$stage/bin/$applet"
	done
	install -m 0755 "$VSVM_ROOT/tools/vm/distro-init.sh" "$stage/init"
	: >"$stage/modules.list"
	# In load order; lines "builtin NAME" are modules built in.
	modprobe -S "$DISTRO_KERNEL" -a --show-depends "${INITRAMFS_MODULES[@]}" >"$out/initramfs.deps"
	while read -r kind path _; do
		[ "$kind" = insmod ] || continue
		name=$(basename "$path")
		name=${name%.xz}
		! grep -qxF "$name" "$stage/modules.list" || continue
		case "$path" in
		*.xz) xz -dc "$path" >"$stage/lib/modules/$name" ;;
		*.ko) cp "$path" "$stage/lib/modules/$name" ;;
		*) vsvm_die "cannot unpack $path" ;;
		esac
		echo "$name" >>"$stage/modules.list"
	done <"$out/initramfs.deps"
	vsvm_log "initramfs modules: $(tr '\n' ' ' <"$stage/modules.list")"
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) >"$initramfs.tmp"
	mv "$initramfs.tmp" "$initramfs"
}

boot_guest() {
	mkdir -p "$guest"
	rm -f "$guest/results.txt"
	# run-vm.sh prints nothing on stdout but the guest's command might.
	"$VSVM_ROOT/tools/vm/run-vm.sh" --kernel "/boot/vmlinuz-$DISTRO_KERNEL" \
		--initrd "$initramfs" --mem 2G --timeout 600 --results "$guest" -- \
		"$VSVM_ROOT/tools/vm/distro-guest.sh" "$ko" "$probe" >&2
}

declare -A result=([build]=SKIP [boot]=SKIP [load]=SKIP [open]=SKIP [unload]=SKIP)
total_start=$SECONDS

run_step "install packages" install_packages
[ "$step_status" = 0 ] || vsvm_die "could not install ${DISTRO_PACKAGES[*]}"

run_step "build vsvm.ko against $DISTRO_KERNEL" build_module
if [ "$step_status" = 0 ]; then
	result[build]=PASS
	run_step "build the open probe" build_probe
	[ "$step_status" = 0 ] || vsvm_log "no open probe: the open check fails"
	run_step "pack the initramfs" pack_initramfs
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
vsvm_log "distro: all steps: $((SECONDS - total_start))s"

status=0
for name in build boot load open unload; do
	echo "RESULT distro $name ${result[$name]}"
	[ "${result[$name]}" != FAIL ] || status=1
done
exit "$status"
