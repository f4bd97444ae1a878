/* SPDX-License-Identifier: MIT */
/*
 * The trap's supervisor thread: it polls the listeners and answers one
 * notification per ready listener; the launcher's main thread keeps
 * signals, reaping and the root. A thread of its own also lets it be
 * sealed (Landlock is per thread) while the launcher is not.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "sandbox.h"
#include "trap_internal.h"

struct trap *trap_new(bool verbose)
{
	struct trap *trap = calloc(1, sizeof(*trap));
	if (!trap)
		return NULL;
	trap->verbose = verbose;
	trap->seal_fd = -1;
	trap->door = -1;
	trap->root_fd = -1;
	const char *audit = getenv("TMPJAIL_AUDIT");
	trap->audit_file = audit && audit[0] == '/' ? strdup(audit) : NULL;
	trap->euid = geteuid();
	trap->egid = getegid();
	trap->root = trap->euid == 0;
	/* Unreadable (never so): every capability counts as held, so any
	 * caller lacking one is refused rather than served with it. */
	if (trap_caps_get(&trap->cap_eff) < 0)
		trap->cap_eff = ~(uint64_t)0;
	int err = map_table_build(&trap->table, getenv("TMPJAIL_ROOT"), getenv("TMPJAIL_DIR"),
				  getenv("TMPJAIL_REDIRECT"));
	trap->table.foreign = true; /* /proc/self is the launcher here (shim/map.h) */
	if (!err && trap->table.root[0]) {
		trap->root_fd = open(trap->table.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (trap->root_fd < 0)
			err = -errno;
	}
	int ngroups = getgroups(0, NULL);
	if (!err && ngroups >= 0) {
		trap->groups = calloc((size_t)ngroups + 1, sizeof(gid_t));
		trap->ngroups = trap->groups ? getgroups(ngroups, trap->groups) : -1;
		if (trap->ngroups < 0)
			err = -ENOMEM;
	} else if (!err) {
		err = -errno;
	}
	if (!err) {
		err = seccomp_notify_alloc(&trap->req, &trap->resp);
		/* Failing half-way, libseccomp frees the request but leaves the pointer. */
		if (err)
			trap->req = NULL, trap->resp = NULL;
	}
	if (err) {
		trap_free(trap);
		errno = -err;
		return NULL;
	}
	return trap;
}

/* Linux 6.6's, not in older headers. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

int trap_add_listener(struct trap *trap, int listener)
{
	if (trap->nlisteners == sizeof(trap->listeners) / sizeof(trap->listeners[0])) {
		close(listener);
		return -EMFILE;
	}
	/*
	 * The caller waits while we answer: let the kernel switch straight to
	 * the supervisor and back (no scheduler round trip). Older kernels
	 * refuse it (EINVAL): the answer is the same, only slower.
	 */
	ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	trap->listeners[trap->nlisteners++] = listener;
	return 0;
}

/* Reply @answer to the notification in trap->req. */
static void reply(struct trap *trap, int listener, long answer)
{
	if (answer == TRAP_ANSWERED)
		return;
	struct seccomp_notif_resp *resp = trap->resp;
	memset(resp, 0, sizeof(*resp));
	resp->id = trap->req->id;
	if (answer == TRAP_CONTINUE)
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else if (answer < 0)
		resp->error = (int32_t)answer;
	else
		resp->val = answer;
	/* ENOENT: the caller was killed meanwhile; nothing is owed to it. */
	seccomp_notify_respond(listener, resp);
}

/* Answer one notification on @listener. */
static void serve_one(struct trap *trap, int listener)
{
	memset(trap->req, 0, sizeof(*trap->req));
	if (seccomp_notify_receive(listener, trap->req) < 0)
		return; /* the caller went away before we read it */
	struct trap_call call = {
	    .trap = trap, .listener = listener, .req = trap->req, .pid = (pid_t)trap->req->pid};
	struct trap_audit audit;
	if (trap->audit_file) {
		audit.npaths = 0;
		audit.flags = audit.mode = audit.perm = -1;
		audit.installed = -1;
		call.audit = &audit;
	}
	long answer = TRAP_CONTINUE;
	/* Other architectures' numbers mean other calls: the filter traps the native one.
	 * Unsealed, the kernel does every call: the program's seal then holds. */
	if (trap->req->data.arch == seccomp_arch_native() && !trap->unsealed)
		answer = trap_dispatch(&call);
	trap_unbecome(&call);
	trap_pins_close(&call);
	/* The caller is gone: nothing is owed. Still waiting, it must have an
	 * answer (an error), or it would wait for ever. */
	if (answer == -ESRCH && trap_valid(&call) < 0)
		answer = TRAP_ANSWERED;
	reply(trap, listener, answer);
	trap_audit_write(&call, answer);
}

/* Stop serving the listener at @index: every process under it has exited. */
static void drop_listener(struct trap *trap, size_t index)
{
	close(trap->listeners[index]);
	trap->listeners[index] = trap->listeners[--trap->nlisteners];
	if (trap->verbose && trap->nlisteners == 0)
		fputs("tmpjail: trap: every trapped process has exited\n", stderr);
}

long trap_unsealed(struct trap *trap, long (*fn)(void *arg), void *arg)
{
	if (!trap->helper_running)
		return fn(arg);
	struct trap_errand errand = {.fn = fn, .arg = arg};
	pthread_mutex_lock(&trap->lock);
	trap->errand = &errand;
	pthread_cond_signal(&trap->asked);
	while (!errand.done)
		pthread_cond_wait(&trap->answered, &trap->lock);
	pthread_mutex_unlock(&trap->lock);
	return errand.result;
}

static void *helper_thread(void *arg)
{
	struct trap *trap = arg;
	pthread_mutex_lock(&trap->lock);
	for (;;) {
		while (!trap->errand && !trap->helper_stop)
			pthread_cond_wait(&trap->asked, &trap->lock);
		if (!trap->errand)
			break;
		struct trap_errand *errand = trap->errand;
		pthread_mutex_unlock(&trap->lock);
		errand->result = errand->fn(errand->arg);
		pthread_mutex_lock(&trap->lock);
		trap->errand = NULL;
		errand->done = true;
		pthread_cond_signal(&trap->answered);
	}
	pthread_mutex_unlock(&trap->lock);
	return NULL;
}

/* Start the unsealed helper, from the unsealed main thread. 0 or an error number. */
static int start_helper(struct trap *trap)
{
	pthread_mutex_init(&trap->lock, NULL);
	pthread_cond_init(&trap->asked, NULL);
	pthread_cond_init(&trap->answered, NULL);
	int err = pthread_create(&trap->helper, NULL, helper_thread, trap);
	trap->helper_running = err == 0;
	return err;
}

static void stop_helper(struct trap *trap)
{
	if (!trap->helper_running)
		return;
	pthread_mutex_lock(&trap->lock);
	trap->helper_stop = true;
	pthread_cond_signal(&trap->asked);
	pthread_mutex_unlock(&trap->lock);
	pthread_join(trap->helper, NULL);
	trap->helper_running = false;
}

/* Seal the calling thread with a copy of the run's ruleset (sandbox.h). */
static void seal_thread(struct trap *trap)
{
	if (trap->seal_fd < 0)
		return;
	int err = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? -errno : seal_install(trap->seal_fd);
	trap->seal_fd = -1;
	if (err) {
		fprintf(stderr,
			"tmpjail: trap: cannot seal the supervisor (%s): the kernel does "
			"every call, sealed\n",
			strerror(-err));
		trap->unsealed = true;
	}
}

static void *serve_thread(void *arg)
{
	struct trap *trap = arg;
	seal_thread(trap);
	static struct pollfd fds[2 + TRAP_PENDING_MAX + TRAP_LISTENERS_MAX];
	for (;;) {
		/* [wake, door, pending..., listeners...] */
		size_t n = 0, pending_at, listeners_at;
		fds[n++] = (struct pollfd){.fd = trap->wake[0], .events = POLLIN};
		fds[n++] = (struct pollfd){.fd = trap->door, .events = POLLIN};
		pending_at = n;
		for (size_t i = 0; i < trap->npending; i++)
			fds[n++] = (struct pollfd){.fd = trap->pending[i], .events = POLLIN};
		listeners_at = n;
		for (size_t i = 0; i < trap->nlisteners; i++)
			fds[n++] = (struct pollfd){.fd = trap->listeners[i], .events = POLLIN};
		if (trap->door < 0 && trap->nlisteners == 0)
			break; /* nothing left to serve or to wait for */
		if (poll(fds, n, -1) < 0)
			continue; /* EINTR; nothing else can fail here */
		if (fds[0].revents)
			break;
		/* Backwards: dropping one moves the last into its place. */
		for (size_t i = trap->nlisteners; i-- > 0;) {
			short ready = fds[listeners_at + i].revents;
			if (ready & POLLIN)
				serve_one(trap, trap->listeners[i]);
			else if (ready & (POLLHUP | POLLERR | POLLNVAL))
				drop_listener(trap, i);
		}
		for (size_t i = trap->npending; i-- > 0;)
			if (fds[pending_at + i].revents)
				trap_door_receive(trap, i);
		if (fds[1].revents)
			trap_door_accept(trap);
	}
	return NULL;
}

int trap_start(struct trap *trap, int seal_fd)
{
	if (!trap || trap->running || (trap->nlisteners == 0 && trap->door < 0))
		return 0;
	if (pipe2(trap->wake, O_CLOEXEC) < 0)
		return -errno;
	trap->seal_fd = seal_fd >= 0 ? fcntl(seal_fd, F_DUPFD_CLOEXEC, 3) : -1;
	int err = seal_fd >= 0 && trap->seal_fd < 0 ? errno : 0;
	if (!err && seal_fd >= 0)
		err = start_helper(trap);
	if (!err)
		err = pthread_create(&trap->thread, NULL, serve_thread, trap);
	if (err) {
		stop_helper(trap);
		close(trap->wake[0]);
		close(trap->wake[1]);
		if (trap->seal_fd >= 0)
			close(trap->seal_fd);
		return -err;
	}
	trap->running = true;
	return 0;
}

void trap_stop(struct trap *trap)
{
	if (!trap || !trap->running)
		return;
	while (write(trap->wake[1], "", 1) < 0 && errno == EINTR)
		;
	pthread_join(trap->thread, NULL);
	stop_helper(trap);
	close(trap->wake[0]);
	close(trap->wake[1]);
	if (trap->seal_fd >= 0)
		close(trap->seal_fd);
	trap->running = false;
}

void trap_free(struct trap *trap)
{
	if (!trap)
		return;
	trap_stop(trap);
	for (size_t i = 0; i < trap->nlisteners; i++)
		close(trap->listeners[i]);
	for (size_t i = 0; i < trap->npending; i++)
		close(trap->pending[i]);
	if (trap->door >= 0)
		close(trap->door);
	trap_cwd_free(trap);
	if (trap->root_fd >= 0)
		close(trap->root_fd);
	free((char *)trap->audit_file);
	if (trap->req)
		seccomp_notify_free(trap->req, trap->resp);
	free(trap->groups);
	free(trap);
}
