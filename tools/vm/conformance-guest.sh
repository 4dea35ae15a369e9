#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make conformance's guest: every piglit OpenCL test on the vsvm device.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${VSVM_RESULTS:?run me inside the guest (run-vm.sh)}
uname -r >"$out/uname"
modprobe vsvm || exit 1
VSVM_OPENCL_BACKEND=device "$root/tools/piglit-cl.sh" run vsvm "$out/piglit-cl" full
modprobe -r vsvm
