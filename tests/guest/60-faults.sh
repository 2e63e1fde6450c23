#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Fault injection on the core named by $CORE: with failslab restricted to one write(2) through
# /proc/thread-self/fail-nth, fail each allocation of the create path and of the register path
# in turn. Every failure must return an errno and leave no device, link or type directory
# behind, and available_instances must not change (the C core leaks one instance when the
# mdev allocation fails: documented hardening point 4). kmemleak is checked at the end of the
# boot. The driver is mtty_rs with core-side accounting, where that count is the core's.
. /tests/lib/tap.sh
F=/sys/kernel/debug/failslab
CTL=/sys/kernel/debug/mtty_rs/control
P=/sys/devices/faux/mtty_rs0
T=$P/mdev_supported_types/faux_driver-1
MAX=500
echo N > $F/ignore-gfp-wait
echo 0 > $F/verbose
insmod $MDEV_MODULES/mtty_rs.ko max_instances=$MAX

# failnth -l (tests/tools/failnth.c) fails point 1, 2, ... in turn and checks after each write.
# field NAME OUT: the value after NAME in failnth's summary
field() { echo "$2" | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }'; }
# summary WHAT OUT: set n, failed, inj (1 if the last write still hit a point), res (its
# result) and bad (what a failure left behind) from failnth's summary, and print the counts
summary() {
	n=$(field points "$2") failed=$(field failed "$2") inj=$(field last "$2")
	res=$(echo "$2" | sed -n 's/^last [01] //p') bad=$(echo "$2" | sed -n 's/^bad//p')
	echo "# $1: $n injection points, $failed failed with an errno, $(field tolerated "$2") tolerated"
}

# --- create
U=fa11fa11-0000-4000-8000-{n}
out=$(failnth -l 300 $T/create $U -u /sys/bus/mdev/devices/$U/remove 1 \
	-a /sys/bus/mdev/devices/$U -a $P/$U -e $T/devices 2>/tmp/failnth-create)
summary create "$out"
is "$inj" "0" "create: every injection point tried"
is "$((failed > 0))" "1" "create: injected failures reach the writer as errors"
is "$bad" "" "create: no device, child or link left by a failure"
if [ "$CORE" = rs ]; then want=0; else want=1; fi
# the last write reached no injection point: a plain create
u=$(printf 'fa11fa11-0000-4000-8000-%012d' $((n + 1)))
is "$res $(ls /sys/bus/mdev/devices | tr '\n' ' ')" "OK $u " "create without injection: exactly one mdev"
w /sys/bus/mdev/devices/$u/remove 1 >/dev/null
# releases are deferred under DEBUG_KOBJECT_RELEASE and give the instances back; about 90 of
# them queue up here, and on a loaded host the last took over 60 s (its count came back 3 s
# after the first wait gave up), so this wait is longer
WAIT_S=240 wait_eq $T/available_instances $((MAX - want))
leak=$((MAX - $(cat $T/available_instances)))
is "$leak" "$want" "create: instances leaked by failures (C core: 1, documented)"
# on a leak, per point: E (failed) or T (tolerated), then how often its device's last reference
# went (kobject_release under DEBUG_KOBJECT_RELEASE), 25 points a line
[ "$leak" = "$want" ] || { while read -r k r; do
	u=$(printf 'fa11fa11-0000-4000-8000-%012d' "$k")
	[ "$r" = OK ] && c=T || c=E
	printf '%s ' "$k:$c$(dmesg | grep -c "'$u'.*kobject_release")"
	[ $((k % 25)) = 0 ] && echo
done </tmp/failnth-create; echo; } | sed 's/^/# /'
# and whether the count comes back later (a slow release) or not (a leak)
if [ "$leak" != "$want" ]; then
	read -r t0 _ </proc/uptime
	wait_for reads $T/available_instances $((MAX - want)) || wait_for reads $T/available_instances $((MAX - want))
	read -r t1 _ </proc/uptime
	echo "# after $((${t1%.*} - ${t0%.*})) s more: $(cat $T/available_instances) available"
fi

# --- register
w $CTL "unregister 0" >/dev/null
out=$(failnth -l 300 $CTL "register 0" -u $CTL "unregister 0" -p $T \
	-a $P/mdev_supported_types -a /sys/class/mdev_bus/mtty_rs0 2>/dev/null)
summary register "$out"
is "$inj" "0" "register: every injection point tried"
is "$((failed > 0))" "1" "register: injected failures reach the caller as errors"
is "$bad" "" "register: no types directory or mdev_bus link left by a failure"
is "$res $(ls /sys/class/mdev_bus | grep -c mtty_rs0)" "OK 1" "register without injection"
is "$(cat $T/available_instances)" "$MAX" "full count after register"
rmmod_sample && r=unloaded || r=failed
is "$r" "unloaded" "unload"
echo Y > $F/ignore-gfp-wait
done_testing
