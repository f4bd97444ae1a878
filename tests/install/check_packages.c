/* SPDX-License-Identifier: MIT */
/*
 * The Debian packages (cmake/TmpjailPackage.cmake), built by `cpack -G DEB`
 * into TJ_PACKAGES by the fixture test packages_build: what each holds, what
 * each depends on, and that they work unpacked with dpkg -x into a scratch
 * root: tmpjail runs a command with a private /tmp, the plugin finds the
 * shim of the tmpjail package, and the example plugstack.conf.d line names
 * the plugin where the package put it. TJ_SLURM_PLUGIN is 1 when the plugin
 * was built (then its package must be there too).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <sys/stat.h>

#include "install_util.h"

/* The path of package @name's .deb in TJ_PACKAGES, in @buf. */
static void deb_path(char *buf, const char *name)
{
	snprintf(buf, PATH_MAX, "%s/%s_%s_amd64.deb", env("TJ_PACKAGES"), name, env("TJ_VERSION"));
	if (access(buf, R_OK) != 0) {
		/* Another architecture: find it by name. */
		char script[PATH_MAX + 128];
		snprintf(script, sizeof(script), "ls %s/%s_%s_*.deb | head -n1", env("TJ_PACKAGES"),
			 name, env("TJ_VERSION"));
		ck_assert_int_eq(run_sh(script, NULL, NULL), 0);
		snprintf(buf, PATH_MAX, "%.*s", (int)strcspn(out, "\n"), out);
	}
	ck_assert_msg(access(buf, R_OK) == 0, "no package %s in %s", name, env("TJ_PACKAGES"));
}

static bool slurm_plugin_built(void)
{
	return strcmp(env("TJ_SLURM_PLUGIN"), "1") == 0;
}

/* The files (not directories) package @name holds, one a line, as "./usr/...", in out. */
static void list_files(const char *name)
{
	char deb[PATH_MAX], script[PATH_MAX + 128];
	deb_path(deb, name);
	snprintf(script, sizeof(script), "dpkg-deb --fsys-tarfile '%s' | tar -t | grep -v '/$'",
		 deb);
	ck_assert_msg(run_sh(script, NULL, NULL) == 0, "cannot list %s", deb);
}

/* Whether a line of @listing matches the extended regular expression @pattern whole. */
static bool holds_line(const char *listing, const char *pattern)
{
	char anchored[512];
	regex_t re;
	snprintf(anchored, sizeof(anchored), "^%s$", pattern);
	ck_assert_int_eq(regcomp(&re, anchored, REG_EXTENDED | REG_NEWLINE | REG_NOSUB), 0);
	bool found = regexec(&re, listing, 0, NULL, 0) == 0;
	regfree(&re);
	return found;
}

/* Package @name holds a file matching each of @want (NULL-ended), and @count files in all. */
static void assert_holds(const char *name, const char *const want[], int count)
{
	list_files(name);
	int lines = 0;
	for (const char *p = out; *p; p = strchrnul(p, '\n') + (*strchrnul(p, '\n') != 0))
		lines++;
	for (size_t i = 0; want[i]; i++)
		ck_assert_msg(holds_line(out, want[i]), "%s lacks %s; it holds:\n%s", name, want[i],
			      out);
	ck_assert_msg(lines == count, "%s holds %d files, not %d:\n%s", name, lines, count, out);
}

START_TEST(test_contents)
{
	const char *runtime[] = {"./usr/bin/tmpjail",
				 "./usr/lib.*/libtmpjail-preload.so",
				 "./usr/lib.*/libtmpjail-loader.so",
				 "./usr/lib.*/tmpjail-trap-exec",
				 "./usr/lib.*/libtmpjail.so.0",
				 "./usr/lib.*/libtmpjail.so.0.*",
				 "./usr/share/man/man1/tmpjail.1.*",
				 "./usr/share/bash-completion/completions/tmpjail",
				 NULL};
	assert_holds("tmpjail", runtime, 8);
	const char *dev[] = {"./usr/include/tmpjail/tempfile.h",
			     "./usr/lib.*/libtmpjail.a",
			     "./usr/lib.*/libtmpjail.so",
			     "./usr/lib.*/pkgconfig/tmpjail.pc",
			     "./usr/lib.*/cmake/tmpjail/tmpjailConfig.cmake",
			     "./usr/lib.*/cmake/tmpjail/tmpjailConfigVersion.cmake",
			     "./usr/lib.*/cmake/tmpjail/tmpjailTargets.cmake",
			     "./usr/lib.*/cmake/tmpjail/tmpjailTargets-.*.cmake",
			     "./usr/share/man/man3/libtmpjail.3.*",
			     NULL};
	assert_holds("libtmpjail-dev", dev, 9);
	if (!slurm_plugin_built())
		return;
	const char *slurm[] = {
	    "./usr/lib.*/slurm-wlm/spank_tmpjail.so",
	    "./usr/share/doc/slurm-spank-tmpjail/examples/plugstack.conf.d/tmpjail.conf", NULL};
	assert_holds("slurm-spank-tmpjail", slurm, 2);
}
END_TEST

/* The Depends: field of package @name, in out. */
static void depends(const char *name)
{
	char deb[PATH_MAX];
	deb_path(deb, name);
	const char *argv[] = {"dpkg-deb", "--field", deb, "Depends", NULL};
	ck_assert_msg(run(argv, NULL, NULL) == 0, "dpkg-deb --field %s", deb);
}

START_TEST(test_depends)
{
	char want[256];
	depends("tmpjail");
	ck_assert_msg(strstr(out, "libseccomp2"), "tmpjail does not depend on libseccomp2: %s",
		      out);
	depends("libtmpjail-dev");
	snprintf(want, sizeof(want), "tmpjail (= %s)", env("TJ_VERSION"));
	ck_assert_msg(strstr(out, want), "libtmpjail-dev: %s, not %s", out, want);
	if (!slurm_plugin_built())
		return;
	depends("slurm-spank-tmpjail");
	ck_assert_msg(strstr(out, want), "slurm-spank-tmpjail: %s, not %s", out, want);
	/* Only the Slurm release the plugin was built for loads it. */
	const char *series = env("TJ_SLURM_SERIES"), *next = env("TJ_SLURM_NEXT_SERIES");
	snprintf(want, sizeof(want), "slurm-wlm-basic-plugins (>= %s)", series);
	ck_assert_msg(strstr(out, want), "slurm-spank-tmpjail: %s, not %s", out, want);
	snprintf(want, sizeof(want), "slurm-wlm-basic-plugins (<< %s)", next);
	ck_assert_msg(strstr(out, want), "slurm-spank-tmpjail: %s, not %s", out, want);
}
END_TEST

/* Unpack package @name into the scratch root. */
static void unpack(const char *name, const char *root)
{
	char deb[PATH_MAX];
	deb_path(deb, name);
	const char *argv[] = {"dpkg", "-x", deb, root, NULL};
	ck_assert_msg(run(argv, NULL, NULL) == 0, "dpkg -x %s", deb);
}

START_TEST(test_unpacked_runs)
{
	char root[PATH_MAX], launcher[PATH_MAX], script[512];
	join(root, scratch, "root");
	unpack("tmpjail", root);
	join(launcher, root, "usr/bin/tmpjail");
	snprintf(script, sizeof(script),
		 "echo packaged > %s; cat %s; echo \"shim=$TMPJAIL_PRELOAD\"", real_tmp_name,
		 real_tmp_name);
	const char *argv[] = {launcher, "--", "sh", "-c", script, NULL};
	int status = run(argv, NULL, NULL);
	ck_assert_msg(status == 0, "the packaged tmpjail exited %d:\n%s", status, out);
	ck_assert_msg(strncmp(out, "packaged\n", 9) == 0, "no read back:\n%s", out);
	ck_assert_msg(access(real_tmp_name, F_OK) != 0 && errno == ENOENT,
		      "%s was left in the real /tmp", real_tmp_name);
	/* The shim of the unpacked package, not the build tree's. */
	char real_root[PATH_MAX];
	ck_assert(realpath(root, real_root));
	char *shim = strstr(out, "shim=");
	ck_assert_msg(shim && strncmp(shim + 5, real_root, strlen(real_root)) == 0,
		      "the shim is not the package's:\n%s", out);
	const char *true_argv[] = {launcher, "--", "true", NULL};
	ck_assert_int_eq(run(true_argv, NULL, NULL), 0);
}
END_TEST

START_TEST(test_unpacked_plugin)
{
	if (!slurm_plugin_built())
		TJ_SKIP("the Slurm plugin was not built (no <slurm/spank.h>)");
	char root[PATH_MAX], script[PATH_MAX * 2];
	join(root, scratch, "root");
	unpack("tmpjail", root);
	unpack("slurm-spank-tmpjail", root);
	/* The example line names the plugin at its packaged path, below /usr. */
	snprintf(script, sizeof(script),
		 "cd '%s' && conf=usr/share/doc/slurm-spank-tmpjail/examples/plugstack.conf.d/"
		 "tmpjail.conf && line=$(grep -v '^#' \"$conf\") && set -- $line && "
		 "echo \"$1 $3\" && test -f \".$2\" && case $2 in /usr/*) ;; *) exit 3;; esac && "
		 "plugin=\".$2\" && test -f \"$(dirname \"$plugin\")/%s\" && echo shim-beside",
		 root, env("TJ_SHIM_FROM_PLUGIN"));
	int status = run_sh(script, NULL, NULL);
	ck_assert_msg(status == 0, "the example line or the shim beside the plugin (%d):\n%s",
		      status, out);
	ck_assert_msg(strcmp(out, "optional default=off\nshim-beside\n") == 0,
		      "the example line must be optional and off by default:\n%s", out);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *suite = suite_create("packages");
	add_case(suite, tcase_create("contents"), test_contents);
	add_case(suite, tcase_create("depends"), test_depends);
	add_case(suite, tcase_create("unpacked_runs"), test_unpacked_runs);
	add_case(suite, tcase_create("unpacked_plugin"), test_unpacked_plugin);
	return suite;
}
