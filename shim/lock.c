/* SPDX-License-Identifier: MIT */
/*
 * The lock that keeps a root the shim made itself alive to `tmpjail --gc`.
 *
 * --gc removes a root only when it can take flock(LOCK_EX) on it; the
 * launcher holds that lock for its life. Without a launcher, every process
 * of the run holds a shared lock on its own open file description of the
 * root, on one descriptor (TMPJAIL_LOCK names its number) that is not
 * close-on-exec:
 *
 *   - the maker takes it before the root gets its final name, so --gc never
 *     sees the root unlocked (staging names are left alone for a minute);
 *   - exec keeps the descriptor, so the lock outlives the old image, and the
 *     new image's shim replaces it with a description of its own;
 *   - after a fork, posix_spawn or popen the parent moves to a new
 *     description (the child keeps the one it shares no more), and an exec
 *     wrapper does the same in a vfork child before it execs: so the root's
 *     maker never shares its description with a live process, and can tell
 *     at exit whether anyone else still uses the root: it removes the root
 *     only when it can take the lock exclusively;
 *   - close(), close_range(), closefrom(), dup2() and dup3() never take the
 *     descriptor away: closing it is a no-op that succeeds, and a dup onto
 *     its number moves it first.
 *
 * Raw system calls throughout: these run in the constructor, fork children
 * and at exit, where the shim's own wrappers must not be re-entered.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>

#include "shim.h"

/* The lock descriptor goes this high, out of the way of programs that
 * expect the lowest free numbers (shells' "exec 3>file"). */
#define LOCK_FD_MIN 300

/* The descriptor holding our shared lock, -1 when this process holds none. */
static _Atomic int lock_fd = -1;
/* The root it locks (set before lock_fd, never changed after). */
static char lock_root[PATH_MAX];

static int raw_flock(int fd, int how)
{
	return (int)syscall(SYS_flock, fd, how);
}

static int raw_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}

/* Move @fd to LOCK_FD_MIN or above (not close-on-exec); @fd if that fails. */
static int move_high(int fd)
{
	int high = (int)syscall(SYS_fcntl, fd, F_DUPFD, LOCK_FD_MIN);

	if (high < 0)
		return fd; /* a low RLIMIT_NOFILE: stay where we are */
	raw_close(fd);
	return high;
}

/* Open @root as a new description (not close-on-exec); -1 on failure. */
static int open_root(const char *root)
{
	return (int)syscall(SYS_openat, AT_FDCWD, root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
}

/* Is @fd open on the directory @st describes? */
static bool same_directory(int fd, const struct stat *st)
{
	struct stat held;

	return fd >= 0 && syscall(SYS_fstat, fd, &held) == 0 && S_ISDIR(held.st_mode) &&
	       held.st_dev == st->st_dev && held.st_ino == st->st_ino;
}

int shim_lock_new(int fd, const char *root)
{
	if (strlen(root) >= sizeof(lock_root))
		return -ENAMETOOLONG;
	if (raw_flock(fd, LOCK_SH | LOCK_NB) < 0)
		return -errno;
	strcpy(lock_root, root);
	atomic_store(&lock_fd, move_high(fd));
	return 0;
}

/*
 * Take a lock of our own on @root. @inherited is the descriptor
 * TMPJAIL_LOCK names (-1: none), which holds the lock for us until ours
 * replaces it on the same number.
 */
static int relock(const char *root, int inherited)
{
	struct stat st;
	int fd = open_root(root);

	if (fd < 0)
		return -errno;
	if (strlen(root) >= sizeof(lock_root)) {
		raw_close(fd);
		return -ENAMETOOLONG;
	}
	strcpy(lock_root, root);
	if (syscall(SYS_fstat, fd, &st) < 0 || raw_flock(fd, LOCK_SH | LOCK_NB) < 0) {
		int err = -errno;
		raw_close(fd);
		return err; /* EWOULDBLOCK: a launcher holds it, and keeps it alive */
	}
	if (same_directory(inherited, &st) && syscall(SYS_dup3, fd, inherited, 0) >= 0) {
		raw_close(fd);
		fd = inherited;
	} else {
		fd = move_high(fd);
	}
	atomic_store(&lock_fd, fd);
	return 0;
}

int shim_lock_adopt(const char *root, const char *inherited)
{
	char *end;
	long number = inherited && inherited[0] ? strtol(inherited, &end, 10) : -1;

	if (number < 0 || number > INT_MAX || *end != '\0')
		number = -1;
	return relock(root, (int)number);
}

void shim_lock_moved(const char *root)
{
	if (strlen(root) < sizeof(lock_root))
		strcpy(lock_root, root);
}

void shim_lock_renew(void)
{
	int fd = atomic_load(&lock_fd);

	if (fd < 0)
		return;
	int fresh = open_root(lock_root);
	if (fresh < 0)
		return;
	/* Only writes the descriptor table: in a vfork child, the parent's
	 * memory (lock_fd) must stay as it is. */
	if (raw_flock(fresh, LOCK_SH | LOCK_NB) == 0)
		(void)syscall(SYS_dup3, fresh, fd, 0);
	raw_close(fresh);
}

void shim_lock_release(void)
{
	int fd = atomic_exchange(&lock_fd, -1);

	if (fd >= 0)
		raw_close(fd);
}

int shim_lock_fd(void)
{
	return atomic_load_explicit(&lock_fd, memory_order_relaxed);
}

bool shim_lock_last(void)
{
	int fd = atomic_load(&lock_fd);

	if (fd < 0)
		return false;
	if (raw_flock(fd, LOCK_EX | LOCK_NB) == 0)
		return true;
	/* Others still use the root. The failed conversion dropped our shared
	 * lock: take it back, in case this process goes on after all. */
	(void)raw_flock(fd, LOCK_SH | LOCK_NB);
	return false;
}

/* ---- descriptors a program cannot take away ---- */

int close(int fd)
{
	shim_fn_close real = SHIM_REAL(close);

	if (fd >= 0 && fd == atomic_load_explicit(&lock_fd, memory_order_relaxed))
		return 0; /* ours: the root must stay locked */
	if (!real)
		return (int)syscall(SYS_close, fd);
	return real(fd);
}

/* Close [@first, @last] except the lock descriptor. */
static int close_range_around(unsigned first, unsigned last, int flags)
{
	int fd = atomic_load_explicit(&lock_fd, memory_order_relaxed);
	unsigned lock = (unsigned)fd;

	if (fd < 0 || lock < first || lock > last)
		return (int)syscall(SYS_close_range, first, last, flags);
	if (lock > first && syscall(SYS_close_range, first, lock - 1, flags) < 0)
		return -1;
	if (lock < last && syscall(SYS_close_range, lock + 1, last, flags) < 0)
		return -1;
	return 0;
}

int close_range(unsigned first, unsigned last, int flags)
{
	return close_range_around(first, last, flags);
}

void closefrom(int lowest)
{
	if (lowest < 0)
		lowest = 0;
	if (close_range_around((unsigned)lowest, ~0U, 0) == 0)
		return;
	/* As glibc: no close_range(2), close one by one. */
	for (int fd = lowest; fd < 65536; fd++)
		if (fd != atomic_load_explicit(&lock_fd, memory_order_relaxed))
			raw_close(fd);
}

/*
 * A dup onto the lock's number: move the lock out of the way first, to the
 * lowest free number (programs that dup onto every number go upwards, so
 * it lands behind them). Return: 0, or -1 with errno EBUSY when it cannot
 * move (no free descriptor): the dup would drop the lock.
 */
static int make_room(int newfd)
{
	int fd = atomic_load(&lock_fd);

	if (newfd < 0 || newfd != fd)
		return 0;
	int moved = (int)syscall(SYS_fcntl, fd, F_DUPFD, 3);
	if (moved < 0) {
		errno = EBUSY;
		return -1;
	}
	atomic_store(&lock_fd, moved);
	return 0;
}

int dup2(int oldfd, int newfd)
{
	shim_fn_dup2 real = SHIM_REAL(dup2);

	if (oldfd != newfd && make_room(newfd) < 0)
		return -1;
	if (real)
		return real(oldfd, newfd);
	if (oldfd == newfd) /* dup3(2) refuses what dup2(2) allows */
		return syscall(SYS_fcntl, oldfd, F_GETFD) < 0 ? -1 : newfd;
	return (int)syscall(SYS_dup3, oldfd, newfd, 0);
}

int dup3(int oldfd, int newfd, int flags)
{
	shim_fn_dup3 real = SHIM_REAL(dup3);

	if (oldfd != newfd && make_room(newfd) < 0)
		return -1;
	return real ? real(oldfd, newfd, flags) : (int)syscall(SYS_dup3, oldfd, newfd, flags);
}
