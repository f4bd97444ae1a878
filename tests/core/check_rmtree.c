/* SPDX-License-Identifier: MIT */
/*
 * Adversarial tests of the secure remover, tf_rmtree() and tf_rmtree_at()
 * (core/src/rmtree.c, docs/remover.md), on trees that stay still while
 * they are removed: links, hard links, modes, depth, many files, odd
 * names, refusals, mounts, the API's edges. Trees changed during the
 * removal are check_rmtree_race.c's.
 *
 * Every removal runs in a forked child chroot()ed into the test's scratch
 * directory (rmtree_jail.h says how and why). What is asserted is what a
 * user would notice: files outside the tree survive with their content
 * and mode, the tree is gone, the error is the one documented.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "rmtree_jail.h"
#include "tmpjail/tempfile.h"

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

/* ---- The suite -------------------------------------------------------------- */

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
	return suite;
}
