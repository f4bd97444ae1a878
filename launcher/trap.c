/* SPDX-License-Identifier: MIT */
/*
 * The trap's supervisor: receives notifications, reads the caller's memory
 * and maps its paths with the shim's mapper, acts with its credentials,
 * and replies. One notification at a time, each in bounded work.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "trap_internal.h"

int trap_valid(struct trap_call *c)
{
	return seccomp_notify_id_valid(c->listener, c->req->id) == 0 ? 0 : -ESRCH;
}

/* A process_vm_readv/writev of one range, for trap_unsealed(). */
struct vm_range {
	pid_t pid;
	bool write;
	struct iovec local, remote;
};

static long vm_op(void *arg)
{
	struct vm_range *r = arg;
	ssize_t n = r->write ? process_vm_writev(r->pid, &r->local, 1, &r->remote, 1, 0)
			     : process_vm_readv(r->pid, &r->local, 1, &r->remote, 1, 0);
	return n < 0 ? -errno : n;
}

/* Move @size bytes between @buf and the caller's @addr. Bytes moved or -errno. */
static long vm_move(struct trap_call *c, bool write, void *buf, uint64_t addr, size_t size)
{
	struct vm_range r = {.pid = c->pid,
			     .write = write,
			     .local = {.iov_base = buf, .iov_len = size},
			     .remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = size}};
	return trap_unsealed(c->trap, vm_op, &r);
}

int trap_read(struct trap_call *c, uint64_t addr, void *buf, size_t size)
{
	if (size == 0)
		return 0;
	long n = vm_move(c, false, buf, addr, size);
	if (n == (long)size)
		return trap_valid(c);
	/* The caller's bad pointer: the kernel answers it as natively. Gone: nothing to answer. */
	return n >= 0 || n == -EFAULT ? -EFAULT : (int)n;
}

int trap_write(struct trap_call *c, uint64_t addr, const void *buf, size_t size)
{
	if (size == 0)
		return 0;
	return vm_move(c, true, (void *)buf, addr, size) == (long)size ? 0 : -EFAULT;
}

long trap_read_string(struct trap_call *c, uint64_t addr, char *buf, size_t size)
{
	const size_t page = 4096;
	size_t got = 0;
	/* Page by page: the string may end just before an unmapped page. */
	while (got < size) {
		size_t chunk = page - (size_t)((addr + got) % page);
		if (chunk > size - got)
			chunk = size - got;
		long n = vm_move(c, false, buf + got, addr + got, chunk);
		if (n <= 0)
			return n == 0 ? -EFAULT : n;
		char *nul = memchr(buf + got, '\0', (size_t)n);
		if (nul) {
			int valid = trap_valid(c);
			return valid ? valid : (long)(nul - buf);
		}
		got += (size_t)n;
	}
	return -ENAMETOOLONG;
}

struct proc_args {
	const char *path;
	char *buf;
	size_t size;
	struct stat *st;
	int pidfd, fd;
};

static long readlink_op(void *arg)
{
	struct proc_args *a = arg;
	long n = raw_readlink(a->path, a->buf, a->size);
	return n < 0 ? -errno : n;
}

static long stat_op(void *arg)
{
	struct proc_args *a = arg;
	return stat(a->path, a->st) < 0 ? -errno : 0;
}

static long getfd_op(void *arg)
{
	struct proc_args *a = arg;
	long fd = syscall(SYS_pidfd_getfd, a->pidfd, a->fd, 0);
	return fd < 0 ? -errno : fd;
}

long trap_proc_readlink(struct trap *trap, const char *path, char *buf, size_t size)
{
	return trap_unsealed(trap, readlink_op,
			     &(struct proc_args){.path = path, .buf = buf, .size = size});
}

long trap_proc_stat(struct trap *trap, const char *path, struct stat *st)
{
	return trap_unsealed(trap, stat_op, &(struct proc_args){.path = path, .st = st});
}

long trap_pidfd_getfd(struct trap *trap, int pidfd, int fd)
{
	return trap_unsealed(trap, getfd_op, &(struct proc_args){.pidfd = pidfd, .fd = fd});
}

/* Read the link /proc/PID/@what into @out (PATH_MAX): 0 or -errno. */
static int proc_link(struct trap *trap, pid_t pid, const char *what, char *out)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/%d/%s", (int)pid, what);
	long n = trap_proc_readlink(trap, link, out, PATH_MAX - 1);
	if (n < 0)
		return (int)n;
	out[n] = '\0';
	return 0;
}

/*
 * The directory a relative path of the caller starts from, in the
 * program's names, into @base. Return: 1 when it is a virtual cwd, 0
 * when it is real, TRAP_PATH_KEEP... as -ENOENT when the kernel must
 * answer (a bad descriptor, one that is not a directory path).
 */
static int base_of(struct trap_call *c, int dirfd, char *base, bool *in_root)
{
	*in_root = false;
	if (dirfd == AT_FDCWD) {
		int v = trap_cwd_get(c, base);
		if (v != 0)
			return v;
	}
	char what[32];
	snprintf(what, sizeof(what), dirfd == AT_FDCWD ? "cwd" : "fd/%d", dirfd);
	int err = proc_link(c->trap, c->pid, what, base);
	if (err == -ESRCH)
		return err;
	/* Not a path (socket:[...], a deleted directory): the kernel answers. */
	if (err || base[0] != '/' || strstr(base, " (deleted)"))
		return -ENOENT;
	if (map_inside_root(&c->trap->table, base)) {
		*in_root = true;
		if (map_unmap(&c->trap->table, base, base, PATH_MAX) < 0)
			return -ENAMETOOLONG;
	}
	return 0;
}

/* @path into @out (PATH_MAX) as it is. */
static int copy_path(const char *path, char *out)
{
	size_t n = strlen(path);
	if (n >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(out, path, n + 1);
	return TRAP_PATH_KEEP;
}

/*
 * Map the absolute program path @path into @out: TRAP_PATH_MAPPED when
 * the supervisor must act on @out (it lies in the root, or the walk found
 * that the kernel, given @path, would go elsewhere than a mounted /tmp
 * leads), TRAP_PATH_KEEP with @out the kernel's path else.
 */
static int map_absolute(const struct map_table *table, const char *path, char *out)
{
	bool walk = map_needs_walk(table, path);
	int r =
	    walk ? shim_resolve(table, path, out, PATH_MAX) : map_path(table, path, out, PATH_MAX);
	if (r < 0)
		return r;
	if (r == MAP_KEEP && (r = copy_path(path, out)) < 0)
		return r;
	if (map_inside_root(table, out) || (walk && strcmp(out, path) != 0))
		return TRAP_PATH_MAPPED;
	return TRAP_PATH_KEEP;
}

/*
 * Does the kernel, walking the absolute @path over the real tree, look a
 * name up in a redirected prefix's directory, or end in one? When it does
 * not ("/tmp/../etc/x"), its walk is the one over a mounted /tmp: ".." from
 * a prefix's own directory reaches the same parent. Lexical, as links
 * outside the prefixes are the kernel's (docs/trap.md).
 */
static bool looks_in_prefix(const struct map_table *table, const char *path)
{
	char cur[PATH_MAX];
	size_t n = 0;
	cur[0] = '\0';
	for (const char *p = path;; p += strcspn(p, "/")) {
		p += strspn(p, "/");
		size_t len = strcspn(p, "/");
		bool in_prefix = n > 0 && map_match(table, cur);
		if (len == 0)
			return in_prefix;
		bool dot = len == 1 && p[0] == '.', dotdot = len == 2 && p[0] == '.' && p[1] == '.';
		if (in_prefix && !dot && !dotdot)
			return true;
		if (dotdot) {
			while (n > 0 && cur[n - 1] != '/')
				n--;
			n -= n > 0;
		} else if (!dot) {
			if (n + 1 + len >= sizeof(cur))
				return true; /* too long to tell: the walk decides */
			cur[n++] = '/';
			memcpy(cur + n, p, len);
			n += len;
		}
		cur[n] = '\0';
	}
}

/*
 * TRAP_PATH_MAPPED for @out, the mapping of @prog (@raw as the program
 * wrote it), once its directory is pinned.
 */
static int pinned(struct trap_call *c, char *out, const char *prog, const char *raw, unsigned how)
{
	int err = trap_pin(c, out, prog, how);
	if (err)
		return err;
	trap_audit_path(c, raw, out);
	return TRAP_PATH_MAPPED;
}

int trap_path(struct trap_call *c, int dirfd, uint64_t addr, char *out, char *raw, unsigned how)
{
	const struct map_table *table = &c->trap->table;
	char buf[PATH_MAX], base[PATH_MAX], joined[PATH_MAX];
	char *path = raw ? raw : buf;
	bool full = how & TRAP_FULL;
	out[0] = '\0';
	long n = trap_read_string(c, addr, path, PATH_MAX);
	if (n == -EFAULT)
		return TRAP_PATH_KEEP; /* the kernel says EFAULT, as natively */
	if (n < 0)
		return (int)n;
	if (path[0] == '\0')
		return TRAP_PATH_KEEP; /* AT_EMPTY_PATH, or ENOENT */
	if (path[0] == '/') {
		/*
		 * Already in the root ($TMPDIR): the kernel does it, unless paired.
		 * Not with a "..", which may climb out of it ("$ROOT/../x" is the
		 * real /tmp's): that one is mapped as the shim maps it.
		 */
		if (map_inside_root(table, path) && !map_has_dotdot(path))
			return copy_path(path, out) < 0 ? -ENAMETOOLONG
			       : full			? pinned(c, out, path, path, how)
							: TRAP_PATH_KEEP;
		/* A magic link is the caller's, not the supervisor's: the kernel's. */
		if (!map_match(table, path) &&
		    (!map_needs_walk(table, path) || map_past_magic_link(path)))
			return copy_path(path, out);
		if (!looks_in_prefix(table, path))
			return copy_path(path, out);
		int r = map_absolute(table, path, out);
		return r == TRAP_PATH_MAPPED ? pinned(c, out, path, path, how) : r;
	}
	/* Relative without a virtual cwd: only one that may reach a prefix needs a look. */
	if (!full && c->trap->ncwds == 0 && !map_may_reach(table, path))
		return TRAP_PATH_KEEP;
	bool in_root;
	int v = base_of(c, dirfd, base, &in_root);
	if (v == -ENOENT)
		return TRAP_PATH_KEEP;
	if (v < 0)
		return v;
	/* Below a stand-in, the kernel walks down it as it would the mounted prefix. */
	if (!full && v == 0 && in_root && !map_has_dotdot(path))
		return TRAP_PATH_KEEP;
	if (map_join(base, path, joined, sizeof(joined)) < 0)
		return -ENAMETOOLONG;
	int r = map_absolute(table, joined, out);
	if (r == TRAP_PATH_MAPPED)
		return pinned(c, out, joined, path, how);
	/*
	 * From a virtual cwd, or from a stand-in, to where no walk was needed
	 * and outside the root: the kernel would start from the wrong
	 * directory. Refused.
	 */
	if (v == 1 || in_root)
		return -EACCES;
	return r;
}

/* Parse "Key:\t1\t2\t3\t4" lines of /proc/PID/status into c->creds. */
static void parse_status(struct trap_creds *cr, char *text)
{
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned long v[4] = {0};
		if (sscanf(line, "Tgid: %lu", &v[0]) == 1)
			cr->tgid = (pid_t)v[0];
		else if (sscanf(line, "PPid: %lu", &v[0]) == 1)
			cr->ppid = (pid_t)v[0];
		else if (sscanf(line, "Umask: %lo", &v[0]) == 1)
			cr->umask = (mode_t)v[0];
		else if (sscanf(line, "Uid: %lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3]) == 4)
			cr->ruid = (uid_t)v[0], cr->fsuid = (uid_t)v[3];
		else if (sscanf(line, "Gid: %lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3]) == 4)
			cr->rgid = (gid_t)v[0], cr->fsgid = (gid_t)v[3];
		else if (sscanf(line, "CapEff: %lx", &v[0]) == 1)
			cr->cap_eff = (uint64_t)v[0];
		else if (strncmp(line, "Groups:", 7) == 0) {
			char *p = line + 7, *end;
			cr->ngroups = 0;
			for (unsigned long g;
			     cr->ngroups < (int)(sizeof(cr->groups) / sizeof(cr->groups[0]));
			     p = end) {
				g = strtoul(p, &end, 10);
				if (end == p)
					break;
				cr->groups[cr->ngroups++] = (gid_t)g;
			}
		}
	}
}

int trap_creds_read(struct trap_call *c)
{
	if (c->creds.read)
		return 0;
	char path[64], text[4096];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)c->pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	text[n] = '\0';
	c->creds.umask = 022;
	parse_status(&c->creds, text);
	c->creds.read = true;
	return trap_valid(c);
}

/* Does the caller have the launcher's supplementary groups (in any order)? */
static bool same_groups(const struct trap *trap, const struct trap_creds *cr)
{
	if (cr->ngroups != trap->ngroups)
		return false;
	for (int i = 0; i < cr->ngroups; i++) {
		bool found = false;
		for (int j = 0; j < trap->ngroups && !found; j++)
			found = cr->groups[i] == trap->groups[j];
		if (!found)
			return false;
	}
	return true;
}

/* The caller's ids and groups for this thread (trap_become()). 0, or -1 with errno. */
static int become_ids(struct trap_call *c, uid_t uid, gid_t gid)
{
	struct trap_creds *cr = &c->creds;
	/*
	 * Raw calls: these ids are per thread; glibc's would set them in every
	 * thread. Only what differs is changed: in a user namespace made with
	 * --map-root-user the launcher is root but may not call setgroups.
	 */
	if (!same_groups(c->trap, cr)) {
		if (syscall(SYS_setgroups, cr->ngroups, cr->groups) < 0)
			return -1;
		c->groups_changed = true;
	}
	syscall(SYS_setfsgid, gid);
	syscall(SYS_setfsuid, uid);
	return 0;
}

int trap_become(struct trap_call *c, bool real)
{
	const struct trap *trap = c->trap;
	if (!trap->root && !c->creates && !trap->cap_eff)
		return 0;
	int err = trap_creds_read(c);
	if (err)
		return err;
	struct trap_creds *cr = &c->creds;
	if (c->creates)
		c->saved_umask = umask(cr->umask);
	c->became = true;
	if (trap->root && become_ids(c, real ? cr->ruid : cr->fsuid, real ? cr->rgid : cr->fsgid))
		return -errno;
	/*
	 * A caller with uid 0 but fewer capabilities (capsh --drop, a service
	 * without CAP_DAC_OVERRIDE) keeps fsuid 0, and a launcher that is not
	 * root may hold some: the supervisor never acts with a capability the
	 * caller lacks, or not at all.
	 */
	uint64_t eff = trap->cap_eff & cr->cap_eff;
	if (eff != trap->cap_eff) {
		c->caps_changed = true;
		if (trap_caps_set(eff) < 0)
			return -EPERM;
	}
	return 0;
}

/* capget(2)/capset(2) of this thread's sets (capabilities are per thread). */
static int caps_io(bool set, struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct head = {.version = _LINUX_CAPABILITY_VERSION_3};
	return (int)syscall(set ? SYS_capset : SYS_capget, &head, data);
}

int trap_caps_get(uint64_t *eff)
{
	struct __user_cap_data_struct data[2];
	if (caps_io(false, data) < 0)
		return -errno;
	*eff = (uint64_t)data[1].effective << 32 | data[0].effective;
	return 0;
}

int trap_caps_set(uint64_t eff)
{
	struct __user_cap_data_struct data[2];
	if (caps_io(false, data) < 0)
		return -errno;
	data[0].effective = (uint32_t)eff;
	data[1].effective = (uint32_t)(eff >> 32);
	return caps_io(true, data) < 0 ? -errno : 0;
}

void trap_unbecome(struct trap_call *c)
{
	if (!c->became)
		return;
	if (c->creates)
		umask(c->saved_umask);
	if (c->caps_changed)
		trap_caps_set(c->trap->cap_eff); /* first: setfsuid and setgroups need them */
	if (c->trap->root) {
		syscall(SYS_setfsuid, c->trap->euid);
		syscall(SYS_setfsgid, c->trap->egid);
		if (c->groups_changed)
			syscall(SYS_setgroups, c->trap->ngroups, c->trap->groups);
	}
	c->became = false;
	c->groups_changed = false;
	c->caps_changed = false;
}
