#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build everything, boot the test kernel under QEMU once per plan, and report.
# Usage: check.sh check|demo|shell|build|bench   (env: KDIR, O, LLVM, EXTRA_TESTS, T, INTREE,
# PLANS (default "rs c"), QEMU_TIMEOUT, PROFILE)
set -euo pipefail
. "$(dirname "$0")/env.sh"
mode=${1:-check}
flavour=debug
[ "$mode" = bench ] && flavour=bench
mkdir -p "$OUT"
t0=$(date +%s)

if [ -z "${KDIR:-}" ]; then
	bash "$TOP/scripts/deps.sh" $([ "$mode" = bench ] && echo bench)
	KOBJ=$(bash "$TOP/scripts/kernel.sh" $flavour)
	KSRC=$(pristine_src)
	export KSRC
	MK=(make -C "$KSRC" O="$KOBJ")
else
	KOBJ=${O:-$KDIR}
	MK=(make -C "$KDIR")
	[ -n "${O:-}" ] && MK+=(O="$O")
	[ -f "$KOBJ/arch/x86/boot/bzImage" ] || die "no bzImage in $KOBJ: KDIR (and O) must name a built kernel"
	command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (Debian: qemu-system-x86 from bookworm-backports)"
	command -v busybox >/dev/null || die "busybox missing (Debian: busybox-static)"
fi
log "kernel: $KOBJ"

# Build the modules in a copy so the work tree stays clean.
MOD=$OUT/mod-$flavour
rm -rf "$MOD"; mkdir -p "$MOD"
cp -r "$TOP"/Kbuild "$TOP"/*.rs "$TOP"/*.c "$TOP"/*.h "$TOP"/samples "$MOD/"
# Always with CLIPPY=1: clippy-driver compiles the objects and lints them in one pass.
if ! "${MK[@]}" "${KMAKE_TOOLS[@]}" M="$MOD" CLIPPY=1 modules >"$OUT/modules.log" 2>&1; then
	grep -E -A12 '^(error|warning)|error:' "$OUT/modules.log" | head -60 >&2
	echo "error: module build failed; log: $OUT/modules.log" >&2
	echo "FAIL build: modules"; echo "0 passed, 1 failed"; exit 1
fi
if grep -E '^warning' "$OUT/modules.log" >/dev/null; then
	grep -E -A8 '^warning' "$OUT/modules.log" | head -40 >&2
	[ "$mode" = check ] || die "module build has warnings; log: $OUT/modules.log"
fi
export MODLOG=$OUT/modules.log
log "modules built"
[ "$mode" = build ] && { cp "$MOD"/*.ko "$OUT/"; log "modules in $OUT"; exit 0; }

INITRD=$OUT/initramfs.cpio.gz
bash "$TOP/scripts/initramfs.sh" "$INITRD" "$KOBJ" "$MOD" "${EXTRA_TESTS:-}"

boot() {	# boot PLAN LOG [interactive]
	local plan=$1 logf=$2 kunit=
	# The bench loads mdev_rs.ko every round; its KUnit suite must not run (and leave work
	# behind) in the timed boot. The rs and intree boots run it.
	[ "$plan" = bench ] && kunit=kunit.enable=0
	# No 5-level paging: identify_cpu() clears the CPU feature bits, pgtable_l5_enabled() among
	# them, and a KASAN check in an interrupt inside that window takes the direct map (ff11...)
	# for a wild address: 4 of 11 boots with -cpu max under TCG, 0 of 42 with la57=off.
	# shellcheck disable=SC2206 # QEMU_CLOCK holds options
	local q=(qemu-system-x86_64 -accel tcg -cpu max,la57=off ${QEMU_CLOCK:-} -smp 2 -m 2048
		-nographic -no-reboot
		-bios /usr/share/qemu/qboot.rom -kernel "${KIMG:-$KOBJ/arch/x86/boot/bzImage}" -initrd "$INITRD"
		-append "console=ttyS0 panic=-1 oops=panic loglevel=6 $kunit mdevtest.plan=$plan mdevtest.filter=${T:-*} mdevtest.bench=${BENCH_SIZE:-tiny} mdevtest.udev=${UDEV:-0} mdevtest.profile=${PROFILE:-0}")
	if [ "${3:-}" = interactive ]; then "${q[@]}"; return; fi
	log "boot $plan"
	timeout "${QEMU_TIMEOUT:-1800}" "${q[@]}" </dev/null >"$logf" 2>&1 || true
}

case $mode in
bench)
	BENCH_SIZE=full boot bench "$OUT/console-bench.log"
	# The same rounds again with a guest clock that counts instructions (1 ns each): free of
	# host noise and of TCG's own costs, such as a hash lookup per return or indirect jump.
	BENCH_SIZE=full QEMU_CLOCK="-icount shift=0,sleep=off" boot bench "$OUT/console-bench-icount.log"
	exec /usr/bin/python3 "$TOP/scripts/bench_report.py" "$OUT/console-bench.log" "$OUT/bench" \
		"$OUT/console-bench-icount.log" ;;
shell) boot shell /dev/null interactive; exit 0 ;;
demo)
	boot demo "$OUT/console-demo.log"
	sed -n 's/.*@@demo: //p' "$OUT/console-demo.log"
	exit 0 ;;
esac

logs=()
for plan in ${PLANS:-rs c}; do
	boot $plan "$OUT/console-$plan.log"
	logs+=("$OUT/console-$plan.log")
done
case ${T:-*} in bench/* | "*")
	boot bench "$OUT/console-bench.log"
	logs+=("$OUT/console-bench.log") ;;
esac
if [ -n "${EXTRA_TESTS:-}" ]; then
	boot extra "$OUT/console-extra.log"
	logs+=("$OUT/console-extra.log")
fi
# In-tree: the same sources built into a kernel (scripts/intree.sh), the guest tests on it.
# INTREE=0 skips it; it needs the cached source, so not with KDIR=.
case ${INTREE:-1}:${KDIR:-}:${T:-*} in 1::intree/* | 1::"*")
	if KOBJ_I=$(bash "$TOP/scripts/kernel.sh" intree 2>"$OUT/intree-build.log"); then
		echo "@@boot intree-build" >"$OUT/intree.log"
		echo "@@intree-build: ok 1 - in-tree kernel build, core built in (VFIO_MDEV_RUST=y)" >>"$OUT/intree.log"
		INITRD=$OUT/initramfs-intree.cpio.gz
		bash "$TOP/scripts/initramfs.sh" "$INITRD" "$KOBJ_I" "$KOBJ_I/drivers/vfio/mdev/rust" "${EXTRA_TESTS:-}"
		KIMG=$KOBJ_I/arch/x86/boot/bzImage boot intree "$OUT/console-intree.log"
		logs+=("$OUT/console-intree.log")
	else
		cat "$OUT/intree-build.log" >&2
		printf '@@boot intree-build\n@@intree-build: not ok 1 - in-tree kernel build\n' >"$OUT/intree.log"
	fi
	echo "@@done intree-build" >>"$OUT/intree.log"
	logs+=("$OUT/intree.log") ;;
esac
BENCHLOG=$OUT/console-bench.log KSRC=${KSRC:-${KDIR:-}} bash "$TOP/tests/host/run.sh" >"$OUT/host.log" 2>&1 || true
logs+=("$OUT/host.log")
log "finished in $(($(date +%s) - t0)) s; consoles in $OUT"
python3 "$TOP/scripts/parse.py" "${logs[@]}"
