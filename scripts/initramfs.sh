#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest initramfs. Usage: initramfs.sh OUT.cpio.gz KOBJ MODULE_DIR [EXTRA_TESTS]
set -euo pipefail
. "$(dirname "$0")/env.sh"
out=$1 kobj=$2 moddir=$3 extra=${4:-}
root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,lib/mdev-modules,tests/extra}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
mkdir -p "$root/etc"
printf 'root:x:0:0::/:/bin/sh\nuser:x:1000:1000::/tmp:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\nuser:x:1000:\n' > "$root/etc/group"
cp "$TOP/tests/initramfs/init" "$root/init"
cp -r "$TOP/tests/guest" "$TOP/tests/lib" "$root/tests/"
cp "$moddir"/*.ko "$root/lib/mdev-modules/"
for m in drivers/vfio/mdev/mdev.ko samples/vfio-mdev/mtty.ko samples/vfio-mdev/mdpy.ko samples/vfio-mdev/mbochs.ko; do
	cp "$kobj/$m" "$root/lib/mdev-modules/"
done
if [ -n "$extra" ]; then
	[ -d "$extra" ] || die "EXTRA_TESTS=$extra is not a directory"
	find "$extra" -maxdepth 1 -type f -perm -u+x -exec cp {} "$root/tests/extra/" \;
fi
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
