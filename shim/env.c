/* SPDX-License-Identifier: MIT */
/*
 * Children stay inside: the exec and spawn wrappers give the child an
 * environment that still preloads the shim and still names the run's root,
 * whatever the program did to it (env -i, env -u LD_PRELOAD, clearenv()).
 * The entries are made at load into static storage; the environment is
 * rebuilt on the caller's stack, because exec wrappers run in vfork
 * children where malloc, stdio and locks are off limits.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"

#define SHIM_FILE_NAME "libtmpjail-preload.so"

enum { ENV_ROOT, ENV_DIR, ENV_REDIRECT, ENV_PRELOAD, ENV_AUDIT, ENV_OWNER, ENV_COUNT };

static const char *const env_names[ENV_COUNT] = {
    "TMPJAIL_ROOT",    "TMPJAIL_DIR",	"TMPJAIL_REDIRECT",
    "TMPJAIL_PRELOAD", "TMPJAIL_AUDIT", "TMPJAIL_OWNER",
};

/* One complete set of "NAME=value" entries. */
struct env_set {
	char entry[ENV_COUNT][PATH_MAX + 32];
	bool present[ENV_COUNT];
	char ld_entry[PATH_MAX + 16]; /* "LD_PRELOAD=<shim>", "" if unknown */
	const char *shim;	      /* the shim's path inside ld_entry */
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
	if (values->preload &&
	    strlen(values->preload) + sizeof("LD_PRELOAD=") <= sizeof(set->ld_entry)) {
		strcpy(set->ld_entry, "LD_PRELOAD=");
		strcat(set->ld_entry, values->preload);
		set->shim = set->ld_entry + strlen("LD_PRELOAD=");
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

/* Does the LD_PRELOAD value @list already load the shim? Entries are
 * separated by ':' or ' ', as the loader reads them. */
static bool preloads_shim(const char *list, const char *shim)
{
	size_t shim_len = shim ? strlen(shim) : 0;

	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ": ");
		const char *base = memrchr(p, '/', len);
		base = base ? base + 1 : p;
		size_t base_len = len - (size_t)(base - p);
		if ((shim_len && len == shim_len && memcmp(p, shim, len) == 0) ||
		    (base_len == strlen(SHIM_FILE_NAME) &&
		     memcmp(base, SHIM_FILE_NAME, base_len) == 0))
			return true;
		p += len;
		if (*p)
			p++;
	}
	return false;
}

/* "LD_PRELOAD=<old>:<shim>" into @ld, or NULL when it does not fit. */
static const char *append_shim(const char *entry, const char *shim, char *ld)
{
	size_t entry_len = strlen(entry), shim_len = strlen(shim);
	bool empty = entry[strlen("LD_PRELOAD=")] == '\0';

	if (entry_len + 1 + shim_len + 1 > SHIM_LD_MAX)
		return NULL;
	memcpy(ld, entry, entry_len);
	if (!empty)
		ld[entry_len++] = ':';
	memcpy(ld + entry_len, shim, shim_len + 1);
	return ld;
}

char *const *shim_env_build(char *const envp[], size_t count, const char **vec, char *ld)
{
	const struct env_set *set = atomic_load_explicit(&current, memory_order_acquire);
	bool have[ENV_COUNT] = {false};
	const char *lock = make_lock_entry();
	bool changed = false, have_lock = false;
	int ld_at = -1;
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
		if (ld_at < 0 && is_var(entry, "LD_PRELOAD", strlen("LD_PRELOAD"))) {
			ld_at = (int)n;
			if (set->shim && !preloads_shim(entry + strlen("LD_PRELOAD="), set->shim)) {
				const char *fixed = append_shim(entry, set->shim, ld);
				if (fixed) {
					vec[n] = fixed;
					changed = true;
				}
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
	if (ld_at < 0 && set->shim) {
		vec[n++] = set->ld_entry;
		changed = true;
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
	if (!set->shim)
		return;
	const char *list = getenv("LD_PRELOAD");
	if (!list) {
		setenv("LD_PRELOAD", set->shim, 0);
	} else if (!preloads_shim(list, set->shim)) {
		char ld[SHIM_LD_MAX];
		char entry[SHIM_LD_MAX];
		if (strlen(list) + sizeof("LD_PRELOAD=") > sizeof(entry))
			return;
		strcpy(entry, "LD_PRELOAD=");
		strcat(entry, list);
		if (append_shim(entry, set->shim, ld))
			setenv("LD_PRELOAD", ld + strlen("LD_PRELOAD="), 1);
	}
}
