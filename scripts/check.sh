#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build everything, boot the test kernel under QEMU once per plan, and report.
# Usage: check.sh check|demo|shell   (env: KDIR, O, LLVM, EXTRA_TESTS, T, QEMU_TIMEOUT)
set -euo pipefail
. "$(dirname "$0")/env.sh"
mode=${1:-check}
mkdir -p "$OUT"
t0=$(date +%s)

if [ -z "${KDIR:-}" ]; then
	bash "$TOP/scripts/deps.sh"
	KOBJ=$(bash "$TOP/scripts/kernel.sh" debug)
	KSRC=$(ls -d "$CACHE"/src-*/linux-source-7.3 | head -1)
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
MOD=$OUT/mod
rm -rf "$MOD"; mkdir -p "$MOD"
cp -r "$TOP"/Kbuild "$TOP"/*.rs "$TOP"/*.c "$TOP"/*.h "$TOP"/samples "$MOD/"
if ! "${MK[@]}" "${KMAKE_TOOLS[@]}" M="$MOD" ${CLIPPY:+CLIPPY=1} modules >"$OUT/modules.log" 2>&1; then
	grep -E -A12 '^(error|warning)|error:' "$OUT/modules.log" | head -60 >&2
	die "module build failed; log: $OUT/modules.log"
fi
if grep -E '^warning' "$OUT/modules.log" >/dev/null; then
	grep -E -A8 '^warning' "$OUT/modules.log" | head -40 >&2
	die "module build has warnings; log: $OUT/modules.log"
fi
log "modules built"
[ "$mode" = build ] && { cp "$MOD"/*.ko "$OUT/"; log "modules in $OUT"; exit 0; }

INITRD=$OUT/initramfs.cpio.gz
bash "$TOP/scripts/initramfs.sh" "$INITRD" "$KOBJ" "$MOD" "${EXTRA_TESTS:-}"

boot() {	# boot PLAN LOG [interactive]
	local plan=$1 logf=$2
	local q=(qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 2048 -nographic -no-reboot
		-bios /usr/share/qemu/qboot.rom -kernel "$KOBJ/arch/x86/boot/bzImage" -initrd "$INITRD"
		-append "console=ttyS0 panic=-1 oops=panic loglevel=6 mdevtest.plan=$plan mdevtest.filter=${T:-*}")
	if [ "${3:-}" = interactive ]; then "${q[@]}"; return; fi
	log "boot $plan"
	timeout "${QEMU_TIMEOUT:-900}" "${q[@]}" </dev/null >"$logf" 2>&1 || true
}

case $mode in
shell) boot shell /dev/null interactive; exit 0 ;;
demo)
	boot demo "$OUT/console-demo.log"
	sed -n 's/.*@@demo: //p' "$OUT/console-demo.log"
	exit 0 ;;
esac

logs=()
for plan in rs c; do
	boot $plan "$OUT/console-$plan.log"
	logs+=("$OUT/console-$plan.log")
done
if [ -n "${EXTRA_TESTS:-}" ]; then
	boot extra "$OUT/console-extra.log"
	logs+=("$OUT/console-extra.log")
fi
KSRC=${KSRC:-${KDIR:-}} bash "$TOP/tests/host/run.sh" >"$OUT/host.log" 2>&1 || true
logs+=("$OUT/host.log")
log "finished in $(($(date +%s) - t0)) s; consoles in $OUT"
python3 "$TOP/scripts/parse.py" "${logs[@]}"
