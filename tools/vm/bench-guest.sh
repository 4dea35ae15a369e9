#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Guest side of `make bench` (tools/bench.sh): load vsvm and test_hmm and run
# the benchmark program, which writes its results to $VSVM_RESULTS.
#
#   tools/vm/bench-guest.sh VSVM_BENCH [ARG...]
#
# Swap is off, so that no measurement pays for pageout (B9, which measures
# reclaim, turns zram0 on for itself and off again). vsvm gets a job
# timeout of 10 minutes: a 1 GiB first-touch job takes seconds under TCG,
# longer than the 10 s default allows on a slow host.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: bench-guest.sh VSVM_BENCH [ARG...]" >&2; exit 2; }
bench=$1
shift
results=${VSVM_RESULTS:?not in a vsvm guest}

swapoff -a
modprobe vsvm job_timeout_ms=600000
modprobe test_hmm
echo "bench-guest: kernel $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ { print int($2 / 1024) " MiB" }' /proc/meminfo)"
start=$(date +%s)
"$bench" --out "$results" "$@"
# The corpus kernels the host compiled (tools/bench-corpus.sh) on the
# device, against PoCL's outputs, timed like the host's backends.
corpus=$results/corpus
if [ -d "$corpus/programs" ]; then
	mkdir -p "$corpus/device"
	"$(dirname "$bench")/vsvm-difftest" --corpus "$(dirname "$0")/../../umd/corpus" --all --seed 1 \
		--backend device --programs "$corpus/programs" --compare "$corpus/pocl" --time 11 \
		>"$corpus/device/opencl.log" 2>&1 || echo "bench-guest: corpus on the device: some kernels failed"
	tail -n 1 "$corpus/device/opencl.log"
fi
echo "bench-guest: done in $(($(date +%s) - start)) s"

# The same OpenCL saxpy as on PoCL on the host (tools/bench.sh), through the
# vsvm ICD on the device (informational).
bin=$(dirname "$bench")
OCL_ICD_VENDORS=$bin/../opencl/vendors VSVM_OPENCL_BACKEND=device \
	"$bin/opencl-saxpy" --mib 16 --reps 11 >"$results/opencl-saxpy-vsvm.txt" 2>&1 ||
	echo "bench-guest: opencl-saxpy on the device failed"
cat "$results/opencl-saxpy-vsvm.txt"
