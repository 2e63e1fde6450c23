#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the QEMU accelerator to use: "kvm" when a probe boot of KIMG under KVM reaches its init
# within ACCEL_PROBE_TIMEOUT seconds (default 20), "tcg" otherwise. KVM can hang without a word
# (nested virtualisation), so the probe is bounded. The result is kept for this host boot.
# ACCEL=kvm|tcg skips the probe. Usage: accel.sh KIMG
set -euo pipefail
. "$(dirname "$0")/env.sh"
kimg=$1
case ${ACCEL:-} in kvm | tcg) echo "$ACCEL"; exit 0 ;; "") ;; *) die "ACCEL must be kvm or tcg" ;; esac
mkdir -p "$CACHE"
memo=$CACHE/accel-$(cat /proc/sys/kernel/random/boot_id)
[ -s "$memo" ] && { cat "$memo"; exit 0; }
res=tcg
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/root/bin" "$tmp/root/dev"
	cp /bin/busybox "$tmp/root/bin/"
	printf '#!/bin/busybox sh\n/bin/busybox mount -t devtmpfs dev /dev\n/bin/busybox echo @@kvm-ok >/dev/console\n/bin/busybox reboot -f\n' >"$tmp/root/init"
	chmod +x "$tmp/root/init"
	(cd "$tmp/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$tmp/probe.cpio.gz"
	# (QEMU may abort, as -cpu host does where KVM cannot set an MSR: not a message for the user)
	(timeout -k 2 "${ACCEL_PROBE_TIMEOUT:-20}" qemu-system-x86_64 -accel kvm -cpu host -smp 1 -m 512 \
		-nographic -no-reboot -bios /usr/share/qemu/qboot.rom -kernel "$kimg" \
		-initrd "$tmp/probe.cpio.gz" -append "console=ttyS0 panic=-1 kunit.enable=0" \
		</dev/null >"$tmp/out" 2>&1 || true) 2>/dev/null
	grep -q '@@kvm-ok' "$tmp/out" && res=kvm
fi
echo "$res" >"$memo"
echo "$res"
