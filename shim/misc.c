/* SPDX-License-Identifier: MIT */
/*
 * The remaining irregular entry points: glob (results read back as the
 * program wrote them), dlopen (the loader looks at its caller) and
 * bind/connect (a path inside a socket address).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "shim.h"

/* ---- glob ---- */

/* Would the mapped directory be read as a pattern itself? */
static bool has_magic(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (strchr("*?[\\{", text[i]))
			return true;
	return false;
}

/* How many leading bytes of @mapped stand for leading bytes of @pattern
 * (*@pattern_len of them): the rest is the same text in both. */
static size_t stand_in_length(const char *pattern, const char *mapped, size_t *pattern_len)
{
	size_t a = strlen(pattern), b = strlen(mapped), common = 0;

	while (common < a && common < b && pattern[a - 1 - common] == mapped[b - 1 - common])
		common++;
	*pattern_len = a - common;
	return b - common;
}

/*
 * The pattern to give glob: the mapped one, with the stand-in's own
 * pattern characters escaped so they match literally. NULL when that is
 * impossible (GLOB_NOESCAPE, or no room): the mapped pattern is used as is.
 */
static const char *escape_stand_in(const char *pattern, const char *mapped, int flags, char *out)
{
	size_t pattern_len, len = stand_in_length(pattern, mapped, &pattern_len), n = 0;

	if (!has_magic(mapped, len))
		return mapped;
	if (flags & GLOB_NOESCAPE)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (n + 3 > PATH_MAX)
			return NULL;
		if (strchr("*?[\\{", mapped[i]))
			out[n++] = '\\';
		out[n++] = mapped[i];
	}
	size_t rest = strlen(mapped + len);
	if (n + rest + 1 > PATH_MAX)
		return NULL;
	memcpy(out + n, mapped + len, rest + 1);
	return out;
}

/*
 * Results start with the mapped directory; give them back the text the
 * program wrote, so the pattern "/tmp/ *.txt" (without the space) yields
 * "/tmp/a.txt", not the private directory's name. @first..@end are the
 * entries this call added.
 */
static void unmap_results(char **paths, size_t first, size_t end, const char *pattern,
			  const char *mapped)
{
	size_t to_len, from_len = stand_in_length(pattern, mapped, &to_len);

	for (size_t i = first; i < end; i++) {
		char *entry = paths[i];
		if (!entry || strncmp(entry, mapped, from_len) != 0)
			continue;
		size_t rest = strlen(entry + from_len);
		char *text = malloc(to_len + rest + 1);
		if (!text)
			continue;
		memcpy(text, pattern, to_len);
		memcpy(text + to_len, entry + from_len, rest + 1);
		free(entry);
		paths[i] = text;
	}
}

#define GLOB_BODY(fn)                                                                             \
	shim_fn_##fn real = SHIM_REAL(fn);                                                        \
	struct shim_call call = {.name = #fn};                                                    \
	char buf[PATH_MAX];                                                                       \
	const char *original = pattern;                                                           \
	size_t offs = (flags & GLOB_DOOFFS) ? result->gl_offs : 0;                                \
	size_t before = (flags & GLOB_APPEND) ? result->gl_pathc : 0;                             \
	if (!real)                                                                                \
		return (errno = ENOSYS, GLOB_ABORTED);                                            \
	if (shim_call_map(&call, 0, AT_FDCWD, &pattern, buf, 0) < 0)                              \
		return (errno = shim_call_refuse(&call, call.refused), GLOB_ABORTED);             \
	char escaped[PATH_MAX];                                                                   \
	const char *use =                                                                         \
	    pattern == buf ? escape_stand_in(original, buf, flags, escaped) : pattern;            \
	int r = real(use ? use : pattern, flags, errfunc, result);                                \
	int saved = errno;                                                                        \
	if (pattern == buf && (r == 0 || r == GLOB_NOSPACE))                                      \
		unmap_results(result->gl_pathv, offs + before, offs + result->gl_pathc, original, \
			      buf);                                                               \
	errno = saved;                                                                            \
	shim_call_end(&call, r ? -1 : 0, r ? errno : 0);                                          \
	return r

int glob(const char *pattern, int flags, int (*errfunc)(const char *, int), glob_t *result)
{
	GLOB_BODY(glob);
}

int glob64(const char *pattern, int flags, int (*errfunc)(const char *, int), glob64_t *result)
{
	GLOB_BODY(glob64);
}

/* ---- dlopen ---- */

/*
 * dlopen looks at its caller's address for the search path (RUNPATH) and
 * namespace, so an unredirected name must reach it as a tail call from
 * the program's own frame: the check below touches no stack buffer, and
 * the mapping lives in a separate function.
 */
static __attribute__((noinline)) bool needs_mapping(const char *path)
{
	char buf[PATH_MAX];

	return path && path[0] == '/' && shim_map(path, buf, sizeof(buf), 0) != MAP_KEEP;
}

static __attribute__((noinline)) void *dlopen_mapped(Lmid_t lmid, const char *path, int flags,
						     bool with_lmid)
{
	struct shim_call call = {.name = with_lmid ? "dlmopen" : "dlopen"};
	char buf[PATH_MAX];

	if (shim_call_map(&call, 0, SHIM_NO_BASE, &path, buf, 0) < 0) {
		shim_call_refuse(&call, call.refused);
		return NULL;
	}
	void *handle =
	    with_lmid ? SHIM_REAL(dlmopen)(lmid, path, flags) : SHIM_REAL(dlopen)(path, flags);
	shim_call_end(&call, handle ? 0 : -1, 0);
	return handle;
}

void *dlopen(const char *path, int flags)
{
	shim_fn_dlopen real = SHIM_REAL(dlopen);

	if (!real)
		return NULL;
	if (needs_mapping(path))
		return dlopen_mapped(0, path, flags, false);
	return real(path, flags);
}

void *dlmopen(Lmid_t lmid, const char *path, int flags)
{
	shim_fn_dlmopen real = SHIM_REAL(dlmopen);

	if (!real)
		return NULL;
	if (needs_mapping(path))
		return dlopen_mapped(lmid, path, flags, true);
	return real(lmid, path, flags);
}

/* ---- bind and connect ---- */

typedef int (*socket_fn)(int fd, const struct sockaddr *addr, socklen_t len);

static int socket_call(const char *name, socket_fn real, int fd, const struct sockaddr *addr,
		       socklen_t len)
{
	const size_t offset = offsetof(struct sockaddr_un, sun_path);
	const struct sockaddr_un *un = (const struct sockaddr_un *)addr;
	struct shim_call call = {.name = name};
	char path[sizeof(un->sun_path) + 1], buf[PATH_MAX];
	const char *use = path;

	if (!real)
		return SHIM_FAIL_M1(ENOSYS);
	/* Only a path-named Unix socket; abstract ones (leading NUL) are not files. */
	if (!addr || len <= offset || len > sizeof(*un) || addr->sa_family != AF_UNIX ||
	    un->sun_path[0] == '\0')
		return real(fd, addr, len);
	size_t n = strnlen(un->sun_path, len - offset);
	memcpy(path, un->sun_path, n);
	path[n] = '\0';
	if (shim_call_map(&call, 0, AT_FDCWD, &use, buf, SHIM_MAP_SOCKET) < 0)
		return SHIM_FAIL_M1(shim_call_refuse(&call, call.refused));
	if (use == path)
		return real(fd, addr, len);
	/* Never truncate: a cut name would be a different socket. */
	size_t mapped_len = strlen(buf);
	if (mapped_len >= sizeof(un->sun_path))
		return SHIM_FAIL_M1(shim_call_refuse(&call, -ENAMETOOLONG));
	struct sockaddr_un copy = {.sun_family = AF_UNIX};
	memcpy(copy.sun_path, buf, mapped_len + 1);
	int r = real(fd, (const struct sockaddr *)&copy, (socklen_t)(offset + mapped_len + 1));
	shim_call_end(&call, r, errno);
	return r;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	return socket_call("bind", SHIM_REAL(bind), fd, addr, len);
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	return socket_call("connect", SHIM_REAL(connect), fd, addr, len);
}
