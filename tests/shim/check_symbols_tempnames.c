/* SPDX-License-Identifier: MIT */
/*
 * The temp-name entry points: the generated characters are written back
 * into the caller's template with its "/tmp/..." text kept, the file or
 * directory exists in the private dir under that name, tmpfile's anonymous
 * file lies in the private dir, and tmpnam/tempnam names are usable there.
 */
#include "common_shim.h"

/* Run calls_tempnames CALL BASE; returns what it printed as path=. */
static const char *make_name(struct tj_result *res, const char *call)
{
	tj_make_base();
	tj_call(res, "calls_tempnames", call, call, tj_j->real);
	tj_assert_ok(res, call);
	return tj_value(res->out, "path=");
}

/* The template kept BASE and the file it names is in the private dir. */
static void file_from_template(const char *call)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char prefix[TJ_PATH];
	const char *path = make_name(&res, call);
	tj_fmt(prefix, sizeof(prefix), "%s/s", tj_j->real);
	ck_assert_msg(strncmp(path, prefix, strlen(prefix)) == 0, "%s gave %s", call, path);
	tj_assert_private_content(path, "tjdata\n");
	tj_assert_no_residue();
	tj_result_free(&res);
}

START_TEST(test_mkstemp)
{
	file_from_template("mkstemp");
}
END_TEST

START_TEST(test_mkstemp64)
{
	file_from_template("mkstemp64");
}
END_TEST

START_TEST(test_mkostemp)
{
	file_from_template("mkostemp");
}
END_TEST

START_TEST(test_mkostemp64)
{
	file_from_template("mkostemp64");
}
END_TEST

START_TEST(test_mkstemps)
{
	file_from_template("mkstemps");
}
END_TEST

START_TEST(test_mkstemps64)
{
	file_from_template("mkstemps64");
}
END_TEST

START_TEST(test_mkostemps)
{
	file_from_template("mkostemps");
}
END_TEST

START_TEST(test_mkostemps64)
{
	file_from_template("mkostemps64");
}
END_TEST

START_TEST(test_mkdtemp)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	struct stat st;
	const char *path = make_name(&res, "mkdtemp");
	ck_assert_int_eq(lstat(tj_priv(path), &st), 0);
	ck_assert_msg(S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700,
		      "%s is not a 0700 directory (mode %o)", path, st.st_mode);
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/*
 * A name the run printed and created itself (O_EXCL). Names outside the
 * root are recorded as owned before anything else, so the teardown removes
 * them should the shim have let them reach the real /tmp.
 */
static void name_usable(const char *call, const char *want_prefix)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	const char *path = make_name(&res, call);
	if (strncmp(path, tj_j->root, strlen(tj_j->root)) != 0) {
		ck_assert_msg(strncmp(path, "/tmp/", 5) == 0, "%s gave %s", call, path);
		tj_own(path);
	}
	if (want_prefix) {
		char priv[TJ_PATH];
		tj_fmt(priv, sizeof(priv), "%s", tj_priv(want_prefix));
		ck_assert_msg(strncmp(path, want_prefix, strlen(want_prefix)) == 0 ||
				  strncmp(path, priv, strlen(priv)) == 0,
			      "%s gave %s, not under %s", call, path, want_prefix);
	}
	tj_assert_private_exists(path);
	tj_assert_no_residue();
	tj_result_free(&res);
}

START_TEST(test_mktemp)
{
	char prefix[TJ_PATH];
	tj_fmt(prefix, sizeof(prefix), "%s/m", tj_j->real);
	name_usable("mktemp", prefix);
}
END_TEST

START_TEST(test_tmpnam)
{
	name_usable("tmpnam", NULL);
}
END_TEST

START_TEST(test_tmpnam_r)
{
	name_usable("tmpnam_r", NULL);
}
END_TEST

/* tempnam(BASE, "tj"): BASE exists only in the private dir; an unmapped
 * tempnam would find no such directory and fall back to P_tmpdir. */
START_TEST(test_tempnam)
{
	char prefix[TJ_PATH];
	tj_fmt(prefix, sizeof(prefix), "%s/tj", tj_j->real);
	name_usable("tempnam", prefix);
}
END_TEST

static void anonymous_file(const char *call)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char want[TJ_PATH];
	tj_make_base();
	tj_call(&res, "calls_tempnames", call, call, tj_j->real);
	tj_assert_ok(&res, call);
	tj_fmt(want, sizeof(want), "%s/", tj_j->dir);
	const char *fdpath = tj_value(res.out, "fdpath=");
	ck_assert_msg(strncmp(fdpath, want, strlen(want)) == 0,
		      "%s made its file outside the private dir: %s", call, fdpath);
	tj_assert_no_residue();
	tj_result_free(&res);
}

START_TEST(test_tmpfile)
{
	anonymous_file("tmpfile");
}
END_TEST

START_TEST(test_tmpfile64)
{
	anonymous_file("tmpfile64");
}
END_TEST

Suite *tj_suite(void)
{
	Suite *s = suite_create("shim_symbols_tempnames");
	tj_add(s, tcase_create("mkstemp"), test_mkstemp);
	tj_add(s, tcase_create("mkstemp64"), test_mkstemp64);
	tj_add(s, tcase_create("mkostemp"), test_mkostemp);
	tj_add(s, tcase_create("mkostemp64"), test_mkostemp64);
	tj_add(s, tcase_create("mkstemps"), test_mkstemps);
	tj_add(s, tcase_create("mkstemps64"), test_mkstemps64);
	tj_add(s, tcase_create("mkostemps"), test_mkostemps);
	tj_add(s, tcase_create("mkostemps64"), test_mkostemps64);
	tj_add(s, tcase_create("mkdtemp"), test_mkdtemp);
	tj_add(s, tcase_create("mktemp"), test_mktemp);
	tj_add(s, tcase_create("tmpnam"), test_tmpnam);
	tj_add(s, tcase_create("tmpnam_r"), test_tmpnam_r);
	tj_add(s, tcase_create("tempnam"), test_tempnam);
	tj_add(s, tcase_create("tmpfile"), test_tmpfile);
	tj_add(s, tcase_create("tmpfile64"), test_tmpfile64);
	return s;
}
