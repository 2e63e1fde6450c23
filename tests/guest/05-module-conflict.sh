#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The two cores refuse to load on top of each other, with a clear log line, and a core in use
# by a vendor driver with a registered parent refuses to unload.
. /tests/lib/tap.sh
if [ -n "$INTREE" ]; then
	ok "# SKIP the core is built in"
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
