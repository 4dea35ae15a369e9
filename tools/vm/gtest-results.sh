#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Turn a GoogleTest XML report (or CTest JUnit output) into RESULT lines.
#
#   tools/vm/gtest-results.sh SUITE REPORT.xml
set -euo pipefail
suite=$1 report=$2
python3 - "$suite" "$report" <<'PY'
import sys
import xml.etree.ElementTree as ET

suite, report = sys.argv[1], sys.argv[2]
for case in ET.parse(report).getroot().iter("testcase"):
    # GoogleTest names cases Suite.Test in classname/name; CTest's JUnit
    # repeats the full name in both.
    classname, name = case.get("classname"), case.get("name")
    name = name if classname == name else f"{classname}.{name}"
    if case.find("failure") is not None or case.find("error") is not None:
        status = "FAIL"
    elif case.get("result") == "skipped" or case.find("skipped") is not None:
        status = "SKIP"
    elif case.get("status") == "notrun":
        status = "SKIP"
    else:
        status = "PASS"
    print(f"RESULT {suite} {name} {status}")
PY
