#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make bench: the benchmarks of docs/benchmarks.rst in one guest boot of the
# release kernel (tools/vm/release.config: no lockdep, KASAN or kmemleak).
#
#   tools/bench.sh            (the UMD must be built: make bench does it)
#
# Environment:
#   BENCH_ARGS     extra arguments of vsvm-bench (e.g. "--reps 3 --only B1 B8")
#   BENCH_MEM      guest memory (default 6G: B4 holds 2 GiB, B3 1 GiB)
#   BENCH_TIMEOUT  limit for the guest in seconds (default 5400)
#   BENCH_KERNEL_BUILD=0  boot the release kernel already built, without
#                  running build-kernel.sh (which waits for other clones'
#                  kernel builds on its lock even when nothing changed)
#   BENCH_PUBLISH=1  copy results.md and results.png to
#                  docs/benchmarks-latest.{md,png} (the figures the docs cite)
#
# Writes $VSVM_BUILD/bench/{results.json,results.md,results.png,b1.dat,b6.dat,
# console.log} and prints the table; then the corpus kernels' table
# (tools/bench-corpus.sh: host runs before the guest, the device's in it),
# $VSVM_BUILD/bench/corpus.md.
set -euo pipefail
export KERNEL_FLAVOUR=release
source "$(dirname "$0")/vm/common.sh"
build=${VSVM_BUILD:-$VSVM_ROOT/build}
out=$build/bench
bench=$build/umd/bin/vsvm-bench
[ -x "$bench" ] || vsvm_die "$bench missing: run make umd"

if [ "${BENCH_KERNEL_BUILD:-1}" != 0 ] || [ ! -f "$KERNEL_IMAGE" ]; then
	"$VSVM_ROOT/tools/vm/build-kernel.sh" release
fi

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
machine="$cpu, $(nproc) host CPUs, QEMU $(qemu-system-x86_64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p') TCG guest"
rm -rf "$out"
mkdir -p "$out"
# The corpus kernels on the host first (informational; docs/benchmarks.rst,
# "Corpus kernels"): it leaves the compiled programs and PoCL's outputs in
# $out/corpus, where the guest runs the programs on the device.
"$VSVM_ROOT/tools/bench-corpus.sh" >/dev/null || vsvm_log "bench-corpus: some kernels failed (see $out/corpus.md)"
# The OpenCL saxpy of umd/examples/opencl on PoCL's CPU device, unchanged;
# the guest runs it on vsvm.
OCL_ICD_VENDORS=/etc/OpenCL/vendors/pocl.icd "$build/umd/bin/opencl-saxpy" --platform Portable --mib 16 \
	--reps 11 >"$out/opencl-saxpy-pocl.txt" 2>&1 || vsvm_log "opencl-saxpy on PoCL failed"
start=$(date +%s)
# shellcheck disable=SC2086
"$VSVM_ROOT/tools/vm/run-vm.sh" --results "$out" --mem "${BENCH_MEM:-6G}" \
	--timeout "${BENCH_TIMEOUT:-5400}" -- \
	"$VSVM_ROOT/tools/vm/bench-guest.sh" "$bench" --machine "$machine" ${BENCH_ARGS:-} || {
	tail -n 30 "$out/command.log" 2>/dev/null >&2 || true
	vsvm_die "the benchmark guest failed (console: $out/console.log)"
}
vsvm_log "guest done in $(($(date +%s) - start)) s"

# The plot shows B1a and B6: without their points (BENCH_ARGS="--only ..."),
# gnuplot has nothing to draw and fails. b1.dat and b6.dat hold one block per
# THP setting (index 0: off, 1: on), each figure as median, min, max.
if ! grep -q '^[0-9]' "$out/b1.dat" || ! grep -q '^[0-9]' "$out/b6.dat"; then
	vsvm_log "no B1 or B6 figures: no plot"
elif command -v gnuplot >/dev/null; then
	gnuplot <<-GNUPLOT
	set terminal pngcairo size 1400,1000 font ",10" noenhanced
	set output "$out/results.png"
	set multiplot layout 2,2 title "vsvm benchmarks, $(date -u +%Y-%m-%d), $machine"
	set key top left
	set grid
	set logscale x 2
	set offsets graph 0.1, graph 0.1, 0, 0
	set xlabel "MiB of fresh malloc memory"
	set ylabel "fault cost: µs per 4 KiB page, cold - warm (median, min-max)"
	# The three sides side by side at each size (one size by default).
	do for [i=0:1] {
		set title sprintf("B1a fault cost per page, THP %s", i == 0 ? "off" : "on")
		plot "$out/b1.dat" index i using (\$1*0.95):2:3:4 with yerrorlines title "vsvm copy engine", \
		     "" index i using 1:5:6:7 with yerrorlines title "test_hmm dmirror", \
		     "" index i using (\$1*1.05):8:9:10 with yerrorlines title "CPU 1-byte read"
	}
	set offsets graph 0.05, graph 0.05, 0, 0
	set logscale x 10
	set xlabel "small mallocs touched by the device"
	set ylabel "µs of fault handling per distinct mapped page"
	set yrange [0:*]
	set title "B6 fault time per mapped page"
	plot "$out/b6.dat" index 0 using 1:2:3:4 with yerrorlines title "THP off", \
	     "" index 1 using 1:2:3:4 with yerrorlines title "THP on"
	set ylabel "device page-table bytes / 4-level minimum"
	set title "B6 page-table memory"
	plot "$out/b6.dat" index 0 using 1:5:6:7 with yerrorlines title "THP off", \
	     "" index 1 using 1:5:6:7 with yerrorlines title "THP on", \
	     1 with lines dashtype 2 title "goal"
	unset multiplot
	GNUPLOT
	vsvm_log "plot: $out/results.png"
else
	vsvm_log "gnuplot missing (tools/deps.sh installs it): no plot"
fi
# Informational: the two implementations are different devices (PoCL
# compiles to the host's vector units; vsvm interprets its ISA under TCG).
{
	echo
	echo "## OpenCL saxpy, 16 MiB, one program on both (informational)"
	echo
	echo "umd/examples/opencl/saxpy.cpp, kernel and read of y, median of 11:"
	echo
	printf -- '- vsvm (device, guest): %s\n' "$(tail -n 1 "$out/opencl-saxpy-vsvm.txt" 2>/dev/null || echo missing)"
	printf -- '- PoCL (CPU device, host): %s\n' "$(tail -n 1 "$out/opencl-saxpy-pocl.txt" 2>/dev/null || echo missing)"
} >>"$out/results.md"
if [ "${BENCH_PUBLISH:-0}" = 1 ]; then
	cp "$out/results.md" "$VSVM_ROOT/docs/benchmarks-latest.md"
	[ ! -f "$out/results.png" ] || cp "$out/results.png" "$VSVM_ROOT/docs/benchmarks-latest.png"
	vsvm_log "published: docs/benchmarks-latest.md (and .png)"
fi
vsvm_log "results: $out/results.json, $out/results.md"
cat "$out/results.md"
# The corpus table again, with the device's column from the guest.
RENDER_ONLY=1 DEVICE_TIMES="$out/corpus/device" "$VSVM_ROOT/tools/bench-corpus.sh" ||
	vsvm_log "bench-corpus: some kernels failed"
