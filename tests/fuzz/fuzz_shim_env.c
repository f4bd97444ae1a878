/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness of the shim's environment parser: TMPJAIL_ROOT,
 * TMPJAIL_DIR, TMPJAIL_REDIRECT, TMPJAIL_OWNER and TMPJAIL_LOCK read exactly
 * as the shim reads them. shim/config.c, shim/trust.c and shim/lock.c are
 * compiled into this file (load() and the state are static), getenv() is
 * pointed at the fuzz input, and the parts of the shim that decide nothing
 * here (real symbols, audit, children's environment) are stubbed; making or
 * removing a root aborts.
 *
 * The shim's file system calls (raw syscall(2): sys.h, trust.c, lock.c) see
 * a small tree of the harness's own (view_make()), as if it were "/":
 * openat2(RESOLVE_IN_ROOT) on it, so that neither "..", nor a symlink to
 * "/", nor anything else reaches the real /tmp. It holds /tmp, /var/tmp,
 * a root /r (and /r2, /r3 with bad stand-ins), a root the shim made
 * (/tmp/tj-abcdefgh), a symlink to a root (/rlink), one to /tmp (/tmplink),
 * a file (/file) and, as root, a directory of another user (/other).
 *
 * The input is NUL-separated fields: ROOT, DIR, REDIRECT, OWNER, LOCK, then
 * paths to map; a missing field, or one starting with byte 0x01, is unset.
 * OWNER "$$" is this process's pid; LOCK "$ROOT" is a descriptor open on
 * the root (what an exec'd image inherits), "$NULL" one open on /dev/null.
 *
 * Invariants, whatever the values (docs/architecture.md, "Bad values fail
 * closed"; docs/shim.md):
 *   - a root that is accepted is absolute, never names "/", is a directory
 *     of ours reached without a final symlink, and neither it nor an
 *     existing stand-in is "/" or a real redirected directory; /r itself,
 *     with the default DIR and list, is accepted;
 *   - every stand-in lies inside the root;
 *   - every usable prefix given (absolute, not "/", no "..", not inside the
 *     root: docs/shim.md) is redirected, or refused with the whole value
 *     (EACCES), or waits for a root (ENOENT without one) — never kept;
 *   - every mapped path stays inside the root and is never mapped again;
 *   - the root is removed at exit only with TMPJAIL_OWNER exactly our pid
 *     and a root named as the shim names its own (/tmp/tj- and 8 of
 *     [a-z0-9_]), a directory of ours;
 *   - the lock is held only on an accepted root, on a descriptor open on
 *     it; TMPJAIL_LOCK naming any other descriptor leaves it alone; no
 *     descriptor is left once the lock is released.
 * KNOWN_* checks fire on the code as it stands: they run only in the strict
 * build (-DTJ_FUZZ_STRICT), which CTest expects to fail on each finding's
 * regression input (corpus/shim_env/known-*). Remove the line once fixed.
 * None is open today.
 */
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "fuzz_view.h"

/* ---- the input ---- */

enum { FIELD_ROOT, FIELD_DIR, FIELD_REDIRECT, FIELD_OWNER, FIELD_LOCK, FIELD_PATHS };
#define MAX_FIELDS 12
static const char *field[MAX_FIELDS];
static size_t nfields;
/* "$$" and "$ROOT"/"$NULL" made concrete. */
static char own_pid_text[24], lock_text[24];
/* The descriptor the harness hands the shim as TMPJAIL_LOCK, or -1. */
static int lock_given = -1;
static bool lock_given_on_root;
/* A descriptor the shim must leave alone, open on /dev/null. */
#define SENTINEL_FD 300
#define LOCK_GIVEN_FD 310

static const char *fuzz_getenv(const char *name)
{
	static const char *const names[] = {"TMPJAIL_ROOT", "TMPJAIL_DIR", "TMPJAIL_REDIRECT",
					    "TMPJAIL_OWNER", "TMPJAIL_LOCK"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return i < nfields ? field[i] : NULL;
	return NULL; /* TMPJAIL_PRELOAD, ...: unset */
}

/*
 * config.c, resolve.c, trust.c and lock.c, with: getenv() reading the fields;
 * syscall() seeing the view; _exit, _Exit and lock.c's close, dup2, ...
 * renamed (they would replace libc's for libFuzzer too); one atfork
 * handler (load() registers one per call, and runs here millions of times).
 */
#define getenv(name) fuzz_getenv(name)
#define syscall fuzz_syscall
#define _exit fuzz_shim__exit
#define _Exit fuzz_shim__Exit
#define pthread_atfork(prepare, parent, child) ((void)(prepare), (void)(parent), (void)(child), 0)
#include "config.c"
#include "relative.c"
#include "resolve.c"
#include "trust.c"
#define close fuzz_shim_close
#define close_range fuzz_shim_close_range
#define closefrom fuzz_shim_closefrom
#define dup2 fuzz_shim_dup2
#define dup3 fuzz_shim_dup3
#include "lock.c"
#undef close
#undef close_range
#undef closefrom
#undef dup2
#undef dup3
#undef syscall
#undef getenv
#undef pthread_atfork

/* ---- stubs for the rest of the shim and the core ---- */

void shim_real_resolve_all(void)
{
}

/* The trap's door (shim/trap_exec.c): no child is exec'd here. */
void shim_trap_configure(const char *value)
{
	(void)value;
}

void *shim_real(enum shim_sym sym)
{
	(void)sym;
	return NULL;
}

void shim_audit_init(void)
{
}

const char *shim_audit_path(void)
{
	return NULL;
}

void shim_env_prepare(const struct shim_env_values *values)
{
	(void)values;
}

int tf_create_in(int dirfd, char *path, size_t rand_at, size_t rand_len, enum tf_kind kind,
		 int flags, mode_t mode)
{
	(void)dirfd, (void)path, (void)rand_at, (void)rand_len, (void)kind, (void)flags, (void)mode;
	fuzz_fail("the shim tried to make a root (SHIM_MAP_NO_CREATE was given)");
}

int tf_random_chars(char *dst, size_t len)
{
	(void)dst, (void)len;
	fuzz_fail("the shim tried to name a root (SHIM_MAP_NO_CREATE was given)");
}

int tf_remove_tree(int dirfd, const char *name, unsigned flags)
{
	(void)dirfd, (void)flags;
	fuzz_fail("the shim tried to remove %s", name);
}

/* ---- the checks ---- */

/* Forget everything load() did, as in a freshly loaded shim. */
static void reset(void)
{
	atomic_store(&state, STATE_NEW);
	atomic_store(&active_table, NULL);
	mode = MODE_SELF;
	memset(&pending, 0, sizeof(pending));
	memset(&active, 0, sizeof(active));
	redirect_value[0] = '\0';
	redirect_set = false;
	redirect_unheld = false;
	preload_value[0] = '\0';
	owner_pid = 0; /* the destructor removes nothing at exit */
	shim_lock_release();
	lock_root[0] = '\0';
	if (lock_given >= 0)
		close(lock_given);
	lock_given = -1;
	lock_given_on_root = false;
}

static bool set(size_t i)
{
	return i < nfields && field[i] != NULL;
}

/* Is the absolute @path @root or below it, ".." components included? */
static bool inside(const char *root, size_t root_len, const char *path)
{
	if (root_len == 0 || strncmp(path, root, root_len) != 0 ||
	    (path[root_len] != '/' && path[root_len] != '\0'))
		return false;
	long level = 0;
	for (const char *p = path + root_len; *p;) {
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.' && --level < 0)
			return false;
		if (len > 0 && !(len == 1 && p[0] == '.') &&
		    !(len == 2 && p[0] == '.' && p[1] == '.'))
			level++;
		p += len;
	}
	return true;
}

/* The canonical form of a usable prefix (docs/shim.md), or false. */
static bool usable_prefix(const char *entry, size_t len, char *out, size_t size)
{
	size_t n = 0;

	if (len == 0 || entry[0] != '/')
		return false;
	for (size_t i = 0; i < len;) {
		while (i < len && entry[i] == '/')
			i++;
		size_t start = i;
		while (i < len && entry[i] != '/')
			i++;
		size_t part = i - start;
		if (part == 0 || (part == 1 && entry[start] == '.'))
			continue;
		if (part == 2 && entry[start] == '.' && entry[start + 1] == '.')
			return false;
		if (n + part + 2 > size)
			return false; /* longer than any path: PATH_MAX */
		out[n++] = '/';
		memcpy(out + n, entry + start, part);
		n += part;
	}
	out[n] = '\0';
	return n > 0;
}

/* What shim_map() gives @path, with the general checks on a result. */
static int map_checked(const char *path, const char *root, size_t root_len)
{
	char out[PATH_MAX], again[PATH_MAX];
	int r = shim_map(path, out, sizeof(out), SHIM_MAP_NO_CREATE);

	FUZZ_CHECK(r == MAP_KEEP || r == MAP_DONE || r == -EACCES || r == -ENOENT ||
		       r == -ENAMETOOLONG || r == -ELOOP,
		   "shim_map(\"%s\") = %d", path, r);
	if (r != MAP_DONE)
		return r;
	FUZZ_CHECK(root_len > 0, "\"%s\" mapped to %s without a root", path, out);
	if (!inside(root, root_len, out)) {
		/* Only a walk (resolve.c: a "..", a /proc magic link) leaves
		 * the root, and then to where a mounted /tmp's ".." or the link
		 * goes: never into a real prefix. */
		char flat[PATH_MAX];
		memcpy(flat, out, strlen(out) + 1);
		map_collapse(flat);
		FUZZ_CHECK(map_needs_walk(shim_rules(), path) && !map_match(shim_rules(), flat),
			   "\"%s\" mapped to %s, outside the root %s", path, out, root);
		return r;
	}
	FUZZ_CHECK(shim_map(out, again, sizeof(again), SHIM_MAP_NO_CREATE) == MAP_KEEP,
		   "\"%s\" mapped to %s, which is mapped again", path, out);
	return r;
}

/* A usable @prefix given to the shim is never simply kept. */
static void check_prefix(const char *prefix, size_t len, const char *root, size_t root_len)
{
	char canonical[PATH_MAX + 8];

	if (!usable_prefix(prefix, len, canonical, sizeof(canonical) - 8))
		return;
	if (root_len > 0 && inside(root, root_len, canonical))
		return; /* documented: paths inside the root are never mapped */
	/* The prefix itself: a root below it is never the prefix, so never kept. */
	int r = map_checked(canonical, root, root_len);
	FUZZ_CHECK(r != MAP_KEEP, "prefix %s accepted but not redirected (mode %d)", canonical,
		   mode);
	if (mode == MODE_SELF)
		FUZZ_CHECK(r == -ENOENT, "%s without a root: %d", canonical, r);
	if (mode == MODE_BROKEN)
		FUZZ_CHECK(r == -EACCES, "%s with an unusable root: %d", canonical, r);
}

/*
 * Can the shim hold TMPJAIL_REDIRECT whole and understand it (docs/shim.md)?
 * Empty entries and duplicates are skipped; a value of MAP_REDIRECT_MAX
 * bytes or more, one that names no prefix, more than MAP_MAX_RULES
 * prefixes, one of MAP_PREFIX_MAX bytes or more, or a relative one, "/" or
 * one with ".." is not.
 */
static bool redirect_acceptable(const char *list)
{
	char seen[MAP_MAX_RULES][PATH_MAX + 8];
	size_t count = 0;

	if (strlen(list) >= MAP_REDIRECT_MAX)
		return false;
	for (const char *entry = list;; entry++) {
		size_t len = strcspn(entry, ":");
		char canonical[PATH_MAX + 8];
		if (len > 0) {
			if (!usable_prefix(entry, len, canonical, sizeof(canonical) - 8) ||
			    strlen(canonical) >= MAP_PREFIX_MAX)
				return false;
			size_t i = 0;
			while (i < count && strcmp(seen[i], canonical) != 0)
				i++;
			if (i == count) {
				if (count == MAP_MAX_RULES)
					return false;
				strcpy(seen[count++], canonical);
			}
		}
		entry += len;
		if (*entry == '\0')
			break;
	}
	return count > 0;
}

static void check_prefixes(const char *root, size_t root_len)
{
	const char *list = set(FIELD_REDIRECT) ? field[FIELD_REDIRECT] : MAP_DEFAULT_REDIRECT;

	for (const char *entry = list;;) {
		size_t len = strcspn(entry, ":");
		check_prefix(entry, len, root, root_len);
		if (entry[len] == '\0')
			break;
		entry += len + 1;
	}
}

/* Is @st "/" or one of the real redirected directories (as the view has them)? */
static const char *real_directory(const struct stat *st)
{
	struct stat real;

	if (view_stat("/", &real, false) == 0 && real.st_dev == st->st_dev &&
	    real.st_ino == st->st_ino)
		return "/";
	for (size_t i = 0; i < active.nrules; i++)
		if (view_stat(active.rules[i].from, &real, false) == 0 &&
		    real.st_dev == st->st_dev && real.st_ino == st->st_ino)
			return active.rules[i].from;
	return NULL;
}

/*
 * An accepted root is a directory of ours reached without a final symlink,
 * and neither it nor a stand-in that exists is "/" or a real redirected
 * directory ("Bad values fail closed").
 */
static void check_accepted_root(void)
{
	const char *root = active.root, *real;
	struct stat st;

	FUZZ_CHECK(view_stat(root, &st, true) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid(),
		   "TMPJAIL_ROOT=\"%s\" accepted: %s is not a directory of ours (a symlink, a "
		   "file, another user's, missing)",
		   field[FIELD_ROOT], root);
	real = real_directory(&st);
	FUZZ_CHECK(!real, "TMPJAIL_ROOT=\"%s\" accepted: %s is the real %s", field[FIELD_ROOT],
		   root, real);
	for (size_t i = 0; i < active.nrules; i++) {
		const struct map_rule *rule = &active.rules[i];
		if (view_stat(rule->to, &st, true) < 0)
			continue; /* made by the program: as a directory of the root */
		FUZZ_CHECK(S_ISDIR(st.st_mode), "%s stands in for %s and is not a directory",
			   rule->to, rule->from);
		real = real_directory(&st);
		FUZZ_CHECK(!real, "%s stands in for %s and is the real %s", rule->to, rule->from,
			   real);
	}
}

/* Is @root named as the shim names its own: /tmp/tj- and 8 of [a-z0-9_]? */
static bool named_as_own_root(const char *root)
{
	if (strncmp(root, "/tmp/tj-", 8) != 0 || strlen(root) != 16)
		return false;
	for (const char *p = root + 8; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

/*
 * The root is removed at exit only when TMPJAIL_OWNER is exactly our pid
 * and the root is named as the shim's own, a directory of ours; the lock
 * is held only on an accepted root, on a descriptor open on it, and an
 * inherited one on the root is taken over, not doubled.
 */
static void check_owner_and_lock(void)
{
	struct stat root, held;
	int fd = shim_lock_fd();

	if (owner_pid != 0) {
		FUZZ_CHECK(mode == MODE_LAUNCHER && set(FIELD_OWNER) &&
			       strcmp(field[FIELD_OWNER], own_pid_text) == 0,
			   "TMPJAIL_OWNER=\"%s\" (pid %s): the root is removed at exit",
			   set(FIELD_OWNER) ? field[FIELD_OWNER] : "(unset)", own_pid_text);
		FUZZ_CHECK(
		    named_as_own_root(active.root) && view_stat(active.root, &root, true) == 0 &&
			S_ISDIR(root.st_mode) && root.st_uid == geteuid(),
		    "%s is removed at exit, but is not named as the shim's own roots", active.root);
	}
	if (fd < 0)
		return;
	FUZZ_CHECK(mode == MODE_LAUNCHER && set(FIELD_OWNER),
		   "a lock (fd %d) held without an accepted root and TMPJAIL_OWNER", fd);
	FUZZ_CHECK(view_stat(active.root, &root, true) == 0 && fstat(fd, &held) == 0 &&
		       held.st_dev == root.st_dev && held.st_ino == root.st_ino,
		   "the lock (fd %d) is not on the root %s", fd, active.root);
	if (lock_given >= 0 && fstat(lock_given, &held) == 0 && held.st_dev == root.st_dev &&
	    held.st_ino == root.st_ino)
		FUZZ_CHECK(fd == lock_given, "TMPJAIL_LOCK=%d is on the root, but the lock is %d",
			   lock_given, fd);
}

/* The descriptors the shim must leave alone: 0, 1, 2 and the sentinel. */
struct fd_id {
	dev_t dev;
	ino_t ino;
};
static const int watched_fds[] = {0, 1, 2, SENTINEL_FD, LOCK_GIVEN_FD};
#define NWATCHED (sizeof(watched_fds) / sizeof(watched_fds[0]))

static void note_fds(struct fd_id *ids)
{
	for (size_t i = 0; i < NWATCHED; i++) {
		struct stat st;
		ids[i] = (struct fd_id){0};
		if (fstat(watched_fds[i], &st) == 0)
			ids[i] = (struct fd_id){st.st_dev, st.st_ino};
	}
}

static void check_fds(const struct fd_id *before)
{
	struct fd_id after[NWATCHED];

	note_fds(after);
	for (size_t i = 0; i < NWATCHED; i++)
		/* An inherited lock on the root becomes ours (check_owner_and_lock()). */
		if (!(watched_fds[i] == LOCK_GIVEN_FD && lock_given_on_root))
			FUZZ_CHECK(after[i].dev == before[i].dev && after[i].ino == before[i].ino,
				   "fd %d changed (TMPJAIL_LOCK=\"%s\")", watched_fds[i],
				   set(FIELD_LOCK) ? field[FIELD_LOCK] : "(unset)");
}

static void check_table(void)
{
	const char *root = active.root;
	size_t root_len = mode == MODE_LAUNCHER ? active.root_len : 0;

	if (mode == MODE_LAUNCHER) {
		FUZZ_CHECK(root_len > 0 && root[0] == '/' && strcmp(root, "/") != 0,
			   "TMPJAIL_ROOT=\"%s\" accepted as the root \"%s\"", field[FIELD_ROOT],
			   root);
		check_accepted_root();
		for (size_t i = 0; i < active.nrules; i++) {
			const struct map_rule *rule = &active.rules[i];
			FUZZ_CHECK(inside(root, root_len, rule->to),
				   "%s stands in for %s, outside the root %s", rule->to, rule->from,
				   root);
		}
	}
	/* The view's good root, the contract's values: never refused. */
	if (set(FIELD_ROOT) && strcmp(field[FIELD_ROOT], "/r") == 0 &&
	    (!set(FIELD_DIR) || !field[FIELD_DIR][0] || strcmp(field[FIELD_DIR], "/r/tmp") == 0) &&
	    !set(FIELD_REDIRECT))
		FUZZ_CHECK(mode == MODE_LAUNCHER, "TMPJAIL_ROOT=/r refused (mode %d)", mode);
	check_owner_and_lock();
	check_prefixes(root, root_len);
	for (size_t i = FIELD_PATHS; i < nfields; i++)
		if (field[i])
			map_checked(field[i], root, root_len);
}

/*
 * Once load() is undone, no descriptor is left: the lowest free one is
 * where it was, and none is open where the lock goes (LOCK_FD_MIN and up).
 */
static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		abort();
	close(fd);
	return fd;
}

static int lowest_at_start;

static void check_no_fd_left(void)
{
	int fd = lowest_free_fd(), lowest = lowest_at_start;
	char link[64], target[PATH_MAX] = "";

	if (fd != lowest) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", lowest);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
	}
	FUZZ_CHECK(fd == lowest, "a descriptor left open: the lowest free is %d, not %d (%d is %s)",
		   fd, lowest, lowest, target);
	for (int high = LOCK_FD_MIN; high < LOCK_FD_MIN + 32; high++)
		FUZZ_CHECK(high == SENTINEL_FD || fcntl(high, F_GETFD) < 0,
			   "descriptor %d left open", high);
}

/* "$$", "$ROOT", "$NULL": values the fuzzer cannot know, made concrete. */
static void substitute(void)
{
	snprintf(own_pid_text, sizeof(own_pid_text), "%ld", (long)getpid());
	if (set(FIELD_OWNER) && strcmp(field[FIELD_OWNER], "$$") == 0)
		field[FIELD_OWNER] = own_pid_text;
	if (!set(FIELD_LOCK))
		return;
	long fd = -1;
	if (strcmp(field[FIELD_LOCK], "$ROOT") == 0 && set(FIELD_ROOT)) {
		fd = view_open(field[FIELD_ROOT], O_RDONLY | O_DIRECTORY);
		lock_given_on_root = fd >= 0;
	} else if (strcmp(field[FIELD_LOCK], "$NULL") == 0)
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		lock_given = dup3((int)fd, LOCK_GIVEN_FD, 0); /* not close-on-exec, as inherited */
		close((int)fd);
		snprintf(lock_text, sizeof(lock_text), "%d", lock_given);
		field[FIELD_LOCK] = lock_text;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	view_make();
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup3(null, SENTINEL_FD, O_CLOEXEC) != SENTINEL_FD)
		abort();
	close(null);
	lowest_at_start = lowest_free_fd();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct fd_id fds[NWATCHED];

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	nfields = 0;
	for (size_t at = 0; at <= size && nfields < MAX_FIELDS;) {
		field[nfields++] = text[at] == 1 ? NULL : text + at;
		at += strlen(text + at) + 1;
	}

	reset();
	substitute();
	note_fds(fds);
	ensure_loaded();
	FUZZ_CHECK(!shim_busy(), "load() left the shim busy");
	const char *root = set(FIELD_ROOT) ? field[FIELD_ROOT] : NULL;
	if (root && root[0])
		FUZZ_CHECK(mode == MODE_LAUNCHER || mode == MODE_BROKEN,
			   "TMPJAIL_ROOT set: mode %d", mode);
	else if (set(FIELD_REDIRECT) && !redirect_acceptable(field[FIELD_REDIRECT]))
		FUZZ_CHECK(
		    mode == MODE_BROKEN,
		    "TMPJAIL_ROOT unset, TMPJAIL_REDIRECT=\"%.200s\" not understood: mode %d",
		    field[FIELD_REDIRECT], mode);
	else
		FUZZ_CHECK(mode == MODE_SELF, "TMPJAIL_ROOT unset: mode %d", mode);
	if (mode == MODE_LAUNCHER && set(FIELD_REDIRECT))
		FUZZ_CHECK(redirect_acceptable(field[FIELD_REDIRECT]),
			   "TMPJAIL_REDIRECT=\"%.200s\" not understood, but used",
			   field[FIELD_REDIRECT]);
	check_table();
	check_fds(fds);
	reset();
	check_no_fd_left();
	free(text);
	return 0;
}
