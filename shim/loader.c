/* SPDX-License-Identifier: MIT */
/*
 * libtmpjail-loader.so: the dynamic loader's half of the shim. ld.so opens
 * libraries with its own internal calls (LD_LIBRARY_PATH, RUNPATH, RPATH,
 * LD_PRELOAD entries, DT_NEEDED names, dlopen's search), out of the
 * preloaded shim's reach. Loaded through LD_AUDIT, this module is asked
 * about every name and every candidate file the loader tries
 * (la_objsearch(3)) and answers with the path the shim would use.
 *
 * It runs in a link-map namespace of its own, without libc (loader_libc.c),
 * so it shares no state with the shim: it reads the same environment
 * contract once, builds the same table with the same mapper (map.c) and
 * checks the root with the same rules (trust.c). It never makes a root and takes no lock. When it
 * cannot trust what it read, a redirected name is refused (the loader skips
 * it), never passed through to the real directory.
 */
#include <link.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "shim.h"

enum loader_state {
	LOADER_READY,  /* a trusted root: redirected names are mapped */
	LOADER_REFUSE, /* no root we can trust: redirected names are refused */
};

static struct map_table table;
static enum loader_state state = LOADER_REFUSE;
/* LD_LIBRARY_PATH as the loader read it at start (it reads it only then). */
static char library_path[LOADER_LIST_MAX];

/*
 * One buffer for the name la_objsearch(LA_SER_ORIG) returns (the loader
 * keeps using it while it searches) and one for each candidate. The loader
 * holds its load lock across both, so two are enough.
 */
static char orig_buf[PATH_MAX];
static char candidate_buf[PATH_MAX];

/*
 * The shim installed beside this module, never mapped: a tmpjail built or
 * installed under /tmp preloads the shim from the real /tmp, and mapping
 * that name away would start the program without it. (Found from
 * LD_AUDIT, not dladdr(): the module has no libc, see loader_libc.c.)
 */
static char shim_path[PATH_MAX];

/* Fill shim_path: the directory this module was named in (its LD_AUDIT
 * entry) and the shim's file name. */
static void find_shim(void)
{
	static const char module_name[] = "libtmpjail-loader.so";
	static const char shim_name[] = "libtmpjail-preload.so";
	const char *list = getenv("LD_AUDIT");

	for (const char *p = list; p && *p; p += strcspn(p, ":") + (p[strcspn(p, ":")] != '\0')) {
		size_t len = strcspn(p, ":");
		const char *base = memrchr(p, '/', len);
		if (p[0] != '/' || !base || (size_t)(p + len - base - 1) != strlen(module_name) ||
		    strncmp(base + 1, module_name, strlen(module_name)) != 0)
			continue;
		size_t dir_len = (size_t)(base - p) + 1;
		if (dir_len + sizeof(shim_name) > sizeof(shim_path))
			return;
		memcpy(shim_path, p, dir_len);
		memcpy(shim_path + dir_len, shim_name, sizeof(shim_name));
		return;
	}
}

/*
 * Read the contract. Without TMPJAIL_ROOT the shim makes a root of its own
 * later, in this process, where this module cannot see it: redirected names
 * are refused then (the process's children get the root and load fine).
 */
static void loader_init(void)
{
	const char *root = getenv("TMPJAIL_ROOT");
	const char *redirect = getenv("TMPJAIL_REDIRECT");
	const char *libpath = getenv("LD_LIBRARY_PATH");

	find_shim();
	if (libpath && strlen(libpath) < sizeof(library_path))
		strcpy(library_path, libpath);
	if (redirect && strlen(redirect) >= MAP_REDIRECT_MAX)
		redirect = ""; /* names no prefix: every path refused */
	if (root && root[0] &&
	    map_table_build(&table, root, getenv("TMPJAIL_DIR"), redirect) == 0 &&
	    shim_check_root(&table) == 0) {
		state = LOADER_READY;
		return;
	}
	/* The rules alone, to know which names to refuse. */
	if (map_table_build(&table, NULL, NULL, redirect) < 0)
		table.incomplete = true;
	state = LOADER_REFUSE;
}

int loader_map(const char *path, char *out, size_t size, const char **result)
{
	if (!path || path[0] != '/' || (shim_path[0] && strcmp(path, shim_path) == 0)) {
		*result = path;
		return MAP_KEEP;
	}
	if (state != LOADER_READY) {
		*result = map_match(&table, path) ? NULL : path;
		return *result ? MAP_KEEP : -EACCES;
	}
	int r = map_path(&table, path, out, size);
	*result = r == MAP_DONE ? out : r == MAP_KEEP ? path : NULL;
	return r;
}

/* The entry points ld.so looks up (the project's preset hides the rest). */
#define LOADER_EXPORT __attribute__((visibility("default")))

LOADER_EXPORT unsigned int la_version(unsigned int version)
{
	loader_init();
	return version;
}

/*
 * Remember each object's link map as its cookie (glibc sets the same
 * value, but no manual promises it): the search for a bare name needs the
 * loader's RPATH and RUNPATH. Returns no LA_FLG_BIND* flags, so the loader
 * sets up no PLT auditing and calls cost what they cost without us.
 */
LOADER_EXPORT unsigned int la_objopen(struct link_map *map, Lmid_t lmid, uintptr_t *cookie)
{
	(void)lmid;
	*cookie = (uintptr_t)map;
	return 0;
}

LOADER_EXPORT char *la_objsearch(const char *name, uintptr_t *cookie, unsigned int flag)
{
	const char *result;

	if (flag == LA_SER_ORIG && name && !strchr(name, '/')) {
		/* A bare name: search the redirected directories ourselves, in the
		 * loader's order (loader_search.c), and name the file found. */
		struct link_map *loader = cookie ? (struct link_map *)*cookie : NULL;
		return (char *)loader_search(name, loader, library_path, orig_buf,
					     sizeof(orig_buf));
	}
	/* A name with a slash (LA_SER_ORIG: DT_NEEDED, LD_PRELOAD, dlopen) or a
	 * candidate in a search directory: map it like any path. */
	(void)loader_map(name, flag == LA_SER_ORIG ? orig_buf : candidate_buf, PATH_MAX, &result);
	return (char *)result;
}

bool loader_ready(void)
{
	return state == LOADER_READY;
}

const struct map_table *loader_rules(void)
{
	return &table;
}
