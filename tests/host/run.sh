#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host-side tests, printed in the guest format so parse.py counts them.
# The harness self-test proves that failures, kernel reports and hung boots turn a run red.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
echo "@@boot host"
n=0
t() {	# t DESC CMD...
	n=$((n + 1))
	if "${@:2}" >/dev/null 2>&1; then echo "@@host: ok $n - $1"; else echo "@@host: not ok $n - $1"; fi
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf '@@boot x\n@@x/t: ok 1 - a\n@@x/t: ok 2 - b\n@@done x\n' > "$tmp/pass.log"
printf '@@boot x\n@@x/t: ok 1 - a\n@@x/t: not ok 2 - b\n@@done x\n' > "$tmp/fail.log"
printf '@@boot x\n@@x/t: ok 1 - a\n[  1.0] BUG: KASAN: slab-use-after-free in foo\n@@done x\n' > "$tmp/kasan.log"
printf '@@boot x\n@@x/t: ok 1 - a\n[  1.0] WARNING: CPU: 0 PID: 1 at lib/x.c:1 f+0x1/0x2\n@@done x\n' > "$tmp/warn.log"
printf '@@boot x\n@@x/t: ok 1 - a\n' > "$tmp/hang.log"
printf '@@boot x\n@@kunit:     not ok 3 mdev_rs_test\n@@done x\n' > "$tmp/kunit.log"
printf '@@boot x\n@@kmemleak: unreferenced object 0xffff (size 64):\n@@done x\n' > "$tmp/leak.log"
printf '@@boot x\n@@x/t: # expect WARNING a.rs\n[  1.0] WARNING: a.rs:1 at f+0x1/0x2, CPU#0: insmod/1\n[  1.0] Call Trace:\n[  1.0] ---[ end trace 0000000000000000 ]---\n@@x/t: ok 1 - a\n@@done x\n' > "$tmp/expect.log"
printf '@@boot x\n@@x/t: # expect WARNING a.rs\n@@x/t: ok 1 - a\n@@done x\n' > "$tmp/expect-none.log"
printf '@@boot x\n@@x/t: # expect WARNING a.rs\n[  1.0] WARNING: CPU: 0 PID: 1 at lib/x.c:1 f+0x1/0x2\n@@x/t: ok 1 - a\n@@done x\n' > "$tmp/expect-other.log"
P="python3 $TOP/scripts/parse.py"
t "parser passes a clean log" $P "$tmp/pass.log"
t "parser fails on a failing test" bash -c "! $P $tmp/fail.log"
t "parser fails on a KASAN report" bash -c "! $P $tmp/kasan.log"
t "parser fails on a WARNING" bash -c "! $P $tmp/warn.log"
t "parser fails on a boot that never finished" bash -c "! $P $tmp/hang.log"
t "parser fails on a failing KUnit case" bash -c "! $P $tmp/kunit.log"
t "parser fails on a kmemleak report" bash -c "! $P $tmp/leak.log"
t "parser passes an announced WARNING" $P "$tmp/expect.log"
t "parser fails on an announced WARNING that does not come" bash -c "! $P $tmp/expect-none.log"
t "parser fails on a WARNING other than the announced one" bash -c "! $P $tmp/expect-other.log"
t "parser prints the summary line last" bash -c "$P $tmp/fail.log | tail -1 | grep -qx '1 passed, 1 failed'"
t "parser repeats the failures above the summary" bash -c "$P $tmp/fail.log | tail -2 | head -1 | grep -q '^failed: '"
# The bench report, on the tiny bench boot of this run, read as both clocks.
if [ -s "${BENCHLOG:-}" ]; then
	t "bench report: tables, JSON with every goal metric for both clocks" bash -c '
		python3 "$0/scripts/bench_report.py" "$1" "$2/bench" "$1" >"$2/report.txt" &&
		grep -q "^instruction clock" "$2/bench/bench.md" &&
		python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))[\"clocks\"]
for c in (\"wall\", \"icount\"):
    have = {r[\"metric\"] for r in d[c][\"results\"] if \"ratio\" in r}
    assert {\"cr\", \"create\", \"reg\", \"mem\"} <= have, (c, have)
" "$2/bench/bench.json"' "$TOP" "$BENCHLOG" "$tmp"
fi
# make bench PROFILE=insn: the report names addresses by function (the kernel relocated as the
# guest's _stext says, the modules by their kallsyms) and divides the difference of the two runs
# of a row by the difference of their loop counts; the plugin builds and QEMU loads it.
mkdir -p "$tmp/insn"
printf 'ffffffff81000000 T _stext\nffffffff81000100 T foo\nffffffff81000200 t bar\n' >"$tmp/insn.map"
for r in rs-1:100:0 rs-3:300:200 c-1:50:0 c-3:150:0; do
	IFS=: read -r run foo mod <<<"$r"
	printf '@@bench/run.sh: KSYM ffffffffa1000000 T _stext\n@@bench/run.sh: KSYM ffffffffc0000000 t f\t[mdev_rs]\n' \
		>"$tmp/insn/console-insn-cr-$run.log"
	printf 'ffffffffa1000104 %s\nffffffffa1000200 7\nffffffffc0000010 %s\n' "$foo" "$mod" >"$tmp/insn/insn-cr-$run.tb"
done
t "insn profile: per operation, by function, both cores" bash -c '
	python3 "$0/scripts/insn_profile.py" "$1/insn.map" "$1/insn" >"$1/insn.out" &&
	grep -q "^cr: kernel instructions per operation: ours 200, C core 50, ours/C 4.0000" "$1/insn.out" &&
	grep -Eq "^ +100 +100 +0  f \[mdev_rs\]" "$1/insn.out" &&
	grep -Eq "^ +50 +100 +50  foo$" "$1/insn.out"' "$TOP" "$tmp"
if command -v rustc >/dev/null; then
	t "insn profile: the QEMU plugin builds, loads and writes its counts at exit" bash -c '
		rustc --edition 2021 --crate-type cdylib -O -o "$1/insnprof.so" "$0/tests/tools/insnprof.rs" &&
		echo quit | timeout 60 qemu-system-x86_64 -M none -display none -monitor stdio \
			-plugin "file=$1/insnprof.so,out=$1/insn-none.tb" && test -f "$1/insn-none.tb"' "$TOP" "$tmp"
fi
# Gates: rustfmt with the kernel's .rustfmt.toml (KSRC is set by scripts/check.sh).
if [ -n "${KSRC:-}" ] && command -v rustfmt >/dev/null; then
	t "rustfmt --check with the kernel's .rustfmt.toml" \
		rustfmt --edition 2021 --check --config-path "$KSRC/.rustfmt.toml" "$TOP"/*.rs "$TOP"/samples/*.rs "$TOP"/rust/kernel/*.rs
else
	n=$((n + 1)); echo "@@host: ok $n - rustfmt gate # SKIP no rustfmt or kernel source"
fi
# Layering: the abstractions under rust/kernel/ name no item of the core (only their own, as
# $crate::rust_kernel in macros), and the core's own files hold no unsafe block but the
# initialisation of its global locks (kernel::sync::global_lock!) and one documented state lookup.
t "rust/kernel/ imports no core item" bash -c "! grep -nP '(?<![$])crate::|[$]crate::(?!rust_kernel)' $TOP/rust/kernel/*.rs"
t "core files: no unsafe beyond global locks and the state lookup" bash -c \
	"[ \$(grep -h 'unsafe' $TOP/mdev_*.rs | grep -vc 'unsafe(uninit) static\|unsafe { [A-Z_]*.init() }\|mdev::state::') = 0 ]"
# What scripts/series.sh drops in tree: every #[path] include, with the item it names, carries
# the marker (rustfmt sorts `mod` items, which can part a marker from its line).
t "out-of-tree includes carry the out-of-tree only marker" bash -c "! awk '
	/#\\[path/ { if (\$0 !~ /\\/\\/ out-of-tree only\$/) bad = 1; want = 1; next }
	want && /^ *(pub\\(crate\\) )?mod / { if (\$0 !~ /\\/\\/ out-of-tree only\$/) bad = 1 }
	{ want = 0 } END { exit !bad }' $TOP/*.rs $TOP/samples/*.rs"
if [ -n "${MODLOG:-}" ]; then
	t "module build with CLIPPY=1 has no warnings" bash -c "! grep -q '^warning' $MODLOG"
	# The production module carries no KUnit suite; the build made for the suite does.
	mods=${MODLOG%.log}
	t "mdev_rs.ko holds no KUnit suite" bash -c "! readelf -SW '$mods/mdev_rs.ko' | grep -q kunit_test_suites"
	t "mdev_rs.ko has the alias mdev" bash -c "[ \"\$(/sbin/modinfo -F alias '$mods/mdev_rs.ko')\" = mdev ]"
	if [ -f "$mods-kunit/mdev_rs.ko" ]; then
		t "the KUnit build of mdev_rs.ko holds the suite" \
			bash -c "readelf -SW '$mods-kunit/mdev_rs.ko' | grep -q kunit_test_suites"
	fi
fi
if [ -n "${KSRC:-}" ]; then
	C=($(ls "$TOP"/*.[ch] "$TOP"/rust/bindings/*.h "$TOP"/tests/vfio/*.c "$TOP"/tests/tools/*.[ch] "$TOP"/tests/vendor/*.c | grep -v "\.mod\.c$"))
	t "checkpatch --strict on the C files" "$KSRC/scripts/checkpatch.pl" --no-tree --strict --quiet -f "${C[@]}"
	t "kernel-doc -Wall on the C files" bash -c '"$0" -none -Wall "$@" 2>&1 | grep -q . && exit 1 || exit 0' \
		"$KSRC/scripts/kernel-doc" "${C[@]}"
fi
if [ -n "${MODLOG72:-}" ]; then
	t "module build for Linux 7.2 with CLIPPY=1 has no warnings" bash -c "! grep -q '^warning' $MODLOG72"
fi
# In tree, kunit.py parses the KUnit output of the boot that ran the suite built in.
if [ -f "${INTREE_KUNIT_LOG:-}" ] && [ -f "${KUNITPY:-}" ]; then
	t "kunit.py parse: the built-in mdev_rs suite of the in-tree boot passes" bash -c '
		python3 "$0" parse "$1" >"$2/kunitpy.txt" 2>&1 || exit 1
		grep -Eq "Ran ([1-9][0-9]*) tests: passed: \1$" "$2/kunitpy.txt"' \
		"$KUNITPY" "$INTREE_KUNIT_LOG" "$tmp"
fi
echo "@@done host"
