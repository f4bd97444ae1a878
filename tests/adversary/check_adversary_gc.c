/* SPDX-License-Identifier: MIT */
/*
 * What tmpjail --gc and the launcher's reap hand to the remover, attacked
 * (issue 8, defects 1, 3, 9, 10): a directory mounted over a root's name,
 * roots kept with --keep, roots the run made unreadable, a launcher left
 * with few file descriptors. Every --gc runs with --base in the test's
 * scratch directory; the cases that mount do so in a private mount
 * namespace of the test's own process (Check forks one per test).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "launcher_util.h"
#include "root.h"
#include "tj_check.h"

#define NOBODY 65534

/* The test's scratch directory and its base for the launcher. */
struct place {
	char scratch[PATH_MAX];
	char base[PATH_MAX + 8];
};

static void make_place(struct place *place)
{
	snprintf(place->scratch, sizeof(place->scratch), "%s", lu_scratch_make());
	snprintf(place->base, sizeof(place->base), "%s/base", place->scratch);
	ck_assert_int_eq(mkdir(place->base, 0700), 0);
}

/* Check forks each test: what a test does to its own process dies with it. */
static bool forked(void)
{
	const char *mode = getenv("CK_FORK");
	return !mode || strcmp(mode, "no") != 0;
}

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t len = (ssize_t)strlen(text);
	bool done = fd >= 0 && write(fd, text, (size_t)len) == len;
	if (fd >= 0)
		close(fd);
	return done ? 0 : -1;
}

/*
 * A private mount namespace for this (forked) test process: as root
 * directly; otherwise in a user namespace where the caller is root, so that
 * the commands it runs (mount(8)) keep the capabilities. Return: NULL, or
 * why not.
 */
static const char *enter_mount_namespace(void)
{
	if (geteuid() != 0) {
		char map[64];
		uid_t uid = geteuid();
		gid_t gid = getegid();
		if (unshare(CLONE_NEWUSER) < 0)
			return "needs root or unprivileged user namespaces to mount";
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		if (write_text("/proc/self/setgroups", "deny") < 0 ||
		    write_text("/proc/self/uid_map", map) < 0)
			return "cannot map the user in its namespace";
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		if (write_text("/proc/self/gid_map", map) < 0)
			return "cannot map the group in its namespace";
	}
	if (unshare(CLONE_NEWNS) < 0)
		return "cannot make a mount namespace";
	ck_assert_msg(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0,
		      "mount --make-rprivate /: %m");
	return NULL;
}

/*
 * Run the rest of the test as an unprivileged user: as root, become NOBODY
 * (the scratch directory given to it, its parent made searchable); as
 * anyone else, stay. Return: NULL, or why not.
 */
static const char *become_unprivileged(const struct place *place)
{
	const char *scratch = place->scratch;
	if (geteuid() != 0)
		return NULL;
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s", scratch);
	*strrchr(parent, '/') = '\0';
	ck_assert_int_eq(chmod(parent, 0711), 0);
	ck_assert_int_eq(chown(scratch, NOBODY, NOBODY), 0);
	ck_assert_int_eq(chown(place->base, NOBODY, NOBODY), 0);
	/* Root stays the saved uid, for end_unprivileged(); exec drops it. */
	ck_assert_msg(setgroups(0, NULL) == 0 && setresgid(NOBODY, NOBODY, 0) == 0 &&
			  setresuid(NOBODY, NOBODY, 0) == 0,
		      "becoming %d: %m", NOBODY);
	if (access(scratch, W_OK | X_OK) < 0 || access(lu_launcher(), X_OK) < 0)
		return "uid 65534 cannot reach the build tree";
	return NULL;
}

/* Back to root (the saved uid) if become_unprivileged() left it, and remove the scratch. */
static void end_unprivileged(const struct place *place)
{
	uid_t real, effective, saved;
	ck_assert_int_eq(getresuid(&real, &effective, &saved), 0);
	if (saved == 0)
		ck_assert(setresuid(0, 0, 0) == 0 && setresgid(0, 0, 0) == 0);
	lu_scratch_remove(place->scratch);
}

/* The one entry of directory @dir, in @name; false if there is not exactly one. */
static bool only_entry(const char *dir, char *name, size_t size)
{
	DIR *d = opendir(dir);
	int count = 0;
	struct dirent *entry;
	ck_assert_ptr_nonnull(d);
	while ((entry = readdir(d))) {
		if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
			continue;
		if (count++ == 0)
			snprintf(name, size, "%s", entry->d_name);
	}
	closedir(d);
	return count == 1;
}

/* Run `tmpjail --base BASE [OPTION] -- sh -c SCRIPT`. */
static int run_sh(const char *base, const char *option, const char *script, char **out)
{
	const char *argv[10];
	int n = 0;
	argv[n++] = lu_launcher();
	argv[n++] = "--base";
	argv[n++] = base;
	if (option)
		argv[n++] = option;
	argv[n++] = "--";
	argv[n++] = "sh";
	argv[n++] = "-c";
	argv[n++] = script;
	argv[n] = NULL;
	return lu_run(argv, out, 120);
}

static int gc(const char *base, bool kept, char **out)
{
	const char *argv[] = {lu_launcher(), "--gc", "--base", base, kept ? "--kept" : NULL, NULL};
	return lu_run(argv, out, 120);
}

static void make_file_in(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX * 2];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *file = fopen(path, "w");
	ck_assert_msg(file != NULL, "%s: %m", path);
	fputs(text, file);
	ck_assert_int_eq(fclose(file), 0);
}

static void expect_file_in(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX * 2], buffer[256] = "";
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *file = fopen(path, "r");
	ck_assert_msg(file != NULL, "%s is gone: %m", path);
	ck_assert_ptr_nonnull(fgets(buffer, sizeof(buffer), file));
	fclose(file);
	ck_assert_str_eq(buffer, text);
}

/* ---- Defect 1: a directory mounted where a root was ------------------------- */

/*
 * A command bind-mounts a directory of the user's over its own root: the
 * launcher cannot reap (125), and --gc must then neither enter nor empty
 * what is mounted there. The same for the base itself bind-mounted over a
 * root's name (same st_dev: only the mount id tells).
 */
START_TEST(gc_mount_over_root)
{
	if (!forked())
		TJ_SKIP("needs Check's fork mode: the test changes its mount namespace");
	struct place place;
	make_place(&place);
	const char *why = enter_mount_namespace();
	if (why) {
		lu_scratch_remove(place.scratch);
		TJ_SKIP(why);
	}
	char data[PATH_MAX + 8], script[PATH_MAX * 2], root[PATH_MAX * 2], name[256];
	char bound[PATH_MAX * 2], *out;
	snprintf(data, sizeof(data), "%s/data", place.scratch);
	ck_assert_int_eq(mkdir(data, 0700), 0);
	make_file_in(data, "precious", "keep me\n");

	snprintf(script, sizeof(script), "mount --bind '%s' \"$TMPJAIL_ROOT\"", data);
	ck_assert_int_eq(run_sh(place.base, NULL, script, &out), 125);
	free(out);
	ck_assert(only_entry(place.base, name, sizeof(name)));
	snprintf(root, sizeof(root), "%s/%s", place.base, name);
	/* The base itself, bind-mounted over a name --gc takes for a root. */
	snprintf(bound, sizeof(bound), "%s/tj-bbbbbbbb", place.base);
	ck_assert_int_eq(mkdir(bound, 0700), 0);
	ck_assert_int_eq(mount(place.base, bound, NULL, MS_BIND, NULL), 0);

	int status = gc(place.base, false, &out);
	expect_file_in(data, "precious", "keep me\n");
	ck_assert_int_eq(lu_count_entries(data), 1);
	ck_assert_int_eq(status, 125);
	ck_assert_msg(strstr(out, name) && strstr(out, "not on the base's mount") &&
			  strstr(out, "tj-bbbbbbbb"),
		      "--gc did not say what it left:\n%s", out);
	free(out);
	ck_assert_int_eq(lu_count_entries(place.base), 2);

	/* Unmounted, what is left is a stale root: removed. */
	ck_assert_int_eq(umount2(root, MNT_DETACH), 0);
	ck_assert_int_eq(umount2(bound, MNT_DETACH), 0);
	ck_assert_int_eq(gc(place.base, false, &out), 0);
	ck_assert_msg(strstr(out, name) && strstr(out, "tj-bbbbbbbb"), "%s", out);
	free(out);
	ck_assert_int_eq(lu_count_entries(place.base), 0);
	expect_file_in(data, "precious", "keep me\n");
	lu_scratch_remove(place.scratch);
}
END_TEST

/* A mount inside a stale root: --gc removes around it, never into it, and says so (125). */
START_TEST(gc_mount_inside_root)
{
	if (!forked())
		TJ_SKIP("needs Check's fork mode: the test changes its mount namespace");
	struct place place;
	make_place(&place);
	const char *why = enter_mount_namespace();
	if (why) {
		lu_scratch_remove(place.scratch);
		TJ_SKIP(why);
	}
	char data[PATH_MAX + 8], root[PATH_MAX * 2], mnt[PATH_MAX * 3], *out;
	snprintf(data, sizeof(data), "%s/data", place.scratch);
	ck_assert_int_eq(mkdir(data, 0700), 0);
	make_file_in(data, "precious", "keep me\n");
	snprintf(root, sizeof(root), "%s/tj-stale123", place.base);
	ck_assert_int_eq(mkdir(root, 0700), 0);
	make_file_in(root, "junk", "x\n");
	snprintf(mnt, sizeof(mnt), "%s/tmp", root);
	ck_assert_int_eq(mkdir(mnt, 0700), 0);
	ck_assert_int_eq(mount(data, mnt, NULL, MS_BIND, NULL), 0);

	ck_assert_int_eq(gc(place.base, false, &out), 125);
	ck_assert_msg(strstr(out, "tj-stale123"), "%s", out);
	free(out);
	expect_file_in(data, "precious", "keep me\n");
	ck_assert_int_eq(lu_count_entries(root), 1);
	ck_assert_int_eq(umount2(mnt, MNT_DETACH), 0);
	lu_scratch_remove(place.scratch);
}
END_TEST

/*
 * Defence in depth, white box: root_remove() handed a root fd that is a
 * mount point (which no run can make the launcher hold: its fd is the
 * directory it made) refuses, EXDEV, and empties nothing.
 */
START_TEST(reap_mount_point_fd)
{
	if (!forked())
		TJ_SKIP("needs Check's fork mode: the test changes its mount namespace");
	struct place place;
	make_place(&place);
	const char *why = enter_mount_namespace();
	if (why) {
		lu_scratch_remove(place.scratch);
		TJ_SKIP(why);
	}
	char data[PATH_MAX + 8], path[PATH_MAX * 2];
	snprintf(data, sizeof(data), "%s/data", place.scratch);
	ck_assert_int_eq(mkdir(data, 0700), 0);
	make_file_in(data, "precious", "keep me\n");
	snprintf(path, sizeof(path), "%s/tj-mountfd1", place.base);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(mount(data, path, NULL, MS_BIND, NULL), 0);

	struct root root = {
	    .base_fd = open(place.base, O_RDONLY | O_DIRECTORY | O_CLOEXEC),
	    .fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC),
	    .path = strdup(path),
	};
	strcpy(root.name, "tj-mountfd1");
	ck_assert(root.base_fd >= 0 && root.fd >= 0 && root.path);
	int err = root_remove(&root);
	expect_file_in(data, "precious", "keep me\n");
	ck_assert_int_eq(err, -EXDEV);
	ck_assert_int_eq(umount2(path, MNT_DETACH), 0);
	lu_scratch_remove(place.scratch);
}
END_TEST

/* Until killed: mount @data over @root, hold it a moment, unmount it. */
static _Noreturn void mount_flapper(const char *data, const char *root)
{
	for (unsigned round = 0;; round++) {
		if (mount(data, root, NULL, MS_BIND, NULL) < 0)
			_exit(1);
		usleep(200 + round % 7 * 300);
		umount2(root, MNT_DETACH);
		usleep(200 + round % 5 * 300);
	}
}

/*
 * A mount coming and going over a stale root while --gc runs: whatever
 * the timing, what is mounted is never emptied; --gc either removes the
 * root, or leaves it and says why (125).
 */
START_TEST(gc_mount_race)
{
	if (!forked())
		TJ_SKIP("needs Check's fork mode: the test changes its mount namespace");
	struct place place;
	make_place(&place);
	const char *why = enter_mount_namespace();
	if (why) {
		lu_scratch_remove(place.scratch);
		TJ_SKIP(why);
	}
	char data[PATH_MAX + 8], root[PATH_MAX * 2], file[PATH_MAX * 3], *out;
	snprintf(data, sizeof(data), "%s/data", place.scratch);
	ck_assert_int_eq(mkdir(data, 0700), 0);
	make_file_in(data, "precious", "keep me\n");
	for (int round = 0; round < 20; round++) {
		snprintf(root, sizeof(root), "%s/tj-race%04d", place.base, round);
		ck_assert_int_eq(mkdir(root, 0700), 0);
		for (int i = 0; i < 400; i++) {
			snprintf(file, sizeof(file), "%s/f%d", root, i);
			ck_assert_int_eq(mknod(file, S_IFREG | 0600, 0), 0);
		}
		pid_t flapper = fork();
		ck_assert_int_ge(flapper, 0);
		if (flapper == 0)
			mount_flapper(data, root);
		usleep(round * 150);
		int status = gc(place.base, false, &out);
		kill(flapper, SIGKILL);
		lu_wait_timeout(flapper, 10);
		while (umount2(root, MNT_DETACH) == 0)
			;
		expect_file_in(data, "precious", "keep me\n");
		ck_assert_msg(lu_count_entries(data) == 1, "round %d: the mounted data changed",
			      round);
		ck_assert_msg(status == 0 || (status == 125 && strstr(out, "tj-race")),
			      "round %d: exit %d:\n%s", round, status, out);
		free(out);
	}
	ck_assert_int_eq(gc(place.base, false, &out), 0);
	free(out);
	ck_assert_int_eq(lu_count_entries(place.base), 0);
	lu_scratch_remove(place.scratch);
}
END_TEST

/* ---- Defect 3: roots kept with --keep ------------------------------------------ */

struct sleeper {
	pid_t launcher, command;
	char root[PATH_MAX];
};

/* Start `tmpjail [--keep] --base BASE -- sleep`, learning its root and the command's pid. */
static void start_sleeper(const struct place *place, bool keep, struct sleeper *run)
{
	char info[PATH_MAX + 16], script[PATH_MAX * 4];
	snprintf(info, sizeof(info), "%s/info", place->scratch);
	snprintf(script, sizeof(script),
		 "echo kept > /tmp/data; echo $TMPJAIL_ROOT $$ > %s.new; mv %s.new %s; "
		 "exec sleep 60",
		 info, info, info);
	run->launcher = fork();
	ck_assert_int_ge(run->launcher, 0);
	if (run->launcher == 0) {
		const char *argv[] = {lu_launcher(), "--base", place->base, "--", "sh",
				      "-c",	     script,   NULL,	    NULL};
		if (keep) /* tmpjail --keep --base ... */
			memmove(&argv[2], &argv[1], 7 * sizeof(argv[0])), argv[1] = "--keep";
		execv(lu_launcher(), (char *const *)argv);
		_exit(126);
	}
	ck_assert(lu_wait_for_file(info, 10));
	FILE *file = fopen(info, "r");
	ck_assert_ptr_nonnull(file);
	ck_assert_int_eq(fscanf(file, "%4095s %d", run->root, &run->command), 2);
	fclose(file);
	unlink(info);
}

/*
 * A root kept with --keep is the user's: --gc leaves it, whether its
 * launcher exited or was killed with SIGKILL; --gc --kept removes it (but
 * never a live one); --kept alone is refused.
 */
START_TEST(gc_keeps_kept_roots)
{
	/* The orphaned command comes to us, so we can reap it. */
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	struct place place;
	make_place(&place);
	char *out, exited[PATH_MAX], tmp[PATH_MAX * 2];
	ck_assert_int_eq(run_sh(place.base, "--keep", "echo kept > /tmp/data", &out), 0);
	const char *at = strstr(out, "kept the private root ");
	ck_assert_msg(at && sscanf(at, "kept the private root %4095s", exited) == 1, "%s", out);
	free(out);

	struct sleeper killed, live;
	start_sleeper(&place, true, &killed);
	ck_assert_int_eq(kill(killed.launcher, SIGKILL), 0);
	ck_assert_int_eq(lu_wait_timeout(killed.launcher, 10), 128 + SIGKILL);
	kill(killed.command, SIGKILL);
	lu_wait_timeout(killed.command, 10);
	start_sleeper(&place, true, &live);

	ck_assert_int_eq(gc(place.base, false, &out), 0);
	ck_assert_msg(out[0] == '\0', "--gc removed:\n%s", out);
	free(out);
	const char *roots[] = {exited, killed.root, live.root};
	for (int i = 0; i < 3; i++) {
		snprintf(tmp, sizeof(tmp), "%s/tmp", roots[i]);
		expect_file_in(tmp, "data", "kept\n");
	}

	const char *alone[] = {lu_launcher(), "--kept", "--base", place.base, NULL};
	ck_assert_int_eq(lu_run(alone, &out, 60), 125);
	ck_assert_msg(strstr(out, "--kept needs --gc"), "%s", out);
	free(out);

	ck_assert_int_eq(gc(place.base, true, &out), 0);
	ck_assert_msg(strstr(out, exited) && strstr(out, killed.root) && !strstr(out, live.root),
		      "--gc --kept removed:\n%s", out);
	free(out);
	ck_assert(!lu_exists(exited) && !lu_exists(killed.root));
	snprintf(tmp, sizeof(tmp), "%s/tmp", live.root);
	expect_file_in(tmp, "data", "kept\n");

	ck_assert_int_eq(kill(live.launcher, SIGTERM), 0);
	ck_assert_int_eq(lu_wait_timeout(live.launcher, 10), 128 + SIGTERM);
	ck_assert_msg(lu_exists(live.root), "--keep did not keep the root");
	lu_scratch_remove(place.scratch);
}
END_TEST

/* Links and files named like kept roots are never followed, even with --kept. */
START_TEST(gc_kept_links)
{
	struct place place;
	make_place(&place);
	char outside[PATH_MAX + 16], path[PATH_MAX * 2], *out;
	snprintf(outside, sizeof(outside), "%s/outside", place.scratch);
	ck_assert_int_eq(mkdir(outside, 0700), 0);
	make_file_in(outside, "sentinel", "keep me\n");
	snprintf(path, sizeof(path), "%s/tj-kept-link1234", place.base);
	ck_assert_int_eq(symlink(outside, path), 0);
	make_file_in(place.base, "tj-kept-file1234", "a file\n");
	/* Not roots: a kept name with a bad random part, a kept staging name. */
	snprintf(path, sizeof(path), "%s/tj-kept-ABCDEFGH", place.base);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/.tj-kept-abcdefgh", place.base);
	ck_assert_int_eq(mkdir(path, 0700), 0);

	ck_assert_int_eq(gc(place.base, true, &out), 0);
	ck_assert_str_eq(out, "");
	free(out);
	ck_assert_int_eq(lu_count_entries(place.base), 4);
	expect_file_in(outside, "sentinel", "keep me\n");
	lu_scratch_remove(place.scratch);
}
END_TEST

/* ---- Defect 9: roots the run made unreadable ------------------------------------ */

/* An unprivileged run that does chmod 000 (or 600) on its root is reaped all the same. */
START_TEST(reap_unreadable_root)
{
	struct place place;
	make_place(&place);
	const char *why = become_unprivileged(&place);
	if (why) {
		end_unprivileged(&place);
		TJ_SKIP(why);
	}
	static const char *const modes[] = {"000", "600", "100"};
	for (int i = 0; i < 3; i++) {
		char script[256], *out;
		snprintf(script, sizeof(script),
			 "mkdir /tmp/sub && echo x > /tmp/sub/f && chmod 000 /tmp/sub && "
			 "chmod %s \"$TMPJAIL_ROOT\"",
			 modes[i]);
		ck_assert_int_eq(run_sh(place.base, NULL, script, &out), 0);
		ck_assert_msg(lu_count_entries(place.base) == 0, "mode %s: root left; %s", modes[i],
			      out);
		free(out);
	}
	end_unprivileged(&place);
}
END_TEST

/*
 * --gc removes stale roots of mode 000 and 600; a live run's 000 root is
 * left alone, with the mode it had.
 */
START_TEST(gc_unreadable_root)
{
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	struct place place;
	make_place(&place);
	const char *why = become_unprivileged(&place);
	if (why) {
		end_unprivileged(&place);
		TJ_SKIP(why);
	}
	static const char *const names[] = {"tj-mode0000", "tj-mode0600", ".tj-mode0000"};
	static const mode_t modes[] = {0, 0600, 0};
	char path[PATH_MAX * 2], *out;
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", place.base, names[i]);
		ck_assert_int_eq(mkdir(path, 0700), 0);
		make_file_in(path, "junk", "x\n");
		if (names[i][0] == '.') {
			struct timespec old[2] = {{.tv_sec = time(NULL) - 120},
						  {.tv_sec = time(NULL) - 120}};
			ck_assert_int_eq(utimensat(AT_FDCWD, path, old, 0), 0);
		}
		ck_assert_int_eq(chmod(path, modes[i]), 0);
	}
	struct sleeper live;
	start_sleeper(&place, false, &live);
	ck_assert_int_eq(chmod(live.root, 0), 0);

	ck_assert_int_eq(gc(place.base, false, &out), 0);
	for (int i = 0; i < 3; i++)
		ck_assert_msg(strstr(out, names[i]), "%s not removed:\n%s", names[i], out);
	ck_assert_msg(!strstr(out, live.root), "a live root was removed:\n%s", out);
	free(out);
	ck_assert_int_eq(lu_count_entries(place.base), 1);
	struct stat st;
	ck_assert_int_eq(stat(live.root, &st), 0);
	ck_assert_msg((st.st_mode & 07777) == 0, "the live root's mode is now %o",
		      (unsigned)st.st_mode & 07777);
	ck_assert_int_eq(chmod(live.root, 0700), 0);
	ck_assert_int_eq(kill(live.launcher, SIGTERM), 0);
	ck_assert_int_eq(lu_wait_timeout(live.launcher, 10), 128 + SIGTERM);
	end_unprivileged(&place);
}
END_TEST

/* Until killed: swap the stale root @root for a symlink to @outside, or for a file, and back. */
static _Noreturn void swap_flapper(const char *root, const char *outside, const char *hidden)
{
	for (unsigned round = 0;; round++) {
		if (rename(root, hidden) < 0)
			_exit(errno == ENOENT ? 0 : 1); /* removed by --gc: done */
		if (round % 2 ? symlink(outside, root) < 0 : mknod(root, S_IFREG | 0600, 0) < 0)
			_exit(2);
		usleep(100 + round % 7 * 200);
		if (unlink(root) < 0 || rename(hidden, root) < 0)
			_exit(3);
		usleep(100 + round % 5 * 200);
	}
}

/*
 * A stale 000 root swapped, while --gc runs, for a symlink to a 000
 * directory of the same user, or for a file: --gc gives u+rwx only to
 * what it opened and checked, never through the link; the outside keeps
 * its mode and content.
 */
START_TEST(gc_swap_race)
{
	struct place place;
	make_place(&place);
	const char *why = become_unprivileged(&place);
	if (why) {
		end_unprivileged(&place);
		TJ_SKIP(why);
	}
	char outside[PATH_MAX + 16], root[PATH_MAX * 2], hidden[PATH_MAX * 2], *out;
	snprintf(outside, sizeof(outside), "%s/outside", place.scratch);
	/* In the base: moving a 000 directory to another parent needs write access to it. */
	snprintf(hidden, sizeof(hidden), "%s/hidden", place.base);
	ck_assert_int_eq(mkdir(outside, 0700), 0);
	make_file_in(outside, "sentinel", "keep me\n");
	ck_assert_int_eq(chmod(outside, 0), 0);
	for (int round = 0; round < 20; round++) {
		snprintf(root, sizeof(root), "%s/tj-swap%04d", place.base, round);
		ck_assert_int_eq(mkdir(root, 0700), 0);
		make_file_in(root, "junk", "x\n");
		ck_assert_int_eq(chmod(root, 0), 0);
		pid_t flapper = fork();
		ck_assert_int_ge(flapper, 0);
		if (flapper == 0)
			swap_flapper(root, outside, hidden);
		usleep(round * 100);
		int status = gc(place.base, false, &out);
		kill(flapper, SIGKILL);
		int flapped = lu_wait_timeout(flapper, 10);
		ck_assert_msg(flapped == 0 || flapped == 128 + SIGKILL, "the flapper failed: %d",
			      flapped);
		/* Put the root back where the flapper was stopped, and chmod it for the next --gc.
		 */
		if (lu_exists(hidden)) {
			unlink(root);
			ck_assert_int_eq(rename(hidden, root), 0);
		}
		struct stat st;
		ck_assert_int_eq(stat(outside, &st), 0);
		ck_assert_msg((st.st_mode & 07777) == 0, "round %d: outside is now mode %o", round,
			      (unsigned)st.st_mode & 07777);
		ck_assert_msg(status == 0 || (status == 125 && strstr(out, "tj-swap")),
			      "round %d: exit %d:\n%s", round, status, out);
		free(out);
	}
	ck_assert_int_eq(chmod(outside, 0700), 0);
	expect_file_in(outside, "sentinel", "keep me\n");
	ck_assert_int_eq(gc(place.base, false, &out), 0);
	free(out);
	ck_assert_int_eq(lu_count_entries(place.base), 0);
	end_unprivileged(&place);
}
END_TEST

/* ---- Defect 10: few file descriptors ------------------------------------------- */

/* A shell line making a @depth-level tree in the run's /tmp. */
static void deep_tree_script(char *script, size_t size, int depth, const char *then)
{
	int n = snprintf(script, size, "mkdir -p /tmp");
	for (int i = 0; i < depth; i++)
		n += snprintf(script + n, size - (size_t)n, "/d");
	snprintf(script + n, size - (size_t)n, " && %s", then);
}

/*
 * A launcher started with `ulimit -n 32`, or whose command sets its limits
 * to 16:16 (prlimit --pid $PPID), still reaps a deep tree.
 */
START_TEST(reap_few_fds)
{
	const char *which[] = {"sh", "-c", "command -v prlimit", NULL};
	if (lu_run(which, NULL, 10) != 0)
		TJ_SKIP("needs prlimit(1) (util-linux)");
	struct place place;
	make_place(&place);
	char script[4096], outer[4 * PATH_MAX + 4096], *out;
	static const int depths[] = {25, 300};
	for (int i = 0; i < 2; i++) {
		deep_tree_script(script, sizeof(script), depths[i], "true");
		snprintf(outer, sizeof(outer),
			 "ulimit -n 32 && exec '%s' --base '%s' -- sh -c '%s'", lu_launcher(),
			 place.base, script);
		const char *argv[] = {"sh", "-c", outer, NULL};
		ck_assert_int_eq(lu_run(argv, &out, 120), 0);
		ck_assert_msg(lu_count_entries(place.base) == 0, "ulimit -n 32, %d levels: %s",
			      depths[i], out);
		free(out);

		deep_tree_script(script, sizeof(script), depths[i],
				 "prlimit --pid $PPID --nofile=16:16");
		ck_assert_int_eq(run_sh(place.base, NULL, script, &out), 0);
		ck_assert_msg(lu_count_entries(place.base) == 0, "prlimit 16:16, %d levels: %s",
			      depths[i], out);
		free(out);
	}
	lu_scratch_remove(place.scratch);
}
END_TEST

/*
 * A launcher whose hard limit is below what it needs refuses the run
 * before making anything, saying so. Before, `ulimit -n 8` ran the
 * command, then could not reap its root: left for --gc.
 */
START_TEST(too_few_fds_refused)
{
	struct place place;
	make_place(&place);
	char outer[PATH_MAX * 3], *out;
	static const int limits[] = {8, 9, 20, 31};
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		snprintf(outer, sizeof(outer), "ulimit -n %d && exec '%s' --base '%s' -- echo ran",
			 limits[i], lu_launcher(), place.base);
		const char *argv[] = {"sh", "-c", outer, NULL};
		int status = lu_run(argv, &out, 60);
		ck_assert_msg(status == 125 && strstr(out, "open-file limit") &&
				  !strstr(out, "ran"),
			      "ulimit -n %d: exit %d:\n%s", limits[i], status, out);
		ck_assert_msg(lu_count_entries(place.base) == 0, "ulimit -n %d: left a root",
			      limits[i]);
		free(out);
	}
	lu_scratch_remove(place.scratch);
}
END_TEST

/*
 * The launcher raises its own limit, never the command's: it sees what it
 * was given, even a soft limit below what the launcher needs (8).
 */
START_TEST(command_keeps_its_limit)
{
	struct rlimit limit;
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &limit), 0);
	if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max <= 40)
		TJ_SKIP("needs a hard RLIMIT_NOFILE above 40");
	struct place place;
	make_place(&place);
	char outer[PATH_MAX * 3], expect[64], *out;
	static const int soft[] = {40, 8};
	for (size_t i = 0; i < 2; i++) {
		snprintf(outer, sizeof(outer),
			 "ulimit -Sn %d && exec '%s' --base '%s' -- sh -c 'ulimit -Sn; ulimit -Hn'",
			 soft[i], lu_launcher(), place.base);
		const char *argv[] = {"sh", "-c", outer, NULL};
		ck_assert_int_eq(lu_run(argv, &out, 60), 0);
		if (limit.rlim_max == RLIM_INFINITY)
			snprintf(expect, sizeof(expect), "%d\nunlimited\n", soft[i]);
		else
			snprintf(expect, sizeof(expect), "%d\n%llu\n", soft[i],
				 (unsigned long long)limit.rlim_max);
		ck_assert_str_eq(out, expect);
		free(out);
	}
	ck_assert_int_eq(lu_count_entries(place.base), 0);
	lu_scratch_remove(place.scratch);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *suite = suite_create("adversary_gc");
	struct {
		TCase *tcase;
		const TTest *test;
	} cases[] = {
	    {tcase_create("gc_mount_over_root"), gc_mount_over_root},
	    {tcase_create("gc_mount_inside_root"), gc_mount_inside_root},
	    {tcase_create("gc_mount_race"), gc_mount_race},
	    {tcase_create("reap_mount_point_fd"), reap_mount_point_fd},
	    {tcase_create("gc_keeps_kept_roots"), gc_keeps_kept_roots},
	    {tcase_create("gc_kept_links"), gc_kept_links},
	    {tcase_create("reap_unreadable_root"), reap_unreadable_root},
	    {tcase_create("gc_unreadable_root"), gc_unreadable_root},
	    {tcase_create("gc_swap_race"), gc_swap_race},
	    {tcase_create("reap_few_fds"), reap_few_fds},
	    {tcase_create("command_keeps_its_limit"), command_keeps_its_limit},
	    {tcase_create("too_few_fds_refused"), too_few_fds_refused},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tcase_add_test(cases[i].tcase, cases[i].test);
		suite_add_tcase(suite, cases[i].tcase);
	}
	return suite;
}
