/* SPDX-License-Identifier: MIT */
/*
 * The namespace family: each call adds, removes or renames a name under
 * BASE, and the test reads the result back from the private dir. Symlinks
 * get a target under /tmp, which the shim must store mapped so the kernel
 * resolves it inside the private dir. The fortified readlink forms are in
 * fortify.c, __xmknod and __xmknodat in xstat_compat.c.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "helper.h"

static int done(int rc, const char *sym)
{
	if (rc != 0)
		FAIL("%s", sym);
	printf("ok\n");
	return 0;
}

static int call_unlink(const char *base)
{
	return done(unlink(at(base, "f")), "unlink");
}

static int call_unlinkat(const char *base)
{
	if (unlinkat(AT_FDCWD, at(base, "e"), AT_REMOVEDIR) != 0)
		FAIL("unlinkat(AT_REMOVEDIR)");
	return done(unlinkat(AT_FDCWD, at(base, "f"), 0), "unlinkat");
}

static int call_remove(const char *base)
{
	if (remove(at(base, "e")) != 0)
		FAIL("remove(dir)");
	return done(remove(at(base, "f")), "remove");
}

static int call_rmdir(const char *base)
{
	return done(rmdir(at(base, "e")), "rmdir");
}

static int call_rename(const char *base)
{
	return done(rename(at(base, "f"), at(base, "moved")), "rename");
}

static int call_renameat(const char *base)
{
	return done(renameat(AT_FDCWD, at(base, "f"), AT_FDCWD, at(base, "moved")), "renameat");
}

static int call_renameat2(const char *base)
{
	if (renameat2(AT_FDCWD, at(base, "f"), AT_FDCWD, at(base, "l"), RENAME_NOREPLACE) == 0 ||
	    errno != EEXIST)
		FAIL("renameat2(RENAME_NOREPLACE) onto an existing name did not fail with EEXIST");
	return done(
	    renameat2(AT_FDCWD, at(base, "f"), AT_FDCWD, at(base, "moved"), RENAME_NOREPLACE),
	    "renameat2");
}

static int call_mkdir(const char *base)
{
	return done(mkdir(at(base, "newdir"), 0750), "mkdir");
}

/* The top of the redirected tree: BASE itself, made by the call. */
static int call_mkdir_top(const char *base)
{
	return done(mkdir(base, 0750), "mkdir");
}

static int call_mkdirat(const char *base)
{
	return done(mkdirat(AT_FDCWD, at(base, "newdir"), 0750), "mkdirat");
}

static int call_link(const char *base)
{
	return done(link(at(base, "f"), at(base, "hard")), "link");
}

static int call_linkat(const char *base)
{
	return done(linkat(AT_FDCWD, at(base, "f"), AT_FDCWD, at(base, "hard"), 0), "linkat");
}

/* An absolute target under /tmp and a relative one; both must resolve. */
static int symlinks(int (*fn)(const char *, const char *), const char *sym, const char *base)
{
	if (fn(at(base, "f"), at(base, "abs")) != 0)
		FAIL("%s (absolute target)", sym);
	if (fn("f", at(base, "rel")) != 0)
		FAIL("%s (relative target)", sym);
	struct stat st;
	if (stat(at(base, "abs"), &st) != 0 || !S_ISREG(st.st_mode))
		FAIL("%s: the absolute link does not resolve", sym);
	printf("ok\n");
	return 0;
}

static int call_symlink(const char *base)
{
	return symlinks(symlink, "symlink", base);
}

static int symlinkat_cwd(const char *target, const char *path)
{
	return symlinkat(target, AT_FDCWD, path);
}

static int call_symlinkat(const char *base)
{
	/* symlinkat itself is what the helper imports; see the wrapper above. */
	return symlinks(symlinkat_cwd, "symlinkat", base);
}

static int print_link(ssize_t n, char *buf, const char *sym)
{
	if (n < 0)
		FAIL("%s", sym);
	buf[n] = '\0';
	printf("%s\n", buf);
	return 0;
}

static int call_readlink(const char *base)
{
	char buf[256];
	return print_link(readlink(at(base, "l"), buf, sizeof(buf) - 1), buf, "readlink");
}

static int call_readlinkat(const char *base)
{
	char buf[256];
	return print_link(readlinkat(AT_FDCWD, at(base, "l"), buf, sizeof(buf) - 1), buf,
			  "readlinkat");
}

static int is_fifo(const char *base, const char *sym)
{
	struct stat st;
	if (lstat(at(base, "fifo"), &st) != 0 || !S_ISFIFO(st.st_mode))
		FAIL("%s: no fifo", sym);
	printf("ok\n");
	return 0;
}

static int call_mkfifo(const char *base)
{
	if (mkfifo(at(base, "fifo"), 0640) != 0)
		FAIL("mkfifo");
	return is_fifo(base, "mkfifo");
}

static int call_mkfifoat(const char *base)
{
	if (mkfifoat(AT_FDCWD, at(base, "fifo"), 0640) != 0)
		FAIL("mkfifoat");
	return is_fifo(base, "mkfifoat");
}

static int call_mknod(const char *base)
{
	if (mknod(at(base, "fifo"), S_IFIFO | 0640, 0) != 0)
		FAIL("mknod");
	return is_fifo(base, "mknod");
}

static int call_mknodat(const char *base)
{
	if (mknodat(AT_FDCWD, at(base, "fifo"), S_IFIFO | 0640, 0) != 0)
		FAIL("mknodat");
	return is_fifo(base, "mknodat");
}

static const struct call calls[] = {
    CALL(unlink),     CALL(unlinkat),  CALL(remove),   CALL(rmdir),	CALL(rename),
    CALL(renameat),   CALL(renameat2), CALL(mkdir),    CALL(mkdir_top), CALL(mkdirat),
    CALL(link),	      CALL(linkat),    CALL(symlink),  CALL(symlinkat), CALL(readlink),
    CALL(readlinkat), CALL(mkfifo),    CALL(mkfifoat), CALL(mknod),	CALL(mknodat),
};

HELPER_MAIN(calls)
