# SPDX-License-Identifier: GPL-2.0
# systemd-udevd for one test: a tmpfs /run, syslogd (/tmp/messages) and udevd, started by
# udev_start and stopped by udev_stop, which also stops the test's own daemons named in its
# arguments and waits until all are gone.
udev_start() {
	mount -t tmpfs run /run
	mkdir -p /run/udev /etc/mdevctl.d
	syslogd -n -O /tmp/messages >/dev/null 2>&1 &
	/lib/systemd/systemd-udevd --daemon >/dev/null 2>/tmp/udevd.err
}
udev_stop() {
	[ $# -gt 0 ] && kill $(pidof "$@") 2>/dev/null
	kill $(pidof syslogd) 2>/dev/null
	udevadm control --exit 2>/dev/null
	wait_for sh -c "! pidof systemd-udevd syslogd $*"
	umount /run
}
