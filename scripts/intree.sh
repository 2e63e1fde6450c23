#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Place the Rust mdev core into a kernel source tree as drivers/vfio/mdev/rust/, with
# Kconfig symbol VFIO_MDEV_RUST: when set, the Rust core implements VFIO_MDEV instead of the
# C one (so the two are exclusive by construction) and is built in. The mtty_rs sample is
# built as a module along with the C mtty sample.
#   intree.sh apply KSRC         install into KSRC (idempotent; files are replaced, not edited)
#   intree.sh patch KSRC OUT     write a patch against the pristine KSRC (git apply / patch -p1);
#                                an empty KSRC means the tree that kernel.sh unpacked
set -euo pipefail
. "$(dirname "$0")/env.sh"
cmd=${1:-} ksrc=${2:-}
[ "$cmd" = patch ] && [ -z "$ksrc" ] && ksrc=$(pristine_src)
[ -f "$ksrc/drivers/vfio/mdev/mdev_core.c" ] || die "usage: intree.sh apply|patch KSRC [OUT]; KSRC must be a 7.3 source tree"

put() {	# put SRC DEST: replace DEST by a copy of SRC unless they are equal (keeps make's view)
	cmp -s "$1" "$2" || cp --remove-destination "$1" "$2"
}
install() {	# DEST_ROOT
	local d=$1/drivers/vfio/mdev f
	mkdir -p "$d/rust/samples" "$d/rust/rust/kernel" "$d/rust/rust/bindings"
	for f in "$d"/rust/*.rs "$d"/rust/*.[ch] "$d"/rust/rust/kernel/*.rs; do	# gone from the repo
		[ -e "$f" ] && [ ! -e "$TOP/${f#"$d"/rust/}" ] && rm -f "$f"
	done
	for f in "$TOP"/Kbuild "$TOP"/*.rs "$TOP"/mdev_abi.c; do
		put "$f" "$d/rust/${f##*/}"
	done
	for f in "$TOP"/rust/kernel/*.rs "$TOP"/rust/bindings/*.h; do
		put "$f" "$d/rust/${f#"$TOP"/}"
	done
	put "$TOP/samples/mtty_rs.rs" "$d/rust/samples/mtty_rs.rs"
	cat > "$d/Makefile.new" <<'EOM'
# SPDX-License-Identifier: GPL-2.0-only

ifdef CONFIG_VFIO_MDEV_RUST
obj-y += rust/
else
mdev-y := mdev_core.o mdev_sysfs.o mdev_driver.o

obj-$(CONFIG_VFIO_MDEV) += mdev.o
endif
EOM
	put "$d/Makefile.new" "$d/Makefile"; rm "$d/Makefile.new"
	cat > "$d/Kconfig.new" <<'EOM'
# SPDX-License-Identifier: GPL-2.0-only

config VFIO_MDEV
	tristate

config VFIO_MDEV_RUST
	bool "Mediated device core in Rust (mdev_rs)"
	depends on RUST && VFIO
	select VFIO_MDEV
	help
	  Build the VFIO mediated device core from its Rust implementation
	  instead of the C one, built into the kernel. It provides the same
	  C ABI (include/linux/mdev.h), sysfs files and MDEV_STATE uevents,
	  so C vendor drivers work unchanged. With SAMPLES, the Rust sample
	  vendor driver mtty_rs is built as a module.

	  If unsure, say N.

config VFIO_MDEV_RUST_KUNIT_TEST
	bool "KUnit tests of the Rust mdev core" if !KUNIT_ALL_TESTS
	depends on VFIO_MDEV_RUST && KUNIT=y
	default KUNIT_ALL_TESTS
	help
	  Build the KUnit suite mdev_rs into the Rust mdev core. It registers
	  test parents on faux devices, which send MDEV_STATE uevents, so it
	  is for test kernels only.

	  If unsure, say N.
EOM
	put "$d/Kconfig.new" "$d/Kconfig"; rm "$d/Kconfig.new"
}

case $cmd in
apply) install "$ksrc" ;;
patch)
	out=${3:?output file}
	tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/a/drivers/vfio" "$tmp/b/drivers/vfio"
	cp -r "$ksrc/drivers/vfio/mdev" "$tmp/a/drivers/vfio/"
	cp -r "$ksrc/drivers/vfio/mdev" "$tmp/b/drivers/vfio/"
	install "$tmp/b"
	(cd "$tmp" && diff -ruN a b > "$(realpath -m "$OLDPWD/$out")" || [ $? = 1 ])
	log "patch written to $out" ;;
*) die "usage: intree.sh apply|patch KSRC [OUT]" ;;
esac
