#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the modules, boot the test kernels under QEMU, run the guest tests, and report.
# Usage: check.sh check|quick|demo|shell|build|bench
# (env: KDIR, O, LLVM, EXTRA_TESTS, T, INTREE, ACCEL, QEMU_TIMEOUT, PROFILE, QUICK, UDEV)
#
# `check` boots these guests side by side (each plan is one boot; see tests/initramfs/init):
#   rs      sanitizer kernel (debug), our core as a module: KUnit and tests/guest
#   intree  sanitizer kernel with our core built in: KUnit and tests/guest
#   c       reference kernel (ref, no sanitizers): upstream's mdev.ko, tests/guest
#   cvendor sanitizer kernel: upstream's mdev.ko with mtty_rs alone (the Rust vendor API)
#   bench   reference kernel: tests/bench at tiny sizes (the bench code runs; no timing)
#   rs72    Linux 7.2's sanitizer kernel, our core as a module: KUnit, the ABI checks with the
#           C mtty and with mtty_rs, the C samples
#   c72     the same kernel with its upstream mdev.ko: the same checks
#   extra   sanitizer kernel: every executable of EXTRA_TESTS
# With KDIR= every plan boots that kernel. `quick` is the inner loop: the rs boot with KUnit
# and the ABI checks with the C and the Rust sample (T widens or narrows it).
set -euo pipefail
. "$(dirname "$0")/env.sh"
mode=${1:-check}
mkdir -p "$OUT" && rm -f "$OUT/restarted"
t0=$(date +%s)
if [ "$mode" = quick ]; then
	T=${T:-rs/kunit,rs/10-*,rs/20-*}
	INTREE=0
fi
# T: globs separated by commas or spaces, matched against test names (rs/10-mtty-abi.sh, ...).
TF=$(echo "${T:-*}" | tr ' ' ,)
matches() { FILTER=$TF matches_filter "$1"; }
plan_tests() {	# plan_tests PLAN: the names of the tests a boot of PLAN runs
	local t
	case $1 in rs | intree | rs72) echo "$1/kunit" ;; esac
	case $1 in
	rs | c) for t in "$TOP"/tests/guest/*; do echo "$1/${t##*/}"; done ;;
	# Built in: what depends on how the core is built and loaded (initcall, the built-in C
	# mtty, the samples, VFIO); the tests of the core's logic (parameters, vendor edges, races,
	# faults, mdevctl) run on the same code as a module (rs).
	intree) for t in "$TOP"/tests/guest/{05,10,20,30,40}-*; do echo "$1/${t##*/}"; done ;;
	# The tests of mtty_rs, whose vendor API must be sound on the C core's delayed releases.
	cvendor) for t in "$TOP"/tests/guest/{20,25,50,60}-*; do echo "$1/${t##*/}"; done ;;
	# On 7.2, what shows the core works there: the ABI with both samples, the C samples.
	rs72 | c72) for t in "$TOP"/tests/guest/{10,20,30}-*; do echo "$1/${t##*/}"; done ;;
	bench) echo bench/run.sh ;;
	extra) for t in "$EXTRA_TESTS"/*; do [ -f "$t" ] && [ -x "$t" ] && echo "extra/${t##*/}"; done ;;
	esac
	return 0
}
wants() {	# wants PLAN: some test of PLAN matches T
	local n
	for n in $(plan_tests "$1"); do matches "$n" && return 0; done
	return 1
}

# Kernels: KOBJ_<flavour> is a build directory, KSRC the source tree modules build against.
if [ -z "${KDIR:-}" ]; then
	bash "$TOP/scripts/deps.sh" $([ "$mode" = bench ] && echo bench)
	KSRC=$(build_src)
	kernel() { bash "$TOP/scripts/kernel.sh" "$1"; }
else
	KOBJ=${O:-$KDIR}
	KSRC=$KDIR
	[ -f "$KOBJ/arch/x86/boot/bzImage" ] || die "no bzImage in $KOBJ: KDIR (and O) must name a built kernel"
	command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (Debian: qemu-system-x86 from bookworm-backports)"
	command -v busybox >/dev/null || die "busybox missing (Debian: busybox-static)"
	kernel() { echo "$KOBJ"; }
fi
export KSRC

modules() {	# modules NAME KOBJ [lint] [kunit]: build both modules for KOBJ into $OUT/mod-NAME;
	# kunit: the build of mdev_rs.ko with its KUnit suite (MDEV_RS_KUNIT=1). MSRC: the source
	# tree of KOBJ (default KSRC).
	local mod=$OUT/mod-$1 kobj=$2 lint=${3:-} kunit=${4:-} mk
	if [ -n "${KDIR:-}" ]; then mk=(make -C "$KDIR"); [ -n "${O:-}" ] && mk+=(O="$O")
	else mk=(make -C "${MSRC:-$KSRC}" O="$kobj"); fi
	rm -rf "$mod"; mkdir -p "$mod"
	# A copy, so the work tree stays clean.
	cp -r "$TOP"/Kbuild "$TOP"/*.rs "$TOP"/*.c "$TOP"/samples "$TOP"/rust "$mod/"
	mkdir -p "$mod/tests" && cp -r "$TOP"/tests/vendor "$mod/tests/"
	# lint: with CLIPPY=1, clippy-driver compiles the objects and lints them in one pass.
	if ! "${mk[@]}" "${KMAKE_TOOLS[@]}" M="$mod" ${lint:+CLIPPY=1} ${kunit:+MDEV_RS_KUNIT=1} \
			modules >"$mod.log" 2>&1; then
		grep -E -A12 '^(error|warning)|error:' "$mod.log" | head -60 >&2
		echo "error: module build failed; log: $mod.log" >&2
		echo "FAIL build: modules ($1)"; echo "0 passed, 1 failed"; exit 1
	fi
	if [ -n "$lint" ] && grep -E '^warning' "$mod.log" >/dev/null; then
		grep -E -A8 '^warning' "$mod.log" | head -40 >&2
		[ "$mode" = check ] || [ "$mode" = quick ] || die "module build has warnings; log: $mod.log"
	fi
	log "modules built for $1"
}

ACCEL_OPTS=(-accel tcg -cpu max,la57=off)
# The instruction clock: 1 ns per guest instruction; an idle guest's clock jumps to its next timer.
ICOUNT="-icount shift=0,sleep=off"
accel() {	# accel KIMG: KVM where a probe boot shows it works, TCG otherwise
	[ "$mode" = bench ] && return 0	# the instruction clock needs TCG
	ACCEL_USED=$(bash "$TOP/scripts/accel.sh" "$1")
	[ "$ACCEL_USED" = kvm ] && ACCEL_OPTS=(-accel kvm -cpu host)
	return 0
}
boot() {	# boot PLAN KIMG INITRD LOG [interactive]: FILTER (default TF) selects the tests
	local plan=$1 kimg=$2 initrd=$3 logf=$4 filter=${FILTER:-$TF} params= mem=512 b
	# Only our suite, and only in the boot that reports it: the kernel's own built-in suites
	# would add seconds to every boot. The bench loads mdev_rs.ko every round; its suite must
	# not run (and leave work behind) in the timed boot.
	params=kunit.filter_glob=mdev_rs*
	case $plan in rs | intree | rs72) FILTER=$filter matches_filter "$plan/kunit" || params=kunit.enable=0 ;;
	bench) params=kunit.enable=0 mem=2048 ;; esac
	# Built in, the order of initcalls shows the core's level (tests/guest/05-*); their lines
	# are KERN_DEBUG, so in the log buffer but not on the console.
	[ "$plan" = intree ] && params="$params initcall_debug log_buf_len=4M"
	# The test guests run no untrusted code: without mitigations=off each of their syscalls pays
	# for page-table isolation and the other speculation defences, which TCG emulates at length
	# (the bench keeps them, so its history stays comparable). 512 MB: the boot and each
	# kmemleak scan (of the struct pages among others) cost in proportion to memory, and no test
	# needs more.
	[ "$plan" = bench ] || params="$params mitigations=off"
	# No 5-level paging: identify_cpu() clears the CPU feature bits, pgtable_l5_enabled() among
	# them, and a KASAN check in an interrupt inside that window takes the direct map (ff11...)
	# for a wild address: 4 of 11 boots with -cpu max under TCG, 0 of 42 with la57=off.
	# Under TCG a test guest's clock is the instruction clock (1 ns per guest instruction), and
	# an idle guest's clock jumps to its next timer: guest time no longer depends on the host's
	# load, so the local APIC timer's calibration against the PIT cannot fail (see below), a
	# wait_for counts the guest's own work, and sleeps and delayed releases cost no host time
	# (icount runs a guest's vCPUs in one thread). make bench sets its clocks; an interactive
	# guest keeps real time.
	local clock=${QEMU_CLOCK-}
	[ -z "$clock" ] && [ "$mode" != bench ] && [ "${ACCEL_OPTS[1]}" = tcg ] &&
		[ "${5:-}" != interactive ] && clock=$ICOUNT
	# shellcheck disable=SC2206 # clock holds options
	local q=(qemu-system-x86_64 "${ACCEL_OPTS[@]}" $clock -smp ${SMP:-2} -m $mem
		-nographic -no-reboot -bios /usr/share/qemu/qboot.rom -kernel "$kimg" -initrd "$initrd"
		-append "console=ttyS0 panic=-1 oops=panic loglevel=6 $params mdevtest.plan=$plan mdevtest.filter=$filter mdevtest.bench=${BENCH_SIZE:-tiny} mdevtest.udev=${UDEV:-0} mdevtest.profile=${PROFILE:-0}")
	if [ "${5:-}" = interactive ]; then "${q[@]}"; return; fi
	# A guest that has not reached init after BOOT_HANG s hangs in early boot: seen once in
	# about 25 runs, a reference kernel with two vCPUs booting while ten vCPUs shared the host's
	# two CPUs (TCG). It is stopped and booted once more, and the run says so at its end.
	local try pid
	again() {	# again REASON: stop the boot, record and log it, to boot it once more
		kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
		echo "${logf##*/console-}" >>"$OUT/restarted"
		log "boot ${logf##*/console-}: $1; booting it once more"
	}
	for try in 1 2 3; do
		b=$(date +%s)
		log "boot ${logf##*/console-}"
		timeout -k 5 "${QEMU_TIMEOUT:-1200}" "${q[@]}" </dev/null >"$logf" 2>&1 &
		pid=$!
		while kill -0 $pid 2>/dev/null && ! grep -qs '@@boot' "$logf" &&
			[ $(($(date +%s) - b)) -lt "${BOOT_HANG:-240}" ]; do
			sleep 2
		done
		if [ $try = 1 ] && kill -0 $pid 2>/dev/null && ! grep -qs '@@boot' "$logf"; then
			again "no init after ${BOOT_HANG:-240} s"
			continue
		fi
		# On the real-time clock (KVM, the bench's wall clock) the clocksource is jiffies
		# (config/base.config), ticked by the local APIC timer, whose calibration against the
		# PIT fails when a busy host delays the guest: "APIC
		# frequency too slow" or "APIC timer disabled due to verification failure", and the
		# kernel ticks from the PIT, its clock running up to 30
		# times fast (seen twice in about 60 boots), which cuts every wait short. On a host
		# loaded beyond its CPUs a second boot failed it too (a clean-clone run beside make
		# bench): up to two more boots.
		if [ $try -lt 3 ] && grep -qsE 'APIC frequency too slow|APIC timer disabled' "$logf"; then
			again "APIC timer calibration failed"
			continue
		fi
		wait $pid || true
		break
	done
	# The CPU time of this subshell's children: QEMU's, what balances the shards.
	# (times runs in this shell: in a command substitution it would see a child's children)
	local cpu
	times >"$logf.times"
	cpu=$(awk 'END { split($1 " " $2, t, /[ms ]+/); printf "%d", t[1] * 60 + t[2] + t[3] * 60 + t[4] }' "$logf.times")
	rm -f "$logf.times"
	log "boot ${logf##*/console-} finished in $(($(date +%s) - b)) s, QEMU's CPU time $cpu s"
}
matches_filter() {	# matches_filter NAME: NAME is one of the comma-separated globs of FILTER
	local g gs
	IFS=, read -ra gs <<<"$FILTER"
	for g in "${gs[@]}"; do
		# shellcheck disable=SC2053 # $g is a glob
		[[ $1 == $g ]] && return 0
	done
	return 1
}
initramfs() {	# initramfs OUT KOBJ MODDIR
	bash "$TOP/scripts/initramfs.sh" "$1" "$2" "$3" "${EXTRA_TESTS:-}"
}

KOBJ_D=$(kernel debug)
log "kernel: $KOBJ_D"
if [ "$mode" = build ]; then
	modules debug "$KOBJ_D" lint
	cp "$OUT/mod-debug"/*.ko "$OUT/"; log "modules in $OUT"; exit 0
fi
case $mode in
bench)
	# The instruction-clock boot runs about 25 minutes (the C core's fill to 65,536 live mdevs
	# is quadratic); a test boot's 20-minute limit cut it short after round 1.
	QEMU_TIMEOUT=${QEMU_TIMEOUT:-10800}
	KOBJ_B=$(kernel bench)
	modules bench "$KOBJ_B"
	initramfs "$OUT/initramfs-bench.cpio" "$KOBJ_B" "$OUT/mod-bench"
	K=$KOBJ_B/arch/x86/boot/bzImage I=$OUT/initramfs-bench.cpio
	# PROFILE=insn: the instructions of each kernel function per create + remove and per cycle
	# of 1,000 parents, for each core, counted on the instruction clock by a QEMU plugin; two
	# loop lengths per row, whose difference cancels the boot (scripts/insn_profile.py).
	if [ "${PROFILE:-0}" = insn ]; then
		P=$OUT/bench-insn
		rm -rf "$P" && mkdir -p "$P"
		rustc --edition 2021 --crate-type cdylib -O -o "$P/insnprof.so" \
			"$TOP/tests/tools/insnprof.rs" || die "the QEMU plugin did not build"
		for run in cr-rs-500 cr-rs-2500 cr-c-500 cr-c-2500 reg-rs-1 reg-rs-3 reg-c-1 reg-c-3; do
			BENCH_SIZE=insn-$run QEMU_CLOCK="$ICOUNT -plugin file=$P/insnprof.so,out=$P/insn-$run.tb" \
				boot bench "$K" "$I" "$P/console-insn-$run.log"
			grep -qs 'ok 1 - ' "$P/console-insn-$run.log" ||
				die "profile run $run failed; log: $P/console-insn-$run.log"
		done
		exec /usr/bin/python3 "$TOP/scripts/insn_profile.py" "$KOBJ_B/System.map" "$P"
	fi
	# QUICK=1: fewer rows and rounds, on the instruction clock alone; with PROFILE=1 on the wall
	# clock, which perf's sampling needs.
	if [ "${QUICK:-0}" = 1 ] && [ "${PROFILE:-0}" = 1 ]; then
		BENCH_SIZE=quick boot bench "$K" "$I" "$OUT/console-bench-quick.log"
		exec /usr/bin/python3 "$TOP/scripts/bench_report.py" "$OUT/console-bench-quick.log" \
			"$OUT/bench-quick"
	elif [ "${QUICK:-0}" = 1 ]; then
		BENCH_SIZE=quick QEMU_CLOCK=$ICOUNT boot bench "$K" "$I" \
			"$OUT/console-bench-quick.log"
		exec /usr/bin/python3 "$TOP/scripts/bench_report.py" - "$OUT/bench-quick" \
			"$OUT/console-bench-quick.log"
	fi
	BENCH_SIZE=full boot bench "$K" "$I" "$OUT/console-bench.log"
	# The same rounds again with a guest clock that counts instructions (1 ns each): free of
	# host noise and of TCG's own costs, such as a hash lookup per return or indirect jump.
	# It also runs the rows up to 65,536 live mdevs (tests/bench/run.sh, SIZE=scale).
	BENCH_SIZE=scale QEMU_CLOCK=$ICOUNT boot bench "$K" "$I" "$OUT/console-bench-icount.log"
	exec /usr/bin/python3 "$TOP/scripts/bench_report.py" "$OUT/console-bench.log" "$OUT/bench" \
		"$OUT/console-bench-icount.log" ;;
shell | demo)
	modules debug "$KOBJ_D"
	initramfs "$OUT/initramfs-debug.cpio" "$KOBJ_D" "$OUT/mod-debug"
	accel "$KOBJ_D/arch/x86/boot/bzImage"
	if [ "$mode" = shell ]; then
		boot shell "$KOBJ_D/arch/x86/boot/bzImage" "$OUT/initramfs-debug.cpio" /dev/null interactive
		exit 0
	fi
	boot demo "$KOBJ_D/arch/x86/boot/bzImage" "$OUT/initramfs-debug.cpio" "$OUT/console-demo.log"
	sed -n 's/.*@@demo: //p' "$OUT/console-demo.log"
	exit 0 ;;
esac

# check and quick: start each boot as soon as its kernel, modules and initramfs are ready.
rm -f "$OUT"/console-*.log "$OUT/intree.log" "$OUT"/*consumers.cpio
logs=() pids=()
start() {	# start PLAN KOBJ INITRD: the plan's boots, one per shard with a test that T selects
	local plan=$1 n i=0 f smp initrd
	local -a sh=()
	# Shards of the plans that run on the sanitizer kernel, balanced by their run times; a test
	# no shard names goes to the first.
	# quick: a boot for each test, KUnit in the first.
	case $mode:$plan in
	quick:*)
		for n in $(plan_tests "$plan"); do matches "$n" && sh+=("$n"); done
		[ ${#sh[@]} -gt 1 ] && [ "${sh[0]}" = "$plan/kunit" ] && sh=("${sh[0]},${sh[1]}" "${sh[@]:2}") ;;
	*:rs) sh=("$plan/kunit,$plan/05-*,$plan/10-*,$plan/40-*,$plan/45-*,$plan/47-*,$plan/50-*"
		"$plan/20-*,$plan/25-*,$plan/30-*,$plan/35-*,$plan/80-*" "$plan/60-*,$plan/70-*,$plan/85-*") ;;
	*:intree) sh=("$plan/kunit,$plan/05-*,$plan/10-*,$plan/40-*" "$plan/20-*,$plan/30-*") ;;
	*:cvendor) sh=("$plan/20-*,$plan/25-*" "$plan/50-*,$plan/60-*") ;;
	*) sh=("*") ;;
	esac
	local -a sel=()
	for n in $(plan_tests "$plan"); do
		matches "$n" || continue
		i=0
		for f in "${!sh[@]}"; do FILTER=${sh[$f]} matches_filter "$n" && { i=$f; break; }; done
		sel[$i]="${sel[$i]:+${sel[$i]},}$n"
	done
	for i in "${!sel[@]}"; do
		f=$OUT/console-$plan-$((i + 1)).log
		[ ${#sh[@]} = 1 ] && f=$OUT/console-$plan.log
		# One vCPU, except for the stress test and unknown tests: TCG's threads wait for each
		# other when the guests' vCPUs outnumber the host's CPUs.
		smp=1
		case ,${sel[$i]}, in *,$plan/50-* | *,extra/*) smp=2 ;; esac
		initrd=$3
		case ,${sel[$i]}, in *,$plan/8?-*) initrd=$(with_consumers "$3") ;; esac
		SMP=$smp FILTER=${sel[$i]} boot "$plan" "$2/arch/x86/boot/bzImage" "$initrd" "$f" &
		pids+=($!)
		logs+=("$f")
	done
}
with_consumers() {	# with_consumers INITRD: INITRD and QEMU and libvirt (tests/guest/8?-*), or
	# INITRD alone where they are not unpacked (KDIR=): those tests then skip
	local c=$OUT/consumers.cpio out=${1%.cpio}-consumers.cpio
	[ -f "$c" ] || bash "$TOP/scripts/initramfs.sh" consumers "$c" >&2 || { echo "$1"; return; }
	# Once per run: the plan's first boot with it may be loading it already (rewritten under
	# it, a boot got a truncated image: no root, or a QEMU in the guest that never answered).
	[ -f "$out" ] || { cat "$1" "$c" >"$out.tmp" && mv "$out.tmp" "$out"; }
	echo "$out"
}
test_image() {	# test_image NAME KOBJ KUNIT_TEST INITRD: the production modules (linted) and,
	# when T selects KUNIT_TEST, beside them the build with the KUnit suite; then INITRD.
	local kp=
	if matches "$3"; then modules "$1-kunit" "$2" "" kunit & kp=$!; fi
	modules "$1" "$2" lint
	[ -z "$kp" ] || wait "$kp" || exit 1
	KUNIT_MODDIR=${kp:+$OUT/mod-$1-kunit} initramfs "$4" "$2" "$OUT/mod-$1"
}
test_image debug "$KOBJ_D" rs/kunit "$OUT/initramfs-debug.cpio"
export MODLOG=$OUT/mod-debug.log
accel "$KOBJ_D/arch/x86/boot/bzImage"
log "accelerator: $ACCEL_USED"
start rs "$KOBJ_D" "$OUT/initramfs-debug.cpio"
[ -n "${KDIR:-}" ] || start cvendor "$KOBJ_D" "$OUT/initramfs-debug.cpio"
[ -n "${EXTRA_TESTS:-}" ] && start extra "$KOBJ_D" "$OUT/initramfs-debug.cpio"
# In tree: the same sources built into the sanitizer kernel. INTREE=0 skips it; it needs the
# cached source tree, so not with KDIR=.
case ${INTREE:-1}:${KDIR:-} in 1:)
	if wants intree; then
		# The kernel of the in-tree series (scripts/series.sh), whose checks come first.
		echo "@@boot intree-build" >"$OUT/intree.log"
		rm -f "$OUT/series.tap"
		KOBJ_I=$(kernel intree 2>"$OUT/intree-build.log") && r=ok || r="not ok"
		[ -f "$OUT/series.tap" ] && sed 's/^/@@intree-build: /' "$OUT/series.tap" >>"$OUT/intree.log"
		echo "@@intree-build: $r $(($(grep -c '^\(not \)\?ok' "$OUT/series.tap" 2>/dev/null || echo 0) + 1)) - in-tree kernel build of the series, core and C sample mtty built in" >>"$OUT/intree.log"
		if [ "$r" = ok ]; then
			initramfs "$OUT/initramfs-intree.cpio" "$KOBJ_I" "$KOBJ_I/samples/vfio-mdev"
			start intree "$KOBJ_I" "$OUT/initramfs-intree.cpio"
		else
			cat "$OUT/intree-build.log" >&2
		fi
		echo "@@done intree-build" >>"$OUT/intree.log"
		logs+=("$OUT/intree.log")
	fi ;;
esac
# Upstream's runs: the reference kernel, or the user's kernel with KDIR=.
if wants c || wants bench; then
	if [ -n "${KDIR:-}" ]; then KOBJ_R=$KOBJ_D; else KOBJ_R=$(kernel ref); modules ref "$KOBJ_R"; fi
	initramfs "$OUT/initramfs-ref.cpio" "$KOBJ_R" "$OUT/mod-$([ -n "${KDIR:-}" ] && echo debug || echo ref)"
	start c "$KOBJ_R" "$OUT/initramfs-ref.cpio"
	start bench "$KOBJ_R" "$OUT/initramfs-ref.cpio"
fi
# Linux 7.2: its sanitizer kernel, our modules built for it, one boot per core.
if [ -z "${KDIR:-}" ] && { wants rs72 || wants c72; }; then
	KOBJ_72=$(KVER=7.2 kernel debug)
	MSRC=$(KVER=7.2 build_src) test_image debug72 "$KOBJ_72" rs72/kunit "$OUT/initramfs-72.cpio"
	export MODLOG72=$OUT/mod-debug72.log
	start rs72 "$KOBJ_72" "$OUT/initramfs-72.cpio"
	start c72 "$KOBJ_72" "$OUT/initramfs-72.cpio"
fi
BENCHLOG=
wants bench && BENCHLOG=$OUT/console-bench.log
fail=0
for p in "${pids[@]}"; do wait "$p" || fail=1; done
[ $fail = 0 ] || log "a boot failed to run"
# The in-tree shard that ran KUnit, for kunit.py.
INTREE_KUNIT_LOG=
for f in "$OUT"/console-intree*.log; do grep -q '@@kunit:' "$f" 2>/dev/null && INTREE_KUNIT_LOG=$f; done
BENCHLOG=$BENCHLOG INTREE_KUNIT_LOG=$INTREE_KUNIT_LOG KUNITPY=$(series_git)/tools/testing/kunit/kunit.py \
	bash "$TOP/tests/host/run.sh" >"$OUT/host.log" 2>&1 || true
logs+=("$OUT/host.log")
log "finished in $(($(date +%s) - t0)) s on $ACCEL_USED; consoles in $OUT"
[ -s "$OUT/restarted" ] && log "booted twice (a hang before init or a failed timer calibration): $(tr '\n' ' ' <"$OUT/restarted")"
python3 "$TOP/scripts/parse.py" "${logs[@]}"
