/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One write(2) as the guest tests make it: the file is opened the way dd(1)
 * and mdevctl open it (O_WRONLY | O_CREAT | O_TRUNC), and empty data writes
 * nothing.
 */
#ifndef TESTS_TOOLS_WR_H
#define TESTS_TOOLS_WR_H

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* Returns "OK", or the errno text of the failed open() or write(). */
static inline const char *wr(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	int e;

	if (fd < 0)
		return strerror(errno);
	if (len && write(fd, data, len) < 0) {
		e = errno;
		close(fd);
		return strerror(e);
	}
	close(fd);
	return "OK";
}

#endif
