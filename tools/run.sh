#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `make run`: install and build what is missing, boot a guest and run the
# demo in it (tools/vm/demo.sh).
set -euo pipefail
source "$(dirname "$0")/vm/common.sh"
cd "$VSVM_ROOT"
build=${VSVM_BUILD:-$VSVM_ROOT/build}

tools/deps.sh
make -s -C "$VSVM_ROOT" build
tools/vm/run-vm.sh --show --results "$build/demo" --timeout "${VSVM_GUEST_TIMEOUT:-900}" \
	-- tools/vm/demo.sh
