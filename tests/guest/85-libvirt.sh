#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# libvirt's node-device driver, on the core named by $CORE with the unmodified C mtty: Debian's
# libvirtd (bookworm, 9.0) without systemd, fed by systemd-udevd, and virsh. libvirt knows an
# mdev parent by its subsystem (pci, css, ap_matrix or mtty), so the C mtty is the parent here.
# Creating, defining and starting go through mdevctl, as libvirt does it.
. /tests/lib/tap.sh
. /tests/lib/udev.sh
if [ ! -x /usr/sbin/libvirtd ] || [ ! -x /usr/bin/mdevctl ]; then
	ok "# SKIP libvirt or mdevctl not in the image (scripts/initramfs.sh consumers)"
	done_testing; exit 0
fi
export PATH=$PATH:/usr/sbin:/usr/bin
V="virsh -q -c nodedev:///system"
T=/sys/devices/virtual/mtty/mtty/mdev_supported_types
U1=85c1b000-0000-4000-8000-000000000001
U2=85c1b000-0000-4000-8000-000000000002
udev_start
mkdir -p /var/lib/libvirt /var/cache/libvirt /var/log
ln -sfn /run /var/run
# libvirt enumerates the udev database: the devices that were there before udevd get in it.
udevadm trigger --action=add >/dev/null 2>&1
udevadm settle
cat >/tmp/libvirtd.conf <<EOC
auth_unix_rw = "none"
auth_unix_ro = "none"
log_outputs = "3:file:/tmp/libvirtd.log"
EOC
libvirtd --daemon --config /tmp/libvirtd.conf >/dev/null 2>/tmp/libvirtd.err
wait_for test -S /run/libvirt/libvirt-sock
is "$($V nodedev-list --cap mdev_types 2>&1)" "mtty_mtty" "nodedev-list --cap mdev_types: the mtty parent"
# parent: the parent's XML, on one line without the space between elements (in /tmp/p.xml)
parent() { $V nodedev-dumpxml mtty_mtty 2>&1 | tr -d '\n' | sed 's/>  *</></g' >/tmp/p.xml; }
# mtype ID: the type's element of the parent's XML (of the last `parent`)
mtype() { grep -o "<type id='$1'>.*" /tmp/p.xml | sed 's|</type>.*|</type>|'; }
x() { echo "<type id='$1'><name>$2</name><deviceAPI>vfio-pci</deviceAPI><availableInstances>$3</availableInstances></type>"; }
parent
is "$(mtype mtty-1)" "$(x mtty-1 'Single port serial' 24)" "nodedev-dumpxml: mtty-1, its name, API and 24 instances"
is "$(mtype mtty-2)" "$(x mtty-2 'Dual port serial' 12)" "nodedev-dumpxml: mtty-2, its name, API and 12 instances"
is "$(grep -c '<path>/sys/devices/virtual/mtty/mtty</path>' /tmp/p.xml)" "1" \
	"nodedev-dumpxml: the parent's sysfs path"

# mdev UUID TYPE: the XML of an mdev of the mtty parent
mdev() {
	echo "<device><parent>mtty_mtty</parent><capability type='mdev'><type id='$2'/><uuid>$1</uuid></capability></device>"
}
# name UUID: libvirt's name of the mdev (mdev_<uuid, '_' for '-'>_<parent>)
name() { $V nodedev-list --cap mdev 2>/dev/null | grep "$(echo "$1" | tr - _)"; }

# --- nodedev-create: a transient mdev, through `mdevctl start`
mdev $U1 mtty-2 >/tmp/m1.xml
out=$($V nodedev-create /tmp/m1.xml 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
is "$rc $(readlink /sys/bus/mdev/devices/$U1/mdev_type | sed 's|.*/||')" "0 mtty-2" \
	"nodedev-create: the mdev exists in sysfs, of type mtty-2"
N1=$(name $U1)
is "$([ -n "$N1" ] && echo listed)" "listed" "nodedev-list --cap mdev: the new mdev ($N1)"
xml=$($V nodedev-dumpxml "$N1" 2>&1 | tr -d '\n' | sed 's/>  *</></g')
echo "$xml" | grep -q "<iommuGroup number=" || echo "# $xml"
is "$(echo "$xml" | grep -o "<type id='mtty-2'/>\|<uuid>$U1</uuid>\|<iommuGroup number='[0-9]*'/>" | wc -l)" "3" \
	"nodedev-dumpxml of the mdev: type, UUID, IOMMU group"
is "$(echo "$xml" | grep -o '<parent>[^<]*</parent>')" "<parent>mtty_mtty</parent>" "its parent: mtty_mtty"
parent
is "$(mtype mtty-2 | grep -o '<availableInstances>[0-9]*')" "<availableInstances>11" \
	"the parent's mtty-2 has 11 instances left"

# --- nodedev-define and nodedev-start: a persistent mdev, through mdevctl define and start
mdev $U2 mtty-1 >/tmp/m2.xml
$V nodedev-define /tmp/m2.xml >/tmp/o 2>&1; rc=$?
sed 's/^/# /' /tmp/o
N2=$($V nodedev-list --cap mdev --inactive 2>/dev/null | grep "$(echo $U2 | tr - _)")
is "$rc $([ -n "$N2" ] && echo inactive)" "0 inactive" "nodedev-define: listed as inactive ($N2)"
is "$(mdevctl list --defined 2>&1 | grep -c "^$U2 mtty mtty-1 manual")" "1" "mdevctl has it defined"
is "$([ -e /sys/bus/mdev/devices/$U2 ] && echo present || echo absent)" "absent" "no mdev in sysfs yet"
$V nodedev-start "$N2" >/tmp/o 2>&1; rc=$?
sed 's/^/# /' /tmp/o
is "$rc $(readlink /sys/bus/mdev/devices/$U2/mdev_type | sed 's|.*/||')" "0 mtty-1" \
	"nodedev-start: the mdev exists in sysfs, of type mtty-1"
wait_for sh -c "$V nodedev-list --cap mdev | grep -q $(echo $U2 | tr - _)"
is "$($V nodedev-list --cap mdev 2>&1 | grep -c "$(echo "$U1\|$U2" | tr - _)")" "2" \
	"nodedev-list --cap mdev: both mdevs active"
parent
is "$(mtype mtty-1 | grep -o '<availableInstances>[0-9]*')" "<availableInstances>21" \
	"the parent's mtty-1 has 21 instances left (3 of 24 ports used)"

# --- nodedev-destroy and nodedev-undefine
$V nodedev-destroy "$N1" >/dev/null 2>&1; r1=$?
$V nodedev-destroy "$N2" >/dev/null 2>&1; r2=$?
wait_for absent /sys/bus/mdev/devices/$U1
wait_for absent /sys/bus/mdev/devices/$U2
is "$r1 $r2 $(ls /sys/bus/mdev/devices | wc -l)" "0 0 0" "nodedev-destroy: both mdevs gone from sysfs"
$V nodedev-undefine "$N2" >/dev/null 2>&1; rc=$?
wait_for sh -c "! $V nodedev-list --cap mdev --all | grep -q ."
is "$rc $($V nodedev-list --cap mdev --all 2>&1 | wc -l) $(mdevctl list --defined 2>&1 | grep -c .)" "0 0 0" \
	"nodedev-undefine: libvirt and mdevctl list no mdev"
parent
is "$(mtype mtty-2 | grep -o '<availableInstances>[0-9]*')" "<availableInstances>12" "all ports back"
[ -s /tmp/libvirtd.err ] && sed 's/^/# libvirtd: /' /tmp/libvirtd.err
udev_stop libvirtd
rm -f /tmp/m1.xml /tmp/m2.xml /tmp/p.xml /tmp/o
done_testing
