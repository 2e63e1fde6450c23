#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The uevents of an mdev on the core named by $CORE, read the moment they arrive
# (tests/tools/uevlog.c -m), from a C vendor driver whose probe() takes 2 s
# (tests/vendor/mdev_hostile.c). Both cores send add, bind, unbind and remove. Our core sends
# add and bind once the device's mdev_type link exists, and every event carries MDEV_TYPE and
# MDEV_PARENT; upstream sends add before the link and neither entry (differences.rst).
. /tests/lib/tap.sh
M=$MDEV_MODULES/mdev_hostile.ko
if [ ! -f "$M" ]; then
	ok "# SKIP mdev_hostile.ko is built out of tree only"
	done_testing; exit 0
fi
T=/sys/devices/faux/mdev_hostile0/mdev_supported_types/faux_driver-1
U=45e0e000-0000-4000-8000-000000000001
L=/tmp/uevents-mdev.log
others=" $(pidof uevlog) "
uevlog -m $L
# A driver directory goes with a release that DEBUG_KOBJECT_RELEASE delays.
wait_for absent /sys/bus/mdev/drivers/mdev_hostile
insmod $M probe_ms=2000 scenario=plain
is "$(w $T/create $U)" "OK" "create, with a probe() of 2 s"
wait_for grep -q "^bind $U " $L
is "$(w /sys/bus/mdev/devices/$U/remove 1)" "OK" "remove"
wait_for grep -q "^remove $U " $L
sed 's/^/# /' $L
is "$(cut -d' ' -f1,2 $L | tr '\n' ' ')" "add $U bind $U unbind $U remove $U " \
	"the events: add, bind, unbind, remove"
# ev ACTION FIELD: that field of that event (type=, parent=, link=)
ev() { grep "^$1 " $L | tr ' ' '\n' | grep "^$2=" | cut -d= -f2; }
if [ "$CORE" = rs ]; then
	is "$(ev add link) $(ev bind link)" "faux_driver-1 faux_driver-1" \
		"add and bind: the mdev_type link is there when each arrives"
	for a in add bind unbind remove; do
		is "$(ev $a type) $(ev $a parent)" "faux_driver-1 mdev_hostile0" \
			"$a: MDEV_TYPE and MDEV_PARENT"
	done
else
	is "$(ev add link)" "-" "upstream: add arrives before the mdev_type link (probe() still sleeping)"
	is "$(grep -c 'type=-  *parent=-' $L)" "4" "upstream: no MDEV_TYPE, no MDEV_PARENT"
fi
rmmod mdev_hostile
for p in $(pidof uevlog); do case $others in *" $p "*) ;; *) kill $p ;; esac; done
rm -f $L
done_testing
