#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make conformance's guest: every piglit OpenCL test on the vsvm device.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${VSVM_RESULTS:?run me inside the guest (run-vm.sh)}
uname -r >"$out/uname"
# The device is software under TCG, a hundred times slower than the host,
# and the debug kernel slower still: piglit's longest kernel,
# gegl-rgb-gamma-u8-to-ragabaf, ran past a 60 s job timeout in make
# conformance at 13e7065 (it passes on the emulator, and on the device
# with 300 s: 78 s for the whole test, its compilation included;
# pyrit-wpa-psk 26 s, each alone). piglit's own timeout, raised to match,
# still ends a kernel that never does.
modprobe vsvm job_timeout_ms=300000 || exit 1
VSVM_OPENCL_BACKEND=device PIGLIT_TIMEOUT=600 "$root/tools/piglit-cl.sh" run vsvm "$out/piglit-cl" full
modprobe -r vsvm
