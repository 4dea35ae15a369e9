#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The in-guest part of `make test`: load the driver, run the KUnit suites,
# the IGT testlist, the UMD device tests, the SPIR-V corpus (compiled and
# recorded on the host by test.sh), a minute of vsvm-fuzz and two of
# vsvm-soak, unload the driver. Runs as the
# command of run-vm.sh. Every result becomes one line of
# $VSVM_RESULTS/results.txt:
#
#   RESULT <suite> <name> PASS|FAIL|SKIP
#
# KUnit's KTAP output is saved per suite under $VSVM_RESULTS/kunit/ for the
# host to parse with the kernel's kunit.py.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${VSVM_BUILD:-$root/build}
out=${VSVM_RESULTS:?run me inside the guest (run-vm.sh)}
results=$out/results.txt
: >"$results"

result() { echo "RESULT $1 $2 $3" | tee -a "$results"; }
step() { printf '\n==== %s\n' "$*"; }

step "kernel $(uname -r)"
grep -E '^(MemTotal|SwapTotal)' /proc/meminfo
numactl_nodes=$(ls -d /sys/devices/system/node/node* 2>/dev/null | wc -l)
echo "NUMA nodes: $numactl_nodes"

step "load vsvm"
if modprobe vsvm && nodes=$(ls /dev/dri/renderD* 2>/dev/null); then
	result driver load PASS
	echo "render nodes: $nodes"
else
	result driver load FAIL
fi

step "KUnit"
mkdir -p "$out/kunit"
if modprobe vsvm_kunit; then
	for dir in /sys/kernel/debug/kunit/vsvm-*; do
		[ -e "$dir/results" ] || continue
		cp "$dir/results" "$out/kunit/$(basename "$dir").ktap"
		echo "saved KTAP of $(basename "$dir")"
	done
	# rmmod, not modprobe -r: that would unload vsvm with it.
	rmmod vsvm_kunit || result kunit unload FAIL
else
	result kunit load FAIL
fi

step "IGT"
testlist=$root/igt-tests/vsvm.testlist
igt_status=0
"$root/igt-tests/run-testlist.sh" "$build/igt" "$testlist" >"$out/igt.log" 2>&1 || igt_status=$?
cat "$out/igt.log"
grep '^RESULT ' "$out/igt.log" >>"$results"
# Every entry must have reported, and a failing runner must show as a failure.
entries=$(grep -c '^igt@' "$testlist")
reported=$(grep -c '^RESULT igt ' "$out/igt.log")
[ "$entries" = "$reported" ] || result igt "all-entries-reported($reported/$entries)" FAIL
if [ "$igt_status" != 0 ] && ! grep -q '^RESULT igt .* FAIL$' "$out/igt.log"; then
	result igt runner FAIL
fi

step "the kernel's hmm-tests (test_hmm) with vsvm loaded: two DEVICE_PRIVATE owners side by side"
if [ -x "$build/test-results/hmm-tests" ] && modprobe test_hmm; then
	"$build/test-results/hmm-tests" >"$out/hmm-tests.log" 2>&1
	grep -E '^# (Totals|PASSED|FAILED)' "$out/hmm-tests.log"
	# kselftest TAP: "ok N name", "ok N name # SKIP why", "not ok N name".
	sed -n -e 's/^ok [0-9]* \([^ ]*\) # SKIP.*/RESULT hmm-tests \1 SKIP/p' \
		-e '/# SKIP/!s/^ok [0-9]* \([^ ]*\).*/RESULT hmm-tests \1 PASS/p' \
		-e 's/^not ok [0-9]* \([^ ]*\).*/RESULT hmm-tests \1 FAIL/p' "$out/hmm-tests.log" >>"$results"
	grep -q '^# Totals' "$out/hmm-tests.log" || result hmm-tests run FAIL
	# test_hmm stays loaded: its removal in 6.12 leaks its devices' names
	# (kmemleak would report that as a splat of this run).
else
	result hmm-tests run FAIL
fi

step "UMD device tests"
VSVM_REQUIRE_DEVICE=1 "$build/umd/bin/vsvm_device_tests" --gtest_output="xml:$out/umd-device.xml"
if [ -f "$out/umd-device.xml" ]; then
	"$root/tools/vm/gtest-results.sh" umd-device "$out/umd-device.xml" >>"$results"
else
	result umd-device run FAIL
fi

step "OpenCL ICD on the device (the loader pointed at the build tree's vsvm.icd)"
# The front end's output from the cache test.sh filled on the host (clang
# under TCG takes 20 to 60 s a program); the back end compiles here.
OCL_ICD_VENDORS="$build/umd/opencl/vendors" VSVM_OPENCL_BACKEND=device \
	VSVM_OPENCL_CACHE_DIR=$build/test-results/opencl-cache \
	"$build/umd/bin/vsvm_opencl_tests" --gtest_output="xml:$out/opencl-device.xml"
if [ -f "$out/opencl-device.xml" ]; then
	"$root/tools/vm/gtest-results.sh" opencl-device "$out/opencl-device.xml" >>"$results"
else
	result opencl-device run FAIL
fi

step "OpenCL examples on the device: a list and a tree in malloc'd memory, saxpy"
# Their programs come from the cache test.sh filled on the host.
for example in "opencl-svm-pointers --nodes 3000 --queries 1000" "opencl-saxpy --mib 1 --reps 3"; do
	name=${example%% *}
	# shellcheck disable=SC2086
	if OCL_ICD_VENDORS="$build/umd/opencl/vendors" VSVM_OPENCL_BACKEND=device \
		VSVM_OPENCL_CACHE_DIR=$build/test-results/opencl-cache "$build/umd/bin/"$example \
		>"$out/$name-device.txt" 2>&1; then
		result opencl-examples-device "$name" PASS
	else
		result opencl-examples-device "$name" FAIL
	fi
	tail -n 1 "$out/$name-device.txt"
done

step "clinfo on the device (the ICD's device backend)"
if OCL_ICD_VENDORS="$build/umd/opencl/vendors" VSVM_OPENCL_BACKEND=device \
	sh "$root/umd/tests/opencl/clinfo_check.sh" clinfo >"$out/clinfo-device.txt" 2>&1; then
	result opencl-device clinfo PASS
else
	result opencl-device clinfo FAIL
fi
tail -n 1 "$out/clinfo-device.txt"

step "piglit OpenCL tests, fast subset, on the device (programs from the host run's cache)"
# The build tests only compile: the host's emulator run has them.
grep -v '^program@build@' "$root/umd/tests/opencl/piglit-cl-fast.txt" >"$out/piglit-cl-fast-device.txt"
VSVM_OPENCL_BACKEND=device PIGLIT_TEST_LIST=$out/piglit-cl-fast-device.txt \
	VSVM_OPENCL_CACHE_DIR=$build/test-results/opencl-cache \
	"$root/tools/piglit-cl.sh" run vsvm "$out/piglit-cl" fast 2>&1 | tail -n 1
if [ -f "$out/piglit-cl/results.csv" ]; then
	"$root/tools/piglit-cl.sh" check "$out/piglit-cl" piglit-cl-device >>"$results"
else
	result piglit-cl-device run FAIL
fi

step "SPIR-V corpus on the device (programs compiled on the host, oracles recorded there)"
corpus=$build/test-results/corpus
for src in opencl glsl; do
	oracle=pocl
	[ "$src" = glsl ] && oracle=lavapipe
	"$build/umd/bin/vsvm-difftest" --corpus "$root/umd/corpus" --all --seed 1 --backend device \
		--source $src --programs "$corpus/programs" --compare "$corpus/$oracle" \
		>"$out/corpus-$src.log" 2>&1
	tail -n 1 "$out/corpus-$src.log"
	sed -n -e "s/^PASS \([^:]*\):.*/RESULT corpus-device-$src \1 PASS/p" \
		-e "s/^FAIL \([^:]*\):.*/RESULT corpus-device-$src \1 FAIL/p" \
		-e "s/^SKIP \([^:]*\):.*/RESULT corpus-device-$src \1 SKIP/p" "$out/corpus-$src.log" >>"$results"
	grep -q ' agreed, .* disagreed' "$out/corpus-$src.log" || result "corpus-device-$src" run FAIL
done

# Hostile input and the soak: their summary lines ("fuzz:", "soak:") go to
# the log, their results to results.txt.
step "fuzz: vsvm-fuzz, seed 1, fixed count (about a minute)"
"$root/tools/vm/stress-guest.sh" fuzz --seed 1 --count 48000 | tee -a "$results"

step "soak: vsvm-soak, 2 minutes"
"$root/tools/vm/stress-guest.sh" soak --seed 1 --duration 120 | tee -a "$results"

step "two devices (num_devices=2): one address space, two device memories"
if modprobe -r vsvm && modprobe vsvm num_devices=2; then
	"$root/igt-tests/run-testlist.sh" "$build/igt" "$root/igt-tests/vsvm-two-devices.testlist" \
		>"$out/igt-two-devices.log" 2>&1
	cat "$out/igt-two-devices.log"
	grep '^RESULT ' "$out/igt-two-devices.log" >>"$results"
	entries=$(grep -c '^igt@' "$root/igt-tests/vsvm-two-devices.testlist")
	reported=$(grep -c '^RESULT igt ' "$out/igt-two-devices.log")
	[ "$entries" = "$reported" ] || result igt "two-devices-reported($reported/$entries)" FAIL
else
	result two-devices load FAIL
fi

step "unload vsvm"
if modprobe -r vsvm; then
	result driver unload PASS
else
	result driver unload FAIL
fi
exit 0
