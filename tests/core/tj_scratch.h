/* SPDX-License-Identifier: MIT */
/*
 * A scratch directory per test, inside the build tree (never /tmp).
 *
 * Add it to a TCase as an UNCHECKED fixture:
 *
 *     tcase_add_unchecked_fixture(tc, tj_scratch_setup, tj_scratch_teardown);
 *
 * Unchecked fixtures run in the runner's process, around the fork that runs
 * the test, so the scratch is removed even when an assertion ends the test
 * early. Setup also points tf_gettempdir() at the scratch, so a test that
 * uses the defaults creates nothing in the real /tmp.
 *
 * The base is $TJ_SCRATCH_BASE (set by tests/core/CMakeLists.txt to a
 * directory of the build tree), else the current directory; as root, /tmp
 * when uid 65534 could not reach that base. Teardown
 * removes with tf_rmtree() only the directory setup made, recognised by
 * its device and inode.
 */
#ifndef TMPJAIL_TESTS_TJ_SCRATCH_H
#define TMPJAIL_TESTS_TJ_SCRATCH_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tj_check.h"
#include "tmpjail/tempfile.h"

/* Absolute path of the current test's scratch directory. */
static char tj_scratch[PATH_MAX] __attribute__((unused));
/* What the test's paths start with: tj_scratch, or "" once chrooted into it. */
static const char *tj_base __attribute__((unused)) = tj_scratch;
static dev_t tj_scratch_dev __attribute__((unused));
static ino_t tj_scratch_ino __attribute__((unused));

/* Can every user search each directory on the way to @path? */
static inline bool tj_searchable_by_all(const char *path)
{
	char prefix[PATH_MAX];
	struct stat st;

	for (size_t len = 1; len <= strlen(path); len++) {
		if (path[len] != '/' && path[len] != '\0')
			continue;
		snprintf(prefix, sizeof(prefix), "%.*s", (int)len, path);
		if (stat(prefix, &st) < 0 || !(st.st_mode & S_IXOTH))
			return false;
	}
	return true;
}

static inline void tj_scratch_setup(void)
{
	const char *base = getenv("TJ_SCRATCH_BASE");
	char cwd[PATH_MAX];

	if (!base || !base[0]) {
		if (!getcwd(cwd, sizeof(cwd)))
			abort();
		base = cwd;
	}
	/*
	 * Tests that drop to uid 65534 must reach the scratch. A checkout
	 * inside a private directory (mode 0700, as mktemp -d makes) hides
	 * the build tree from that user: root then uses /tmp instead.
	 */
	if (geteuid() == 0 && !tj_searchable_by_all(base))
		base = "/tmp";
	mkdir(base, 0755); /* the base may not exist yet; EEXIST is fine */
	if (snprintf(tj_scratch, sizeof(tj_scratch), "%s/scratch-XXXXXX", base) >=
	    (int)sizeof(tj_scratch))
		abort();
	struct stat st;
	if (!mkdtemp(tj_scratch) || stat(tj_scratch, &st) < 0) {
		perror("tj_scratch_setup");
		abort();
	}
	tj_scratch_dev = st.st_dev;
	tj_scratch_ino = st.st_ino;
	/*
	 * Searchable by all: some tests drop to uid 65534 and must reach
	 * directories inside. Nothing here is secret.
	 */
	chmod(tj_scratch, 0711);
	if (tf_set_tempdir(tj_scratch) < 0)
		abort();
}

static inline void tj_scratch_teardown(void)
{
	struct stat st;

	if (!tj_scratch[0])
		return;
	/* Only what setup made: never a directory put under the name later. */
	if (lstat(tj_scratch, &st) == 0 && S_ISDIR(st.st_mode) && st.st_dev == tj_scratch_dev &&
	    st.st_ino == tj_scratch_ino && tf_rmtree(tj_scratch, 0) < 0)
		fprintf(stderr, "tj_scratch_teardown: %s: %s\n", tj_scratch, strerror(errno));
	tj_scratch[0] = '\0';
}

/* tj_path("a/%d", 1): a path inside the scratch, in a static ring of buffers. */
__attribute__((format(printf, 1, 2))) static inline const char *tj_path(const char *fmt, ...)
{
	static char ring[8][PATH_MAX];
	static unsigned next;
	char *out = ring[next++ % 8];
	char rel[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	int len = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (len < 0 || len >= (int)sizeof(rel) ||
	    snprintf(out, PATH_MAX, "%s/%s", tj_base, rel) >= PATH_MAX)
		abort(); /* a test's own paths are short */
	return out;
}

#if defined(__SANITIZE_ADDRESS__)
/*
 * LeakSanitizer reads /proc at exit, which a chrooted test does not have:
 * it then fails the test with a fatal error. Leaks are checked by every
 * test that is not chrooted.
 */
__attribute__((visibility("default"))) int __lsan_is_turned_off(void);
__attribute__((visibility("default"))) int __lsan_is_turned_off(void)
{
	return tj_base[0] == '\0';
}
#endif

/* The scratch directory itself: tj_scratch, or "/" once chrooted into it. */
static inline const char *tj_top(void)
{
	return tj_base[0] ? tj_base : "/";
}

/*
 * Confine the rest of the test (which runs in Check's forked child) to
 * the scratch directory with chroot(2), when root: a remover that went
 * wrong could then reach nothing outside it. tj_path() keeps working.
 * Return: true when confined.
 */
static inline bool tj_scratch_chroot(void)
{
	if (geteuid() != 0 || chroot(tj_scratch) < 0 || chdir("/") < 0)
		return false;
	tj_base = "";
	tf_set_tempdir("/");
	return true;
}

/* Write @text to the new file @path (inside the scratch); fails the test on error. */
static inline void tj_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* The content of @path as a static string ("" when unreadable). */
static inline const char *tj_read_file(const char *path)
{
	static char text[4096];
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
	}
	text[n > 0 ? n : 0] = '\0';
	return text;
}

/* Number of entries in the directory @path, -1 if it cannot be read. */
static inline int tj_count_entries(const char *path)
{
	DIR *dir = opendir(path);
	if (!dir)
		return -1;
	int count = 0;
	struct dirent *entry;
	while ((entry = readdir(dir)))
		if (strcmp(entry->d_name, ".") && strcmp(entry->d_name, ".."))
			count++;
	closedir(dir);
	return count;
}

/*
 * Run @fn in a child that has become uid/gid 65534 (when root) and wait.
 * Return: the child's exit status, or -1 when it died otherwise.
 */
static inline int tj_run_as_nobody(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (geteuid() == 0 &&
		    (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0))
			_exit(125);
		_exit(fn(arg));
	}
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * Add @test as the TCase @tc (made with tcase_create("literal"), which CMake
 * reads) to @suite, with a scratch directory around it.
 */
static inline void tj_add_case(Suite *suite, TCase *tc, const TTest *test)
{
	tcase_add_unchecked_fixture(tc, tj_scratch_setup, tj_scratch_teardown);
	tcase_add_test(tc, test);
	suite_add_tcase(suite, tc);
}

#endif
