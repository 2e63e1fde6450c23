// SPDX-License-Identifier: GPL-2.0
/*
 * One writer of the stress test (tests/guest/50-race.sh).
 *
 * Usage: race ID ITER CREATE_FMT [STOP]
 * For i = 0, 1, ...: create the mdev 7ace<ID>-0000-4000-8000-<i> by a write
 * to the create file CREATE_FMT names for parent i % 2 and type i / 2 % 2 + 1
 * (two %d), and remove it again if that succeeded; ITER times, and on until
 * the file STOP exists. Prints "create <result>" and "remove <result>" lines,
 * result being OK or the errno text. With RACE_NO_REMOVE=1 in the environment
 * it only creates. A create that finds the pool full (ENOSPC) is followed by a
 * 50 ms pause: until a remove or an unregistration frees ports there is
 * nothing to race, and spinning through the failure path (a whole device
 * add and delete on the C core) only takes the CPU from the other guests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wr.h"

int main(int argc, char **argv)
{
	char path[512], u[40];
	int id, iter, i, no_remove;
	const struct timespec pause = { .tv_nsec = 50 * 1000 * 1000 };
	const char *r;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: race ID ITER CREATE_FMT [STOP]\n");
		return 2;
	}
	no_remove = getenv("RACE_NO_REMOVE") && !strcmp(getenv("RACE_NO_REMOVE"), "1");
	id = atoi(argv[1]);
	iter = atoi(argv[2]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < 1000000; i++) {
		if (i >= iter && (argc < 5 || !access(argv[4], F_OK)))
			break;
		snprintf(u, sizeof(u), "7ace%04d-0000-4000-8000-%012d", id, i);
		snprintf(path, sizeof(path), argv[3], i % 2, i / 2 % 2 + 1);
		r = wr(path, u, strlen(u));
		printf("create %s\n", r);
		if (!strcmp(r, "No space left on device"))
			nanosleep(&pause, NULL);
		if (strcmp(r, "OK") || no_remove)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/remove", u);
		printf("remove %s\n", wr(path, "1", 1));
	}
	return 0;
}
