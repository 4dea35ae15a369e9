# SPDX-License-Identifier: MIT
# Shared settings for the vsvm VM harness; sourced by the tools/vm scripts.

VSVM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Slow artefacts (kernel trees, builds, ccache) live outside the clone so that a
# fresh clone reuses them; nothing depends on them being there.
VSVM_CACHE=${VSVM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vsvm}
# The kernel is pinned: the version of Debian's linux-source-6.12 package.
KERNEL_PKG_VERSION=6.12.117-1~deb12u1
KERNEL_VERSION=6.12.117
KERNEL_TARBALL=/usr/src/linux-source-6.12.tar.xz
KERNEL_SRC=$VSVM_CACHE/linux-$KERNEL_VERSION
# Kernel flavours: "debug" (lockdep, KASAN, kmemleak; every test run) and
# "release" (make bench). Each has its build dir and module root.
KERNEL_FLAVOUR=${KERNEL_FLAVOUR:-debug}
KERNEL_BUILD=$VSVM_CACHE/build-$KERNEL_FLAVOUR
# The installed modules live in the clone: two clones sharing the cache may
# build different vsvm.ko files, and each guest must load its own.
KERNEL_MODROOT=${VSVM_BUILD:-$VSVM_ROOT/build}/modroot-$KERNEL_FLAVOUR
KERNEL_IMAGE=$KERNEL_BUILD/arch/x86/boot/bzImage

# ccache for every compiler vsvm runs (the kernel, the UMD, the IGT tests):
# one cache outside the clone, keyed on file contents and relative paths, so
# that a fresh clone (another directory) hits what an earlier one compiled.
# An empty or missing cache only costs time.
vsvm_ccache_env() {
	export CCACHE_DIR=${CCACHE_DIR:-$VSVM_CACHE/ccache}
	export CCACHE_BASEDIR=$VSVM_ROOT CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
}

vsvm_log() { printf '[vsvm] %s\n' "$*" >&2; }
vsvm_die() { printf '[vsvm] error: %s\n' "$*" >&2; exit 1; }

# One kernel build at a time per cache (two clones may share it): hold the
# lock on fd 9 until the calling script exits.
vsvm_kernel_lock() {
	mkdir -p "$VSVM_CACHE"
	exec 9>"$VSVM_CACHE/.kernel.lock"
	flock 9
}

# Point the tree's drivers/gpu/drm/vsvm at this clone's driver/. make decides
# by mtimes: when the link moved from another clone, whose files may be
# older than the objects, vsvm's objects in the build directory must go.
# Call with the kernel lock held.
vsvm_kernel_link_driver() {
	ln -sfn "$VSVM_ROOT/driver" "$KERNEL_SRC/drivers/gpu/drm/vsvm"
	mkdir -p "$KERNEL_BUILD"
	if [ "$(cat "$KERNEL_BUILD/.vsvm-src" 2>/dev/null)" != "$VSVM_ROOT" ]; then
		rm -rf "$KERNEL_BUILD/drivers/gpu/drm/vsvm"
		echo "$VSVM_ROOT" >"$KERNEL_BUILD/.vsvm-src"
	fi
}
