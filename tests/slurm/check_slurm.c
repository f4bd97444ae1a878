/* SPDX-License-Identifier: MIT */
/*
 * The Slurm plugin on a real single-node cluster (cluster.sh, started as a
 * CTest fixture): jobs submitted with srun and sbatch, as root and as an
 * unprivileged user, get a private /tmp and /var/tmp that is gone after the
 * step, also when the job is cancelled, hits its time limit or leaves a
 * daemon; and a job cannot make slurmstepd's removal reach outside its root.
 * The real /tmp and /var/tmp are checked by names only these tests use
 * (other runs live there too).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "launcher_util.h"
#include "slurm_util.h"
#include "tj_check.h"

/* Seconds a step's root may take to disappear after srun or scancel returned. */
#define GONE_TIMEOUT 30

/* Assert the real /tmp and /var/tmp have nothing named @name. */
static void assert_real_tmp_untouched(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "/tmp/%s", name);
	ck_assert_msg(!lu_exists(path), "%s exists in the real /tmp", path);
	snprintf(path, sizeof(path), "/var/tmp/%s", name);
	ck_assert_msg(!lu_exists(path), "%s exists in the real /var/tmp", path);
}

/* Assert @root was the step's root in the base and is gone. */
static void assert_root_reaped(const char *root, const char *out)
{
	ck_assert_msg(su_in_base(root), "no root of the base in the job's output: %s", out);
	ck_assert_msg(su_wait_gone(root, GONE_TIMEOUT), "%s is still there %d s after the step",
		      root, GONE_TIMEOUT);
}

/* Skip unless the user nobody exists, and reaches the cluster's files and
 * the launcher in the build tree; Slurm runs its jobs as that user. */
static char nobody_conf[4096];
#define NEED_NOBODY()                                                           \
	do {                                                                    \
		if (!getpwnam("nobody"))                                        \
			TJ_SKIP("needs the user nobody");                       \
		snprintf(nobody_conf, sizeof(nobody_conf), "%s/etc/slurm.conf", \
			 getenv("TJ_CLUSTER"));                                 \
		TJ_NEED_REACHABLE(nobody_conf);                                 \
		TJ_NEED_REACHABLE(getenv("TMPJAIL_BIN"));                       \
	} while (0)

START_TEST(legacy_script_gets_private_tmp)
{
	SU_NEED_CLUSTER();
	const char *name = su_unique("legacy");
	char *out = NULL;
	/* A script as old batch scripts are: fixed names in /tmp and /var/tmp, mktemp. */
	int status = su_sh(&out, 60,
			   "cat > %1$s.sh <<'EOF'\n"
			   "#!/bin/sh\n"
			   "echo data > /tmp/$1 && echo more > /var/tmp/$1 || exit 3\n"
			   "echo \"ROOT=$TMPJAIL_ROOT\"\n"
			   "echo \"TMP=$(cat /tmp/$1)\"\n"
			   "echo \"VARTMP=$(cat /var/tmp/$1)\"\n"
			   "echo \"MKTEMP=$(mktemp)\"\n"
			   "EOF\n"
			   "chmod +x %1$s.sh && srun --tmpjail=audit=%1$s.log ./%1$s.sh %1$s && "
			   "grep -q '\"path\":\"/var/tmp/%1$s\"' %1$s.log && echo AUDIT=yes",
			   name);
	char *root = su_line(out, "ROOT"), *tmp = su_line(out, "TMP");
	char *var_tmp = su_line(out, "VARTMP"), *made = su_line(out, "MKTEMP");
	char *audit = su_line(out, "AUDIT");
	ck_assert_msg(status == 0, "srun --tmpjail: exit %d: %s", status, out);
	ck_assert_msg(audit, "audit=FILE, relative to the job's directory, has no /var/tmp: %s",
		      out);
	ck_assert_msg(tmp && strcmp(tmp, "data") == 0, "/tmp read back: %s", out);
	ck_assert_msg(var_tmp && strcmp(var_tmp, "more") == 0, "/var/tmp read back: %s", out);
	/* mktemp follows TMPDIR into the root. */
	ck_assert_msg(root && made && strncmp(made, root, strlen(root)) == 0,
		      "mktemp made %s outside the root %s", made, root);
	assert_real_tmp_untouched(name);
	assert_root_reaped(root, out);
	free(root), free(tmp), free(var_tmp), free(made), free(audit), free(out);
}
END_TEST

START_TEST(two_tasks_share_one_root)
{
	SU_NEED_CLUSTER();
	const char *name = su_unique("tasks");
	char *out = NULL;
	/* Each task writes its file and waits to see the other's. */
	int status = su_sh(&out, 60,
			   "srun --tmpjail -n2 -O sh -c '"
			   "echo x > /tmp/%1$s-$SLURM_PROCID; i=0; "
			   "while [ $i -lt 100 ] && ! [ -e /tmp/%1$s-0 -a -e /tmp/%1$s-1 ]; do "
			   "sleep 0.1; i=$((i+1)); done; "
			   "[ -e /tmp/%1$s-0 -a -e /tmp/%1$s-1 ] && echo SAW$SLURM_PROCID=both; "
			   "echo ROOT$SLURM_PROCID=$TMPJAIL_ROOT'",
			   name);
	char *root0 = su_line(out, "ROOT0"), *root1 = su_line(out, "ROOT1");
	char *saw0 = su_line(out, "SAW0"), *saw1 = su_line(out, "SAW1");
	ck_assert_msg(status == 0, "srun -n2: exit %d: %s", status, out);
	ck_assert_msg(root0 && root1 && strcmp(root0, root1) == 0, "two roots: %s", out);
	ck_assert_msg(saw0 && saw1, "a task did not see the other's file: %s", out);
	char other[256];
	snprintf(other, sizeof(other), "%s-0", name);
	assert_real_tmp_untouched(other);
	assert_root_reaped(root0, out);
	free(root0), free(root1), free(saw0), free(saw1), free(out);
}
END_TEST

/* Read the first line of @file in the results directory, waiting up to @timeout s. */
static char *read_result(const char *file, int timeout)
{
	char *out = NULL;
	su_sh(&out, timeout + 5,
	      "i=0; while [ ! -s %s ] && [ $i -lt %d ]; do sleep 0.1; i=$((i+1)); done; "
	      "echo \"V=$(head -n1 %s 2>/dev/null)\"",
	      file, timeout * 10, file);
	char *value = su_line(out, "V");
	free(out);
	if (value && !value[0]) {
		free(value);
		value = NULL;
	}
	return value;
}

START_TEST(sbatch_daemon_outlives_the_step)
{
	SU_NEED_CLUSTER();
	const char *name = su_unique("daemon");
	char *out = NULL;
	/*
	 * The job leaves a setsid daemon (proctrack/linuxproc does not follow
	 * it) that writes into the root's /tmp, where its cwd is, while the
	 * step is reaped, and into /tmp once more after that.
	 */
	int status =
	    su_sh(&out, 60,
		  "cat > %1$s.sbatch <<EOF\n"
		  "#!/bin/sh\n"
		  "#SBATCH --tmpjail\n"
		  "echo \"\\$TMPJAIL_ROOT\" > $PWD/%1$s.root\n"
		  "echo job > /tmp/%1$s\n"
		  "setsid sh -c 'cd /tmp || exit; echo \\$\\$ > $PWD/%1$s.pid; i=0; "
		  "while [ \\$i -lt 2000 ] && { echo \\$i > f\\$i; } 2>/dev/null; do "
		  "i=\\$((i+1)); sleep 0.01; done; echo \\$i > $PWD/%1$s.writes; sleep 1; "
		  "if { echo late > /tmp/%1$s-late; } 2>/dev/null; then echo wrote; "
		  "else echo refused; fi > $PWD/%1$s.late' </dev/null >/dev/null 2>&1 &\n"
		  /* Until it has its own session: the step's end kills its process group. */
		  "while [ ! -s $PWD/%1$s.pid ]; do sleep 0.05; done\n"
		  "EOF\n"
		  "sbatch --parsable -o /dev/null %1$s.sbatch",
		  name);
	ck_assert_msg(status == 0, "sbatch: exit %d: %s", status, out);
	char file[256];
	snprintf(file, sizeof(file), "%s.root", name);
	char *root = read_result(file, 30);
	snprintf(file, sizeof(file), "%s.late", name);
	char *late = read_result(file, 30);
	snprintf(file, sizeof(file), "%s.writes", name);
	char *writes = read_result(file, 1);
	snprintf(file, sizeof(file), "%s.pid", name);
	char *pid = read_result(file, 1);
	if (pid && atoi(pid) > 1)
		kill(atoi(pid), SIGKILL); /* the daemon this test started, if still there */
	ck_assert_msg(late && strcmp(late, "refused") == 0, "the daemon's write after the step: %s",
		      late ? late : "(nothing)");
	/* Its writes stopped because the root went away under it, not because it was done. */
	ck_assert_msg(writes && atoi(writes) < 2000, "the daemon wrote %s files", writes);
	/* Reaped while the daemon wrote, and not made again by its late write. */
	assert_root_reaped(root, root ? root : "(no root)");
	char late_name[256];
	snprintf(late_name, sizeof(late_name), "%s-late", name);
	assert_real_tmp_untouched(name);
	assert_real_tmp_untouched(late_name);
	free(root), free(late), free(writes), free(pid), free(out);
}
END_TEST

START_TEST(srun_inside_sbatch_gets_its_own_root)
{
	SU_NEED_CLUSTER();
	const char *name = su_unique("steps");
	char *out = NULL;
	/* sbatch passes a plain --tmpjail on to the job's sruns through the environment. */
	int status =
	    su_sh(&out, 60,
		  "sbatch --parsable --wait --tmpjail -o %1$s.out --wrap "
		  "'echo \"BATCH=$TMPJAIL_ROOT\"; srun sh -c \"echo STEP=\\$TMPJAIL_ROOT\"'; "
		  "s=$?; cat %1$s.out; exit $s",
		  name);
	char *batch = su_line(out, "BATCH"), *step = su_line(out, "STEP");
	ck_assert_msg(status == 0, "the job: exit %d: %s", status, out);
	ck_assert_msg(su_in_base(batch) && su_in_base(step) && strcmp(batch, step) != 0,
		      "the batch script and its step need roots of their own: %s", out);
	assert_root_reaped(step, out);
	assert_root_reaped(batch, out);
	free(batch), free(step), free(out);
}
END_TEST

START_TEST(scancel_mid_run_reaps)
{
	SU_NEED_CLUSTER();
	const char *name = su_unique("cancel");
	char *out = NULL;
	int status = su_sh(&out, 30,
			   "sbatch --parsable --tmpjail -o /dev/null --wrap "
			   "'echo x > /tmp/%1$s; echo \"$TMPJAIL_ROOT\" > %1$s.root; sleep 300'",
			   name);
	ck_assert_msg(status == 0, "sbatch: exit %d: %s", status, out);
	char *job = strndup(out, strcspn(out, "\n;"));
	char file[256];
	snprintf(file, sizeof(file), "%s.root", name);
	char *root = read_result(file, 30);
	ck_assert_msg(root && lu_exists(root), "the running job's root %s", root);
	free(out);
	status = su_sh(&out, 30, "scancel %s", job);
	ck_assert_msg(status == 0, "scancel: exit %d: %s", status, out);
	assert_root_reaped(root, root);
	assert_real_tmp_untouched(name);
	free(job), free(root), free(out);
}
END_TEST

START_TEST(time_limit_reaps)
{
	SU_NEED_CLUSTER();
	const char *name = su_unique("timelimit");
	char *out = NULL;
	/* One minute is the shortest limit Slurm has. */
	int status =
	    su_sh(&out, 30,
		  "sbatch --parsable --tmpjail --time=1 -o /dev/null --wrap "
		  "'echo \"$TMPJAIL_ROOT\" > %1$s.root; echo x > /var/tmp/%1$s; sleep 600'",
		  name);
	ck_assert_msg(status == 0, "sbatch: exit %d: %s", status, out);
	char file[256];
	snprintf(file, sizeof(file), "%s.root", name);
	char *root = read_result(file, 30);
	ck_assert_msg(root && lu_exists(root), "the running job's root %s", root);
	ck_assert_msg(su_wait_gone(root, 150), "%s is still there 150 s after a 1 min limit", root);
	assert_real_tmp_untouched(name);
	free(root), free(out);
}
END_TEST

START_TEST(unprivileged_user_owns_its_root)
{
	SU_NEED_CLUSTER();
	NEED_NOBODY();
	const char *name = su_unique("nobody");
	char *out = NULL;
	int status =
	    su_sh(&out, 60,
		  "runuser -u nobody -- srun --tmpjail sh -c '"
		  "echo \"ROOT=$TMPJAIL_ROOT\"; stat -c \"MODE=%%U %%a\" \"$TMPJAIL_ROOT\"; "
		  "echo x > /tmp/%1$s && echo x > /var/tmp/%1$s && echo WROTE=yes; "
		  "echo \"UID=$(id -u)\"; mkdir -p /tmp/d/e && touch /tmp/d/e/f && "
		  /* A tree its owner cannot read: the removal as the user copes. */
		  "chmod 000 /tmp/d/e /tmp/d \"$TMPJAIL_ROOT/tmp\" \"$TMPJAIL_ROOT\"'",
		  name);
	char *root = su_line(out, "ROOT"), *mode = su_line(out, "MODE");
	char *wrote = su_line(out, "WROTE"), *uid = su_line(out, "UID");
	ck_assert_msg(status == 0, "srun as nobody: exit %d: %s", status, out);
	char want_uid[32];
	snprintf(want_uid, sizeof(want_uid), "%d", (int)getpwnam("nobody")->pw_uid);
	ck_assert_msg(uid && strcmp(uid, want_uid) == 0, "the task ran as %s", uid);
	ck_assert_msg(mode && strcmp(mode, "nobody 700") == 0, "the root is %s", mode);
	ck_assert_msg(wrote, "nobody could not write its /tmp: %s", out);
	assert_real_tmp_untouched(name);
	assert_root_reaped(root, out);
	free(root), free(mode), free(wrote), free(uid), free(out);
}
END_TEST

/*
 * The user the next test runs its job as: one no other program on the
 * machine runs as, since the job stops every process of its user.
 */
#define STOPPER_USER "lp"

START_TEST(job_cannot_stop_the_removal)
{
	SU_NEED_CLUSTER();
	if (!getpwnam(STOPPER_USER))
		TJ_SKIP("needs the user " STOPPER_USER);
	const char *name = su_unique("stopper");
	char *out = NULL;
	/*
	 * The job leaves a daemon that sends SIGSTOP, for 8 s, to every process
	 * its user may signal: were the removal's child of slurmstepd one, the
	 * step would never end and the root never go. Then SIGCONT to all.
	 */
	int status = su_sh(
	    &out, 60,
	    /* sbatch, which leaves no process of the user behind to be stopped too. */
	    "runuser -u " STOPPER_USER " -- sbatch --parsable --tmpjail -o /dev/null --wrap '"
	    "r=$PWD; mkdir /tmp/many && cd /tmp/many && "
	    /* A tree whose removal takes a while: time for the daemon to find it. */
	    "seq 100000 | xargs touch && cd / && echo \"$TMPJAIL_ROOT\" > $r/%1$s.root && "
	    "t=$$ && setsid sh -c \""
	    /* Once the task has exited, so the step is ending; not before, or it stops the task. */
	    "echo started > $r/%1$s.started; while kill -0 $t 2>/dev/null; do sleep 0.02; done; "
	    /* Longer than the test waits for the root to go: a stopped removal shows. */
	    "end=\\$((\\$(date +%%s) + 8)); while [ \\$(date +%%s) -lt \\$end ]; do "
	    "for p in /proc/[0-9]*; do [ \\${p#/proc/} = \\$\\$ ] || kill -STOP \\${p#/proc/} "
	    "2>/dev/null; done; done; for p in /proc/[0-9]*; do kill -CONT \\${p#/proc/} "
	    "2>/dev/null; done; echo done > $r/%1$s.stopper\" </dev/null >/dev/null 2>&1 & "
	    /* Until it has its own session: the step's end kills its process group. */
	    "while [ ! -e $r/%1$s.started ]; do sleep 0.02; done'",
	    name);
	ck_assert_msg(status == 0, "sbatch: exit %d: %s", status, out);
	char file[256];
	snprintf(file, sizeof(file), "%s.root", name);
	char *root = read_result(file, 60);
	snprintf(file, sizeof(file), "%s.started", name);
	char *started = read_result(file, 10);
	ck_assert_msg(su_in_base(root) && started, "the job did not start: %s", root);
	/* The batch script ends now: its root must go while the daemon stops what it can. */
	bool gone = su_wait_gone(root, 4);
	snprintf(file, sizeof(file), "%s.stopper", name);
	char *done = read_result(file, 30);
	ck_assert_msg(gone, "%s was still there during the job's SIGSTOPs", root);
	ck_assert_msg(done, "the stopping daemon did not finish");
	free(root), free(started), free(done), free(out);
}
END_TEST

/*
 * A victim the job's user could empty itself, if anything led root's
 * removal there: a world-writable directory of root with files and a
 * subdirectory. Return: its path (static).
 */
static const char *make_victim(const char *name)
{
	static char path[512];
	char *out = NULL;
	int status = su_sh(&out, 10,
			   "rm -rf %1$s.victim && mkdir -p %1$s.victim/sub && "
			   "touch %1$s.victim/a %1$s.victim/sub/b && chmod -R 0777 %1$s.victim && "
			   "echo \"V=$PWD/%1$s.victim\"",
			   name);
	char *victim = su_line(out, "V");
	ck_assert_msg(status == 0 && victim, "victim: %s", out);
	snprintf(path, sizeof(path), "%s", victim);
	free(victim), free(out);
	return path;
}

static void assert_victim_whole(const char *victim)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/a", victim);
	ck_assert_msg(lu_exists(path), "%s was removed", path);
	snprintf(path, sizeof(path), "%s/sub/b", victim);
	ck_assert_msg(lu_exists(path), "%s was removed", path);
}

START_TEST(job_cannot_redirect_the_removal)
{
	SU_NEED_CLUSTER();
	NEED_NOBODY();
	const char *name = su_unique("escape");
	const char *victim = make_victim(name);
	char *out = NULL;
	/* Links to the victim inside the root, then the root itself swapped for
	 * one, moved with the raw system call as a hostile job would (the shim
	 * refuses to move a root: EBUSY, as for a mount point). */
	int status =
	    su_sh(&out, 60,
		  "runuser -u nobody -- srun --tmpjail sh -c '"
		  "r=$TMPJAIL_ROOT; echo \"ROOT=$r\"; "
		  "ln -s %1$s /tmp/dirlink && ln -s %1$s/a /tmp/filelink && "
		  "mkdir /var/tmp/d && ln -s %1$s/sub /var/tmp/d/sublink && "
		  "perl -e \"require q(syscall.ph); syscall(&SYS_renameat2, -100, \\$ARGV[0], "
		  "-100, \\$ARGV[1], 0) == 0 or die q(rename)\" \"$r\" \"$r.moved\" && "
		  "ln -s %1$s \"$r\" && echo SWAPPED=yes'",
		  victim);
	char *root = su_line(out, "ROOT"), *swapped = su_line(out, "SWAPPED");
	ck_assert_msg(status == 0 && swapped && su_in_base(root), "the job: exit %d: %s", status,
		      out);
	/* The removal went through the root's fd: the moved root is emptied. */
	char moved[600];
	snprintf(moved, sizeof(moved), "%s.moved", root);
	int left = -1;
	for (int i = 0; i < GONE_TIMEOUT * 10 && left != 0; i++, usleep(100 * 1000))
		left = lu_count_entries(moved);
	ck_assert_msg(left == 0, "%s was not emptied: %d entries", moved, left);
	assert_victim_whole(victim);
	/* What the job left in the base: the link and the emptied directory. */
	ck_assert_int_eq(unlink(root), 0);
	ck_assert_int_eq(rmdir(moved), 0);
	free(root), free(swapped), free(out);
}
END_TEST

START_TEST(mount_in_the_root_is_not_crossed)
{
	SU_NEED_CLUSTER();
	const char *name = su_unique("mount");
	const char *victim = make_victim(name);
	char *out = NULL;
	/* A root job mounts the victim inside its root and leaves it there. */
	int status = su_sh(&out, 60,
			   "srun --tmpjail sh -c 'echo \"ROOT=$TMPJAIL_ROOT\"; mkdir /tmp/m && "
			   "mount --bind %s \"$TMPJAIL_DIR/m\" && echo MOUNTED=yes'",
			   victim);
	char *root = su_line(out, "ROOT"), *mounted = su_line(out, "MOUNTED");
	if (!mounted && status != 0 && root && strstr(out, "mount"))
		TJ_SKIP("mount --bind is not permitted here");
	ck_assert_msg(status == 0 && mounted, "the job: exit %d: %s", status, out);
	char mount_point[600];
	snprintf(mount_point, sizeof(mount_point), "%s/tmp/m", root);
	/* Give the removal time to run; it must stop at the mount point. */
	sleep(3);
	assert_victim_whole(victim);
	ck_assert_int_eq(umount2(mount_point, MNT_DETACH), 0);
	assert_victim_whole(victim);
	free(out);
	const char *argv[] = {"rm", "-rf", "--one-file-system", root, NULL};
	ck_assert_int_eq(lu_run(argv, NULL, 30), 0);
	free(root), free(mounted);
}
END_TEST

/* Whether @pid is a slurmstepd (its comm), so the test kills nothing else. */
static bool is_slurmstepd(pid_t pid)
{
	char path[64], comm[64] = "";
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	FILE *file = fopen(path, "r");
	if (!file)
		return false;
	bool ok = fgets(comm, sizeof(comm), file) && strcmp(comm, "slurmstepd\n") == 0;
	fclose(file);
	return ok;
}

START_TEST(epilog_gc_after_slurmstepd_died)
{
	SU_NEED_CLUSTER();
	NEED_NOBODY();
	const char *name = su_unique("crash");
	char *out = NULL;
	int status = su_sh(&out, 30,
			   "runuser -u nobody -- sbatch --parsable --tmpjail -o /dev/null --wrap "
			   "'echo $PPID > %1$s.stepd; echo x > /tmp/%1$s; sleep 300 & "
			   "echo $! > %1$s.sleep; echo \"$TMPJAIL_ROOT\" > %1$s.root; wait'",
			   name);
	ck_assert_msg(status == 0, "sbatch: exit %d: %s", status, out);
	char *job = strndup(out, strcspn(out, "\n;"));
	char file[256];
	snprintf(file, sizeof(file), "%s.root", name);
	char *root = read_result(file, 30);
	snprintf(file, sizeof(file), "%s.stepd", name);
	char *stepd = read_result(file, 5);
	snprintf(file, sizeof(file), "%s.sleep", name);
	char *sleeper = read_result(file, 5);
	ck_assert_msg(root && lu_exists(root) && stepd && sleeper, "the job did not start");
	/* The batch script's parent is the step's slurmstepd: it dies as in a crash. */
	ck_assert_msg(is_slurmstepd(atoi(stepd)), "%s is not a slurmstepd", stepd);
	ck_assert_int_eq(kill(atoi(stepd), SIGKILL), 0);
	/* slurmd may see the step gone and end the job (Epilog) at once: no look in between.
	 * Without the Epilog the root stays (seen when this test was written). */
	kill(atoi(sleeper), SIGKILL); /* the job's own process, orphaned */
	free(out);
	/* The job ends; slurmd runs the Epilog: tmpjail --gc as the job's user. */
	su_sh(&out, 30, "scancel %s", job);
	ck_assert_msg(su_wait_gone(root, GONE_TIMEOUT), "the Epilog left %s", root);
	assert_real_tmp_untouched(name);
	free(job), free(root), free(stepd), free(sleeper), free(out);
}
END_TEST

START_TEST(no_root_without_the_option)
{
	SU_NEED_CLUSTER();
	char *out = NULL;
	int status = su_sh(&out, 60,
			   "srun sh -c 'echo \"ROOT=${TMPJAIL_ROOT:-none}\"; "
			   "echo \"PRELOAD=${LD_PRELOAD:-none}\"'");
	char *root = su_line(out, "ROOT"), *preload = su_line(out, "PRELOAD");
	ck_assert_msg(status == 0, "srun: exit %d: %s", status, out);
	ck_assert_msg(root && strcmp(root, "none") == 0, "TMPJAIL_ROOT without --tmpjail: %s", out);
	ck_assert_msg(preload && strcmp(preload, "none") == 0, "LD_PRELOAD: %s", out);
	free(root), free(preload), free(out);
}
END_TEST

START_TEST(bad_options_are_refused_before_the_job)
{
	SU_NEED_CLUSTER();
	const char *name = su_unique("bad");
	const char *bad[] = {"srun --tmpjail=bogus", "srun --tmpjail=off,keep",
			     "srun --tmpjail=seccomp=", "sbatch --tmpjail=memory,nope --wrap"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *out = NULL;
		int status = su_sh(&out, 30, "%s 'touch %s.ran'", bad[i], name);
		ck_assert_msg(status != 0 && strstr(out, "tmpjail"),
			      "%s: exit %d, no word of tmpjail: %s", bad[i], status, out);
		free(out);
		status = su_sh(&out, 10, "sleep 1; test ! -e %s.ran", name);
		ck_assert_msg(status == 0, "%s ran the job", bad[i]);
		free(out);
	}
}
END_TEST

START_TEST(seal_and_seccomp_apply_in_the_task)
{
	SU_NEED_CLUSTER();
	const char *probe = getenv("TJ_PROBE"), *launcher = getenv("TMPJAIL_BIN");
	ck_assert_msg(probe && launcher, "TJ_PROBE and TMPJAIL_BIN must be set");
	const char *check[] = {launcher, "--seal", "--", "true", NULL};
	if (lu_run(check, NULL, 10) != 0)
		TJ_SKIP("needs Landlock (tmpjail --seal -- true fails here)");
	const char *name = su_unique("seal");
	char *out = NULL;
	/* The probe is static: only the seal keeps it out of the real /tmp. */
	int status = su_sh(&out, 60,
			   "srun --tmpjail=seal,seccomp=no-network sh -c '"
			   "echo \"REAL=$(%1$s create /tmp/%2$s)\"; "
			   "echo \"OWN=$(%1$s create \"$TMPJAIL_DIR/x\")\"; "
			   "echo \"NET=$(%1$s socket inet)\"'",
			   probe, name);
	char *real = su_line(out, "REAL"), *own = su_line(out, "OWN"), *net = su_line(out, "NET");
	ck_assert_msg(status == 0, "srun: exit %d: %s", status, out);
	ck_assert_msg(real && strcmp(real, "EACCES") == 0, "static create in /tmp: %s", out);
	ck_assert_msg(own && strcmp(own, "ok") == 0, "static create in the root: %s", out);
	ck_assert_msg(net && strcmp(net, "ok") != 0, "socket under no-network: %s", out);
	assert_real_tmp_untouched(name);
	free(real), free(own), free(net), free(out);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *s = suite_create("slurm");
	struct {
		TCase *tcase;
		const TTest *test;
	} cases[] = {
	    {tcase_create("legacy_script"), legacy_script_gets_private_tmp},
	    {tcase_create("two_tasks"), two_tasks_share_one_root},
	    {tcase_create("sbatch_daemon"), sbatch_daemon_outlives_the_step},
	    {tcase_create("srun_in_sbatch"), srun_inside_sbatch_gets_its_own_root},
	    {tcase_create("scancel"), scancel_mid_run_reaps},
	    {tcase_create("time_limit"), time_limit_reaps},
	    {tcase_create("unprivileged_user"), unprivileged_user_owns_its_root},
	    {tcase_create("redirect_removal"), job_cannot_redirect_the_removal},
	    {tcase_create("mount_in_root"), mount_in_the_root_is_not_crossed},
	    {tcase_create("stop_removal"), job_cannot_stop_the_removal},
	    {tcase_create("epilog_gc"), epilog_gc_after_slurmstepd_died},
	    {tcase_create("no_option"), no_root_without_the_option},
	    {tcase_create("bad_options"), bad_options_are_refused_before_the_job},
	    {tcase_create("seal_seccomp"), seal_and_seccomp_apply_in_the_task},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tcase_add_test(cases[i].tcase, cases[i].test);
		suite_add_tcase(s, cases[i].tcase);
	}
	return s;
}
