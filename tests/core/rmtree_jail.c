/* SPDX-License-Identifier: MIT */
/*
 * The jail of the remover's tests (rmtree_jail.h).
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
#include <sys/wait.h>

#include "rmtree_jail.h"
#include "tmpjail/tempfile.h"

/* Absolute path of this test's scratch directory, and an fd to it. */
static char scratch[PATH_MAX];
static int scratch_fd = -1;
int base_fd = AT_FDCWD;
/* In a child, where a failed expectation is reported. */
static int report_fd = -1;

struct report {
	int result;
	char failure[480];
};

void expect_at(int line, bool ok, const char *fmt, ...)
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

const char *error_name(int error)
{
	const char *name = error ? strerrorname_np(error) : "success";
	return name ? name : "?";
}

void expect_result(int line, int got, int want)
{
	expect_at(line, got == want, "tf_rmtree: %s, expected %s", error_name(got),
		  error_name(want));
}

/* ---- The scratch directory ---------------------------------------------- */

void scratch_setup(void)
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
void scratch_teardown(void)
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
void drop_capabilities(void)
{
	struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {{0}};

	if (in_user_namespace)
		EXPECT(syscall(SYS_capset, &header, data) == 0, "capset: %m");
	in_user_namespace = false;
}

/* Whether children can chroot(): as root, or in a user namespace. */
bool can_jail(void)
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
int in_child(unsigned how, int (*fn)(void *arg), void *arg)
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

/* Open fds below 1024 (no /proc in the chroot). */
static int count_open_fds(void)
{
	int count = 0;

	for (int fd = 0; fd < 1024; fd++)
		count += fcntl(fd, F_GETFD) >= 0;
	return count;
}

int do_removal(void *arg)
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
int remove_in_child(unsigned how, const char *path, unsigned flags)
{
	return in_child(how, do_removal, &(struct removal){.path = path, .flags = flags});
}

/*
 * An absolute symlink target naming @path in the scratch directory, as
 * the remover will see it: from inside the chroot when there is one.
 */
const char *seen_path(const char *path)
{
	static char buffer[PATH_MAX];

	int n = snprintf(buffer, sizeof(buffer), "%s/%s", can_jail() ? "" : scratch, path);
	EXPECT(n < (int)sizeof(buffer), "%s: too long", path);
	return buffer;
}

/* ---- Making and checking files (relative to base_fd) --------------------- */

void make_dir(const char *path, mode_t mode)
{
	EXPECT(mkdirat(base_fd, path, 0700) == 0, "mkdir %s: %m", path);
	EXPECT(fchmodat(base_fd, path, mode, 0) == 0, "chmod %s: %m", path);
}

void make_file(const char *path, const char *content, mode_t mode)
{
	int fd = openat(base_fd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	EXPECT(fd >= 0, "create %s: %m", path);
	size_t len = strlen(content);
	EXPECT(write(fd, content, len) == (ssize_t)len, "write %s: %m", path);
	EXPECT(fchmod(fd, mode) == 0, "chmod %s: %m", path);
	close(fd);
}

void make_link(const char *target, const char *path)
{
	EXPECT(symlinkat(target, base_fd, path) == 0, "symlink %s: %m", path);
}

void set_mode(const char *path, mode_t mode)
{
	EXPECT(fchmodat(base_fd, path, mode, 0) == 0, "chmod %s: %m", path);
}

/* @count empty files f0, f1, ... in directory @path. */
void make_files(const char *path, int count)
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

struct stat stat_of(const char *path)
{
	struct stat st;

	EXPECT(fstatat(base_fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0, "%s is gone: %m", path);
	return st;
}

/* @path is a file holding exactly @content, with mode @mode. */
void expect_file(const char *path, const char *content, mode_t mode)
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

void expect_dir(const char *path, mode_t mode)
{
	struct stat st = stat_of(path);
	EXPECT(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == mode,
	       "%s: mode %o, expected directory %o", path, (unsigned)st.st_mode, (unsigned)mode);
}

void expect_gone(const char *path)
{
	struct stat st = {0};

	EXPECT(fstatat(base_fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT,
	       "%s is still there (mode %o)", path, (unsigned)st.st_mode);
}

/* The number of entries in directory @path, "." and ".." not counted. */
int count_entries(const char *path)
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
void make_outside(void)
{
	make_dir("outside", 0755);
	make_file("outside/sentinel", "keep me", 0640);
	make_dir("outside/sub", 0750);
	make_file("outside/sub/sentinel", "keep me too", 0600);
}

void expect_outside(void)
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
void give_to_nobody(const char *path)
{
	char full[PATH_MAX];

	ck_assert_int_lt(snprintf(full, sizeof(full), "%s/%s", scratch, path), sizeof(full));
	ck_assert_msg(nftw(full, chown_entry, 16, FTW_PHYS) == 0, "chown -R %s: %m", full);
}

/*
 * Start over in an empty scratch directory of the same name (the fixture
 * that removes it at the end runs in the parent, which knows only that).
 */
void fresh_scratch(void)
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
int identities(void)
{
	return geteuid() == 0 ? 2 : 1;
}

unsigned become(int identity)
{
	if (!identity)
		return 0;
	give_to_nobody(".");
	return CHILD_NOBODY;
}

/* A chain of @depth directories "dir" under @top, a file every 1000 levels. */
void make_chain(const char *top, int depth)
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

/* "tree/a/a/.../a" (@depth a's), in @path. */
void deep_name(char *path, size_t size, int depth, const char *last)
{
	int n = snprintf(path, size, "tree");
	for (int level = 0; level < depth; level++)
		n += snprintf(path + n, size - (size_t)n, "/a");
	snprintf(path + n, size - (size_t)n, "/%s", last);
}

/* @depth directories "c" under @path, each with a few files, @last at the bottom. */
void make_deep_files(const char *path, int depth, const char *last)
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

void add_case(Suite *suite, TCase *tcase, const TTest *test)
{
	tcase_add_unchecked_fixture(tcase, scratch_setup, scratch_teardown);
	tcase_add_test(tcase, test);
	suite_add_tcase(suite, tcase);
}
