/* SPDX-License-Identifier: MIT */
/*
 * The real functions behind the wrappers: found with dlsym(RTLD_NEXT) the
 * first time they are needed and cached in atomics, so any thread may
 * resolve one concurrently and a wrapper reached before the shim's
 * constructor still works.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>

#include "shim.h"

#define SHIM_PATH1(ret, name, params, args, fail, path, base) #name,
#define SHIM_PATH2(ret, name, params, args, fail, path, base, path2, base2) #name,
#define SHIM_HAND(ret, name, params, fail) #name,
static const char *const symbol_names[SHIM_SYM_COUNT] = {
#include "wrappers.def"
};
#undef SHIM_PATH1
#undef SHIM_PATH2
#undef SHIM_HAND

static _Atomic(void *) real_functions[SHIM_SYM_COUNT];
/* Cached for a symbol no library defines, so we ask the loader once. */
static const char missing_marker;
#define MISSING ((void *)&missing_marker)

/*
 * Symbols kept only for old binaries (the __xstat family) have no default
 * version, which plain dlsym() does not find: ask for the version the
 * architecture first shipped them with.
 */
static const char *const compat_versions[] = {"GLIBC_2.2.5", "GLIBC_2.17", "GLIBC_2.0",
					      "GLIBC_2.2",   "GLIBC_2.27", "GLIBC_2.4"};

static void *lookup(const char *name)
{
	void *fn = dlsym(RTLD_NEXT, name);

	for (size_t i = 0; !fn && i < sizeof(compat_versions) / sizeof(compat_versions[0]); i++)
		fn = dlvsym(RTLD_NEXT, name, compat_versions[i]);
	if (!fn)
		(void)dlerror(); /* do not leave our failure for the program to read */
	return fn;
}

void *shim_real(enum shim_sym sym)
{
	void *fn = atomic_load_explicit(&real_functions[sym], memory_order_acquire);

	if (!fn) {
		int saved = errno;
		fn = lookup(symbol_names[sym]);
		atomic_store_explicit(&real_functions[sym], fn ? fn : MISSING,
				      memory_order_release);
		errno = saved;
	}
	return fn == MISSING ? NULL : fn;
}

void shim_real_resolve_all(void)
{
	for (int sym = 0; sym < SHIM_SYM_COUNT; sym++)
		(void)shim_real((enum shim_sym)sym);
}
