# SPDX-License-Identifier: GPL-2.0
# Minimal TAP helpers for guest tests (busybox sh).
_n=0
ok() { _n=$((_n + 1)); echo "ok $_n - $*"; }
nok() { _n=$((_n + 1)); echo "not ok $_n - $*"; }
# is GOT WANT DESC
is() {
	if [ "$1" = "$2" ]; then ok "$3"; else nok "$3"; echo "#   want: '$2'"; echo "#   got:  '$1'"; fi
}
done_testing() { echo "1..$_n"; }
# w FILE DATA: one write(2) of DATA (printf escapes), opened as dd opens its output; prints OK
# or the errno text. /bin/wr (tests/tools/wr.c) does it in one process; data with a printf
# directive still goes through printf and dd.
w() {
	case $2 in
	*%*)
		r=$(printf "$2" | dd of="$1" bs=65536 2>&1 >/dev/null | grep -i 'error\|denied\|dd:')
		if [ -z "$r" ]; then echo OK; else echo "${r##*: }"; fi ;;
	*) wr "$1" "$2" ;;
	esac
}
# mode PATH: symbolic mode as ls prints it
mode() { ls -ld "$1" | cut -c1-10; }
# nap: a tenth of a second without a process (a fork and exec costs about 40 ms of CPU on the
# sanitizer kernel under TCG, a poll's budget): a read with a timeout on a FIFO nobody writes.
[ -p /tmp/.nap ] || mkfifo /tmp/.nap 2>/dev/null
exec 9<>/tmp/.nap
nap() { read -r -t 0.1 _ <&9; }
# wait_for CMD...: retry for up to 120 s of guest time (releases may be delayed by
# DEBUG_KOBJECT_RELEASE, and guests share the host's CPUs). A wait above 10 s or a timeout is
# reported as a TAP comment naming the command, so a late release is visible in the console.
wait_for() {
	read -r _u _ < /proc/uptime; _t0=${_u%.*}
	while ! "$@" >/dev/null 2>&1; do
		read -r _u _ < /proc/uptime
		if [ $((${_u%.*} - _t0)) -ge "${WAIT_S:-120}" ]; then
			echo "# wait_for: gave up after ${WAIT_S:-120} s: $*"
			return 1
		fi
		nap
	done
	read -r _u _ < /proc/uptime
	[ $((${_u%.*} - _t0)) -gt 10 ] && echo "# wait_for: $((${_u%.*} - _t0)) s: $*"
	return 0
}
EINVAL="Invalid argument"; EEXIST="File exists"; EUSERS="Too many users"; ENODEV="No such device"
ENOSPC="No space left on device"; EACCES="Permission denied"; EAGAIN="Resource temporarily unavailable"
# wait_eq FILE VALUE: wait up to 120 s until FILE reads VALUE
# (first line, read without a process of its own)
reads() { read -r _v < "$1" && [ "$_v" = "$2" ]; }
wait_eq() { wait_for reads "$1" "$2"; }
absent() { [ ! -e "$1" ]; }
# up PATH: the relative path from sysfs directory PATH up to /sys
up() { echo "${1#/sys/}" | sed 's|[^/]*|..|g'; }
# rmmod_sample: unload mtty_rs and wait until its driver directory is gone: bus_remove_driver()
# ends with kobject_put(), so under DEBUG_KOBJECT_RELEASE the directory stays for a few seconds
# and an immediate reload would fail on a duplicate sysfs name (any driver, either core).
rmmod_sample() { rmmod mtty_rs || return 1; wait_for absent /sys/bus/mdev/drivers/mtty_rs; }
