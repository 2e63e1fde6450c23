// SPDX-License-Identifier: GPL-2.0
/*
 * Loops for `make bench`, so that shell overhead does not dominate.
 * Every timed command prints one number: nanoseconds per operation.
 *
 *   mdev_bench cr TYPE_DIR N [FROM]       create + remove, N times (UUIDs from FROM, 0)
 *   mdev_bench fill TYPE_DIR FROM TO      create mdevs FROM..TO-1 (untimed)
 *   mdev_bench create TYPE_DIR FROM N     time N creates, then remove them (untimed)
 *   mdev_bench write FILE A B N           write A then B to FILE, N times
 *   mdev_bench once FILE A                write A to FILE once
 *   mdev_bench drain                      remove every mdev (untimed)
 *
 * UUIDs are 00000000-0000-4000-8000-<index as 12 hex digits>.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what, const char *path)
{
	perror(path);
	fprintf(stderr, "mdev_bench: %s failed\n", what);
	exit(1);
}

static void put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		die("write", path);
	close(fd);
}

static void uuid(char *buf, unsigned long i)
{
	sprintf(buf, "00000000-0000-4000-8000-%012lx", i);
}

static void create(const char *type, unsigned long i)
{
	char path[512], u[40];

	uuid(u, i);
	snprintf(path, sizeof(path), "%s/create", type);
	put(path, u);
}

static void destroy(unsigned long i)
{
	char path[512], u[40];

	uuid(u, i);
	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/remove", u);
	put(path, "1");
}

static long long now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long i, from, n;
	long long t0, t;

	if (argc >= 4 && !strcmp(argv[1], "cr")) {
		n = strtoul(argv[3], NULL, 0);
		from = argc >= 5 ? strtoul(argv[4], NULL, 0) : 0;
		t0 = now();
		for (i = from; i < from + n; i++) {
			create(argv[2], i);
			destroy(i);
		}
		t = now() - t0;
	} else if (argc >= 5 && !strcmp(argv[1], "fill")) {
		for (i = strtoul(argv[3], NULL, 0);
		     i < strtoul(argv[4], NULL, 0); i++)
			create(argv[2], i);
		return 0;
	} else if (argc >= 5 && !strcmp(argv[1], "create")) {
		from = strtoul(argv[3], NULL, 0);
		n = strtoul(argv[4], NULL, 0);
		t0 = now();
		for (i = from; i < from + n; i++)
			create(argv[2], i);
		t = now() - t0;
		for (i = from; i < from + n; i++)
			destroy(i);
	} else if (argc >= 6 && !strcmp(argv[1], "write")) {
		n = strtoul(argv[5], NULL, 0);
		t0 = now();
		for (i = 0; i < n; i++) {
			put(argv[2], argv[3]);
			put(argv[2], argv[4]);
		}
		t = now() - t0;
	} else if (argc >= 4 && !strcmp(argv[1], "once")) {
		n = 1;
		t0 = now();
		put(argv[2], argv[3]);
		t = now() - t0;
	} else if (argc >= 2 && !strcmp(argv[1], "drain")) {
		DIR *d = opendir("/sys/bus/mdev/devices");
		struct dirent *e;
		char path[512];

		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path),
				 "/sys/bus/mdev/devices/%s/remove", e->d_name);
			put(path, "1");
		}
		return 0;
	} else {
		fprintf(stderr, "usage: see the comment in mdev_bench.c\n");
		return 2;
	}
	printf("%lld\n", n ? t / (long long)n : 0);
	return 0;
}
