/* SPDX-License-Identifier: MIT */
/*
 * The secure tree remover: tf_rmtree(), tf_rmtree_at() and tf_remove_tree(),
 * which the launcher reaps every run's private root with. Deleting anything
 * outside the tree is the worst bug this project can have, so:
 *
 *   - everything is done relative to directory fds (openat/unlinkat), and
 *     directories are opened O_NOFOLLOW|O_DIRECTORY: a symbolic link is
 *     only ever unlinked, never followed, wherever it is;
 *   - every directory opened is checked to be on the top's mount (st_dev
 *     and the statx(2) mount id, which also tells same-device bind mounts
 *     apart); a mount point is neither entered nor removed (EBUSY);
 *   - an explicit stack instead of recursion, and at most MAX_OPEN_FDS
 *     directory fds (as few as three when the process runs out): the
 *     oldest ancestors are closed on the way down and re-opened through
 *     ".." on the way up, checked against the device and inode recorded
 *     when they were first opened;
 *   - names are never joined into paths, so depth and path length are
 *     bounded only by memory;
 *   - an error is recorded and the walk goes on; the first one is returned.
 *
 * The shape follows systemd's rm-rf.c. The stack, the name list and the
 * read buffer come from sys_realloc(): malloc(3) in the library, mmap(2)
 * in the shim's raw build, where a removal may run from _exit() called by
 * a signal handler that interrupted malloc.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "internal.h"
#include "sys.h"

#define OPEN_DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
/* Directory fds held at once, the top's included. */
#define MAX_OPEN_FDS 32
/* Re-reads of one directory that keeps changing under us, before giving up. */
#define MAX_ROUNDS 16
#define DENTS_SIZE (64 * 1024)

/* What we know of a directory we hold an fd to. */
struct identity {
	dev_t dev;
	ino_t ino;
	uint64_t mnt_id;
	bool has_mnt_id;
	mode_t mode;
	uid_t uid;
};

/* One directory on the way from the top down to where the walk is. */
struct frame {
	int fd;	   /* -1 while closed to stay under MAX_OPEN_FDS */
	dev_t dev; /* identity, to check an fd re-opened through ".." */
	ino_t ino;
	size_t name_at;	   /* its name, at this offset in walk.names */
	size_t list_start; /* its subdirectories, from here in walk.names */
	size_t pending;	   /* the next one to visit */
	unsigned rounds;   /* times it has been read */
	bool read;	   /* read in this round */
	bool progress;	   /* something removed in this round */
	bool failed;	   /* something could not be removed */
};

struct walk {
	struct frame *frames;
	size_t depth, capacity;
	/*
	 * NUL-separated names of the subdirectories each frame still has to
	 * visit, the top frame's last: the frames' lists form a stack too,
	 * and the top frame's list runs to names_len.
	 */
	char *names;
	size_t names_len, names_capacity;
	char *dents;
	size_t open_fds;
	size_t max_open;    /* MAX_OPEN_FDS, lowered when the process runs out (EMFILE) */
	size_t oldest_open; /* no frame in [1, oldest_open) holds an fd */
	struct identity top;
	struct identity root; /* "/", never entered whatever the mount ids say */
	uid_t euid;
	int error; /* the first error, -errno */
};

static void fail(struct walk *walk, struct frame *frame, int error)
{
	if (!walk->error)
		walk->error = error;
	frame->failed = true;
}

/* Append decimal @value to the string @text. */
static void append_decimal(char *text, unsigned value)
{
	char digits[12];
	size_t len = strlen(text), n = 0;

	do
		digits[n++] = (char)('0' + value % 10);
	while (value /= 10);
	while (n)
		text[len++] = digits[--n];
	text[len] = '\0';
}

/*
 * The mount id of @fd from /proc/self/fdinfo (Linux 3.15), for kernels
 * whose statx(2) does not tell it (before 5.8). Without either, only
 * st_dev tells mounts apart, which misses bind mounts of the same file
 * system: a documented limit.
 */
static void fdinfo_mount_id(int fd, struct identity *id)
{
	char path[40] = "/proc/self/fdinfo/", text[1024];
	static const char key[] = "\nmnt_id:";

	append_decimal(path, (unsigned)fd);
	int info = sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	if (info < 0)
		return;
	ssize_t n = sys_read(info, text, sizeof(text) - 1);
	sys_close(info);
	if (n <= 0)
		return;
	text[n] = '\0';
	const char *at = strstr(text, key);
	if (!at)
		return;
	uint64_t value = 0;
	for (at += sizeof(key) - 1; *at == ' ' || *at == '\t'; at++)
		;
	for (; *at >= '0' && *at <= '9'; at++)
		value = value * 10 + (uint64_t)(*at - '0');
	id->mnt_id = value;
	id->has_mnt_id = true;
}

/*
 * What @name in @dirfd is, never following a link; with AT_EMPTY_PATH in
 * @flags and "" as @name, what the fd @dirfd holds. Every identity is
 * taken here, so device numbers are always encoded the same way.
 */
static int identify(int dirfd, const char *name, int flags, struct identity *id)
{
	struct statx stx;
	struct stat st;

	flags |= AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT;
	if (sys_statx(dirfd, name, flags,
		      STATX_TYPE | STATX_MODE | STATX_UID | STATX_INO | STATX_MNT_ID, &stx) == 0) {
		id->dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
		id->ino = stx.stx_ino;
		id->mnt_id = stx.stx_mnt_id;
		id->has_mnt_id = stx.stx_mask & STATX_MNT_ID;
		id->mode = stx.stx_mode;
		id->uid = stx.stx_uid;
	} else if (errno == ENOSYS || errno == EPERM || errno == EINVAL) {
		/* Before Linux 4.11, or statx filtered by a seccomp policy. */
		if (sys_fstatat(dirfd, name, &st, flags) < 0)
			return -errno;
		id->dev = st.st_dev;
		id->ino = st.st_ino;
		id->has_mnt_id = false;
		id->mode = st.st_mode;
		id->uid = st.st_uid;
	} else {
		return -errno;
	}
	if (!id->has_mnt_id && (flags & AT_EMPTY_PATH))
		fdinfo_mount_id(dirfd, id);
	return 0;
}

static int get_identity(int fd, struct identity *id)
{
	return identify(fd, "", AT_EMPTY_PATH, id);
}

int tf_same_mount(int fd, int other_fd)
{
	struct identity a, b;
	int r = get_identity(fd, &a);
	if (r == 0)
		r = get_identity(other_fd, &b);
	if (r < 0)
		return r;
	/* Not knowing one of the two mount ids is a "no". */
	return a.dev == b.dev && a.has_mnt_id == b.has_mnt_id &&
	       !(a.has_mnt_id && a.mnt_id != b.mnt_id);
}

static bool same_inode(const struct identity *a, const struct identity *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

static bool on_top_mount(const struct walk *walk, const struct identity *id)
{
	if (id->dev != walk->top.dev)
		return false;
	/*
	 * A bind mount of the same file system has the same st_dev. When the
	 * top's mount id is known but this one's is not (/proc/self/fdinfo
	 * could not be opened: no fd left), it is not taken for the top's.
	 */
	if (walk->top.has_mnt_id && !id->has_mnt_id)
		return false;
	return !(id->has_mnt_id && walk->top.has_mnt_id && id->mnt_id != walk->top.mnt_id);
}

/*
 * chmod the inode an O_PATH fd holds. fchmod(2) refuses O_PATH fds
 * (EBADF), and a directory of mode 000 cannot be opened any other way by
 * its owner. fchmodat2(fd, "", AT_EMPTY_PATH) (Linux 6.6) acts on exactly
 * that inode; before it, /proc/self/fd/N is a magic link to the same
 * inode, never resolved again by name. Both are race-free: whatever
 * happens to the name meanwhile, the inode checked is the inode changed.
 */
int tf_chmod_opath(int fd, mode_t mode)
{
	char path[32] = "/proc/self/fd/";

	if (sys_fchmodat2(fd, "", mode, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != ENOSYS && errno != EINVAL && errno != EPERM)
		return -errno;
	append_decimal(path, (unsigned)fd);
	return sys_fchmodat(AT_FDCWD, path, mode) < 0 ? -errno : 0;
}

/*
 * Give the caller rwx on directory @name in @dirfd so it can be read and
 * emptied: only a directory (never a file: its mode is shared by every
 * hard link), never through a symlink (O_NOFOLLOW|O_DIRECTORY), only one
 * the caller owns, and only on the top's mount (unless @any_mount, for the
 * top itself). Return: 0 when the mode was changed, -errno otherwise.
 */
static int fix_child_mode(const struct walk *walk, int dirfd, const char *name, bool any_mount)
{
	struct identity id;
	int fd = sys_openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int r = get_identity(fd, &id);
	if (r == 0 &&
	    (!S_ISDIR(id.mode) || id.uid != walk->euid || (!any_mount && !on_top_mount(walk, &id))))
		r = -EPERM;
	else if (r == 0 && (id.mode & 0700) == 0700)
		r = -EACCES; /* nothing we may fix */
	else if (r == 0)
		r = tf_chmod_opath(fd, (id.mode & 07777) | 0700);
	sys_close(fd);
	return r;
}

/*
 * After @error (an errno value) on an entry of @frame: if the directory
 * itself lacks write or search permission for its owner, the caller, add
 * it through the fd we read it with. Return: true when worth retrying.
 */
static bool fixed_frame_mode(const struct walk *walk, const struct frame *frame, int error)
{
	struct stat st;
	bool fixed = false;

	if (error != EACCES && error != EPERM)
		return false;
	if (sys_fstat(frame->fd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == walk->euid &&
	    (st.st_mode & 0700) != 0700)
		fixed = sys_fchmod(frame->fd, (st.st_mode & 07777) | 0700) == 0;
	errno = error; /* callers report the first failure, not ours */
	return fixed;
}

/* Append @name to the top frame's list of subdirectories to visit. */
static int list_subdirectory(struct walk *walk, const char *name)
{
	size_t len = strlen(name) + 1;

	if (walk->names_len + len > walk->names_capacity) {
		size_t capacity = walk->names_capacity ? walk->names_capacity : 4096;
		while (capacity < walk->names_len + len)
			capacity *= 2;
		char *names = sys_realloc(walk->names, capacity);
		if (!names)
			return -ENOMEM;
		walk->names = names;
		walk->names_capacity = capacity;
	}
	memcpy(walk->names + walk->names_len, name, len);
	walk->names_len += len;
	return 0;
}

/* Remove one entry of the top frame, or list it when it is a directory. */
static void remove_entry(struct walk *walk, const char *name, unsigned char type)
{
	struct frame *frame = &walk->frames[walk->depth - 1];
	struct stat st;
	int r;

	if (type == DT_UNKNOWN) {
		r = sys_fstatat(frame->fd, name, &st, AT_SYMLINK_NOFOLLOW);
		if (r < 0 && fixed_frame_mode(walk, frame, errno))
			r = sys_fstatat(frame->fd, name, &st, AT_SYMLINK_NOFOLLOW);
		if (r < 0) {
			if (errno != ENOENT)
				fail(walk, frame, -errno);
			return;
		}
		type = S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
	}
	if (type != DT_DIR) {
		r = sys_unlinkat(frame->fd, name, 0);
		if (r < 0 && fixed_frame_mode(walk, frame, errno))
			r = sys_unlinkat(frame->fd, name, 0);
		if (r == 0) {
			frame->progress = true;
			return;
		}
		if (errno == ENOENT)
			return;
		if (errno != EISDIR) { /* EISDIR: it became a directory */
			fail(walk, frame, -errno);
			return;
		}
	}
	r = list_subdirectory(walk, name);
	if (r < 0)
		fail(walk, frame, r);
}

/* Read the top frame to its end: remove what is not a directory, list the rest. */
static void read_frame(struct walk *walk)
{
	struct frame *frame = &walk->frames[walk->depth - 1];

	frame->read = true;
	frame->progress = false;
	walk->names_len = frame->list_start;
	frame->pending = frame->list_start;
	if (frame->rounds++ > 0 && sys_lseek(frame->fd, 0, SEEK_SET) < 0) {
		fail(walk, frame, -errno);
		return;
	}
	for (;;) {
		ssize_t n = sys_getdents64(frame->fd, walk->dents, DENTS_SIZE);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail(walk, frame, -errno);
			return;
		}
		if (n == 0)
			return;
		for (ssize_t at = 0; at < n;) {
			struct sys_dirent64 *entry = (struct sys_dirent64 *)(walk->dents + at);
			at += entry->d_reclen;
			const char *name = entry->d_name;
			if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
				continue;
			/* The top frame stays walk->depth - 1: nothing is pushed here. */
			remove_entry(walk, name, entry->d_type);
		}
	}
}

/* Push directory @fd, checked to be @id, whose name is at @name_at. */
static int push_frame(struct walk *walk, int fd, const struct identity *id, size_t name_at)
{
	if (walk->depth == walk->capacity) {
		size_t capacity = walk->capacity ? walk->capacity * 2 : 64;
		struct frame *frames = sys_realloc(walk->frames, capacity * sizeof(*frames));
		if (!frames)
			return -ENOMEM;
		walk->frames = frames;
		walk->capacity = capacity;
	}
	/* Over budget: close the oldest fd but the top's; ".." brings it back. */
	if (walk->open_fds >= walk->max_open) {
		while (walk->frames[walk->oldest_open].fd < 0)
			walk->oldest_open++;
		sys_close(walk->frames[walk->oldest_open].fd);
		walk->frames[walk->oldest_open].fd = -1;
		walk->open_fds--;
	}
	walk->frames[walk->depth++] = (struct frame){
	    .fd = fd,
	    .dev = id->dev,
	    .ino = id->ino,
	    .name_at = name_at,
	    .list_start = walk->names_len,
	    .pending = walk->names_len,
	};
	walk->open_fds++;
	return 0;
}

/*
 * openat(@dirfd, @name) a directory, never through a link, first giving
 * the caller's own directories the modes that takes: @frame's, the one
 * holding @name (NULL for the top), then @name's own.
 * Return: the fd, or -errno of the open.
 */
static int open_directory(const struct walk *walk, const struct frame *frame, int dirfd,
			  const char *name)
{
	int fd = sys_openat(dirfd, name, OPEN_DIR_FLAGS, 0);
	if (fd >= 0)
		return fd;
	int error = errno;
	if (frame && fixed_frame_mode(walk, frame, error)) {
		fd = sys_openat(dirfd, name, OPEN_DIR_FLAGS, 0);
		if (fd >= 0)
			return fd;
		error = errno;
	}
	if (error != EACCES)
		return -error;
	int r = fix_child_mode(walk, dirfd, name, !frame);
	if (r == -ENOENT || r == -ENOTDIR || r == -ELOOP)
		return r; /* no longer a directory */
	if (r == -EMFILE || r == -ENFILE)
		return r; /* out of fds: the caller may free some */
	if (r < 0)
		return -error;
	fd = sys_openat(dirfd, name, OPEN_DIR_FLAGS, 0);
	return fd < 0 ? -errno : fd;
}

/*
 * Open subdirectory @name of the top frame, fixing modes where needed.
 * Return: the fd; 0 when there was nothing to enter (it vanished, or was
 * not a directory and has been unlinked); -errno.
 */
static int open_subdirectory(struct walk *walk, const char *name)
{
	struct frame *frame = &walk->frames[walk->depth - 1];
	int fd = open_directory(walk, frame, frame->fd, name);

	if (fd >= 0)
		return fd;
	if (fd == -ENOENT)
		return 0;
	if (fd != -ELOOP && fd != -ENOTDIR)
		return fd;
	/* Swapped for a symbolic link or a file since it was read: unlink that. */
	if (sys_unlinkat(frame->fd, name, 0) < 0)
		return errno == ENOENT ? 0 : -errno;
	frame->progress = true;
	return 0;
}

/*
 * Out of fds (EMFILE, or ENFILE for the whole system): close the oldest
 * ancestor still held, but never the top's or the top frame's, and hold
 * no more than are left from now on. Coming back up re-opens it through
 * "..", as for a tree deeper than MAX_OPEN_FDS; so the walk needs three
 * fds (the top, a directory, its child or parent) and one more, briefly,
 * to fix a mode. Return: whether one was closed.
 */
static bool release_ancestor(struct walk *walk)
{
	while (walk->oldest_open < walk->depth - 1 && walk->frames[walk->oldest_open].fd < 0)
		walk->oldest_open++;
	if (walk->oldest_open >= walk->depth - 1)
		return false;
	sys_close(walk->frames[walk->oldest_open].fd);
	walk->frames[walk->oldest_open].fd = -1;
	walk->open_fds--;
	walk->max_open = walk->open_fds > 2 ? walk->open_fds : 2;
	return true;
}

/* Enter the next subdirectory the top frame has listed. */
static void enter_next(struct walk *walk)
{
	struct frame *frame = &walk->frames[walk->depth - 1];
	size_t name_at = frame->pending;
	struct identity id;

	frame->pending += strlen(walk->names + name_at) + 1;
	int fd = open_subdirectory(walk, walk->names + name_at);
	while ((fd == -EMFILE || fd == -ENFILE) && release_ancestor(walk))
		fd = open_subdirectory(walk, walk->names + name_at);
	if (fd <= 0) {
		if (fd < 0)
			fail(walk, frame, fd);
		return;
	}
	int r = get_identity(fd, &id);
	if (r == 0 && (!on_top_mount(walk, &id) || same_inode(&id, &walk->root)))
		r = -EBUSY; /* a mount point: neither entered nor removed */
	if (r == 0)
		r = push_frame(walk, fd, &id, name_at);
	if (r < 0) {
		sys_close(fd);
		fail(walk, frame, r);
	}
}

/* Pop the top frame, whose fd is closed or being closed. */
static void pop_frame(struct walk *walk)
{
	struct frame *frame = &walk->frames[--walk->depth];

	if (frame->fd >= 0) {
		sys_close(frame->fd);
		walk->open_fds--;
	}
	walk->names_len = frame->list_start;
	if (walk->oldest_open > walk->depth)
		walk->oldest_open = walk->depth;
}

/*
 * Re-open the parent of the top frame through "..": one openat whatever
 * the depth, where re-opening from the top by name would cost the depth.
 * ".." is wherever the directory is now, so it is used only if it is the
 * very directory we left (same device and inode). THIS CHECK IS WHAT
 * KEEPS A MOVED SUBTREE FROM LEADING THE WALK OUT OF THE TREE: without it
 * the walk climbs into whatever the subtree was moved under, and empties
 * it and its ancestors.
 */
static int reopen_parent(struct walk *walk)
{
	struct frame *frame = &walk->frames[walk->depth - 1];
	struct frame *parent = frame - 1;
	struct identity id;

	int fd = sys_openat(frame->fd, "..", OPEN_DIR_FLAGS, 0);
	if (fd < 0)
		return -errno;
	if (get_identity(fd, &id) < 0 || id.dev != parent->dev || id.ino != parent->ino) {
		sys_close(fd);
		return -ESTALE;
	}
	parent->fd = fd;
	walk->open_fds++;
	walk->oldest_open = walk->depth - 2;
	return 0;
}

/* Leave the emptied top frame and remove it from its parent. */
static void leave_frame(struct walk *walk)
{
	struct frame *frame = &walk->frames[walk->depth - 1];
	bool failed = frame->failed;
	int r = 0;

	if (frame[-1].fd < 0)
		r = reopen_parent(walk);
	if (r < 0) {
		/*
		 * The way back up is lost (moved, or made unreadable): give up
		 * on every frame up to the nearest one still open.
		 */
		fail(walk, frame, r);
		do
			pop_frame(walk);
		while (walk->frames[walk->depth - 1].fd < 0);
		walk->frames[walk->depth - 1].failed = true;
		return;
	}
	size_t name_at = frame->name_at;
	pop_frame(walk);
	struct frame *parent = &walk->frames[walk->depth - 1];
	const char *name = walk->names + name_at;
	r = sys_unlinkat(parent->fd, name, AT_REMOVEDIR);
	if (r < 0 && fixed_frame_mode(walk, parent, errno))
		r = sys_unlinkat(parent->fd, name, AT_REMOVEDIR);
	/*
	 * ENOTDIR: the directory was moved away while we were inside, and a
	 * link or file put in its place. That is in the tree: the parent's
	 * next read unlinks it. ENOENT: moved away, nothing in its place.
	 */
	if (r == 0 || errno == ENOTDIR)
		parent->progress = true;
	else if (errno != ENOENT)
		fail(walk, parent, -errno);
	if (failed)
		parent->failed = true;
}

/* Empty the tree whose top is frame 0, depth first, without recursion. */
static void empty_tree(struct walk *walk)
{
	while (walk->depth > 0) {
		struct frame *frame = &walk->frames[walk->depth - 1];
		if (!frame->read) {
			read_frame(walk);
		} else if (frame->pending < walk->names_len) {
			enter_next(walk);
		} else if (frame->progress && !frame->failed && frame->rounds < MAX_ROUNDS) {
			/* Read it again: entries can be missed while others go. */
			frame->read = false;
		} else if (walk->depth > 1) {
			leave_frame(walk);
		} else {
			break;
		}
	}
}

static bool is_dot_or_dotdot(const char *name)
{
	return name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2]));
}

/* Whether directory @fd, read again from its start, holds no entry. */
static bool is_empty(struct walk *walk, int fd)
{
	if (sys_lseek(fd, 0, SEEK_SET) < 0)
		return false;
	for (;;) {
		ssize_t n = sys_getdents64(fd, walk->dents, DENTS_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0;
		for (ssize_t at = 0; at < n;) {
			struct sys_dirent64 *entry = (struct sys_dirent64 *)(walk->dents + at);
			at += entry->d_reclen;
			if (!is_dot_or_dotdot(entry->d_name))
				return false;
		}
	}
}

/*
 * Empty the directory open as @fd, identified as @top, which stays open.
 * Return: 0 or the first error, -errno.
 */
static int empty_directory(int fd, const struct identity *top, const struct identity *root)
{
	struct walk walk = {
	    .top = *top,
	    .root = *root,
	    .euid = geteuid(),
	    .max_open = MAX_OPEN_FDS,
	    .oldest_open = 1,
	};
	int r;

	walk.dents = sys_realloc(NULL, DENTS_SIZE);
	r = walk.dents ? push_frame(&walk, fd, top, 0) : -ENOMEM;
	if (r == 0) {
		empty_tree(&walk);
		/*
		 * Still changing after MAX_ROUNDS reads: below the top, the
		 * rmdir tells whether something is left; the top, which may be
		 * kept (TF_RMTREE_CONTENTS_ONLY), has to be looked at.
		 */
		if (!walk.error && walk.frames[0].progress && !is_empty(&walk, fd))
			walk.error = -ENOTEMPTY;
		walk.frames[0].fd = -1; /* the caller's */
		pop_frame(&walk);
		r = walk.error;
	}
	sys_free(walk.dents);
	sys_free(walk.names);
	sys_free(walk.frames);
	return r;
}

/*
 * "." of an fd to a directory its owner may not search (chmod 000, or 600,
 * on the launcher's root): statx(fd, ".") and openat(fd, ".") need search
 * permission on it. The top is then the directory @dirfd holds, so give
 * its owner, the caller, u+rwx through that fd, never through a name.
 * @original receives its mode, for TF_RMTREE_CONTENTS_ONLY to give back.
 * Return: 0 when the mode was changed; -errno otherwise.
 */
static int fix_held_top_mode(int dirfd, mode_t *original)
{
	struct identity id, root;

	if (dirfd < 0)
		return -EACCES; /* AT_FDCWD: no fd of ours to change it through */
	int r = get_identity(dirfd, &id);
	if (r == 0)
		r = identify(AT_FDCWD, "/", 0, &root);
	if (r < 0)
		return r;
	if (!S_ISDIR(id.mode) || id.uid != geteuid() || (id.mode & 0700) == 0700 ||
	    same_inode(&id, &root))
		return -EACCES;
	*original = id.mode;
	return tf_chmod_opath(dirfd, (id.mode & 07777) | 0700);
}

/*
 * A held top given u+rwx by fix_held_top_mode() gets @original back when
 * it is not emptied after all (@fixed); @r is returned.
 */
static int unfix_held_top(int dirfd, bool fixed, mode_t original, int r)
{
	if (fixed)
		tf_chmod_opath(dirfd, original & 07777);
	return r;
}

/* tf_remove_tree() for a single component @name of @dirfd. */
static int remove_top(int dirfd, const char *name, unsigned flags)
{
	/* Zeroed: gcc -O3 cannot see that identify() sets them. */
	struct identity st = {0}, root = {0}, top = {0};
	bool contents_only = flags & TF_RMTREE_CONTENTS_ONLY, fixed = false;
	mode_t original = 0;

	int r = identify(dirfd, name, 0, &st);
	/* Only a top to be emptied: "." alone is EINVAL below, mode untouched. */
	if (r == -EACCES && contents_only && strcmp(name, ".") == 0 &&
	    fix_held_top_mode(dirfd, &original) == 0) {
		fixed = true;
		r = identify(dirfd, name, 0, &st);
		st.mode = original; /* what the kept top gets back */
	}
	if (r == 0)
		r = identify(AT_FDCWD, "/", 0, &root);
	if (r < 0)
		return unfix_held_top(dirfd, fixed, original, r);
	/* "/", "/.", "//", "d/..", "." in "/", a bind mount of "/"... */
	if (same_inode(&st, &root))
		return -EPERM;
	if (S_ISDIR(st.mode) && is_dot_or_dotdot(name) && !contents_only)
		return -EINVAL; /* as rm(1): rmdir(".") cannot work anyway */

	int fd = -ENOTDIR;
	if (S_ISDIR(st.mode))
		fd = open_directory(&(struct walk){.euid = geteuid()}, NULL, dirfd, name);
	if (fd == -ENOTDIR || fd == -ELOOP) {
		/* Not a directory, or a symbolic link: unlink it, never follow. */
		if (contents_only)
			return -ENOTDIR;
		return sys_unlinkat(dirfd, name, 0) < 0 ? -errno : 0;
	}
	if (fd < 0)
		return unfix_held_top(dirfd, fixed, original, fd); /* EMFILE: nothing emptied */
	/* Checked again on what we hold: the name may have changed since. */
	r = get_identity(fd, &top);
	if (r == 0 && same_inode(&top, &root))
		r = -EPERM;
	if (r < 0) {
		sys_close(fd);
		return r;
	}
	r = empty_directory(fd, &top, &root);
	/* A directory kept is given back the mode a fix may have changed. */
	if (contents_only && same_inode(&st, &top) && get_identity(fd, &top) == 0 &&
	    (top.mode & 07777) != (st.mode & 07777) && sys_fchmod(fd, st.mode & 07777) < 0 && !r)
		r = -errno;
	sys_close(fd);
	if (!contents_only && sys_unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && !r)
		r = -errno;
	return r;
}

int tf_remove_tree(int dirfd, const char *name, unsigned flags)
{
	if (!name || (flags & ~(unsigned)TF_RMTREE_CONTENTS_ONLY))
		return -EINVAL;
	if (!name[0])
		return -ENOENT;
	if (!strchr(name, '/'))
		return remove_top(dirfd, name, flags);

	/*
	 * Split into parent and last component: the parent is followed as
	 * any path is, the last component never. Trailing slashes would make
	 * the kernel follow a link ("link/"), so they are dropped.
	 */
	char path[PATH_MAX];
	size_t len = strlen(name);
	if (len >= sizeof(path))
		return -ENAMETOOLONG; /* more than the kernel takes in one path */
	memcpy(path, name, len + 1);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	char *slash = strrchr(path, '/');
	int r;
	if (!slash) {
		r = remove_top(dirfd, path, flags);
	} else if (slash[1] == '\0') {
		r = -EPERM; /* nothing but slashes: "/" */
	} else {
		*slash = '\0';
		int parent = sys_openat(dirfd, slash == path ? "/" : path,
					O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
		if (parent < 0) {
			r = -errno;
		} else {
			r = remove_top(parent, slash + 1, flags);
			sys_close(parent);
		}
	}
	return r;
}

int tf_rmtree(const char *path, unsigned flags)
{
	int r = tf_remove_tree(AT_FDCWD, path, flags);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}

int tf_rmtree_at(int dirfd, const char *name, unsigned flags)
{
	int r = -EINVAL;
	if (name && (dirfd == AT_FDCWD || !strchr(name, '/')))
		r = tf_remove_tree(dirfd, name, flags);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}
