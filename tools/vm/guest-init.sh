#!/bin/bash
# SPDX-License-Identifier: MIT
#
# PID 1 of a vsvm test guest (see run-vm.sh): prepare a writable system on
# top of the read-only host root, run the command from the results share,
# report its status, scan for leaks, and reboot (QEMU runs with -no-reboot,
# so the guest exits).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
export VSVM_RESULTS=/run/vsvm-results VSVM_IN_GUEST=1

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
# Modules of the kernel under test, built outside the clone (possibly under
# /root, which gets a tmpfs below: bind them first). The host root is
# read-only here and need not have a /lib/modules at all (nothing installs a
# kernel package on a fresh machine), so the directory that holds modules/
# gets a writable overlay (upper layer on a tmpfs of the guest's own) and the
# mount point is made in it: the same steps whatever the host has.
modroot=$(sed -n 's/.*vsvm_modroot=\([^ ]*\).*/\1/p' /proc/cmdline)
if [ -n "$modroot" ]; then
	if [ ! -d "$modroot/lib/modules" ]; then
		echo "vsvm-guest: no modules under $modroot/lib/modules" >&2
	else
		libdir=$(readlink -f /lib)
		scratch=/dev/.vsvm-lib-overlay
		mkdir -p "$scratch"
		mount -t tmpfs -o mode=0700 tmpfs "$scratch"
		mkdir -p "$scratch/upper" "$scratch/work"
		if mount -t overlay overlay \
			-o "lowerdir=$libdir,upperdir=$scratch/upper,workdir=$scratch/work" "$libdir" &&
			mkdir -p "$libdir/modules"; then
			mount --bind "$modroot/lib/modules" "$libdir/modules"
		else
			echo "vsvm-guest: cannot make $libdir/modules writable: modules will not load" >&2
		fi
	fi
fi

# What udev would make: the /dev/fd links bash's process substitution needs.
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
# Writable scratch space. The clone itself may live under one of these
# directories (CI clones anywhere, /tmp included): keep it visible by moving
# a bind mount of it over the new tmpfs.
clone=$(cd "$(dirname "$0")/../.." && pwd)
tmpfs_keeping_clone() {
	local dir=$1 hold=/dev/shm/.vsvm-clone
	case "$clone/" in
	"$dir"/*)
		mkdir -p "$hold"
		mount --bind "$clone" "$hold"
		mount -t tmpfs -o mode=0755 tmpfs "$dir"
		mkdir -p "$clone"
		mount --move "$hold" "$clone"
		;;
	*)
		mount -t tmpfs -o mode=0755 tmpfs "$dir"
		;;
	esac
}
for dir in /run /tmp /var/tmp /root /mnt; do
	tmpfs_keeping_clone "$dir"
done
chmod 1777 /tmp /var/tmp
mount -t debugfs debugfs /sys/kernel/debug
mkdir -p /dev/hugepages
mount -t hugetlbfs hugetlbfs /dev/hugepages

mkdir -p "$VSVM_RESULTS"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=1048576 results "$VSVM_RESULTS"

# Swap on compressed RAM, so that pageout and swap really happen.
if [ -e /sys/block/zram0/disksize ]; then
	echo 1G >/sys/block/zram0/disksize
	mkswap /dev/zram0 >/dev/null && swapon /dev/zram0
fi

# Forget what kmemleak suspects of boot; the end of the run scans afresh.
kmemleak=/sys/kernel/debug/kmemleak
[ -w "$kmemleak" ] && echo clear >"$kmemleak"

echo "vsvm-guest: running $(tail -n1 "$VSVM_RESULTS/command.sh")"
bash "$VSVM_RESULTS/command.sh" </dev/null 2>&1 | tee "$VSVM_RESULTS/command.log"
status=${PIPESTATUS[0]}
echo "vsvm-guest: command exited with status $status"

if [ -w "$kmemleak" ]; then
	# Two scans: an object must look unreferenced in both to be reported.
	echo scan >"$kmemleak"
	echo scan >"$kmemleak"
	cat "$kmemleak"
fi

echo "$status" >"$VSVM_RESULTS/exit-status"
sync
umount "$VSVM_RESULTS"
echo b >/proc/sysrq-trigger
