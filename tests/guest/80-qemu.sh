#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# QEMU, the test bed's Debian build, takes an mdev of the unmodified C mtty as a vfio-pci
# device (sysfsdev=), on the core named by $CORE: started paused with a QMP monitor, no guest
# code runs. QEMU realizes the device, a second QEMU is refused, and `remove` waits until the
# first one quits. The legacy container path (/dev/vfio/vfio); the kernels have no iommufd.
. /tests/lib/tap.sh
Q=/usr/bin/qemu-system-x86_64
if [ ! -x $Q ]; then
	ok "# SKIP QEMU not in the image (scripts/initramfs.sh consumers)"
	done_testing; exit 0
fi
U=80c0e000-0000-4000-8000-000000000001
T=/sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-2
D=/sys/bus/mdev/devices/$U
# The device's directory: its link in the bus goes first when remove begins.
P=/sys/devices/virtual/mtty/mtty/$U
gone() { ! kill -0 "$1" 2>/dev/null; }
# qemu NAME: a paused QEMU with the mdev, its QMP monitor on the FIFOs /tmp/NAME.in and .out
# (replies in /tmp/NAME.log), stderr in /tmp/NAME.err; sets PID
qemu() {
	mkfifo /tmp/$1.in /tmp/$1.out
	$Q -nodefaults -display none -S -machine pc -accel tcg,tb-size=8 -m 16 \
		-chardev pipe,id=qmp,path=/tmp/$1 -mon chardev=qmp,mode=control \
		-device vfio-pci,sysfsdev=$D,id=mtty0 </dev/null >/tmp/$1.err 2>&1 &
	PID=$!
}
# qmp ID COMMAND: send COMMAND to the first QEMU and print its reply (the line with ID)
qmp() {
	echo "{\"execute\": \"$2\", \"id\": \"$1\"}" >&3
	wait_for grep -q "\"id\": \"$1\"" /tmp/q1.log >&2
	grep "\"id\": \"$1\"" /tmp/q1.log | tr -d '\r'
}

is "$(w $T/create $U)" "OK" "create an mtty-2 mdev"
is "$(cat $T/available_instances)" "11" "11 mtty-2 instances left"
qemu q1; Q1=$PID
exec 3<>/tmp/q1.in
cat /tmp/q1.out >/tmp/q1.log &
CAT=$!
wait_for grep -q '"QMP"' /tmp/q1.log
is "$(grep -c '"QMP"' /tmp/q1.log)" "1" "QEMU started paused with the mdev; QMP greets"
is "$(qmp c qmp_capabilities)" '{"return": {}, "id": "c"}' "QMP: capabilities negotiated"
is "$(qmp s query-status | grep -o '"status": "[a-z-]*"')" '"status": "prelaunch"' "QEMU is paused (prelaunch)"
# query-pci: the mdev's device on QEMU's bus, from its qdev_id to the end of its BARs
dev=$(qmp p query-pci | grep -o '"qdev_id": "mtty0"[^]]*]')
[ -n "$dev" ] || echo "# query-pci: $(grep '"id": "p"' /tmp/q1.log)"
is "$(echo "$dev" | grep -o '"device": [0-9]*') $(echo "$dev" | grep -o '"vendor": [0-9]*')" \
	'"device": 12883 "vendor": 17224' "query-pci: QEMU realized PCI device 4348:3253"
is "$(echo "$dev" | grep -o '"class": [0-9]*')" '"class": 1792' "query-pci: a serial controller (class 0x0700)"
is "$(echo "$dev" | grep -o '{[^{}]*"bar": [0-9][^{}]*}' | grep -c '"size": 8,.*"type": "io"\|"type": "io".*"size": 8')" \
	"2" "query-pci: two 8-byte I/O BARs, one per port"
# Every open of the device is held: QEMU has the group and the device's file.
is "$(ls -l /proc/$Q1/fd 2>/dev/null | grep -c '/dev/vfio/')" "2" "QEMU holds /dev/vfio/vfio and the group"

# A second QEMU on the same mdev: the group is in use.
qemu q2; Q2=$PID
wait_for gone $Q2
wait $Q2; rc=$?
is "$([ $rc != 0 ] && echo failed)" "failed" "a second QEMU on the same mdev exits with an error"
grep -q 'busy' /tmp/q2.err && r=busy || { r=other; sed 's/^/# q2: /' /tmp/q2.err; }
is "$r" "busy" "its error: the device is busy"

# remove blocks while QEMU holds the device, and completes when QEMU quits.
(echo 1 >$D/remove; echo $? >/tmp/rm.rc) &
RM=$!
i=0
while [ $i -lt 30 ]; do nap; i=$((i + 1)); done
is "$([ -e /tmp/rm.rc ] || echo waiting) $([ -d $P ] && echo present)" "waiting present" \
	"remove waits while QEMU holds the device; the device stays"
is "$(cat /proc/$RM/wchan 2>/dev/null)" "vfio_unregister_group_dev" \
	"remove's writer sleeps in vfio_unregister_group_dev(), for the device's release"
is "$(qmp s2 query-status | grep -o '"status": "[a-z-]*"')" '"status": "prelaunch"' "QEMU still answers"
qmp q quit >/dev/null
wait_for gone $Q1
wait $Q1; rc=$?
is "$rc" "0" "QEMU quits (exit status 0)"
wait_for test -e /tmp/rm.rc
is "$(cat /tmp/rm.rc 2>/dev/null)" "0" "remove completes once QEMU has closed the device"
wait_for absent $P
is "$([ -e $P ] || [ -e $D ] || echo gone)" "gone" "the mdev is gone"
wait_eq $T/available_instances 12
is "$(cat $T/available_instances)" "12" "its ports are back"
exec 3>&-
kill $CAT 2>/dev/null
rm -f /tmp/q1.* /tmp/q2.* /tmp/rm.rc
done_testing
