#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Real userspace on the core named by $CORE: Debian's systemd-udevd with mdevctl's udev rule,
# and mdevctl 1.2.0, against the C mtty and the Rust mtty_rs. udevd runs only for this test.
. /tests/lib/tap.sh
. /tests/lib/udev.sh
if [ ! -x /usr/bin/mdevctl ] || [ ! -x /bin/udevadm ]; then
	ok "# SKIP udev/mdevctl not in the image (scripts/deps.sh unpacks them)"
	done_testing
	exit 0
fi
export PATH=$PATH:/usr/sbin:/usr/bin
MON=/tmp/udevmon.log LOG=/tmp/messages
CTL=/sys/kernel/debug/mtty_rs/control
udev_start
udevadm monitor --kernel --property > $MON 2>/dev/null &
sleep 1
pidof systemd-udevd >/dev/null && pidof udevadm >/dev/null && r=yes || r=no
is "$r" "yes" "udevd and udevadm monitor running"
# events FILE DEVPATH_PREFIX: "ACTION name [MDEV_STATE];" for the kernel events udev saw
events() {
	awk -v p="$2" '
		/^KERNEL\[/ { a = $2; d = $3; st = ""; next }
		/^MDEV_STATE=/ { st = " " substr($0, 12) }
		/^$/ { if (d != "" && index(d, p) == 1) { n = split(d, q, "/"); printf "%s %s%s;", a, q[n], st } d = "" }
	' "$1"
}

# --- types, start, list, stop with the C mtty
U=70dec000-0000-4000-8000-000000000001
out=$(mdevctl types 2>&1)
echo "$out" | sed 's/^/# /'
is "$(echo "$out" | grep -c -E '^ *mtty-1$|^ *mtty-2$')" "2" "types: mtty-1 and mtty-2 listed"
is "$(echo "$out" | grep -A4 -E '^ *mtty-2$' | grep -c -E 'Available instances: 12|Device API: vfio-pci|Name: Dual port serial')" \
	"3" "types: mtty-2 instances, device API, name"
mdevctl start -u $U -p mtty -t mtty-2 >/tmp/o 2>&1 && r=0 || r=$?
is "$r $(ls -d /sys/bus/mdev/devices/$U 2>/dev/null | wc -l)" "0 1" "start creates the mdev"
is "$(mdevctl list 2>&1)" "$U mtty mtty-2 manual" "list shows it"
is "$(cat /sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-2/available_instances)" "11" "one instance used"
mdevctl start -u $U -p mtty -t mtty-2 >/tmp/o 2>&1 && r=0 || r=$?
is "$r $(head -1 /tmp/o)" "1 Error: Device already exists" "start of a running UUID fails"
mdevctl stop -u $U >/tmp/o 2>&1 && r=0 || r=$?
is "$r $(ls /sys/bus/mdev/devices | wc -l)" "0 0" "stop removes it"
mdevctl start -u $U -p nosuch -t mtty-1 >/tmp/o 2>&1 && r=0 || r=$?
is "$r $(head -1 /tmp/o)" "1 Error: Unable to find parent device 'nosuch'" "bad parent fails"
mdevctl start -u $U -p mtty -t mtty-9 >/tmp/o 2>&1 && r=0 || r=$?
is "$r $(head -1 /tmp/o)" "1 Error: Parent mtty does not support mdev type mtty-9" "bad type fails"
# mtty returns the ports of a stopped mdev at its release, which DEBUG_KOBJECT_RELEASE delays.
wait_eq /sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-2/available_instances 12
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	mdevctl start -u 70dec000-0000-4000-8000-0000000001$(printf %02d $i) -p mtty -t mtty-2 >/dev/null 2>&1
done
is "$(ls /sys/bus/mdev/devices | wc -l)" "12" "twelve dual-port mdevs"
mdevctl start -u $U -p mtty -t mtty-2 >/tmp/o 2>&1 && r=0 || r=$?
is "$r $(head -1 /tmp/o)" "1 Error: No available instances of mtty-2 on mtty" "exhausted type fails"
for d in $(ls /sys/bus/mdev/devices); do mdevctl stop -u $d >/dev/null 2>&1; done
is "$(ls /sys/bus/mdev/devices | wc -l)" "0" "all stopped"

# --- autostart: a defined mdev starts when its parent registers
A=70dec000-0000-4000-8000-00000000a001
insmod $MDEV_MODULES/mtty_rs.ko
sleep 1
ndef=$(wc -l < $MON)
mdevctl define --auto -u $A -p mtty_rs0 -t faux_driver-1 >/tmp/o 2>&1 && r=0 || r=$?
is "$r $(ls /etc/mdevctl.d/mtty_rs0)" "0 $A" "define --auto writes the config"
is "$(ls -d /sys/bus/mdev/devices/$A 2>/dev/null | wc -l)" "0" "defined, not started"
n0=$(wc -l < $MON)
w $CTL "unregister 0" >/dev/null; w $CTL "register 0" >/dev/null
t0=$(date +%s)
wait_for test -e /sys/bus/mdev/devices/$A
is "$(ls -d /sys/bus/mdev/devices/$A 2>/dev/null | wc -l)" "1" "started by udev on MDEV_STATE=registered ($(($(date +%s) - t0)) s)"
is "$(mdevctl list 2>&1)" "$A mtty_rs0 faux_driver-1 auto (defined)" "list: running and defined"
sleep 1
tail -n +$((n0 + 1)) $MON > $MON.2
is "$(events $MON.2 /devices/faux/mtty_rs0 | sed 's/[a-z]* 70dec[^;]*;//g')" \
	"change mtty_rs0 unregistered;change mtty_rs0 registered;" "udev saw unregistered, then registered"
grep mdevctl $LOG | sed 's/^/# log: /'
# --- the add fallback rule: loading the module fires it before the parent registers
w $CTL "unregister 0" >/dev/null
rmmod_sample
: > $LOG.1; cp $LOG $LOG.1
insmod $MDEV_MODULES/mtty_rs.ko
wait_for test -e /sys/bus/mdev/devices/$A
is "$(ls -d /sys/bus/mdev/devices/$A 2>/dev/null | wc -l)" "1" "started again after module load"
sleep 2
starts=$(tail -n +$((ndef + 1)) $MON | awk -v p=/devices/faux/mtty_rs0 '
	/^KERNEL\[/ { a = $2; d = $3; st = "" } /^MDEV_STATE=/ { st = $0 }
	/^$/ { if (d == p && (a == "add" || (a == "change" && st == "MDEV_STATE=registered"))) n++; d = "" }
	END { print n + 0 }')
echo "# mdevctl log:"; grep mdevctl $LOG | sed 's/^/#   /'
is "$starts" "3" "rule runs after define: re-register 1, module load 2 (add fallback + registered)"
is "$(ls /sys/bus/mdev/devices | wc -l)" "1" "extra start attempts failed harmlessly: one mdev"

# --- unregister: udev sees the child's remove before MDEV_STATE=unregistered
n0=$(wc -l < $MON)
w $CTL "unregister 0" >/dev/null
sleep 1
tail -n +$((n0 + 1)) $MON > $MON.3
is "$(events $MON.3 /devices/faux/mtty_rs0)" "unbind $A;remove $A;change mtty_rs0 unregistered;" \
	"udev: unbind/remove of the child, then unregistered"
rmmod_sample
mdevctl undefine -u $A >/dev/null 2>&1
udev_stop udevadm
done_testing
