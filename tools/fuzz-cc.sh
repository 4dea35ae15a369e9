#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make fuzz-cc: differential fuzzing of the vsvm compiler on the host. The
# generator (umd/fuzz-cc/clgen.h) writes well-defined OpenCL C programs; each
# is compiled by the vsvm front and back ends and run on the host emulator
# (the driver's own interpreter), and run on PoCL; the outputs must agree.
#
#   DURATION  seconds, or with an m or h suffix (default 10m)
#   SEED      the first program's seed (default: the time)
#   OUT       where programs with disagreements or errors go
#             (default $VSVM_BUILD/fuzz-cc)
#
# Ends with vsvm-fuzz-cc's line "programs N, disagreements D, compile errors
# E (by reason: ...)"; exits 1 on any disagreement.
set -euo pipefail
source "$(dirname "$0")/vm/common.sh"
build=${VSVM_BUILD:-$VSVM_ROOT/build}
duration=${DURATION:-10m}
case $duration in
*h) seconds=$((${duration%h} * 3600)) ;;
*m) seconds=$((${duration%m} * 60)) ;;
*s) seconds=${duration%s} ;;
*) seconds=$duration ;;
esac
seed=${SEED:-$(date +%s)}
out=${OUT:-$build/fuzz-cc}
vsvm_log "vsvm-fuzz-cc: ${seconds}s from seed $seed, emulator vs PoCL; programs with problems go to $out"
exec "$build/umd/bin/vsvm-fuzz-cc" --seed "$seed" --duration "$seconds" --emu --pocl --out "$out"
