#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# QEMU, the test bed's Debian build, takes an mdev of the unmodified C mtty as a vfio-pci
# device (sysfsdev=), on the core named by $CORE: started paused with a QMP monitor, no guest
# code runs. QEMU realizes the device, a second QEMU is refused, and `remove` waits until the
# first one quits: through the legacy container (/dev/vfio/vfio and the group) and through
# iommufd (/dev/iommu and the device's cdev).
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
# qemu NAME container|iommufd: a paused QEMU with the mdev, its QMP monitor on the FIFOs
# /tmp/NAME.in and .out (replies in /tmp/NAME.log), stderr in /tmp/NAME.err; sets PID
qemu() {
	case $2 in
	iommufd) set -- "$1" -object iommufd,id=fd0 -device vfio-pci,sysfsdev=$D,iommufd=fd0,id=mtty0 ;;
	*) set -- "$1" -device vfio-pci,sysfsdev=$D,id=mtty0 ;;
	esac
	mkfifo /tmp/$1.in /tmp/$1.out
	n=$1; shift
	$Q -nodefaults -display none -S -machine pc -accel tcg,tb-size=8 -m 16 \
		-chardev pipe,id=qmp,path=/tmp/$n -mon chardev=qmp,mode=control "$@" \
		</dev/null >/tmp/$n.err 2>&1 &
	PID=$!
}
# diag PID: what the guest and QEMU PID do, when QEMU does not answer
diag() {
	top -bn1 | head -15 | sed 's/^/# top: /'
	for t in /proc/$1/task/*; do
		echo "# task ${t##*/}: $(cut -d' ' -f3,14,15 $t/stat) $(cat $t/wchan)"
		sed 's/^/#   /' $t/stack 2>/dev/null | head -8
	done
	sed 's/^/# q1: /' /tmp/q1.err
}
# second MODE WANT: a second QEMU, through MODE, fails with an error that has WANT in it
second() {
	qemu q2 $1; Q2=$PID
	wait_for gone $Q2
	wait $Q2; rc=$?
	grep -q "$2" /tmp/q2.err && r=$2 || { r=other; sed 's/^/# q2: /' /tmp/q2.err; }
	is "$([ $rc != 0 ] && echo failed) $r" "failed $2" "$M: a second QEMU, through $1, is refused: $2"
	rm -f /tmp/q2.*
}
# held PID: what of /dev/vfio and /dev/iommu PID has open (numbers as N)
held() {
	ls -l /proc/$1/fd 2>/dev/null | grep -o '/dev/\(vfio\|iommu\)[a-z/0-9]*' | sed 's/[0-9][0-9]*$/N/' |
		sort | tr '\n' ' ' | sed 's/ $//'
}
# qmp ID COMMAND: send COMMAND to the first QEMU and print its reply (the line with ID)
qmp() {
	echo "{\"execute\": \"$2\", \"id\": \"$1\"}" >&3
	wait_for grep -q "\"id\": \"$1\"" /tmp/q1.log >&2
	grep "\"id\": \"$1\"" /tmp/q1.log | tr -d '\r'
}

# session MODE HELD ERR: QEMU takes the device through MODE and holds HELD (as `held` prints
# it); a second QEMU through iommufd fails with ERR
session() {
	M=$1
	is "$(w $T/create $U)" "OK" "$M: create an mtty-2 mdev"
	is "$(cat $T/available_instances)" "11" "$M: 11 mtty-2 instances left"
	qemu q1 $M; Q1=$PID
	exec 3<>/tmp/q1.in
	cat /tmp/q1.out >/tmp/q1.log &
	CAT=$!
	wait_for grep -q '"QMP"' /tmp/q1.log || diag $Q1
	is "$(grep -c '"QMP"' /tmp/q1.log)" "1" "$M: QEMU started paused with the mdev; QMP greets"
	is "$(qmp c qmp_capabilities)" '{"return": {}, "id": "c"}' "$M: QMP capabilities negotiated"
	is "$(qmp s query-status | grep -o '"status": "[a-z-]*"')" '"status": "prelaunch"' \
		"$M: QEMU is paused (prelaunch)"
	# query-pci: the mdev's device on QEMU's bus, from its qdev_id to the end of its BARs
	dev=$(qmp p query-pci | grep -o '"qdev_id": "mtty0"[^]]*]')
	[ -n "$dev" ] || { echo "# query-pci: $(grep '"id": "p"' /tmp/q1.log)"; sed 's/^/# q1: /' /tmp/q1.err; }
	is "$(echo "$dev" | grep -o '"device": [0-9]*') $(echo "$dev" | grep -o '"vendor": [0-9]*')" \
		'"device": 12883 "vendor": 17224' "$M: query-pci: QEMU realized PCI device 4348:3253"
	is "$(echo "$dev" | grep -o '"class": [0-9]*')" '"class": 1792' \
		"$M: query-pci: a serial controller (class 0x0700)"
	is "$(echo "$dev" | grep -o '{[^{}]*"bar": [0-9][^{}]*}' |
		grep -c '"size": 8,.*"type": "io"\|"type": "io".*"size": 8')" \
		"2" "$M: query-pci: two 8-byte I/O BARs, one per port"
	is "$(held $Q1)" "$2" "$M: QEMU holds $2"

	# A second QEMU on the same mdev, either way in
	second container "busy"
	[ -c /dev/iommu ] && second iommufd "$3"

	# remove blocks while QEMU holds the device, and completes when QEMU quits.
	(echo 1 >$D/remove; echo $? >/tmp/rm.rc) &
	RM=$!
	i=0
	while [ $i -lt 30 ]; do nap; i=$((i + 1)); done
	is "$([ -e /tmp/rm.rc ] || echo waiting) $([ -d $P ] && echo present)" "waiting present" \
		"$M: remove waits while QEMU holds the device; the device stays"
	is "$(cat /proc/$RM/wchan 2>/dev/null)" "vfio_unregister_group_dev" \
		"$M: remove's writer sleeps in vfio_unregister_group_dev(), for the device's release"
	is "$(qmp s2 query-status | grep -o '"status": "[a-z-]*"')" '"status": "prelaunch"' \
		"$M: QEMU still answers"
	qmp q quit >/dev/null
	wait_for gone $Q1
	wait $Q1; rc=$?
	is "$rc" "0" "$M: QEMU quits (exit status 0)"
	wait_for test -e /tmp/rm.rc
	is "$(cat /tmp/rm.rc 2>/dev/null)" "0" "$M: remove completes once QEMU has closed the device"
	wait_for absent $P
	is "$([ -e $P ] || [ -e $D ] || echo gone)" "gone" "$M: the mdev is gone"
	wait_eq $T/available_instances 12
	is "$(cat $T/available_instances)" "12" "$M: its ports are back"
	exec 3>&-
	kill $CAT 2>/dev/null
	rm -f /tmp/q1.* /tmp/rm.rc
}

# Through the container, the group is in use for either way in; through iommufd, the group
# is blocked, and a second bind of the device cdev is refused (EINVAL, vfio_df_open()).
session container "/dev/vfio/N /dev/vfio/vfio" "busy"
if [ -c /dev/iommu ]; then
	# Another UUID: the first mdev's release, which frees its UUID, may still be delayed.
	U=80c0e000-0000-4000-8000-000000000002
	D=/sys/bus/mdev/devices/$U P=/sys/devices/virtual/mtty/mtty/$U
	session iommufd "/dev/iommu /dev/vfio/devices/vfioN" "Invalid argument"
else
	ok "# SKIP iommufd: the kernel has no /dev/iommu"
fi
done_testing
