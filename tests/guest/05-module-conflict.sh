#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The two cores refuse to load on top of each other, with a clear log line.
. /tests/lib/tap.sh
if [ "$CORE" = rs ]; then other=mdev.ko; else other=mdev_rs.ko; fi
insmod $MDEV_MODULES/$other 2>/dev/null && r=loaded || r=refused
is "$r" "refused" "$other refused while the other core is loaded"
dmesg | grep -q "${other%.ko}: exports duplicate symbol mdev_" && r=yes || r=no
is "$r" "yes" "log names the duplicate mdev symbol"
done_testing
