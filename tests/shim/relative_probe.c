/* SPDX-License-Identifier: MIT */
/*
 * Helper of check_relative.c, run under the shim (never instrumented):
 *
 *     relative_probe DIR NAME TEXT
 *
 * opens DIR, then creates NAME relative to that descriptor with openat(2)
 * (O_CREAT | O_EXCL) and writes TEXT into it, the way tar -C and fts-based
 * tools reach files. Prints "created" and exits 0, or says what failed on
 * stderr and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: relative_probe DIR NAME TEXT\n");
		return 2;
	}
	int dirfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		fprintf(stderr, "open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	int fd = openat(dirfd, argv[2], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "openat %s, %s: %s\n", argv[1], argv[2], strerror(errno));
		return 1;
	}
	size_t len = strlen(argv[3]);
	if (write(fd, argv[3], len) != (ssize_t)len || close(fd) != 0) {
		fprintf(stderr, "write %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	close(dirfd);
	puts("created");
	return 0;
}
