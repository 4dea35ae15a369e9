#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `make dkms-deb`: build the vsvm-dkms Debian package with debhelper and
# dh_dkms from packaging/dkms/ (debian/ and dkms.conf) and the driver's
# sources (driver/, uapi/, kunit/, Kconfig, as distro-kernel.sh copies them
# for an out-of-tree build).
#
# Prints the path of the .deb on stdout: $VSVM_BUILD/dkms/vsvm-dkms_VERSION_all.deb.
# Needs the packages of tools/packages.txt (dkms, debhelper, dh-dkms).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
source "$(dirname "$0")/vm/common.sh"
source "$(dirname "$0")/vm/distro-kernel.sh"

out=${VSVM_BUILD:-$VSVM_ROOT/build}/dkms
stage=$out/vsvm
rm -rf "$out"
mkdir -p "$stage"
distro_sources | tar -C "$stage" -x
cp -r "$VSVM_ROOT/packaging/dkms/debian" "$VSVM_ROOT/packaging/dkms/dkms.conf" "$stage/"
# dpkg-buildpackage writes the package next to the source directory.
(cd "$stage" && dpkg-buildpackage -b -us -uc >"$out/build.log" 2>&1) || {
	tail -n 30 "$out/build.log" >&2
	vsvm_die "building vsvm-dkms failed (log: $out/build.log)"
}
ls "$out"/vsvm-dkms_*_all.deb
