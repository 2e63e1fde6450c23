// SPDX-License-Identifier: GPL-2.0
/*
 * One write(2) to a file, for the guest tests' w().
 *
 * Usage: wr FILE DATA
 * DATA takes the backslash escapes of printf(1): \\ \a \b \f \n \r \t \v and
 * octal \NNN (one to three digits, so "\0001" is a NUL and a "1").
 * Prints OK, or the errno text of the failed open or write.
 */
#include <stdio.h>
#include <stdlib.h>

#include "wr.h"

static size_t unescape(const char *s, char *out)
{
	static const char from[] = "\\abfnrtv", to[] = "\\\a\b\f\n\r\t\v";
	const char *c;
	size_t n = 0;
	int i, v;

	while (*s) {
		if (*s != '\\' || !s[1]) {
			out[n++] = *s++;
			continue;
		}
		s++;
		c = strchr(from, *s);
		if (*s >= '0' && *s <= '7') {
			for (i = 0, v = 0; i < 3 && *s >= '0' && *s <= '7'; i++)
				v = v * 8 + *s++ - '0';
			out[n++] = (char)v;
		} else if (c) {
			out[n++] = to[c - from];
			s++;
		} else {
			out[n++] = '\\';
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	char *buf;
	size_t n;

	if (argc != 3) {
		fprintf(stderr, "usage: wr FILE DATA\n");
		return 2;
	}
	buf = malloc(strlen(argv[2]) + 1);
	if (!buf)
		return 1;
	n = unescape(argv[2], buf);
	puts(wr(argv[1], buf, n));
	return 0;
}
