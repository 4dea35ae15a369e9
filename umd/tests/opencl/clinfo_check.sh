#!/bin/sh
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The vsvm authors
#
# clinfo_check.sh CLINFO: clinfo lists the vsvm platform and its device, and
# no query fails (clinfo prints a failed query as "<... failed: CL_...>" or
# "Invalid"/"error"). The loader must see only the vsvm ICD (OCL_ICD_VENDORS).
clinfo=$1
out=$("$clinfo" 2>&1)
status=$?
printf '%s\n' "$out"
[ "$status" -eq 0 ] || { echo "clinfo_check: clinfo exit status $status"; exit 1; }
printf '%s\n' "$out" | grep -q '^Number of platforms *1$' || { echo "clinfo_check: not one platform"; exit 1; }
printf '%s\n' "$out" | grep -q '^ *Platform Name *vsvm$' || { echo "clinfo_check: no vsvm platform"; exit 1; }
printf '%s\n' "$out" | grep -q '^ *Device Name *vsvm' || { echo "clinfo_check: no vsvm device"; exit 1; }
printf '%s\n' "$out" | grep -q 'Fine-grained system sharing *Yes' || { echo "clinfo_check: no system SVM"; exit 1; }
bad=$(printf '%s\n' "$out" | grep -nE 'failed|CL_[A-Z_]*(INVALID|ERROR)|Invalid')
if [ -n "$bad" ]; then
    echo "clinfo_check: failed queries:"
    printf '%s\n' "$bad"
    exit 1
fi
echo "clinfo_check: ok"
