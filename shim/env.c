/* SPDX-License-Identifier: MIT */
/*
 * Children stay inside: the exec and spawn wrappers give the child an
 * environment that still preloads the shim, still audits the loader with
 * libtmpjail-loader.so (the file beside the shim, see loader.c) and still
 * names the run's root, whatever the program did to it (env -i, env -u
 * LD_PRELOAD, clearenv()).
 * The entries are made at load into static storage; the environment is
 * rebuilt on the caller's stack, because exec wrappers run in vfork
 * children where malloc, stdio and locks are off limits.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"

#include "internal.h"
#include "sys.h"

#define SHIM_FILE_NAME "libtmpjail-preload.so"
#define LOADER_FILE_NAME "libtmpjail-loader.so"
#define TRAP_HELPER_FILE_NAME "tmpjail-trap-exec"

/* The two loader variables children must keep: ours is appended to theirs. */
enum { LD_PRELOAD_VAR, LD_AUDIT_VAR, LD_COUNT };

static const struct {
	const char *name;      /* "LD_PRELOAD" */
	const char *file_name; /* the basename that means "ours is there" */
} ld_vars[LD_COUNT] = {
    {"LD_PRELOAD", SHIM_FILE_NAME},
    {"LD_AUDIT", LOADER_FILE_NAME},
};

enum { ENV_ROOT, ENV_DIR, ENV_REDIRECT, ENV_PRELOAD, ENV_AUDIT, ENV_OWNER, ENV_TRAP, ENV_COUNT };

static const char *const env_names[ENV_COUNT] = {
    "TMPJAIL_ROOT",  "TMPJAIL_DIR",   "TMPJAIL_REDIRECT", "TMPJAIL_PRELOAD",
    "TMPJAIL_AUDIT", "TMPJAIL_OWNER", "TMPJAIL_TRAP",
};

/* One complete set of "NAME=value" entries. */
struct env_set {
	char entry[ENV_COUNT][PATH_MAX + 32];
	bool present[ENV_COUNT];
	char ld_entry[LD_COUNT][PATH_MAX + 16]; /* "LD_PRELOAD=<shim>", "" if unknown */
	const char *ld_file[LD_COUNT];		/* our file's path inside ld_entry */
	char trap_helper[PATH_MAX];		/* tmpjail-trap-exec beside the shim, or "" */
};

/* Made at load and again once our own root exists: two sets, never rewritten
 * while a reader may hold one. */
static struct env_set sets[2];
static int sets_used;
static _Atomic(const struct env_set *) current;

/*
 * "TMPJAIL_LOCK=<fd>", made when a child's environment is built: the lock
 * descriptor may move (lock.c), so it is never taken from a prepared set.
 * Per thread, on no heap: exec wrappers run in vfork children.
 */
static __thread char lock_entry[32] __attribute__((tls_model("initial-exec")));

/* lock_entry for the lock this process holds, or NULL when it holds none. */
static const char *make_lock_entry(void)
{
	static const char name[] = "TMPJAIL_LOCK=";
	char digits[16], *p = digits + sizeof(digits);
	int fd = shim_lock_fd();

	if (fd < 0)
		return NULL;
	*--p = '\0';
	do {
		*--p = (char)('0' + fd % 10);
		fd /= 10;
	} while (fd);
	memcpy(lock_entry, name, sizeof(name) - 1);
	memcpy(lock_entry + sizeof(name) - 1, p, (size_t)(digits + sizeof(digits) - p));
	return lock_entry;
}

static void set_entry(struct env_set *set, int which, const char *value)
{
	size_t name_len = strlen(env_names[which]);

	if (!value || name_len + 1 + strlen(value) + 1 > sizeof(set->entry[which]))
		return;
	memcpy(set->entry[which], env_names[which], name_len);
	set->entry[which][name_len] = '=';
	strcpy(set->entry[which] + name_len + 1, value);
	set->present[which] = true;
}

/* "LD_PRELOAD=<path>" (or LD_AUDIT) into @set, when @path is absolute and fits. */
static void set_ld_entry(struct env_set *set, int var, const char *path)
{
	char *entry = set->ld_entry[var];
	size_t name_len = strlen(ld_vars[var].name);

	if (!path || path[0] != '/' || name_len + 1 + strlen(path) + 1 > sizeof(set->ld_entry[var]))
		return;
	memcpy(entry, ld_vars[var].name, name_len);
	entry[name_len] = '=';
	strcpy(entry + name_len + 1, path);
	set->ld_file[var] = entry + name_len + 1;
}

/* The regular file @name in @shim's directory, into @out (PATH_MAX): exists? */
static bool beside_shim(const char *shim, const char *name, char *out)
{
	const char *slash = strrchr(shim, '/');
	size_t dir_len = (size_t)(slash - shim) + 1, name_len = strlen(name);
	struct stat st;

	if (dir_len + name_len + 1 > PATH_MAX)
		return false;
	memcpy(out, shim, dir_len);
	memcpy(out + dir_len, name, name_len + 1);
	return sys_fstatat(AT_FDCWD, out, &st, 0) == 0 && S_ISREG(st.st_mode);
}

const char *shim_trap_helper(void)
{
	const struct env_set *set = atomic_load_explicit(&current, memory_order_acquire);
	return set && set->trap_helper[0] ? set->trap_helper : NULL;
}

void shim_env_prepare(const struct shim_env_values *values)
{
	if (sets_used == 2)
		return;
	struct env_set *set = &sets[sets_used++];

	memset(set, 0, sizeof(*set));
	set_entry(set, ENV_ROOT, values->root);
	set_entry(set, ENV_DIR, values->dir);
	set_entry(set, ENV_REDIRECT, values->redirect);
	set_entry(set, ENV_PRELOAD, values->preload);
	set_entry(set, ENV_AUDIT, values->audit);
	set_entry(set, ENV_OWNER, values->owner);
	set_entry(set, ENV_TRAP, values->trap);
	set_ld_entry(set, LD_PRELOAD_VAR, values->preload);
	/* The loader module and the trap's helper are the files installed
	 * beside the shim (the shim's own path is checked: find_own_path());
	 * absent, children go without. */
	if (set->ld_file[LD_PRELOAD_VAR]) {
		char loader[PATH_MAX];
		if (beside_shim(values->preload, LOADER_FILE_NAME, loader))
			set_ld_entry(set, LD_AUDIT_VAR, loader);
		if (!beside_shim(values->preload, TRAP_HELPER_FILE_NAME, set->trap_helper))
			set->trap_helper[0] = '\0';
	}
	atomic_store_explicit(&current, set, memory_order_release);
}

size_t shim_env_count(char *const envp[])
{
	size_t n = 0;

	while (envp && envp[n])
		n++;
	return n;
}

/* Is @entry "NAME=..." for @name? */
static bool is_var(const char *entry, const char *name, size_t name_len)
{
	return strncmp(entry, name, name_len) == 0 && entry[name_len] == '=';
}

/* Does the LD_PRELOAD (LD_AUDIT) value @list already load @shim, or a file
 * of the same name (a nested run's)? Entries are separated by ':' or ' ',
 * as the loader reads them. */
static bool lists_file(const char *list, const char *shim, const char *file_name)
{
	size_t shim_len = shim ? strlen(shim) : 0;

	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ": ");
		const char *base = memrchr(p, '/', len);
		base = base ? base + 1 : p;
		size_t base_len = len - (size_t)(base - p);
		if ((shim_len && len == shim_len && memcmp(p, shim, len) == 0) ||
		    (base_len == strlen(file_name) && memcmp(base, file_name, base_len) == 0))
			return true;
		p += len;
		if (*p)
			p++;
	}
	return false;
}

/* "LD_PRELOAD=<old>:<shim>" (or LD_AUDIT) into @ld, or NULL when it does
 * not fit. */
static const char *append_shim(const char *entry, int var, const char *shim, char *ld)
{
	size_t entry_len = strlen(entry), shim_len = strlen(shim);
	bool empty = entry[strlen(ld_vars[var].name) + 1] == '\0';

	if (entry_len + 1 + shim_len + 1 > SHIM_LD_MAX)
		return NULL;
	memcpy(ld, entry, entry_len);
	if (!empty)
		ld[entry_len++] = ':';
	memcpy(ld + entry_len, shim, shim_len + 1);
	return ld;
}

/* @entry ("LD_PRELOAD=...") with our file appended into @ld, or NULL when
 * it lists it already (or it does not fit). */
static const char *keep_ld(const struct env_set *set, int var, const char *entry, char *ld)
{
	const char *file = set->ld_file[var];

	if (!file ||
	    lists_file(entry + strlen(ld_vars[var].name) + 1, file, ld_vars[var].file_name))
		return NULL;
	return append_shim(entry, var, file, ld);
}

char *const *shim_env_build(char *const envp[], size_t count, const char **vec, char *ld)
{
	const struct env_set *set = atomic_load_explicit(&current, memory_order_acquire);
	bool have[ENV_COUNT] = {false};
	const char *lock = make_lock_entry();
	bool changed = false, have_lock = false, have_ld[LD_COUNT] = {false};
	size_t n = 0;

	if (!set)
		return envp;
	for (size_t i = 0; i < count; i++) {
		const char *entry = envp[i];
		vec[n] = entry;
		for (int v = 0; v < ENV_COUNT; v++)
			if (is_var(entry, env_names[v], strlen(env_names[v])))
				have[v] = true;
		/* A relative audit file would be another file in a child that works
		 * elsewhere: give it the absolute name made at load. */
		if (is_var(entry, "TMPJAIL_AUDIT", strlen("TMPJAIL_AUDIT")) &&
		    entry[strlen("TMPJAIL_AUDIT=")] != '/' && set->present[ENV_AUDIT]) {
			vec[n] = set->entry[ENV_AUDIT];
			changed = true;
		}
		/* Ours, whatever the program wrote: the number the lock is on now. */
		if (lock && is_var(entry, "TMPJAIL_LOCK", strlen("TMPJAIL_LOCK"))) {
			have_lock = true;
			if (strcmp(entry, lock) != 0) {
				vec[n] = lock;
				changed = true;
			}
		}
		for (int var = 0; var < LD_COUNT; var++) {
			if (have_ld[var] ||
			    !is_var(entry, ld_vars[var].name, strlen(ld_vars[var].name)))
				continue;
			have_ld[var] = true; /* the loader reads the first one */
			const char *fixed = keep_ld(set, var, entry, ld + var * SHIM_LD_MAX);
			if (fixed) {
				vec[n] = fixed;
				changed = true;
			}
		}
		n++;
	}
	/* Only what is missing is added: a value the program set (a nested run's
	 * own root) is its choice. */
	for (int v = 0; v < ENV_COUNT; v++) {
		if (set->present[v] && !have[v]) {
			vec[n++] = set->entry[v];
			changed = true;
		}
	}
	for (int var = 0; var < LD_COUNT; var++) {
		if (!have_ld[var] && set->ld_file[var]) {
			vec[n++] = set->ld_entry[var];
			changed = true;
		}
	}
	if (lock && !have_lock) {
		vec[n++] = lock;
		changed = true;
	}
	vec[n] = NULL;
	return changed ? (char *const *)vec : envp;
}

void shim_env_restore_process(void)
{
	const struct env_set *set = atomic_load_explicit(&current, memory_order_acquire);

	const char *lock = make_lock_entry();

	if (lock)
		setenv("TMPJAIL_LOCK", lock + strlen("TMPJAIL_LOCK="), 1);
	if (!set)
		return;
	for (int v = 0; v < ENV_COUNT; v++)
		if (set->present[v] && !getenv(env_names[v]))
			setenv(env_names[v], set->entry[v] + strlen(env_names[v]) + 1, 0);
	for (int var = 0; var < LD_COUNT; var++) {
		const char *name = ld_vars[var].name, *list = getenv(name);
		char ld[SHIM_LD_MAX], entry[SHIM_LD_MAX];
		if (!set->ld_file[var])
			continue;
		if (!list) {
			setenv(name, set->ld_file[var], 0);
			continue;
		}
		if (strlen(name) + 1 + strlen(list) + 1 > sizeof(entry))
			continue;
		strcpy(entry, name);
		strcat(entry, "=");
		strcat(entry, list);
		if (keep_ld(set, var, entry, ld))
			setenv(name, ld + strlen(name) + 1, 1);
	}
}
