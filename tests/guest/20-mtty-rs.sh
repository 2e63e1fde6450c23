#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The Rust sample mtty_rs on the core named by $CORE: the same ABI checks as the C mtty, then
# what needs a release-safe driver: unregister with live mdevs and its uevent order,
# re-registration at run time, and unload with live mdevs (module parameters and core-side
# accounting: 25-mtty-rs-params.sh).
. /tests/lib/tap.sh
. /tests/lib/mtty_abi.sh
EV=/tmp/uevents.log
M=$MDEV_MODULES/mtty_rs.ko
CTL=/sys/kernel/debug/mtty_rs/control
P=/sys/devices/faux/mtty_rs0
T=$P/mdev_supported_types
X=faux_driver
U1=5e5e0000-0000-4000-8000-000000000001
U2=5e5e0000-0000-4000-8000-000000000002
U3=5e5e0000-0000-4000-8000-000000000003
# mark: remember the kernel's uevent sequence number; events: ACTION, name and MDEV_STATE of
# every uevent under the parents since the mark, in SEQNUM order
mark() { S=$(cat /sys/kernel/uevent_seqnum); }
events() { sort -n $EV | awk -v s=$S '$1 > s && $3 ~ "^/devices/faux/mtty_rs" { n = split($3, p, "/"); printf "%s %s %s;", $2, p[n], $6 }'; }
mdevs() { ls /sys/bus/mdev/devices | wc -l; }

mark
insmod $M && r=loaded || r=failed
is "$r" "loaded" "mtty_rs loads"
mtty_abi $P $X mtty_rs

# --- unregister with live mdevs, through the run-time trigger
w $T/$X-1/create $U1 >/dev/null; w $T/$X-2/create $U2 >/dev/null
is "$(mdevs) $(cat $T/$X-1/available_instances)" "2 21" "two live mdevs"
mark
is "$(w $CTL "unregister 0")" "OK" "unregister with live mdevs"
is "$(mdevs)" "0" "children destroyed"
is "$(ls -d $T 2>/dev/null)" "" "types removed"
is "$(ls /sys/class/mdev_bus | grep -c mtty_rs0)" "0" "mdev_bus link removed"
wait_for sh -c "sort -n $EV | awk '\$1 > $S' | grep -q unregistered"
is "$(events)" "unbind $U1 -;remove $U1 -;unbind $U2 -;remove $U2 -;change mtty_rs0 unregistered;" \
	"children unbind/remove, then unregistered"
is "$(w $CTL "unregister 0")" "Operation already in progress" "unregister twice"
mark
is "$(w $CTL "register 0")" "OK" "register again"
is "$(cat $T/$X-1/available_instances) $(cat $T/$X-2/available_instances)" "24 12" "counts full again"
is "$(readlink /sys/class/mdev_bus/mtty_rs0)" "../../devices/faux/mtty_rs0" "mdev_bus link back"
wait_for sh -c "sort -n $EV | awk '\$1 > $S' | grep -q registered"
is "$(events)" "change mtty_rs0 registered;" "registered again"
w $T/$X-2/create $U3 >/dev/null
mark
is "$(w $CTL "cycle 0 3")" "OK" "three unregister/register cycles with a live mdev"
wait_for sh -c "[ \$(sort -n $EV | awk '\$1 > $S' | grep -c 'registered\$') -ge 6 ]"
is "$(events)" "unbind $U3 -;remove $U3 -;change mtty_rs0 unregistered;change mtty_rs0 registered;change mtty_rs0 unregistered;change mtty_rs0 registered;change mtty_rs0 unregistered;change mtty_rs0 registered;" \
	"cycle events"
is "$(mdevs) $(cat $T/$X-2/available_instances)" "0 12" "nothing left after cycles"
is "$(w $CTL "unregister 7")" "No such device" "trigger: no such parent"
is "$(w $CTL "bogus 0")" "$EINVAL" "trigger: bad command"

# --- unload with live mdevs (fresh UUIDs: a release may still be pending under
# DEBUG_KOBJECT_RELEASE, and the UUID stays taken until then, on both cores)
U1=5e5e0000-0000-4000-8000-000000000011 U2=5e5e0000-0000-4000-8000-000000000012
w $T/$X-1/create $U1 >/dev/null; w $T/$X-2/create $U2 >/dev/null
mark
rmmod_sample && r=unloaded || r=failed
is "$r" "unloaded" "unload with two live mdevs"
is "$(mdevs)" "0" "mdevs gone"
is "$(ls /sys/class/mdev_bus | grep -c mtty_rs)" "0" "no mdev_bus link left"
is "$(ls /sys/bus/mdev/drivers | grep -c mtty_rs)" "0" "driver unregistered"
is "$(ls -d $P 2>/dev/null)" "" "parent device gone"
wait_for sh -c "sort -n $EV | awk '\$1 > $S' | grep -q 'remove /devices/faux/mtty_rs0 '"
is "$(events)" "unbind $U1 -;remove $U1 -;unbind $U2 -;remove $U2 -;change mtty_rs0 unregistered;unbind mtty_rs0 -;remove mtty_rs0 -;" \
	"unload: children first, then unregistered, then the device goes"
done_testing
