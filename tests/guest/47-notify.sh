#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# poll() on available_instances, on the core named by $CORE. Ours notifies the attribute of
# every type of a parent (kernfs_notify) at each create, remove and release of the parent's
# mdevs, once a reader has it open, so a tool can sleep until the capacity changes; upstream
# never notifies it (Documentation/differences.rst, point 15), and its pollers time out.
. /tests/lib/tap.sh
# A poller's bound (guest time, which stops while a busy host holds the guest): ours must
# notify well within it; upstream's pollers, and those that expect nothing, run out 3 s.
if [ "$CORE" = rs ]; then WANT=notified MS=20000; else WANT=timeout MS=3000; fi
# polled MS FILE CMD...: arm a poller on FILE for MS ms, run CMD, print what the poller saw
polled() {
	b=$1 f=$2; shift 2
	rm -f /tmp/poll.out
	pollwait "$f" $b > /tmp/poll.out &
	p=$!
	wait_for grep -q armed /tmp/poll.out >&2	# its comment on a long wait is not the result
	"$@" >/dev/null
	wait $p
	tail -1 /tmp/poll.out
}
U=47a00000-0000-4000-8000-000000000001 U2=47a00000-0000-4000-8000-000000000002

# The C mtty: get_available, one port pool for both types.
T=/sys/devices/virtual/mtty/mtty/mdev_supported_types
is "$(polled $MS $T/mtty-2/available_instances w $T/mtty-1/create $U)" "$WANT" \
	"mtty: create on mtty-1, poller of mtty-2: $WANT"
is "$(cat $T/mtty-2/available_instances)" "11" "mtty: mtty-2 count after the create"
is "$(polled $MS $T/mtty-1/available_instances w /sys/bus/mdev/devices/$U/remove 1)" "$WANT" \
	"mtty: remove, poller of mtty-1: $WANT"
wait_eq $T/mtty-1/available_instances 24
is "$(cat $T/mtty-1/available_instances)" "24" "mtty: count back after the release"
is "$(polled 3000 $T/mtty-1/available_instances w $T/mtty-1/create "not-a-uuid")" "timeout" \
	"mtty: refused create, poller of mtty-1: timeout"

# mtty_rs with core-side accounting (max_instances: one count for both types).
insmod $MDEV_MODULES/mtty_rs.ko max_instances=4
T=/sys/devices/faux/mtty_rs0/mdev_supported_types
is "$(polled $MS $T/faux_driver-1/available_instances w $T/faux_driver-2/create $U2)" "$WANT" \
	"mtty_rs, core accounting: create on type 2, poller of type 1: $WANT"
is "$(cat $T/faux_driver-1/available_instances)" "3" "mtty_rs: count after the create"
is "$(polled $MS $T/faux_driver-2/available_instances w /sys/bus/mdev/devices/$U2/remove 1)" "$WANT" \
	"mtty_rs: remove, poller of type 2: $WANT"
wait_eq $T/faux_driver-2/available_instances 4
is "$(cat $T/faux_driver-2/available_instances)" "4" "mtty_rs: count back after the release"
rmmod_sample
done_testing
