/* SPDX-License-Identifier: MIT */
/*
 * Faults in the remover (fault_driver.h): tf_rmtree() of a small tree,
 * with the injector linked into this program and armed in a process that
 * does nothing but the removal. That process is a child of a child that
 * chroot()ed into the scratch directory (tests/core/rmtree_jail.h), so
 * that a remover gone wrong reaches nothing outside it; the canaries it
 * must leave are in the scratch beside the tree and linked from it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fault_driver.h"
#include "rmtree_jail.h"
#include "tmpjail/tempfile.h"

struct plan {
	enum tj_fault_call call;
	int error;
	unsigned long nth;
};

/* What the removing process tells its parent. */
struct removal_result {
	int ret, error; /* tf_rmtree()'s return value and errno */
	bool fired;
	int leaked_fds;
};

/*
 * The tree: files, nested and empty directories, one of them read-only,
 * and links out of it to the canaries: a directory and a file beside the
 * tree, and the scratch directory itself.
 */
static void make_tree(void)
{
	struct stat st;
	/* The canaries once per scratch: every removal checks them after. */
	if (fstatat(base_fd, "beside", &st, AT_SYMLINK_NOFOLLOW) < 0) {
		make_outside();
		make_file("beside", "canary", 0640);
	}
	make_dir("tree", 0700);
	make_file("tree/f0", "x", 0600);
	make_dir("tree/d1", 0700);
	make_file("tree/d1/f1", "y", 0600);
	make_dir("tree/d1/d2", 0700);
	make_file("tree/d1/d2/f2", "z", 0400);
	make_dir("tree/d1/d2/d3", 0700);
	make_dir("tree/many", 0700);
	make_files("tree/many", 24);
	make_dir("tree/ro", 0700);
	make_file("tree/ro/f3", "", 0600);
	set_mode("tree/ro", 0500);
	make_link(seen_path("outside"), "tree/out");
	make_link("../../outside/sentinel", "tree/d1/sentinel");
	make_link("../../..", "tree/d1/d2/up");
	make_link(seen_path("beside"), "tree/d1/d2/d3/beside");
}

static int count_open_fds(void)
{
	int count = 0;
	for (int fd = 0; fd < 1024; fd++)
		count += fcntl(fd, F_GETFD) >= 0;
	return count;
}

/* In the removing process: arm, remove, disarm, tell. */
static _Noreturn void remove_armed(const struct plan *plan, int report_fd)
{
	struct removal_result result = {0};
	int fds = count_open_fds();
	tj_fault_arm(plan->call, plan->error, plan->nth);
	result.ret = tf_rmtree("tree", 0);
	result.error = result.ret < 0 ? errno : 0;
	result.fired = tj_fault_fired();
	tj_fault_arm(TJ_FAULT_NONE, 0, 0);
	result.leaked_fds = count_open_fds() - fds;
	_exit(write(report_fd, &result, sizeof(result)) == sizeof(result) ? 0 : 1);
}

/*
 * In the jail: one removal in a process of its own, watched for a crash
 * or a hang, then the checks. Return: its errno (0: it succeeded), plus
 * 1000 when the failure was injected, plus 2000 when the tree is gone.
 */
static int remove_in_jail(void *arg)
{
	const struct plan *plan = arg;
	const char *name = tj_fault_calls[plan->call], *error = fault_error_name(plan->error);
	unsigned long nth = plan->nth;
	int fds[2];
	EXPECT(pipe2(fds, O_CLOEXEC) == 0, "pipe: %m");
	pid_t pid = fork();
	EXPECT(pid >= 0, "fork: %m");
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(fds[0]);
		remove_armed(plan, fds[1]);
	}
	close(fds[1]);
	struct pollfd ready = {.fd = fds[0], .events = POLLIN};
	bool hung = poll(&ready, 1, FAULT_TIMEOUT * 1000) != 1;
	if (hung)
		kill(pid, SIGKILL);
	struct removal_result result;
	ssize_t n = read(fds[0], &result, sizeof(result));
	close(fds[0]);
	int status;
	EXPECT(waitpid(pid, &status, 0) == pid, "waitpid: %m");
	EXPECT(!hung, "%s %s N=%lu: the removal hung (killed after %d s)", name, error, nth,
	       FAULT_TIMEOUT);
	EXPECT(!WIFSIGNALED(status), "%s %s N=%lu: the removal crashed (signal %d)", name, error,
	       nth, WTERMSIG(status));
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0 && n == (ssize_t)sizeof(result),
	       "%s %s N=%lu: the removing process failed (status %#x)", name, error, nth,
	       (unsigned)status);
	EXPECT(result.ret == 0 || (result.ret == -1 && result.error != 0),
	       "%s %s N=%lu: tf_rmtree returned %d, errno %d", name, error, nth, result.ret,
	       result.error);
	EXPECT(result.leaked_fds == 0, "%s %s N=%lu: %d fds leaked", name, error, nth,
	       result.leaked_fds);
	struct stat st;
	bool gone = fstatat(AT_FDCWD, "tree", &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT;
	EXPECT(gone || result.ret != 0, "%s %s N=%lu: tf_rmtree succeeded, the tree is still there",
	       name, error, nth);
	/* Nothing outside the tree: not beside it, not behind its links. */
	expect_outside();
	expect_file("beside", "canary", 0640);
	/* What a failed removal left, for the next: unarmed, still in the jail. */
	EXPECT(tf_rmtree("tree", 0) == 0 || errno == ENOENT, "%s %s N=%lu: cleaning up: %m", name,
	       error, nth);
	return result.error + (result.fired ? 1000 : 0) + (gone ? 2000 : 0);
}

bool fault_remove_once(enum tj_fault_call call, int error, unsigned long nth, int *result,
		       bool *gone)
{
	struct plan plan = {.call = call, .error = error, .nth = nth};
	make_tree();
	int got = in_child(0, remove_in_jail, &plan);
	*gone = got >= 2000;
	got %= 2000;
	*result = got % 1000;
	return got >= 1000;
}

void fault_remove_sweep(enum tj_fault_call call, int error, struct fault_tally *tally)
{
	for (unsigned long nth = 1;; nth++) {
		ck_assert_msg(nth <= FAULT_MAX_NTH, "%s: over %d calls in one removal",
			      tj_fault_calls[call], FAULT_MAX_NTH);
		int result;
		bool gone;
		bool injected = fault_remove_once(call, error, nth, &result, &gone);
		if (!injected) {
			ck_assert_msg(result == 0, "%s N=%lu: no fault, yet the removal failed: %s",
				      tj_fault_calls[call], nth, error_name(result));
			ck_assert_msg(nth > 1, "%s: the remover never called it; injector unseen",
				      tj_fault_calls[call]);
			return;
		}
		tally->runs++;
		tally->ok += result == 0;
		tally->clean += result != 0;
		tally->gone += result != 0 && gone;
	}
}
