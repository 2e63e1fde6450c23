#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest initramfs. Usage: initramfs.sh OUT.cpio KOBJ MODULE_DIR [EXTRA_TESTS]
# or initramfs.sh consumers OUT.cpio: QEMU and libvirt alone, an archive that check.sh appends
# to the image of the boots that run tests/guest/8?-* (the kernel unpacks both).
set -euo pipefail
. "$(dirname "$0")/env.sh"
root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
chmod 755 "$root"	# mktemp's 0700 would keep uid 1000 out of the guest's /
UROOT=$CACHE/guest-udev
copy_libs() {	# copy_libs LD_LIBRARY_PATH BINARY...: the shared libraries ldd resolves for them
	local libpath=$1 lib dest; shift
	for lib in $(LD_LIBRARY_PATH=$libpath ldd "$@" |
			awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/lib64\// { print $1 }' | sort -u); do
		dest=$root/${lib#"$UROOT"}
		mkdir -p "$(dirname "$dest")"
		cp -L "$lib" "$dest"
	done
}
ulibs() { find "$UROOT" -name '*.so*' -printf '%h\n' | sort -u | tr '\n' :; }
if [ "$1" = consumers ]; then
	# The host's QEMU (scripts/deps.sh installs it) with the firmware a paused pc machine
	# loads, and libvirt's daemon with its node-device driver alone, and virsh.
	[ -f "$UROOT/usr/sbin/libvirtd" ] || die "libvirt is not unpacked: run scripts/deps.sh"
	q=$(command -v qemu-system-x86_64)
	lv=usr/lib/x86_64-linux-gnu/libvirt/connection-driver
	mkdir -p "$root"/{usr/bin,usr/sbin,usr/share/qemu,usr/share/seabios,$lv}
	cp -L "$q" "$root/usr/bin/"
	cp -L /usr/share/qemu/kvmvapic.bin "$root/usr/share/qemu/"
	cp -L /usr/share/seabios/bios-256k.bin "$root/usr/share/seabios/"
	cp -a "$UROOT/usr/sbin/libvirtd" "$root/usr/sbin/"
	cp -a "$UROOT/usr/bin/virsh" "$root/usr/bin/"
	cp -a "$UROOT/$lv/libvirt_driver_nodedev.so" "$root/$lv/"
	copy_libs "$(ulibs)" "$q" "$UROOT/usr/sbin/libvirtd" "$UROOT/usr/bin/virsh" \
		"$UROOT/$lv/libvirt_driver_nodedev.so"
	(cd "$root" && find . ! -name . | cpio -o -H newc --quiet) >"$2"
	exit 0
fi
out=$1 kobj=$2 moddir=$3 extra=${4:-}
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,lib/mdev-modules,tests/extra}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
mkdir -p "$root/etc"
printf 'root:x:0:0::/:/bin/sh\nuser:x:1000:1000::/tmp:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\nuser:x:1000:\n' > "$root/etc/group"
cp "$TOP/tests/initramfs/init" "$root/init"
for c in vfio/vfio_client bench/mdev_bench tools/failnth tools/wr tools/race tools/uevlog tools/pollwait; do
	gcc -static -O2 -Wall -Wextra -Werror -o "$root/bin/${c#*/}" "$TOP/tests/$c.c"
done
cp -r "$TOP/tests/guest" "$TOP/tests/lib" "$TOP/tests/bench" "$root/tests/"
cp "$moddir"/*.ko "$root/lib/mdev-modules/"
# KUNIT_MODDIR: the build of mdev_rs.ko with its KUnit suite, apart from the modules under test
if [ -n "${KUNIT_MODDIR:-}" ]; then
	mkdir -p "$root/lib/mdev-kunit"
	cp "$KUNIT_MODDIR/mdev_rs.ko" "$root/lib/mdev-kunit/"
fi
for m in drivers/vfio/mdev/mdev.ko samples/vfio-mdev/mtty.ko samples/vfio-mdev/mdpy.ko samples/vfio-mdev/mbochs.ko; do
	[ -f "$kobj/$m" ] && cp "$kobj/$m" "$root/lib/mdev-modules/"
done
# udev and mdevctl from the unpacked Debian packages (scripts/deps.sh), with the libraries ldd
# resolves for them. Debian's mdevctl is /usr/bin/mdevctl while its udev rule runs
# /usr/sbin/mdevctl; the link makes the rule work as it does on distributions that match.
if [ -f "$UROOT/.ok" ]; then
	mkdir -p "$root"/{usr/bin,usr/sbin,lib/systemd,lib/udev/rules.d,lib64,etc/udev,run}
	cp -a "$UROOT/bin/udevadm" "$root/bin/"
	ln -s /bin/udevadm "$root/lib/systemd/systemd-udevd"
	cp -a "$UROOT/usr/bin/mdevctl" "$root/usr/bin/"
	ln -s /usr/bin/mdevctl "$root/usr/sbin/mdevctl"
	cp "$UROOT/lib/udev/rules.d/60-mdevctl.rules" "$root/lib/udev/rules.d/"
	cp -a "$UROOT/etc/mdevctl.d" "$root/etc/"
	copy_libs "$(ulibs)" "$UROOT/bin/udevadm" "$UROOT/usr/bin/mdevctl"
fi
# perf for `make bench PROFILE=1` (Debian's linux-perf).
if [ "${PROFILE:-0}" = 1 ]; then
	command -v perf >/dev/null || die "PROFILE=1 needs perf (Debian: linux-perf)"
	cp -L "$(command -v perf)" "$root/bin/perf"
	copy_libs "" "$(command -v perf)"
fi
if [ -n "$extra" ]; then
	[ -d "$extra" ] || die "EXTRA_TESTS=$extra is not a directory"
	find "$extra" -maxdepth 1 -type f -perm -u+x -exec cp {} "$root/tests/extra/" \;
fi
(cd "$root" && find . | cpio -o -H newc --quiet) > "$out"
