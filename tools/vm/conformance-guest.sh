#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make conformance's guest: every piglit OpenCL test on the vsvm device.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${VSVM_RESULTS:?run me inside the guest (run-vm.sh)}
uname -r >"$out/uname"
# The device is software under TCG, a hundred times slower than the host:
# piglit's longest kernels (pyrit-wpa-psk, gegl-rgb-gamma-u8-to-ragabaf)
# run 10 to 20 seconds, past the default 10 s job timeout. piglit's own
# timeout (120 s per test) still ends a kernel that never does.
modprobe vsvm job_timeout_ms=60000 || exit 1
VSVM_OPENCL_BACKEND=device "$root/tools/piglit-cl.sh" run vsvm "$out/piglit-cl" full
modprobe -r vsvm
