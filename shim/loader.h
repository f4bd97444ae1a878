/* SPDX-License-Identifier: MIT */
/*
 * Internal interface of libtmpjail-loader.so, the rtld-audit module that
 * maps the names the dynamic loader opens (loader.c, loader_search.c).
 */
#ifndef TMPJAIL_SHIM_LOADER_H
#define TMPJAIL_SHIM_LOADER_H

#include <link.h>
#include <stdbool.h>
#include <stddef.h>

#include "map.h"

/* Room for LD_LIBRARY_PATH, RPATH and RUNPATH values the search reads. */
#define LOADER_LIST_MAX (4 * PATH_MAX)

/*
 * loader_map() - map the path @path for the loader into @out (@size bytes).
 * *@result is what la_objsearch returns: @path itself (kept), @out
 * (redirected) or NULL (refused: redirected, but no root can be trusted,
 * or it climbs out of the root).
 * Return: MAP_KEEP, MAP_DONE or -errno.
 */
int loader_map(const char *path, char *out, size_t size, const char **result);

/*
 * loader_search() - the loader's search for the bare library name @name
 * needed by @loader (NULL: unknown), redone where it reaches a redirected
 * directory: its RPATH, then the program's, LD_LIBRARY_PATH (@library_path)
 * and its RUNPATH, in the loader's order. The loader cannot search a
 * redirected directory itself: it remembers a directory as missing when the
 * real one is, and would then skip it for every later name.
 * Return: the mapped path of the file found first, in @out, when that file
 * lies under a redirected prefix; @name otherwise (the loader searches).
 */
const char *loader_search(const char *name, struct link_map *loader, const char *library_path,
			  char *out, size_t size);

/* The rules (with the root when there is one). */
const struct map_table *loader_rules(void);

/* Was a root found that this module trusts? */
bool loader_ready(void);

#endif /* TMPJAIL_SHIM_LOADER_H */
