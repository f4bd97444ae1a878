/* SPDX-License-Identifier: MIT */
/*
 * What the trap's supervisor files share: one notification being answered
 * (struct trap_call) and the helpers every answer is made of.
 */
#ifndef TMPJAIL_LAUNCHER_TRAP_INTERNAL_H
#define TMPJAIL_LAUNCHER_TRAP_INTERNAL_H

#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "map.h"
#include "trap.h"

/* Answers besides a value (>= 0) or -errno. */
#define TRAP_CONTINUE (-(1L << 40)) /* let the kernel do the call as the program made it */
#define TRAP_ANSWERED (-(1L << 41)) /* answered already (ADDFD), or the caller is gone */

/* trap_path() results besides -errno. */
enum { TRAP_PATH_KEEP = 0, TRAP_PATH_MAPPED = 1 };

/* What a call does with its path (trap_path()'s @how). Neither: it acts in
 * the path's directory on the last name (mkdir, unlink, rename, ...). */
enum {
	TRAP_FULL = 1,	   /* @out is wanted also for TRAP_PATH_KEEP (calls of two paths) */
	TRAP_LOOKUP = 2,   /* it looks the path up (stat, open, chmod, readlink, ...) */
	TRAP_FOLLOW = 4,   /* ... and follows a last symlink */
	TRAP_NO_LINKS = 8, /* no symlink may be on the way (RESOLVE_NO_SYMLINKS): ELOOP */
};

/* Most pinned directories one call acts in (rename has two). */
#define TRAP_PINS_MAX 2

/* A directory the supervisor acts in, pinned by descriptor (trap_pin.c). */
struct trap_pin {
	const char *of;		/* the trap_path() output it stands for */
	int fd;			/* O_PATH */
	char at[PATH_MAX + 32]; /* "/proc/self/fd/N/<name>" */
	const char *name;	/* <name>, in @at */
};

/* Most listeners served at once: one per trapped tree (the command's, and each
 * a shim trapped for a child). More are closed: their calls then fail (ENOSYS). */
#define TRAP_LISTENERS_MAX 1024
/* Most instructions of the filter's program (it has about 150; shim/trap_exec.c agrees). */
#define TRAP_FILTER_MAX 2048
/* Most door connections waiting for their listener. */
#define TRAP_PENDING_MAX 64

/* A working directory the supervisor holds for a thread group (docs/trap.md). */
struct trap_cwd {
	pid_t tgid;
	int pidfd; /* tells when the thread group is gone */
	dev_t dev; /* the real cwd when it was set: a moved one ends it */
	ino_t ino;
	char *path; /* in the program's names */
};

struct trap {
	struct map_table table;
	bool verbose, root;
	int listeners[TRAP_LISTENERS_MAX];
	size_t nlisteners;
	int door;				 /* the listening socket of TMPJAIL_TRAP, or -1 */
	struct sock_filter bpf[TRAP_FILTER_MAX]; /* the filter's program, sent at the door */
	size_t bpf_len;				 /* in bytes */
	int pending[TRAP_PENDING_MAX];		 /* accepted, listener not received yet */
	size_t npending;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	struct trap_cwd *cwds;
	size_t ncwds, cwds_size;
	int root_fd;		/* O_PATH of the root, or -1 */
	const char *audit_file; /* TMPJAIL_AUDIT, or NULL */
	uid_t euid;		/* the launcher's own ids, given back after acting as a caller */
	gid_t egid;
	uint64_t cap_eff; /* ... and its effective capabilities */
	gid_t *groups;
	int ngroups;
	bool unsealed; /* --seal could not be applied to the thread: answer nothing */
	int wake[2];   /* trap_stop() writes to wake[1] */
	int seal_fd;
	bool running;
	pthread_t thread;
	/* The unsealed helper (trap_unsealed()), while the serving thread is sealed. */
	bool helper_running, helper_stop;
	pthread_t helper;
	pthread_mutex_t lock;
	pthread_cond_t asked, answered;
	struct trap_errand *errand;
};

/* One call trap_unsealed() runs in the helper. */
struct trap_errand {
	long (*fn)(void *arg);
	void *arg;
	long result;
	bool done;
};

/* The caller's ids and umask, from /proc/PID/status. */
struct trap_creds {
	bool read;
	pid_t tgid, ppid;
	uid_t ruid, fsuid;
	gid_t rgid, fsgid;
	uint64_t cap_eff; /* its effective capabilities ("CapEff:") */
	gid_t groups[NGROUPS_MAX < 256 ? NGROUPS_MAX : 256];
	int ngroups;
	mode_t umask;
};

/* One notification being answered. */
struct trap_call {
	struct trap *trap;
	int listener;
	const struct seccomp_notif *req;
	pid_t pid;
	struct trap_creds creds;
	bool creates;	     /* the call creates a file: the caller's umask applies */
	bool became;	     /* acting with the caller's credentials */
	bool groups_changed; /* ... and its supplementary groups */
	bool caps_changed;   /* ... and no capability the caller lacks */
	mode_t saved_umask;
	struct trap_pin pins[TRAP_PINS_MAX];
	int npins;
	struct trap_audit *audit; /* what the audit line says, or NULL (no --audit) */
};

/* One trapped call's audit line, as the shim writes one (trap_audit.c). */
struct trap_audit {
	int npaths;
	char path[TRAP_PINS_MAX][PATH_MAX];   /* as the program wrote them */
	char mapped[TRAP_PINS_MAX][PATH_MAX]; /* where the supervisor acted */
	int flags;			      /* open(2) flags, or -1 */
	int mode;			      /* the mode asked for, or -1 */
	int perm;			      /* the permissions made, or -1 */
	long installed;			      /* the caller's new descriptor, or -1 */
	char exe[PATH_MAX], argv0[256];	      /* read while the caller waits */
};

/*
 * raw_readlink() - readlink(2) without libc: in a nested run the outer
 * shim would show the launcher "/tmp/..." for "$OUTER_ROOT/tmp/...", and
 * the supervisor needs the kernel's names (realname.h says why).
 */
static inline ssize_t raw_readlink(const char *path, char *buf, size_t size)
{
	return syscall(SYS_readlinkat, AT_FDCWD, path, buf, size);
}

/*
 * trap_unsealed() - @fn(@arg), in a thread without the seal. Landlock
 * lets a sealed thread look into no process outside its own domain (the
 * ptrace check of process_vm_readv, pidfd_getfd, /proc/PID/cwd), and the
 * program's seal is a domain of its own: so what reads or reaches into the
 * caller runs in the launcher's unsealed helper, and only the file-system
 * work runs sealed (trap_serve.c). Unsealed runs, direct call.
 */
long trap_unsealed(struct trap *trap, long (*fn)(void *arg), void *arg);

/* trap_proc_readlink() - readlink(2) of a /proc/PID/... link, unsealed. Length or -errno. */
long trap_proc_readlink(struct trap *trap, const char *path, char *buf, size_t size);

/* trap_proc_stat() - stat(2) of a /proc/PID/... path, unsealed. 0 or -errno. */
long trap_proc_stat(struct trap *trap, const char *path, struct stat *st);

/* trap_pidfd_getfd() - pidfd_getfd(2), unsealed. The descriptor or -errno. */
long trap_pidfd_getfd(struct trap *trap, int pidfd, int fd);

/* The door (trap_door.c): accept what is waiting on trap->door. */
void trap_door_accept(struct trap *trap);
/* Receive the listener on trap->pending[@index], and forget that connection. */
void trap_door_receive(struct trap *trap, size_t index);

/* trap_dispatch() - the answer to c->req (trap_calls.c). */
long trap_dispatch(struct trap_call *c);

/* trap_valid() - is the notification still pending? 0 or -ESRCH. */
int trap_valid(struct trap_call *c);

/* trap_read() - exactly @size bytes of the caller's memory at @addr. 0, -EFAULT, -ESRCH. */
int trap_read(struct trap_call *c, uint64_t addr, void *buf, size_t size);

/* trap_write() - @size bytes into the caller's memory at @addr. 0 or -EFAULT. */
int trap_write(struct trap_call *c, uint64_t addr, const void *buf, size_t size);

/* trap_read_string() - a NUL-terminated string. Length, -EFAULT, -ENAMETOOLONG, -ESRCH. */
long trap_read_string(struct trap_call *c, uint64_t addr, char *buf, size_t size);

/*
 * trap_path() - the path argument at @addr, relative to @dirfd (a
 * descriptor of the caller, or AT_FDCWD), as the supervisor must use it.
 * @out: receives the mapped, absolute path (PATH_MAX): for
 *       TRAP_PATH_MAPPED, the real path the call acts on, its directory
 *       pinned (trap_pin()); pass trap_at(c, @out) to the kernel.
 * @raw: receives the path as the program wrote it (PATH_MAX), or NULL.
 * @how: TRAP_FULL, TRAP_LOOKUP, TRAP_FOLLOW. With TRAP_FULL, @out is the
 *       path the kernel would use also for TRAP_PATH_KEEP, absolute; ""
 *       when no such path is known (a bad descriptor, a bad pointer).
 * Return: TRAP_PATH_MAPPED (the supervisor acts), TRAP_PATH_KEEP (the
 * kernel may do the call as made), or -errno (-ESRCH: the caller is gone).
 */
int trap_path(struct trap_call *c, int dirfd, uint64_t addr, char *out, char *raw, unsigned how);

/*
 * trap_pin() - pin the directory the call acts in for @out, the real path
 * (PATH_MAX) a mapping of @prog (the absolute path in the program's names)
 * gave, so that no symlink planted in the root takes the supervisor out of
 * it (trap_pin.c says how). @out may change: to where symlinks on the way,
 * and a last one the call follows (@how), lead. Made with the caller's ids.
 * Return: 0 (the pin is c's until trap_pins_close()), or -errno: the
 * call's answer (-ELOOP for a link through /proc, -EACCES for a directory
 * outside the root in a redirected prefix).
 */
int trap_pin(struct trap_call *c, char *out, const char *prog, unsigned how);

/* trap_at() - what to give the kernel for @out: its pinned form, or @out itself. */
const char *trap_at(const struct trap_call *c, const char *out);

/*
 * trap_at_fd() - @out as a descriptor and a name relative to it, for the
 * *at() calls that refuse magic links (openat2 with RESOLVE_NO_MAGICLINKS):
 * the pin and its name, or AT_FDCWD and @out.
 */
const char *trap_at_fd(const struct trap_call *c, const char *out, int *dirfd);

/*
 * trap_pin_take() - the descriptor of @out's pin, which c no longer
 * closes: for an answer made later (trap_later()), whose work closes it.
 * -1 when @out has none.
 */
int trap_pin_take(struct trap_call *c, const char *out);

/* trap_audit_path() - note @raw, mapped to @out, for c's audit line (when --audit). */
void trap_audit_path(struct trap_call *c, const char *raw, const char *out);

/* trap_audit_write() - append c's audit line for @answer (when a path was noted). */
void trap_audit_write(struct trap_call *c, long answer);

/* trap_pins_close() - close c's pins, once the call is answered. */
void trap_pins_close(struct trap_call *c);

/* trap_creds_read() - fill c->creds once. 0 or -errno. */
int trap_creds_read(struct trap_call *c);

/*
 * trap_become() - act with the caller's file-system ids (its real ones
 * when @real, as access(2) checks) and, when c->creates, its umask, until
 * trap_unbecome(). An unprivileged supervisor has the caller's ids
 * already: it reads them (/proc/PID/status) only for the umask.
 * 0 or -errno.
 */
int trap_become(struct trap_call *c, bool real);

/*
 * trap_caps_get() - the calling thread's effective capabilities into
 * @eff (capabilities are per thread). Return: 0 or -errno.
 */
int trap_caps_get(uint64_t *eff);

/*
 * trap_caps_set() - set the calling thread's effective capabilities to
 * @eff, within its permitted ones. Return: 0 or -errno.
 */
int trap_caps_set(uint64_t eff);
void trap_unbecome(struct trap_call *c);

/* The virtual working directory (trap_cwd.c). */
/* trap_cwd_get() - c's virtual cwd into @out (PATH_MAX). 1 when it has one, 0, -errno. */
int trap_cwd_get(struct trap_call *c, char *out);
/* trap_cwd_set() - make @path (program names, canonical) c's virtual cwd. 0 or -errno. */
int trap_cwd_set(struct trap_call *c, const char *path);
/* trap_cwd_drop() - c has no virtual cwd any more. */
void trap_cwd_drop(struct trap_call *c);
/* trap_cwd_free() - forget every virtual cwd. */
void trap_cwd_free(struct trap *trap);

#endif
