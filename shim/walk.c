/* SPDX-License-Identifier: MIT */
/*
 * ftw and nftw: glibc walks the tree with internal calls, so it must be
 * given the mapped directory -- and then reports every path under the
 * private directory's name. A trampoline between glibc and the program's
 * callback gives each path back the text the program wrote ("/tmp/d/f",
 * not "$TMPJAIL_DIR/d/f"), and moves FTW.base to match.
 */
#include <string.h>

#include "shim.h"

/* One walk in progress in this thread; walks nest when a callback walks. */
struct walk {
	void *callback;
	const char *original; /* the prefix as the program wrote it */
	size_t original_len;
	const char *mapped; /* the same prefix, mapped */
	size_t mapped_len;
};

static __thread struct walk *current_walk __attribute__((tls_model("initial-exec")));

/*
 * Rewrite @path into @buf when it starts with the walk's mapped prefix;
 * return what to give the program and adjust *@base.
 */
static const char *unmap(const struct walk *walk, const char *path, char *buf, int *base)
{
	size_t rest = strlen(path + walk->mapped_len);

	if (strncmp(path, walk->mapped, walk->mapped_len) != 0 ||
	    walk->original_len + rest + 1 > PATH_MAX)
		return path;
	memcpy(buf, walk->original, walk->original_len);
	memcpy(buf + walk->original_len, path + walk->mapped_len, rest + 1);
	if (base)
		*base += (int)walk->original_len - (int)walk->mapped_len;
	return buf;
}

static int ftw_trampoline(const char *path, const struct stat *st, int flag)
{
	struct walk *walk = current_walk;
	char buf[PATH_MAX];

	return ((__ftw_func_t)walk->callback)(unmap(walk, path, buf, NULL), st, flag);
}

static int ftw64_trampoline(const char *path, const struct stat64 *st, int flag)
{
	struct walk *walk = current_walk;
	char buf[PATH_MAX];

	return ((__ftw64_func_t)walk->callback)(unmap(walk, path, buf, NULL), st, flag);
}

static int nftw_trampoline(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	struct walk *walk = current_walk;
	struct FTW where = *ftw;
	char buf[PATH_MAX];

	path = unmap(walk, path, buf, &where.base);
	return ((__nftw_func_t)walk->callback)(path, st, flag, &where);
}

static int nftw64_trampoline(const char *path, const struct stat64 *st, int flag, struct FTW *ftw)
{
	struct walk *walk = current_walk;
	struct FTW where = *ftw;
	char buf[PATH_MAX];

	path = unmap(walk, path, buf, &where.base);
	return ((__nftw64_func_t)walk->callback)(path, st, flag, &where);
}

/* Which of the four entry points. */
enum walk_kind { WALK_FTW, WALK_FTW64, WALK_NFTW, WALK_NFTW64 };

static int walk_tree(const char *name, enum walk_kind kind, void *real, const char *path,
		     void *callback, int fds, int flags)
{
	struct shim_call call = {.name = name};
	char buf[PATH_MAX];
	const char *original = path;
	int r;

	if (!real)
		return SHIM_FAIL_M1(ENOSYS);
	if (shim_call_map(&call, 0, AT_FDCWD, &path, buf, 0) < 0)
		return SHIM_FAIL_M1(shim_call_refuse(&call, call.refused));

	/* The prefixes differ; what follows them is the same text. */
	size_t a = strlen(original), b = strlen(path), common = 0;
	while (common < a && common < b && original[a - 1 - common] == path[b - 1 - common])
		common++;
	struct walk walk = {callback, original, a - common, path, b - common};
	struct walk *outer = current_walk;
	bool trampoline = path == buf;

	if (trampoline)
		current_walk = &walk;
	switch (kind) {
	case WALK_FTW:
		r = ((shim_fn_ftw)real)(path, trampoline ? ftw_trampoline : (__ftw_func_t)callback,
					fds);
		break;
	case WALK_FTW64:
		r = ((shim_fn_ftw64)real)(
		    path, trampoline ? ftw64_trampoline : (__ftw64_func_t)callback, fds);
		break;
	case WALK_NFTW:
		r = ((shim_fn_nftw)real)(
		    path, trampoline ? nftw_trampoline : (__nftw_func_t)callback, fds, flags);
		break;
	default:
		r = ((shim_fn_nftw64)real)(
		    path, trampoline ? nftw64_trampoline : (__nftw64_func_t)callback, fds, flags);
		break;
	}
	current_walk = outer;
	shim_call_end(&call, r, errno);
	return r;
}

int ftw(const char *path, __ftw_func_t func, int fds)
{
	return walk_tree("ftw", WALK_FTW, (void *)SHIM_REAL(ftw), path, (void *)func, fds, 0);
}

int ftw64(const char *path, __ftw64_func_t func, int fds)
{
	return walk_tree("ftw64", WALK_FTW64, (void *)SHIM_REAL(ftw64), path, (void *)func, fds, 0);
}

int nftw(const char *path, __nftw_func_t func, int fds, int flags)
{
	return walk_tree("nftw", WALK_NFTW, (void *)SHIM_REAL(nftw), path, (void *)func, fds,
			 flags);
}

int nftw64(const char *path, __nftw64_func_t func, int fds, int flags)
{
	return walk_tree("nftw64", WALK_NFTW64, (void *)SHIM_REAL(nftw64), path, (void *)func, fds,
			 flags);
}
