#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Installs the vsvm build tree BUILD into a staging prefix under WORK and
# builds tests/consumer against it twice: with CMake's find_package(vsvm),
# and with the flags of pkg-config --cflags --libs vsvm.
#
#   run.sh BUILD CONSUMER_SOURCE WORK
set -eu
build=$1 source=$2 work=$3
prefix=$work/prefix
rm -rf "$work"
cmake --install "$build" --prefix "$prefix" >/dev/null

for file in include/vsvm/runtime.h include/vsvm/vsvm_drm.h include/vsvm/vsvm_isa.h; do
	test -f "$prefix/$file" || { echo "missing $file" >&2; exit 1; }
done
config=$(find "$prefix" -name vsvmConfig.cmake)
test -n "$config" && test -f "$(dirname "$config")/vsvmConfigVersion.cmake"

cmake -S "$source" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake" >/dev/null
"$work/cmake/consumer" "cmake consumer"

PKG_CONFIG_PATH=$(dirname "$(find "$prefix" -name vsvm.pc)")
export PKG_CONFIG_PATH
flags=$(pkg-config --cflags --libs vsvm)
echo "pkg-config: $flags"
# shellcheck disable=SC2086 # the flags are words
c++ -std=c++20 "$source/main.cpp" $flags -o "$work/pkg-config-consumer"
"$work/pkg-config-consumer" "pkg-config consumer"
