#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Bounded stress on the core named by $CORE, with mtty_rs (two parents): four writers create and
# remove mdevs on both types of both parents while the parents are unregistered and registered
# again in a loop; then the same with the module unloaded under the writers. Every write must
# succeed or fail with a documented errno, and afterwards sysfs must be consistent: no mdev,
# child, type link or mdev_bus link left over, counts back to full. Kernel reports fail the boot.
. /tests/lib/tap.sh
CTL=/sys/kernel/debug/mtty_rs/control
ITER=${RACE_ITER:-40}
# create: ENODEV (unregistering), ENOENT (type gone), ENOSPC (pool), EACCES (dd opens with
# O_CREAT, as mdevctl does: in the instant between a type directory's creation and its default
# attributes', which kobject_add() makes on both cores, sysfs refuses to create the file);
# remove: ENODEV, ENOENT (device removed by an unregister), EAGAIN (not yet active)
ALLOWED="OK|No such device|No such file or directory|No space left on device|Permission denied|Resource temporarily unavailable"
# worker ID: tests/tools/race.c, at least ITER create/remove pairs and on until /tmp/stop exists
worker() { race $1 $ITER /sys/devices/faux/mtty_rs%d/mdev_supported_types/faux_driver-%d/create /tmp/stop > /tmp/race.$1; }
check_results() {	# PHASE
	all=$(cat /tmp/race.* | sort | uniq -c | sed 's/^ *//' | tr '\n' ';')
	echo "# $1: $all"
	bad=$(cat /tmp/race.* | sed 's/^[a-z]* //' | grep -v -x -E "$ALLOWED" | sort -u | tr '\n' ';')
	is "$bad" "" "$1: every write succeeded or failed with a documented errno"
	is "$(grep -c '^create OK' /tmp/race.* | awk -F: '{ s += $2 } END { print (s > 0) }')" "1" \
		"$1: some creates succeeded"
	rm -f /tmp/race.*
}
consistent() {	# PHASE: nothing left over
	is "$(ls /sys/bus/mdev/devices | wc -l)" "0" "$1: no mdev on the bus"
	is "$(ls -d /sys/devices/faux/mtty_rs*/7ace* 2>/dev/null | wc -l)" "0" "$1: no mdev child of a parent"
	is "$(ls /sys/devices/faux/mtty_rs*/mdev_supported_types/*/devices 2>/dev/null | grep -c 7ace)" "0" \
		"$1: no type devices link"
}

# On the C core a remove racing an unregistration is a use-after-free: mdev_device_remove()
# reads mdev->type after device_remove_file_self(), when an unregistration may have freed the
# device (Documentation/differences.rst, point 8). Its writers only create, so the pools fill
# and every unregistration tears them down: smaller pools keep that work near the other core's.
PORTS=64
if [ "$CORE" = c ]; then
	export RACE_NO_REMOVE=1 PORTS=16
	echo "# upstream: writers only create (remove racing unregistration crashes the C core)"
fi
insmod $MDEV_MODULES/mtty_rs.ko nr_parents=2 ports=$PORTS
rm -f /tmp/stop
pids=
for id in 1 2 3 4; do worker $id & pids="$pids $!"; done
# The writers run until /tmp/stop, so every cycle overlaps them.
c=0
while [ $c -lt ${RACE_CYCLES:-20} ]; do
	w $CTL "cycle $((c % 2)) 1" >/dev/null
	c=$((c + 1))
done
alive=0
for p in $pids; do kill -0 $p 2>/dev/null && alive=$((alive + 1)); done
touch /tmp/stop
wait
echo "# cycles during the run: $c"
is "$alive" "4" "parents cycled while the writers ran ($c cycles, writers alive at the end)"
check_results "cycle"
for d in /sys/bus/mdev/devices/*; do [ -e "$d" ] && w $d/remove 1 >/dev/null; done
for p in 0 1; do
	T=/sys/devices/faux/mtty_rs$p/mdev_supported_types
	wait_eq $T/faux_driver-1/available_instances $PORTS
	is "$(cat $T/faux_driver-1/available_instances) $(cat $T/faux_driver-2/available_instances)" "$PORTS $((PORTS / 2))" \
		"cycle: mtty_rs$p counts back to full"
done
consistent "cycle"
is "$(ls /sys/class/mdev_bus | grep -c mtty_rs)" "2" "cycle: both parents registered"

# unload while the writers run
rm -f /tmp/stop
for id in 1 2 3 4; do worker $id & done
sleep 1
rmmod_sample && r=unloaded || r=failed
touch /tmp/stop
wait
is "$r" "unloaded" "unload: module unloaded under the writers"
check_results "unload"
consistent "unload"
is "$(ls /sys/class/mdev_bus | grep -c mtty_rs)" "0" "unload: no mdev_bus link left"
done_testing
