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
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "shim.h"
#include "sys.h"

/* Where a root of our own goes: the real /tmp, as the launcher's default. */
#define SELF_ROOT_TEMPLATE "/tmp/tj-XXXXXXXX"
#define SELF_ROOT_RANDOM_AT 8

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
static char redirect_value[4096];
static bool redirect_set;
static char preload_value[PATH_MAX];
/* The process that removes the root at exit; 0: none of ours. */
static pid_t owner_pid;

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

/* Copy @value into @buf if it fits; return whether it did. */
static bool copy_value(char *buf, size_t size, const char *value)
{
	size_t len = value ? strlen(value) : 0;

	if (!value || len >= size)
		return false;
	memcpy(buf, value, len + 1);
	return true;
}

/* The absolute path this library was loaded from, for children's LD_PRELOAD. */
static void find_own_path(void)
{
	Dl_info info;

	if (copy_value(preload_value, sizeof(preload_value), getenv("TMPJAIL_PRELOAD")) &&
	    preload_value[0] == '/')
		return;
	preload_value[0] = '\0';
	if (dladdr((void *)&find_own_path, &info) && info.dli_fname && info.dli_fname[0] == '/')
		copy_value(preload_value, sizeof(preload_value), info.dli_fname);
}

static void prepare_children(const char *root, const char *dir, const char *owner)
{
	shim_env_prepare(&(struct shim_env_values){
	    .root = root,
	    .dir = dir,
	    .redirect = redirect_set ? redirect_value : NULL,
	    .preload = preload_value[0] ? preload_value : NULL,
	    .audit = shim_audit_path(),
	    .owner = owner,
	});
}

/*
 * Only a root that looks like one we make, and is ours, is ever removed at
 * exit: a stray TMPJAIL_OWNER must not turn into deleting someone's tree.
 */
static bool removable_root(const char *root)
{
	const char *base = root + strlen("/tmp/");
	struct stat st;

	/* Exactly what create_root() makes: "/tmp/tj-" and 8 name characters. */
	if (strncmp(root, "/tmp/tj-", 8) != 0 || strlen(base + 3) != TF_RANDOM_CHARS)
		return false;
	for (const char *p = base + 3; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	if (sys_fstatat(AT_FDCWD, root, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	return S_ISDIR(st.st_mode) && st.st_uid == geteuid();
}

static void load_launcher(const char *root)
{
	const char *owner = getenv("TMPJAIL_OWNER");
	int r = map_table_build(&active, root, getenv("TMPJAIL_DIR"),
				redirect_set ? redirect_value : NULL);

	if (r < 0) {
		mode = MODE_BROKEN;
		map_table_build(&pending, NULL, NULL, redirect_set ? redirect_value : NULL);
		return;
	}
	mode = MODE_LAUNCHER;
	/* Our own exec'd image inherits the duty to remove the root. */
	if (owner && atol(owner) == (long)getpid() && removable_root(active.root))
		owner_pid = getpid();
	prepare_children(active.root, getenv("TMPJAIL_DIR"), owner);
	atomic_store_explicit(&active_table, &active, memory_order_release);
}

static void prepare_fork(void);

static void after_fork(void)
{
	thread_pid = (pid_t)syscall(SYS_getpid);
}

static void load(void)
{
	const char *root = getenv("TMPJAIL_ROOT");

	busy++;
	shim_real_resolve_all();
	redirect_set =
	    copy_value(redirect_value, sizeof(redirect_value), getenv("TMPJAIL_REDIRECT"));
	find_own_path();
	shim_audit_init();
	if (root && root[0]) {
		load_launcher(root);
	} else {
		mode = MODE_SELF;
		map_table_build(&pending, NULL, NULL, redirect_set ? redirect_value : NULL);
		prepare_children(NULL, NULL, NULL);
		pthread_atfork(prepare_fork, NULL, after_fork);
	}
	busy--;
}

/* Load the configuration once; a second thread waits for the first. */
static void ensure_loaded(void)
{
	int expected = STATE_NEW;

	if (atomic_load_explicit(&state, memory_order_acquire) == STATE_READY)
		return;
	if (busy)
		return; /* reached from load() itself, in this thread */
	if (atomic_compare_exchange_strong(&state, &expected, STATE_LOADING)) {
		int saved = errno;
		load();
		errno = saved;
		atomic_store_explicit(&state, STATE_READY, memory_order_release);
		return;
	}
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

static void export_root(const struct map_table *table, const char *dir)
{
	char pid_text[24];

	snprintf(pid_text, sizeof(pid_text), "%ld", (long)getpid());
	setenv("TMPJAIL_ROOT", table->root, 1);
	if (dir)
		setenv("TMPJAIL_DIR", dir, 1);
	if (preload_value[0])
		setenv("TMPJAIL_PRELOAD", preload_value, 1);
	setenv("TMPJAIL_OWNER", pid_text, 1);
	prepare_children(table->root, dir, pid_text);
}

/* Make our own root (MODE_SELF) under the lock; 0 or -errno. */
static int create_root(void)
{
	char root[] = SELF_ROOT_TEMPLATE;
	int r, saved = errno;

	pthread_mutex_lock(&create_lock);
	if (atomic_load_explicit(&active_table, memory_order_acquire)) {
		pthread_mutex_unlock(&create_lock);
		return 0;
	}
	busy++;
	r = tf_create_in(AT_FDCWD, root, SELF_ROOT_RANDOM_AT, TF_RANDOM_CHARS, TF_KIND_DIR, 0,
			 0700);
	if (r < 0)
		goto out; /* nothing made: @root may name someone else's directory */
	r = map_table_build(&active, root, NULL, redirect_set ? redirect_value : NULL);
	if (r == 0)
		r = make_stand_ins(&active);
	if (r < 0) {
		tf_remove_tree(AT_FDCWD, root, 0);
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
	busy--;
	pthread_mutex_unlock(&create_lock);
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
		if (!map_match(&pending, path))
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

	/* The process that made the root removes it; a forked child does not. */
	if (!table || owner_pid == 0 || owner_pid != (pid_t)syscall(SYS_getpid))
		return;
	int saved = errno;
	busy++;
	owner_pid = 0;
	if (removable_root(table->root))
		tf_remove_tree(AT_FDCWD, table->root, 0);
	busy--;
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
