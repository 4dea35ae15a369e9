#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `make test`: install what is missing, build everything, run the host unit
# tests, build the documentation (warnings are errors), boot one guest for
# the KUnit suites, the IGT testlist and the UMD device tests, and print one
# line "N passed, N failed, N skipped" over all of them. Exits non-zero on any
# failure, any kernel splat in the guest log, or a guest that did not finish.
set -uo pipefail
source "$(dirname "$0")/vm/common.sh"
cd "$VSVM_ROOT"

build=${VSVM_BUILD:-$VSVM_ROOT/build}
out=$build/test-results
rm -rf "$out"
mkdir -p "$out"
all=$out/all-results.txt
: >"$all"
t0=$(date +%s)

phase() { printf '\n[vsvm] ==== %s (%ds)\n' "$*" $(($(date +%s) - t0)) >&2; }
result() { echo "RESULT $1 $2 $3" >>"$all"; }

phase "dependencies"
tools/deps.sh || vsvm_die "cannot install the dependencies"

phase "build"
make -s -C "$VSVM_ROOT" build || vsvm_die "build failed"

phase "static checks of the kernel code"
tools/module-check.sh >>"$all"

phase "host unit tests"
# Every host test is independent of the others (own files, no device):
# as many at once as there are CPUs.
if ctest --test-dir "$build/umd" --output-on-failure --output-junit "$out/umd-unit.xml" \
	-LE device -j "$(nproc)" >"$out/umd-unit.log" 2>&1; then :; fi
tail -n 5 "$out/umd-unit.log" >&2
if [ -s "$out/umd-unit.xml" ]; then
	tools/vm/gtest-results.sh umd-unit "$out/umd-unit.xml" >>"$all"
else
	result umd-unit run FAIL
fi

# The SPIR-V corpus (umd/corpus, issue 14): the oracles run on the host
# (PoCL for OpenCL C, lavapipe for GLSL) and record their outputs; the
# vsvm compiler's programs run on the host emulator (the driver's own
# interpreter) against them here, and on the device in the guest
# (guest-tests.sh), which loads the programs compiled here.
corpus_out=$out/corpus
difftest=$build/umd/bin/vsvm-difftest
corpus_result() { # suite, output of vsvm-difftest --compare
	sed -n -e "s/^PASS \([^:]*\):.*/RESULT $1 \1 PASS/p" -e "s/^FAIL \([^:]*\):.*/RESULT $1 \1 FAIL/p" \
		-e "s/^SKIP \([^:]*\):.*/RESULT $1 \1 SKIP/p" "$2" >>"$all"
	grep -q ' agreed, .* disagreed' "$2" || result "$1" run FAIL
}
phase "SPIR-V corpus: oracles on the host, the compiler's output on the emulator"
mkdir -p "$corpus_out"
for src in opencl glsl; do
	oracle=pocl
	[ "$src" = glsl ] && oracle=lavapipe
	if "$difftest" --corpus umd/corpus --all --seed 1 --backend $oracle --record "$corpus_out/$oracle" \
		>"$corpus_out/$oracle.log" 2>&1; then
		result corpus-oracle "$oracle-recorded" PASS
	else
		result corpus-oracle "$oracle-recorded" FAIL
		tail -n 5 "$corpus_out/$oracle.log" >&2
	fi
	"$difftest" --corpus umd/corpus --all --seed 1 --backend emu --source $src \
		--compare "$corpus_out/$oracle" --save-programs "$corpus_out/programs" \
		>"$corpus_out/emu-$src.log" 2>&1
	corpus_result "corpus-emu-$src" "$corpus_out/emu-$src.log"
	tail -n 1 "$corpus_out/emu-$src.log" >&2
done

cc_fuzz_count=${VSVM_TEST_FUZZ_CC_COUNT:-60}
phase "compiler differential fuzzing: $cc_fuzz_count generated OpenCL C programs, emulator vs PoCL"
if "$build/umd/bin/vsvm-fuzz-cc" --seed 1 --count "$cc_fuzz_count" --emu --pocl \
	--out "$out/fuzz-cc" >"$out/fuzz-cc.log" 2>&1; then
	result fuzz-cc emu-vs-pocl PASS
else
	result fuzz-cc emu-vs-pocl FAIL
fi
tail -n 1 "$out/fuzz-cc.log" >&2

fuzz_time=${VSVM_TEST_FUZZ_TIME:-30}
phase "assembler fuzzing (${fuzz_time}s, fixed seed)"
if FUZZ_TIME=$fuzz_time tools/fuzz-asm.sh >"$out/fuzz-asm.log" 2>&1; then
	result umd-fuzz assembler PASS
else
	result umd-fuzz assembler FAIL
fi
grep -E '^(Done|stat::)' "$out/fuzz-asm.log" >&2 || tail -n 20 "$out/fuzz-asm.log" >&2

# piglit's OpenCL tests (issue 16): the fast subset here on the emulator,
# which also fills the program cache that the guest's device run reads
# (clang under TCG would take most of the guest's time).
phase "piglit OpenCL tests, fast subset, on the emulator"
if VSVM_OPENCL_CACHE_DIR=$out/opencl-cache VSVM_OPENCL_BACKEND=emu \
	tools/piglit-cl.sh run vsvm "$out/piglit-cl-emu" fast >"$out/piglit-cl-emu.log" 2>&1; then
	tools/piglit-cl.sh check "$out/piglit-cl-emu" piglit-cl-emu >>"$all" 2>>"$out/piglit-cl-emu.log"
else
	result piglit-cl-emu run FAIL
fi
tail -n 1 "$out/piglit-cl-emu.log" >&2
# The programs of the ICD's tests and of the OpenCL examples into the same
# cache, for their device runs in the guest (ctest ran them here already).
VSVM_OPENCL_CACHE_DIR=$out/opencl-cache VSVM_OPENCL_BACKEND=emu OCL_ICD_VENDORS=$build/umd/opencl/vendors \
	"$build/umd/bin/vsvm_opencl_tests" >>"$out/piglit-cl-emu.log" 2>&1 || true
for example in "opencl-svm-pointers --nodes 3000 --queries 1000" "opencl-saxpy --mib 1 --reps 3"; do
	# shellcheck disable=SC2086
	VSVM_OPENCL_CACHE_DIR=$out/opencl-cache VSVM_OPENCL_BACKEND=emu OCL_ICD_VENDORS=$build/umd/opencl/vendors \
		"$build/umd/bin/"$example >>"$out/piglit-cl-emu.log" 2>&1 || true
done

phase "documentation (sphinx-build -W)"
if make -s -C "$VSVM_ROOT" docs >"$out/docs.log" 2>&1; then
	result docs sphinx PASS
else
	grep -E '(WARNING|ERROR|CRITICAL|SEVERE):' "$out/docs.log" >&2 || tail -n 20 "$out/docs.log" >&2
	result docs sphinx FAIL
fi

# The kernel's own HMM selftest (issue 18: test_hmm and vsvm both have
# DEVICE_PRIVATE memory, and neither may disturb the other), built from the
# kernel sources the guest kernel comes from; guest-tests.sh runs it.
phase "the kernel's hmm-tests, built for the guest"
if gcc -O2 -o "$out/hmm-tests" -I"$KERNEL_SRC/tools/testing/selftests" -I"$KERNEL_SRC" \
	-I"$KERNEL_SRC/tools/include" -I"$KERNEL_SRC/include/uapi" \
	"$KERNEL_SRC/tools/testing/selftests/mm/hmm-tests.c" -lpthread >"$out/hmm-tests-build.log" 2>&1; then
	result hmm-tests build PASS
else
	tail -n 5 "$out/hmm-tests-build.log" >&2
	result hmm-tests build FAIL
fi

phase "guest: KUnit, IGT, UMD device tests"
tools/vm/run-vm.sh --results "$out/guest" --timeout "${VSVM_GUEST_TIMEOUT:-2400}" \
	-- tools/vm/guest-tests.sh
if [ -f "$out/guest/exit-status" ]; then
	result guest finished PASS
	# guest-tests.sh reports test failures as results; a non-zero status
	# means the script itself could not run.
	if [ "$(cat "$out/guest/exit-status")" = 0 ]; then
		result guest command PASS
	else
		result guest command FAIL
	fi
else
	result guest finished FAIL
fi
if tools/vm/check-log.sh "$out/guest/console.log"; then
	result guest no-kernel-splat PASS
else
	result guest no-kernel-splat FAIL
fi
[ -f "$out/guest/results.txt" ] && cat "$out/guest/results.txt" >>"$all"

phase "KUnit results (kunit.py parse)"
tools/vm/kunit-results.sh "$out/guest/kunit" >>"$all"

phase "distro kernel: out-of-tree build, DKMS package, boot, load, open"
tools/vm/distro-check.sh >>"$all" || true

passed=$(grep -c ' PASS$' "$all")
failed=$(grep -c ' FAIL$' "$all")
skipped=$(grep -c ' SKIP$' "$all")
if [ "$failed" -gt 0 ]; then
	echo "[vsvm] failures:" >&2
	grep ' FAIL$' "$all" | sed 's/^RESULT /[vsvm]   /' >&2
fi
echo "[vsvm] results: $all; guest console: $out/guest/console.log ($(($(date +%s) - t0))s)" >&2
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
