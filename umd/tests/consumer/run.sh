#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Installs the vsvm build tree BUILD into a staging prefix under WORK and
# builds tests/consumer against it: the C++ program with CMake's
# find_package(vsvm) and with pkg-config vsvm (the static library), the C
# program with find_package(vsvm) and with pkg-config vsvm-c (the shared
# library, C API only), and runs them.
#
#   run.sh BUILD CONSUMER_SOURCE WORK
set -eu
build=$1 source=$2 work=$3
prefix=$work/prefix
rm -rf "$work"
cmake --install "$build" --prefix "$prefix" >/dev/null

for file in include/vsvm/runtime.h include/vsvm/vsvm.h include/vsvm/vsvm_drm.h include/vsvm/vsvm_isa.h \
	    share/vsvm/kernels/saxpy.vsa share/vsvm/kernels/list_sum.vsa share/vsvm/kernels/histogram.vsa; do
	test -f "$prefix/$file" || { echo "missing $file" >&2; exit 1; }
done
config=$(find "$prefix" -name vsvmConfig.cmake)
test -n "$config" && test -f "$(dirname "$config")/vsvmConfigVersion.cmake"
shared=$(find "$prefix" -name libvsvm.so)
test -n "$shared" || { echo "missing libvsvm.so" >&2; exit 1; }
# The shared library exports the C API and nothing else.
if nm -D --defined-only "$shared" | awk '$2 == "T" { print $3 }' | grep -v '^vsvm_'; then
	echo "libvsvm.so exports more than the C API" >&2
	exit 1
fi
kernel=$prefix/share/vsvm/kernels/saxpy.vsa

cmake -S "$source" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake" >/dev/null
"$work/cmake/consumer" "cmake consumer"
"$work/cmake/c-consumer" "cmake C consumer" "$kernel"

PKG_CONFIG_PATH=$(dirname "$(find "$prefix" -name vsvm.pc)")
export PKG_CONFIG_PATH
flags=$(pkg-config --cflags --libs vsvm)
echo "pkg-config: $flags"
# shellcheck disable=SC2086 # the flags are words
c++ -std=c++20 "$source/main.cpp" $flags -o "$work/pkg-config-consumer"
"$work/pkg-config-consumer" "pkg-config consumer"
cflags=$(pkg-config --cflags --libs vsvm-c)
echo "pkg-config vsvm-c: $cflags"
# shellcheck disable=SC2086 # the flags are words
cc -std=c99 -Wall -Wextra -Werror -pedantic "$source/main.c" $cflags -Wl,-rpath,"$(dirname "$shared")" \
	-o "$work/pkg-config-c-consumer"
"$work/pkg-config-c-consumer" "pkg-config C consumer" "$kernel"
