/* SPDX-License-Identifier: MIT */
/*
 * The remover at the edges of what its caller leaves it: a top it holds an
 * fd to but may not search (the launcher's tf_rmtree_at(root_fd, ".") after
 * the run did chmod 000 "$TMPJAIL_ROOT"), and a process with almost no
 * file descriptors left (a command that lowered its launcher's
 * RLIMIT_NOFILE). Every removal runs jailed, as rmtree_jail.h says.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "rmtree_jail.h"
#include "tmpjail/tempfile.h"

/* The highest fd open in this process and how many are open, below 1024 (no /proc in the jail). */
static int highest_open_fd(int *count)
{
	int highest = -1;

	*count = 0;
	for (int fd = 0; fd < 1024; fd++) {
		if (fcntl(fd, F_GETFD) >= 0) {
			highest = fd;
			++*count;
		}
	}
	return highest;
}

/*
 * An RLIMIT_NOFILE that leaves exactly @free_fds descriptors to open: the
 * free numbers below the highest open fd are filled first (the child that
 * does this exits after the removal).
 */
static rlim_t limit_leaving(int free_fds)
{
	int count, highest = highest_open_fd(&count);

	for (int holes = highest + 1 - count; holes > 0; holes--)
		EXPECT(open(".", O_PATH | O_CLOEXEC) >= 0, "open: %m");
	return (rlim_t)(highest + 1 + free_fds);
}

/* ---- A top that cannot be searched ----------------------------------------- */

struct held_top {
	const char *path;
	mode_t mode;	/* given to the top once it is open */
	int open_flags; /* O_RDONLY or O_PATH */
	bool foreign;	/* another user's: its mode is left as it is */
};

/* Open @arg's top, give it its mode, then empty it through the fd as "." (the launcher's way). */
static int empty_held_top(void *arg)
{
	const struct held_top *top = arg;
	int fd = open(top->path, top->open_flags | O_DIRECTORY | O_CLOEXEC);

	EXPECT(fd >= 0, "open %s: %m", top->path);
	if (!top->foreign)
		EXPECT(fchmodat(AT_FDCWD, top->path, top->mode, 0) == 0, "chmod: %m");
	int r = tf_rmtree_at(fd, ".", TF_RMTREE_CONTENTS_ONLY) == 0 ? 0 : errno;
	struct stat st;
	EXPECT(fstat(fd, &st) == 0 && (st.st_mode & 07777) == top->mode,
	       "the top's mode is %o, not %o", (unsigned)st.st_mode & 07777, (unsigned)top->mode);
	close(fd);
	return r;
}

/*
 * chmod 000 (or 600: no search) on the top the caller holds an fd to:
 * statx(fd, ".") and openat(fd, ".") need search permission, which its
 * owner gets back through the fd; the mode is given back after.
 */
START_TEST(unsearchable_top)
{
	static const mode_t modes[] = {0, 0600, 0300};
	static const int open_flags[] = {O_RDONLY, O_PATH};

	for (int identity = 0; identity < identities(); identity++) {
		if (identity)
			fresh_scratch();
		make_outside();
		for (int i = 0; i < 6; i++) {
			char path[64];
			snprintf(path, sizeof(path), "top%d", i);
			make_dir(path, 0700);
			make_files(path, 5);
			snprintf(path, sizeof(path), "top%d/sub", i);
			make_dir(path, 0);
			snprintf(path, sizeof(path), "top%d/outside", i);
			make_link("../outside", path);
		}
		unsigned how = become(identity);
		for (int i = 0; i < 6; i++) {
			char path[64];
			snprintf(path, sizeof(path), "top%d", i);
			struct held_top top = {path, modes[i % 3], open_flags[i / 3], false};
			EXPECT_RESULT(in_child(how, empty_held_top, &top), 0);
			expect_dir(path, modes[i % 3]);
			set_mode(path, 0700);
			EXPECT(count_entries(path) == 0, "%s: %d entries left", path,
			       count_entries(path));
		}
		expect_outside();
	}
}
END_TEST

/* Another user's unsearchable top is not the caller's to change: EACCES, mode kept. */
START_TEST(unsearchable_foreign_top)
{
	if (geteuid() != 0)
		TJ_SKIP("needs root, to have a directory of another user");
	make_outside();
	make_dir("top", 0700);
	make_files("top", 5);
	/* NOBODY may open root's directory (read) but not search it. */
	give_to_nobody(".");
	EXPECT(fchownat(base_fd, "top", 0, 0, AT_SYMLINK_NOFOLLOW) == 0, "chown: %m");
	set_mode("top", 0444);
	struct held_top top = {"top", 0444, O_RDONLY, true};
	EXPECT_RESULT(in_child(CHILD_NOBODY, empty_held_top, &top), EACCES);
	expect_dir("top", 0444);
	set_mode("top", 0700);
	EXPECT(count_entries("top") == 5, "another user's files were touched");
	expect_outside();
}
END_TEST

/* A held top of mode 000, asked what the remover then refuses: its mode must not change. */
struct refused_top {
	const char *path;
	unsigned flags;
	int free_fds; /* -1: the limit as it is */
};

/* tf_rmtree_at(fd, ".", @arg->flags) on a 000 top: the error, and the mode it is left with. */
static int refuse_held_top(void *arg)
{
	const struct refused_top *top = arg;
	int fd = open(top->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	EXPECT(fd >= 0, "open %s: %m", top->path);
	EXPECT(fchmodat(AT_FDCWD, top->path, 0, 0) == 0, "chmod: %m");
	struct rlimit limit;
	EXPECT(getrlimit(RLIMIT_NOFILE, &limit) == 0, "getrlimit: %m");
	if (top->free_fds >= 0) {
		limit.rlim_cur = limit_leaving(top->free_fds);
		EXPECT(setrlimit(RLIMIT_NOFILE, &limit) == 0, "setrlimit: %m");
	}
	int r = tf_rmtree_at(fd, ".", top->flags) == 0 ? 0 : errno;
	struct stat st;
	EXPECT(fstat(fd, &st) == 0, "fstat: %m");
	EXPECT((st.st_mode & 07777) == 0, "a refused removal (%s) left the top mode %o, not 000",
	       error_name(r), (unsigned)st.st_mode & 07777);
	close(fd);
	return r;
}

/*
 * The held top gets u+rwx only to be emptied: "." without
 * TF_RMTREE_CONTENTS_ONLY (EINVAL, or EACCES), or no fd left to open it
 * (EMFILE), leaves its mode as it was.
 */
START_TEST(unsearchable_top_refused)
{
	for (int identity = 0; identity < identities(); identity++) {
		if (identity)
			fresh_scratch();
		make_outside();
		make_dir("top", 0700);
		make_files("top", 3);
		unsigned how = become(identity);
		/* EINVAL as root; EACCES for its owner, who may not search it. */
		struct refused_top top = {"top", 0, -1};
		EXPECT_RESULT(in_child(how, refuse_held_top, &top), how ? EACCES : EINVAL);
		expect_dir("top", 0);
		set_mode("top", 0700);
		top = (struct refused_top){"top", TF_RMTREE_CONTENTS_ONLY, 0};
		EXPECT_RESULT(in_child(how, refuse_held_top, &top), EMFILE);
		expect_dir("top", 0);
		set_mode("top", 0700);
		EXPECT(count_entries("top") == 3, "top: %d entries left", count_entries("top"));
		expect_outside();
	}
}
END_TEST

/* ---- Few file descriptors ---------------------------------------------------- */

struct starved {
	const char *path; /* removed with tf_rmtree(path, flags) */
	unsigned flags;
	int free_fds; /* fds the removal may open */
	int by_fd;    /* remove as tf_rmtree_at(open(path), ".", CONTENTS_ONLY) */
};

/* tf_rmtree() with only @arg->free_fds descriptors to spare. */
static int remove_starved(void *arg)
{
	const struct starved *starved = arg;
	int held = -1;

	if (starved->by_fd) {
		held = open(starved->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		EXPECT(held >= 0, "open %s: %m", starved->path);
	}
	int before, after;
	struct rlimit limit;
	EXPECT(getrlimit(RLIMIT_NOFILE, &limit) == 0, "getrlimit: %m");
	limit.rlim_cur = limit_leaving(starved->free_fds);
	highest_open_fd(&before);
	EXPECT(setrlimit(RLIMIT_NOFILE, &limit) == 0, "setrlimit: %m");
	int r;
	if (held >= 0)
		r = tf_rmtree_at(held, ".", TF_RMTREE_CONTENTS_ONLY) == 0 ? 0 : errno;
	else
		r = tf_rmtree(starved->path, starved->flags) == 0 ? 0 : errno;
	highest_open_fd(&after);
	EXPECT(after == before, "tf_rmtree leaked %d fds", after - before);
	if (held >= 0)
		close(held);
	return r;
}

/*
 * 25 and 300 levels, a few files on each, removed with 4 fds to spare (a
 * path with a '/' holds its parent) and 3 through a held fd: whatever the
 * limit, the walk closes ancestors and climbs back through "..".
 */
START_TEST(few_fds)
{
	static const int depths[] = {25, 300};

	for (int identity = 0; identity < identities(); identity++) {
		if (identity)
			fresh_scratch();
		make_outside();
		make_dir("box", 0700);
		for (int i = 0; i < 2; i++) {
			char top[32];
			snprintf(top, sizeof(top), "box/tree%d", i);
			make_dir(top, 0700);
			make_deep_files(top, depths[i], "last");
			snprintf(top, sizeof(top), "box/held%d", i);
			make_dir(top, 0700);
			make_deep_files(top, depths[i], "last");
		}
		unsigned how = become(identity);
		for (int i = 0; i < 2; i++) {
			char top[32];
			snprintf(top, sizeof(top), "box/tree%d", i);
			struct starved starved = {.path = top, .free_fds = 4};
			EXPECT_RESULT(in_child(how, remove_starved, &starved), 0);
			expect_gone(top);
			snprintf(top, sizeof(top), "box/held%d", i);
			starved = (struct starved){.path = top, .free_fds = 3, .by_fd = 1};
			EXPECT_RESULT(in_child(how, remove_starved, &starved), 0);
			expect_dir(top, 0700);
			EXPECT(count_entries(top) == 0, "%s not emptied", top);
		}
		expect_outside();
	}
}
END_TEST

/* With no fd to spare at all, the removal fails cleanly and leaves the tree. */
START_TEST(no_fds)
{
	make_outside();
	make_dir("tree", 0700);
	make_deep_files("tree", 5, "last");

	struct starved starved = {.path = "tree", .free_fds = 0};
	EXPECT_RESULT(in_child(0, remove_starved, &starved), EMFILE);
	expect_file("tree/c/c/c/c/c/last", "", 0600);
	expect_outside();
}
END_TEST

Suite *tj_suite(void)
{
	Suite *suite = suite_create("rmtree_limits");

	add_case(suite, tcase_create("unsearchable_top"), unsearchable_top);
	add_case(suite, tcase_create("unsearchable_foreign_top"), unsearchable_foreign_top);
	add_case(suite, tcase_create("unsearchable_top_refused"), unsearchable_top_refused);
	add_case(suite, tcase_create("few_fds"), few_fds);
	add_case(suite, tcase_create("no_fds"), no_fds);
	return suite;
}
