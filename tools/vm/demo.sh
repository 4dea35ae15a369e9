#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The demo `make run` shows inside the guest: load vsvm, list the devices,
# then run the saxpy example on 16 MiB of malloc'd memory per array, and
# again with the kernel written in OpenCL C and compiled on the spot. The
# device reads and writes the CPU's pages through its own page table: it
# faults them in on first touch (the fault counters), and when free() unmaps
# the arrays the kernel's mmu notifiers make it drop those translations (the
# invalidation counters). Last, vsvm-stat shows the device's totals.
#
# Settings (run.sh passes them into the guest):
#   VSVM_DEMO_MIB      MiB per array (default 16: seconds of device work,
#                      3 s on Debian's kernel, 11 s on the debug kernel, TCG)
#   VSVM_DEMO_KO       an out-of-tree vsvm.ko to insmod (Debian's kernel);
#                      without it, modprobe vsvm (the self-built kernel)
#   VSVM_DEMO_DEVICES  number of devices (default 2)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${VSVM_BUILD:-$root/build}
bin=$build/umd/bin
mib=${VSVM_DEMO_MIB:-16}
ko=${VSVM_DEMO_KO:-}
devices=${VSVM_DEMO_DEVICES:-2}

if [ -n "$ko" ]; then
	deps=$(modinfo -F depends "$ko")
	# shellcheck disable=SC2086 # one word per module
	[ -z "$deps" ] || modprobe -a ${deps//,/ }
	insmod "$ko" num_devices="$devices"
else
	modprobe vsvm num_devices="$devices"
fi
echo
"$bin/vsvm-info"
if ! "$bin/vsvm-info" --json | grep -q '"pidfd-vm"'; then
	echo "(pidfd-vm is absent: a VM mirroring another process needs what only the"
	echo " self-built kernel exports; make run KERNEL=self boots that one)"
fi
echo
echo "==== saxpy: y = 2 * x + y on 2 x $mib MiB of malloc'd memory, checked on the CPU"
"$bin/saxpy" --mib "$mib"
echo
echo "==== saxpy in OpenCL C: kernels/saxpy.cl compiled now (clang, llvm-spirv, libclc, vsvm-cc's"
echo "     back end) and run on 2 x 4 MiB of malloc'd memory"
"$bin/saxpy" --mib 4 --lang opencl
echo
echo "==== vsvm-stat --once: the device's counters (the VM is gone with its process)"
"$bin/vsvm-stat" --once
