// SPDX-License-Identifier: GPL-2.0
/*
 * Fail fault-injection points (failslab) of one write(2), through
 * /proc/thread-self/fail-nth.
 *
 * Usage: failnth N FILE DATA
 *   Fail the N-th point of one write. Prints "<injected> <result>": result is
 *   OK or the errno text, injected is 1 if the N-th point was reached (and
 *   failed), 0 if the write needed fewer.
 *
 * Usage: failnth -l MAX FILE DATA [-u FILE DATA] [-a PATH]... [-e DIR]... [-p PATH]...
 *   Fail point 1, 2, ... in turn, each in a write of its own, until a write
 *   reaches no injection point (that write is kept) or MAX writes were made.
 *   "{n}" in DATA and in the paths stands for the point number as 12 decimal
 *   digits. After a failed write, every -a PATH must be absent and every -e
 *   DIR empty; after a write that succeeded despite its injected failure,
 *   every -p PATH must exist, and -u undoes the write (its failure is a bad
 *   check too). Prints "points P failed F tolerated T", "last <injected>
 *   <result>" and "bad <n>:<path>..." for the checks that did not hold; on
 *   standard error, "<n> <result>" per write, for the record.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "wr.h"

#define MAX_CHECKS 8

static int fail_nth = -1;

/* One write with its N-th injection point failed; sets *injected. */
static const char *write_nth(int n, const char *file, const char *data, int *injected)
{
	char num[16], left[16] = "";
	const char *res;

	snprintf(num, sizeof(num), "%d", n);
	if (pwrite(fail_nth, num, strlen(num), 0) < 0) {
		perror("fail-nth");
		exit(1);
	}
	res = wr(file, data, strlen(data));
	if (pread(fail_nth, left, sizeof(left) - 1, 0) < 0) {
		perror("fail-nth");
		exit(1);
	}
	/* disarm before anything else can allocate */
	if (pwrite(fail_nth, "0", 1, 0) < 0) {
		perror("fail-nth");
		exit(1);
	}
	*injected = left[0] == '0';
	return res;
}

/* A copy of S with "{n}" replaced by N as 12 decimal digits. */
static char *subst(const char *s, int n)
{
	static char buf[MAX_CHECKS * 3 + 3][512];
	static int next;
	char *out = buf[next++ % (MAX_CHECKS * 3 + 3)];
	const char *p = strstr(s, "{n}");

	if (!p) {
		snprintf(out, 512, "%s", s);
		return out;
	}
	snprintf(out, 512, "%.*s%012d%s", (int)(p - s), s, n, p + 3);
	return out;
}

static int is_empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int empty = 1;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	if (d)
		closedir(d);
	return empty;
}

static int loop(int argc, char **argv)
{
	const char *absent[MAX_CHECKS], *empty[MAX_CHECKS], *present[MAX_CHECKS];
	const char *ufile = NULL, *udata = NULL, *res = "";
	int na = 0, ne = 0, np = 0, n, i, inj = 1, failed = 0, tolerated = 0;
	int max = atoi(argv[2]);
	static char bad[8192];
	size_t bl = 0;

	for (i = 5; i < argc; i++) {
		if (!strcmp(argv[i], "-u") && i + 2 < argc) {
			ufile = argv[++i];
			udata = argv[++i];
		} else if (!strcmp(argv[i], "-a") && i + 1 < argc && na < MAX_CHECKS) {
			absent[na++] = argv[++i];
		} else if (!strcmp(argv[i], "-e") && i + 1 < argc && ne < MAX_CHECKS) {
			empty[ne++] = argv[++i];
		} else if (!strcmp(argv[i], "-p") && i + 1 < argc && np < MAX_CHECKS) {
			present[np++] = argv[++i];
		} else {
			fprintf(stderr, "failnth: bad option %s\n", argv[i]);
			return 2;
		}
	}
	for (n = 1; n <= max && inj; n++) {
		res = write_nth(n, argv[3], subst(argv[4], n), &inj);
		if (!inj)
			break;
		fprintf(stderr, "%d %s\n", n, res);
		if (strcmp(res, "OK")) {
			failed++;
			for (i = 0; i < na; i++)
				if (!access(subst(absent[i], n), F_OK))
					bl += snprintf(bad + bl, sizeof(bad) - bl - 64, " %d:%s",
						       n, subst(absent[i], n));
			for (i = 0; i < ne; i++)
				if (!is_empty_dir(subst(empty[i], n)))
					bl += snprintf(bad + bl, sizeof(bad) - bl - 64, " %d:%s",
						       n, subst(empty[i], n));
		} else {
			tolerated++;
			for (i = 0; i < np; i++)
				if (access(subst(present[i], n), F_OK))
					bl += snprintf(bad + bl, sizeof(bad) - bl - 64, " %d:%s",
						       n, subst(present[i], n));
			if (ufile && strcmp(wr(subst(ufile, n), udata, strlen(udata)), "OK"))
				bl += snprintf(bad + bl, sizeof(bad) - bl - 64, " %d:%s",
					       n, subst(ufile, n));
		}
		if (bl > sizeof(bad) - 128)
			bl = sizeof(bad) - 128;
	}
	printf("points %d failed %d tolerated %d\n", n - 1, failed, tolerated);
	printf("last %d %s\n", inj, res);
	printf("bad%s\n", bad);
	return 0;
}

int main(int argc, char **argv)
{
	const char *res;
	int inj;

	fail_nth = open("/proc/thread-self/fail-nth", O_RDWR);
	if (fail_nth < 0) {
		perror("fail-nth");
		return 1;
	}
	if (argc >= 5 && !strcmp(argv[1], "-l"))
		return loop(argc, argv);
	if (argc != 4) {
		fprintf(stderr, "usage: see the comment in failnth.c\n");
		return 2;
	}
	res = write_nth(atoi(argv[1]), argv[2], argv[3], &inj);
	printf("%d %s\n", inj, res);
	return 0;
}
