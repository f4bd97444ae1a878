/* SPDX-License-Identifier: MIT */
/*
 * The temp-name family. Each call prints "path=<name>" with the name the
 * program sees; for the mkstemp forms the template's "/tmp/..." text must
 * be kept and only the X's replaced. tmpfile prints "fdpath=" with the
 * kernel's name of its file, which must lie in the private dir.
 */
#define _GNU_SOURCE
#define _LARGEFILE64_SOURCE
#include <sys/syscall.h>
#include <fcntl.h>

#include "helper.h"

/* The template's text around the X's survived and the X's were replaced. */
static int check_template(const char *tmpl, const char *before, const char *suffix)
{
	size_t blen = strlen(before), slen = strlen(suffix), len = strlen(tmpl);
	if (len != blen + 6 + slen || strncmp(tmpl, before, blen) != 0 ||
	    strcmp(tmpl + blen + 6, suffix) != 0) {
		fprintf(stderr, "template rewritten to \"%s\"; expected %sXXXXXX%s\n", tmpl, before,
			suffix);
		return 1;
	}
	if (strncmp(tmpl + blen, "XXXXXX", 6) == 0) {
		fprintf(stderr, "the X's of \"%s\" were not replaced\n", tmpl);
		return 1;
	}
	printf("path=%s\n", tmpl);
	return 0;
}

/* Write DATA to @fd and check it is a usable, private file. */
static int use_fd(int fd, const char *sym, int want_cloexec)
{
	if (fd < 0)
		FAIL("%s", sym);
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode));
	if ((st.st_mode & 0777) != 0600) {
		fprintf(stderr, "%s made mode %o, expected 600\n", sym, st.st_mode & 0777);
		return 1;
	}
	if (want_cloexec)
		CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CHECK(write_all(fd, DATA) == 0);
	CHECK(fd_has_data(fd));
	close(fd);
	return 0;
}

#define MKSTEMP_CALL(sym, expr, suffix, cloexec)                            \
	static int call_##sym(const char *base)                             \
	{                                                                   \
		char tmpl[4096];                                            \
		snprintf(tmpl, sizeof(tmpl), "%s/sXXXXXX%s", base, suffix); \
		if (use_fd(expr, #sym, cloexec))                            \
			return 1;                                           \
		return check_template(tmpl, at(base, "s"), suffix);         \
	}

MKSTEMP_CALL(mkstemp, mkstemp(tmpl), "", 0)
MKSTEMP_CALL(mkstemp64, mkstemp64(tmpl), "", 0)
MKSTEMP_CALL(mkostemp, mkostemp(tmpl, O_CLOEXEC), "", 1)
MKSTEMP_CALL(mkostemp64, mkostemp64(tmpl, O_CLOEXEC), "", 1)
MKSTEMP_CALL(mkstemps, mkstemps(tmpl, 4), ".sfx", 0)
MKSTEMP_CALL(mkstemps64, mkstemps64(tmpl, 4), ".sfx", 0)
MKSTEMP_CALL(mkostemps, mkostemps(tmpl, 4, O_CLOEXEC), ".sfx", 1)
MKSTEMP_CALL(mkostemps64, mkostemps64(tmpl, 4, O_CLOEXEC), ".sfx", 1)

static int call_mkdtemp(const char *base)
{
	char tmpl[4096];
	snprintf(tmpl, sizeof(tmpl), "%s/dXXXXXX", base);
	if (!mkdtemp(tmpl))
		FAIL("mkdtemp");
	struct stat st;
	CHECK(stat(tmpl, &st) == 0 && S_ISDIR(st.st_mode));
	return check_template(tmpl, at(base, "d"), "");
}

/* A name that is free must be creatable exactly there. */
static int create_name(const char *name, const char *sym)
{
	if (!name)
		FAIL("%s", sym);
	int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		FAIL("%s returned \"%s\", which cannot be created", sym, name);
	close(fd);
	printf("path=%s\n", name);
	return 0;
}

static int call_mktemp(const char *base)
{
	char tmpl[4096];
	snprintf(tmpl, sizeof(tmpl), "%s/mXXXXXX", base);
	if (!mktemp(tmpl) || !tmpl[0])
		FAIL("mktemp");
	if (check_template(tmpl, at(base, "m"), ""))
		return 1;
	return create_name(tmpl, "mktemp");
}

static int call_tmpnam(const char *base)
{
	(void)base;
	return create_name(tmpnam(NULL), "tmpnam");
}

static int call_tmpnam_r(const char *base)
{
	static char name[L_tmpnam];
	(void)base;
	return create_name(tmpnam_r(name), "tmpnam_r");
}

/* BASE exists only in the private dir: an unmapped tempnam falls back to
 * P_tmpdir, and the name would not start with BASE. */
static int call_tempnam(const char *base)
{
	char *name = tempnam(base, "tj");
	if (!name)
		FAIL("tempnam");
	int rc = create_name(name, "tempnam");
	free(name);
	return rc;
}

static int tmpfile_check(FILE *f, const char *sym)
{
	if (!f)
		FAIL("%s", sym);
	if (fputs(DATA, f) < 0 || fflush(f) != 0)
		FAIL("%s: write", sym);
	CHECK(fd_has_data(fileno(f)));
	char link[64], target[4096];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fileno(f));
	ssize_t n = syscall(SYS_readlinkat, AT_FDCWD, link, target, sizeof(target) - 1);
	CHECK(n > 0);
	target[n] = '\0';
	printf("fdpath=%s\n", target);
	fclose(f);
	return 0;
}

static int call_tmpfile(const char *base)
{
	(void)base;
	return tmpfile_check(tmpfile(), "tmpfile");
}

static int call_tmpfile64(const char *base)
{
	(void)base;
	return tmpfile_check(tmpfile64(), "tmpfile64");
}

static const struct call calls[] = {
    CALL(mkstemp),    CALL(mkstemp64), CALL(mkostemp),	  CALL(mkostemp64), CALL(mkstemps),
    CALL(mkstemps64), CALL(mkostemps), CALL(mkostemps64), CALL(mkdtemp),    CALL(mktemp),
    CALL(tmpnam),     CALL(tmpnam_r),  CALL(tempnam),	  CALL(tmpfile),    CALL(tmpfile64),
};

HELPER_MAIN(calls)
