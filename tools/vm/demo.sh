#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The demo `make run` shows inside the guest: load vsvm, list the devices,
# then run the saxpy example on 64 MiB of malloc'd memory per array. The
# device reads and writes the CPU's pages through its own page table: it
# faults them in on first touch (the fault counters), and when free() unmaps
# the arrays the kernel's mmu notifiers make it drop those translations (the
# invalidation counters). Last, vsvm-stat shows the device's totals.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${VSVM_BUILD:-$root/build}
bin=$build/umd/bin
mib=${VSVM_DEMO_MIB:-64}

modprobe vsvm num_devices="${VSVM_DEMO_DEVICES:-2}"
echo
"$bin/vsvm-info"
echo
echo "==== saxpy: y = 2 * x + y on 2 x $mib MiB of malloc'd memory, checked on the CPU"
"$bin/saxpy" --mib "$mib"
echo
echo "==== vsvm-stat --once: the device's counters (the VM is gone with its process)"
"$bin/vsvm-stat" --once
