#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Install the Debian packages of tools/packages.txt that are missing.
# Needs root (or sudo) on Debian bookworm; does nothing when all are there.
set -euo pipefail
source "$(dirname "$0")/vm/common.sh"

mapfile -t wanted < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$VSVM_ROOT/tools/packages.txt")
missing=()
for pkg in "${wanted[@]}"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$pkg")
done
# The kernel source is pinned: a newer linux-source-6.12 is a different kernel.
if dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null | grep -qvxF "$KERNEL_PKG_VERSION"; then
	missing+=("linux-source-6.12")
fi
[ ${#missing[@]} -gt 0 ] || exit 0

sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
pkgs=()
for pkg in "${missing[@]}"; do
	case "$pkg" in
	linux-source-6.12) pkgs+=("linux-source-6.12=$KERNEL_PKG_VERSION") ;;
	*) pkgs+=("$pkg") ;;
	esac
done
vsvm_log "installing: ${pkgs[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends --allow-downgrades "${pkgs[@]}"
