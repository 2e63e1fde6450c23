#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# An unregistration of two mdevs that waits on a vendor remove() of 3 s
# (tests/vendor/mdev_hostile.c), on the core named by $CORE. Our core removes each type's
# devices/ directory, with its links, before the first mdev (differences.rst, point 16);
# upstream removes the links one by one, each before its device. The rest stays until the
# devices are gone on both: the type directory and the mdev_type link of a device not yet
# removed.
. /tests/lib/tap.sh
M=$MDEV_MODULES/mdev_hostile.ko
if [ ! -f "$M" ]; then
	ok "# SKIP mdev_hostile.ko is built out of tree only"
	done_testing; exit 0
fi
P=/sys/module/mdev_hostile/parameters
T=/sys/devices/faux/mdev_hostile0/mdev_supported_types/faux_driver-1
U1=48d0e000-0000-4000-8000-000000000001 U2=48d0e000-0000-4000-8000-000000000002
wait_for absent /sys/bus/mdev/drivers/mdev_hostile
insmod $M scenario=plain
is "$(w $T/create $U1) $(w $T/create $U2)" "OK OK" "create two mdevs"
is "$(ls $T/devices | tr '\n' ' ')" "$U1 $U2 " "devices/ lists both"
echo 3000 > $P/remove_ms
# Writing the scenario unregisters the parent, then registers it again. The core removes U1
# first: its bus link goes before its remove(), which then sleeps 3 s with U2 untouched.
echo plain > $P/scenario &
wait_for absent /sys/bus/mdev/devices/$U1
if [ "$CORE" = rs ]; then want="absent" ; else want="$U2"; fi
got=$(ls $T/devices 2>/dev/null || echo absent)
is "$got" "$want" "while the first mdev's remove() runs: devices/ is $want"
is "$(cat /sys/bus/mdev/devices/$U2/mdev_type/name 2>&1)" "$(cat $T/name)" \
	"while the first mdev's remove() runs: the type directory and the second's mdev_type link"
wait
is "$(ls /sys/bus/mdev/devices | wc -l) $(ls $T/devices)" "0 " "after it: no mdev, devices/ empty again"
echo 0 > $P/remove_ms
rmmod mdev_hostile
done_testing
