/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the shim's path mapper (shim/map.c), one TCase per mapping
 * rule. The mapper is pure, so these call it directly, instrumented; a
 * few also ask the kernel what a mapped path resolves to.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "map.h"
#include "tj_check.h"

#define ROOT "/tmp/tj-abcd1234"
#define DIR ROOT "/tmp"

static struct map_table table;

static void build(const char *root, const char *dir, const char *redirect)
{
	ck_assert_int_eq(map_table_build(&table, root, dir, redirect), 0);
}

/* ROOT followed by @path, in a static buffer. */
static const char *fmt_root(const char *path)
{
	static char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s%s", ROOT, path);
	return buf;
}

static void default_table(void)
{
	build(ROOT, NULL, NULL);
}

/* Assert @path maps to @want (NULL: kept as it is). */
static void expect_map(const char *path, const char *want)
{
	char out[PATH_MAX] = "untouched";
	int r = map_path(&table, path, out, sizeof(out));

	if (!want) {
		ck_assert_msg(r == MAP_KEEP, "%s: expected kept, got %d (%s)", path, r, out);
		ck_assert_str_eq(out, "untouched");
	} else {
		ck_assert_msg(r == MAP_DONE, "%s: expected %s, got %d", path, want, r);
		ck_assert_str_eq(out, want);
	}
}

static void expect_error(const char *path, int error)
{
	char out[PATH_MAX] = "untouched";

	ck_assert_int_eq(map_path(&table, path, out, sizeof(out)), -error);
	ck_assert_str_eq(out, "untouched");
}

START_TEST(test_boundaries)
{
	default_table();
	expect_map("/tmp", DIR);
	expect_map("/tmp/", DIR "/");
	expect_map("/tmp/a", DIR "/a");
	expect_map("/tmp/a/b.txt", DIR "/a/b.txt");
	expect_map("/var/tmp", ROOT "/var/tmp");
	expect_map("/var/tmp/x", ROOT "/var/tmp/x");
	expect_map("/tmpfoo", NULL);
	expect_map("/tmpfoo/a", NULL);
	expect_map("/tm", NULL);
	expect_map("/t", NULL);
	expect_map("/", NULL);
	expect_map("/var", NULL);
	expect_map("/var/tmpx/a", NULL);
	expect_map("/var/tm", NULL);
	expect_map("/usr/tmp/a", NULL);
	expect_map("/home/tmp", NULL);
	expect_map("/etc/passwd", NULL);
}
END_TEST

START_TEST(test_normalise_leading)
{
	default_table();
	expect_map("//tmp/./a", DIR "/a");
	expect_map("///tmp/a", DIR "/a");
	expect_map("/./tmp/a", DIR "/a");
	expect_map("/tmp//a", DIR "/a");
	expect_map("/tmp/./a", DIR "/a");
	expect_map("/tmp/././/a", DIR "/a");
	expect_map("/var//./tmp/x", ROOT "/var/tmp/x");
	expect_map("/var/./tmp", ROOT "/var/tmp");
	/* Only the leading part is tidied; the rest is the kernel's business. */
	expect_map("/tmp/a/./b", DIR "/a/./b");
	expect_map("/tmp/a//b", DIR "/a//b");
	expect_map("/tmp/.", DIR "/.");
	expect_map("/tmp/.a", DIR "/.a");
	expect_map("/./tmpfoo", NULL);
	expect_map("/.tmp/a", NULL);
}
END_TEST

START_TEST(test_dotdot_not_collapsed)
{
	default_table();
	/* Kept literally: the kernel resolves ".." inside the private dir. */
	expect_map("/tmp/a/../b", DIR "/a/../b");
	/* Lands in the root, beside the private dir: never the real file. */
	expect_map("/tmp/../etc/passwd", DIR "/../etc/passwd");
	expect_map("/tmp/..", DIR "/..");
	expect_map("/var/tmp/../../etc", ROOT "/var/tmp/../../etc");
	/* Climbing above the root would reach the real /tmp: refused. */
	expect_error("/tmp/../../etc/passwd", EACCES);
	expect_error("/tmp/../..", EACCES);
	expect_error("/tmp/a/../../../x", EACCES);
	expect_error("/var/tmp/../../../etc", EACCES);
	expect_error("/tmp/./../../x", EACCES);
	/* Not a ".." component. */
	expect_map("/tmp/..a/b", DIR "/..a/b");
	expect_map("/tmp/a../b", DIR "/a../b");
}
END_TEST

/* What a program opening "/tmp/../etc/passwd" gets: not the real file. */
START_TEST(test_dotdot_resolves_inside_root)
{
	char scratch[] = "/dev/shm/tj-mapper-XXXXXX";
	char path[PATH_MAX], out[PATH_MAX];

	if (!mkdtemp(scratch)) {
		strcpy(scratch, "tj-mapper-XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(scratch));
		ck_assert_ptr_nonnull(realpath(scratch, path));
		strcpy(scratch, path);
	}
	snprintf(path, sizeof(path), "%s/tmp", scratch);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	build(scratch, NULL, NULL);

	ck_assert_int_eq(map_path(&table, "/tmp/../etc/passwd", out, sizeof(out)), MAP_DONE);
	int fd = open(out, O_RDONLY);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(errno, ENOENT);
	fd = open(out, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(map_path(&table, "/tmp/../../etc/passwd", out, sizeof(out)), -EACCES);

	ck_assert_int_eq(rmdir(path), 0);
	ck_assert_int_eq(rmdir(scratch), 0);
}
END_TEST

START_TEST(test_idempotent)
{
	static const char *const paths[] = {"/tmp",	 "/tmp/a",	"//tmp/./a/b", "/var/tmp/x",
					    "/tmp/../x", "/tmp/a/../b", "/var/tmp/..", "/tmp/"};
	char once[PATH_MAX], twice[PATH_MAX] = "untouched";

	default_table();
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		ck_assert_int_eq(map_path(&table, paths[i], once, sizeof(once)), MAP_DONE);
		ck_assert_msg(map_path(&table, once, twice, sizeof(twice)) == MAP_KEEP,
			      "%s -> %s mapped again", paths[i], once);
	}
	ck_assert_str_eq(twice, "untouched");
	/* TMPDIR pointing at the private dir, realpath results, the root. */
	expect_map(DIR, NULL);
	expect_map(DIR "/x", NULL);
	expect_map(ROOT, NULL);
	expect_map(ROOT "/var/tmp/y", NULL);
	expect_map("/tmp//tj-abcd1234/./tmp/z", NULL);
	/* Leaving the root with ".." is not "inside the root". */
	expect_map(ROOT "/../x", DIR "/tj-abcd1234/../x");
	/* A sibling whose name starts like the root is not inside it. */
	expect_map("/tmp/tj-abcd12345/x", DIR "/tj-abcd12345/x");
}
END_TEST

START_TEST(test_relative_untouched)
{
	char out[PATH_MAX] = "untouched";

	default_table();
	expect_map("tmp/a", NULL);
	expect_map("./tmp/a", NULL);
	expect_map("a", NULL);
	expect_map("", NULL);
	expect_map("../tmp", NULL);
	ck_assert_int_eq(map_path(&table, NULL, out, sizeof(out)), MAP_KEEP);
	ck_assert_int_eq(map_match(&table, "tmp/a"), 0);
	ck_assert_int_eq(map_match(&table, NULL), 0);
}
END_TEST

START_TEST(test_long_paths)
{
	char path[PATH_MAX + 64], out[PATH_MAX];
	size_t fits = PATH_MAX - 1 - strlen(DIR); /* rest length that just fits */

	default_table();
	strcpy(path, "/tmp");
	memset(path + 4, 'a', fits);
	path[4] = '/';
	path[4 + fits] = '\0';
	ck_assert_int_eq(map_path(&table, path, out, sizeof(out)), MAP_DONE);
	ck_assert_uint_eq(strlen(out), PATH_MAX - 1);

	strcat(path, "b");
	strcpy(out, "untouched");
	ck_assert_int_eq(map_path(&table, path, out, sizeof(out)), -ENAMETOOLONG);
	ck_assert_str_eq(out, "untouched");
	/* The caller's size is honoured too. */
	ck_assert_int_eq(map_path(&table, "/tmp/abc", out, strlen(DIR "/abc")), -ENAMETOOLONG);
	ck_assert_int_eq(map_path(&table, "/tmp/abc", out, strlen(DIR "/abc") + 1), MAP_DONE);
	/* A long path outside the prefixes is kept whatever its length. */
	memset(path, 'x', PATH_MAX + 32);
	path[0] = '/';
	path[PATH_MAX + 32] = '\0';
	ck_assert_int_eq(map_path(&table, path, out, sizeof(out)), MAP_KEEP);
}
END_TEST

START_TEST(test_custom_prefixes)
{
	default_table();
	build(ROOT, NULL, "/scratch:/tmp:/data/in");
	expect_map("/scratch/x", ROOT "/scratch/x");
	expect_map("/scratch", ROOT "/scratch");
	expect_map("/data/in/f", ROOT "/data/in/f");
	expect_map("/data/inbox", NULL);
	expect_map("/data", NULL);
	expect_map("/tmp/x", DIR "/x");
	expect_map("/var/tmp/x", NULL); /* no longer in the list */

	/* Entries are made canonical; empty ones are skipped. */
	build(ROOT, NULL, "//data/./in/::/tmp/:");
	ck_assert_uint_eq(table.nrules, 2);
	expect_map("/data/in/x", ROOT "/data/in/x");
	expect_map("/tmp/x", DIR "/x");

	/* An entry the table cannot honour fails the whole list, closed: the
	 * table then answers "redirected" for every path, to refuse it. */
	static const char *const unusable[] = {"/tmp:relative", "/tmp:/", "/tmp://.",
					       "/tmp:/a/../b", ""};
	for (size_t i = 0; i < sizeof(unusable) / sizeof(unusable[0]); i++) {
		ck_assert_int_eq(map_table_build(&table, ROOT, NULL, unusable[i]), -EINVAL);
		ck_assert(table.incomplete);
		ck_assert_int_ne(map_match(&table, "/usr/bin/x"), 0);
		ck_assert_int_ne(map_may_reach(&table, "lib/x"), 0);
	}

	/* Nested prefixes: the longest wins. */
	build(ROOT, NULL, "/srv:/srv/cache");
	expect_map("/srv/cache/x", ROOT "/srv/cache/x");
	expect_map("/srv/x", ROOT "/srv/x");
	/* "..": /srv/cache/.. stays inside the root, one more does not. */
	expect_map("/srv/cache/../..", ROOT "/srv/cache/../..");
	expect_error("/srv/cache/../../..", EACCES);

	/* More prefixes than the table holds, or one too long: refused, never
	 * dropped (no overflow either). */
	char many[64 * 8] = "";
	for (int i = 0; i < 40; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "/p%d:", i);
	ck_assert_int_eq(map_table_build(&table, ROOT, NULL, many), -E2BIG);
	ck_assert_uint_eq(table.nrules, MAP_MAX_RULES);
	ck_assert(table.incomplete);
	ck_assert_int_ne(map_match(&table, "/p39/x"), 0);
	char longest[MAP_PREFIX_MAX + 1];
	memset(longest, 'l', sizeof(longest) - 1);
	longest[0] = '/';
	longest[MAP_PREFIX_MAX - 1] = '\0';
	build(ROOT, NULL, longest); /* 255 bytes: fits */
	expect_map(longest, fmt_root(longest));
	longest[MAP_PREFIX_MAX - 1] = 'l';
	longest[MAP_PREFIX_MAX] = '\0';
	ck_assert_int_eq(map_table_build(&table, ROOT, NULL, longest), -ENAMETOOLONG);
	ck_assert(table.incomplete);
	/* Exactly as many as fit: all kept. */
	many[0] = '\0';
	for (int i = 0; i < MAP_MAX_RULES; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "/p%d:", i);
	build(ROOT, NULL, many);
	ck_assert_uint_eq(table.nrules, MAP_MAX_RULES);
	ck_assert(!table.incomplete);
}
END_TEST

START_TEST(test_tmpjail_dir)
{
	/* TMPJAIL_DIR is where /tmp goes, written in any canonical-equivalent form. */
	build(ROOT "/", ROOT "//tmp/", NULL);
	expect_map("/tmp/a", DIR "/a");
	expect_map("/tmp/..", DIR "/..");
	expect_map("/var/tmp/a", ROOT "/var/tmp/a");

	/* A stand-in outside the root would send /tmp elsewhere, or back to
	 * itself: refused, like a root that is "/". */
	ck_assert_int_eq(map_table_build(&table, ROOT, "/srv/jail-tmp", NULL), -EINVAL);
	ck_assert_int_eq(map_table_build(&table, ROOT, "/tmp", NULL), -EINVAL);
	ck_assert_int_eq(map_table_build(&table, ROOT, ROOT "x/tmp", NULL), -EINVAL);
	static const char *const slash[] = {"/", "//", "/.", "/./", "///.//"};
	for (size_t i = 0; i < sizeof(slash) / sizeof(slash[0]); i++)
		ck_assert_int_eq(map_table_build(&table, slash[i], NULL, NULL), -EINVAL);
}
END_TEST

START_TEST(test_socket_exceptions)
{
	char out[PATH_MAX] = "untouched";

	default_table();
	ck_assert_int_eq(map_socket_path(&table, "/tmp/.X11-unix/X0", out, sizeof(out)), MAP_KEEP);
	ck_assert_int_eq(map_socket_path(&table, "/tmp/.ICE-unix/42", out, sizeof(out)), MAP_KEEP);
	ck_assert_int_eq(map_socket_path(&table, "//tmp/./.X11-unix/X1", out, sizeof(out)),
			 MAP_KEEP);
	ck_assert_int_eq(map_socket_path(&table, "/tmp/.X11-unix", out, sizeof(out)), MAP_KEEP);
	ck_assert_str_eq(out, "untouched");
	ck_assert_int_eq(map_socket_path(&table, "/tmp/.X11-unixfoo", out, sizeof(out)), MAP_DONE);
	ck_assert_str_eq(out, DIR "/.X11-unixfoo");
	ck_assert_int_eq(map_socket_path(&table, "/tmp/app.sock", out, sizeof(out)), MAP_DONE);
	ck_assert_str_eq(out, DIR "/app.sock");
	ck_assert_int_eq(map_socket_path(&table, "/run/app.sock", out, sizeof(out)), MAP_KEEP);
	/* Only sockets are exempt: a file there is mapped like any other. */
	expect_map("/tmp/.X11-unix/X0", DIR "/.X11-unix/X0");
}
END_TEST

/*
 * The one-byte test that rejects most paths before any component walk must
 * never reject a redirected one: any first byte of a prefix (non-ASCII
 * too), and '/' or '.' which may precede it.
 */
START_TEST(test_fast_reject)
{
	char path[8];

	build(ROOT, NULL, "/a:/b/c:/z9:/~x:/\xc3\xa9t");
	expect_map("/a", ROOT "/a");
	expect_map("/b/c/d", ROOT "/b/c/d");
	expect_map("/b//c/d", ROOT "/b/c/d");
	expect_map("//z9", ROOT "/z9");
	expect_map("/./~x/y", ROOT "/~x/y");
	expect_map("/\xc3\xa9t/f", ROOT "/\xc3\xa9t/f");
	expect_map("/\xc3\xa9", NULL);
	expect_map("/b", NULL);
	expect_map("/c", NULL);
	expect_map("/usr/lib/x86_64-linux-gnu/libc.so.6", NULL);
	expect_map("/proc/self/fd/3", NULL);
	for (int c = 1; c < 256; c++) {
		/* "/" c: only "/a" is a prefix. */
		snprintf(path, sizeof(path), "/%c", c);
		expect_map(path, c == 'a' ? ROOT "/a" : NULL);
		ck_assert_int_eq(map_match(&table, path), c == 'a');
		/* "/" c "/a/x": only "//a/x" and "/./a/x" lead to "/a". */
		snprintf(path, sizeof(path), "/%c/a/x", c);
		if (c == 'a')
			expect_map(path, ROOT "/a/a/x");
		else
			expect_map(path, c == '/' || c == '.' ? ROOT "/a/x" : NULL);
	}
}
END_TEST

START_TEST(test_without_root)
{
	char out[PATH_MAX] = "untouched";

	build(NULL, NULL, NULL);
	ck_assert_int_ne(map_match(&table, "/tmp/x"), 0);
	ck_assert_int_ne(map_match(&table, "//tmp"), 0);
	ck_assert_int_ne(map_match(&table, "/var/tmp/y"), 0);
	ck_assert_int_eq(map_match(&table, "/tmpx"), 0);
	ck_assert_int_eq(map_match(&table, "/usr/lib"), 0);
	ck_assert_int_eq(map_path(&table, "/tmp/x", out, sizeof(out)), MAP_KEEP);
	ck_assert_str_eq(out, "untouched");
}
END_TEST

START_TEST(test_bad_config)
{
	char root[PATH_MAX + 8];

	ck_assert_int_eq(map_table_build(&table, "relative/root", NULL, NULL), -EINVAL);
	ck_assert_int_eq(map_table_build(&table, "/tmp/../etc", NULL, NULL), -EINVAL);
	ck_assert_int_eq(map_table_build(&table, ROOT, "tmp", NULL), -EINVAL);
	memset(root, 'r', sizeof(root) - 1);
	root[0] = '/';
	root[sizeof(root) - 1] = '\0';
	ck_assert_int_eq(map_table_build(&table, root, NULL, NULL), -ENAMETOOLONG);
	/* A root that just fits but leaves no room for "/tmp". */
	root[PATH_MAX - 3] = '\0';
	ck_assert_int_eq(map_table_build(&table, root, NULL, NULL), -ENAMETOOLONG);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *suite = suite_create("shim_mapper");
	TCase *tc;

	tc = tcase_create("boundaries");
	tcase_add_test(tc, test_boundaries);
	suite_add_tcase(suite, tc);
	tc = tcase_create("normalise_leading");
	tcase_add_test(tc, test_normalise_leading);
	suite_add_tcase(suite, tc);
	tc = tcase_create("dotdot_not_collapsed");
	tcase_add_test(tc, test_dotdot_not_collapsed);
	suite_add_tcase(suite, tc);
	tc = tcase_create("dotdot_resolves_inside_root");
	tcase_add_test(tc, test_dotdot_resolves_inside_root);
	suite_add_tcase(suite, tc);
	tc = tcase_create("idempotent");
	tcase_add_test(tc, test_idempotent);
	suite_add_tcase(suite, tc);
	tc = tcase_create("relative_untouched");
	tcase_add_test(tc, test_relative_untouched);
	suite_add_tcase(suite, tc);
	tc = tcase_create("long_paths");
	tcase_add_test(tc, test_long_paths);
	suite_add_tcase(suite, tc);
	tc = tcase_create("custom_prefixes");
	tcase_add_test(tc, test_custom_prefixes);
	suite_add_tcase(suite, tc);
	tc = tcase_create("tmpjail_dir");
	tcase_add_test(tc, test_tmpjail_dir);
	suite_add_tcase(suite, tc);
	tc = tcase_create("socket_exceptions");
	tcase_add_test(tc, test_socket_exceptions);
	suite_add_tcase(suite, tc);
	tc = tcase_create("fast_reject");
	tcase_add_test(tc, test_fast_reject);
	suite_add_tcase(suite, tc);
	tc = tcase_create("without_root");
	tcase_add_test(tc, test_without_root);
	suite_add_tcase(suite, tc);
	tc = tcase_create("bad_config");
	tcase_add_test(tc, test_bad_config);
	suite_add_tcase(suite, tc);
	return suite;
}
