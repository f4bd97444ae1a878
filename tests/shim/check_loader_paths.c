/* SPDX-License-Identifier: MIT */
/*
 * Shared libraries in /tmp (issue 10, item 1): the dynamic loader opens
 * them with its own calls, which libtmpjail-loader.so maps. Each case runs
 * a script under tmpjail and natively with a scratch dir bind-mounted on
 * /tmp, and the two must print the same and exit alike.
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

/* Builds /tmp/$W/libf.so (f() returns 3) and m.c, which calls f(). */
#define MAKE_LIBF                                                                 \
	"set -e; mkdir /tmp/$W; cd /tmp/$W; "                                     \
	"echo 'int f(void){return 3;}' > f.c; gcc -shared -fPIC -o libf.so f.c; " \
	"echo 'int f(void); int main(void){return f();}' > m.c; "

/* The first reproducer of the issue, as written there. */
START_TEST(test_library_path)
{
	NT_REQUIRE_NATIVE();
	nt_compare(nt_unique(),
		   MAKE_LIBF "gcc -o m m.c -L/tmp/$W -lf; set +e; LD_LIBRARY_PATH=/tmp/$W ./m; "
			     "echo \"exit $?\"",
		   120, "exit 3");
}
END_TEST

/*
 * RUNPATH with two directories in /tmp that the real /tmp lacks, the
 * library needed first in the second one: ld.so marks a directory it
 * cannot open a candidate in as missing when the real one is, and would
 * then never look there again (loader_search.c).
 */
START_TEST(test_runpath_two_dirs)
{
	NT_REQUIRE_NATIVE();
	nt_compare(nt_unique(),
		   MAKE_LIBF
		   "mkdir x y; mv libf.so y/; "
		   "echo 'int g(void){return 4;}' > g.c; gcc -shared -fPIC -o x/libg.so g.c; "
		   "echo 'int f(void); int g(void); int main(void){return f()+g();}' > m.c; "
		   "gcc -o m m.c -Ly -Lx -lf -lg -Wl,--enable-new-dtags "
		   "-Wl,-rpath,/tmp/$W/x:/tmp/$W/y; "
		   "readelf -d m | grep -o 'RUNPATH.*'; set +e; ./m; echo \"exit $?\"",
		   120, "exit 7");
}
END_TEST

/* The same with the older DT_RPATH, and a library needing another. */
START_TEST(test_rpath)
{
	NT_REQUIRE_NATIVE();
	nt_compare(nt_unique(),
		   MAKE_LIBF
		   "mkdir x y; "
		   "echo 'int g(void){return 4;}' > g.c; gcc -shared -fPIC -o x/libg.so g.c; "
		   "echo 'int g(void); int f(void){return g()+1;}' > f.c; "
		   "gcc -shared -fPIC -o y/libf.so f.c -Lx -lg; "
		   "gcc -o m m.c -Ly -lf -Wl,--disable-new-dtags "
		   "-Wl,-rpath,/tmp/$W/y:/tmp/$W/x; "
		   "readelf -d m | grep -o 'RPATH.*'; set +e; ./m; echo \"exit $?\"",
		   120, "exit 5");
}
END_TEST

/* LD_PRELOAD naming a library in /tmp, and a program that dlopen()s one by
 * path and one by name through its RUNPATH. */
START_TEST(test_preload_and_dlopen)
{
	NT_REQUIRE_NATIVE();
	nt_compare(nt_unique(),
		   MAKE_LIBF
		   "echo '#include <stdio.h>' > p.c; "
		   "echo '__attribute__((constructor)) static void hi(void){puts(\"preloaded\");}' "
		   ">> p.c; gcc -shared -fPIC -o libp.so p.c; "
		   "mkdir lib; cp libf.so lib/libdl1.so; "
		   "printf '%s\\n' '#include <dlfcn.h>' '#include <stdio.h>' "
		   "'int main(int c, char **v){void *h = dlopen(v[1], RTLD_NOW);' "
		   "'if (!h) { puts(dlerror()); return 1; }' "
		   "'int (*f)(void) = (int (*)(void))dlsym(h, \"f\"); return f();}' > d.c; "
		   "gcc -o d d.c -ldl -Wl,--enable-new-dtags -Wl,-rpath,/tmp/$W/lib; set +e; "
		   "LD_PRELOAD=/tmp/$W/libp.so /bin/true; echo \"preload $?\"; "
		   "./d /tmp/$W/libf.so; echo \"by path $?\"; ./d libdl1.so; echo \"by name $?\"; "
		   "./d libnone.so; echo \"missing $?\"",
		   120,
		   "preloaded\npreload 0\nby path 3\nby name 3\nlibnone.so: cannot open shared "
		   "object file: No such file or directory\nmissing 1");
}
END_TEST

/* A CMake build tree in /tmp: the executable's absolute RUNPATH names the
 * build tree's library directory. */
START_TEST(test_cmake_build_tree)
{
	if (access("/usr/bin/cmake", X_OK) != 0)
		TJ_SKIP("needs cmake");
	NT_REQUIRE_NATIVE();
	nt_compare(nt_unique(),
		   "set -e; mkdir -p /tmp/$W/src/lib; cd /tmp/$W/src; "
		   "printf '%s\\n' 'cmake_minimum_required(VERSION 3.13)' 'project(p C)' "
		   "'add_subdirectory(lib)' 'add_executable(app app.c)' "
		   "'target_link_libraries(app foo)' > CMakeLists.txt; "
		   "echo 'add_library(foo SHARED foo.c)' > lib/CMakeLists.txt; "
		   "echo 'int foo(void){return 42;}' > lib/foo.c; "
		   "printf '%s\\n' '#include <stdio.h>' 'int foo(void);' "
		   "'int main(void){printf(\"foo %d\\n\", foo()); return 0;}' > app.c; "
		   "cmake -S . -B /tmp/$W-build > /dev/null; "
		   "cmake --build /tmp/$W-build > /dev/null; "
		   "readelf -d /tmp/$W-build/app | grep -o 'R.*PATH.*'; /tmp/$W-build/app",
		   300, "foo 42");
}
END_TEST

/*
 * Fail closed: with a root the module cannot trust (a symlink to one, or
 * none at all, as when the shim has yet to make its own), a library under
 * a redirected prefix is refused, never loaded from the real directory.
 * The prefix is a directory of the scratch tree (TMPJAIL_REDIRECT), so its
 * "real" side can hold a library without touching /tmp.
 */
START_TEST(test_untrusted_root_refused)
{
	const char *loader = getenv("TJ_LOADER");
	ck_assert_msg(loader && *loader, "TJ_LOADER is unset: tests/shim/CMakeLists.txt sets it");
	char scratch[PATH_MAX], script[4 * PATH_MAX];
	snprintf(scratch, sizeof(scratch), "%s", lu_scratch_make());
	/* pfx/libf.so returns 3 (the real one), root$pfx/libf.so 4. */
	snprintf(script, sizeof(script),
		 "set -e; cd '%s'; mkdir -p pfx \"root$PWD/pfx\"; ln -s root link; "
		 "echo 'int f(void){return 3;}' > f3.c; gcc -shared -fPIC -o pfx/libf.so f3.c; "
		 "echo 'int f(void){return 4;}' > f4.c; "
		 "gcc -shared -fPIC -o \"root$PWD/pfx/libf.so\" f4.c; "
		 "echo 'int f(void); int main(void){return f();}' > m.c; "
		 "gcc -o m m.c -Lpfx -lf -Wl,--enable-new-dtags -Wl,-rpath,$PWD/pfx; set +e; "
		 "run() { env -i LD_AUDIT='%s' TMPJAIL_REDIRECT=$PWD/pfx \"$@\" ./m 2>/dev/null; "
		 "echo $?; }; "
		 "run TMPJAIL_ROOT=$PWD/root; run TMPJAIL_ROOT=$PWD/link; run; "
		 "run TMPJAIL_ROOT=$PWD/root TMPJAIL_DIR=/elsewhere; "
		 "env -i LD_AUDIT='%s' TMPJAIL_REDIRECT=$PWD/pfx LD_PRELOAD=$PWD/pfx/libf.so "
		 "/bin/echo preload 2>&1 | grep -c 'cannot be preloaded'",
		 scratch, loader, loader);
	const char *argv[] = {"sh", "-c", script, NULL};
	char *out = NULL;
	int status = lu_run(argv, &out, 120);
	ck_assert_msg(status == 0 && strcmp(out, "4\n127\n127\n127\n1\n") == 0,
		      "expected the private library (4), then three refusals (127, never the "
		      "real library's 3), then a refused LD_PRELOAD entry; got (exit %d):\n%s",
		      status, out);
	free(out);
	lu_scratch_remove(scratch);
}
END_TEST

/*
 * tmpjail built or installed under /tmp: the loader module must not map
 * the shim's own path (LD_PRELOAD names the real /tmp), or the run starts
 * without the shim and writes to the real /tmp. Natively (a scratch dir on
 * /tmp, so nothing touches the real one): a copy of the build's launcher
 * and libraries in /tmp/$W runs a command, which must write to its private
 * /tmp, not to the /tmp the copy lives in.
 */
START_TEST(test_tmpjail_in_tmp)
{
	NT_REQUIRE_NATIVE();
	char script[4 * PATH_MAX];
	const char *loader = getenv("TJ_LOADER");
	ck_assert_msg(loader && *loader, "TJ_LOADER is unset: tests/shim/CMakeLists.txt sets it");
	char lib[PATH_MAX];
	snprintf(lib, sizeof(lib), "%s", loader);
	*strrchr(lib, '/') = '\0';
	snprintf(script, sizeof(script),
		 "set -e; mkdir -p /tmp/$W/bin /tmp/$W/lib; cp '%s' /tmp/$W/bin/; "
		 "cp '%s'/libtmpjail-*.so /tmp/$W/lib/; "
		 "/tmp/$W/bin/tmpjail -- sh -c 'echo hi > /tmp/$W-leak; cat /tmp/$W-leak'; "
		 "ls /tmp/$W; ls /tmp | grep -c leak || true",
		 lu_launcher(), lib);
	nt_compare(nt_unique(), script, 120, "hi\nbin\nlib\n0\n");
}
END_TEST

/*
 * The run audits with the module appended to the user's own audit module,
 * never replacing it; children keep the module after env -i (which drops
 * the user's, as it drops everything), and still find a library in /tmp.
 */
START_TEST(test_audit_kept_in_children)
{
	const char *loader = getenv("TJ_LOADER");
	ck_assert_msg(loader && *loader, "TJ_LOADER is unset: tests/shim/CMakeLists.txt sets it");
	char scratch[PATH_MAX], script[4 * PATH_MAX], expect[4 * PATH_MAX];
	snprintf(scratch, sizeof(scratch), "%s", lu_scratch_make());
	snprintf(script, sizeof(script),
		 "set -e; cd '%s'; echo 'unsigned la_version(unsigned v){return v;}' > a.c; "
		 "gcc -shared -fPIC -o libmine.so a.c; "
		 "LD_AUDIT=$PWD/libmine.so '%s' -- sh -c '"
		 "/usr/bin/env | grep ^LD_AUDIT; env -i /usr/bin/env | grep ^LD_AUDIT; "
		 "mkdir /tmp/l; echo \"int f(void){return 3;}\" > /tmp/l/f.c; "
		 "gcc -shared -fPIC -o /tmp/l/libf.so /tmp/l/f.c; "
		 "echo \"int f(void); int main(void){return f();}\" > /tmp/l/m.c; "
		 "gcc -o /tmp/l/m /tmp/l/m.c -L/tmp/l -lf; "
		 "env -i LD_LIBRARY_PATH=/tmp/l /tmp/l/m || echo $?'",
		 scratch, lu_launcher());
	snprintf(expect, sizeof(expect), "LD_AUDIT=%s/libmine.so:%s\nLD_AUDIT=%s\n3\n", scratch,
		 loader, loader);
	const char *argv[] = {"sh", "-c", script, NULL};
	char *out = NULL;
	int status = lu_run(argv, &out, 120);
	ck_assert_msg(status == 0 && strcmp(out, expect) == 0,
		      "expected (exit 0):\n%s\ngot (exit %d):\n%s", expect, status, out);
	free(out);
	lu_scratch_remove(scratch);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *suite = suite_create("shim_loader_paths");
	struct {
		TCase *tcase;
		const TTest *test;
	} cases[] = {
	    {tcase_create("library_path"), test_library_path},
	    {tcase_create("runpath_two_dirs"), test_runpath_two_dirs},
	    {tcase_create("rpath"), test_rpath},
	    {tcase_create("preload_and_dlopen"), test_preload_and_dlopen},
	    {tcase_create("cmake_build_tree"), test_cmake_build_tree},
	    {tcase_create("untrusted_root_refused"), test_untrusted_root_refused},
	    {tcase_create("tmpjail_in_tmp"), test_tmpjail_in_tmp},
	    {tcase_create("audit_kept_in_children"), test_audit_kept_in_children},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tcase_add_test(cases[i].tcase, cases[i].test);
		suite_add_tcase(suite, cases[i].tcase);
	}
	return suite;
}
