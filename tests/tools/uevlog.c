// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel uevent logger of the guest tests, one process for all events.
 *
 * Usage: uevlog FILE     append "SEQNUM ACTION DEVPATH SUBSYSTEM DRIVER MDEV_STATE"
 *                        per uevent to FILE ("-" for an absent key)
 *        uevlog -d FILE  append "uevent: ACTION=... DEVPATH=... SUBSYSTEM=..." and the
 *                        DRIVER and MDEV_STATE keys that are set (make demo)
 *        uevlog -m FILE  for each uevent of an mdev, append "ACTION NAME type=MDEV_TYPE
 *                        parent=MDEV_PARENT link=L", L being what the device's mdev_type
 *                        link points to (its last component) when the event is read
 *
 * Returns once the netlink socket is bound, so no event after the call is
 * missed, and logs from a child in the background in arrival order.
 */
#include <fcntl.h>
#include <libgen.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char buf[16384];

static const char *key(const char *k, const char *msg, size_t len)
{
	size_t n = strlen(k), i;

	for (i = 0; i < len; i += strlen(msg + i) + 1)
		if (!strncmp(msg + i, k, n) && msg[i + n] == '=')
			return msg + i + n + 1;
	return NULL;
}

static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

int main(int argc, char **argv)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int demo, mdev, sk, fd, size = 8 << 20;
	char line[8192], path[4096], link[4096];
	ssize_t len;

	demo = argc == 3 && !strcmp(argv[1], "-d");
	mdev = argc == 3 && !strcmp(argv[1], "-m");
	if (argc != 2 + demo + mdev) {
		fprintf(stderr, "usage: uevlog [-d|-m] FILE\n");
		return 2;
	}
	sk = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (sk < 0 || bind(sk, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("uevlog: netlink");
		return 1;
	}
	if (setsockopt(sk, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(sk, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	fd = open(argv[argc - 1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(argv[argc - 1]);
		return 1;
	}
	switch (fork()) {
	case -1:
		perror("uevlog: fork");
		return 1;
	case 0:
		break;
	default:
		return 0;
	}
	for (;;) {
		const char *drv, *st;
		int n;

		len = recv(sk, buf, sizeof(buf) - 1, 0);
		if (len <= 0) {
			if (len < 0)
				perror("uevlog: recv");
			continue;
		}
		buf[len] = 0;
		drv = key("DRIVER", buf, len);
		st = key("MDEV_STATE", buf, len);
		if (mdev) {
			const char *sub = key("SUBSYSTEM", buf, len);
			const char *dp = or_dash(key("DEVPATH", buf, len));
			ssize_t l;

			if (!sub || strcmp(sub, "mdev"))
				continue;
			snprintf(path, sizeof(path), "/sys%s/mdev_type", dp);
			l = readlink(path, link, sizeof(link) - 1);
			link[l > 0 ? l : 0] = 0;
			snprintf(path, sizeof(path), "%s", dp);
			n = snprintf(line, sizeof(line), "%s %s type=%s parent=%s link=%s\n",
				     or_dash(key("ACTION", buf, len)), basename(path),
				     or_dash(key("MDEV_TYPE", buf, len)),
				     or_dash(key("MDEV_PARENT", buf, len)),
				     l > 0 ? basename(link) : "-");
		} else if (demo)
			n = snprintf(line, sizeof(line),
				     "uevent: ACTION=%s DEVPATH=%s SUBSYSTEM=%s%s%s%s%s\n",
				     or_dash(key("ACTION", buf, len)),
				     or_dash(key("DEVPATH", buf, len)),
				     or_dash(key("SUBSYSTEM", buf, len)),
				     drv ? " DRIVER=" : "", drv ? drv : "",
				     st ? " MDEV_STATE=" : "", st ? st : "");
		else
			n = snprintf(line, sizeof(line), "%s %s %s %s %s %s\n",
				     or_dash(key("SEQNUM", buf, len)),
				     or_dash(key("ACTION", buf, len)),
				     or_dash(key("DEVPATH", buf, len)),
				     or_dash(key("SUBSYSTEM", buf, len)),
				     or_dash(drv), or_dash(st));
		if (n >= (int)sizeof(line))
			n = sizeof(line) - 1;
		if (write(fd, line, n) != n)
			perror("uevlog: write");
	}
}
