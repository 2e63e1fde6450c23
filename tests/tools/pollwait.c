// SPDX-License-Identifier: GPL-2.0
/*
 * Waits for a sysfs attribute to be notified, as a tool that polls a count does.
 *
 * Usage: pollwait FILE MS
 * Opens and reads FILE, prints "armed", then poll(2)s it for POLLPRI for up to
 * MS milliseconds and prints "notified" or "timeout". A notification between
 * the read and the poll still counts: sysfs compares event counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct pollfd p = { .events = POLLPRI | POLLERR };
	char buf[64];
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: pollwait FILE MS\n");
		return 2;
	}
	p.fd = open(argv[1], O_RDONLY);
	if (p.fd < 0 || read(p.fd, buf, sizeof(buf)) < 0) {
		printf("%s\n", strerror(errno));
		return 1;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("armed\n");
	r = poll(&p, 1, atoi(argv[2]));
	if (r < 0) {
		printf("%s\n", strerror(errno));
		return 1;
	}
	printf("%s\n", r ? "notified" : "timeout");
	return 0;
}
