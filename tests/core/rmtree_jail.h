/* SPDX-License-Identifier: MIT */
/*
 * The jail the remover's tests run it in (check_rmtree.c,
 * check_rmtree_race.c): a scratch directory per test, removed at the end
 * even when the test fails; forked children that chroot() into it before
 * any removal, so that ".." from anywhere in it stays inside; builders of
 * trees and checks of what must survive them.
 *
 * Paths given to the helpers are relative to the scratch directory (in
 * the test process) or to the child's working directory, the same place.
 */
#ifndef TMPJAIL_TESTS_RMTREE_JAIL_H
#define TMPJAIL_TESTS_RMTREE_JAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "tj_check.h"

/* The unprivileged user removals are also run as, when the test is root. */
#define NOBODY 65534

/* What relative paths start from: the scratch dir's fd, or AT_FDCWD in a child. */
extern int base_fd;

/*
 * EXPECT(cond, fmt, ...): a check that works in the test process (a Check
 * failure) and in the children it forks (reported to the parent).
 */
#define EXPECT(cond, ...) expect_at(__LINE__, (cond), __VA_ARGS__)

/* EXPECT_RESULT(got, want): an errno value is the one expected. */
#define EXPECT_RESULT(got, want) expect_result(__LINE__, (got), (want))

/* What EXPECT() calls: in a child, report a failure to the parent and exit. */
__attribute__((format(printf, 3, 4))) void expect_at(int line, bool ok, const char *fmt, ...);
void expect_result(int line, int got, int want);
/* "ENOENT" for ENOENT, "success" for 0. */
const char *error_name(int error);

/* The fixture of every case: a fresh scratch directory, then rm -rf of it. */
void scratch_setup(void);
void scratch_teardown(void);
/* Start over in an empty scratch directory of the same name. */
void fresh_scratch(void);
/* Add @test in @tcase, with the scratch fixture, to @suite. */
void add_case(Suite *suite, TCase *tcase, const TTest *test);

/* How in_child() sets up its child, besides the chroot(). */
enum {
	CHILD_MOUNTS = 1 << 0, /* a private mount namespace */
	CHILD_NOBODY = 1 << 1, /* become uid and gid NOBODY (root only) */
};

/* Whether children can chroot(): as root, or in a user namespace. */
bool can_jail(void);
/*
 * Run @fn(@arg) in a forked child chroot()ed into the scratch directory
 * (when can_jail(); else only chdir()ed there), set up as @how says.
 * Return: what @fn returned (an errno value, by convention); a failed
 * EXPECT() in the child fails the test here.
 */
int in_child(unsigned how, int (*fn)(void *arg), void *arg);
/* In a child that mounted (CHILD_MOUNTS): drop the user namespace's capabilities. */
void drop_capabilities(void);

struct removal {
	const char *path;
	unsigned flags;
	rlim_t max_files; /* RLIMIT_NOFILE for the removal, 0: unchanged */
};

/* In a child: tf_rmtree() as @arg (a struct removal) says, checking for leaked fds. */
int do_removal(void *arg);
/* tf_rmtree(@path, @flags) in a child; @path relative to the scratch dir. */
int remove_in_child(unsigned how, const char *path, unsigned flags);
/* An absolute symlink target naming @path, as the remover in the child sees it. */
const char *seen_path(const char *path);

/* Identities a removal is tried as (1, or 2 as root), and what in_child() needs for one. */
int identities(void);
unsigned become(int identity);
/* Give everything under @path to NOBODY. Root only. */
void give_to_nobody(const char *path);

/* Making files; a failure is an EXPECT() failure. */
void make_dir(const char *path, mode_t mode);
void make_file(const char *path, const char *content, mode_t mode);
void make_link(const char *target, const char *path);
void set_mode(const char *path, mode_t mode);
/* @count empty files f0, f1, ... in directory @path. */
void make_files(const char *path, int count);
/* A chain of @depth directories "dir" under @top, a file every 1000 levels. */
void make_chain(const char *top, int depth);
/* "tree/a/a/.../a/@last" (@depth a's), in @path. */
void deep_name(char *path, size_t size, int depth, const char *last);
/* @depth directories "c" under @path, each with a few files, @last at the bottom. */
void make_deep_files(const char *path, int depth, const char *last);

/* Checking files. */
struct stat stat_of(const char *path);
/* @path is a file holding exactly @content, with mode @mode. */
void expect_file(const char *path, const char *content, mode_t mode);
void expect_dir(const char *path, mode_t mode);
void expect_gone(const char *path);
/* The number of entries in directory @path, "." and ".." not counted. */
int count_entries(const char *path);

/* The directory "outside" every tree, with sentinels, and the check that it is intact. */
void make_outside(void);
void expect_outside(void);

#endif
