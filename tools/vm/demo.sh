#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The demo `make run` shows inside the guest: load vsvm and describe the
# devices with vsvm-info.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${VSVM_BUILD:-$root/build}

modprobe vsvm num_devices="${VSVM_DEMO_DEVICES:-2}"
echo
"$build/umd/bin/vsvm-info"
echo
"$build/umd/bin/vsvm-info" --json
