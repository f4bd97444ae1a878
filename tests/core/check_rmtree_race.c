/* SPDX-License-Identifier: MIT */
/*
 * Adversarial tests of the secure remover, tf_rmtree() (core/src/rmtree.c,
 * docs/remover.md), on trees changed while it removes them: subtrees moved
 * out from under the walk, directories swapped for links to the outside,
 * a writer that never stops, an attacker thread racing the walk.
 *
 * These are the tests that, with a broken remover, climb out of the tree:
 * each removal runs in a forked child chroot()ed into the test's scratch
 * directory (rmtree_jail.h), and each test that moves parts of the tree is
 * skipped when no chroot is possible. Never run them unjailed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "rmtree_jail.h"
#include "tmpjail/tempfile.h"

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

Suite *tj_suite(void)
{
	Suite *suite = suite_create("rmtree_race");

	add_case(suite, tcase_create("moved_away"), moved_away);
	add_case(suite, tcase_create("swapped_for_symlink"), swapped_for_symlink);
	add_case(suite, tcase_create("replaced_while_inside"), replaced_while_inside);
	add_case(suite, tcase_create("endless_writer"), endless_writer);
	add_case(suite, tcase_create("attacker"), attacker);
	return suite;
}
