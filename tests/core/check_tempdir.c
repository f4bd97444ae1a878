/* SPDX-License-Identifier: MIT */
/*
 * TemporaryDirectory (CPython's TestTemporaryDirectory): cleanup removes
 * the tree without following symbolic links (CVE-2023-6597 included),
 * whatever the owner modes inside; repeated cleanup; delete=False;
 * ignore_cleanup_errors; and, beyond Python, a substituted directory is
 * left alone.
 *
 * Tests that remove trees holding links to outside directories run chroot()ed
 * into their scratch directory when root (tj_scratch_chroot()), so that a
 * remover gone wrong can reach nothing else. Tests that need a user root
 * cannot override run their work as uid 65534 when root.
 */
#define _GNU_SOURCE 1
#include <sched.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "internal.h"
#include "tj_check.h"
#include "tj_scratch.h"

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static mode_t mode_of(const char *path)
{
	struct stat st;
	ck_assert_msg(lstat(path, &st) == 0, "%s: %s", path, strerror(errno));
	return st.st_mode & 07777;
}

/* A directory uid 65534 (or the non-root user) can write to. */
static const char *user_dir(void)
{
	static char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", tj_path("work")); /* tj_path's buffers are reused */
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	if (geteuid() == 0)
		ck_assert_int_eq(chown(dir, 65534, 65534), 0);
	return dir;
}

/* Make a tree under @dir: @depth levels, each with 2 files and 2 directories. */
static int make_tree(const char *dir, int depth)
{
	char path[PATH_MAX];
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/file%d", dir, i);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, "data", 4) != 4)
			return -1;
		close(fd);
	}
	if (depth == 0)
		return 0;
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/dir%d", dir, i);
		if (mkdir(path, 0700) < 0 || make_tree(path, depth - 1) < 0)
			return -1;
	}
	return 0;
}

/* chmod everything under @dir and @dir itself to @mode, bottom-up. */
static int chmod_tree(const char *dir, int depth, mode_t mode)
{
	char path[PATH_MAX];
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/file%d", dir, i);
		if (chmod(path, mode) < 0)
			return -1;
		if (depth > 0) {
			snprintf(path, sizeof(path), "%s/dir%d", dir, i);
			if (chmod_tree(path, depth - 1, mode) < 0)
				return -1;
		}
	}
	return chmod(dir, mode);
}

START_TEST(test_open_path_mode)
{
	ck_assert_int_eq(mkdir(tj_path("rel"), 0700), 0);
	ck_assert_int_eq(chdir(tj_scratch), 0);
	umask(0);
	struct tf_tempdir *tempdir =
	    tf_tempdir_open(&(struct tf_opts){.dir = "rel", .prefix = "p-", .suffix = "-s"});
	umask(022);
	ck_assert_ptr_nonnull(tempdir);
	const char *path = tf_tempdir_path(tempdir);
	ck_assert_msg(strncmp(path, tj_path("rel/p-"), strlen(tj_path("rel/p-"))) == 0, "%s", path);
	ck_assert_str_eq(path + strlen(path) - 2, "-s");
	ck_assert_uint_eq(mode_of(path), 0700);
	ck_assert_int_eq(tf_tempdir_done(tempdir), 0);
	ck_assert_int_eq(tj_count_entries(tj_path("rel")), 0);
	ck_assert_int_eq(tf_tempdir_done(NULL), 0);

	errno = 0;
	ck_assert_ptr_null(tf_tempdir_open(&(struct tf_opts){.dir = tj_path("missing")}));
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(test_cleanup_removes_tree)
{
	struct tf_tempdir *tempdir = tf_tempdir_open(NULL); /* default dir: the scratch */
	ck_assert_ptr_nonnull(tempdir);
	const char *path = tf_tempdir_path(tempdir);
	ck_assert_int_eq(strncmp(path, tj_scratch, strlen(tj_scratch)), 0);
	ck_assert_int_eq(make_tree(path, 3), 0);
	ck_assert_int_eq(tf_tempdir_cleanup(tempdir), 0);
	ck_assert(!exists(path));
	/* Repeated cleanup, and done after it, are harmless. */
	ck_assert_int_eq(tf_tempdir_cleanup(tempdir), 0);
	ck_assert_int_eq(tf_tempdir_done(tempdir), 0);

	/* Already removed by someone else: nothing to do, no error. */
	tempdir = tf_tempdir_open(NULL);
	ck_assert_ptr_nonnull(tempdir);
	ck_assert_int_eq(rmdir(tf_tempdir_path(tempdir)), 0);
	ck_assert_int_eq(tf_tempdir_cleanup(tempdir), 0);
	ck_assert_int_eq(tf_tempdir_done(tempdir), 0);

	/* The end of the with-block removes it too. */
	tempdir = tf_tempdir_open(NULL);
	ck_assert_ptr_nonnull(tempdir);
	ck_assert_int_eq(make_tree(tf_tempdir_path(tempdir), 1), 0);
	ck_assert_int_eq(tf_tempdir_done(tempdir), 0);
	ck_assert_int_eq(tj_count_entries(tj_scratch), 0);
}
END_TEST

START_TEST(test_symlink_not_followed)
{
	tj_scratch_chroot();
	ck_assert_int_eq(mkdir(tj_path("outside"), 0700), 0);
	tj_write_file(tj_path("outside/sentinel"), "keep me");
	struct tf_tempdir *tempdir = tf_tempdir_open(&(struct tf_opts){.dir = tj_top()});
	ck_assert_ptr_nonnull(tempdir);
	const char *path = tf_tempdir_path(tempdir);
	char link[PATH_MAX];
	snprintf(link, sizeof(link), "%s/link", path);
	ck_assert_int_eq(symlink(tj_path("outside"), link), 0);
	snprintf(link, sizeof(link), "%s/sub", path);
	ck_assert_int_eq(mkdir(link, 0700), 0);
	snprintf(link, sizeof(link), "%s/sub/deeper-link", path);
	ck_assert_int_eq(symlink(tj_path("outside"), link), 0);
	snprintf(link, sizeof(link), "%s/file-link", path);
	ck_assert_int_eq(symlink(tj_path("outside/sentinel"), link), 0);

	ck_assert_int_eq(tf_tempdir_cleanup(tempdir), 0);
	ck_assert(!exists(path));
	ck_assert_str_eq(tj_read_file(tj_path("outside/sentinel")), "keep me");
	ck_assert_int_eq(tj_count_entries(tj_path("outside")), 1);
	ck_assert_int_eq(tf_tempdir_done(tempdir), 0);
}
END_TEST

/*
 * CVE-2023-6597: fixing permissions must not follow links. Outside the
 * temporary directory: subdirectories with modes 000 and 0500 and a 0400
 * file; inside: links to each, and its own mode-000 subdirectory. Run as a
 * user root cannot stand for (uid 65534 when root).
 */
static int cleanup_with_outside_links(void *arg)
{
	const char *work = arg;
	char path[PATH_MAX];
	struct tf_tempdir *tempdir = tf_tempdir_open(&(struct tf_opts){.dir = work});
	if (!tempdir)
		return 1;
	const char *dir = tf_tempdir_path(tempdir);
	const char *targets[] = {"out/a", "out/b", "out/f", "out"};
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/link%d", dir, i);
		char target[PATH_MAX];
		snprintf(target, sizeof(target), "%s/%s", work, targets[i]);
		if (symlink(target, path) < 0)
			return 2;
	}
	snprintf(path, sizeof(path), "%s/own", dir);
	if (mkdir(path, 0700) < 0 || make_tree(path, 1) < 0 || chmod_tree(path, 1, 0) < 0)
		return 3;
	if (chmod(dir, 0) < 0)
		return 4;
	int r = tf_tempdir_cleanup(tempdir);
	if (r < 0)
		fprintf(stderr, "cleanup: %s\n", strerror(errno));
	bool gone = !exists(dir);
	tf_tempdir_done(tempdir);
	return r == 0 && gone ? 0 : 5;
}

START_TEST(test_cve_2023_6597)
{
	tj_scratch_chroot();
	const char *work = user_dir();
	char out[PATH_MAX];
	snprintf(out, sizeof(out), "%s/out", work);
	ck_assert_int_eq(mkdir(out, 0700), 0);
	ck_assert_int_eq(mkdir(tj_path("work/out/a"), 0700), 0);
	ck_assert_int_eq(make_tree(tj_path("work/out/a"), 0), 0);
	ck_assert_int_eq(mkdir(tj_path("work/out/b"), 0700), 0);
	tj_write_file(tj_path("work/out/f"), "outside");
	const char *owned[] = {"work/out",	   "work/out/a", "work/out/a/file0",
			       "work/out/a/file1", "work/out/b", "work/out/f"};
	if (geteuid() == 0)
		for (size_t i = 0; i < 6; i++)
			ck_assert_int_eq(lchown(tj_path("%s", owned[i]), 65534, 65534), 0);
	ck_assert_int_eq(chmod(tj_path("work/out/a"), 0), 0);
	ck_assert_int_eq(chmod(tj_path("work/out/b"), 0500), 0);
	ck_assert_int_eq(chmod(tj_path("work/out/f"), 0400), 0);

	ck_assert_int_eq(tj_run_as_nobody(cleanup_with_outside_links, (void *)work), 0);

	ck_assert_uint_eq(mode_of(tj_path("work/out/a")), 0);
	ck_assert_uint_eq(mode_of(tj_path("work/out/b")), 0500);
	ck_assert_uint_eq(mode_of(tj_path("work/out/f")), 0400);
	ck_assert_uint_eq(mode_of(tj_path("work/out")), 0700);
	ck_assert_str_eq(tj_read_file(tj_path("work/out/f")), "outside");
	ck_assert_int_eq(chmod(tj_path("work/out/a"), 0700), 0);
	ck_assert_int_eq(tj_count_entries(tj_path("work/out/a")), 2);
	ck_assert_int_eq(tj_count_entries(work), 1); /* only "out" */
}
END_TEST

/* CPython's test_modes: every owner mode, on files and directories of a deep tree. */
static int cleanup_every_mode(void *arg)
{
	const char *work = arg;
	for (mode_t mode = 0; mode <= 0700; mode += 0100) {
		struct tf_tempdir *tempdir = tf_tempdir_open(&(struct tf_opts){.dir = work});
		if (!tempdir)
			return 1;
		const char *dir = tf_tempdir_path(tempdir);
		if (make_tree(dir, 3) < 0 || chmod_tree(dir, 3, mode) < 0)
			return 2;
		int r = tf_tempdir_cleanup(tempdir);
		if (r < 0 || exists(dir)) {
			fprintf(stderr, "mode %03o: cleanup %d (%s), exists %d\n", (unsigned)mode,
				r, r < 0 ? strerror(errno) : "", exists(dir));
			return 3;
		}
		tf_tempdir_done(tempdir);
	}
	return 0;
}

START_TEST(test_every_owner_mode)
{
	tj_scratch_chroot();
	const char *work = user_dir();
	ck_assert_int_eq(tj_run_as_nobody(cleanup_every_mode, (void *)work), 0);
	ck_assert_int_eq(tj_count_entries(work), 0);
}
END_TEST

START_TEST(test_keep)
{
	/* delete=False: the end of the with-block keeps it... */
	struct tf_tempdir *tempdir = tf_tempdir_open(&(struct tf_opts){.keep = true});
	ck_assert_ptr_nonnull(tempdir);
	char *path = strdup(tf_tempdir_path(tempdir));
	ck_assert_int_eq(make_tree(path, 1), 0);
	ck_assert_int_eq(tf_tempdir_done(tempdir), 0);
	ck_assert(exists(path));
	ck_assert_int_eq(tj_count_entries(path), 4);
	free(path);

	/* ...but an explicit cleanup() still removes it, as in Python. */
	tempdir = tf_tempdir_open(&(struct tf_opts){.keep = true});
	ck_assert_ptr_nonnull(tempdir);
	path = strdup(tf_tempdir_path(tempdir));
	ck_assert_int_eq(make_tree(path, 1), 0);
	ck_assert_int_eq(tf_tempdir_cleanup(tempdir), 0);
	ck_assert(!exists(path));
	ck_assert_int_eq(tf_tempdir_done(tempdir), 0);
	free(path);
	ck_assert_int_eq(tj_count_entries(tj_scratch), 1); /* the kept one */
}
END_TEST

/* A directory (or link) put under the name after ours moved away is not touched. */
START_TEST(test_substituted_not_removed)
{
	tj_scratch_chroot();
	const char *kinds[] = {"dir", "link"};
	char theirs[PATH_MAX + 8];
	ck_assert_int_eq(mkdir(tj_path("outside"), 0700), 0);
	tj_write_file(tj_path("outside/sentinel"), "keep me");
	for (int i = 0; i < 2; i++) {
		struct tf_tempdir *tempdir = tf_tempdir_open(&(struct tf_opts){.dir = tj_top()});
		ck_assert_ptr_nonnull(tempdir);
		char *path = strdup(tf_tempdir_path(tempdir));
		ck_assert_int_eq(rename(path, tj_path("moved-away")), 0);
		if (i == 0) {
			ck_assert_int_eq(mkdir(path, 0700), 0);
			snprintf(theirs, sizeof(theirs), "%s/theirs", path);
			tj_write_file(theirs, "theirs");
		} else {
			ck_assert_int_eq(symlink(tj_path("outside"), path), 0);
		}
		ck_assert_int_eq(tf_tempdir_cleanup(tempdir), 0);
		ck_assert_int_eq(tf_tempdir_done(tempdir), 0);
		ck_assert_msg(exists(path), "substituted %s removed", kinds[i]);
		if (i == 0) {
			ck_assert_str_eq(tj_read_file(theirs), "theirs");
			ck_assert_int_eq(tf_rmtree(path, 0), 0);
		} else {
			ck_assert_int_eq(unlink(path), 0);
		}
		ck_assert(exists(tj_path("moved-away")));
		ck_assert_int_eq(rmdir(tj_path("moved-away")), 0);
		free(path);
	}
	ck_assert_str_eq(tj_read_file(tj_path("outside/sentinel")), "keep me");
}
END_TEST

/*
 * In a child with a private mount namespace: a tmpfs mounted inside the
 * temporary directory makes cleanup fail (EBUSY, the remover never crosses
 * into another file system). Exit codes: 0 ok, 77 no namespaces, else the
 * failing step.
 */
static int mount_inside(const char *dir, const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (mkdir(path, 0700) < 0 || mount("tmpfs", path, "tmpfs", 0, "size=64k") < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s/on-the-mount", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* Write @text to the /proc file @path. Return: 0 or -1. */
static int write_proc(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* A user: a user namespace mapping our own ids gives the right to mount. */
static int enter_user_namespace(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	if (unshare(CLONE_NEWUSER) < 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)uid, (unsigned)uid);
	if (write_proc("/proc/self/uid_map", map) < 0 ||
	    write_proc("/proc/self/setgroups", "deny") < 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)gid, (unsigned)gid);
	return write_proc("/proc/self/gid_map", map);
}

static int cleanup_errors_child(void)
{
	if (geteuid() != 0 && enter_user_namespace() < 0)
		return 77;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		perror("private mount namespace");
		return 77;
	}
	/* Confined after the namespace is made: "/" in a chroot is no mount point. */
	tj_scratch_chroot();
	/* ignore_cleanup_errors: 0, and the mount with its file is still there. */
	struct tf_tempdir *tempdir =
	    tf_tempdir_open(&(struct tf_opts){.dir = tj_top(), .ignore_cleanup_errors = true});
	if (!tempdir || mount_inside(tf_tempdir_path(tempdir), "mnt") < 0)
		return 1;
	char probe[PATH_MAX];
	snprintf(probe, sizeof(probe), "%s/mnt/on-the-mount", tf_tempdir_path(tempdir));
	if (tf_tempdir_cleanup(tempdir) != 0 || !exists(probe))
		return 2;
	if (tf_tempdir_done(tempdir) != 0 || !exists(probe))
		return 3;

	/* Without it: EBUSY; after the unmount, a later call tries again and works. */
	tempdir = tf_tempdir_open(&(struct tf_opts){.dir = tj_top()});
	if (!tempdir || mount_inside(tf_tempdir_path(tempdir), "mnt") < 0)
		return 4;
	snprintf(probe, sizeof(probe), "%s/mnt", tf_tempdir_path(tempdir));
	errno = 0;
	if (tf_tempdir_cleanup(tempdir) != -1 || errno != EBUSY)
		return 5;
	if (umount(probe) < 0)
		return 6;
	if (tf_tempdir_cleanup(tempdir) != 0 || exists(tf_tempdir_path(tempdir)))
		return 7;
	return tf_tempdir_done(tempdir) == 0 ? 0 : 8;
}

START_TEST(test_ignore_cleanup_errors)
{
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(cleanup_errors_child());
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		TJ_SKIP("needs root or user namespaces (unshare(CLONE_NEWNS) failed)");
	ck_assert_msg(WEXITSTATUS(status) == 0, "step %d failed", WEXITSTATUS(status));
	/* The child's mounts died with its namespace; what is left is one empty-ish tree. */
	ck_assert_int_eq(tj_count_entries(tj_top()), 1);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *suite = suite_create("core_tempdir");
	tj_add_case(suite, tcase_create("open_path_mode"), test_open_path_mode);
	tj_add_case(suite, tcase_create("cleanup_removes_tree"), test_cleanup_removes_tree);
	tj_add_case(suite, tcase_create("symlink_not_followed"), test_symlink_not_followed);
	tj_add_case(suite, tcase_create("cve_2023_6597"), test_cve_2023_6597);
	tj_add_case(suite, tcase_create("every_owner_mode"), test_every_owner_mode);
	tj_add_case(suite, tcase_create("keep"), test_keep);
	tj_add_case(suite, tcase_create("substituted_not_removed"), test_substituted_not_removed);
	tj_add_case(suite, tcase_create("ignore_cleanup_errors"), test_ignore_cleanup_errors);
	return suite;
}
