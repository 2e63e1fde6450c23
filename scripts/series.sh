#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The in-tree version as a `git format-patch` series against pristine 7.3.4 (series_git in
# env.sh, a git repository of SRC_TARBALL):
#   series.sh gen OUT        commit the series on top of v7.3.4 and write it, with a cover
#                            letter, to OUT; prints the commits
#   series.sh check OUT [OBJ]  TAP on stdout: `git am` of OUT onto v7.3.4 gives the committed
#                            tree, checkpatch.pl --strict passes each patch, and with OBJ each
#                            prefix builds there with the configuration OBJ/fragments.config;
#                            ends with the tip checked out
# The files are this repository's; in tree the abstractions are kernel crate modules, so
# `pub(crate)` becomes `pub`, `$crate::rust_kernel::` becomes `$crate::`, the core's
# `crate::rust_kernel::` becomes `kernel::`, and lines ending in `// out-of-tree only` go.
# The patch texts are intree/*.msg; every edit of an upstream file is made here.
set -euo pipefail
. "$(dirname "$0")/env.sh"
G=$(series_git)
export GIT_AUTHOR_NAME="mdev-rs developers" GIT_AUTHOR_EMAIL="mdev-rs@lists.example.org"
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
export GIT_AUTHOR_DATE="2026-12-01T00:00:00+00:00" GIT_COMMITTER_DATE="2026-12-01T00:00:00+00:00"

repo() {	# the repository of the pristine source, made once
	[ -d "$G/.git" ] && git -C "$G" rev-parse -q --verify v7.3.4 >/dev/null && return 0
	log "series: a git repository of $SERIES_TARBALL"
	rm -rf "${G%/*}"; mkdir -p "${G%/*}"
	tar -C "${G%/*}" -xf "$SERIES_TARBALL"
	git -C "$G" init -q
	git -C "$G" add -A -f	# the tarball's .gitignore ignores its top level
	git -C "$G" commit -q -m "Linux 7.3.4"
	git -C "$G" tag v7.3.4
}

worktree() {	# worktree NAME: a work tree of the repository at v7.3.4, clean, kept between runs
	local d=${G%/*}/$1
	if [ -e "$d/.git" ]; then
		git -C "$d" am --abort >/dev/null 2>&1 || true
		git -C "$d" checkout -q -f --detach v7.3.4 && git -C "$d" clean -q -fdx
	else
		git -C "$G" worktree prune; rm -rf "$d"
		git -C "$G" worktree add -q --detach "$d" v7.3.4
	fi
	echo "$d"
}

# Placing files into the work tree W.
abs() {	# abs NAME: rust/kernel/NAME, a kernel crate module
	sed -e '/\/\/ out-of-tree only$/d' -e 's/pub(crate)/pub/g' -e 's/\$crate::rust_kernel::/$crate::/g' \
		-e 's/^use kernel::/use crate::/' "$TOP/rust/kernel/$1" >"$W/rust/kernel/$1"
}
core() {	# core SRC DEST: a file of the core or of a driver crate
	mkdir -p "$(dirname "$W/$2")"
	sed -e '/\/\/ out-of-tree only$/d' -e 's/crate::rust_kernel::/kernel::/g' \
		-e 's/^use mdev::/use kernel::mdev::/' "$TOP/$1" >"$W/$2"
}
SECTION="VFIO MEDIATED DEVICE CORE [RUST]"
export SECTION
edit() {	# edit FILE PYTHON: run PYTHON with s, the text of FILE, and write s back
	python3 - "$W/$1" "$2" <<'EOF'
import sys
import os
f, code = sys.argv[1], sys.argv[2]
SECTION = os.environ["SECTION"] + "\n"
s = open(f).read()
def after(anchor, text):
    global s
    assert anchor in s, (f, anchor)
    i = s.index(anchor) + len(anchor)
    s = s[:i] + text + s[i:]
def before(anchor, text):
    global s
    assert anchor in s, (f, anchor)
    i = s.index(anchor)
    s = s[:i] + text + s[i:]
def addf(path):	# an F: line of the MAINTAINERS section SECTION, in order
    global s
    i = s.index(SECTION)
    j = s.index("\n\n", i)
    lines = s[i:j].split("\n")
    fl = sorted([l for l in lines if l.startswith("F:")] + ["F:\t" + path])
    lines = [l for l in lines if not l.startswith("F:")] + fl
    s = s[:i] + "\n".join(lines) + s[j:]
def addmod(name, cfg=""):	# `pub mod name;` in rust/kernel/lib.rs, in order
    global s
    lines = s.split("\n")
    for i, l in enumerate(lines):
        if l.startswith("pub mod ") and l[8:-1] > name:
            while lines[i - 1].startswith("#["):
                i -= 1
            lines[i:i] = ([cfg] if cfg else []) + ["pub mod " + name + ";"]
            break
    s = "\n".join(lines)
exec(code)
open(f, "w").write(s)
EOF
}
commit() {	# commit MSG: commit the work tree with intree/MSG
	git -C "$W" add -A -f	# the tarball's .gitignore ignores its top level
	git -C "$W" commit -q -F "$TOP/intree/$1"
}

patches() {
	git -C "$W" apply "$TOP/intree/01-driver-core-class-links.diff"
	commit 01-driver-core-class-links.msg

	edit rust/bindings/bindings_helper.h 'after("#include <linux/jump_label.h>\n", "#include <linux/kmemleak.h>\n"); before("#include <linux/mdio.h>\n", "#include <linux/mdev.h>\n")'
	commit 02-rust-bindings-mdev.msg

	git -C "$W" apply "$TOP/intree/03-rust-module-initcall.diff"
	commit 03-rust-module-initcall.msg

	abs kobject.rs
	{ echo; sed 's/pub(crate)/pub/g' "$TOP/intree/kobject-class-links.rs"; } >>"$W/rust/kernel/kobject.rs"
	edit rust/kernel/lib.rs 'addmod("kobject")'
	edit MAINTAINERS 'before("VFIO MEDIATED DEVICE DRIVERS\n", SECTION + "M:\tmdev-rs developers <mdev-rs@lists.example.org>\nL:\tkvm@vger.kernel.org\nL:\trust-for-linux@vger.kernel.org\nS:\tMaintained\nF:\trust/kernel/kobject.rs\n\n")'
	commit 04-rust-kobject.msg

	abs gate.rs; abs live_count.rs
	edit rust/kernel/lib.rs 'addmod("gate"); addmod("live_count")'
	edit MAINTAINERS 'addf("rust/kernel/gate.rs"); addf("rust/kernel/live_count.rs")'
	commit 05-rust-gate-live-count.msg

	abs mdev_bus.rs; abs mdev_vendor.rs; abs mdev.rs
	edit rust/kernel/lib.rs 'addmod("mdev", "#[cfg(any(CONFIG_VFIO_MDEV = \"y\", CONFIG_VFIO_MDEV = \"m\"))]"); addmod("mdev_bus", "#[cfg(CONFIG_VFIO_MDEV_RUST)]"); addmod("mdev_vendor", "#[cfg(CONFIG_VFIO_MDEV_RUST)]")'
	edit MAINTAINERS 'addf("rust/kernel/mdev*.rs")'
	commit 06-rust-mdev.msg

	local f
	for f in "$TOP"/mdev_*.rs "$TOP"/mdev_abi.c; do core "${f#"$TOP"/}" "drivers/vfio/mdev/rust/${f##*/}"; done
	cat >"$W/drivers/vfio/mdev/rust/Makefile" <<-'EOM'
	# SPDX-License-Identifier: GPL-2.0-only
	obj-$(CONFIG_VFIO_MDEV) += mdev_rs.o
	mdev_rs-y := mdev_core.o mdev_abi.o
	EOM
	cp "$TOP/intree/kunitconfig" "$W/drivers/vfio/mdev/rust/.kunitconfig"
	edit drivers/vfio/mdev/Makefile 's = s.replace("mdev-y :=", "ifdef CONFIG_VFIO_MDEV_RUST\nobj-$(CONFIG_VFIO_MDEV) += rust/\nelse\nmdev-y :=").rstrip("\n") + "\nendif\n"'
	edit drivers/vfio/mdev/Kconfig "s = s.rstrip('\n') + '\n' + open('$TOP/intree/Kconfig.core').read()"
	edit MAINTAINERS 'addf("drivers/vfio/mdev/rust/")'
	commit 07-vfio-mdev-rust-core.msg

	core samples/mtty_rs.rs samples/vfio-mdev/mtty_rs.rs
	edit samples/vfio-mdev/Makefile 'after("obj-$(CONFIG_SAMPLE_VFIO_MDEV_MTTY) += mtty.o\n", "obj-$(CONFIG_SAMPLE_VFIO_MDEV_MTTY_RUST) += mtty_rs.o\n")'
	edit samples/Kconfig 'before("config SAMPLE_VFIO_MDEV_MDPY\n", open("'"$TOP"'/intree/Kconfig.sample").read())'
	edit MAINTAINERS 'addf("samples/vfio-mdev/mtty_rs.rs")'
	commit 08-samples-mtty-rs.msg

	cp "$TOP/Documentation/driver-api.rst" "$W/Documentation/driver-api/vfio-mediated-device-rust.rst"
	edit Documentation/driver-api/index.rst 'after("   vfio-mediated-device\n", "   vfio-mediated-device-rust\n")'
	edit MAINTAINERS 'addf("Documentation/driver-api/vfio-mediated-device-rust.rst")'
	commit 09-docs-mdev-rust.msg
}

gen() {	# gen OUT
	local out=$1
	repo
	W=$(worktree gen)
	patches
	git -C "$G" update-ref refs/heads/series "$(git -C "$W" rev-parse HEAD)"
	rm -rf "$out"; mkdir -p "$out"
	git -C "$W" format-patch -q --cover-letter --no-signature -o "$(realpath -m "$out")" v7.3.4..HEAD
	python3 - "$out"/0000-cover-letter.patch "$TOP/intree/cover-letter" <<'EOF'
import sys
f, c = sys.argv[1], open(sys.argv[2]).read().split("\n", 2)
s = open(f).read().replace("*** SUBJECT HERE ***", c[0]).replace("*** BLURB HERE ***", c[2].rstrip("\n"))
open(f, "w").write(s)
EOF
	git -C "$W" rev-list --reverse v7.3.4..HEAD
}

check() {	# check OUT OBJ: TAP lines, numbered from 1
	local out=$1 obj=$2 n=0 w p c tree t cnt
	repo
	local -a commits
	mapfile -t commits < <(git -C "$G" rev-list --reverse v7.3.4..series)
	ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
	w=$(mktemp -d); am=$(worktree am)
	git -C "$am" am -q $(ls "$out"/0*.patch | grep -v /0000-) >&2 || true
	# kunit.py takes the core's .kunitconfig: every option it names is in the configuration
	# (beside the checks below, in the tree git am made).
	(cd "$am" && python3 tools/testing/kunit/kunit.py config --arch=x86_64 \
		--kunitconfig=drivers/vfio/mdev/rust --build_dir="$w/kunit" \
		$(printf -- '--make_options %s ' "${KMAKE_TOOLS[@]}")) >"$w/kunit.log" 2>&1 &
	local kpid=$!
	[ "$(git -C "$am" rev-parse HEAD^{tree})" = "$(git -C "$G" rev-parse series^{tree})" ]
	ok $? "series: git am of the ${#commits[@]} patches onto v7.3.4 gives the committed tree"
	for p in $(ls "$out"/0*.patch | grep -v /0000-); do
		t=$(cd "$am" && perl scripts/checkpatch.pl --strict -q "$p" 2>&1 || true)
		cnt=$(echo "$t" | grep -cE '^(ERROR|WARNING|CHECK):' || true)
		[ "$cnt" = 0 ] || echo "$t" | sed 's/^/# /'
		ok "$cnt" "series: checkpatch.pl --strict ${p##*/}"
	done
	wait $kpid
	ok $? "series: kunit.py config --kunitconfig=drivers/vfio/mdev/rust succeeds"
	rm -rf "$w"
	# Each prefix, in order, built incrementally in OBJ; a built tree is remembered by its hash.
	[ -n "$obj" ] || return 0
	mkdir -p "$obj/.series-built"
	c=0
	for p in "${commits[@]}"; do
		c=$((c + 1)); tree=$(git -C "$G" rev-parse "$p^{tree}")
		if [ ! -f "$obj/.series-built/$tree" ]; then
			git -C "$G" checkout -q -f --detach "$p"
			cp "$obj/fragments.config" "$obj/.config"
			log "series: building patch $c of ${#commits[@]}"
			if make -C "$G" O="$obj" "${KMAKE_TOOLS[@]}" -j"$(nproc)" -s olddefconfig all \
					>"$obj/series-$c.log" 2>&1; then
				touch "$obj/.series-built/$tree"
				echo "$tree" >"$obj/.series-current"
			else
				grep -E -B2 -A6 'error(\[E[0-9]+\])?:|Error [0-9]' "$obj/series-$c.log" | head -30 | sed 's/^/# /' || true
			fi
		fi
		[ -f "$obj/.series-built/$tree" ]
		ok $? "series: the kernel builds with patches 1-$c ($(git -C "$G" log -1 --format=%s "$p"))"
	done
	git -C "$G" checkout -q -f --detach series
}

# One run at a time: the work trees and the branch `series` are shared.
mkdir -p "${G%/*}"
exec 9>"${G%/*}/series.lock"
flock 9
case ${1:-} in
gen) gen "${2:?usage: series.sh gen OUT}" ;;
check) check "${2:?usage: series.sh check OUT [OBJ]}" "${3:-}" ;;
*) die "usage: series.sh gen OUT | check OUT [OBJ]" ;;
esac
