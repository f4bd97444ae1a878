/* SPDX-License-Identifier: MIT */
/*
 * The trap (docs/trap.md): programs the shim cannot reach -- static C,
 * busybox, Go, raw system calls -- are redirected by the launcher's
 * seccomp supervisor. Each run happens in a private mount namespace where
 * a scratch directory is bind-mounted on /tmp and /var/tmp: that is the
 * "real /tmp" the run must leave empty (the private root lives in it and
 * is reaped), observed without ever looking at the host's /tmp. The
 * reference is the same program run natively on such a /tmp.
 */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher_util.h"
#include "tj_check.h"

#define TIMEOUT 120

/* Why no private mount namespace can be made here, or NULL. */
static const char *no_namespace(void)
{
	if (access("/usr/bin/unshare", X_OK) != 0)
		return "needs unshare(1) (util-linux) for a private /tmp";
	const char *probe[] = {"unshare", geteuid() == 0 ? "--mount" : "--map-root-user", "--mount",
			       "true", NULL};
	char *out = NULL;
	int status = lu_run(probe, &out, 30);
	free(out);
	return status == 0 ? NULL : "needs root or user namespaces for a private /tmp";
}

#define NEED_NAMESPACE()                           \
	do {                                       \
		const char *why_ = no_namespace(); \
		if (why_)                          \
			TJ_SKIP(why_);             \
	} while (0)

/* A program the suite built, from the environment, or skip. */
#define NEED_PROGRAM(var, name)                                                            \
	const char *var = getenv(name);                                                    \
	do {                                                                               \
		if (!var || !*var || access(var, X_OK) != 0)                               \
			TJ_SKIP("needs " name " (a program the suite builds): not built"); \
	} while (0)

/* One run in a namespace whose /tmp and /var/tmp are @realtmp. */
struct run {
	char realtmp[PATH_MAX];
	char *out;
	int status;
	int left; /* entries in the real /tmp afterwards */
	char left_names[1024];
};

/*
 * Run @cmd under tmpjail with @opts (@jail) or natively, on a fresh empty
 * "real /tmp". The working directory is "/".
 */
static void run_ns(struct run *r, bool jail, const char *const opts[], const char *const cmd[])
{
	static const char script[] = "mount --bind \"$1\" /tmp && mount --bind \"$1\" /var/tmp && "
				     "cd / || exit 99; shift; exec \"$@\"";
	const char *argv[64];
	size_t n = 0;
	snprintf(r->realtmp, sizeof(r->realtmp), "%s/tmp", lu_scratch_make());
	ck_assert_int_eq(mkdir(r->realtmp, 0700), 0);
	ck_assert_int_eq(chmod(r->realtmp, 01777), 0);
	argv[n++] = "unshare";
	argv[n++] = geteuid() == 0 ? "--mount" : "--map-root-user";
	argv[n++] = "--mount";
	argv[n++] = "--propagation";
	argv[n++] = "private";
	argv[n++] = "sh";
	argv[n++] = "-c";
	argv[n++] = script;
	argv[n++] = "sh";
	argv[n++] = r->realtmp;
	if (jail) {
		argv[n++] = lu_launcher();
		for (size_t i = 0; opts && opts[i]; i++)
			argv[n++] = opts[i];
		argv[n++] = "--";
	}
	for (size_t i = 0; cmd[i] && n < 63; i++)
		argv[n++] = cmd[i];
	argv[n] = NULL;
	r->out = NULL;
	r->status = lu_run(argv, &r->out, TIMEOUT);
	r->left = 0;
	r->left_names[0] = '\0';
	DIR *d = opendir(r->realtmp);
	ck_assert_msg(d, "cannot list %s", r->realtmp);
	for (struct dirent *e; (e = readdir(d));) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		r->left++;
		strncat(r->left_names, " ", sizeof(r->left_names) - strlen(r->left_names) - 1);
		strncat(r->left_names, e->d_name,
			sizeof(r->left_names) - strlen(r->left_names) - 1);
	}
	closedir(d);
}

static void run_free(struct run *r)
{
	free(r->out);
	char scratch[PATH_MAX];
	snprintf(scratch, sizeof(scratch), "%s", r->realtmp);
	*strrchr(scratch, '/') = '\0';
	lu_scratch_remove(scratch);
}

/* The run under tmpjail left nothing in the real /tmp (its root was reaped too). */
static void assert_clean(const struct run *r)
{
	ck_assert_msg(r->left == 0, "left in the real /tmp:%s\noutput:\n%s", r->left_names, r->out);
}

/*
 * Run @cmd under tmpjail @opts and natively: same output and status,
 * nothing left in the real /tmp, and the output holds @expect.
 */
/* The first line where @a and @b differ, both versions, into @buf. */
static const char *first_difference(const char *a, const char *b, char *buf, size_t size)
{
	const char *la = a, *lb = b;
	while (*a && *a == *b) {
		if (*a == '\n')
			la = a + 1, lb = b + 1;
		a++, b++;
	}
	snprintf(buf, size, "tmpjail: '%.*s'\nnative:  '%.*s'", (int)strcspn(la, "\n"), la,
		 (int)strcspn(lb, "\n"), lb);
	return buf;
}

/*
 * Run @cmd under tmpjail @opts and natively: same output and status,
 * nothing left in the real /tmp, and the output holds @expect.
 */
static void compare(const char *const opts[], const char *const cmd[], const char *expect)
{
	struct run jail, native;
	char diff[1024];
	run_ns(&jail, true, opts, cmd);
	run_ns(&native, false, NULL, cmd);
	ck_assert_msg(jail.status == native.status && strcmp(jail.out, native.out) == 0,
		      "exit %d under tmpjail, %d natively; first difference:\n%s", jail.status,
		      native.status, first_difference(jail.out, native.out, diff, sizeof(diff)));
	ck_assert_msg(strstr(native.out, expect), "no '%s' in:\n%.2000s", expect, native.out);
	assert_clean(&jail);
	run_free(&jail);
	run_free(&native);
}

/* Every family of calls, from a static C program. */
START_TEST(static_families)
{
	NEED_NAMESPACE();
	NEED_PROGRAM(probe, "TRAP_PROBE");
	compare(NULL, (const char *[]){probe, "families", "/tmp/W", NULL}, "rmdir dir: ok");
}
END_TEST

/* Bad and half-unmapped pointers: EFAULT as natively, and the supervisor goes on. */
START_TEST(static_bad_pointers)
{
	NEED_NAMESPACE();
	NEED_PROGRAM(probe, "TRAP_PROBE");
	compare(NULL, (const char *[]){probe, "badptr", "/tmp/W", NULL},
		"readlink bad buffer: EFAULT");
}
END_TEST

/* 8 threads hammering /tmp at once. */
START_TEST(static_threads)
{
	NEED_NAMESPACE();
	NEED_PROGRAM(probe, "TRAP_PROBE");
	compare(NULL, (const char *[]){probe, "hammer", "/tmp/W", NULL}, "hammer: 0 failures");
}
END_TEST

/* busybox-static's shell: cd into /tmp, relative paths, its applets forked. */
START_TEST(busybox_shell)
{
	NEED_NAMESPACE();
	if (access("/bin/busybox", X_OK) != 0)
		TJ_SKIP("needs busybox-static");
	static const char script[] =
	    "cd /tmp && echo x > f && cat f && pwd && ls && mkdir -p d/e && cd d/e && pwd && "
	    "echo y > g && cat /tmp/d/e/g && ls -la /tmp/d/e | wc -l && cd .. && pwd && "
	    "ln -s /tmp/f /tmp/l && cat /tmp/l && readlink /tmp/l && mv /tmp/l /tmp/d/l2 && "
	    "cd / && rm -r /tmp/d /tmp/f && ls -A /tmp /var/tmp && touch /var/tmp/kept && echo "
	    "done";
	compare(NULL, (const char *[]){"/bin/busybox", "sh", "-c", script, NULL}, "/tmp/d/e\ny\n");
}
END_TEST

/*
 * Links planted in the private /tmp that lead out of it: to "/", and
 * relative ones climbing past the root. The supervisor acts on the file a
 * mounted /tmp would name (the private /tmp again), never in the real
 * /tmp: each step is compared with a native run over a mounted /tmp.
 */
START_TEST(planted_links)
{
	NEED_NAMESPACE();
	if (access("/bin/busybox", X_OK) != 0)
		TJ_SKIP("needs busybox-static");
	static const char script[] =
	    "ln -s / /tmp/r && cat /tmp/r/etc/../etc/hostname > /tmp/h && echo read-up-ok && "
	    "echo made > /tmp/r/tmp/made && cat /tmp/made && ls /tmp/r/tmp/ && "
	    "mkdir -p /tmp/e/f && ln -s ../../../../../tmp/t /tmp/e/f/up && "
	    "echo climbed > /tmp/e/f/up && cat /tmp/t && cat /tmp/e/f/up && "
	    "chmod 600 /tmp/e/f/up && stat -c %a /tmp/t && "
	    "rm /tmp/r/tmp/made && mkdir /tmp/r/tmp/d && rmdir /tmp/r/var/tmp/../../tmp/d && "
	    "ls -A /tmp && echo done";
	compare(NULL, (const char *[]){"/bin/busybox", "sh", "-c", script, NULL},
		"read-up-ok\nmade\nh\nmade\nr\nclimbed\nclimbed\n600\ne\nh\nr\nt\ndone\n");
}
END_TEST

/*
 * A link to a magic link (/proc/self/root): in the supervisor it would
 * name the launcher's own root, so it is refused (ELOOP), and nothing
 * reaches the real /tmp through it.
 */
START_TEST(planted_magic_link)
{
	NEED_NAMESPACE();
	if (access("/bin/busybox", X_OK) != 0)
		TJ_SKIP("needs busybox-static");
	static const char script[] =
	    "ln -s /proc/self/root/tmp /tmp/p; echo x > /tmp/p/x; mkdir /tmp/p/d; "
	    "ln -s /dev/stdout /tmp/o; echo y > /tmp/o; echo end";
	struct run r;
	run_ns(&r, true, NULL, (const char *[]){"/bin/busybox", "sh", "-c", script, NULL});
	ck_assert_msg(strstr(r.out, "symbolic links") && strstr(r.out, "end\n"), "exit %d:\n%s",
		      r.status, r.out);
	assert_clean(&r);
	run_free(&r);
}
END_TEST

/*
 * posix_spawn(p) of a static program from a dynamic one: glibc's child
 * execs with its own call, which no wrapper sees; the shim starts the
 * helper beside it, which execs the program trapped. Same pid, same
 * argv[0] (busybox picks its applet by it).
 */
START_TEST(posix_spawn_static)
{
	NEED_NAMESPACE();
	if (access("/bin/busybox", X_OK) != 0 || access("/usr/bin/python3", X_OK) != 0)
		TJ_SKIP("needs busybox-static and python3");
	static const char script[] =
	    "import os\n"
	    "pid = os.posix_spawn('/bin/busybox', ['sh', '-c', 'echo $0 $$ > /tmp/ps'], "
	    "os.environ)\n"
	    "print(os.waitpid(pid, 0)[1], open('/tmp/ps').read() == 'sh %d\\n' % pid)\n"
	    "pid = os.posix_spawnp('busybox', ['busybox', 'sh', '-c', 'ls /tmp > /tmp/pp'],\n"
	    "                      os.environ)\n"
	    "print(os.waitpid(pid, 0)[1], open('/tmp/pp').read().split())\n"
	    "print(sorted(os.listdir('/tmp')))\n";
	compare(NULL, (const char *[]){"/usr/bin/python3", "-c", script, NULL},
		"0 True\n0 ['pp', 'ps']\n['pp', 'ps']\n");
}
END_TEST

/* What the report finds in the audit log @log: "kind path" per finding, sorted, once each. */
static char *findings_of(const char *log)
{
	char *out = NULL;
	lu_run((const char *[]){"sh", "-c",
				"\"$0\" --report \"$1\" | "
				"awk '/^(high|medium|low|info) /{print $2, $NF}' | sort -u",
				lu_launcher(), log, NULL},
	       &out, TIMEOUT);
	ck_assert_ptr_nonnull(out);
	return out;
}

/*
 * --audit: the supervisor writes the shim's audit lines for the calls it
 * redirects, so --report finds in a static program (busybox, trapped) what
 * it finds in a dynamic one (dash, under the shim) running the same script
 * (the same kinds on the same paths: rows differ only where dash runs
 * chmod as a program of its own).
 */
START_TEST(audit_of_trapped_calls)
{
	NEED_NAMESPACE();
	if (access("/bin/busybox", X_OK) != 0 || access("/bin/dash", X_OK) != 0)
		TJ_SKIP("needs busybox-static and dash");
	static const char script[] = "echo x > /tmp/fixed; mkdir /tmp/d; chmod 777 /tmp/d; "
				     "cat /tmp/fixed > /dev/null; rm /tmp/fixed";
	char *rows[2];
	const char *const cmds[2][5] = {{"/bin/busybox", "sh", "-c", script, NULL},
					{"/bin/dash", "-c", script, NULL}};
	for (int i = 0; i < 2; i++) {
		char log[PATH_MAX];
		snprintf(log, sizeof(log), "%s/audit-%d.jsonl", lu_scratch_make(), i);
		struct run r;
		run_ns(&r, true, (const char *[]){"--audit", log, NULL}, cmds[i]);
		ck_assert_msg(r.status == 0, "%s: exit %d:\n%s", cmds[i][0], r.status, r.out);
		assert_clean(&r);
		rows[i] = findings_of(log);
		run_free(&r);
	}
	ck_assert_msg(strstr(rows[0], "insecure-create") && strstr(rows[0], "/tmp/fixed"),
		      "busybox (trapped):\n%s", rows[0]);
	ck_assert_msg(strcmp(rows[0], rows[1]) == 0, "busybox (trapped):\n%s\ndash (shim):\n%s",
		      rows[0], rows[1]);
	free(rows[0]), free(rows[1]);
}
END_TEST

/*
 * A directory outside the root that the program swaps for a link while
 * the supervisor acts in it (review of a8935fc): the FIFO open made again
 * in a thread by its text path, and a last ".." pinned outside the root
 * without the prefix check, must never reach the real /tmp. It stays
 * empty, and keeps its mode (chmod of "sub/.." with sub -> $TMPJAIL_ROOT
 * would make it 0700).
 */
START_TEST(swapped_outside_dir)
{
	NEED_NAMESPACE();
	NEED_PROGRAM(probe, "TRAP_PROBE");
	char outside[PATH_MAX];
	snprintf(outside, sizeof(outside), "%s/out", lu_scratch_make());
	ck_assert_int_eq(mkdir(outside, 0777), 0);
	struct run r;
	run_ns(&r, true, NULL, (const char *[]){probe, "swaprace", outside, NULL});
	struct stat st;
	ck_assert_int_eq(stat(r.realtmp, &st), 0);
	ck_assert_msg(strstr(r.out, "swaprace done"), "exit %d:\n%s", r.status, r.out);
	ck_assert_msg((st.st_mode & 07777) == 01777, "the real /tmp's mode is now %o:\n%s",
		      st.st_mode & 07777, r.out);
	assert_clean(&r);
	run_free(&r);
	*strrchr(outside, '/') = '\0';
	lu_scratch_remove(outside);
}
END_TEST

/*
 * The supervisor binds on "/proc/self/fd/N/s" (review of a8935fc): the
 * address getsockname() then reports names the launcher's descriptor, and
 * a connect to it (the program's, or a client's it was handed to) fails.
 */
START_TEST(sockname_usable)
{
	if (geteuid() != 0)
		TJ_SKIP(
		    "needs root: an unprivileged supervisor binds from the pinned directory, by "
		    "the last name (docs/trap.md), which getsockname() then reports");
	NEED_NAMESPACE();
	NEED_PROGRAM(probe, "TRAP_PROBE");
	compare(NULL, (const char *[]){probe, "sockname", "/tmp/S", NULL},
		"connect to getsockname's address: ok");
}
END_TEST

/*
 * A link in /tmp to "/" (or one climbing to it): open(2) of "/tmp/r/" is
 * made as openat2(fd of "/", "") by the supervisor, ENOENT (review of a8935fc).
 */
START_TEST(open_link_to_top)
{
	NEED_NAMESPACE();
	if (access("/bin/busybox", X_OK) != 0)
		TJ_SKIP("needs busybox-static");
	static const char script[] = "ln -s / /tmp/r && ln -s ../.. /tmp/up && "
				     "ls /tmp/r/ >/dev/null && echo listed-r && "
				     "ls /tmp/up/ >/dev/null && echo listed-up";
	compare(NULL, (const char *[]){"/bin/busybox", "sh", "-c", script, NULL},
		"listed-r\nlisted-up\n");
}
END_TEST

/*
 * The root's own name with a ".." that climbs out of it: "$TMPJAIL_ROOT/../x"
 * is the real /tmp's. The shim maps it as the /tmp path it reads as
 * ("/tmp/x"); the trap let the kernel have it, and a static program wrote
 * the real /tmp. Trapped (busybox) and shim (dash) must agree, and leave
 * nothing in the real /tmp.
 */
START_TEST(root_name_climbing_out)
{
	NEED_NAMESPACE();
	if (access("/bin/busybox", X_OK) != 0 || access("/bin/dash", X_OK) != 0)
		TJ_SKIP("needs busybox-static and dash");
	static const char script[] =
	    "r=$TMPJAIL_ROOT; touch $r/../x $r/tmp/../../y && mkdir $r/../d && cd $r && "
	    "touch ../z && ln -s ../w $r/../l; ls /tmp | tr '\\n' ' '; echo";
	struct run r;
	const char *const cmds[2][5] = {{"/bin/busybox", "sh", "-c", script, NULL},
					{"/bin/dash", "-c", script, NULL}};
	char *out[2];
	for (int i = 0; i < 2; i++) {
		run_ns(&r, true, (const char *[]){"--trap", "auto", NULL}, cmds[i]);
		ck_assert_msg(r.status == 0, "%s: exit %d:\n%s", cmds[i][0], r.status, r.out);
		assert_clean(&r);
		out[i] = strdup(r.out);
		run_free(&r);
	}
	ck_assert_msg(strcmp(out[0], out[1]) == 0 && strstr(out[0], "d l x y z"),
		      "busybox (trapped): %s\ndash (shim): %s", out[0], out[1]);
	free(out[0]), free(out[1]);
}
END_TEST

/*
 * A caller with uid 0 and no capability (review of a8935fc): the root
 * supervisor acts for it without the capabilities it lacks, so a
 * directory of another user's, mode 0700, refuses it as natively.
 */
START_TEST(capless_root_caller)
{
	if (geteuid() != 0)
		TJ_SKIP("needs root (a uid-0 caller without capabilities)");
	NEED_NAMESPACE();
	if (access("/bin/busybox", X_OK) != 0 || access("/usr/bin/setpriv", X_OK) != 0)
		TJ_SKIP("needs busybox-static and setpriv");
	static const char script[] =
	    "mkdir /tmp/d && chown 65534 /tmp/d && chmod 700 /tmp/d && "
	    "/usr/bin/setpriv --bounding-set=-all --inh-caps=-all /bin/busybox sh -c "
	    "'grep CapEff /proc/self/status; touch /tmp/d/x 2>/dev/null && echo touched || echo "
	    "refused; "
	    "ls /tmp/d >/dev/null 2>&1 && echo listed || echo not-listed'";
	compare((const char *[]){"--trap", "all", NULL},
		(const char *[]){"/bin/busybox", "sh", "-c", script, NULL}, "refused\nnot-listed");
}
END_TEST

/*
 * review2 of b8ecafc: bind_name() checks the pinned directory against the
 * text "$ROOT/tmp/B/d" and then binds on that text. A directory swapped
 * for a link in between (here by a dynamic process under the shim, whose
 * calls never wait for the supervisor) makes the kernel follow a link the
 * program planted: /tmp/B/l -> /tmp/r/tmp, /tmp/r -> / is, followed from
 * the root, the real /tmp, and the socket is made there.
 */
START_TEST(bind_race_real_tmp)
{
	NEED_NAMESPACE();
	NEED_PROGRAM(probe, "TRAP_PROBE");
	NEED_PROGRAM(dynamic, "TRAP_PROBE_DYNAMIC");
	if (access("/bin/dash", X_OK) != 0)
		TJ_SKIP("needs dash");
	char script[3 * PATH_MAX];
	snprintf(script, sizeof(script),
		 "'%s' swapper /tmp/B & p=$!; '%s' bindrace /tmp/B; kill $p; wait", dynamic, probe);
	struct run r;
	run_ns(&r, true, NULL, (const char *[]){"/bin/dash", "-c", script, NULL});
	ck_assert_msg(strstr(r.out, "bindrace done"), "exit %d:\n%s", r.status, r.out);
	assert_clean(&r);
	run_free(&r);
}
END_TEST

/*
 * review2 of b8ecafc: relink_moved() runs after trap_result() has given
 * the supervisor its own ids back, so a link a non-root caller renamed
 * to another depth is made anew by root: it is root's now, and in the
 * sticky /tmp its owner can no longer remove it (natively: its own).
 */
START_TEST(relink_keeps_owner)
{
	if (geteuid() != 0)
		TJ_SKIP("needs root (a caller of another uid)");
	NEED_NAMESPACE();
	if (access("/bin/busybox", X_OK) != 0 || access("/usr/bin/setpriv", X_OK) != 0)
		TJ_SKIP("needs busybox-static and setpriv");
	static const char script[] =
	    "chmod 1777 /tmp; [ -z \"$TMPJAIL_ROOT\" ] || chmod 711 \"$TMPJAIL_ROOT\"; "
	    "mkdir /tmp/a && chmod 777 /tmp/a && "
	    "/usr/bin/setpriv --reuid 65534 --regid 65534 --clear-groups /bin/busybox sh -c "
	    "'ln -s ../x /tmp/a/l && mv /tmp/a/l /tmp/l && stat -c owner=%u /tmp/l; "
	    "rm /tmp/l && echo removed'";
	compare((const char *[]){"--trap", "all", NULL},
		(const char *[]){"/bin/busybox", "sh", "-c", script, NULL}, "owner=65534\nremoved");
}
END_TEST

/* A Go program: its own system calls. */
START_TEST(go_families)
{
	NEED_NAMESPACE();
	NEED_PROGRAM(probe, "TRAP_GO_PROBE");
	compare(NULL, (const char *[]){probe, "families", "/tmp/W", NULL}, "gone true");
}
END_TEST

/* Goroutines racing on os.MkdirTemp. */
START_TEST(go_mkdirtemp_race)
{
	NEED_NAMESPACE();
	NEED_PROGRAM(probe, "TRAP_GO_PROBE");
	compare(NULL, (const char *[]){probe, "race", "/tmp/W", NULL},
		"race: 800 unique, 800 listed, 0 errors");
}
END_TEST

/*
 * Trapped processes killed in the middle of a call (one waiting in the
 * open of a FIFO, threads hammering): the supervisor answers the next
 * calls, and the launcher holds no more descriptors than before.
 */
START_TEST(killed_mid_call)
{
	NEED_NAMESPACE();
	NEED_PROGRAM(probe, "TRAP_PROBE");
	if (access("/bin/busybox", X_OK) != 0)
		TJ_SKIP("needs busybox-static");
	char script[2048];
	snprintf(
	    script, sizeof(script),
	    "before=$(ls /proc/$PPID/fd | wc -l); mkfifo /tmp/p; "
	    "for i in 1 2 3; do cat /tmp/p & pid=$!; sleep 0.2; kill -9 $pid; wait $pid; done; "
	    "for i in 1 2 3 4 5; do %s hammer /tmp/h$i > /dev/null & pid=$!; "
	    "  sleep 0.0$i; kill -9 $pid; wait $pid; done; "
	    "echo after > /tmp/after && cat /tmp/after; "
	    "after=$(ls /proc/$PPID/fd | wc -l); echo \"fds $before $after\"; "
	    "[ $before -eq $after ] && echo same",
	    probe);
	struct run r;
	run_ns(&r, true, NULL, (const char *[]){"/bin/busybox", "sh", "-c", script, NULL});
	ck_assert_msg(r.status == 0 && strstr(r.out, "after\n") && strstr(r.out, "same\n"),
		      "exit %d:\n%s", r.status, r.out);
	assert_clean(&r);
	run_free(&r);
}
END_TEST

/*
 * A dynamic program's raw syscall(SYS_openat): --trap all redirects it;
 * under auto a dynamic program is not trapped (the shim's near-zero cost),
 * and the raw call reaches the real /tmp as before.
 */
START_TEST(raw_syscall_dynamic)
{
	NEED_NAMESPACE();
	NEED_PROGRAM(probe, "TRAP_PROBE_DYNAMIC");
	const char *cmd[] = {probe, "raw", "/tmp/raw", NULL};
	struct run r;
	run_ns(&r, true, (const char *[]){"--trap", "all", NULL}, cmd);
	ck_assert_msg(r.status == 0 && strstr(r.out, "raw openat: ok"), "exit %d:\n%s", r.status,
		      r.out);
	assert_clean(&r);
	run_free(&r);
	run_ns(&r, true, NULL, cmd);
	ck_assert_msg(r.status == 0 && r.left == 1 && strcmp(r.left_names, " raw") == 0,
		      "untrapped raw call: exit %d, left%s:\n%s", r.status, r.left_names, r.out);
	run_free(&r);
}
END_TEST

/* --trap off: a static program writes the real /tmp, as without the trap. */
START_TEST(trap_off)
{
	NEED_NAMESPACE();
	NEED_PROGRAM(probe, "TRAP_PROBE");
	const char *cmd[] = {probe, "create", "/tmp/static", NULL};
	struct run r;
	run_ns(&r, true, (const char *[]){"--trap", "off", NULL}, cmd);
	ck_assert_msg(r.status == 0 && strcmp(r.left_names, " static") == 0,
		      "--trap off: exit %d, left%s:\n%s", r.status, r.left_names, r.out);
	run_free(&r);
	run_ns(&r, true, NULL, cmd);
	ck_assert_msg(r.status == 0, "--trap auto: exit %d:\n%s", r.status, r.out);
	assert_clean(&r);
	run_free(&r);
}
END_TEST

/* --verbose says who is trapped and why. */
START_TEST(verbose_says_why)
{
	NEED_NAMESPACE();
	NEED_PROGRAM(probe, "TRAP_PROBE");
	NEED_PROGRAM(dynamic, "TRAP_PROBE_DYNAMIC");
	struct run r;
	run_ns(&r, true, (const char *[]){"-v", NULL},
	       (const char *[]){probe, "create", "/tmp/x", NULL});
	ck_assert_msg(strstr(r.out, "trap: ") && strstr(r.out, "statically linked") &&
			  strstr(r.out, "tmpjail: trap: installed"),
		      "%s", r.out);
	run_free(&r);
	run_ns(&r, true, (const char *[]){"-v", NULL},
	       (const char *[]){dynamic, "create", "/tmp/x", NULL});
	ck_assert_msg(strstr(r.out, "dynamically linked: the shim redirects it") &&
			  !strstr(r.out, "trap: installed"),
		      "%s", r.out);
	assert_clean(&r);
	run_free(&r);
}
END_TEST

/*
 * The set-id rule: a set-group-ID program of a group other than root is
 * trapped (and redirected, without its group); a set-user-ID root one is
 * not trapped and keeps its privilege.
 */
START_TEST(setid_rule)
{
	if (geteuid() != 0)
		TJ_SKIP("needs root (to make set-id copies of the probe)");
	NEED_NAMESPACE();
	NEED_PROGRAM(probe, "TRAP_PROBE");
	char dir[PATH_MAX], sgid[PATH_MAX + 8], suid[PATH_MAX + 8], cmd[4 * PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", lu_scratch_make());
	ck_assert_int_eq(chmod(dir, 0755), 0);
	snprintf(sgid, sizeof(sgid), "%s/sgid", dir);
	snprintf(suid, sizeof(suid), "%s/suid", dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && cp '%s' '%s'", probe, sgid, probe, suid);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(chown(sgid, 0, 65534), 0);
	ck_assert_int_eq(chmod(sgid, 02755), 0);
	ck_assert_int_eq(chmod(suid, 04755), 0);

	struct run r;
	run_ns(&r, true, (const char *[]){"-v", NULL},
	       (const char *[]){sgid, "create", "/tmp/g", NULL});
	ck_assert_msg(r.status == 0 && strstr(r.out, "set-group-ID to a group other than root"),
		      "exit %d:\n%s", r.status, r.out);
	assert_clean(&r);
	run_free(&r);
	run_ns(&r, true, (const char *[]){"-v", NULL},
	       (const char *[]){suid, "create", "/tmp/u", NULL});
	ck_assert_msg(r.status == 0 && strstr(r.out, "not trapped, to keep its privilege") &&
			  strcmp(r.left_names, " u") == 0,
		      "exit %d, left%s:\n%s", r.status, r.left_names, r.out);
	run_free(&r);
	lu_scratch_remove(dir);
}
END_TEST

/*
 * A --seccomp policy's errno wins over the trap (its rule's action takes
 * precedence over USER_NOTIF); what it allows is still redirected.
 */
START_TEST(seccomp_policy_first)
{
	NEED_NAMESPACE();
	if (access("/bin/busybox", X_OK) != 0)
		TJ_SKIP("needs busybox-static");
	char policy[PATH_MAX + 16];
	snprintf(policy, sizeof(policy), "%s/policy", lu_scratch_make());
	FILE *f = fopen(policy, "w");
	ck_assert_ptr_nonnull(f);
	fputs("mkdir errno EROFS\nmkdirat errno EROFS\n", f);
	fclose(f);
	struct run r;
	run_ns(&r, true, (const char *[]){"--seccomp", policy, NULL},
	       (const char *[]){"/bin/busybox", "sh", "-c",
				"mkdir /tmp/d; echo x > /tmp/f && cat /tmp/f", NULL});
	ck_assert_msg(r.status == 0 && strstr(r.out, "Read-only file system") &&
			  strstr(r.out, "x\n"),
		      "exit %d:\n%s", r.status, r.out);
	assert_clean(&r);
	run_free(&r);
	*strrchr(policy, '/') = '\0';
	lu_scratch_remove(policy);
}
END_TEST

/* --seal and the trap: the trapped program works in its private /tmp. */
START_TEST(seal_and_trap)
{
	NEED_NAMESPACE();
	NEED_PROGRAM(probe, "TRAP_PROBE");
	struct run r;
	run_ns(&r, true, (const char *[]){"--seal", NULL},
	       (const char *[]){probe, "hammer", "/tmp/W", NULL});
	if (strstr(r.out, "Landlock")) {
		run_free(&r);
		TJ_SKIP("needs Landlock for --seal");
	}
	ck_assert_msg(r.status == 0 && strstr(r.out, "hammer: 0 failures"), "exit %d:\n%s",
		      r.status, r.out);
	assert_clean(&r);
	run_free(&r);
}
END_TEST

/*
 * A link the program plants in its /tmp to a magic link (/proc/self/...)
 * is followed by the supervisor in the launcher: it must hand the program
 * none of the launcher's descriptors (its listener, its signalfd, ...).
 */
START_TEST(no_launcher_descriptors)
{
	NEED_NAMESPACE();
	NEED_PROGRAM(probe, "TRAP_PROBE");
	struct run r;
	run_ns(&r, true, NULL, (const char *[]){probe, "stealfds", "/tmp/W", NULL});
	ck_assert_msg(r.status == 0 && strstr(r.out, "rmdir: ok") && !strstr(r.out, "got "),
		      "exit %d:\n%s", r.status, r.out);
	assert_clean(&r);
	run_free(&r);
}
END_TEST

/*
 * Under --seal the supervisor is held to the program's seal: a link to
 * the launcher's view of the real /tmp (/proc/self/root/tmp) does not make
 * it create a directory there for the program.
 */
START_TEST(seal_holds_the_supervisor)
{
	NEED_NAMESPACE();
	if (access("/bin/busybox", X_OK) != 0)
		TJ_SKIP("needs busybox-static");
	struct run r;
	run_ns(&r, true, (const char *[]){"--seal", NULL},
	       (const char *[]){"/bin/busybox", "sh", "-c",
				"ln -s /proc/self/root/tmp /tmp/l && mkdir /tmp/l/escape; "
				"echo x > /tmp/l/file; echo mkdir done",
				NULL});
	if (strstr(r.out, "Landlock")) {
		run_free(&r);
		TJ_SKIP("needs Landlock for --seal");
	}
	ck_assert_msg(strstr(r.out, "mkdir done"), "exit %d:\n%s", r.status, r.out);
	assert_clean(&r);
	run_free(&r);
}
END_TEST

/* A connect waiting for a busy listener holds up no other call. */
START_TEST(waiting_connect)
{
	NEED_NAMESPACE();
	NEED_PROGRAM(probe, "TRAP_PROBE");
	compare(NULL, (const char *[]){probe, "busyconnect", "/tmp/W", NULL},
		"stat while a connect waits: ok");
}
END_TEST

/* A dynamic shell's static child: the shim traps it before the exec. */
START_TEST(static_child_of_dynamic)
{
	NEED_NAMESPACE();
	NEED_PROGRAM(probe, "TRAP_PROBE");
	char script[PATH_MAX + 64];
	snprintf(script, sizeof(script), "'%s' families /tmp/W", probe);
	compare(NULL, (const char *[]){"/bin/sh", "-c", script, NULL}, "rmdir dir: ok");
}
END_TEST

/* Trapped, dynamic, trapped again, and back: every level writes the private /tmp. */
START_TEST(exec_chain)
{
	NEED_NAMESPACE();
	if (access("/bin/busybox", X_OK) != 0)
		TJ_SKIP("needs busybox-static");
	static const char script[] =
	    "cd /tmp && echo 1 > one && /bin/sh -c 'echo 2 > /tmp/two && cd /tmp && "
	    "/bin/busybox sh -c \"cat one two && echo 3 > three\"' && cat /tmp/three && "
	    "touch /tmp/kept";
	compare(NULL, (const char *[]){"/bin/busybox", "sh", "-c", script, NULL}, "1\n2\n3\n");
}
END_TEST

/* ssh-agent is set-group-ID _ssh: trapped, its socket in the private /tmp, and ssh-add finds it. */
START_TEST(ssh_agent)
{
	NEED_NAMESPACE();
	if (access("/usr/bin/ssh-agent", X_OK) != 0 || access("/usr/bin/ssh-add", X_OK) != 0)
		TJ_SKIP("needs openssh-client");
	static const char script[] =
	    "eval $(ssh-agent -a /tmp/agent.sock) > /dev/null && echo \"$SSH_AUTH_SOCK\" && "
	    "ssh-add -l; echo \"ssh-add: $?\"; kill $SSH_AGENT_PID";
	compare(NULL, (const char *[]){"/bin/sh", "-c", script, NULL},
		"The agent has no identities.\nssh-add: 1\n");
}
END_TEST

/*
 * No door, no exec: a static child is refused rather than run untrapped
 * (the door named is not there), and the run has no door under the root.
 */
START_TEST(door_gone_fails_closed)
{
	NEED_NAMESPACE();
	NEED_PROGRAM(probe, "TRAP_PROBE");
	char script[PATH_MAX + 160];
	snprintf(script, sizeof(script),
		 "export TMPJAIL_TRAP=@no-such-door; '%s' create /tmp/untrapped; echo \"exit $?\"; "
		 "ls -A \"$TMPJAIL_ROOT\"",
		 probe);
	struct run r;
	run_ns(&r, true, NULL, (const char *[]){"/bin/sh", "-c", script, NULL});
	ck_assert_msg(strstr(r.out, "Permission denied") && strstr(r.out, "exit 126\ntmp\nvar\n"),
		      "exit %d:\n%s", r.status, r.out);
	assert_clean(&r);
	run_free(&r);
}
END_TEST

/* tmpjail in tmpjail: the inner one traps its static command. */
START_TEST(nested)
{
	NEED_NAMESPACE();
	if (access("/bin/busybox", X_OK) != 0)
		TJ_SKIP("needs busybox-static");
	struct run r;
	run_ns(&r, true, NULL,
	       (const char *[]){lu_launcher(), "--", "/bin/busybox", "sh", "-c",
				"cd /tmp && echo inner > f && cat /tmp/f && ls -A /tmp", NULL});
	ck_assert_msg(r.status == 0 && strcmp(r.out, "inner\nf\n") == 0, "exit %d:\n%s", r.status,
		      r.out);
	assert_clean(&r);
	run_free(&r);
}
END_TEST

/*
 * The command lowers its launcher's soft open-file limit step by step
 * while a trapped program makes every family of calls: each call gets an
 * answer (EMFILE at worst), none waits for ever. Before, a pidfd_open()
 * failing with EMFILE read as "the caller is gone" and was never answered
 * (the program hung in inotify_add_watch). The launcher raises the limit
 * again before reaping: nothing is left.
 */
START_TEST(supervisor_out_of_fds)
{
	NEED_NAMESPACE();
	NEED_PROGRAM(probe, "TRAP_PROBE");
	if (system("command -v prlimit > /dev/null && command -v timeout > /dev/null") != 0)
		TJ_SKIP("needs prlimit(1) (util-linux) and timeout(1) (coreutils)");
	char script[PATH_MAX + 256];
	snprintf(script, sizeof(script),
		 "for n in 32 16 14 13 12 11 10 9 8 7 6; do "
		 "prlimit --pid $PPID --nofile=$n: || exit 9; "
		 "timeout 20 '%s' families /tmp/d$n > /dev/null 2>&1; echo \"$n:$?\"; done",
		 probe);
	struct run r;
	run_ns(&r, true, (const char *[]){"--trap", "all", NULL},
	       (const char *[]){"/bin/sh", "-c", script, NULL});
	ck_assert_msg(r.status == 0 && strstr(r.out, "\n6:") && !strstr(r.out, ":124\n"),
		      "exit %d (n:status, 124 for a call never answered):\n%s", r.status, r.out);
	assert_clean(&r);
	run_free(&r);
}
END_TEST

/*
 * A kernel that takes no more filters (the process's budget of filter
 * instructions used up, as a sandbox that stacked its own may leave it):
 * a program the trap was meant for is not run at all, under all and
 * under auto, and a static child of a dynamic command is refused its
 * exec. Before, the command ran untrapped and created its file in the
 * real /tmp.
 */
START_TEST(untrappable_not_run)
{
	NEED_NAMESPACE();
	NEED_PROGRAM(probe, "TRAP_PROBE");
	const char *mode[] = {"all", "auto"};
	for (size_t i = 0; i < 2; i++) {
		struct run r;
		run_ns(&r, false, NULL,
		       (const char *[]){probe, "exhaust", lu_launcher(), "--trap", mode[i], "--",
					probe, "create", "/tmp/x", NULL});
		ck_assert_msg(r.status == 125 && strstr(r.out, "cannot trap") &&
				  !strstr(r.out, "create: ok"),
			      "--trap %s: exit %d:\n%s", mode[i], r.status, r.out);
		assert_clean(&r);
		run_free(&r);
	}
	char script[PATH_MAX + 64];
	snprintf(script, sizeof(script), "'%s' create /tmp/x; echo \"child $?\"", probe);
	struct run r;
	run_ns(
	    &r, false, NULL,
	    (const char *[]){probe, "exhaust", lu_launcher(), "--", "/bin/sh", "-c", script, NULL});
	ck_assert_msg(r.status == 0 && strstr(r.out, "child 126") && !strstr(r.out, "create: ok"),
		      "exit %d:\n%s", r.status, r.out);
	assert_clean(&r);
	run_free(&r);
}
END_TEST

/* Under an outer --trap all, an inner run's static command is trapped already: it runs. */
START_TEST(nested_under_all)
{
	NEED_NAMESPACE();
	if (access("/bin/busybox", X_OK) != 0)
		TJ_SKIP("needs busybox-static");
	struct run r;
	run_ns(&r, true, (const char *[]){"--trap", "all", NULL},
	       (const char *[]){lu_launcher(), "--", "/bin/busybox", "sh", "-c",
				"echo inner > /tmp/f && cat /tmp/f", NULL});
	ck_assert_msg(r.status == 0 && strcmp(r.out, "inner\n") == 0, "exit %d:\n%s", r.status,
		      r.out);
	assert_clean(&r);
	run_free(&r);
}
END_TEST

static void add_case(Suite *s, TCase *tc, const TTest *test)
{
	tcase_set_timeout(tc, 2 * TIMEOUT + 60);
	tcase_add_test(tc, test);
	suite_add_tcase(s, tc);
}

Suite *tj_suite(void)
{
	Suite *s = suite_create("trap");
	add_case(s, tcase_create("static_families"), static_families);
	add_case(s, tcase_create("static_bad_pointers"), static_bad_pointers);
	add_case(s, tcase_create("static_threads"), static_threads);
	add_case(s, tcase_create("busybox_shell"), busybox_shell);
	add_case(s, tcase_create("planted_links"), planted_links);
	add_case(s, tcase_create("planted_magic_link"), planted_magic_link);
	add_case(s, tcase_create("posix_spawn_static"), posix_spawn_static);
	add_case(s, tcase_create("audit_of_trapped_calls"), audit_of_trapped_calls);
	add_case(s, tcase_create("swapped_outside_dir"), swapped_outside_dir);
	add_case(s, tcase_create("sockname_usable"), sockname_usable);
	add_case(s, tcase_create("open_link_to_top"), open_link_to_top);
	add_case(s, tcase_create("capless_root_caller"), capless_root_caller);
	add_case(s, tcase_create("root_name_climbing_out"), root_name_climbing_out);
	add_case(s, tcase_create("bind_race_real_tmp"), bind_race_real_tmp);
	add_case(s, tcase_create("relink_keeps_owner"), relink_keeps_owner);
	add_case(s, tcase_create("go_families"), go_families);
	add_case(s, tcase_create("go_mkdirtemp_race"), go_mkdirtemp_race);
	add_case(s, tcase_create("killed_mid_call"), killed_mid_call);
	add_case(s, tcase_create("raw_syscall_dynamic"), raw_syscall_dynamic);
	add_case(s, tcase_create("trap_off"), trap_off);
	add_case(s, tcase_create("verbose_says_why"), verbose_says_why);
	add_case(s, tcase_create("setid_rule"), setid_rule);
	add_case(s, tcase_create("seccomp_policy_first"), seccomp_policy_first);
	add_case(s, tcase_create("seal_and_trap"), seal_and_trap);
	add_case(s, tcase_create("nested"), nested);
	add_case(s, tcase_create("static_child_of_dynamic"), static_child_of_dynamic);
	add_case(s, tcase_create("exec_chain"), exec_chain);
	add_case(s, tcase_create("ssh_agent"), ssh_agent);
	add_case(s, tcase_create("door_gone_fails_closed"), door_gone_fails_closed);
	add_case(s, tcase_create("waiting_connect"), waiting_connect);
	add_case(s, tcase_create("no_launcher_descriptors"), no_launcher_descriptors);
	add_case(s, tcase_create("seal_holds_the_supervisor"), seal_holds_the_supervisor);
	add_case(s, tcase_create("supervisor_out_of_fds"), supervisor_out_of_fds);
	add_case(s, tcase_create("untrappable_not_run"), untrappable_not_run);
	add_case(s, tcase_create("nested_under_all"), nested_under_all);
	return s;
}
