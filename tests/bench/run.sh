#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Benchmark both cores with the same vendor driver (the Rust sample, which runs on either) in
# one boot, alternating the order of the cores every round, after an unreported warm-up round
# of both. Every timed loop follows an untimed pass of the same loop: the first operations
# after a module load pay one-off costs (about 4 ms for the first create + remove against
# 0.3 ms later), which would otherwise dominate the small loops. Prints one line per
# measurement, "BENCH core=C round=R metric=M x=X value=V" (V in ns per operation, or bytes
# per mdev for mem*), and a TAP case for each so that a loop that stops producing numbers fails.
# SIZE=full or scale (make bench), quick (make bench QUICK=1: the rows with goals below 65,536
# live, three rounds) or tiny (make check: proves the code runs, times are not asserted).
# SIZE=insn-METRIC-CORE-N (make bench PROFILE=insn) runs one loop of one core for an instruction
# profile: N create + remove pairs (cr) or N unregister + register cycles of 1,000 parents (reg).
. /tests/lib/tap.sh
M=$MDEV_MODULES
# LIVE: the live mdevs at which creates are timed and memory is read; SCALE_LIVE, the same
# beyond, up to the 65,536 instances vfio-ap allows, in rounds 1 to SCALE_ROUNDS only: the
# C core's fill is quadratic, and on the instruction clock one round repeats to 0.3%.
# SIZE=scale (the bench's instruction-clock boot) is full with SCALE_LIVE. UNREG: the live
# mdevs of the parent whose unregistration is timed.
case ${SIZE:-tiny} in
full | scale)
	ROUNDS=5 CR=1000 LIVE="1000 5000 10000" PROBE=100 PARENTS="1 100 1000" REG=5 UNREG=10000
	SCALE_LIVE= SCALE_ROUNDS=1
	[ "$SIZE" = scale ] && SCALE_LIVE="20000 40000 65536" ;;
quick)
	ROUNDS=3 CR=1000 LIVE=10000 PROBE=100 PARENTS=1000 REG=5 UNREG=10000 SCALE_LIVE= SCALE_ROUNDS=0 ;;
*)
	ROUNDS=2 CR=5 LIVE="20 200" PROBE=5 PARENTS="1 3" REG=1 UNREG=20 SCALE_LIVE=400 SCALE_ROUNDS=1 ;;
esac
T=/sys/devices/faux/mtty_rs0/mdev_supported_types/faux_driver-1
CTL=/sys/kernel/debug/mtty_rs/control
if [ "${SIZE#insn-}" != "${SIZE:-}" ]; then
	# shellcheck disable=SC2046 # split on purpose
	set -- $(echo "$SIZE" | tr - ' ')
	metric=$2 core=$3 n=$4
	if [ "$core" = rs ]; then insmod $M/mdev_rs.ko; else insmod $M/mdev.ko; fi
	case $metric in
	cr)
		insmod $M/mtty_rs.ko ports=100
		mdev_bench cr $T 200 5000000 >/dev/null
		v=$(mdev_bench cr $T "$n") ;;
	reg)
		insmod $M/mtty_rs.ko nr_parents=1000
		mdev_bench write $CTL "unregister all" "register all" 1 >/dev/null
		v=$(mdev_bench write $CTL "unregister all" "register all" "$n") ;;
	esac
	# The profile counts from boot to power-off; the report subtracts a short run from a long one.
	echo "INSN metric=$metric core=$core n=$n value=$v"
	# Where the kernel and the modules are, to name the addresses.
	grep -E ' _stext$|\[(mdev|mdev_rs|mtty_rs)\]$' /proc/kallsyms | sed 's/^/KSYM /'
	case $v in '' | *[!0-9]*) echo "not ok 1 - $core $metric: no value" ;; *) echo "ok 1 - $core $metric" ;; esac
	echo "1..1"
	exit 0
fi
n=0
emit() {
	[ "$r" = 0 ] || [ "$r" = p ] && return 0
	n=$((n + 1))
	echo "BENCH core=$core round=$r metric=$1 x=$2 value=$3"
	# an integer; memory deltas at tiny sizes may be negative (noise)
	case ${3#-} in
	'' | *[!0-9]*) echo "not ok $n - $core $1 $2 (round $r): no value" ;;
	*) echo "ok $n - $core $1 $2 (round $r)" ;;
	esac
}
# The cheapest of three runs of a loop. A short loop (create + remove: 1,000 pairs, 150 ms of
# guest time) may share the CPUs with a kworker or a batch of RCU callbacks: seen on both cores,
# up to a quarter more per pair in one of five rounds, on either clock.
best3() {
	b=
	for _ in 1 2 3; do
		v=$("$@")
		{ [ -z "$b" ] || [ "$v" -lt "$b" ]; } && b=$v
	done
	echo "$b"
}
# Memory, all per-mdev objects being slab objects: mem counts the bytes of allocated objects
# (/proc/slabinfo: active objects x object size), memslab the pages the slab caches hold, memfree
# MemTotal - MemFree, which also sees page-level noise such as per-CPU free page lists.
slabs() { awk 'NR > 2 { print $1, $2 * $4 }' /proc/slabinfo; }
objs() { slabs | awk '{ t += $2 } END { print t }'; }
slab() { awk '/^Slab:/ { print $2 * 1024 }' /proc/meminfo; }
used() { awk '/^MemTotal:/ { t = $2 } /^MemFree:/ { f = $2 } END { print (t - f) * 1024 }' /proc/meminfo; }
# PROFILE=1 (make bench PROFILE=1): after the timed rounds, an unreported pass per core with perf
# profiles of the measured commands, and the slab caches that grew with the live mdevs.
profiling() { [ "$r" = p ]; }
profile() {	# profile METRIC COMMAND...
	profiling || return 0
	m=$1; shift
	if ! HOME=/tmp perf record -q -a -g -F 20000 -o /tmp/perf.data -- "$@" >/dev/null 2>&1; then
		echo "PROFILE core=$core metric=$m: perf record failed"
		return 0
	fi
	HOME=/tmp perf report -i /tmp/perf.data --stdio -n --children --sort sym --percent-limit 0.5 \
		-g none 2>&1 | sed -n '/^# Samples/p; /^[^#]/p' | sed "s/^/PROFILE core=$core metric=$m: /"
	rm -f /tmp/perf.data
}
bench_core() {
	if [ $core = rs ]; then insmod $M/mdev_rs.ko; else insmod $M/mdev.ko; fi
	lives=$LIVE
	if [ -n "$SCALE_LIVE" ] && [ "$r" != p ] && [ "$r" -ge 1 ] && [ "$r" -le $SCALE_ROUNDS ]; then
		lives="$LIVE $SCALE_LIVE"
	fi
	max=${lives##* }
	insmod $M/mtty_rs.ko ports=$((max + PROBE + CR))
	# Other UUIDs: a release, and with it the UUID, may come late (DEBUG_KOBJECT_RELEASE).
	mdev_bench cr $T $CR 3000000 >/dev/null
	emit cr 0 "$(best3 mdev_bench cr $T $CR)"
	profile cr mdev_bench cr $T $((CR * 5))
	live=0 base=$(used) sbase=$(slab) obase=$(objs)
	profiling && slabs >/tmp/slabs.before
	for L in $lives; do
		mdev_bench fill $T $((100000 + live)) $((100000 + L))
		live=$L
		emit create $L "$(mdev_bench create $T $((1000000 + L)) $PROBE)"
		emit mem $L $((($(objs) - obase) / L))
		emit memslab $L $((($(slab) - sbase) / L))
		emit memfree $L $((($(used) - base) / L))
	done
	if profiling; then
		slabs | awk -v n=$live -v c=$core 'NR == FNR { b[$1] = $2; next } $2 != b[$1] {
			printf "PROFILE core=%s metric=slab: %-24s %8.1f bytes/mdev\n", c, $1, ($2 - b[$1]) / n }' \
			/tmp/slabs.before -
	fi
	profile create mdev_bench create $T 2000000 $((PROBE * 5))
	mdev_bench drain
	# Unregistering a parent with UNREG live mdevs: the core removes them all.
	mdev_bench fill $T 3000000 $((3000000 + UNREG))
	if profiling; then
		profile unreg mdev_bench once $CTL "unregister 0"
	else
		emit unreg $UNREG "$(mdev_bench once $CTL "unregister 0")"
	fi
	w $CTL "register 0" >/dev/null
	rmmod_sample
	for p in $PARENTS; do
		insmod $M/mtty_rs.ko nr_parents=$p
		mdev_bench write $CTL "unregister all" "register all" 1 >/dev/null
		emit reg $p "$(mdev_bench write $CTL "unregister all" "register all" $REG)"
		[ $p = "${PARENTS##* }" ] && profile reg mdev_bench write $CTL "unregister all" "register all" $((REG * 10))
		rmmod_sample
	done
	if [ $core = rs ]; then rmmod mdev_rs; else rmmod mdev; fi
	# The next core registers the same names; under DEBUG_KOBJECT_RELEASE they go late.
	wait_for sh -c '[ ! -e /sys/class/mdev_bus ] && [ ! -e /sys/bus/mdev ]'
}
rounds="0 $(seq 1 $ROUNDS)"
[ "${PROFILE:-0}" = 1 ] && command -v perf >/dev/null && rounds="$rounds p"
for r in $rounds; do
	if [ $r = p ] || [ $((r % 2)) = 1 ]; then order="rs c"; else order="c rs"; fi
	for core in $order; do bench_core; done
done
echo "1..$n"
