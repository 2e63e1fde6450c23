#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The Rust sample mtty_rs on the core named by $CORE, loaded with module parameters: several
# parents with their own pools and globally unique UUIDs, and core-side accounting
# (max_instances shared by the types of a parent, description).
. /tests/lib/tap.sh
M=$MDEV_MODULES/mtty_rs.ko
CTL=/sys/kernel/debug/mtty_rs/control
P=/sys/devices/faux/mtty_rs0
T=$P/mdev_supported_types
X=faux_driver
mdevs() { ls /sys/bus/mdev/devices | wc -l; }

# --- module parameters: several parents, pool size
U1=5e5e0000-0000-4000-8000-000000000021
insmod $M nr_parents=3 ports=4
is "$(ls /sys/class/mdev_bus | grep -c mtty_rs)" "3" "three parents"
is "$(cat /sys/devices/faux/mtty_rs2/mdev_supported_types/$X-1/available_instances)" "4" "pool of 4"
is "$(cat /sys/devices/faux/mtty_rs2/mdev_supported_types/$X-2/available_instances)" "2" "pool of 4, dual"
w /sys/devices/faux/mtty_rs1/mdev_supported_types/$X-2/create $U1 >/dev/null
is "$(w /sys/devices/faux/mtty_rs2/mdev_supported_types/$X-1/create $U1)" "$EEXIST" "UUID unique across parents"
is "$(cat /sys/devices/faux/mtty_rs1/mdev_supported_types/$X-1/available_instances)" "2" "pools are per parent"
is "$(cat /sys/devices/faux/mtty_rs2/mdev_supported_types/$X-1/available_instances)" "4" "other pool untouched"
is "$(w $CTL "unregister all")" "OK" "unregister all"
is "$(ls /sys/class/mdev_bus | grep -c mtty_rs) $(mdevs)" "0 0" "all parents unregistered"
is "$(w $CTL "register all")" "OK" "register all"
is "$(ls /sys/class/mdev_bus | grep -c mtty_rs)" "3" "all parents back"
rmmod_sample

# --- core-side accounting: max_instances shared by the types, description
U1=5e5e0000-0000-4000-8000-000000000031 U2=5e5e0000-0000-4000-8000-000000000032
insmod $M nr_parents=2 max_instances=3
is "$(ls $T/$X-1 | tr '\n' ' ')" "available_instances create description device_api devices name " "files with description"
is "$(cat $T/$X-1/description)" "ports=1, accounted by the mdev core" "description of type 1"
is "$(cat $T/$X-2/description)" "ports=2, accounted by the mdev core" "description of type 2"
is "$(mode $T/$X-2/description)" "-r--r--r--" "description mode"
is "$(cat $T/$X-1/available_instances) $(cat $T/$X-2/available_instances)" "3 3" "max_instances"
w $T/$X-1/create $U1 >/dev/null; w $T/$X-1/create $U2 >/dev/null
is "$(cat $T/$X-1/available_instances) $(cat $T/$X-2/available_instances)" "1 1" "count shared across types"
is "$(w $T/$X-2/create 5e5e0000-0000-4000-8000-000000000033)" "OK" "last instance"
is "$(w $T/$X-2/create 5e5e0000-0000-4000-8000-000000000034)" "$EUSERS" "exhausted: EUSERS"
is "$(w /sys/devices/faux/mtty_rs1/mdev_supported_types/$X-1/create 5e5e0000-0000-4000-8000-000000000034)" "OK" \
	"the other parent has its own count"
is "$(mdevs)" "4" "failed create left nothing"
w /sys/bus/mdev/devices/$U1/remove 1 >/dev/null
wait_eq $T/$X-2/available_instances 1
is "$(cat $T/$X-2/available_instances)" "1" "count back after remove"
rmmod_sample && r=unloaded || r=failed
is "$r $(mdevs)" "unloaded 0" "unload"
done_testing
