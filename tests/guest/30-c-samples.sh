#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The unmodified upstream C samples mdpy and mbochs on the core named by $CORE: for every type,
# its files and reads, then create an mdev, check its vendor attribute, links and the instance
# accounting, and remove it. (mtty is covered by 10-mtty-abi and 40-vfio.) The C samples stay
# loaded: unloading them oopses a DEBUG_KOBJECT_RELEASE kernel on either core.
. /tests/lib/tap.sh
k=0
# sample PARENT TYPE NAME DESCRIPTION AVAIL AVAIL_AFTER_CREATE ATTR VALUE
sample() {
	P=/sys/devices/virtual/$1/$1 t=$2; D=$P/mdev_supported_types/$t
	k=$((k + 1)); U=30c0ffee-0000-4000-8000-00000000000$k
	is "$(ls $D | tr '\n' ' ')" "available_instances create description device_api devices name " "$t files"
	is "$(cat $D/name)" "$3" "$t name"
	is "$(cat $D/description)" "$4" "$t description"
	is "$(cat $D/device_api)" "vfio-pci" "$t device_api"
	is "$(cat $D/available_instances)" "$5" "$t available_instances"
	is "$(w $D/create $U)" "OK" "$t create"
	is "$(readlink $P/$U/mdev_type)" "../mdev_supported_types/$t" "$t mdev_type link"
	is "$(readlink $P/$U/driver)" "$(up $P/$U)/bus/mdev/drivers/$1" "$t driver link"
	is "$(cat $P/$U/vendor/$7)" "$8" "$t vendor/$7"
	is "$(cat $D/available_instances)" "$6" "$t available after create"
	is "$(w $P/$U/remove 1)" "OK" "$t remove"
	wait_eq $D/available_instances "$5"
	is "$(cat $D/available_instances)" "$5" "$t available after release"
}
insmod $MDEV_MODULES/mdpy.ko && r=loaded || r=failed
is "$r" "loaded" "mdpy loads"
insmod $MDEV_MODULES/mbochs.ko && r=loaded || r=failed
is "$r" "loaded" "mbochs loads"
is "$(ls /sys/class/mdev_bus | tr '\n' ' ')" "mbochs mdpy mtty " "three parents"
sample mdpy mdpy-vga mdpy-vga "virtual display, 640x480 framebuffer" 4 3 resolution 640x480
sample mdpy mdpy-xga mdpy-xga "virtual display, 1024x768 framebuffer" 4 3 resolution 1024x768
sample mdpy mdpy-hd mdpy-hd "virtual display, 1920x1080 framebuffer" 4 3 resolution 1920x1080
sample mbochs mbochs-small mbochs-small "virtual display, 4 MB video memory" 64 63 memory "4 MB"
sample mbochs mbochs-medium mbochs-medium "virtual display, 16 MB video memory" 16 15 memory "16 MB"
sample mbochs mbochs-large mbochs-large "virtual display, 64 MB video memory" 4 3 memory "64 MB"
# mdpy: max_instances 4 is accounted by the core and shared by the types
T=/sys/devices/virtual/mdpy/mdpy/mdev_supported_types
for i in 1 2 3 4; do w $T/mdpy-vga/create 30c0ffee-0000-4000-8000-00000000010$i >/dev/null; done
is "$(cat $T/mdpy-xga/available_instances)" "0" "mdpy: four instances use the shared limit"
is "$(w $T/mdpy-hd/create 30c0ffee-0000-4000-8000-000000000105)" "$EUSERS" "mdpy: fifth create EUSERS"
for i in 1 2 3 4; do w /sys/bus/mdev/devices/30c0ffee-0000-4000-8000-00000000010$i/remove 1 >/dev/null; done
wait_eq $T/mdpy-hd/available_instances 4
is "$(cat $T/mdpy-hd/available_instances)" "4" "mdpy: limit back"
# mbochs: get_available from the vendor's memory pool
T=/sys/devices/virtual/mbochs/mbochs/mdev_supported_types
w $T/mbochs-large/create 30c0ffee-0000-4000-8000-000000000201 >/dev/null
is "$(cat $T/mbochs-small/available_instances) $(cat $T/mbochs-large/available_instances)" "48 3" "mbochs: pool shared by types"
w /sys/bus/mdev/devices/30c0ffee-0000-4000-8000-000000000201/remove 1 >/dev/null
is "$(ls /sys/bus/mdev/devices | wc -l)" "0" "no mdev left"
done_testing
