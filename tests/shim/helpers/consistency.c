/* SPDX-License-Identifier: MIT */
/*
 * One file, every way of reaching it: made by mkstemp("/tmp/<name>XXXXXX"),
 * then found by fopen, stat (the same inode as the fd), opendir("/tmp"), a
 * child's `cat`, rename and unlink. Each step prints a line, so the test
 * shows the first one that lost the file.
 */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <dirent.h>
#include <fcntl.h>

#include "helper.h"

static int listed_in_tmp(const char *path)
{
	const char *name = path + strlen("/tmp/");
	DIR *dir = opendir("/tmp");
	if (!dir)
		return 0;
	struct dirent *ent;
	int found = 0;
	while ((ent = readdir(dir)))
		found |= strcmp(ent->d_name, name) == 0;
	closedir(dir);
	return found;
}

int main(int argc, char **argv)
{
	if (argc != 2 || strncmp(argv[1], "/tmp/", 5) != 0 || strchr(argv[1] + 5, '/')) {
		fprintf(stderr, "usage: %s /tmp/NAME\n", argv[0]);
		return 2;
	}
	char path[4096], moved[4200], cmd[4400], line[64] = {0};
	snprintf(path, sizeof(path), "%sXXXXXX", argv[1]);
	int fd = mkstemp(path);
	if (fd < 0)
		FAIL("mkstemp");
	if (strncmp(path, argv[1], strlen(argv[1])) != 0) {
		fprintf(stderr, "mkstemp rewrote the template to %s\n", path);
		return 1;
	}
	printf("mkstemp %s\n", path);
	char link[64], target[4096];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = syscall(SYS_readlinkat, AT_FDCWD, link, target, sizeof(target) - 1);
	CHECK(n > 0);
	target[n] = '\0';
	/* Where the kernel put it: the test checks it is the private dir. */
	printf("fdpath=%s\n", target);
	CHECK(write_all(fd, DATA) == 0);

	FILE *in = fopen(path, "r");
	if (!in || !fgets(line, sizeof(line), in) || strcmp(line, DATA) != 0)
		FAIL("fopen %s", path);
	fclose(in);
	printf("fopen ok\n");

	struct stat by_fd, by_name;
	CHECK(fstat(fd, &by_fd) == 0);
	if (stat(path, &by_name) != 0)
		FAIL("stat %s", path);
	if (by_fd.st_ino != by_name.st_ino || by_fd.st_dev != by_name.st_dev) {
		fprintf(stderr, "stat %s finds another file than mkstemp made\n", path);
		return 1;
	}
	printf("stat ok\n");

	if (!listed_in_tmp(path)) {
		fprintf(stderr, "opendir(\"/tmp\") does not list %s\n", path);
		return 1;
	}
	printf("opendir ok\n");

	/* The child gets a wiped environment: the shim must follow it. */
	snprintf(cmd, sizeof(cmd), "env -i /bin/cat '%s'", path);
	fflush(stdout);
	if (system(cmd) != 0) {
		fprintf(stderr, "child cat %s failed\n", path);
		return 1;
	}

	snprintf(moved, sizeof(moved), "%s.moved", path);
	if (rename(path, moved) != 0)
		FAIL("rename %s", path);
	if (stat(path, &by_name) == 0 || errno != ENOENT || stat(moved, &by_name) != 0 ||
	    by_name.st_ino != by_fd.st_ino)
		FAIL("after rename");
	printf("rename ok\n");
	if (unlink(moved) != 0)
		FAIL("unlink %s", moved);
	if (stat(moved, &by_name) == 0 || errno != ENOENT)
		FAIL("%s still there after unlink", moved);
	printf("unlink ok\n");
	close(fd);
	return 0;
}
