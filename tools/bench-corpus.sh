#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make bench-corpus: the corpus kernels' (umd/corpus) times on the host, as
# informational figures: the C++ references (a native loop), PoCL, lavapipe
# and the vsvm compiler's output on the host emulator (the driver's
# interpreter) from OpenCL C and from GLSL. Each backend runs every kernel
# through vsvm-difftest --time: one checked run (PoCL's is recorded, the
# others are compared with it), then REPS timed runs of the dispatch to the
# kernel's completion alone (docs/benchmarks.rst, "Corpus kernels").
#
#   tools/bench-corpus.sh        (the UMD must be built: make bench-corpus does it)
#
# Environment:
#   SEED          seed of the generated inputs (default 1)
#   REPS          timed runs per kernel and backend (default 11, at least 3)
#   DIFFTEST      the vsvm-difftest binary (default $VSVM_BUILD/umd/bin/vsvm-difftest)
#   DEVICE_TIMES  a file of TIME lines of vsvm-difftest --backend device --time
#                 from a guest (or a directory of such files): adds the column
#                 "vsvm device (guest)"
#   RENDER_ONLY=1 run nothing: the table again from the logs of the last run
#                 (make bench: after its guest, with the device's times)
#
# The emulator's runs save the compiled programs in $VSVM_BUILD/bench/corpus/
# programs and PoCL's outputs are in .../corpus/pocl: make bench's guest
# runs those programs on the device against those outputs.
#
# Writes $VSVM_BUILD/bench/corpus.md (the runs' output in
# $VSVM_BUILD/bench/corpus/) and prints the table. Exits 1 when a backend
# failed a kernel (its cell shows "-" and the table says so).
set -euo pipefail
source "$(dirname "$0")/vm/common.sh"
build=${VSVM_BUILD:-$VSVM_ROOT/build}
difftest=${DIFFTEST:-$build/umd/bin/vsvm-difftest}
corpus=$VSVM_ROOT/umd/corpus
seed=${SEED:-1}
reps=${REPS:-11}
out=$build/bench
work=$out/corpus
[ -x "$difftest" ] || vsvm_die "$difftest missing: run make umd"
if [ -n "${DEVICE_TIMES:-}" ] && [ ! -e "$DEVICE_TIMES" ]; then
	vsvm_die "DEVICE_TIMES=$DEVICE_TIMES does not exist"
fi

start=$(date +%s)
failed=0
render_only=${RENDER_ONLY:-0}
if [ "$render_only" = 1 ]; then
	[ -f "$work/pocl.log" ] || vsvm_die "RENDER_ONLY=1: no earlier run in $work"
else
	rm -rf "$work"
	mkdir -p "$work"
fi
# One backend over the whole corpus: NAME, then vsvm-difftest's arguments.
run() {
	local name=$1
	shift
	vsvm_log "corpus on $name ($reps timed runs per kernel)"
	if ! "$difftest" --corpus "$corpus" --all --seed "$seed" --time "$reps" "$@" >"$work/$name.log" 2>&1; then
		vsvm_log "$name: some kernels failed (see $work/$name.log):"
		grep '^FAIL' "$work/$name.log" >&2 || tail -n 5 "$work/$name.log" >&2
		failed=1
	fi
}
if [ "$render_only" != 1 ]; then
	run pocl --backend pocl --record "$work/pocl"
	run reference --backend reference --compare "$work/pocl"
	run lavapipe --backend lavapipe --compare "$work/pocl"
	run emu-opencl --backend emu --compare "$work/pocl" --save-programs "$work/programs"
	run emu-glsl --backend emu --source glsl --compare "$work/pocl"
fi
device_log=
if [ -n "${DEVICE_TIMES:-}" ]; then
	device_log=$work/device.log
	if [ -d "$DEVICE_TIMES" ]; then
		find "$DEVICE_TIMES" -type f -exec cat {} + >"$device_log"
	else
		cp "$DEVICE_TIMES" "$device_log"
	fi
fi
if [ "$render_only" = 1 ]; then
	seconds=$(cat "$work/seconds" 2>/dev/null || echo "?")
else
	seconds=$(($(date +%s) - start))
	echo "$seconds" >"$work/seconds"
fi

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
python3 - "$corpus/corpus.json" "$work" "$out/corpus.md" "$cpu" "$(nproc)" "$reps" "$seed" "$seconds" \
	"$device_log" <<'PYTHON'
import json, re, sys

corpus, work, table, cpu, nproc, reps, seed, seconds, device_log = sys.argv[1:]
kernels = [k["name"] for k in json.load(open(corpus))["kernels"]]
time_line = re.compile(r"^TIME (\S+) (\S+) median_us (\S+) min_us \S+ max_us \S+ reps \d+$")
timing_line = re.compile(r"^TIMING \S+: (.*?);")

def read(log):
    """The medians by kernel, what was timed, and the kernels that failed."""
    medians, span, failures = {}, "", []
    for line in open(log, errors="replace"):
        line = line.rstrip("\n")
        if m := time_line.match(line):
            medians[m[1]] = float(m[3])
        elif m := timing_line.match(line):
            span = m[1]
        elif line.startswith("FAIL "):
            failures.append(line.split(":")[0][5:])
    return medians, span, failures

columns = [("native C++", "reference"), ("PoCL", "pocl"), ("lavapipe", "lavapipe"),
           ("vsvm interpreter (emu, OpenCL C)", "emu-opencl"), ("vsvm interpreter (emu, GLSL)", "emu-glsl")]
runs = {log: read(f"{work}/{log}.log") for _, log in columns}
if device_log:
    columns.append(("vsvm device (guest)", "device"))
    runs["device"] = read(device_log)

def cell(log, kernel):
    value = runs[log][0].get(kernel)
    return "-" if value is None else f"{value:.1f}"

lines = [
    f"Corpus kernels: host figures on {cpu}, {nproc} CPUs (informational). Each cell is the median of "
    f"{reps} timed runs in µs (seed {seed}), after a checked run; '-': the backend does not run the kernel "
    "(no GLSL version, a construct the vsvm compiler refuses) or failed it."
    + (" The device column comes from make bench's QEMU (TCG) guest, whose CPU is emulated: it is no "
       "host figure and says nothing about a hardware device." if device_log else ""),
    "",
]
for name, log in columns:
    # A file of TIME lines alone does not say what the device timed: vsvm-difftest's words.
    span = runs[log][1] or ("ComputeQueue::submit to the end of Fence::waitOk" if log == "device" else "?")
    failures = runs[log][2]
    note = f"; failed: {', '.join(failures)}" if failures else ""
    lines.append(f"- {name}: {span}{note}")
lines += ["", "| kernel | " + " | ".join(name for name, _ in columns) + " | emu/PoCL |",
          "|---" * (len(columns) + 2) + "|"]
for kernel in kernels:
    emu, pocl = runs["emu-opencl"][0].get(kernel), runs["pocl"][0].get(kernel)
    ratio = "-"
    if emu is not None and pocl:
        r = emu / pocl
        ratio = f"{r:.0f}" if r >= 100 else f"{r:.1f}" if r >= 1 else f"{r:.2f}"
    lines.append(f"| {kernel} | " + " | ".join(cell(log, kernel) for _, log in columns) + f" | {ratio} |")
lines += ["", f"The host runs took {seconds} s in all (compilation and checks included)."]
with open(table, "w") as f:
    f.write("\n".join(lines) + "\n")
print("\n".join(lines))
PYTHON
vsvm_log "table: $out/corpus.md (runs in $work)"
exit "$failed"
