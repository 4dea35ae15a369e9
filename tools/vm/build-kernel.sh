#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build the guest kernel from Debian's linux-source-6.12 with vsvm in-tree.
#
#   tools/vm/build-kernel.sh [debug|release]
#
# The tree's drivers/gpu/drm/vsvm is a link to this clone's driver/ and its
# Kconfig is sourced from drivers/gpu/drm/Kconfig, so CONFIG_DRM_VSVM comes
# from the repository's root Kconfig. The configuration is allnoconfig plus
# tools/vm/<flavour>.config; the build fails if any option of the fragment is
# missing from the final .config (allnoconfig drops unmet options silently).
set -euo pipefail
KERNEL_FLAVOUR=${1:-${KERNEL_FLAVOUR:-debug}}
source "$(dirname "$0")/common.sh"

fragment=$VSVM_ROOT/tools/vm/$KERNEL_FLAVOUR.config
[ -f "$fragment" ] || vsvm_die "no config fragment $fragment"
# A fragment may start from another one: a first line "# base: NAME" puts
# tools/vm/NAME.config before it, and its own lines override the base's.
base=$(sed -n '1s/^# base: *\([a-z0-9_-]*\).*/\1/p' "$fragment")
[ -f "$KERNEL_TARBALL" ] || vsvm_die "$KERNEL_TARBALL missing: run tools/deps.sh"
vsvm_kernel_lock

# --- the source tree, extracted once and patched to know about vsvm ---
if [ ! -f "$KERNEL_SRC/.vsvm-prepared" ]; then
	vsvm_log "extracting $KERNEL_TARBALL"
	rm -rf "$KERNEL_SRC" "$KERNEL_SRC.tmp"
	mkdir -p "$KERNEL_SRC.tmp"
	tar -C "$KERNEL_SRC.tmp" --strip-components=1 -xf "$KERNEL_TARBALL"
	version=$(make -s -C "$KERNEL_SRC.tmp" kernelversion)
	[ "$version" = "$KERNEL_VERSION" ] ||
		vsvm_die "linux-source-6.12 is $version, expected $KERNEL_VERSION (pin: $KERNEL_PKG_VERSION)"
	printf '\nsource "drivers/gpu/drm/vsvm/Kconfig"\n' >>"$KERNEL_SRC.tmp/drivers/gpu/drm/Kconfig"
	printf '\nobj-$(CONFIG_DRM_VSVM) += vsvm/\n' >>"$KERNEL_SRC.tmp/drivers/gpu/drm/Makefile"
	touch "$KERNEL_SRC.tmp/.vsvm-prepared"
	mv "$KERNEL_SRC.tmp" "$KERNEL_SRC"
fi
# Local kernel patches (tools/vm/kernel-patches/*.patch, in name order), each
# applied once; a stamp names the patch and its hash, so a tree extracted
# before a patch existed gets it too. A patch that no longer applies is an
# error, never silently skipped.
for p in "$VSVM_ROOT"/tools/vm/kernel-patches/*.patch; do
	[ -e "$p" ] || continue
	stamp=$KERNEL_SRC/.vsvm-patch-$(basename "$p" .patch)-$(sha256sum "$p" | cut -c1-16)
	[ -f "$stamp" ] && continue
	if patch -d "$KERNEL_SRC" -p1 -R -s -f --dry-run <"$p" >/dev/null 2>&1; then
		vsvm_log "kernel patch $(basename "$p") already applied"
	else
		vsvm_log "applying kernel patch $(basename "$p")"
		patch -d "$KERNEL_SRC" -p1 -s -f --no-backup-if-mismatch <"$p" ||
			vsvm_die "kernel patch $(basename "$p") does not apply to $KERNEL_VERSION"
	fi
	touch "$stamp"
done
vsvm_kernel_link_driver

# --- configuration: regenerated only when the fragment changes ---
vsvm_ccache_env
kmake=(make -C "$KERNEL_SRC" O="$KERNEL_BUILD" -j"$(nproc)" CC="ccache gcc" HOSTCC="ccache gcc")
merged=$KERNEL_BUILD/.vsvm-fragment
mkdir -p "$KERNEL_BUILD"
cat ${base:+"$VSVM_ROOT/tools/vm/$base.config"} "$fragment" >"$merged.new"
# Contents only: the same fragment in another clone is the same configuration.
want=$(cat "$merged.new" "$VSVM_ROOT/Kconfig" | sha256sum | cut -d' ' -f1)
if [ ! -f "$KERNEL_BUILD/.config" ] || [ "$(cat "$KERNEL_BUILD/.vsvm-config-hash" 2>/dev/null)" != "$want" ]; then
	mv "$merged.new" "$merged"
	vsvm_log "configuring ($KERNEL_FLAVOUR): allnoconfig + $(basename "$fragment")${base:+ on $base.config}"
	"${kmake[@]}" -s KCONFIG_ALLCONFIG="$merged" allnoconfig
	# The last line naming an option wins, as in Kconfig.
	missing=0
	while IFS='=' read -r opt val; do
		if [ "$val" = n ]; then
			! grep -q "^$opt=" "$KERNEL_BUILD/.config" && continue
		else
			grep -qxF -- "$opt=$val" "$KERNEL_BUILD/.config" && continue
		fi
		got=$(grep -E "^$opt=|^# $opt is not set" "$KERNEL_BUILD/.config" || echo "absent")
		printf '[vsvm] config: asked for %s=%s, got %s\n' "$opt" "$val" "$got" >&2
		missing=1
	done < <(sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*\)=\(.*\)$/\1=\2/p' \
			-e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1=n/p' "$merged" |
		 awk -F= '{ last[$1] = $0 } END { for (k in last) print last[k] }')
	[ "$missing" = 0 ] || vsvm_die "the kernel configuration lacks options of $(basename "$fragment")"
	echo "$want" >"$KERNEL_BUILD/.vsvm-config-hash"
fi
rm -f "$merged.new"

# --- build ---
targets=${KERNEL_TARGETS:-bzImage modules}
vsvm_log "building kernel $KERNEL_VERSION ($KERNEL_FLAVOUR): $targets"
# shellcheck disable=SC2086
"${kmake[@]}" $targets
if [[ " $targets " == *" modules "* ]]; then
	rm -rf "$KERNEL_MODROOT.tmp"
	"${kmake[@]}" -s INSTALL_MOD_PATH="$KERNEL_MODROOT.tmp" modules_install
	rm -rf "$KERNEL_MODROOT"
	mv "$KERNEL_MODROOT.tmp" "$KERNEL_MODROOT"
fi
vsvm_log "kernel ready: $KERNEL_IMAGE"
