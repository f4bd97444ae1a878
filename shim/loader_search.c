/* SPDX-License-Identifier: MIT */
/*
 * The loader's library search, redone for redirected directories.
 *
 * la_objsearch() could map each candidate the loader tries, and does
 * (loader.c), but that is not enough: when a candidate cannot be opened,
 * ld.so stat()s its directory itself and, when the real one is missing (the
 * private /tmp/build exists, the real /tmp/build does not), marks the
 * directory as missing for every later name, or drops the whole RUNPATH.
 * So for a bare name the search is done here first, in the loader's order,
 * and the file found in a redirected directory is named outright.
 *
 * Not redone: the RPATH of the objects between the loader and the program
 * (glibc's l_loader chain is not public: only the loader's own RPATH and
 * the program's are read), the glibc-hwcaps subdirectories of a redirected
 * directory, and dynamic string tokens other than $ORIGIN: a list using
 * them is left to the loader (each candidate still mapped).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "loader.h"
#include "sys.h"

#if defined(__x86_64__)
#define LOADER_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define LOADER_MACHINE EM_AARCH64
#elif defined(__i386__)
#define LOADER_MACHINE EM_386
#else
#define LOADER_MACHINE EM_NONE /* any: the loader checks again */
#endif

#if __ELF_NATIVE_CLASS == 64
#define LOADER_CLASS ELFCLASS64
#else
#define LOADER_CLASS ELFCLASS32
#endif

enum found { FOUND_NONE, FOUND_HERE, FOUND_GIVE_UP };

/* Could the loader load @path: an ELF object of this process's class and
 * machine (it skips others and searches on)? */
static bool loadable(const char *path)
{
	ElfW(Ehdr) header;
	int fd = sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);

	if (fd < 0)
		return false;
	ssize_t n = sys_read(fd, &header, sizeof(header));
	sys_close(fd);
	return n == (ssize_t)sizeof(header) && memcmp(header.e_ident, ELFMAG, SELFMAG) == 0 &&
	       header.e_ident[EI_CLASS] == LOADER_CLASS &&
	       (LOADER_MACHINE == EM_NONE || header.e_machine == LOADER_MACHINE);
}

/* The directory @map was loaded from ($ORIGIN), into @out; false if unknown. */
static bool origin_of(const struct link_map *map, char *out, size_t size)
{
	const char *name = map->l_name;
	size_t len;

	if (!name || !name[0]) { /* the program */
		ssize_t n = readlink("/proc/self/exe", out, size - 1);
		if (n <= 0)
			return false;
		out[n] = '\0';
	} else {
		if (name[0] != '/' || strlen(name) >= size)
			return false;
		strcpy(out, name);
	}
	len = strrchr(out, '/') - out;
	out[len ? len : 1] = '\0';
	return true;
}

/*
 * The directory entry @dir (@len bytes) of a search list, made into
 * "<dir>/<name>" in @out with $ORIGIN expanded. Return: false when it holds
 * another token or does not fit (the loader is left to search then).
 */
static bool candidate(const struct link_map *map, const char *dir, size_t len, const char *name,
		      char *out, size_t size)
{
	char origin[PATH_MAX];
	size_t at = 0;

	if (len == 0) { /* the working directory */
		dir = ".";
		len = 1;
	}
	if (len >= 7 && (strncmp(dir, "$ORIGIN", 7) == 0 || strncmp(dir, "${ORIGIN}", 9) == 0)) {
		size_t skip = dir[1] == '{' ? 9 : 7;
		if (len < skip || (len > skip && dir[skip] != '/') || !map ||
		    !origin_of(map, origin, sizeof(origin)))
			return false;
		at = strlen(origin);
		memcpy(out, origin, at);
		dir += skip;
		len -= skip;
	}
	if (memchr(dir, '$', len) || at + len + 1 + strlen(name) + 1 > size)
		return false;
	memcpy(out + at, dir, len);
	at += len;
	out[at++] = '/';
	strcpy(out + at, name);
	return true;
}

/* Search the list @list (':'-separated; ';' too in LD_LIBRARY_PATH). */
static enum found search_list(const struct link_map *map, const char *list, const char *seps,
			      const char *name, char *out, size_t size)
{
	char path[PATH_MAX];

	for (const char *p = list; p;) {
		size_t len = strcspn(p, seps);
		if (!candidate(map, p, len, name, path, sizeof(path)))
			return FOUND_GIVE_UP;
		const char *result;
		int r = loader_map(path, out, size, &result);
		if (r == MAP_DONE && loadable(out))
			return FOUND_HERE;
		/* Found outside: the loader finds the same file. */
		if (r == MAP_KEEP && loadable(path))
			return FOUND_GIVE_UP;
		p = p[len] ? p + len + 1 : NULL;
	}
	return FOUND_NONE;
}

/* Does an entry of @list name a redirected directory (or one we cannot
 * read: the loader might reach one through it)? */
static bool reaches_redirected(const struct link_map *map, const char *list, const char *seps)
{
	char path[PATH_MAX];

	for (const char *p = list; p; p = p[strcspn(p, seps)] ? p + strcspn(p, seps) + 1 : NULL)
		if (!candidate(map, p, strcspn(p, seps), "x", path, sizeof(path)) ||
		    map_match(loader_rules(), path))
			return true;
	return false;
}

/* @map's DT_RPATH or DT_RUNPATH string, or NULL. */
static const char *dynamic_string(const struct link_map *map, ElfW(Sxword) tag)
{
	uintptr_t strtab = 0;
	long offset = -1;

	for (const ElfW(Dyn) *d = map ? map->l_ld : NULL; d && d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_STRTAB)
			strtab = d->d_un.d_ptr;
		else if (d->d_tag == tag)
			offset = (long)d->d_un.d_val;
	}
	if (!strtab || offset < 0)
		return NULL;
	/* ld.so relocates the entry in place where the section is writable. */
	if (strtab < map->l_addr)
		strtab += map->l_addr;
	return (const char *)strtab + offset;
}

/* The program's own map: the first in the loader's namespace. */
static const struct link_map *program_of(const struct link_map *map)
{
	while (map && map->l_prev)
		map = map->l_prev;
	return map;
}

const char *loader_search(const char *name, struct link_map *loader, const char *library_path,
			  char *out, size_t size)
{
	const struct link_map *program = program_of(loader);
	const char *runpath = dynamic_string(loader, DT_RUNPATH);
	const char *rpath;
	enum found found = FOUND_NONE;

	if (!loader_ready() || !loader)
		return name;
	/* Nothing redirected on the way (nearly always): the loader's search is
	 * exact, and costs nothing more. */
	rpath = runpath ? NULL : dynamic_string(loader, DT_RPATH);
	const char *program_rpath =
	    runpath || program == loader ? NULL : dynamic_string(program, DT_RPATH);
	if (!(rpath && reaches_redirected(loader, rpath, ":")) &&
	    !(program_rpath && reaches_redirected(program, program_rpath, ":")) &&
	    !(library_path[0] && reaches_redirected(program, library_path, ":;")) &&
	    !(runpath && reaches_redirected(loader, runpath, ":")))
		return name;
	if (!runpath) {
		if (rpath)
			found = search_list(loader, rpath, ":", name, out, size);
		if (found == FOUND_NONE && program_rpath)
			found = search_list(program, program_rpath, ":", name, out, size);
	}
	if (found == FOUND_NONE && library_path[0])
		found = search_list(program, library_path, ":;", name, out, size);
	if (found == FOUND_NONE && runpath)
		found = search_list(loader, runpath, ":", name, out, size);
	return found == FOUND_HERE ? out : name;
}
