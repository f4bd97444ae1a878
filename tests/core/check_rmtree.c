/* SPDX-License-Identifier: MIT */
/*
 * Adversarial tests of the secure remover, tf_rmtree() and tf_rmtree_at()
 * (core/src/rmtree.c, docs/remover.md).
 *
 * A remover that regresses deletes whatever it escapes to, so:
 *   - every test works in a scratch directory it creates (under
 *     $TJ_SCRATCH_DIR, else the current directory: the build tree) and
 *     removes at the end, even when the test fails (unchecked fixture);
 *   - every removal runs in a forked child that first chroot()s into the
 *     scratch directory (as root, or in a user namespace of its own with
 *     its capabilities dropped after), so that ".." from anywhere in it
 *     stays inside. The tests that move parts of the tree while the
 *     remover runs, or that remove "/", need that chroot and are skipped
 *     without it; the others then run in the scratch directory unjailed.
 * What is asserted is what a user would notice: files outside the tree
 * survive with their content and mode, the tree is gone, the error is
 * the one documented.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>

#include "internal.h"
#include "tj_check.h"
#include "tmpjail/tempfile.h"

/* The unprivileged user removals are also run as, when the test is root. */
#define NOBODY 65534

/* Absolute path of this test's scratch directory, and an fd to it. */
static char scratch[PATH_MAX];
static int scratch_fd = -1;
/* What relative paths start from: scratch_fd, or AT_FDCWD in a child. */
static int base_fd = AT_FDCWD;
/* In a child, where a failed expectation is reported. */
static int report_fd = -1;

struct report {
	int result;
	char failure[480];
};

/*
 * EXPECT(cond, fmt, ...): a check that works in the test process (a Check
 * failure) and in the children it forks (reported to the parent).
 */
#define EXPECT(cond, ...) expect_at(__LINE__, (cond), __VA_ARGS__)

__attribute__((format(printf, 3, 4))) static void expect_at(int line, bool ok, const char *fmt, ...)
{
	struct report report = {0};
	int error = errno;
	va_list args;

	if (ok)
		return;
	int n = snprintf(report.failure, sizeof(report.failure), "line %d: ", line);
	errno = error; /* for %m */
	va_start(args, fmt);
	vsnprintf(report.failure + n, sizeof(report.failure) - (size_t)n, fmt, args);
	va_end(args);
	if (report_fd < 0)
		ck_abort_msg("%s", report.failure);
	if (write(report_fd, &report, sizeof(report)) < 0) {
		/* the parent then sees a child that exited 1 without a word */
	}
	_exit(1);
}

static const char *error_name(int error)
{
	const char *name = error ? strerrorname_np(error) : "success";
	return name ? name : "?";
}

/* EXPECT_RESULT(got, want): an errno value is the one expected. */
#define EXPECT_RESULT(got, want) expect_result(__LINE__, (got), (want))

static void expect_result(int line, int got, int want)
{
	expect_at(line, got == want, "tf_rmtree: %s, expected %s", error_name(got),
		  error_name(want));
}

/* ---- The scratch directory ---------------------------------------------- */

static void scratch_setup(void)
{
	const char *base = getenv("TJ_SCRATCH_DIR");
	char template[PATH_MAX];

	snprintf(template, sizeof(template), "%s/check_rmtree-XXXXXX", base ? base : ".");
	ck_assert_msg(mkdtemp(template), "mkdtemp in %s: %m", base ? base : "the cwd");
	ck_assert(realpath(template, scratch));
	scratch_fd = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(scratch_fd, 0);
	base_fd = scratch_fd;
}

/* Run a program with @options and the scratch directory, quietly. Return: its exit status. */
static int run_on_scratch(const char *program, const char *option1, const char *option2)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execlp(program, program, option1, option2, "--", scratch, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Remove the scratch directory with rm(1), an implementation independent
 * of the one under test; what a failed test left unreadable is made
 * readable first (chmod -R never follows the links it meets).
 */
static void scratch_teardown(void)
{
	close(scratch_fd);
	scratch_fd = -1;
	if (!scratch[0] || run_on_scratch("rm", "-Rf", "--one-file-system") == 0)
		return;
	run_on_scratch("chmod", "-R", "u+rwx");
	if (run_on_scratch("rm", "-Rf", "--one-file-system") != 0)
		fprintf(stderr, "check_rmtree: could not remove %s\n", scratch);
}

/* ---- Children ------------------------------------------------------------ */

enum {
	CHILD_MOUNTS = 1 << 0, /* a private mount namespace */
	CHILD_NOBODY = 1 << 1, /* become uid and gid NOBODY (root only) */
};

/* In a child without root: in a user namespace, capabilities still held. */
static bool in_user_namespace;

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t len = (ssize_t)strlen(text);
	bool done = fd >= 0 && write(fd, text, (size_t)len) == len;

	if (fd >= 0)
		close(fd);
	return done ? 0 : -1;
}

/*
 * Without root: a user namespace in which the caller's uid and gid map to
 * themselves, for the capabilities to chroot() and mount.
 */
static int enter_user_namespace(void)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];

	if (unshare(CLONE_NEWUSER) < 0 || write_file("/proc/self/setgroups", "deny") < 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)uid, (unsigned)uid);
	if (write_file("/proc/self/uid_map", map) < 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)gid, (unsigned)gid);
	return write_file("/proc/self/gid_map", map);
}

/*
 * In a user namespace, drop the capabilities it gave: the removal must run
 * with the caller's own rights, or mode 000 would not stop it.
 */
static void drop_capabilities(void)
{
	struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {{0}};

	if (in_user_namespace)
		EXPECT(syscall(SYS_capset, &header, data) == 0, "capset: %m");
	in_user_namespace = false;
}

/* Whether children can chroot(): as root, or in a user namespace. */
static bool can_jail(void)
{
	static int can = -1;
	int status;

	if (can >= 0)
		return can;
	if (geteuid() == 0)
		return (can = 1);
	pid_t pid = fork();
	if (pid == 0)
		_exit(enter_user_namespace() == 0 && chroot(scratch) == 0 ? 0 : 1);
	can = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0;
	return can;
}

/*
 * Set up a child: chroot() into the scratch directory, so that nothing
 * outside it can be reached however the remover goes wrong (as root, or
 * in a user namespace); without either, just chdir() there. Relative
 * paths work the same in all three.
 */
static void enter_child(unsigned how, bool jail)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (jail && geteuid() != 0) {
		EXPECT(enter_user_namespace() == 0, "user namespace: %m");
		in_user_namespace = true;
	}
	if (how & CHILD_MOUNTS) {
		EXPECT(unshare(CLONE_NEWNS) == 0, "unshare: %m");
		EXPECT(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0, "mount: %m");
	}
	if (jail) {
		EXPECT(chroot(scratch) == 0, "chroot %s: %m", scratch);
		EXPECT(chdir("/") == 0, "chdir /: %m");
	} else {
		EXPECT(chdir(scratch) == 0, "chdir %s: %m", scratch);
	}
	close(scratch_fd);
	scratch_fd = -1;
	base_fd = AT_FDCWD;
	if (how & CHILD_NOBODY) {
		EXPECT(setgroups(0, NULL) == 0 && setgid(NOBODY) == 0 && setuid(NOBODY) == 0,
		       "becoming %d: %m", NOBODY);
	}
	/* Whoever mounts keeps the capabilities, and drops them after. */
	if (!(how & CHILD_MOUNTS))
		drop_capabilities();
}

/*
 * Run @fn(@arg) in a forked child set up as @how says (enter_child()).
 * Return: what @fn returned (an errno value, by convention); a failed
 * EXPECT() in the child fails the test here.
 */
static int in_child(unsigned how, int (*fn)(void *arg), void *arg)
{
	struct report report = {.result = -1};
	int fds[2], status;

	bool jail = can_jail();
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		report_fd = fds[1];
		enter_child(how, jail);
		report.result = fn(arg);
		_exit(write(report_fd, &report, sizeof(report)) == sizeof(report) ? 0 : 2);
	}
	close(fds[1]);
	ssize_t n = read(fds[0], &report, sizeof(report));
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	if (n == (ssize_t)sizeof(report) && report.failure[0])
		ck_abort_msg("in the child: %s", report.failure);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0 && n == (ssize_t)sizeof(report),
		      "child: status %#x, report of %zd bytes", (unsigned)status, n);
	return report.result;
}

struct removal {
	const char *path;
	unsigned flags;
	rlim_t max_files; /* RLIMIT_NOFILE for the removal, 0: unchanged */
};

/* Open fds below 1024 (no /proc in the chroot). */
static int count_open_fds(void)
{
	int count = 0;

	for (int fd = 0; fd < 1024; fd++)
		count += fcntl(fd, F_GETFD) >= 0;
	return count;
}

static int do_removal(void *arg)
{
	const struct removal *removal = arg;
	int open_fds = count_open_fds();

	if (removal->max_files) {
		struct rlimit limit = {removal->max_files, removal->max_files};
		EXPECT(setrlimit(RLIMIT_NOFILE, &limit) == 0, "setrlimit: %m");
	}
	int r = tf_rmtree(removal->path, removal->flags) == 0 ? 0 : errno;
	EXPECT(count_open_fds() == open_fds, "tf_rmtree leaked %d fds",
	       count_open_fds() - open_fds);
	return r;
}

/* tf_rmtree(@path, @flags) in a child; @path relative to the scratch dir. */
static int remove_in_child(unsigned how, const char *path, unsigned flags)
{
	return in_child(how, do_removal, &(struct removal){.path = path, .flags = flags});
}

/*
 * An absolute symlink target naming @path in the scratch directory, as
 * the remover will see it: from inside the chroot when there is one.
 */
static const char *seen_path(const char *path)
{
	static char buffer[PATH_MAX];

	int n = snprintf(buffer, sizeof(buffer), "%s/%s", can_jail() ? "" : scratch, path);
	EXPECT(n < (int)sizeof(buffer), "%s: too long", path);
	return buffer;
}

/* ---- Making and checking files (relative to base_fd) --------------------- */

static void make_dir(const char *path, mode_t mode)
{
	EXPECT(mkdirat(base_fd, path, 0700) == 0, "mkdir %s: %m", path);
	EXPECT(fchmodat(base_fd, path, mode, 0) == 0, "chmod %s: %m", path);
}

static void make_file(const char *path, const char *content, mode_t mode)
{
	int fd = openat(base_fd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	EXPECT(fd >= 0, "create %s: %m", path);
	size_t len = strlen(content);
	EXPECT(write(fd, content, len) == (ssize_t)len, "write %s: %m", path);
	EXPECT(fchmod(fd, mode) == 0, "chmod %s: %m", path);
	close(fd);
}

static void make_link(const char *target, const char *path)
{
	EXPECT(symlinkat(target, base_fd, path) == 0, "symlink %s: %m", path);
}

static void set_mode(const char *path, mode_t mode)
{
	EXPECT(fchmodat(base_fd, path, mode, 0) == 0, "chmod %s: %m", path);
}

/* @count empty files f0, f1, ... in directory @path. */
static void make_files(const char *path, int count)
{
	int dirfd = openat(base_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char name[16];

	EXPECT(dirfd >= 0, "open %s: %m", path);
	for (int i = 0; i < count; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		EXPECT(mknodat(dirfd, name, S_IFREG | 0600, 0) == 0, "create %s/%s: %m", path,
		       name);
	}
	close(dirfd);
}

static struct stat stat_of(const char *path)
{
	struct stat st;

	EXPECT(fstatat(base_fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0, "%s is gone: %m", path);
	return st;
}

/* @path is a file holding exactly @content, with mode @mode. */
static void expect_file(const char *path, const char *content, mode_t mode)
{
	char buffer[256];

	struct stat st = stat_of(path);
	EXPECT(S_ISREG(st.st_mode) && (st.st_mode & 07777) == mode, "%s: mode %o, expected file %o",
	       path, (unsigned)st.st_mode, (unsigned)mode);
	int fd = openat(base_fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	EXPECT(fd >= 0, "open %s: %m", path);
	ssize_t n = read(fd, buffer, sizeof(buffer) - 1);
	close(fd);
	buffer[n > 0 ? n : 0] = '\0';
	EXPECT(strcmp(buffer, content) == 0, "%s holds \"%s\", not \"%s\"", path, buffer, content);
}

static void expect_dir(const char *path, mode_t mode)
{
	struct stat st = stat_of(path);
	EXPECT(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == mode,
	       "%s: mode %o, expected directory %o", path, (unsigned)st.st_mode, (unsigned)mode);
}

static void expect_gone(const char *path)
{
	struct stat st = {0};

	EXPECT(fstatat(base_fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT,
	       "%s is still there (mode %o)", path, (unsigned)st.st_mode);
}

/* The number of entries in directory @path, "." and ".." not counted. */
static int count_entries(const char *path)
{
	int fd = openat(base_fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	EXPECT(fd >= 0, "open %s: %m", path);
	DIR *dir = fdopendir(fd);
	int count = 0;

	EXPECT(dir != NULL, "fdopendir %s: %m", path);
	for (struct dirent *entry; (entry = readdir(dir));)
		count += strcmp(entry->d_name, ".") && strcmp(entry->d_name, "..");
	closedir(dir);
	return count;
}

/* The directory outside every tree, its sentinel, and their checks. */
static void make_outside(void)
{
	make_dir("outside", 0755);
	make_file("outside/sentinel", "keep me", 0640);
	make_dir("outside/sub", 0750);
	make_file("outside/sub/sentinel", "keep me too", 0600);
}

static void expect_outside(void)
{
	expect_dir("outside", 0755);
	expect_file("outside/sentinel", "keep me", 0640);
	expect_dir("outside/sub", 0750);
	expect_file("outside/sub/sentinel", "keep me too", 0600);
	EXPECT(count_entries("outside") == 2, "outside: entries changed");
}

static int chown_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	return lchown(path, NOBODY, NOBODY);
}

/* Give everything under @path (in the scratch dir) to NOBODY. Root only. */
static void give_to_nobody(const char *path)
{
	char full[PATH_MAX];

	ck_assert_int_lt(snprintf(full, sizeof(full), "%s/%s", scratch, path), sizeof(full));
	ck_assert_msg(nftw(full, chown_entry, 16, FTW_PHYS) == 0, "chown -R %s: %m", full);
}

/*
 * Test hook: the remover's unlinkat(2) calls reach this definition, which
 * replaces libc's in this program. When armed, it runs @unlink_hook just
 * before the remover unlinks a file named @unlink_hook_name (any file when
 * NULL), and stays armed while the hook returns true: a "concurrent"
 * change at an exact point of the walk.
 */
static bool (*unlink_hook)(int dirfd, const char *name);
static const char *unlink_hook_name;

int unlinkat(int dirfd, const char *path, int flags)
{
	bool (*hook)(int, const char *) = unlink_hook;

	if (hook && !(flags & AT_REMOVEDIR) &&
	    (!unlink_hook_name || strcmp(path, unlink_hook_name) == 0)) {
		unlink_hook = NULL;
		if (hook(dirfd, path))
			unlink_hook = hook;
	}
	return (int)syscall(SYS_unlinkat, dirfd, path, flags);
}

/*
 * Test hook: with @hide_d_type set, the remover's getdents64(2) calls
 * (which reach this definition) return every entry as DT_UNKNOWN, as some
 * file systems do; readdir(3) does not come here.
 */
static bool hide_d_type;
static unsigned long hidden_d_types;

ssize_t getdents64(int fd, void *buffer, size_t length)
{
	ssize_t n = syscall(SYS_getdents64, fd, buffer, length);

	for (ssize_t at = 0; hide_d_type && at < n;) {
		struct dirent64 *entry = (struct dirent64 *)((char *)buffer + at);
		entry->d_type = DT_UNKNOWN;
		hidden_d_types++;
		at += entry->d_reclen;
	}
	return n;
}

/*
 * Start over in an empty scratch directory of the same name (the fixture
 * that removes it at the end runs in the parent, which knows only that).
 */
static void fresh_scratch(void)
{
	scratch_teardown();
	ck_assert_msg(mkdir(scratch, 0700) == 0, "mkdir %s: %m", scratch);
	scratch_fd = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(scratch_fd, 0);
	base_fd = scratch_fd;
}

/*
 * The identities a removal is tried as: the caller; and, as root, also an
 * unprivileged user owning the whole scratch directory, since root
 * bypasses the permission checks that the mode fixes are about.
 */
static int identities(void)
{
	return geteuid() == 0 ? 2 : 1;
}

static unsigned become(int identity)
{
	if (!identity)
		return 0;
	give_to_nobody(".");
	return CHILD_NOBODY;
}

/* ---- Links ---------------------------------------------------------------- */

START_TEST(symlink_inside)
{
	make_outside();
	make_dir("tree", 0755);
	make_dir("tree/a", 0755);
	make_link(seen_path("outside"), "tree/absolute");
	make_link("../../outside", "tree/a/relative");
	make_link(seen_path("outside/sub"), "tree/a/sub");
	make_link("../outside/sentinel", "tree/file");
	make_link("outside", "tree/a/dangling");

	EXPECT_RESULT(remove_in_child(0, "tree", 0), 0);
	expect_gone("tree");
	expect_outside();
}
END_TEST

START_TEST(top_symlink)
{
	static const char *const spellings[] = {"top", "top/", "top//", "./top/"};

	make_outside();
	for (size_t i = 0; i < sizeof(spellings) / sizeof(*spellings); i++) {
		make_link(seen_path("outside"), "top");
		EXPECT_RESULT(remove_in_child(0, spellings[i], 0), 0);
		expect_gone("top");
		expect_outside();
	}
	make_link("outside/sentinel", "top");
	EXPECT_RESULT(remove_in_child(0, "top", 0), 0);
	expect_gone("top");
	expect_outside();
}
END_TEST

START_TEST(contents_only_symlink)
{
	make_outside();
	make_link(seen_path("outside"), "top");
	make_file("file", "a file", 0644);

	EXPECT_RESULT(remove_in_child(0, "top", TF_RMTREE_CONTENTS_ONLY), ENOTDIR);
	EXPECT_RESULT(remove_in_child(0, "top/", TF_RMTREE_CONTENTS_ONLY), ENOTDIR);
	EXPECT(S_ISLNK(stat_of("top").st_mode), "the link was replaced");
	EXPECT_RESULT(remove_in_child(0, "file", TF_RMTREE_CONTENTS_ONLY), ENOTDIR);
	expect_file("file", "a file", 0644);
	expect_outside();
}
END_TEST

/*
 * Hard links to outside files, in a directory of mode 000 the remover
 * must fix: only the names go; the files keep content, mode and owner.
 */
START_TEST(hard_link)
{
	for (int identity = 0; identity < identities(); identity++) {
		if (identity)
			fresh_scratch();
		make_outside();
		make_file("outside/locked", "no access", 0);
		make_dir("tree", 0755);
		make_dir("tree/locked", 0700);
		EXPECT(linkat(base_fd, "outside/sentinel", base_fd, "tree/hard", 0) == 0,
		       "link: %m");
		EXPECT(linkat(base_fd, "outside/locked", base_fd, "tree/locked/hard", 0) == 0,
		       "link: %m");
		EXPECT(linkat(base_fd, "outside/sub/sentinel", base_fd, "tree/locked/hard2", 0) ==
			   0,
		       "link: %m");
		set_mode("tree/locked", 0);
		unsigned how = become(identity);
		uid_t owner = stat_of("outside/locked").st_uid;

		EXPECT_RESULT(remove_in_child(how, "tree", 0), 0);
		expect_gone("tree");
		EXPECT(stat_of("outside/sentinel").st_nlink == 1, "outside/sentinel: links");
		struct stat st = stat_of("outside/locked");
		EXPECT((st.st_mode & 07777) == 0 && st.st_uid == owner && st.st_nlink == 1,
		       "outside/locked: mode %o, owner %d", (unsigned)st.st_mode, (int)st.st_uid);
		set_mode("outside/locked", 0600);
		expect_file("outside/locked", "no access", 0600);
		EXPECT(unlinkat(base_fd, "outside/locked", 0) == 0, "unlink: %m");
		expect_outside();
	}
}
END_TEST

/* ---- Size ----------------------------------------------------------------- */

/* A chain of @depth directories "dir" under @top, a file every 1000 levels. */
static void make_chain(const char *top, int depth)
{
	int fd = openat(base_fd, top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	EXPECT(fd >= 0, "open %s: %m", top);
	for (int level = 0; level < depth; level++) {
		EXPECT(mkdirat(fd, "dir", 0700) == 0, "mkdir at level %d: %m", level);
		if (level % 1000 == 0) {
			int file =
			    openat(fd, "file", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			EXPECT(file >= 0, "create at level %d: %m", level);
			close(file);
		}
		int next = openat(fd, "dir", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		EXPECT(next >= 0, "open at level %d: %m", level);
		close(fd);
		fd = next;
	}
	close(fd);
}

/* 10,000 levels: paths of 40,000 bytes, ten times PATH_MAX. */
START_TEST(deep_10000)
{
	make_outside();
	make_dir("tree", 0700);
	make_chain("tree", 10000);

	EXPECT_RESULT(remove_in_child(0, "tree", 0), 0);
	expect_gone("tree");
	expect_outside();
}
END_TEST

/* The same with 64 fds at most: one per level would need 10,000. */
START_TEST(deep_10000_nofile64)
{
	make_outside();
	make_dir("tree", 0700);
	make_chain("tree", 10000);

	struct removal removal = {.path = "tree", .max_files = 64};
	EXPECT_RESULT(in_child(0, do_removal, &removal), 0);
	expect_gone("tree");
	expect_outside();
}
END_TEST

START_TEST(many_files)
{
	char path[64];

	make_outside();
	make_dir("tree", 0700);
	for (int i = 0; i < 1000; i++) {
		snprintf(path, sizeof(path), "tree/d%d", i);
		make_dir(path, 0700);
		make_files(path, 100);
	}

	EXPECT_RESULT(remove_in_child(0, "tree", 0), 0);
	expect_gone("tree");
	expect_outside();
}
END_TEST

/* Names no path-based code handles well, and files that must not be opened. */
START_TEST(odd_names)
{
	static const char *const names[] = {
	    "new\nline", "\n",	"\n\n", "\xff\xfe\xfd", "caf\xe9",  "\xc3\x28", " ",	   "-rf",
	    "...",	 ". .", "*",	"\\",		"\x01\x7f", "~",	"dir\n..",
	};
	char path[PATH_MAX], long_name[NAME_MAX + 1];

	make_outside();
	make_dir("tree", 0700);
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		snprintf(path, sizeof(path), "tree/%s", names[i]);
		make_file(path, "odd", 0600);
		snprintf(path, sizeof(path), "tree/%s.d", names[i]);
		make_dir(path, 0700);
		snprintf(path, sizeof(path), "tree/%s.d/%s", names[i], names[i]);
		make_file(path, "odd", 0600);
	}
	memset(long_name, 'x', NAME_MAX);
	long_name[NAME_MAX] = '\0';
	snprintf(path, sizeof(path), "tree/\n.d/%s", long_name);
	make_dir(path, 0700);
	/* Opening a FIFO for reading would block the remover: the test times out. */
	EXPECT(mkfifoat(base_fd, "tree/fifo\n", 0600) == 0, "mkfifo: %m");
	EXPECT(mkfifoat(base_fd, "tree/\xff\xfe\xfd.d/fifo", 0) == 0, "mkfifo: %m");
	EXPECT(mknodat(base_fd, "tree/socket\xff", S_IFSOCK | 0600, 0) == 0, "mknod socket: %m");
	if (geteuid() == 0) {
		EXPECT(mknodat(base_fd, "tree/null\n", S_IFCHR | 0666, makedev(1, 3)) == 0,
		       "mknod: %m");
	}

	EXPECT_RESULT(remove_in_child(0, "tree", 0), 0);
	expect_gone("tree");
	expect_outside();
}
END_TEST

/* ---- Permissions and owners ---------------------------------------------- */

/*
 * Under @path: a file of mode 000 and directories m0 ... m7 of owner mode
 * 0o000 ... 0o700, each holding the same down to @depth levels.
 */
static void make_mode_tree(const char *path, int depth)
{
	char child[PATH_MAX];

	snprintf(child, sizeof(child), "%s/file", path);
	make_file(child, "", 0);
	for (int mode = 0; depth > 0 && mode < 8; mode++) {
		snprintf(child, sizeof(child), "%s/m%d", path, mode);
		make_dir(child, 0700);
		make_mode_tree(child, depth - 1);
		set_mode(child, (mode_t)mode << 6);
	}
}

static int remove_mode_tree(void *arg)
{
	(void)arg;
	/* Else the test would prove nothing about fixing modes. */
	if (geteuid() != 0) {
		int fd = open("tree/m0", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		EXPECT(fd < 0 && errno == EACCES, "mode 000 does not stop uid %d", (int)geteuid());
	}
	return tf_rmtree("tree", 0) == 0 ? 0 : errno;
}

START_TEST(modes)
{
	for (int identity = 0; identity < identities(); identity++) {
		if (identity)
			fresh_scratch();
		make_outside();
		make_dir("tree", 0700);
		make_mode_tree("tree", 3);
		unsigned how = become(identity);

		EXPECT_RESULT(in_child(how, remove_mode_tree, NULL), 0);
		expect_gone("tree");
		expect_outside();
	}
}
END_TEST

/*
 * 200 levels, deeper than the remover keeps fds open, level i of owner
 * mode (i % 8) << 6: the way back up through ".." must work in directories
 * whose modes it had to fix on the way down.
 */
START_TEST(deep_modes)
{
	enum { LEVELS = 200 };

	for (int identity = 0; identity < identities(); identity++) {
		int fds[LEVELS + 1];
		if (identity)
			fresh_scratch();
		make_outside();
		make_dir("tree", 0700);
		fds[0] = openat(base_fd, "tree", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		for (int level = 1; level <= LEVELS; level++) {
			EXPECT(mknodat(fds[level - 1], "file", S_IFREG, 0) == 0, "mknod: %m");
			EXPECT(mkdirat(fds[level - 1], "dir", 0700) == 0, "mkdir: %m");
			fds[level] =
			    openat(fds[level - 1], "dir", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			EXPECT(fds[level] >= 0, "open level %d: %m", level);
		}
		for (int level = LEVELS; level > 0; level--) {
			EXPECT(fchmod(fds[level], (mode_t)(level % 8) << 6) == 0, "chmod: %m");
			close(fds[level]);
		}
		close(fds[0]);
		unsigned how = become(identity);

		EXPECT_RESULT(remove_in_child(how, "tree", 0), 0);
		expect_gone("tree");
		expect_outside();
	}
}
END_TEST

static int remove_without_d_type(void *arg)
{
	(void)arg;
	hide_d_type = true;
	int r = do_removal(&(struct removal){.path = "tree"});
	EXPECT(hidden_d_types > 100, "the remover's reads never came here");
	return r;
}

/* Without d_type every entry is looked at with fstatat(), links included. */
START_TEST(no_d_type)
{
	for (int identity = 0; identity < identities(); identity++) {
		if (identity)
			fresh_scratch();
		make_outside();
		make_dir("tree", 0700);
		make_link(seen_path("outside"), "tree/absolute");
		make_link("../outside/sentinel", "tree/file_link");
		make_files("tree", 20);
		EXPECT(mkfifoat(base_fd, "tree/fifo", 0600) == 0, "mkfifo: %m");
		make_dir("tree/locked", 0700);
		make_files("tree/locked", 20);
		make_link("../../outside", "tree/locked/relative");
		set_mode("tree/locked", 0);
		/* Readable, not searchable: fstatat() of the entries needs a fix. */
		make_dir("tree/no_search", 0700);
		make_files("tree/no_search", 5);
		make_link("../../outside", "tree/no_search/relative");
		set_mode("tree/no_search", 0400);
		make_chain("tree", 100);
		unsigned how = become(identity);

		EXPECT_RESULT(in_child(how, remove_without_d_type, NULL), 0);
		expect_gone("tree");
		expect_outside();
	}
}
END_TEST

/*
 * CVE-2023-6597: a remover fixing modes must not fix them through links.
 * Links into directories of mode 000 point at outside directories and
 * files of restrictive modes, owned by whoever removes the tree, so a
 * chmod that follows them would succeed.
 */
START_TEST(cve_2023_6597)
{
	for (int identity = 0; identity < identities(); identity++) {
		if (identity)
			fresh_scratch();
		make_outside();
		make_dir("outside/locked", 0700);
		make_file("outside/locked/file", "behind 000", 0600);
		set_mode("outside/locked", 0);
		make_file("outside/readonly", "read only", 0400);
		make_dir("tree", 0700);
		make_link("../outside/locked", "tree/to_locked");
		make_link(seen_path("outside"), "tree/to_outside");
		for (int i = 0; i < 3; i++) {
			static const char *const dirs[] = {"tree/000", "tree/600", "tree/500"};
			static const mode_t dir_modes[] = {0, 0600, 0500};
			char path[64];
			make_dir(dirs[i], 0700);
			snprintf(path, sizeof(path), "%s/to_locked", dirs[i]);
			make_link("../../outside/locked", path);
			snprintf(path, sizeof(path), "%s/to_file", dirs[i]);
			make_link("../../outside/readonly", path);
			snprintf(path, sizeof(path), "%s/to_outside", dirs[i]);
			make_link(seen_path("outside"), path);
			set_mode(dirs[i], dir_modes[i]);
		}
		unsigned how = become(identity);

		EXPECT_RESULT(remove_in_child(how, "tree", 0), 0);
		expect_gone("tree");
		expect_dir("outside/locked", 0);
		expect_file("outside/readonly", "read only", 0400);
		set_mode("outside/locked", 0700);
		expect_file("outside/locked/file", "behind 000", 0600);
		EXPECT(count_entries("outside") == 4, "outside: entries changed");
	}
}
END_TEST

/*
 * Another user's directory in the tree. Root removes it like any other:
 * rm -rf as root does. A user removing a tree holding root's directories
 * removes everything else, leaves them and their modes alone (a mode is
 * fixed only on the remover's own directories) and reports EACCES.
 */
START_TEST(other_owner)
{
	if (geteuid() != 0)
		TJ_SKIP("needs root to make files owned by another user");

	make_outside();
	make_dir("tree", 0755);
	make_dir("tree/theirs", 0700);
	make_file("tree/theirs/file", "theirs", 0600);
	make_dir("tree/theirs/locked", 0700);
	make_file("tree/theirs/locked/file", "theirs", 0600);
	give_to_nobody("tree/theirs");
	set_mode("tree/theirs/locked", 0);
	EXPECT_RESULT(remove_in_child(0, "tree", 0), 0);
	expect_gone("tree");
	expect_outside();

	fresh_scratch();
	make_dir("tree", 0755);
	make_dir("tree/mine", 0700);
	make_files("tree/mine", 10);
	give_to_nobody(".");
	make_dir("tree/roots", 0755);
	make_file("tree/roots/keep", "root's", 0644);
	make_dir("tree/roots000", 0);
	make_dir("tree/roots700", 0700);
	make_file("tree/roots700/keep", "root's", 0600);

	EXPECT_RESULT(remove_in_child(CHILD_NOBODY, "tree", 0), EACCES);
	expect_gone("tree/mine");
	expect_dir("tree/roots", 0755);
	expect_file("tree/roots/keep", "root's", 0644);
	expect_dir("tree/roots000", 0);
	expect_dir("tree/roots700", 0700);
	expect_file("tree/roots700/keep", "root's", 0600);
	EXPECT(stat_of("tree/roots").st_uid == 0 && stat_of("tree/roots000").st_uid == 0,
	       "owners changed");
	EXPECT(count_entries("tree") == 3, "tree: %d entries", count_entries("tree"));
}
END_TEST

/* ---- "/" ------------------------------------------------------------------ */

static int remove_root_at(void *arg)
{
	(void)arg;
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	EXPECT(fd >= 0, "open /: %m");
	int r = tf_rmtree_at(fd, ".", TF_RMTREE_CONTENTS_ONLY) == 0 ? 0 : errno;
	close(fd);
	return r;
}

/* In a child chroot()ed into the scratch directory, "/" is the scratch. */
START_TEST(refuse_root)
{
	static const struct {
		const char *path;
		unsigned flags;
	} spellings[] = {
	    {"/", 0},
	    {"//", 0},
	    {"/.", 0},
	    {"/..", 0},
	    {"/./", 0},
	    {".", 0},
	    {"keep/..", 0},
	    {"/", TF_RMTREE_CONTENTS_ONLY},
	    {"//", TF_RMTREE_CONTENTS_ONLY},
	    {"/.", TF_RMTREE_CONTENTS_ONLY},
	    {"/..", TF_RMTREE_CONTENTS_ONLY},
	    {".", TF_RMTREE_CONTENTS_ONLY},
	    {"keep/..", TF_RMTREE_CONTENTS_ONLY},
	    {"keep/../", TF_RMTREE_CONTENTS_ONLY},
	};

	if (!can_jail())
		TJ_SKIP("needs root or a user namespace for chroot");
	make_file("top_file", "keep", 0644);
	make_dir("keep", 0700);
	make_file("keep/file", "keep", 0600);
	for (size_t i = 0; i < sizeof(spellings) / sizeof(*spellings); i++) {
		int r = remove_in_child(0, spellings[i].path, spellings[i].flags);
		EXPECT(r == EPERM, "\"%s\", flags %u: %s, expected EPERM", spellings[i].path,
		       spellings[i].flags, error_name(r));
		expect_file("top_file", "keep", 0644);
		expect_file("keep/file", "keep", 0600);
		EXPECT(count_entries(".") == 2, "\"%s\": the scratch dir changed",
		       spellings[i].path);
	}
	EXPECT_RESULT(in_child(0, remove_root_at, NULL), EPERM);
	expect_file("top_file", "keep", 0644);
	expect_file("keep/file", "keep", 0600);
}
END_TEST

/* ---- Mounts (in a private mount namespace, gone with the child) ----------- */

static uint64_t mount_id(const char *path)
{
	struct statx stx;

	EXPECT(statx(base_fd, path, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) == 0 &&
		   (stx.stx_mask & STATX_MNT_ID),
	       "statx %s: %m", path);
	return stx.stx_mnt_id;
}

/* Mount a tmpfs on @path, holding a sentinel file and directory. */
static void mount_tmpfs(const char *path)
{
	char file[PATH_MAX];

	EXPECT(mount("tmpfs", path, "tmpfs", 0, "mode=0755") == 0, "mount on %s: %m", path);
	snprintf(file, sizeof(file), "%s/sentinel", path);
	make_file(file, "on the mount", 0600);
	snprintf(file, sizeof(file), "%s/sub", path);
	make_dir(file, 0700);
	snprintf(file, sizeof(file), "%s/sub/sentinel", path);
	make_file(file, "on the mount", 0600);
}

static void expect_tmpfs(const char *path, uint64_t id)
{
	char file[PATH_MAX];

	EXPECT(mount_id(path) == id, "%s: no longer the mount", path);
	EXPECT(count_entries(path) == 2, "%s: entries changed", path);
	snprintf(file, sizeof(file), "%s/sentinel", path);
	expect_file(file, "on the mount", 0600);
	snprintf(file, sizeof(file), "%s/sub/sentinel", path);
	expect_file(file, "on the mount", 0600);
}

static int mount_point_child(void *arg)
{
	(void)arg;
	mount_tmpfs("tree/a/mnt");
	drop_capabilities();
	uint64_t id = mount_id("tree/a/mnt");
	EXPECT(id != mount_id("tree/a"), "tree/a/mnt is not a mount point");

	int r = tf_rmtree("tree", 0) == 0 ? 0 : errno;
	expect_tmpfs("tree/a/mnt", id);
	EXPECT(count_entries("tree") == 1 && count_entries("tree/a") == 1,
	       "more than the way to the mount point is left");
	return r;
}

START_TEST(mount_point)
{
	if (!can_jail())
		TJ_SKIP("needs root or a user namespace to mount");
	make_outside();
	make_dir("tree", 0755);
	make_dir("tree/a", 0755);
	make_dir("tree/a/mnt", 0755);
	make_files("tree/a", 10);
	make_dir("tree/b", 0);
	make_files("tree", 10);

	EXPECT_RESULT(in_child(CHILD_MOUNTS, mount_point_child, NULL), EBUSY);
	expect_outside();
}
END_TEST

/*
 * A bind mount of the same file system has the same st_dev: only the
 * mount id tells it is another mount. One of "/" itself (the scratch
 * directory, in the chroot) must be refused even when named directly.
 */
static int bind_mount_child(void *arg)
{
	(void)arg;
	EXPECT(mount("outside", "tree/bind", NULL, MS_BIND, NULL) == 0, "bind mount: %m");
	EXPECT(mount("/", "tree/root", NULL, MS_BIND, NULL) == 0, "bind mount of /: %m");
	drop_capabilities();
	EXPECT(stat_of("tree/bind").st_dev == stat_of("tree").st_dev &&
		   mount_id("tree/bind") != mount_id("tree"),
	       "tree/bind: not a bind mount of the same file system");

	int r = tf_rmtree("tree/root", 0) == 0 ? 0 : errno;
	EXPECT(r == EPERM, "removing a bind mount of /: %s", error_name(r));
	r = tf_rmtree("tree/root", TF_RMTREE_CONTENTS_ONLY) == 0 ? 0 : errno;
	EXPECT(r == EPERM, "emptying a bind mount of /: %s", error_name(r));

	r = tf_rmtree("tree", 0) == 0 ? 0 : errno;
	expect_outside();
	expect_file("tree/root/outside/sentinel", "keep me", 0640);
	EXPECT(count_entries("tree") == 2, "more than the mount points is left");
	return r;
}

START_TEST(bind_mount)
{
	if (!can_jail())
		TJ_SKIP("needs root or a user namespace to mount");
	make_outside();
	make_dir("tree", 0755);
	make_dir("tree/bind", 0755);
	make_dir("tree/root", 0755);
	make_dir("tree/other", 0755);
	make_files("tree/other", 10);

	EXPECT_RESULT(in_child(CHILD_MOUNTS, bind_mount_child, NULL), EBUSY);
	expect_outside();
}
END_TEST

/*
 * Keep going after an error and report the first: a mount point in the
 * middle of many files. The mount point's EBUSY, not the ENOTEMPTY it
 * causes on the way up, is the error; everything else is gone.
 */
static int keep_going_child(void *arg)
{
	(void)arg;
	mount_tmpfs("tree/d07/mnt");
	drop_capabilities();
	uint64_t id = mount_id("tree/d07/mnt");

	int r = tf_rmtree("tree", 0) == 0 ? 0 : errno;
	expect_tmpfs("tree/d07/mnt", id);
	EXPECT(count_entries("tree") == 1 && count_entries("tree/d07") == 1,
	       "more than the way to the mount point is left");
	return r;
}

START_TEST(keep_going)
{
	char path[64];

	if (!can_jail())
		TJ_SKIP("needs root or a user namespace to mount");
	make_outside();
	make_dir("tree", 0755);
	make_files("tree", 500);
	for (int i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "tree/d%02d", i);
		make_dir(path, 0755);
		make_files(path, 200);
		snprintf(path, sizeof(path), "tree/d%02d/%s", i, i == 7 ? "mnt" : "sub");
		make_dir(path, 0755);
		if (i != 7)
			make_files(path, 50);
	}

	EXPECT_RESULT(in_child(CHILD_MOUNTS, keep_going_child, NULL), EBUSY);
	expect_outside();
}
END_TEST

/* ---- The API's edges ------------------------------------------------------ */

static int remove_bad_arguments(void *arg)
{
	(void)arg;
	errno = 0;
	EXPECT(tf_rmtree(NULL, 0) < 0 && errno == EINVAL, "NULL: %s", error_name(errno));
	errno = 0;
	EXPECT(tf_rmtree("tree", 1u << 7) < 0 && errno == EINVAL, "bad flags: %s",
	       error_name(errno));
	errno = 0;
	EXPECT(tf_rmtree("", 0) < 0 && errno == ENOENT, "\"\": %s", error_name(errno));
	errno = 0;
	EXPECT(tf_rmtree("tree/nope/deeper", 0) < 0 && errno == ENOENT, "missing parent: %s",
	       error_name(errno));
	return tf_rmtree("nope", 0) == 0 ? 0 : errno;
}

START_TEST(missing)
{
	make_outside();
	make_dir("tree", 0700);
	make_file("tree/file", "keep", 0600);

	EXPECT_RESULT(in_child(0, remove_bad_arguments, NULL), ENOENT);
	expect_file("tree/file", "keep", 0600);
	expect_gone("nope");
	expect_outside();
	EXPECT(count_entries(".") == 2, "the scratch directory changed");
	make_link("nope", "dangling");
	EXPECT_RESULT(remove_in_child(0, "dangling", 0), 0);
	expect_gone("dangling");
}
END_TEST

/* The kept directory is still there, with mode @mode, and empty. */
static void expect_emptied(const char *path, mode_t mode)
{
	expect_dir(path, mode);
	set_mode(path, 0700);
	EXPECT(count_entries(path) == 0, "%s: %d entries left", path, count_entries(path));
}

/* Tops of modes 0750, 0500 (not writable) and 000: kept with that mode. */
START_TEST(contents_only)
{
	static const char *const tops[] = {"top750", "top500", "top000"};
	static const mode_t top_modes[] = {0750, 0500, 0};

	for (int identity = 0; identity < identities(); identity++) {
		if (identity)
			fresh_scratch();
		make_outside();
		for (int i = 0; i < 3; i++) {
			char path[64];
			make_dir(tops[i], 0700);
			make_files(tops[i], 20);
			snprintf(path, sizeof(path), "%s/sub", tops[i]);
			make_dir(path, 0700);
			make_files(path, 20);
			set_mode(path, 0);
			snprintf(path, sizeof(path), "%s/outside", tops[i]);
			make_link("../outside", path);
			set_mode(tops[i], top_modes[i]);
		}
		unsigned how = become(identity);

		for (int i = 0; i < 3; i++) {
			EXPECT_RESULT(remove_in_child(how, tops[i], TF_RMTREE_CONTENTS_ONLY), 0);
			expect_emptied(tops[i], top_modes[i]);
		}
		expect_outside();
	}
}
END_TEST

/* tf_rmtree_at() with a real directory fd, O_PATH included. */
static int remove_at(void *arg)
{
	(void)arg;
	int fd = open("parent", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int path_fd = open("parent/box2", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r;

	EXPECT(fd >= 0 && path_fd >= 0, "open: %m");
	r = tf_rmtree_at(fd, "tree", 0) == 0 ? 0 : errno;
	EXPECT(r == 0, "tree: %s", error_name(r));
	r = tf_rmtree_at(fd, "link", 0) == 0 ? 0 : errno;
	EXPECT(r == 0, "link: %s", error_name(r));
	r = tf_rmtree_at(fd, "box", TF_RMTREE_CONTENTS_ONLY) == 0 ? 0 : errno;
	EXPECT(r == 0, "box: %s", error_name(r));
	r = tf_rmtree_at(path_fd, ".", TF_RMTREE_CONTENTS_ONLY) == 0 ? 0 : errno;
	EXPECT(r == 0, "\".\" of box2: %s", error_name(r));
	r = tf_rmtree_at(fd, ".", 0) == 0 ? 0 : errno;
	EXPECT(r == EINVAL, "\".\" without CONTENTS_ONLY: %s", error_name(r));
	r = tf_rmtree_at(fd, "nope", 0) == 0 ? 0 : errno;
	close(path_fd);
	close(fd);
	return r;
}

START_TEST(rmtree_at)
{
	make_outside();
	make_dir("parent", 0755);
	make_dir("parent/tree", 0755);
	make_dir("parent/tree/sub", 0);
	make_files("parent/tree", 10);
	make_link(seen_path("outside"), "parent/link");
	make_dir("parent/box", 0750);
	make_files("parent/box", 10);
	make_dir("parent/box2", 0700);
	make_files("parent/box2", 10);
	make_file("parent/keep", "keep", 0644);

	EXPECT_RESULT(in_child(0, remove_at, NULL), ENOENT);
	expect_gone("parent/tree");
	expect_gone("parent/link");
	expect_dir("parent/box", 0750);
	expect_dir("parent/box2", 0700);
	EXPECT(count_entries("parent/box") == 0 && count_entries("parent/box2") == 0,
	       "not emptied");
	expect_file("parent/keep", "keep", 0644);
	EXPECT(count_entries("parent") == 3, "parent: entries changed");
	expect_outside();
}
END_TEST

/* ---- Trees changing during the removal (chroot()ed children only) -------- */

/* "tree/a/a/.../a" (@depth a's), in @path. */
static void deep_name(char *path, size_t size, int depth, const char *last)
{
	int n = snprintf(path, size, "tree");
	for (int level = 0; level < depth; level++)
		n += snprintf(path + n, size - (size_t)n, "/a");
	snprintf(path + n, size - (size_t)n, "/%s", last);
}

/* @depth directories "c" under @path, each with a few files, @last at the bottom. */
static void make_deep_files(const char *path, int depth, const char *last)
{
	char name[PATH_MAX];
	int n = snprintf(name, sizeof(name), "%s", path);

	for (int level = 0; level < depth; level++) {
		make_files(name, 3);
		n += snprintf(name + n, sizeof(name) - (size_t)n, "/c");
		make_dir(name, 0700);
	}
	snprintf(name + n, sizeof(name) - (size_t)n, "/%s", last);
	make_file(name, "", 0600);
}

static bool move_mid_away(int dirfd, const char *name)
{
	(void)name;
	char path[PATH_MAX];

	(void)dirfd;
	deep_name(path, sizeof(path), 20, "mid");
	EXPECT(rename(path, "away/mid") == 0, "rename %s: %m", path);
	return false;
}

static int moved_away_child(void *arg)
{
	(void)arg;
	unlink_hook_name = "trigger";
	unlink_hook = move_mid_away;
	int r = tf_rmtree("tree", 0) == 0 ? 0 : errno;
	EXPECT(!unlink_hook, "the walk never reached the trigger");
	expect_file("away/sentinel", "keep me", 0600);
	expect_outside();
	/* What is left of the tree is still the tree's. */
	int again = tf_rmtree("tree", 0) == 0 ? 0 : errno;
	EXPECT(again == 0, "removing the rest: %s", error_name(again));
	return r;
}

/*
 * A subtree moved out of the tree while the walk is 40 levels inside it,
 * deeper than the remover keeps fds: on the way back up, ".." of the
 * moved subtree is "away", not the directory the walk came from. The
 * remover must notice (ESTALE) rather than empty "away" and, through
 * its "..", everything above. Without the chroot, "above" would be the
 * build tree and the checkout.
 */
START_TEST(moved_away)
{
	char path[PATH_MAX];

	if (!can_jail())
		TJ_SKIP("needs root or a user namespace for chroot");
	make_outside();
	make_dir("away", 0700);
	make_file("away/sentinel", "keep me", 0600);
	make_dir("tree", 0700);
	for (int depth = 1; depth <= 20; depth++) {
		deep_name(path, sizeof(path), depth, "");
		path[strlen(path) - 1] = '\0';
		make_dir(path, 0700);
		make_files(path, 2);
	}
	deep_name(path, sizeof(path), 20, "mid");
	make_dir(path, 0700);
	make_deep_files(path, 40, "trigger");

	EXPECT_RESULT(in_child(0, moved_away_child, NULL), ESTALE);
	expect_gone("tree");
	expect_file("away/sentinel", "keep me", 0600);
	expect_outside();
}
END_TEST

/*
 * When the walk, inside one of tree/x and tree/y, reaches its trigger,
 * the other is moved away and replaced by a link to "outside" between
 * being listed and being opened.
 */
static bool swap_sibling(int dirfd, const char *name)
{
	(void)name;
	struct stat st;

	EXPECT(fstat(dirfd, &st) == 0, "fstat: %m");
	const char *other = st.st_ino == stat_of("tree/x").st_ino ? "y" : "x";
	char path[16], away[16];
	snprintf(path, sizeof(path), "tree/%s", other);
	snprintf(away, sizeof(away), "away/%s", other);
	EXPECT(rename(path, away) == 0, "rename %s: %m", path);
	make_link("/outside", path);
	return false;
}

static int swapped_child(void *arg)
{
	(void)arg;
	unlink_hook_name = "trigger";
	unlink_hook = swap_sibling;
	int r = tf_rmtree("tree", 0) == 0 ? 0 : errno;
	EXPECT(!unlink_hook, "the walk never reached the trigger");
	return r;
}

START_TEST(swapped_for_symlink)
{
	if (!can_jail())
		TJ_SKIP("needs root or a user namespace for chroot");
	make_outside();
	make_dir("away", 0700);
	make_dir("tree", 0700);
	make_dir("tree/x", 0700);
	make_dir("tree/y", 0700);
	make_file("tree/x/trigger", "", 0600);
	make_file("tree/y/trigger", "", 0600);
	make_deep_files("tree/x", 2, "file");
	make_deep_files("tree/y", 2, "file");

	EXPECT_RESULT(in_child(0, swapped_child, NULL), 0);
	expect_gone("tree");
	expect_outside();
	/* Moved away before the walk entered it: never reached. */
	EXPECT(count_entries("away") == 1, "away: %d entries", count_entries("away"));
}
END_TEST

/* The directory the walk is in is moved away and replaced by a link out. */
static bool replace_x(int dirfd, const char *name)
{
	(void)name;
	(void)dirfd;
	EXPECT(rename("tree/x", "away/x") == 0, "rename tree/x: %m");
	make_link("/outside", "tree/x");
	return false;
}

static int replaced_child(void *arg)
{
	(void)arg;
	unlink_hook_name = "trigger";
	unlink_hook = replace_x;
	int r = tf_rmtree("tree", 0) == 0 ? 0 : errno;
	EXPECT(!unlink_hook, "the walk never reached the trigger");
	return r;
}

/*
 * The walk is inside tree/x when it is moved away and a link to "outside"
 * takes its name. What the walk holds was the tree's and may be emptied
 * (docs/remover.md); the link was put into the tree and is removed like
 * anything else in it; "outside" is not touched.
 */
START_TEST(replaced_while_inside)
{
	if (!can_jail())
		TJ_SKIP("needs root or a user namespace for chroot");
	make_outside();
	make_dir("away", 0700);
	make_dir("tree", 0700);
	make_dir("tree/x", 0700);
	make_file("tree/x/trigger", "", 0600);
	make_deep_files("tree/x", 3, "file");

	EXPECT_RESULT(in_child(0, replaced_child, NULL), 0);
	expect_gone("tree");
	expect_outside();
	expect_dir("away/x", 0700);
}
END_TEST

/* A writer behind the remover: each wN it unlinks is followed by wN+1. */
static bool write_next(int dirfd, const char *name)
{
	char next[32];

	if (name[0] != 'w')
		return true;
	snprintf(next, sizeof(next), "w%ld", strtol(name + 1, NULL, 10) + 1);
	int fd = openat(dirfd, next, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	return true;
}

static int endless_child(void *arg)
{
	const struct removal *removal = arg;

	unlink_hook_name = NULL;
	unlink_hook = write_next;
	int r = tf_rmtree(removal->path, removal->flags) == 0 ? 0 : errno;
	unlink_hook = NULL;
	return r;
}

/*
 * A writer that never stops adding files, in the top itself or in a
 * directory below: the remover re-reads a bounded number of times, then
 * fails with ENOTEMPTY (docs/remover.md, Limits), also when it was only to
 * empty the top. It must neither loop forever nor report success.
 */
START_TEST(endless_writer)
{
	make_outside();
	make_dir("tree", 0700);
	make_file("tree/w0", "", 0600);
	make_files("tree", 10);
	make_dir("tree2", 0700);
	make_dir("tree2/sub", 0700);
	make_file("tree2/sub/w0", "", 0600);

	struct removal removal = {.path = "tree", .flags = TF_RMTREE_CONTENTS_ONLY};
	EXPECT_RESULT(in_child(0, endless_child, &removal), ENOTEMPTY);
	expect_dir("tree", 0700);
	EXPECT(count_entries("tree") == 1, "tree: %d entries", count_entries("tree"));
	removal = (struct removal){.path = "tree2"};
	EXPECT_RESULT(in_child(0, endless_child, &removal), ENOTEMPTY);
	EXPECT(count_entries("tree2/sub") == 1, "tree2/sub: %d entries",
	       count_entries("tree2/sub"));
	expect_outside();
}
END_TEST

struct attacker {
	bool stop;
	long delay_ns; /* before the first move */
	unsigned moves, swaps;
};

/*
 * After a delay, move the deep part of tree/target away, where the walk
 * may be inside it; then keep moving tree/target away and putting a link
 * to "outside" in its place.
 */
static void *attack(void *arg)
{
	struct attacker *attacker = arg;
	struct timespec delay = {0, attacker->delay_ns};
	char path[64];

	nanosleep(&delay, NULL);
	snprintf(path, sizeof(path), "away/deep%u", attacker->moves);
	if (rename("tree/target/c/c", path) == 0)
		attacker->moves++;
	while (!__atomic_load_n(&attacker->stop, __ATOMIC_RELAXED)) {
		snprintf(path, sizeof(path), "away/%u", attacker->moves);
		if (rename("tree/target", path) == 0)
			attacker->moves++;
		if (symlink("/outside", "tree/target") == 0)
			attacker->swaps++;
		sched_yield();
		if (unlink("tree/target") == 0 && mkdir("tree/target", 0700) == 0 &&
		    mkdir("tree/target/c", 0700) == 0)
			close(open("tree/target/c/file", O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int attacker_child(void *arg)
{
	struct attacker attacker = {0};
	double start = now();
	int rounds = 0, results[4] = {0};

	(void)arg;
	while (rounds < 5 || (rounds < 200 && now() - start < 2.0)) {
		make_dir("tree", 0700);
		for (int i = 0; i < 4; i++) {
			char path[16];
			snprintf(path, sizeof(path), "tree/d%d", i);
			make_dir(path, 0700);
			make_files(path, 50);
		}
		make_dir("tree/target", 0700);
		make_deep_files("tree/target", 40, "bottom");
		attacker.stop = false;
		attacker.delay_ns = rounds * 997 % 8000 * 1000L;
		pthread_t thread;
		EXPECT(pthread_create(&thread, NULL, attack, &attacker) == 0, "pthread_create");
		int r = tf_rmtree("tree", 0) == 0 ? 0 : errno;
		__atomic_store_n(&attacker.stop, true, __ATOMIC_RELAXED);
		pthread_join(thread, NULL);

		/* Moved out while the walk was inside: ESTALE; re-added: ENOTEMPTY. */
		EXPECT(r == 0 || r == ESTALE || r == ENOTEMPTY, "round %d: %s", rounds,
		       error_name(r));
		results[r == 0 ? 0 : r == ESTALE ? 1 : 2]++;
		expect_outside();
		r = tf_rmtree("tree", 0) == 0 ? 0 : errno;
		EXPECT(r == 0 || r == ENOENT, "round %d, the rest: %s", rounds, error_name(r));
		r = tf_rmtree("away", TF_RMTREE_CONTENTS_ONLY) == 0 ? 0 : errno;
		EXPECT(r == 0, "round %d, away: %s", rounds, error_name(r));
		expect_outside();
		rounds++;
	}
	EXPECT(attacker.moves > 0 && attacker.swaps > 0, "the attacker never got to act");
	fprintf(stderr, "attacker: %d rounds: %d removed, %d ESTALE, %d ENOTEMPTY; %u moves\n",
		rounds, results[0], results[1], results[2], attacker.moves);
	return 0;
}

START_TEST(attacker)
{
	if (!can_jail())
		TJ_SKIP("needs root or a user namespace for chroot");
	make_outside();
	make_dir("away", 0700);

	EXPECT_RESULT(in_child(0, attacker_child, NULL), 0);
	expect_outside();
	expect_gone("tree");
}
END_TEST

/* ---- The suite -------------------------------------------------------------- */

static void add_case(Suite *suite, TCase *tcase, const TTest *test)
{
	tcase_add_unchecked_fixture(tcase, scratch_setup, scratch_teardown);
	tcase_add_test(tcase, test);
	suite_add_tcase(suite, tcase);
}

Suite *tj_suite(void)
{
	Suite *suite = suite_create("rmtree");

	add_case(suite, tcase_create("symlink_inside"), symlink_inside);
	add_case(suite, tcase_create("top_symlink"), top_symlink);
	add_case(suite, tcase_create("contents_only_symlink"), contents_only_symlink);
	add_case(suite, tcase_create("hard_link"), hard_link);
	add_case(suite, tcase_create("deep_10000"), deep_10000);
	add_case(suite, tcase_create("deep_10000_nofile64"), deep_10000_nofile64);
	add_case(suite, tcase_create("many_files"), many_files);
	add_case(suite, tcase_create("odd_names"), odd_names);
	add_case(suite, tcase_create("modes"), modes);
	add_case(suite, tcase_create("deep_modes"), deep_modes);
	add_case(suite, tcase_create("no_d_type"), no_d_type);
	add_case(suite, tcase_create("cve_2023_6597"), cve_2023_6597);
	add_case(suite, tcase_create("other_owner"), other_owner);
	add_case(suite, tcase_create("refuse_root"), refuse_root);
	add_case(suite, tcase_create("mount_point"), mount_point);
	add_case(suite, tcase_create("bind_mount"), bind_mount);
	add_case(suite, tcase_create("missing"), missing);
	add_case(suite, tcase_create("contents_only"), contents_only);
	add_case(suite, tcase_create("keep_going"), keep_going);
	add_case(suite, tcase_create("rmtree_at"), rmtree_at);
	add_case(suite, tcase_create("moved_away"), moved_away);
	add_case(suite, tcase_create("swapped_for_symlink"), swapped_for_symlink);
	add_case(suite, tcase_create("replaced_while_inside"), replaced_while_inside);
	add_case(suite, tcase_create("endless_writer"), endless_writer);
	add_case(suite, tcase_create("attacker"), attacker);
	return suite;
}
