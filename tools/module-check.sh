#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Static checks of the kernel code: checkpatch --strict and sparse (C=2)
# over driver/ and kunit/. Prints one RESULT line per check.
set -uo pipefail
source "$(dirname "$0")/vm/common.sh"
cd "$VSVM_ROOT"

files=(driver/*.[ch] kunit/*.[ch])
if perl "$KERNEL_SRC/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	-f "${files[@]}" >"${TMPDIR:-/tmp}/vsvm-checkpatch.log" 2>&1; then
	echo "RESULT lint checkpatch-strict PASS"
else
	grep -E '^[^ ]+:[0-9]+:' "${TMPDIR:-/tmp}/vsvm-checkpatch.log" >&2
	echo "RESULT lint checkpatch-strict FAIL"
fi

# Rebuild vsvm's objects under sparse; any sparse diagnostic is a failure.
# The build directory is shared by every clone using the cache: under the
# kernel build lock, point the tree's vsvm link at this clone, so that sparse
# checks these sources.
vsvm_kernel_lock
vsvm_kernel_link_driver
log=${TMPDIR:-/tmp}/vsvm-sparse.log
if make -s -C "$KERNEL_SRC" O="$KERNEL_BUILD" C=2 CF="-D__CHECK_ENDIAN__" \
	-j"$(nproc)" drivers/gpu/drm/vsvm/ >"$log" 2>&1 &&
	! grep -E 'warning:|error:' "$log" >&2; then
	echo "RESULT lint sparse PASS"
else
	cat "$log" >&2
	echo "RESULT lint sparse FAIL"
fi
