/* SPDX-License-Identifier: MIT */
/*
 * "#!" interpreters in /tmp (issue 10, item 2): the kernel reads the
 * interpreter's path itself, so the shim runs such chains as the kernel
 * would (shim/script.c). Each case runs a script under tmpjail and natively
 * with a scratch dir bind-mounted on /tmp; both must print the same (argv
 * and $0 included) and exit alike.
 */
#define _GNU_SOURCE
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launcher_util.h"
#include "native_tmp.h"
#include "tj_check.h"

/* /tmp/$W/show: an interpreter that prints its argv ($0 in brackets). */
#define MAKE_SHOW                                                                    \
	"set -e; mkdir /tmp/$W; cd /tmp/$W; "                                        \
	"printf '#!/bin/sh\\n[ \"$TJ_QUIET\" ] || echo \"[$0]\" \"$@\"\\n' > show; " \
	"chmod +x show; "

/* The second reproducer of the issue, nested: #!/tmp/i, whose #! is /bin/sh. */
START_TEST(test_nested_reproducer)
{
	NT_REQUIRE_NATIVE();
	nt_compare(
	    nt_unique(),
	    "mkdir /tmp/$W; printf '#!/bin/sh\\necho ok\\n' > /tmp/$W/i; chmod +x /tmp/$W/i; "
	    "printf '#!/tmp/'$W'/i\\n' > /tmp/$W/s; chmod +x /tmp/$W/s; /tmp/$W/s; "
	    "echo \"exit $?\"",
	    60, "ok\nexit 0");
}
END_TEST

/* The argument on the #! line, blanks around it, no final newline, a line
 * past the kernel's 256 bytes, and argv as the kernel builds it. */
START_TEST(test_line_arguments)
{
	NT_REQUIRE_NATIVE();
	nt_compare(nt_unique(),
		   MAKE_SHOW "printf '#!/tmp/'$W'/show  one  two \\t\\nbody\\n' > a; "
			     "printf '#! \\t/tmp/'$W'/show' > b; "
			     "printf '#!/tmp/'$W'/show %0300d\\n' 7 > c; "
			     "printf '#!/tmp/'$W'/show\\t\\n' > d; chmod +x a b c d; set +e; "
			     "./a x 'y z'; /tmp/$W/b; ./c | cut -c1-60; /tmp/$W/d q; "
			     "echo \"exit $?\"",
		   60, "[/tmp/");
}
END_TEST

/* A script in /tmp whose interpreter is not: $0 is the name the program
 * used, not the private dir's (the kernel was given the mapped path). */
START_TEST(test_script_in_tmp)
{
	NT_REQUIRE_NATIVE();
	nt_compare(nt_unique(),
		   "mkdir /tmp/$W; cd /tmp/$W; printf '#!/bin/sh\\necho \"$0 $*\"\\n' > s; "
		   "chmod +x s; /tmp/$W/s a; ./s b; cd /; /tmp/$W/../$W/s c",
		   60, "/s a\n./s b\n");
}
END_TEST

/* Five scripts deep run; six fail as the kernel fails them (ELOOP). An
 * interpreter that is missing, or a script without execute permission in
 * the chain, fail as natively too. */
START_TEST(test_depth_and_errors)
{
	NT_REQUIRE_NATIVE();
	nt_compare(nt_unique(),
		   MAKE_SHOW
		   "prev=/tmp/$W/show; for i in 1 2 3 4 5 6; do "
		   "printf '#!%s a%s\\n' $prev $i > s$i; chmod +x s$i; prev=/tmp/$W/s$i; "
		   "done; set +e; export TJ_QUIET=1; "
		   "./s4 x; echo \"4: $?\"; ./s5 x; echo \"5: $?\"; ./s6 x; echo \"6: $?\"; "
		   "printf '#!/tmp/'$W'/none\\n' > m; chmod +x m; ./m; echo \"m: $?\"; "
		   "chmod -x s2; ./s3; echo \"x: $?\"",
		   60, "4: 0");
}
END_TEST

/* execvp(3), execvpe(3) and posix_spawnp(3) through PATH=/tmp/$W/bin:...,
 * posix_spawn(3) by path, Python's subprocess (execve in a vfork child),
 * and a script without "#!" that execvp() hands to /bin/sh (ENOEXEC), as
 * glibc does. */
START_TEST(test_path_search_and_spawn)
{
	NT_REQUIRE_NATIVE();
	const char *helper = getenv("TJ_EXEC_HELPER");
	ck_assert_msg(helper && *helper,
		      "TJ_EXEC_HELPER is unset: tests/shim/CMakeLists.txt sets it");
	char script[2048];
	snprintf(script, sizeof(script),
		 MAKE_SHOW
		 "mkdir bin; printf '#!/tmp/'$W'/show -x\\n' > bin/tool; "
		 "printf 'echo plain \"$0\" \"$@\"\\n' > bin/plain; chmod +x bin/tool bin/plain; "
		 "export PATH=/tmp/$W/bin:$PATH; set +e; h='%s'; "
		 "for call in execvp execvpe posix_spawnp; do $h $call tool 1; "
		 "$h $call plain 2; done; $h posix_spawn /tmp/$W/bin/tool 3; "
		 "$h execv /tmp/$W/bin/tool 4; $h posix_spawnp nothere 5; "
		 "python3 -c 'import subprocess; subprocess.run([\"tool\", \"6\"])'",
		 helper);
	nt_compare(nt_unique(), script, 60, "bin/tool 6");
}
END_TEST

/* A virtualenv in /tmp: every console script starts #!/tmp/.../bin/python. */
START_TEST(test_venv)
{
	NT_REQUIRE_NATIVE();
	const char *probe[] = {"python3", "-c", "import venv", NULL};
	if (lu_run(probe, NULL, 60) != 0)
		TJ_SKIP("needs python3 with the venv module");
	const char *ensurepip[] = {"python3", "-c", "import ensurepip", NULL};
	if (lu_run(ensurepip, NULL, 60) == 0) {
		nt_compare(nt_unique(),
			   "mkdir /tmp/$W; python3 -m venv /tmp/$W/venv > /dev/null; "
			   "/tmp/$W/venv/bin/pip --version; echo \"exit $?\"",
			   300, "/venv/lib/");
		return;
	}
	/* No ensurepip (Debian without python3-venv's wheels): a hand-written
	 * console script whose #! is the venv's python, as pip would write it. */
	nt_compare(
	    nt_unique(),
	    "mkdir /tmp/$W; python3 -m venv --without-pip /tmp/$W/venv; "
	    "printf '#!/tmp/'$W'/venv/bin/python\\nimport sys\\nprint(sys.prefix, sys.argv)\\n'"
	    " > /tmp/$W/venv/bin/tool; chmod +x /tmp/$W/venv/bin/tool; "
	    "/tmp/$W/venv/bin/tool a; echo \"exit $?\"",
	    120, "/venv ['/tmp/");
}
END_TEST

Suite *tj_suite(void)
{
	Suite *suite = suite_create("shim_interpreters");
	struct {
		TCase *tcase;
		const TTest *test;
	} cases[] = {
	    {tcase_create("nested_reproducer"), test_nested_reproducer},
	    {tcase_create("line_arguments"), test_line_arguments},
	    {tcase_create("script_in_tmp"), test_script_in_tmp},
	    {tcase_create("depth_and_errors"), test_depth_and_errors},
	    {tcase_create("path_search_and_spawn"), test_path_search_and_spawn},
	    {tcase_create("venv"), test_venv},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tcase_add_test(cases[i].tcase, cases[i].test);
		suite_add_tcase(suite, cases[i].tcase);
	}
	return suite;
}
