#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Benchmark both cores with the same vendor driver (the Rust sample, which runs on either) in
# one boot, alternating the order of the cores every round. Prints one line per measurement,
# "BENCH core=C round=R metric=M x=X value=V" (V in ns per operation, or bytes per mdev for
# mem), and a TAP case for each so that a loop that stops producing numbers fails.
# SIZE=full (make bench) or tiny (make check: proves the code runs, times are not asserted).
. /tests/lib/tap.sh
M=$MDEV_MODULES
if [ "${SIZE:-tiny}" = full ]; then
	ROUNDS=5 CR=100 LIVE="1000 5000 10000" PROBE=100 PARENTS="1 100 1000" REG=5
else
	ROUNDS=2 CR=5 LIVE="10 20" PROBE=5 PARENTS="1 3" REG=1
fi
T=/sys/devices/faux/mtty_rs0/mdev_supported_types/faux_driver-1
CTL=/sys/kernel/debug/mtty_rs/control
n=0
emit() {
	n=$((n + 1))
	echo "BENCH core=$core round=$r metric=$1 x=$2 value=$3"
	# an integer; memory deltas at tiny sizes may be negative (noise)
	case ${3#-} in
	'' | *[!0-9]*) echo "not ok $n - $core $1 $2 (round $r): no value" ;;
	*) echo "ok $n - $core $1 $2 (round $r)" ;;
	esac
}
used() { awk '/^MemTotal:/ { t = $2 } /^MemFree:/ { f = $2 } END { print (t - f) * 1024 }' /proc/meminfo; }
bench_core() {
	if [ $core = rs ]; then insmod $M/mdev_rs.ko; else insmod $M/mdev.ko; fi
	max=${LIVE##* }
	insmod $M/mtty_rs.ko ports=$((max + PROBE + CR))
	emit cr 0 "$(mdev_bench cr $T $CR)"
	live=0 base=$(used)
	for L in $LIVE; do
		mdev_bench fill $T $((100000 + live)) $((100000 + L))
		live=$L
		emit create $L "$(mdev_bench create $T $((1000000 + L)) $PROBE)"
	done
	emit mem $live $((($(used) - base) / live))
	mdev_bench drain
	rmmod_sample
	for p in $PARENTS; do
		insmod $M/mtty_rs.ko nr_parents=$p
		emit reg $p "$(mdev_bench write $CTL "unregister all" "register all" $REG)"
		rmmod_sample
	done
	if [ $core = rs ]; then rmmod mdev_rs; else rmmod mdev; fi
}
for r in $(seq 1 $ROUNDS); do
	if [ $((r % 2)) = 1 ]; then order="rs c"; else order="c rs"; fi
	for core in $order; do bench_core; done
done
echo "1..$n"
