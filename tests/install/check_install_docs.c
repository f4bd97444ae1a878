/* SPDX-License-Identifier: MIT */
/*
 * The documentation and the shell completion of the installed tree: the man
 * pages render without a groff warning and document every public function
 * and every --help option; bash completes what tmpjail takes. Each test
 * installs the build tree into its own scratch prefix and moves it first.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "install_util.h"

/* Render an installed man page with man -l; groff must not warn about it. */
static void render_man(const char *prefix, const char *rel, const char *title)
{
	char page[PATH_MAX], script[PATH_MAX + 128];
	join(page, prefix, rel);
	const char *vars[] = {"LC_ALL=C",     "MANWIDTH=80", "MAN_KEEP_FORMATTING",
			      "MANPAGER=cat", "PAGER=cat",   NULL};
	snprintf(script, sizeof(script), "\"%s\" -Tutf8 -ww -z -man '%s' 2>&1", env("TJ_GROFF"),
		 page);
	ck_assert_int_eq(run_sh(script, vars, NULL), 0);
	ck_assert_msg(out[0] == '\0', "groff warns about %s:\n%s", rel, out);

	const char *argv[] = {env("TJ_MAN"), "--nh", "--nj", "-l", page, NULL};
	int status = run(argv, vars, NULL);
	ck_assert_msg(status == 0, "man -l %s exited %d", rel, status);
	ck_assert_msg(strstr(out, title) != NULL, "man -l %s does not show %s:\n%s", rel, title,
		      out);
	ck_assert_msg(strstr(out, "SYNOPSIS") && strstr(out, "DESCRIPTION") &&
			  strstr(out, "EXAMPLES"),
		      "man -l %s lacks a section:\n%s", rel, out);
}

START_TEST(test_man_pages)
{
	char prefix[PATH_MAX], header[PATH_MAX], options[4096];
	static char text[sizeof(out)];
	if (!env("TJ_MAN")[0] || !env("TJ_GROFF")[0])
		TJ_SKIP("needs man(1) and groff (Debian: man-db, groff-base)");
	install_moved(prefix, "man");

	render_man(prefix, "share/man/man1/tmpjail.1", "TMPJAIL(1)");
	memcpy(text, out, sizeof(out));
	launcher_options(prefix, options, sizeof(options));
	assert_options_in(options, text, "tmpjail(1)");

	/* libtmpjail(3) documents every public function of the installed header. */
	render_man(prefix, "share/man/man3/libtmpjail.3", "LIBTMPJAIL(3)");
	memcpy(text, out, sizeof(out));
	join(header, prefix, "include/tmpjail/tempfile.h");
	FILE *file = fopen(header, "r");
	ck_assert_msg(file != NULL, "%s: %m", header);
	char line[256];
	int functions = 0;
	while (fgets(line, sizeof(line), file)) {
		char *api = strstr(line, "TF_API ");
		char *name = api ? strstr(api, "tf_") : NULL;
		if (!name || strncmp(line, "#define", 7) == 0)
			continue;
		name[strspn(name, "abcdefghijklmnopqrstuvwxyz_")] = '\0';
		ck_assert_msg(strstr(text, name) != NULL, "libtmpjail(3) does not document %s",
			      name);
		functions++;
	}
	fclose(file);
	ck_assert_int_ge(functions, 20);
}
END_TEST

/* Write @text to scratch/@name; @path gets the file's path. */
static void write_scratch_file(const char *name, const char *text, char *path)
{
	join(path, scratch, name);
	FILE *file = fopen(path, "w");
	ck_assert_msg(file != NULL, "%s: %m", path);
	ck_assert_int_eq(fputs(text, file) >= 0, 1);
	ck_assert_int_eq(fclose(file), 0);
}

/*
 * tmpjail(1) tells the truth about policy files: its example, copied from
 * the rendered page, is accepted by the installed launcher, and a mistake is
 * reported as the page says, FILE:LINE and exit 125.
 */
START_TEST(test_man_policy_example)
{
	char prefix[PATH_MAX], launcher[PATH_MAX], policy[PATH_MAX], script[3 * PATH_MAX];
	static char example[4096];
	if (!env("TJ_MAN")[0] || !env("TJ_GROFF")[0])
		TJ_SKIP("needs man(1) and groff (Debian: man-db, groff-base)");
	install_moved(prefix, "man");
	render_man(prefix, "share/man/man1/tmpjail.1", "TMPJAIL(1)");

	/* The example's lines are indented deeper than the text around them. */
	const char *start = strstr(out, "An example, vendor.policy:\n");
	ck_assert_msg(start != NULL, "no policy example in tmpjail(1):\n%s", out);
	start = strchr(start, '\n') + 1;
	size_t used = 0;
	for (const char *line = start; *line; line = strchrnul(line, '\n') + 1) {
		size_t len = (size_t)(strchrnul(line, '\n') - line);
		if (len == 0 && used == 0)
			continue;
		if (len < 8 || strncmp(line, "        ", 8) != 0)
			break;
		ck_assert(used + len + 1 < sizeof(example));
		memcpy(example + used, line, len);
		used += len;
		example[used++] = '\n';
		if (!line[len])
			break;
	}
	example[used] = '\0';
	ck_assert_msg(strstr(example, "include harden"), "example not found:\n%s", example);
	write_scratch_file("vendor.policy", example, policy);

	join(launcher, prefix, env("TJ_BINDIR"));
	join(launcher, launcher, "tmpjail");
	const char *argv[] = {launcher, "--seccomp", policy, "--", "true", NULL};
	int status = run(argv, NULL, NULL);
	ck_assert_msg(status == 0, "tmpjail(1)'s example policy is refused (%d):\n%s", status,
		      example);

	/* A mistake on line 2: reported with FILE:LINE, nothing run, 125. */
	write_scratch_file("bad.policy", "# a typo\nsockett allow\n", policy);
	snprintf(script, sizeof(script), "'%s' --seccomp '%s' -- echo ran 2>&1", launcher, policy);
	status = run_sh(script, NULL, NULL);
	ck_assert_int_eq(status, 125);
	char expected[PATH_MAX + 64];
	snprintf(expected, sizeof(expected), "tmpjail: %s:2: unknown system call 'sockett'",
		 policy);
	ck_assert_msg(strstr(out, expected) && !strstr(out, "ran"), "expected %s, got:\n%s",
		      expected, out);
}
END_TEST

/*
 * libtmpjail(3)'s first example, copied from the rendered page, builds
 * against the installed core and does what the page says: it writes a file
 * in a temporary directory and removes both.
 */
START_TEST(test_man_library_example)
{
	char prefix[PATH_MAX], source[PATH_MAX], work[PATH_MAX], libdir[PATH_MAX];
	static char example[8192];
	if (!env("TJ_MAN")[0] || !env("TJ_GROFF")[0])
		TJ_SKIP("needs man(1) and groff (Debian: man-db, groff-base)");
	install_moved(prefix, "man");
	render_man(prefix, "share/man/man3/libtmpjail.3", "LIBTMPJAIL(3)");

	/* From its first #include to the brace closing main(), which is
	 * indented as the #include is. */
	const char *start = strstr(out, "#include <stdio.h>");
	ck_assert_msg(start != NULL, "no example program in libtmpjail(3):\n%s", out);
	size_t indent = 0;
	while (start - indent > out && start[-(long)indent - 1] == ' ')
		indent++;
	const char *brace = start;
	while ((brace = strchr(brace, '\n')) &&
	       !(strspn(brace + 1, " ") == indent && brace[1 + indent] == '}'))
		brace++;
	ck_assert_msg(brace != NULL, "the example program has no end:\n%s", start);
	size_t len = (size_t)(strchr(brace + 1, '\n') - start) + 1;
	ck_assert(len < sizeof(example));
	memcpy(example, start, len);
	example[len] = '\0';
	write_scratch_file("example.c", example, source);
	join(work, scratch, "work");
	ck_assert_int_eq(mkdir(work, 0700), 0);

	char pc_dir[PATH_MAX], pc_var[PATH_MAX + 32], pc_libdir[PATH_MAX + 32],
	    tmpdir[PATH_MAX + 8];
	char library_path[PATH_MAX + 32], cc[PATH_MAX + 8], pkg_config[PATH_MAX + 16];
	join(libdir, prefix, env("TJ_LIBDIR"));
	join(pc_dir, libdir, "pkgconfig");
	snprintf(pc_var, sizeof(pc_var), "PKG_CONFIG_PATH=%s", pc_dir);
	snprintf(pc_libdir, sizeof(pc_libdir), "PKG_CONFIG_LIBDIR=%s", pc_dir);
	snprintf(library_path, sizeof(library_path), "LD_LIBRARY_PATH=%s", libdir);
	snprintf(tmpdir, sizeof(tmpdir), "TMPDIR=%s", work);
	snprintf(cc, sizeof(cc), "CC=%s", env("TJ_CC"));
	snprintf(pkg_config, sizeof(pkg_config), "PKG_CONFIG=%s", env("TJ_PKG_CONFIG"));
	const char *vars[] = {pc_var, pc_libdir, library_path, tmpdir, cc, pkg_config, NULL};
	int status = run_sh("set -e; \"$CC\" -Wall -Werror -o example example.c"
			    " $(\"$PKG_CONFIG\" --cflags --libs tmpjail); ./example",
			    vars, scratch);
	ck_assert_msg(status == 0, "libtmpjail(3)'s example failed (%d):\n%s\n%s", status, out,
		      example);
	ck_assert_msg(strncmp(out, "wrote ", 6) == 0 && strstr(out, work) && strstr(out, ".txt"),
		      "libtmpjail(3)'s example printed:\n%s", out);
	assert_only(scratch, "work", (const char *[]){NULL});
}
END_TEST

/*
 * Ask the installed completion what it offers, as bash would when Tab is
 * pressed: each "[case]" line is followed by the candidates for that line.
 */
static const char completion_script[] =
    "source \"$1\" || exit 3\n"
    "spec=$(complete -p tmpjail) || exit 4\n"
    "fn=${spec#*-F }; fn=${fn%% *}\n"
    "comp() {\n"
    "	COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1))\n"
    "	COMP_LINE=\"$*\"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()\n"
    "	\"$fn\" tmpjail \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"\n"
    "	printf '%s\\n' \"${COMPREPLY[@]}\"\n"
    "}\n"
    "echo '[opts]'; comp tmpjail --se\n"
    "echo '[all]'; comp tmpjail -\n"
    "echo '[preset]'; comp tmpjail --seccomp h\n"
    "echo '[list]'; comp tmpjail --seccomp harden,n\n"
    "echo '[policy]'; comp tmpjail --seccomp \"$2/po\"\n"
    "echo '[base]'; comp tmpjail --base \"$2/d\"\n"
    "echo '[audit]'; comp tmpjail --audit \"$2/d\"\n"
    "echo '[after--]'; comp tmpjail -- ech\n"
    "echo '[first]'; comp tmpjail -k ech\n"
    "echo '[cmdargs]'; comp tmpjail ls --se\n"
    "echo '[equals]'; comp tmpjail --seccomp = har\n"
    "echo '[equals-cmd]'; comp tmpjail --base = \"$2\" ech\n"
    "echo '[end]'\n";

/* The candidates printed after "[@name]", up to the next "[". */
static const char *completions(const char *name, char *buf, size_t size)
{
	char tag[32];
	snprintf(tag, sizeof(tag), "[%s]\n", name);
	const char *start = strstr(out, tag);
	ck_assert_msg(start != NULL, "no %s in:\n%s", tag, out);
	start += strlen(tag);
	size_t len = (size_t)(strchr(start, '[') - start);
	ck_assert(len < size);
	memcpy(buf, start, len);
	buf[len] = '\0';
	return buf;
}

static bool offers(const char *list, const char *word)
{
	size_t len = strlen(word);
	for (const char *p = list; *p; p = strchr(p, '\n') + 1)
		if (strncmp(p, word, len) == 0 && p[len] == '\n')
			return true;
	return false;
}

START_TEST(test_bash_completion)
{
	char prefix[PATH_MAX], file[PATH_MAX], path[PATH_MAX], list[4096], options[4096];
	install_moved(prefix, "completion");
	join(file, prefix, "share/bash-completion/completions/tmpjail");
	join(path, scratch, "dir");
	ck_assert_int_eq(mkdir(path, 0700), 0);
	join(path, scratch, "dfile");
	ck_assert_int_eq(close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)), 0);
	join(path, scratch, "policy.txt");
	ck_assert_int_eq(close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)), 0);

	const char *argv[] = {env("TJ_BASH"), "-c", completion_script, "bash", file, scratch, NULL};
	int status = run(argv, (const char *[]){"PATH=/usr/bin:/bin", NULL}, NULL);
	ck_assert_msg(status == 0, "bash completion script failed (%d):\n%s", status, out);

	completions("opts", list, sizeof(list));
	ck_assert_msg(offers(list, "--seal") && offers(list, "--seccomp") &&
			  offers(list, "--seccomp-log") && !offers(list, "--keep"),
		      "--se<Tab> offered:\n%s", list);
	completions("preset", list, sizeof(list));
	ck_assert_msg(offers(list, "harden") && !offers(list, "no-network"),
		      "--seccomp h<Tab> offered:\n%s", list);
	completions("list", list, sizeof(list));
	ck_assert_msg(offers(list, "harden,no-network"), "--seccomp harden,n<Tab>:\n%s", list);
	completions("policy", list, sizeof(list));
	join(path, scratch, "policy.txt");
	ck_assert_msg(offers(list, path), "--seccomp <file><Tab> offered:\n%s", list);
	completions("base", list, sizeof(list));
	join(path, scratch, "dir");
	ck_assert_msg(offers(list, path) && !strstr(list, "dfile"), "--base d<Tab>:\n%s", list);
	completions("audit", list, sizeof(list));
	join(path, scratch, "dfile");
	ck_assert_msg(offers(list, path), "--audit d<Tab> offered:\n%s", list);
	completions("after--", list, sizeof(list));
	ck_assert_msg(offers(list, "echo"), "tmpjail -- ech<Tab> offered:\n%s", list);
	completions("first", list, sizeof(list));
	ck_assert_msg(offers(list, "echo"), "tmpjail -k ech<Tab> offered:\n%s", list);
	completions("cmdargs", list, sizeof(list));
	ck_assert_msg(!offers(list, "--seal"), "options of tmpjail offered to ls:\n%s", list);
	completions("equals", list, sizeof(list));
	ck_assert_msg(offers(list, "harden"), "--seccomp=har<Tab> offered:\n%s", list);
	completions("equals-cmd", list, sizeof(list));
	ck_assert_msg(offers(list, "echo"), "tmpjail --base=DIR ech<Tab> offered:\n%s", list);

	completions("all", list, sizeof(list));
	launcher_options(prefix, options, sizeof(options));
	assert_options_in(options, list, "the bash completion");
}
END_TEST
Suite *tj_suite(void)
{
	Suite *suite = suite_create("install_docs");
	add_case(suite, tcase_create("man_pages"), test_man_pages);
	add_case(suite, tcase_create("man_policy_example"), test_man_policy_example);
	add_case(suite, tcase_create("man_library_example"), test_man_library_example);
	add_case(suite, tcase_create("bash_completion"), test_bash_completion);
	return suite;
}
