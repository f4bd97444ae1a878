/* SPDX-License-Identifier: MIT */
/*
 * The path mapper: a pure function from a path a program passes to libc to
 * the path the kernel should see. No allocation, no system call, no lock,
 * no getenv: the shim calls it on every path-taking call, and the answer for
 * a path outside the redirected prefixes must cost no more than a prefix
 * test.
 */
#ifndef TMPJAIL_SHIM_MAP_H
#define TMPJAIL_SHIM_MAP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * The environment contract's limits on TMPJAIL_REDIRECT
 * (docs/architecture.md, "Limits"): at most this many prefixes, /tmp and
 * /var/tmp included, each at most MAP_PREFIX_MAX - 1 bytes once canonical.
 * The launcher refuses more at start (launcher/env.h repeats the numbers;
 * tests/adversary/check_adversary_shim.c checks that the three agree).
 */
#define MAP_MAX_RULES 16
/* Longest redirected prefix, terminating NUL included. */
#define MAP_PREFIX_MAX 256
/* Room for the longest TMPJAIL_REDIRECT the table can hold, NUL included:
 * every prefix at its longest, one ':' after each but the last. */
#define MAP_REDIRECT_MAX (MAP_MAX_RULES * MAP_PREFIX_MAX)
/* Room for the component names of every prefix (see map_table.names). */
#define MAP_NAMES_MAX (MAP_MAX_RULES * MAP_PREFIX_MAX)

/* One redirected prefix and where it goes. */
struct map_rule {
	char from[MAP_PREFIX_MAX]; /* canonical absolute prefix: "/var/tmp" */
	size_t from_len;
	char to[PATH_MAX]; /* its stand-in: "$TMPJAIL_ROOT/var/tmp" */
	size_t to_len;
	/*
	 * How many components "to" lies below the root: a ".." after the
	 * prefix may climb this far and still stay inside the root.
	 */
	unsigned depth;
};

/*
 * Everything the mapper needs, self-contained (no pointers), so the shim
 * fills one once and publishes it.
 */
struct map_table {
	char root[PATH_MAX]; /* TMPJAIL_ROOT, "" while none exists */
	size_t root_len;
	struct map_rule rules[MAP_MAX_RULES]; /* longest prefix first */
	size_t nrules;
	/*
	 * Every component name of every prefix, once, each NUL-terminated
	 * ("tmp\0var\0"): a relative path can only reach a prefix when its
	 * first component is one of these or "..".
	 */
	char names[MAP_NAMES_MAX];
	size_t names_len;
	/*
	 * Bit c is set when a redirected path may have byte c right after
	 * its leading '/': the first byte of some prefix's first component,
	 * and '/' and '.' ("//tmp", "/./tmp"). Any other byte there means
	 * "not redirected" at the cost of one load, which is the answer for
	 * nearly every path a program passes (/usr, /etc, /proc, ...).
	 */
	unsigned char first[32];
	/*
	 * Set when map_table_build() could not hold or understand all of
	 * TMPJAIL_REDIRECT: which paths were meant to be redirected is then
	 * unknown, so map_match() and map_may_reach() answer yes for every
	 * path, and the shim refuses them all (fail closed).
	 */
	bool incomplete;
	/*
	 * Set by a user of the table that is not the program (the trap's
	 * supervisor): "/proc/self" and the links below /proc name that
	 * process, so shim_resolve() follows no symlink in /proc (-ELOOP).
	 * map_table_build() leaves it clear.
	 */
	bool foreign;
};

/* map_path() results besides -errno. */
enum {
	MAP_KEEP = 0, /* not redirected: use the path as given */
	MAP_DONE = 1, /* redirected: the output buffer holds the new path */
};

/* The prefixes used when TMPJAIL_REDIRECT is unset. */
#define MAP_DEFAULT_REDIRECT "/tmp:/var/tmp"

/**
 * map_table_build() - fill @table from the environment contract's values.
 * @table: the table to fill (entirely overwritten).
 * @root: TMPJAIL_ROOT, or NULL/"" when there is no root yet (then rules
 *        only tell which paths are redirected; map_path() keeps all).
 * @dir: TMPJAIL_DIR, or NULL for "$root/tmp"; it must lie inside @root.
 * @redirect: TMPJAIL_REDIRECT, colon-separated absolute prefixes, or NULL
 *            for MAP_DEFAULT_REDIRECT. Entries are made canonical ("//a/./b/"
 *            is "/a/b"); empty entries and duplicates are skipped.
 *            Anything else the table cannot honour fails, a prefix inside
 *            the root included.
 *
 * Every failure fails closed: a value that would turn redirection off for
 * some path ("/" as root, a stand-in outside the root, a prefix dropped)
 * is an error, never a smaller table.
 *
 * Return: 0, or -EINVAL when @root is not absolute or names "/", @dir is
 * not absolute or lies outside @root, -ENAMETOOLONG when a mapped prefix
 * does not fit in PATH_MAX. Errors of @redirect also set table->incomplete
 * (the table then still holds the rules that fit, to refuse with):
 * -EINVAL for a list naming no prefix ("", ":") or an entry that is relative, "/", has ".."
 * or lies inside @root,
 * -ENAMETOOLONG for an entry of MAP_PREFIX_MAX bytes or more, -E2BIG for
 * more than MAP_MAX_RULES distinct prefixes.
 */
int map_table_build(struct map_table *table, const char *root, const char *dir,
		    const char *redirect);

/**
 * map_path() - map one path.
 * @table: the rules.
 * @path: what the program passed; NULL and relative paths are kept.
 * @out: receives the mapped path (only when MAP_DONE is returned).
 * @size: size of @out, normally PATH_MAX.
 *
 * A path is redirected when, after skipping repeated slashes and "."
 * components, its leading components equal a prefix's (so "/tmp", "/tmp/"
 * and "//tmp/./a" are, "/tmpfoo" is not). The prefix is replaced by its
 * stand-in and the rest is kept as written: ".." is never collapsed, the
 * kernel resolves it inside the stand-in. A ".." that would climb above
 * the private root ("/tmp/../../etc") is refused, so nothing redirected
 * can reach the real directory the root lives in. A path already inside
 * the root is kept (idempotence).
 *
 * Return: MAP_KEEP, MAP_DONE, -EACCES (climbs out of the root),
 * -ENAMETOOLONG (the result does not fit in @size).
 */
int map_path(const struct map_table *table, const char *path, char *out, size_t size);

/**
 * map_match() - does @path fall under one of the redirected prefixes?
 * Works on a table without a root too: the shim asks it before it creates
 * a root of its own. Every absolute path does in an incomplete table.
 *
 * Return: nonzero when it does.
 */
int map_match(const struct map_table *table, const char *path);

/**
 * map_may_reach() - could the relative @path reach a redirected prefix
 * from some directory? Only when its first component (after "." ones) is
 * ".." or a component name of a prefix ("tmp" or "var" by default), when
 * it has a ".." further on ("x/../tmp"), or when the table is incomplete. This is the fast test for
 * relative paths: no system call.
 *
 * Return: nonzero when it could.
 */
int map_may_reach(const struct map_table *table, const char *path);

/**
 * map_join() - the absolute path the relative @path names from @base.
 * @base: canonical absolute path of the directory @path starts from (no
 *        symlinks, no "." or ".."; as getcwd(2) or /proc/self/fd give it).
 *        May be @out itself.
 * @path: the relative path.
 * @out: receives the result.
 * @size: size of @out.
 *
 * Leading ".." components of @path remove the last component of @base:
 * @base has no symlinks, so that is where the kernel goes too. Everything
 * from the first other component on is kept as written: a ".." after a
 * component of @path is never collapsed (that component may be a symlink).
 *
 * Return: the length of the result, or -EINVAL (@base is not absolute),
 * -ENAMETOOLONG (it does not fit in @size).
 */
long map_join(const char *base, const char *path, char *out, size_t size);

/**
 * map_inside_root() - is the canonical absolute @path the private root or
 * below it?
 * Return: nonzero when it is (never when the table has no root).
 */
int map_inside_root(const struct map_table *table, const char *path);

/**
 * map_socket_path() - map_path() for the sun_path of a Unix socket:
 * /tmp/.X11-unix and /tmp/.ICE-unix (and what is below them) are kept, so
 * X clients reach the real display server.
 *
 * Return: as map_path().
 */
int map_socket_path(const struct map_table *table, const char *path, char *out, size_t size);

/**
 * map_unmap() - the program's name for a real path inside a stand-in:
 * "$TMPJAIL_ROOT/tmp/a" -> "/tmp/a". What the kernel reports (getcwd,
 * readlink, realpath) is shown this way, as a mounted private /tmp would
 * show it. The longest stand-in @path lies in wins.
 * @out may be @path itself (the result is never longer).
 *
 * Return: MAP_DONE (@out written), MAP_KEEP (not inside a stand-in, or no
 * root yet), -ENAMETOOLONG.
 */
int map_unmap(const struct map_table *table, const char *path, char *out, size_t size);

/**
 * map_has_dotdot() - does @path (absolute or relative) have a ".."
 * component? NULL has none.
 */
bool map_has_dotdot(const char *path);

/**
 * map_needs_walk() - must the absolute @path be resolved component by
 * component (shim_resolve()) rather than mapped as text? Only when it has
 * "..", and is written inside the root or some directory on its lexical
 * way lies in a redirected prefix: there a ".." may step out of, or into, a
 * stand-in, which the kernel walking the real tree gets wrong (the parent of
 * "$TMPJAIL_ROOT/tmp" is not "/"). "/usr/lib/../lib64" costs one string
 * pass. An incomplete table answers no: map_path() refuses then.
 *
 * Return: true when the walk is needed.
 */
bool map_needs_walk(const struct map_table *table, const char *path);

/**
 * map_past_magic_link() - does @path go on past a /proc magic link
 * ("/proc/self/root/tmp/x", "/proc/self/cwd/../x", "/dev/fd/3/x")? The
 * kernel jumps to where such a link points, in the process that looks it
 * up: map_needs_walk() walks them, in the caller's own process; anyone
 * else (the trap's supervisor) and any stored text (a symlink's target)
 * must leave them to the kernel.
 */
bool map_past_magic_link(const char *path);

/**
 * map_is_stand_in() - does @path (as given to the kernel) name the root, a
 * stand-in itself ("$TMPJAIL_ROOT/tmp", "$TMPJAIL_ROOT/tmp/."), or a
 * directory between the two ("$TMPJAIL_ROOT/var")? They are what a run's
 * mount points would be, or hold them: not to be removed or renamed.
 */
bool map_is_stand_in(const struct map_table *table, const char *path);

/**
 * map_may_be_stand_in() - could the relative @name, read from some
 * directory, name the root or a stand-in? Only when its last component is
 * a prefix's component name ("tmp", "var") or the root's own: one string
 * pass decides for nearly every name, with no system call.
 */
bool map_may_be_stand_in(const struct map_table *table, const char *name);

/**
 * map_mount_of() - which stand-in the mapped @path lies strictly inside,
 * as the mount it would be on were the stand-ins mounted: the rule's index,
 * or -1 (outside every stand-in; a stand-in itself is on its parent's).
 */
int map_mount_of(const struct map_table *table, const char *path);

/**
 * map_collapse() - collapse the "." and ".." components of the absolute
 * @path in place, as text (as if nothing were a symlink); "" becomes "/".
 */
void map_collapse(char *path);

/**
 * shim_resolve() - (shim/resolve.c, declared in shim.h too) map the
 * absolute @path whose ".." may cross a prefix, walking it component by
 * component as the kernel would over a mounted prefix. Here for the
 * launcher's trap, which links the mapper without the shim.
 */
int shim_resolve(const struct map_table *table, const char *path, char *out, size_t size);

/*
 * map_canonical() - @path resolved by @real (realpath(3), or the shim's
 * unwrapped one) into @out (PATH_MAX); a missing last component is kept
 * as written after its resolved directory, so two names of one file not
 * made yet compare equal. false when neither resolves.
 */
bool map_canonical(char *(*real)(const char *, char *), const char *path, char *out);

#endif /* TMPJAIL_SHIM_MAP_H */
