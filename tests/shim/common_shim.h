/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers of the shim's Check suites: a scratch private root laid out
 * as docs/architecture.md says (root/tmp, root/var/tmp, mode 0700), a way to
 * run a program under LD_PRELOAD=$TMPJAIL_SHIM and capture what it prints
 * (run_shim.h), and the assertions every test ends with: the file landed in
 * the private dir, and nothing of it reached the real /tmp.
 *
 * Every name a test uses in /tmp carries a random part ("tjtest-<random>"),
 * so "absent from the real /tmp" proves something, and a leftover can be
 * removed without touching anything the test did not make. The real /tmp is
 * never listed.
 *
 * The jail is made by an unchecked fixture, in the parent process, and
 * removed by its teardown, which Check runs even when the test (a forked
 * child) failed half-way. Real /tmp paths the test may have created are
 * recorded in shared memory, so the parent removes them too, unless they
 * were born before the test started: those are never the run's.
 */
#ifndef TMPJAIL_TESTS_COMMON_SHIM_H
#define TMPJAIL_TESTS_COMMON_SHIM_H

/* pipe2, environ, ...: include this header first. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tj_check.h"
#include "tmpjail/tempfile.h"

extern char **environ;

#define TJ_MAX_OWNED 64
#define TJ_PATH 512

/* The scratch private root of one test, in memory shared with its child. */
struct tj_jail {
	char shim[TJ_PATH];   /* $TMPJAIL_SHIM, "" when missing */
	char base[TJ_PATH];   /* where the root was made: /tmp or $TJ_TEST_BASE */
	char root[TJ_PATH];   /* TMPJAIL_ROOT */
	char dir[TJ_PATH];    /* TMPJAIL_DIR: root/tmp */
	char vardir[TJ_PATH]; /* root/var/tmp */
	char name[32];	      /* "tjtest-<random>", unique to this test */
	char real[TJ_PATH];   /* "/tmp/<name>": how the program names it */
	/* Real paths the run might have created if the shim failed. */
	char owned[TJ_MAX_OWNED][TJ_PATH];
	int nowned;
	struct timespec started; /* setup time: older files are never ours */
	/* inotify watch of dir and vardir, while tj_watch() is active. */
	int inotify_fd;
	char created[8192]; /* names created there, one per line */
};

/* What a program run under the shim did. */
struct tj_result {
	int status; /* exit status, or 128 + signal */
	char *out;  /* its stdout, NUL-terminated */
	char *err;  /* its stderr, NUL-terminated */
};

static struct tj_jail *tj_j;

/* Fill @dst with @len random characters from [a-z0-9]. */
static inline void tj_random(char *dst, size_t len)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char bytes[64];
	ck_assert_uint_le(len, sizeof(bytes));
	ck_assert_int_eq(getrandom(bytes, len, 0), (ssize_t)len);
	for (size_t i = 0; i < len; i++)
		dst[i] = alphabet[bytes[i] % 36];
	dst[len] = '\0';
}

/* snprintf that fails the test instead of truncating. */
static inline void tj_fmt(char *dst, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline void tj_fmt(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(dst, size, fmt, ap);
	va_end(ap);
	ck_assert_msg(n >= 0 && (size_t)n < size, "path too long: %s", fmt);
}

static inline void tj_mkdir(const char *path, mode_t mode)
{
	ck_assert_msg(mkdir(path, mode) == 0, "mkdir %s: %s", path, strerror(errno));
	ck_assert_int_eq(chmod(path, mode), 0);
}

/*
 * Unchecked setup: make the scratch root in the real /tmp, the way the
 * launcher makes one (a run's root lives in the base directory, which is
 * /tmp by default), so paths inside it also start with "/tmp" and the
 * shim's idempotence is exercised by every test.
 */
static inline void tj_jail_setup(void)
{
	tj_j = mmap(NULL, sizeof(*tj_j), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_msg(tj_j != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(tj_j, 0, sizeof(*tj_j));
	tj_j->inotify_fd = -1;
	clock_gettime(CLOCK_REALTIME, &tj_j->started);
	/* Birth times have the file system's granularity: allow a second. */
	tj_j->started.tv_sec -= 1;
	const char *shim = getenv("TMPJAIL_SHIM");
	if (shim && shim[0] == '/' && access(shim, R_OK) == 0)
		tj_fmt(tj_j->shim, sizeof(tj_j->shim), "%s", shim);

	char rand[16];
	tj_random(rand, 10);
	tj_fmt(tj_j->name, sizeof(tj_j->name), "tjtest-%s", rand);
	tj_fmt(tj_j->real, sizeof(tj_j->real), "/tmp/%s", tj_j->name);
	/*
	 * Not "tj-": tmpjail --gc reaps such roots; this one is the test's.
	 * TJ_TEST_BASE moves it, e.g. to /dev/shm as tmpjail --memory does.
	 */
	const char *base = getenv("TJ_TEST_BASE");
	if (!base || base[0] != '/' || strstr(base, ".."))
		base = "/tmp";
	tj_fmt(tj_j->base, sizeof(tj_j->base), "%s", base);
	tj_fmt(tj_j->root, sizeof(tj_j->root), "%s/tjtest-root-XXXXXX", base);
	ck_assert_msg(mkdtemp(tj_j->root) != NULL, "mkdtemp: %s", strerror(errno));
	tj_fmt(tj_j->dir, sizeof(tj_j->dir), "%s/tmp", tj_j->root);
	tj_fmt(tj_j->vardir, sizeof(tj_j->vardir), "%s/var/tmp", tj_j->root);
	char var[TJ_PATH];
	tj_fmt(var, sizeof(var), "%s/var", tj_j->root);
	tj_mkdir(tj_j->dir, 0700);
	tj_mkdir(var, 0700);
	tj_mkdir(tj_j->vardir, 0700);
	/* "/tmp/<name>" is the first thing a failing shim would leave. */
	tj_fmt(tj_j->owned[tj_j->nowned++], TJ_PATH, "%s", tj_j->real);
}

/*
 * May the teardown remove @path? Only an absolute path without "..", that
 * exists, is not older than the test, and is owned by us. The remover
 * never follows symlinks, but a path that fails any of these is left
 * alone and named on stderr.
 */
static inline bool tj_removable(const char *path)
{
	struct statx stx;
	if (path[0] != '/' || strstr(path, "/..") || strstr(path, "//"))
		return false;
	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BTIME | STATX_CTIME | STATX_UID,
		  &stx) != 0)
		return false;
	struct statx_timestamp born = (stx.stx_mask & STATX_BTIME) ? stx.stx_btime : stx.stx_ctime;
	if (born.tv_sec < tj_j->started.tv_sec || stx.stx_uid != geteuid()) {
		fprintf(stderr, "%s predates the test or is not ours: left alone\n", path);
		return false;
	}
	return true;
}

/*
 * Unchecked teardown, in the parent: remove what the shim wrongly left in
 * the real /tmp (only the recorded names, which carry this test's random
 * part or were printed by the run as created), then the scratch root.
 */
static inline void tj_jail_teardown(void)
{
	if (!tj_j)
		return;
	for (int i = 0; i < tj_j->nowned && i < TJ_MAX_OWNED; i++) {
		if (!tj_removable(tj_j->owned[i]))
			continue;
		fprintf(stderr, "removing residue in the real /tmp: %s\n", tj_j->owned[i]);
		tf_rmtree(tj_j->owned[i], 0);
	}
	char prefix[TJ_PATH + 16];
	snprintf(prefix, sizeof(prefix), "%s/tjtest-root-", tj_j->base);
	if (tj_j->root[0] && strncmp(tj_j->root, prefix, strlen(prefix)) == 0 &&
	    !strchr(tj_j->root + strlen(prefix), '/') && tj_removable(tj_j->root) &&
	    tf_rmtree(tj_j->root, 0) < 0 && errno != ENOENT)
		fprintf(stderr, "cannot remove %s: %s\n", tj_j->root, strerror(errno));
	munmap(tj_j, sizeof(*tj_j));
	tj_j = NULL;
}

/*
 * Record a real path the run may create; the teardown removes it if it
 * exists. Call it before the run, while the path is known to be free, or
 * for a name the run printed as one it created itself (O_EXCL).
 */
static inline const char *tj_own(const char *path)
{
	ck_assert_msg(strncmp(path, "/tmp/", 5) == 0 || strncmp(path, "/var/tmp/", 9) == 0,
		      "tj_own: not a temp path: %s", path);
	ck_assert_msg(tj_j->nowned < TJ_MAX_OWNED, "too many owned paths");
	char *slot = tj_j->owned[tj_j->nowned];
	tj_fmt(slot, TJ_PATH, "%s", path);
	tj_j->nowned++;
	return slot;
}

/* "/tmp/<name><suffix>", recorded as owned and checked free now. */
static inline const char *tj_real(const char *suffix)
{
	char path[TJ_PATH];
	struct stat st;
	tj_fmt(path, sizeof(path), "%s%s", tj_j->real, suffix);
	ck_assert_msg(lstat(path, &st) < 0 && errno == ENOENT, "%s exists before the test", path);
	return tj_own(path);
}

/*
 * The real path standing in for @path as the program names it: /tmp/x is
 * dir/x, /var/tmp/x is vardir/x, and a path already in the root is itself.
 * Returns one of a few rotating static buffers.
 */
static inline const char *tj_priv(const char *path)
{
	static char bufs[8][TJ_PATH];
	static int next;
	char *buf = bufs[next++ % 8];
	size_t root_len = strlen(tj_j->root);
	if (strncmp(path, tj_j->root, root_len) == 0 && (!path[root_len] || path[root_len] == '/'))
		tj_fmt(buf, TJ_PATH, "%s", path);
	else if (strcmp(path, "/tmp") == 0)
		tj_fmt(buf, TJ_PATH, "%s", tj_j->dir);
	else if (strncmp(path, "/tmp/", 5) == 0)
		tj_fmt(buf, TJ_PATH, "%s/%s", tj_j->dir, path + 5);
	else if (strncmp(path, "/var/tmp/", 9) == 0)
		tj_fmt(buf, TJ_PATH, "%s/%s", tj_j->vardir, path + 9);
	else
		ck_abort_msg("tj_priv: %s is not redirected", path);
	return buf;
}

/* The private path of "/tmp/<name><suffix>". */
static inline const char *tj_mine(const char *suffix)
{
	char path[TJ_PATH];
	tj_fmt(path, sizeof(path), "%s%s", tj_j->real, suffix);
	return tj_priv(path);
}

/* The real /tmp path @path must not exist: the shim kept it away. */
#define tj_assert_real_absent(path)                                                               \
	do {                                                                                      \
		struct stat tj_st_;                                                               \
		const char *tj_p_ = (path);                                                       \
		int tj_r_ = lstat(tj_p_, &tj_st_);                                                \
		ck_assert_msg(                                                                    \
		    tj_r_ < 0 && errno == ENOENT,                                                 \
		    "residue in the real /tmp: %s exists (the shim did not redirect it)", tj_p_); \
	} while (0)

/* The program-visible @path exists in the private dir. */
#define tj_assert_private_exists(path)                                                      \
	do {                                                                                \
		struct stat tj_st_;                                                         \
		const char *tj_p_ = tj_priv(path);                                          \
		ck_assert_msg(lstat(tj_p_, &tj_st_) == 0,                                   \
			      "%s did not land in the private dir (%s: %s)", (path), tj_p_, \
			      strerror(errno));                                             \
	} while (0)

/* Every recorded real path is absent. */
static inline void tj_assert_no_residue(void)
{
	for (int i = 0; i < tj_j->nowned; i++)
		tj_assert_real_absent(tj_j->owned[i]);
}

/* Skip when the shim is not built: the one reason these tests may skip. */
#define TJ_REQUIRE_SHIM()                                                                       \
	do {                                                                                    \
		if (!tj_j->shim[0])                                                             \
			TJ_SKIP("needs the shim: TMPJAIL_SHIM is unset or not a readable file " \
				"(build target tmpjail-preload)");                              \
	} while (0)

/* Fail with the Debian package to install when @path is missing. */
static inline void tj_need_program(const char *path, const char *package)
{
	ck_assert_msg(access(path, X_OK) == 0, "%s is missing: apt-get install -y %s", path,
		      package);
}

/* A helper program built by tests/shim/programs_tests.cmake. */
static inline const char *tj_helper(const char *name)
{
	static char bufs[4][TJ_PATH];
	static int next;
	char *buf = bufs[next++ % 4];
	const char *dir = getenv("TJ_HELPERS");
	ck_assert_msg(
	    dir && *dir,
	    "TJ_HELPERS is unset: tests/shim/CMakeLists.txt must include(programs_tests.cmake)");
	tj_fmt(buf, TJ_PATH, "%s/%s", dir, name);
	ck_assert_msg(access(buf, X_OK) == 0, "helper %s is not built: %s", buf, strerror(errno));
	return buf;
}

static inline void tj_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	size_t len = strlen(text);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	ck_assert_int_eq(close(fd), 0);
}

/* The whole content of @path (malloc'd), or NULL with errno. */
static inline char *tj_read_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *buf = tj_read_fd(fd);
	close(fd);
	return buf;
}

/* The private file standing in for @path holds exactly @text. */
static inline void tj_assert_private_content(const char *path, const char *text)
{
	char *got = tj_read_file(tj_priv(path));
	ck_assert_msg(got != NULL, "%s did not land in the private dir (%s: %s)", path,
		      tj_priv(path), strerror(errno));
	ck_assert_msg(strcmp(got, text) == 0, "%s holds \"%s\", expected \"%s\"", path, got, text);
	free(got);
}

/* Running programs under the shim. */
#include "run_shim.h"

/* Add a test with the jail fixtures and a timeout to @s. */
static inline void tj_add(Suite *s, TCase *tc, const TTest *test)
{
	tcase_add_unchecked_fixture(tc, tj_jail_setup, tj_jail_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test);
	suite_add_tcase(s, tc);
}

#endif
