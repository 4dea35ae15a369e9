#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The in-guest part of distro-check.sh, run by run-vm.sh on a distribution
# kernel: load the modules vsvm.ko depends on with modprobe (the kernel's own,
# from the host's /lib/modules), insmod the out-of-tree vsvm.ko, check that a
# render node of driver vsvm appears, open it and read one parameter with
# PROBE (distro-open.c), and rmmod vsvm.
#
#   tools/vm/distro-guest.sh VSVM_KO PROBE
#
# Every result becomes one line of the output and of $VSVM_RESULTS/results.txt:
#
#   RESULT distro load|open|unload PASS|FAIL|SKIP
#
# Exit status 1 when one is FAIL.
set -uo pipefail
usage="usage: distro-guest.sh VSVM_KO PROBE"
ko=${1:?$usage}
probe=${2:?$usage}
out=${VSVM_RESULTS:?run me inside the guest (run-vm.sh)}
results=$out/results.txt
: >"$results"
failed=0

result() {
	echo "RESULT distro $1 $2" | tee -a "$results"
	[ "$2" != FAIL ] || failed=1
}

# The /dev path of the render node whose device is bound to vsvm.
vsvm_render_node() {
	local node driver
	for node in /sys/class/drm/renderD*; do
		driver=$(readlink -f "$node/device/driver") || continue
		if [ "${driver##*/}" = vsvm ]; then
			echo "/dev/dri/${node##*/}"
			return 0
		fi
	done
	return 1
}

echo "kernel $(uname -r), vsvm.ko: $(modinfo -F vermagic "$ko")"

deps=$(modinfo -F depends "$ko")
loaded=0 node=""
# shellcheck disable=SC2086 # one word per module
if [ -n "$deps" ] && ! modprobe -a ${deps//,/ }; then
	echo "cannot load the dependencies of vsvm: $deps"
	result load FAIL
elif ! insmod "$ko"; then
	result load FAIL
else
	loaded=1
	if node=$(vsvm_render_node) && [ -c "$node" ]; then
		echo "render node $node"
		result load PASS
	else
		echo "no render node of driver vsvm: $(ls /sys/class/drm 2>&1)"
		node=""
		result load FAIL
	fi
fi

if [ -z "$node" ]; then
	result open SKIP
elif "$probe" "$node"; then
	result open PASS
else
	result open FAIL
fi

if [ "$loaded" = 0 ]; then
	result unload SKIP
elif rmmod vsvm && ! vsvm_render_node >/dev/null; then
	result unload PASS
else
	result unload FAIL
fi

exit "$failed"
