#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Edge cases a C vendor driver can pass (tests/vendor/mdev_hostile.c), on the core named by
# $CORE: both cores give the same results, except where Documentation/differences.rst says.
. /tests/lib/tap.sh
M=$MDEV_MODULES/mdev_hostile.ko
if [ ! -f "$M" ]; then
	ok "# SKIP mdev_hostile.ko is built out of tree only"
	done_testing
	exit 0
fi
P=/sys/devices/faux/mdev_hostile0
T=$P/mdev_supported_types
PAR=/sys/module/mdev_hostile/parameters
R=$PAR/result
# a UUID stays taken until its device's release, which the sanitizer kernel delays: one each
u() { echo 3d3d0000-0000-4000-8000-00000000000$1; }
# load SCENARIO [PARAM=VALUE...]: set the parameters (the others to their defaults), then run
# the scenario (which unregisters the last one); prints mdev_register_parent()'s result
load() {
	sc=$1; shift
	for a in len=4095 max=4 probe_ret=0 probe_ms=0 remove_ms=0 "$@"; do echo "${a#*=}" > $PAR/${a%%=*}; done
	echo "$sc" > $PAR/scenario && cat $R
}
insmod $M scenario=zero-types

is "$(load plain)" "0" "plain: registered"
is "$(ls $T | tr '\n' ' ')" "faux_driver-1 faux_driver-2 " "plain: type directories"
is "$(cat $T/faux_driver-1/name) $(cat $T/faux_driver-2/name)" "one 2" "plain: pretty_name, else sysfs_name"

is "$(load zero-types)" "0" "zero types: registered"
is "$(ls -A $T | wc -l) $(ls /sys/class/mdev_bus | grep -c mdev_hostile0)" "0 1" "zero types: empty mdev_supported_types, mdev_bus link"

# sysfs_emit() cuts at PAGE_SIZE - 1 bytes, the newline first
for n in 4094 4095 4096 5000; do
	is "$(load long-name len=$n)" "0" "$n-byte pretty_name and device_api: registered"
	want=$((n < 4095 ? n + 1 : 4095))
	is "$(wc -c < $T/faux_driver-1/name) $(wc -c < $T/faux_driver-1/device_api)" "$want $want" \
		"$n-byte strings: reads of $want bytes"
done

is "$(load bytes-name)" "0" "pretty_name not UTF-8: registered"
is "$(od -An -tx1 $T/faux_driver-1/name | tr -d ' \n')" "fffe2dc30a" "pretty_name not UTF-8: its bytes"

is "$(load no-pretty-name)" "0" "no pretty_name: registered"
is "$(cat $T/faux_driver-1/name)" "1" "no pretty_name: sysfs_name"

# A NULL device_api or sysfs_name: upstream prints "(null)"; our core refuses the registration
# (Documentation/differences.rst, point 7).
r=$(load null-api)
if [ $CORE = rs ]; then
	is "$r $(ls $P | grep -c mdev_supported_types)" "-22 0" "NULL device_api: EINVAL, nothing registered"
else
	is "$r $(cat $T/faux_driver-1/device_api)" "0 (null)" "NULL device_api: upstream prints (null)"
fi
r=$(load null-sysfs-name)
if [ $CORE = rs ]; then
	is "$r $(ls $P | grep -c mdev_supported_types)" "-22 0" "NULL sysfs_name: EINVAL, nothing registered"
else
	is "$r $(ls $T | tr '\n' ' ')" "0 faux_driver-(null) faux_driver-1 " "NULL sysfs_name: upstream names it (null)"
fi

is "$(load max max=0)" "0" "max_instances 0: registered"
is "$(cat $T/faux_driver-1/available_instances) $(w $T/faux_driver-1/create $(u 1))" "0 $EUSERS" \
	"max_instances 0: none available, create EUSERS"

is "$(load max max=4294967295)" "0" "max_instances UINT_MAX: registered"
is "$(cat $T/faux_driver-2/available_instances)" "4294967295" "max_instances UINT_MAX: available"
is "$(w $T/faux_driver-2/create $(u 2)) $(cat $T/faux_driver-1/available_instances)" "OK 4294967294" \
	"max_instances UINT_MAX: create takes one"
w /sys/bus/mdev/devices/$(u 2)/remove 1 >/dev/null
wait_eq $T/faux_driver-1/available_instances 4294967295
is "$(cat $T/faux_driver-1/available_instances)" "4294967295" "max_instances UINT_MAX: back after remove"

is "$(load get-available max=4294967295)" "0" "get_available UINT_MAX: registered"
is "$(cat $T/faux_driver-1/available_instances)" "4294967295" "get_available UINT_MAX: shown as %u"
is "$(w $T/faux_driver-1/create $(u 3))" "OK" "get_available: the core does not count"
w /sys/bus/mdev/devices/$(u 3)/remove 1 >/dev/null

# probe's result reaches the writer as device_driver_attach() returns it
for r in 1 -28 -19; do
	case $r in 1) want="Operation not permitted" ;; -28) want=$ENOSPC ;; -19) want=$ENODEV ;; esac
	is "$(load probe probe_ret=$r)" "0" "probe returns $r: registered"
	is "$(w $T/faux_driver-1/create $(u $((4 + ${r#-} % 5))))" "$want" "probe returns $r: create fails with $want"
	wait_eq $T/faux_driver-1/available_instances 4
	is "$(ls /sys/bus/mdev/devices | wc -l) $(cat $T/faux_driver-1/available_instances)" "0 4" \
		"probe returns $r: no device, no instance used"
done

# Vendor bugs. Our core refuses each with a WARN and changes nothing (Documentation/
# differences.rst, point 1); upstream's core has no check: a second registration of a parent or a
# device adds its sysfs directories again (duplicate names) and a second unregistration deletes a
# list entry twice, so these run on our core only.
R2=/sys/module/mdev_hostile/parameters/result2
if [ $CORE = rs ]; then
	echo "# expect WARNING mdev_registry.rs"
	is "$(load double-register) $(cat $R2)" "0 -17" "the same parent twice: EEXIST, WARN"
	is "$(ls $T | tr '\n' ' ')" "faux_driver-1 faux_driver-2 " "the same parent twice: first registration intact"
	echo "# expect WARNING mdev_registry.rs"
	is "$(load same-device) $(cat $R2)" "0 -17" "a second parent on the same device: EEXIST, WARN"
	is "$(w $T/faux_driver-1/create $(u 9))" "OK" "a second parent on the same device: first registration works"
	w /sys/bus/mdev/devices/$(u 9)/remove 1 >/dev/null
	echo "# expect WARNING mdev_registry.rs"
	is "$(load unregister-unknown)" "0" "unregister of a parent never registered: WARN"
	is "$(ls $T | tr '\n' ' ')" "faux_driver-1 faux_driver-2 " "unregister of a parent never registered: nothing touched"
	echo "# expect WARNING mdev_registry.rs"
	is "$(load double-unregister)" "0" "unregister twice: WARN"
	is "$(ls $P | grep -c mdev_supported_types) $(ls /sys/class/mdev_bus | grep -c mdev_hostile0)" "0 0" \
		"unregister twice: parent gone once"
fi
# A remove written while unregistration removes the parent's devices (the vendor's remove()
# of the first sleeps; the second is next): ENODEV on both cores, as the device goes with
# the parent.
U2=3d3d0000-0000-4000-8000-000000000010
is "$(load plain remove_ms=3000)" "0" "slow remove(): registered"
is "$(w $T/faux_driver-1/create $(u 5)) $(w $T/faux_driver-1/create $U2)" "OK OK" "slow remove(): two created"
n=$(dmesg | grep -c 'mdev_hostile: remove')
echo plain > $PAR/scenario &
wait_for sh -c "[ \$(dmesg | grep -c 'mdev_hostile: remove') -gt $n ]"
is "$(w $P/$U2/remove 1)" "$ENODEV" "remove during unregistration: ENODEV"
wait
is "$(cat $R) $(ls /sys/bus/mdev/devices | wc -l)" "0 0" "remove during unregistration: devices gone, registered again"

# Duplicate type names make one directory twice; our core refuses them with EEXIST before
# making anything, upstream's fails in sysfs with a stack dump. A NULL type array, one type
# twice and one type array on two parents corrupt upstream's kobjects (embedded in the types),
# and unregister from remove() during unregistration deadlocks it (its unreg_sem): these run
# on our core only (Documentation/differences.rst, points 7, 9 and 10).
if [ $CORE = rs ]; then
	is "$(load duplicate-name) $(ls $P | grep -c mdev_supported_types)" "-17 0" \
		"two types of one sysfs_name: EEXIST, nothing registered"
	is "$(load duplicate-type) $(ls $P | grep -c mdev_supported_types)" "-17 0" \
		"one type twice: EEXIST, nothing registered"
	is "$(load null-types) $(ls $P | grep -c mdev_supported_types)" "-22 0" \
		"NULL type array: EINVAL, nothing registered"
	is "$(load shared-types) $(cat $R2)" "0 0" "one type array on two parents: both registered"
	T1=/sys/devices/faux/mdev_hostile1/mdev_supported_types
	is "$(ls $T | tr '\n' ' ')| $(ls $T1 | tr '\n' ' ')" "faux_driver-1 faux_driver-2 | faux_driver-1 faux_driver-2 " \
		"one type array on two parents: type directories of each"
	is "$(w $T/faux_driver-1/create $(u 6)) $(w $T1/faux_driver-1/create $(u 7))" "OK OK" \
		"one type array on two parents: a create on each"
	is "$(cat $T/faux_driver-1/available_instances) $(cat $T1/faux_driver-1/available_instances)" "3 3" \
		"one type array on two parents: instances counted per parent"
	is "$(load unregister-in-remove)" "0" "unregister from remove(): registered"
	is "$(w $T/faux_driver-1/create $(u 8))" "OK" "unregister from remove(): created"
	echo "# expect WARNING mdev_registry.rs"
	is "$(load plain)" "0" "unregister from remove() during unregistration: WARN, returns"
	is "$(ls /sys/bus/mdev/devices | wc -l) $(ls $T | tr '\n' ' ')" "0 faux_driver-1 faux_driver-2 " \
		"unregister from remove(): device gone, the next scenario registered"
fi
rmmod mdev_hostile && r=unloaded || r=failed
is "$r $(ls $P 2>/dev/null | wc -l)" "unloaded 0" "unload: the last scenario unregistered, parent gone"
done_testing
