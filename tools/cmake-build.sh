#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Configure and build one of the repository's CMake projects (make umd,
# make igt, tools/fuzz-asm.sh):
#
#   tools/cmake-build.sh [--absolute-paths] SOURCE_DIR BUILD_DIR [CMAKE_ARGS...]
#
# When ccache is installed every compile goes through it, with the kernel
# build's cache and settings (vsvm_ccache_env in tools/vm/common.sh), so a
# fresh clone takes the objects an earlier build compiled. Without ccache, or
# with an empty cache, the build is the same, only slower. JOBS sets the
# parallelism (default: the number of CPUs).
#
# ccache's base directory (CCACHE_BASEDIR) is what lets another clone hit: it
# hands the compiler paths relative to the build directory instead of the
# absolute ones CMake writes, and so also changes __FILE__. --absolute-paths
# leaves it out, for a project that maps __FILE__ with an absolute prefix
# map (igt-tests: --describe and failures print "vsvm_basic.c:263"); its
# objects are then shared only by builds in the same clone.
set -euo pipefail
source "$(dirname "$0")/vm/common.sh"
absolute_paths=0
if [ "${1:-}" = --absolute-paths ]; then
	absolute_paths=1
	shift
fi
[ $# -ge 2 ] || vsvm_die "usage: $0 [--absolute-paths] SOURCE_DIR BUILD_DIR [CMAKE_ARGS...]"
src=$1 build=$2
shift 2

launcher=""
if command -v ccache >/dev/null; then
	vsvm_ccache_env
	[ "$absolute_paths" = 0 ] || unset CCACHE_BASEDIR
	launcher=ccache
fi
# Set even when empty, so that a build directory configured while ccache was
# there does not keep calling it once it is gone; --no-warn-unused-cli: a
# project without C (the UMD) ignores the C launcher.
cmake -S "$src" -B "$build" --no-warn-unused-cli \
	-DCMAKE_C_COMPILER_LAUNCHER="$launcher" -DCMAKE_CXX_COMPILER_LAUNCHER="$launcher" \
	"$@" >/dev/null
cmake --build "$build" -j"${JOBS:-$(nproc)}"
