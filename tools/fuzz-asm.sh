#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build the assembler/disassembler fuzzer (umd/tests/fuzz, clang with
# libFuzzer, ASan and UBSan) and run it for FUZZ_TIME seconds (default 30)
# with a fixed seed. Exits non-zero on a crash, a sanitizer report or a
# broken round trip; the crashing input is left in $VSVM_BUILD/fuzz-asm/.
#
#   tools/fuzz-asm.sh                  # what `make test` runs
#   make fuzz-asm FUZZ_TIME=600        # longer
#
# The seeds are umd/tests/fuzz/corpus and the example kernels; what the run
# discovers goes to $VSVM_BUILD/fuzz-asm/corpus, outside the clone.
set -euo pipefail
source "$(dirname "$0")/vm/common.sh"
cd "$VSVM_ROOT"

build=${VSVM_BUILD:-$VSVM_ROOT/build}/fuzz-asm
fuzz_time=${FUZZ_TIME:-30}
seed=${FUZZ_SEED:-1}

CXX=${FUZZ_CXX:-clang++} JOBS=${JOBS:-2} tools/cmake-build.sh umd/tests/fuzz "$build" \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo

mkdir -p "$build/corpus" "$build/artifacts"
vsvm_log "fuzzing the assembler for ${fuzz_time}s (seed $seed)"
"$build/vsvm_isa_fuzzer" -seed="$seed" -max_total_time="$fuzz_time" -max_len=1024 \
	-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$build/artifacts/" \
	"$build/corpus" umd/tests/fuzz/corpus umd/examples/kernels
