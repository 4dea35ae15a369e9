#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Parse the KTAP files saved by guest-tests.sh (one per suite, as KUnit's
# debugfs gives them) with the kernel tree's kunit.py and print RESULT lines.
# Every suite defined under kunit/ must have run: a missing one is a failure.
#
#   tools/vm/kunit-results.sh KTAP_DIR
set -uo pipefail
source "$(dirname "$0")/common.sh"
dir=${1:?usage: kunit-results.sh KTAP_DIR}
kunit_py=$KERNEL_SRC/tools/testing/kunit/kunit.py

mapfile -t suites < <(sed -n 's/^\s*\.name = "\(vsvm-[a-z0-9-]*\)",.*/\1/p' "$VSVM_ROOT"/kunit/*.c | sort -u)
[ ${#suites[@]} -gt 0 ] || echo "RESULT kunit suites-defined FAIL"
for suite in "${suites[@]}"; do
	ktap=$dir/$suite.ktap
	if [ ! -s "$ktap" ]; then
		echo "RESULT kunit $suite FAIL"
		echo "[vsvm] KUnit suite $suite did not run" >&2
		continue
	fi
	# kunit.py needs absolute paths; it exits non-zero when a test failed,
	# which the per-case statuses below report.
	python3 "$kunit_py" parse --json="$(realpath "$ktap").json" "$(realpath "$ktap")" \
		>"$ktap.parse.log" 2>&1
	python3 - "$ktap.json" <<'PY'
import json
import sys

def walk(group, path):
    count = 0
    for case in group.get("test_cases", []):
        status = {"PASS": "PASS", "SKIP": "SKIP"}.get(case["status"], "FAIL")
        print(f"RESULT kunit {'.'.join(path + [case['name']])} {status}")
        count += 1
    for sub in group.get("sub_groups", []):
        count += walk(sub, path + [sub["name"]])
    return count

try:
    with open(sys.argv[1]) as f:
        root = json.load(f)
except (OSError, ValueError) as err:
    print(f"RESULT kunit {sys.argv[1]} FAIL")
    sys.exit(0)
if walk(root, []) == 0:
    print(f"RESULT kunit {sys.argv[1]} FAIL")
PY
done
