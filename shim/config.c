/* SPDX-License-Identifier: MIT */
/*
 * The shim's configuration: read once from the environment (in the
 * constructor, or by the first wrapper that runs before it), then published
 * through an atomic pointer so the fast path takes no lock. Without a
 * launcher (no TMPJAIL_ROOT) the first redirected call, or the first fork,
 * makes a private root with core, and the process that made it removes it
 * at exit.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "shim.h"
#include "sys.h"

/*
 * Where a root of our own goes: the real /tmp, as the launcher's default.
 * It is made under a staging name first (".tj-", which --gc leaves alone
 * for a minute), locked, then renamed: --gc never sees it unlocked.
 */
#define SELF_ROOT_TEMPLATE "/tmp/tj-XXXXXXXX"
#define SELF_STAGING_TEMPLATE "/tmp/.tj-XXXXXXXX"
#define SELF_ROOT_RANDOM_AT 8
#define SELF_STAGING_RANDOM_AT 9

enum mode {
	MODE_LAUNCHER, /* TMPJAIL_ROOT given */
	MODE_SELF,     /* no TMPJAIL_ROOT: make a root on first use */
	MODE_BROKEN,   /* TMPJAIL_ROOT unusable: refuse redirected paths */
};

enum state { STATE_NEW, STATE_LOADING, STATE_READY };

static _Atomic int state = STATE_NEW;
static enum mode mode;
/* Rules without a root: tells which paths need one (MODE_SELF, BROKEN). */
static struct map_table pending;
/* The full table, once there is a root. */
static struct map_table active;
static _Atomic(const struct map_table *) active_table;
static pthread_mutex_t create_lock = PTHREAD_MUTEX_INITIALIZER;

/* Values read at load, kept for the root we may make later. */
static char redirect_value[MAP_REDIRECT_MAX];
static bool redirect_set;
/* TMPJAIL_REDIRECT was set but does not fit in redirect_value. */
static bool redirect_unheld;
static char preload_value[PATH_MAX];
/* The process that removes the root at exit; 0: none of ours. */
static pid_t owner_pid;

/*
 * Set while this thread runs the shim's own set-up, so the wrappers its
 * libc calls reach pass straight through. Signals are blocked for as long
 * (see enter_setup()): a handler never runs while it is set, so it never
 * sees a redirected path passed through.
 */
static __thread int busy __attribute__((tls_model("initial-exec")));
/*
 * The pid this thread last knew it ran in (0: unknown). A vfork child
 * shares its parent's thread memory but has its own pid, so a mismatch
 * tells the shim it runs in one, where making a root (malloc, setenv, a
 * lock) is off limits. A fork child updates it (after_fork).
 */
static __thread pid_t thread_pid __attribute__((tls_model("initial-exec")));

bool shim_busy(void)
{
	return busy != 0;
}

/*
 * Block every signal in this thread (raw rt_sigprocmask: no wrapper, no
 * lock) and enter the set-up. A handler that would have run now runs
 * after leave_setup(), when its call finds the set-up done.
 */
static void enter_setup(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, old, _NSIG / 8);
	busy++;
}

static void leave_setup(const sigset_t *old)
{
	busy--;
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, old, NULL, _NSIG / 8);
}

/* Copy @value into @buf if it fits; return whether it did. */
static bool copy_value(char *buf, size_t size, const char *value)
{
	size_t len = value ? strlen(value) : 0;

	if (!value || len >= size)
		return false;
	memcpy(buf, value, len + 1);
	return true;
}

/*
 * The absolute path this library was loaded from, for children's
 * LD_PRELOAD. TMPJAIL_PRELOAD is used only when it names this very file: a
 * wrong one would start children without the shim.
 */
static void find_own_path(void)
{
	struct stat own, named;
	Dl_info info;
	size_t at = 0;

	preload_value[0] = '\0';
	if (!dladdr((void *)&find_own_path, &info) || !info.dli_fname || !info.dli_fname[0] ||
	    sys_fstatat(AT_FDCWD, info.dli_fname, &own, 0) < 0)
		return;
	if (copy_value(preload_value, sizeof(preload_value), getenv("TMPJAIL_PRELOAD")) &&
	    preload_value[0] == '/' && sys_fstatat(AT_FDCWD, preload_value, &named, 0) == 0 &&
	    named.st_dev == own.st_dev && named.st_ino == own.st_ino)
		return;
	/* LD_PRELOAD=./lib.so: made absolute while the directory is the same. */
	if (info.dli_fname[0] != '/') {
		if (syscall(SYS_getcwd, preload_value, sizeof(preload_value)) < 0)
			goto none;
		at = strlen(preload_value);
		preload_value[at++] = '/';
	}
	if (at + strlen(info.dli_fname) < sizeof(preload_value)) {
		memcpy(preload_value + at, info.dli_fname, strlen(info.dli_fname) + 1);
		return;
	}
none:
	preload_value[0] = '\0';
}

static void prepare_children(const char *root, const char *dir, const char *owner)
{
	const char *trap = getenv("TMPJAIL_TRAP");
	shim_trap_configure(trap);
	shim_env_prepare(&(struct shim_env_values){
	    .trap = trap,
	    .root = root,
	    .dir = dir,
	    .redirect = redirect_set ? redirect_value : NULL,
	    .preload = preload_value[0] ? preload_value : NULL,
	    .audit = shim_audit_path(),
	    .owner = owner,
	});
}

static const char *redirect_list(void)
{
	return redirect_set ? redirect_value : NULL;
}

/*
 * Refuse redirected paths from now on: the rules without a root say which,
 * and every path is when TMPJAIL_REDIRECT could not be held whole.
 * Children get the same values, and so fail the same way.
 */
static void go_broken(const char *root)
{
	mode = MODE_BROKEN;
	(void)map_table_build(&pending, NULL, NULL, redirect_list());
	if (redirect_unheld)
		pending.incomplete = true;
	prepare_children(root, getenv("TMPJAIL_DIR"), NULL);
}

static void after_fork(void);
static void after_fork_parent(void);

static void load_launcher(const char *root)
{
	const char *owner = getenv("TMPJAIL_OWNER");

	if (redirect_unheld ||
	    map_table_build(&active, root, getenv("TMPJAIL_DIR"), redirect_list()) < 0 ||
	    shim_check_root(&active) < 0) {
		go_broken(root);
		return;
	}
	mode = MODE_LAUNCHER;
	/* A root a shim made (only a shim sets TMPJAIL_OWNER): hold a lock of
	 * our own on it, so --gc knows we use it (lock.c). */
	if (owner && shim_lock_adopt(active.root, getenv("TMPJAIL_LOCK")) == 0)
		pthread_atfork(NULL, after_fork_parent, after_fork);
	/* Our own exec'd image inherits the duty to remove the root. */
	if (shim_is_own_pid(owner) && shim_removable_root(active.root))
		owner_pid = getpid();
	prepare_children(active.root, getenv("TMPJAIL_DIR"), owner);
	atomic_store_explicit(&active_table, &active, memory_order_release);
}

static void prepare_fork(void);

static void after_fork(void)
{
	thread_pid = (pid_t)syscall(SYS_getpid);
}

/* The child keeps the lock's description; the parent takes a new one. */
static void after_fork_parent(void)
{
	shim_lock_renew();
}

static void load(void)
{
	const char *root = getenv("TMPJAIL_ROOT");
	const char *redirect = getenv("TMPJAIL_REDIRECT");
	sigset_t old;

	enter_setup(&old);
	shim_real_resolve_all();
	redirect_set = copy_value(redirect_value, sizeof(redirect_value), redirect);
	redirect_unheld = redirect && !redirect_set;
	if (redirect_unheld) {
		/* Children that lost the environment get "", which refuses every
		 * path too, rather than the default list. */
		redirect_value[0] = '\0';
		redirect_set = true;
	}
	find_own_path();
	shim_audit_init();
	if (root && root[0]) {
		load_launcher(root);
	} else if (redirect_unheld) {
		go_broken(NULL);
	} else {
		mode = MODE_SELF;
		/* A list the table cannot hold whole refuses every path. */
		if (map_table_build(&pending, NULL, NULL, redirect_list()) < 0)
			mode = MODE_BROKEN;
		prepare_children(NULL, NULL, NULL);
		pthread_atfork(prepare_fork, after_fork_parent, after_fork);
	}
	leave_setup(&old);
}

/* Load the configuration once; a second thread waits for the first. */
static void ensure_loaded(void)
{
	int expected = STATE_NEW;

	if (atomic_load_explicit(&state, memory_order_acquire) == STATE_READY)
		return;
	if (busy)
		return; /* reached from load() itself, in this thread */
	/* Signals blocked before the claim: a handler run between it and
	 * load()'s own blocking would wait here for this very thread. */
	sigset_t old;
	enter_setup(&old);
	if (atomic_compare_exchange_strong(&state, &expected, STATE_LOADING)) {
		int saved = errno;
		load();
		errno = saved;
		atomic_store_explicit(&state, STATE_READY, memory_order_release);
		leave_setup(&old);
		return;
	}
	leave_setup(&old);
	while (atomic_load_explicit(&state, memory_order_acquire) != STATE_READY)
		sched_yield();
}

__attribute__((constructor)) static void shim_constructor(void)
{
	thread_pid = (pid_t)syscall(SYS_getpid);
	ensure_loaded();
}

static bool in_vfork_child(void)
{
	return thread_pid != 0 && thread_pid != (pid_t)syscall(SYS_getpid);
}

/* mkdir -p the stand-in of each prefix below the fresh root. */
static int make_stand_ins(const struct map_table *table)
{
	for (size_t i = 0; i < table->nrules; i++) {
		char path[PATH_MAX];
		const struct map_rule *rule = &table->rules[i];
		memcpy(path, rule->to, rule->to_len + 1);
		for (char *p = path + table->root_len + 1;; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			char saved = *p;
			*p = '\0';
			if (sys_mkdirat(AT_FDCWD, path, 0700) < 0 && errno != EEXIST)
				return -errno;
			*p = saved;
			if (saved == '\0')
				break;
		}
	}
	return 0;
}

/* @value in decimal into @buf (24 bytes); no snprintf (a signal handler). */
static void format_decimal(char *buf, long value)
{
	char digits[24], *p = digits + sizeof(digits);

	*--p = '\0';
	do {
		*--p = (char)('0' + value % 10);
		value /= 10;
	} while (value > 0);
	memcpy(buf, p, (size_t)(digits + sizeof(digits) - p));
}

/*
 * Hand the root to children: the exec and spawn wrappers, system() and
 * popen() put TMPJAIL_* into their environment (env.c). Never setenv()
 * here: the root may be made by a signal handler that interrupted malloc.
 */
static void export_root(const struct map_table *table, const char *dir)
{
	char pid_text[24];

	format_decimal(pid_text, (long)getpid());
	prepare_children(table->root, dir, pid_text);
}

/*
 * Undo a root just made, which holds only the (empty) stand-ins: rmdir
 * from the deepest up. Not the remover: it allocates, and this may run in
 * a signal handler.
 */
static void remove_fresh_root(const struct map_table *table)
{
	char path[PATH_MAX];

	for (size_t i = table->nrules; i-- > 0;) {
		const struct map_rule *rule = &table->rules[i];
		size_t len = rule->to_len;
		memcpy(path, rule->to, len + 1);
		while (len > table->root_len) {
			path[len] = '\0';
			sys_unlinkat(AT_FDCWD, path, AT_REMOVEDIR);
			while (len > table->root_len && path[len - 1] != '/')
				len--;
			if (len > table->root_len)
				len--; /* the '/' */
		}
	}
	sys_unlinkat(AT_FDCWD, table->root, AT_REMOVEDIR);
}

/*
 * Give the locked staging directory @staging its final name in @root
 * (same random part, another on a clash), never over an existing entry.
 * Return: 0 or -errno.
 */
static int publish_root(const char *staging, char *root)
{
	char *random = root + SELF_ROOT_RANDOM_AT;

	memcpy(random, staging + SELF_STAGING_RANDOM_AT, TF_RANDOM_CHARS);
	for (int tries = 0; tries < 100; tries++) {
		if (syscall(SYS_renameat2, AT_FDCWD, staging, AT_FDCWD, root, RENAME_NOREPLACE) ==
		    0)
			return 0;
		if (errno != EEXIST)
			return -errno;
		int r = tf_random_chars(random, TF_RANDOM_CHARS);
		if (r < 0)
			return r;
	}
	return -EEXIST;
}

/*
 * Make the root under a staging name, lock it (lock.c), and rename it:
 * from the moment --gc could take it for a root, it is locked. Fills
 * @root with its name. Return: 0 or -errno, with nothing left behind.
 */
static int make_locked_root(char *root)
{
	char staging[] = SELF_STAGING_TEMPLATE;
	int r = tf_create_in(AT_FDCWD, staging, SELF_STAGING_RANDOM_AT, TF_RANDOM_CHARS,
			     TF_KIND_DIR, 0, 0700);

	if (r < 0)
		return r; /* nothing made: @staging may name someone else's directory */
	int fd = sys_openat(AT_FDCWD, staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	r = fd < 0 ? -errno : shim_lock_new(fd, staging);
	if (r < 0 && fd >= 0)
		sys_close(fd); /* not taken over by the lock */
	if (r == 0)
		r = publish_root(staging, root);
	if (r < 0) {
		shim_lock_release();
		sys_unlinkat(AT_FDCWD, staging, AT_REMOVEDIR);
		return r;
	}
	shim_lock_moved(root);
	return 0;
}

/*
 * Make our own root (MODE_SELF) under the lock; 0 or -errno. Safe in a
 * signal handler that interrupted anything but the shim's set-up (which
 * blocks signals): no malloc, no stdio, no setenv.
 */
static int create_root(void)
{
	char root[] = SELF_ROOT_TEMPLATE;
	int r, saved = errno;
	sigset_t old;

	/* No handler runs in this thread until the root is made and published:
	 * one that did would find `busy` set and reach the real /tmp. */
	enter_setup(&old);
	pthread_mutex_lock(&create_lock);
	if (atomic_load_explicit(&active_table, memory_order_acquire)) {
		r = 0;
		goto out;
	}
	r = make_locked_root(root);
	if (r < 0)
		goto out;
	r = map_table_build(&active, root, NULL, redirect_list());
	if (r == 0)
		r = make_stand_ins(&active);
	if (r < 0) {
		if (active.root_len > 0)
			remove_fresh_root(&active);
		else
			sys_unlinkat(AT_FDCWD, root, AT_REMOVEDIR);
		shim_lock_release();
		goto out;
	}
	const char *dir = NULL;
	for (size_t i = 0; i < active.nrules; i++)
		if (strcmp(active.rules[i].from, "/tmp") == 0)
			dir = active.rules[i].to;
	export_root(&active, dir);
	owner_pid = getpid();
	atomic_store_explicit(&active_table, &active, memory_order_release);
out:
	pthread_mutex_unlock(&create_lock);
	leave_setup(&old);
	errno = saved;
	return r;
}

static void prepare_fork(void)
{
	if (mode == MODE_SELF && !busy)
		(void)shim_ensure_root();
}

int shim_ensure_root(void)
{
	ensure_loaded();
	if (busy || atomic_load_explicit(&active_table, memory_order_acquire))
		return 0;
	if (mode != MODE_SELF)
		return mode == MODE_BROKEN ? -EACCES : 0;
	if (pending.nrules == 0)
		return 0;
	return create_root();
}

const struct map_table *shim_table(int *error)
{
	const struct map_table *table;

	*error = 0;
	ensure_loaded();
	if (busy)
		return NULL;
	table = atomic_load_explicit(&active_table, memory_order_acquire);
	if (table || mode == MODE_LAUNCHER || pending.nrules == 0)
		return table;
	*error = shim_ensure_root();
	return atomic_load_explicit(&active_table, memory_order_acquire);
}

/*
 * "/proc/self/fd/N/rest", "/dev/fd/N/rest", "/proc/self/cwd/rest": @rest
 * read from descriptor N (or the working directory), as the kernel does
 * through the magic link. Return: the descriptor (AT_FDCWD for cwd) with
 * *@rest set, or SHIM_NO_BASE when @path is no such path.
 */
static int magic_base(const char *path, const char **rest)
{
	static const char *const heads[] = {"/proc/self/fd/", "/proc/thread-self/fd/", "/dev/fd/"};
	const char *p = NULL;

	if (strncmp(path, "/proc/self/cwd/", 15) == 0) {
		*rest = path + 15;
		return **rest ? AT_FDCWD : SHIM_NO_BASE;
	}
	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]) && !p; i++)
		if (strncmp(path, heads[i], strlen(heads[i])) == 0)
			p = path + strlen(heads[i]);
	if (!p || *p < '0' || *p > '9')
		return SHIM_NO_BASE;
	long fd = 0;
	for (; *p >= '0' && *p <= '9' && fd < INT_MAX / 10; p++)
		fd = fd * 10 + (*p - '0');
	if (*p != '/')
		return SHIM_NO_BASE;
	*rest = p + strspn(p, "/");
	return **rest ? (int)fd : SHIM_NO_BASE;
}

int shim_map(const char *path, char *out, size_t size, unsigned flags)
{
	const struct map_table *table;

	if (!path || path[0] != '/')
		return MAP_KEEP;
	ensure_loaded();
	if (busy)
		return MAP_KEEP;
	table = atomic_load_explicit(&active_table, memory_order_acquire);
	if (!table) {
		if (!map_match(&pending, path) && !map_needs_walk(&pending, path))
			return MAP_KEEP;
		if (mode == MODE_BROKEN)
			return -EACCES;
		if ((flags & SHIM_MAP_NO_CREATE) || in_vfork_child())
			return -ENOENT; /* nothing can exist in a root not made yet */
		int r = shim_ensure_root();
		if (r < 0)
			return r;
		table = atomic_load_explicit(&active_table, memory_order_acquire);
		if (!table)
			return -EACCES;
	}
	if (flags & SHIM_MAP_SOCKET)
		return map_socket_path(table, path, out, size);
	/* "/proc/..." and "/dev/..." only: one byte spares every other path
	 * the prefix search and the comparisons. */
	const char *rest;
	if ((path[1] == 'p' || path[1] == 'd') && !(flags & SHIM_MAP_TEXT) &&
	    !map_match(table, path)) {
		int base = magic_base(path, &rest);
		if (base != SHIM_NO_BASE) /* kept: the kernel follows the link itself */
			return shim_map_at(base, rest, out, size, flags);
	}
	if (!(flags & SHIM_MAP_TEXT) && map_needs_walk(table, path)) {
		int saved = errno, r = shim_resolve(table, path, out, size);
		errno = saved;
		return r;
	}
	return map_path(table, path, out, size);
}

const struct map_table *shim_rules(void)
{
	ensure_loaded();
	if (busy)
		return NULL;
	const struct map_table *table = atomic_load_explicit(&active_table, memory_order_acquire);
	/* Without a root yet, the rules alone say which names matter. */
	return table ? table : &pending;
}

const char *shim_tmp_dir(int *error)
{
	const struct map_table *table = shim_table(error);

	for (size_t i = 0; table && i < table->nrules; i++)
		if (strcmp(table->rules[i].from, "/tmp") == 0 && table->rules[i].to_len)
			return table->rules[i].to;
	return NULL;
}

void shim_remove_own_root(void)
{
	const struct map_table *table = atomic_load_explicit(&active_table, memory_order_acquire);

	/* The process that made the root removes it (or the image it exec'd);
	 * a forked child does not. */
	if (!table || owner_pid == 0 || owner_pid != (pid_t)syscall(SYS_getpid))
		return;
	int saved = errno;
	sigset_t old;
	enter_setup(&old);
	owner_pid = 0;
	/* Only when no other process of the run still holds its lock: a child
	 * that outlives us keeps the root (--gc removes it once all are gone). */
	if (shim_removable_root(table->root) && shim_lock_last())
		tf_remove_tree(AT_FDCWD, table->root, 0);
	leave_setup(&old);
	errno = saved;
}

__attribute__((destructor)) static void shim_destructor(void)
{
	shim_remove_own_root();
}

/*
 * Programs that end with _exit() (dash does, after its last command) run no
 * destructor: remove the root there too, then really exit.
 */
static __attribute__((noreturn)) void exit_now(shim_fn__exit real, int status)
{
	sigset_t all;

	/* No handler runs from here on: one that did after the removal (the
	 * removal gives the mask back) would find the root gone, and the
	 * process exits anyway. */
	sigfillset(&all);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, NULL, _NSIG / 8);
	shim_remove_own_root();
	if (real)
		real(status);
	for (;;)
		syscall(SYS_exit_group, status);
}

void _exit(int status)
{
	exit_now(SHIM_REAL(_exit), status);
}

void _Exit(int status)
{
	exit_now((shim_fn__exit)SHIM_REAL(_Exit), status);
}
