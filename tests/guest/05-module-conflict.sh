#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The two cores refuse to load on top of each other, with a clear log line, and a core in use
# by a vendor driver with a registered parent refuses to unload. Built in (intree, booted with
# initcall_debug), the core initialises at subsys_initcall level as the C core does, before any
# fs_initcall (chr_dev_init) and so before the device_initcall of the built-in C sample mtty,
# whose parent is registered at boot.
. /tests/lib/tap.sh
if [ -n "$INTREE" ]; then
	# line PATTERN: the number of the first dmesg line that matches
	line() { dmesg | grep -n -m1 "$1" | cut -d: -f1; }
	core=$(line 'calling  __mdev_rs_init+') fs=$(line 'calling  chr_dev_init+')
	vendor=$(line 'calling  mtty_dev_init+')
	[ -n "$core" ] && [ -n "$fs" ] && [ "$core" -lt "$fs" ] && r=yes || r=no
	is "$r" yes "built in: the core initialises before the fs_initcall chr_dev_init ($core < $fs)"
	[ -n "$core" ] && [ -n "$vendor" ] && [ "$core" -lt "$vendor" ] && r=yes || r=no
	is "$r" yes "built in: the core initialises before the vendor driver mtty ($core < $vendor)"
	dmesg | grep -q 'initcall __mdev_rs_init+[^ ]* returned 0 ' && r=0 || r=failed
	is "$r" 0 "built in: the core's initcall returns 0"
	is "$(ls /sys/class/mdev_bus)" "mtty" "built in: mtty's parent is registered at boot"
	is "$(cat /sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-2/available_instances)" \
		12 "built in: mtty's types are usable"
	done_testing
	exit 0
fi
if [ "$CORE" = rs ]; then other=mdev.ko; else other=mdev_rs.ko; fi
insmod $MDEV_MODULES/$other 2>/dev/null && r=loaded || r=refused
is "$r" "refused" "$other refused while the other core is loaded"
dmesg | grep -q "${other%.ko}: exports duplicate symbol mdev_" && r=yes || r=no
is "$r" "yes" "log names the duplicate mdev symbol"
if [ "$CORE" = rs ]; then core=mdev_rs; else core=mdev; fi
rmmod $core 2>/dev/null && r=unloaded || r=refused
is "$r" "refused" "$core unload refused while mtty uses it"
is "$(ls /sys/class/mdev_bus)" "mtty" "parent still registered"
done_testing
