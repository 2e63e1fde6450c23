#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (or reuse) a cached test kernel. Usage: kernel.sh debug|ref|bench|intree
#   debug   sanitizers (config/debug.config): our core's runs
#   ref     no sanitizers, fault injection (config/ref.config): upstream's runs in make check
#   bench   no sanitizers (config/bench.config): make bench
#   intree  debug with our core built in (config/intree.config), built from the tip of the
#           in-tree series (scripts/series.sh) in its git tree; every call writes the series to
#           $OUT/series, checks it (TAP in $OUT/series.tap: git am, checkpatch, each prefix
#           built) and rebuilds incrementally.
# Prints the build directory on stdout. The other flavours build from one source tree
# (build_src in env.sh). The cache key covers the source version, the config fragments and
# the toolchain: a module-only change never rebuilds a kernel.
set -euo pipefail
. "$(dirname "$0")/env.sh"
flavour=${1:-debug}
[ -f "$TOP/config/$flavour.config" ] || die "no config/$flavour.config"
[ -f "$SRC_TARBALL" ] || die "$SRC_TARBALL missing: run scripts/deps.sh (linux-source-$KVER from trixie-backports)"
[ "$KVER" = 7.3 ] || [ "$flavour" = debug ] || die "only the debug kernel is built for $KVER"

tree=$(build_src)
ver=${tree%/*}; ver=${ver##*/src-}	# the tarball's size and time, part of the cache key
if [ ! -f "$tree/Makefile" ]; then
	log "unpacking $SRC_TARBALL"
	rm -rf "$tree"; mkdir -p "${tree%/*}"
	tar -C "${tree%/*}" -xf "$SRC_TARBALL"
fi

frags() {	# frags FLAVOUR: its config fragments
	echo "$TOP/config/base.config"
	[ "$1" = intree ] && echo "$TOP/config/debug.config"
	echo "$TOP/config/$1.config"
}
key() {	# key FLAVOUR
	{ echo "$ver"; [ "$1" = intree ] && echo series; cat $(frags "$1"); /usr/bin/rustc --version
		clang-19 --version | head -1; "${KMAKE_TOOLS[3]#BINDGEN=}" --version; } | sha256sum | cut -c1-12
}
mapfile -t frags < <(frags "$flavour")
obj=$CACHE/kbuild-$flavour-$([ "$KVER" = 7.3 ] || echo "$KVER-")$(key "$flavour")
if [ -f "$obj/.mdev-rs-ok" ] && [ "$flavour" != intree ]; then echo "$obj"; exit 0; fi

mkdir -p "$obj"
if [ "$flavour" = intree ]; then
	tree=$(series_git)
	bash "$TOP/scripts/series.sh" gen "$OUT/series" >/dev/null
	cat "${frags[@]}" >"$obj/fragments.config"
	bash "$TOP/scripts/series.sh" check "$OUT/series" "$obj" >"$OUT/series.tap"
fi
cat "${frags[@]}" > "$obj/.config"
mk=(make -C "$tree" O="$obj" "${KMAKE_TOOLS[@]}" -j"$(nproc)")
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

# The series check built the tip last, with these fragments.
if [ "$flavour" = intree ] && [ "$(cat "$obj/.series-current" 2>/dev/null)" = "$(git -C "$tree" rev-parse HEAD^{tree})" ]; then
	echo "$obj"; exit 0
fi
[ -f "$obj/vmlinux" ] || log "building $flavour kernel in $obj (about 10 min on 2 cores)"
if ! "${mk[@]}" all >"$obj/build.log" 2>&1; then
	grep -E -B2 -A6 'error(\[E[0-9]+\])?:|Error [0-9]|\*\*\*' "$obj/build.log" | head -60 >&2
	die "kernel build failed; full log: $obj/build.log"
fi
touch "$obj/.mdev-rs-ok"
[ "$flavour" = intree ] && git -C "$tree" rev-parse HEAD^{tree} >"$obj/.series-current"
echo "$obj"
