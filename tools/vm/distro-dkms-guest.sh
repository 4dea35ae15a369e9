#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The in-guest part of distro-check.sh's DKMS check, run by run-vm.sh on
# Debian's kernel after the vsvm-dkms package was installed on the host: load
# the vsvm.ko DKMS built (modprobe finds it under updates/dkms of the host's
# /lib/modules), run a few IGT subtests on it, and rmmod it.
#
#   tools/vm/distro-dkms-guest.sh IGT_DIR
#
# Every result becomes one line of the output and of $VSVM_RESULTS/results.txt:
#
#   RESULT distro dkms-load|igt@<binary>@<subtest>|dkms-unload PASS|FAIL|SKIP
#
# Exit status 1 when one is FAIL.
set -uo pipefail
igt=${1:?usage: distro-dkms-guest.sh IGT_DIR}
results=${VSVM_RESULTS:?run me inside the guest (run-vm.sh)}/results.txt
: >"$results"
failed=0
subtests=(vsvm_basic@get-param vsvm_svm@malloc-small vsvm_svm@munmap-whole)

result() {
	echo "RESULT distro $1 $2" | tee -a "$results"
	[ "$2" != FAIL ] || failed=1
}

path=$(modinfo -n vsvm 2>&1)
echo "kernel $(uname -r), modprobe vsvm loads $path"
loaded=0
case "$path" in
*/updates/dkms/*)
	if modprobe vsvm; then
		loaded=1
		result dkms-load PASS
	else
		result dkms-load FAIL
	fi
	;;
*)
	echo "no DKMS-built vsvm.ko for $(uname -r)"
	result dkms-load FAIL
	;;
esac

for test in "${subtests[@]}"; do
	binary=${test%@*} subtest=${test#*@}
	if [ "$loaded" = 0 ] || [ ! -x "$igt/$binary" ]; then
		result "igt@$test" SKIP
		continue
	fi
	# IGT's status: 0 passed, 77 skipped, anything else failed.
	"$igt/$binary" --run-subtest "$subtest"
	case $? in
	0) result "igt@$test" PASS ;;
	77) result "igt@$test" SKIP ;;
	*) result "igt@$test" FAIL ;;
	esac
done

if [ "$loaded" = 0 ]; then
	result dkms-unload SKIP
elif rmmod vsvm; then
	result dkms-unload PASS
else
	result dkms-unload FAIL
fi
exit "$failed"
