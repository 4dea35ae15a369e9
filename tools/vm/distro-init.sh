#!/bin/sh
# SPDX-License-Identifier: MIT
#
# /init of the initramfs that distro-check.sh packs for a distribution
# kernel, which builds 9p as modules (Debian's does): load the modules listed
# in /modules.list, mount the host root that run-vm.sh shares over virtio-9p,
# read-only, and switch_root into it, exec'ing the init= of the kernel
# command line (tools/vm/guest-init.sh).
#
# Runs under busybox sh; root=, rootfstype= and rootflags= come from the
# kernel command line too, so the mount is the one a kernel with 9p built in
# does by itself. /dev/console is in the kernel's built-in initramfs.
export PATH=/bin

fail() {
	echo "distro-init: $*; stopping the guest" >&2
	# QEMU runs with -no-reboot: a reboot ends it at once.
	reboot -f
	exit 1
}

mount -t proc proc /proc || fail "cannot mount /proc"

root="" fstype="" flags="" init=""
set -f
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	root=*) root=${arg#root=} ;;
	rootfstype=*) fstype=${arg#rootfstype=} ;;
	rootflags=*) flags=${arg#rootflags=} ;;
	init=*) init=${arg#init=} ;;
	esac
done
set +f
[ -n "$root" ] && [ -n "$fstype" ] && [ -n "$init" ] ||
	fail "no root=, rootfstype= or init= on the kernel command line"

for module in $(cat /modules.list); do
	insmod "/lib/modules/$module" || fail "cannot load $module"
done

# The virtio devices are probed when their drivers load; a few tries cover
# a transport that announces its channels late.
tries=0
until mount -t "$fstype" -o "ro${flags:+,$flags}" "$root" /newroot; do
	tries=$((tries + 1))
	[ "$tries" -lt 5 ] || fail "cannot mount $root ($fstype, $flags)"
	sleep 1
done
echo "distro-init: $root mounted, starting $init"

umount /proc
exec switch_root /newroot "$init"
