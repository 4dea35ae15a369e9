# SPDX-License-Identifier: MIT
# shellcheck shell=bash disable=SC2034 # the variables are for the scripts that source this
#
# Debian's prebuilt 6.12 kernel as a guest kernel: install it, build vsvm.ko
# out of tree against its headers, pack the initramfs that boots it on the
# 9p root. Sourced (after common.sh) by distro-check.sh, which checks the
# out-of-tree build, and by run.sh, whose demo runs on this kernel when the
# self-built one is not in the cache.
#
# distro_init DIR sets the paths below under DIR; the functions then work
# there and stop the calling (sub)shell on an error:
#   distro_install_packages   DISTRO_PACKAGES that are missing (apt-get)
#   distro_build_module       $distro_ko, rebuilt when sources or headers moved
#   distro_pack_initramfs     $distro_initramfs

# The Debian kernel ABI, pinned like the guest kernel's source
# (KERNEL_PKG_VERSION in common.sh): Debian's archive keeps only the newest
# ABI's packages, so the two move on together.
DISTRO_KERNEL=6.12.117+deb12-amd64
DISTRO_KERNEL_IMAGE=/boot/vmlinuz-$DISTRO_KERNEL

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
DISTRO_INITRAMFS_MODULES=(virtio_pci 9pnet_virtio 9p)

# distro_init DIR: everything made here goes under DIR.
distro_init() {
	mkdir -p "$1"
	distro_out=$(cd "$1" && pwd)
	distro_kdir=/lib/modules/$DISTRO_KERNEL/build
	distro_ko=$distro_out/src/driver/vsvm.ko
	distro_initramfs=$distro_out/initramfs.cpio
}

distro_install_packages() {
	local missing=() pkg sudo=""
	for pkg in "${DISTRO_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$pkg")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	[ "$(id -u)" = 0 ] || sudo=sudo
	vsvm_log "installing: ${missing[*]}"
	# INITRD=No: the image package's hook builds no initramfs (2 minutes);
	# the guest boots with the one distro_pack_initramfs makes.
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
	$sudo env DEBIAN_FRONTEND=noninteractive INITRD=No \
		apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

# The sources an out-of-tree build needs, in the clone's layout (the links
# driver/Kconfig and driver/tests point into it); objects of an in-place
# build are left out.
distro_sources() {
	tar -C "$VSVM_ROOT" -c --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
		--exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
		--exclude='.*.cmd' --exclude=Module.symvers --exclude=modules.order \
		driver uapi kunit Kconfig
}

# Copy the sources to $distro_out/src and build vsvm.ko there against the
# distro kernel's headers. Done again from scratch when the sources or the
# headers changed, or when the last build was not clean; a warning fails the
# build.
distro_build_module() {
	local src=$distro_out/src stamp=$distro_out/src.sha256 log=$distro_out/build.log sum
	sum=$({ distro_sources; dpkg-query -W -f='${Package} ${Version}' "linux-headers-$DISTRO_KERNEL"; } |
		sha256sum)
	if [ -f "$distro_ko" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ]; then
		vsvm_log "$distro_ko is up to date"
		return 0
	fi
	rm -rf "$src" "$stamp"
	mkdir -p "$src"
	distro_sources | tar -C "$src" -x
	if ! make -C "$src/driver" KDIR="$distro_kdir" >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		vsvm_die "building vsvm.ko failed (log: $log)"
	fi
	if grep -iE 'warning:|error:' "$log" >&2; then
		vsvm_die "building vsvm.ko printed warnings (log: $log)"
	fi
	echo "$sum" >"$stamp"
}

# An initramfs with busybox, the 9p modules (decompressed: busybox's insmod
# loads plain .ko files) and distro-init.sh as /init. Cheap, so made anew
# every run.
distro_pack_initramfs() {
	local stage=$distro_out/initramfs deps=$distro_out/initramfs.deps kind path name applet
	rm -rf "$stage"
	mkdir -p "$stage/bin" "$stage/lib/modules" "$stage/proc" "$stage/newroot"
	cp /bin/busybox "$stage/bin/busybox"
	for applet in sh cat mount umount insmod sleep switch_root reboot; do
		ln -s busybox "$stage/bin/$applet"
	done
	install -m 0755 "$VSVM_ROOT/tools/vm/distro-init.sh" "$stage/init"
	: >"$stage/modules.list"
	# In load order; lines "builtin NAME" are modules built in.
	modprobe -S "$DISTRO_KERNEL" -a --show-depends "${DISTRO_INITRAMFS_MODULES[@]}" >"$deps"
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
	done <"$deps"
	vsvm_log "initramfs modules: $(tr '\n' ' ' <"$stage/modules.list")"
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) >"$distro_initramfs.tmp"
	mv "$distro_initramfs.tmp" "$distro_initramfs"
}
