/* SPDX-License-Identifier: MIT */
/*
 * Where the supervisor acts: never where a link planted in the root
 * would send it. A mapped path ("$ROOT/tmp/l/x") given to the kernel as
 * text is resolved by the kernel in the launcher, over the real tree: a
 * link in the root to "/", to "/proc/self/root" or climbing out of it
 * would take the launcher into the real /tmp, where a mounted private
 * /tmp would have kept the program in its own. So the supervisor pins
 * the directory the call acts in before acting:
 *
 *  - in the root, that directory is opened beneath the root's descriptor
 *    and through no symlink at all (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
 *  - a path with a symlink on the way is then walked in the program's
 *    names instead (shim_resolve(), which follows each link as a mounted
 *    /tmp would, and none in /proc: those name the launcher), and pinned
 *    again;
 *  - a last component that is a symlink, for a call that follows it, is
 *    read and its target resolved the same way (at most 40 links, as the
 *    kernel);
 *  - outside the root, the directory is opened through no symlink either
 *    (the walk above leaves none), and refused when it lies in a redirected
 *    prefix's real directory or in /proc (another process's view); so is
 *    the parent a last ".." names.
 *
 * The call is then made on "/proc/self/fd/N/<name>": the kernel looks up
 * only <name> in the pinned directory, with the caller's ids (the pin is
 * made with them too, so search permission on the way counts).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>

#include "shim.h"
#include "trap_internal.h"

/* The kernel's limit on symlinks followed in one lookup (MAXSYMLINKS). */
#define PIN_MAX_LINKS 40

/* openat2(2) of the directory @path relative to @dirfd. The descriptor or -errno. */
static int open_dir(int dirfd, const char *path, uint64_t resolve)
{
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC, .resolve = resolve};
	long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

/* Is the directory @fd in procfs? */
static bool in_proc(int fd)
{
	struct statfs sf;
	return fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

/*
 * May the call act in the directory @fd? Not in a prefix's real directory
 * outside the root, nor in /proc (another process's view). Judged by the
 * path the kernel gives for it, not by the text that led there.
 */
static bool place_ok(const struct map_table *table, int fd)
{
	char link[32], real[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = raw_readlink(link, real, sizeof(real) - 1);
	if (n < 0)
		return false;
	real[n] = '\0';
	return !(map_match(table, real) && !map_inside_root(table, real)) && !in_proc(fd);
}

/*
 * Open the directory @dir (real, absolute) to act in, through no symlink
 * at all (-ELOOP or -EXDEV when one is on the way: the caller walks the
 * path in the program's names, which leaves none). In the root: beneath
 * it. Outside: never in a prefix's real directory or /proc (-EACCES).
 * When the call names @dir's parent (@dotdot: its last component is
 * ".."), the parent is held to the same rule: "$ROOT/.." is the real /tmp.
 * The parent of a directory held open moves only with it, and the program
 * can move nothing into the real /tmp (every name it has for it is mapped).
 */
static int open_place(const struct trap *trap, const char *dir, bool dotdot)
{
	const struct map_table *table = &trap->table;
	const uint64_t no_links = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	bool in_root = trap->root_fd >= 0 && map_inside_root(table, dir);
	int fd;
	if (in_root) {
		const char *rel = dir + table->root_len;
		rel += strspn(rel, "/");
		fd = open_dir(trap->root_fd, rel[0] ? rel : ".", RESOLVE_BENEATH | no_links);
	} else {
		fd = open_dir(AT_FDCWD, dir, no_links);
	}
	if (fd < 0)
		return fd;
	bool ok = in_root || place_ok(table, fd);
	if (ok && dotdot) {
		int up = open_dir(fd, "..", no_links);
		ok = up >= 0 && place_ok(table, up);
		if (up >= 0)
			close(up);
	}
	if (!ok) {
		close(fd);
		return -EACCES;
	}
	return fd;
}

/*
 * Split the absolute @path at its last component: @dir receives what
 * comes before ("/" for the top), the return value points at the name in
 * @path (trailing slashes included; "" for "/").
 */
static const char *split(const char *path, char *dir)
{
	size_t end = strlen(path);
	while (end > 1 && path[end - 1] == '/')
		end--;
	size_t start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	size_t d = start;
	while (d > 1 && path[d - 1] == '/')
		d--;
	memcpy(dir, path, d);
	dir[d] = '\0';
	return path + start;
}

/* @name without its trailing slashes into @out (NAME_MAX + 1); true when it had some. */
static bool bare_name(const char *name, char *out)
{
	size_t n = strcspn(name, "/");
	if (n > NAME_MAX)
		n = NAME_MAX;
	memcpy(out, name, n);
	out[n] = '\0';
	return name[n] == '/';
}

/*
 * The link @name in @fd (in the directory @dir, real) read and resolved:
 * @prog receives the path it leads to, in the program's names, followed
 * by @slash. 0 or -errno.
 */
static int read_link(const struct map_table *table, int fd, const char *dir, const char *name,
		     const char *slash, char *prog)
{
	char target[PATH_MAX], base[PATH_MAX];
	if (in_proc(fd))
		return -ELOOP; /* /proc's links are the launcher's */
	ssize_t n = readlinkat(fd, name, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	if (map_unmap(table, target, target, sizeof(target)) < 0 ||
	    map_unmap(table, dir, base, sizeof(base)) < 0)
		return -ENAMETOOLONG;
	if (target[0] != '/') {
		char rel[PATH_MAX];
		memcpy(rel, target, (size_t)n + 1);
		if (map_join(base, rel, target, sizeof(target)) < 0)
			return -ENAMETOOLONG;
	}
	if (snprintf(prog, PATH_MAX, "%s%s", target, slash) >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* Close c's pins. */
void trap_pins_close(struct trap_call *c)
{
	for (int i = 0; i < c->npins; i++)
		close(c->pins[i].fd);
	c->npins = 0;
}

int trap_pin_take(struct trap_call *c, const char *out)
{
	for (int i = 0; i < c->npins; i++) {
		if (c->pins[i].of != out)
			continue;
		int fd = c->pins[i].fd;
		c->pins[i] = c->pins[--c->npins];
		return fd;
	}
	return -1;
}

static const struct trap_pin *pin_of(const struct trap_call *c, const char *out)
{
	for (int i = 0; i < c->npins; i++)
		if (c->pins[i].of == out)
			return &c->pins[i];
	return NULL;
}

const char *trap_at(const struct trap_call *c, const char *out)
{
	const struct trap_pin *pin = pin_of(c, out);
	return pin ? pin->at : out;
}

const char *trap_at_fd(const struct trap_call *c, const char *out, int *dirfd)
{
	const struct trap_pin *pin = pin_of(c, out);
	*dirfd = pin ? pin->fd : AT_FDCWD;
	if (!pin)
		return out;
	return pin->name[0] ? pin->name : "."; /* "/": the pinned directory itself */
}

int trap_pin(struct trap_call *c, char *out, const char *prog, unsigned how)
{
	const struct map_table *table = &c->trap->table;
	char walk_from[PATH_MAX], dir[PATH_MAX], name[NAME_MAX + 1];
	if (c->npins == TRAP_PINS_MAX)
		return -EMFILE;
	snprintf(walk_from, sizeof(walk_from), "%s", prog);
	int err = trap_become(c, false);
	if (err)
		return err;
	int fd = -1;
	bool walked = false;
	for (unsigned links = 0;;) {
		const char *last = split(out, dir);
		bool slash = bare_name(last, name);
		bool dotdot = strcmp(name, "..") == 0;
		/* A lookup follows a last link also when a slash ends the path. */
		bool follow = (how & TRAP_FOLLOW) || (slash && (how & TRAP_LOOKUP));
		fd = open_place(c->trap, dir, dotdot);
		if ((fd == -ELOOP || fd == -EXDEV) && (how & TRAP_NO_LINKS)) {
			fd = -ELOOP;
			break;
		}
		if ((fd == -ELOOP || fd == -EXDEV) && !walked) {
			/* A symlink on the way: walk it in the program's names. */
			walked = true;
			int r = shim_resolve(table, walk_from, out, PATH_MAX);
			if (r < 0) {
				fd = r;
				break;
			}
			continue;
		}
		if (fd < 0)
			break;
		struct stat st;
		if (!follow || !(name[0] && strcmp(name, ".") && !dotdot) ||
		    fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK(st.st_mode)) {
			struct trap_pin *pin = &c->pins[c->npins];
			int n = snprintf(pin->at, sizeof(pin->at), "/proc/self/fd/%d/%s", fd, last);
			pin->name = pin->at + (n - (int)strlen(last));
			if (n >= (int)sizeof(pin->at)) {
				close(fd);
				fd = -ENAMETOOLONG;
			}
			break;
		}
		/* A link the call follows: where it leads, mapped again. */
		err = ++links > PIN_MAX_LINKS
			  ? -ELOOP
			  : read_link(table, fd, dir, name, slash ? "/" : "", walk_from);
		close(fd);
		fd = err;
		if (err)
			break;
		err = shim_resolve(table, walk_from, out, PATH_MAX);
		if (err < 0) {
			fd = err;
			break;
		}
		walked = true;
	}
	trap_unbecome(c);
	if (fd < 0)
		return fd;
	c->pins[c->npins].fd = fd;
	c->pins[c->npins].of = out;
	c->npins++;
	return 0;
}
