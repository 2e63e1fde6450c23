#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (or reuse) the cached test kernel. Usage: kernel.sh debug|bench|intree
# (intree: the debug kernel with the Rust core placed in the source by scripts/intree.sh and
# built in; its source copy is refreshed and rebuilt incrementally on every call).
# Prints the build directory on stdout. The cache key covers the source
# version, the config fragments and the toolchain, so a module-only change
# never rebuilds the kernel.
set -euo pipefail
. "$(dirname "$0")/env.sh"
flavour=${1:-debug}
[ -f "$TOP/config/$flavour.config" ] || die "no config/$flavour.config"
[ -f "$SRC_TARBALL" ] || die "$SRC_TARBALL missing: run scripts/deps.sh (linux-source-7.3 from trixie-backports)"

ver=$(stat -c %s-%Y "$SRC_TARBALL")
src=$CACHE/src-$ver/linux-source-7.3
if [ ! -f "$src/Makefile" ]; then
	log "unpacking $SRC_TARBALL"
	rm -rf "$CACHE/src-$ver"; mkdir -p "$CACHE/src-$ver"
	tar -C "$CACHE/src-$ver" -xf "$SRC_TARBALL"
fi
frags=("$TOP/config/base.config" "$TOP/config/$flavour.config")
[ "$flavour" = intree ] && frags=("$TOP/config/base.config" "$TOP/config/debug.config" "$TOP/config/intree.config")
if [ "$flavour" = intree ]; then
	# A hard-linked copy of the pristine source; intree.sh replaces files rather than editing them.
	isrc=$CACHE/src-$ver-intree/linux-source-7.3
	[ -f "$isrc/Makefile" ] || { mkdir -p "${isrc%/*}"; cp -al "$src" "$isrc"; }
	bash "$TOP/scripts/intree.sh" apply "$isrc"
	src=$isrc
fi
key=$( { echo "$ver"; cat "${frags[@]}";
	/usr/bin/rustc --version; clang-19 --version | head -1; "${KMAKE_TOOLS[3]#BINDGEN=}" --version; } |
	sha256sum | cut -c1-12)
obj=$CACHE/kbuild-$flavour-$key
if [ -f "$obj/.mdev-rs-ok" ] && [ "$flavour" != intree ]; then echo "$obj"; exit 0; fi

mkdir -p "$obj"
cat "${frags[@]}" > "$obj/.config"
mk=(make -C "$src" O="$obj" "${KMAKE_TOOLS[@]}" -j"$(nproc)")
"${mk[@]}" -s olddefconfig >"$obj/config.log" 2>&1 || { cat "$obj/config.log" >&2; die "olddefconfig failed"; }
# Every fragment line (the last one for a symbol) must survive olddefconfig.
bad=0
declare -A last
while IFS= read -r l; do case "$l" in CONFIG_*) last[${l%%=*}]=$l ;; esac; done < <(cat "${frags[@]}")
while IFS= read -r l; do
	case "$l" in CONFIG_*=n) s=${l%=n}; grep -q "^$s=" "$obj/.config" && { echo "config: $s is set, wanted n" >&2; bad=1; } ;;
	CONFIG_*) grep -qx "$l" "$obj/.config" || { echo "config: wanted $l, got: $(grep "^${l%%=*}=\|${l%%=*} is not" "$obj/.config")" >&2; bad=1; } ;; esac
done < <(printf '%s\n' "${last[@]}")
[ $bad = 0 ] || die "Kconfig fragment not satisfied (see above)"

log "building $flavour kernel in $obj (about 12 min on 2 cores)"
if ! "${mk[@]}" all >"$obj/build.log" 2>&1; then
	grep -E -B2 -A6 'error(\[E[0-9]+\])?:|Error [0-9]|\*\*\*' "$obj/build.log" | head -60 >&2
	die "kernel build failed; full log: $obj/build.log"
fi
touch "$obj/.mdev-rs-ok"
echo "$obj"
