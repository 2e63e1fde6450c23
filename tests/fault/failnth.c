// SPDX-License-Identifier: GPL-2.0
/*
 * Fail the N-th fault-injection point (failslab) of one write(2).
 *
 * Usage: failnth N FILE DATA
 * Prints "<injected> <result>": result is OK or the errno text, injected is 1
 * if the N-th point was reached (and failed), 0 if the write needed fewer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char left[16] = "";
	int fd, nth, e = 0;
	ssize_t r;

	if (argc != 4) {
		fprintf(stderr, "usage: %s N FILE DATA\n", argv[0]);
		return 2;
	}
	fd = open(argv[2], O_WRONLY);
	nth = open("/proc/thread-self/fail-nth", O_RDWR);
	if (fd < 0 || nth < 0) {
		perror("open");
		return 1;
	}
	if (write(nth, argv[1], strlen(argv[1])) < 0) {
		perror("fail-nth");
		return 1;
	}
	r = write(fd, argv[3], strlen(argv[3]));
	if (r < 0)
		e = errno;
	if (pread(nth, left, sizeof(left) - 1, 0) < 0) {
		perror("fail-nth");
		return 1;
	}
	/* disarm before anything else can allocate */
	if (pwrite(nth, "0", 1, 0) < 0) {
		perror("fail-nth");
		return 1;
	}
	printf("%d %s\n", left[0] == '0', r < 0 ? strerror(e) : "OK");
	return 0;
}
