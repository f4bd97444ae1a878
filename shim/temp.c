/* SPDX-License-Identifier: MIT */
/*
 * The temporary-name functions. mkstemp(3) and its family edit the caller's
 * template: the shim lets the real function work on the mapped copy, then
 * writes the generated characters back, so the caller keeps its "/tmp/..."
 * text and every later call maps it to the same file. glibc makes tmpfile,
 * tmpnam and tempnam names in P_tmpdir through internal calls the shim
 * cannot see, so those are reimplemented over the private directory.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "shim.h"
#include "sys.h"

/* A template being worked on in its mapped form. */
struct template
{
	struct shim_call call;
	char *user;	    /* the caller's template */
	const char *use;    /* what the real function edits */
	size_t common;	    /* bytes at the end that read the same in both */
	char buf[PATH_MAX]; /* the mapped template */
};

static int template_begin(struct template *t, const char *name, char *user)
{
	memset(&t->call, 0, sizeof(t->call));
	t->call.name = name;
	t->call.note = SHIM_NOTE_GENERATED;
	t->user = user;
	t->use = user;
	t->common = 0;
	if (shim_call_map(&t->call, 0, AT_FDCWD, &t->use, t->buf, 0) < 0)
		return shim_call_refuse(&t->call, t->call.refused);
	if (t->use == t->buf) {
		size_t a = strlen(user), b = strlen(t->buf);
		while (t->common < a && t->common < b &&
		       user[a - 1 - t->common] == t->buf[b - 1 - t->common])
			t->common++;
	}
	return 0;
}

/* Copy the generated characters back into the caller's template. */
static void template_end(struct template *t, bool ok, int suffixlen, long result)
{
	int saved = errno;

	if (t->use == t->buf && ok && suffixlen >= 0) {
		size_t n = 6 + (size_t)suffixlen, a = strlen(t->user), b = strlen(t->buf);
		if (n > t->common)
			n = t->common;
		memcpy(t->user + a - n, t->buf + b - n, n);
	}
	errno = saved;
	shim_call_end(&t->call, result, errno);
}

/* The mkstemp family: int f(char *template [, suffixlen] [, flags]). */
static int make_file(const char *name, void *real, char *user, int suffixlen, int flags,
		     int variant)
{
	struct template t;
	int fd;

	if (!real)
		return SHIM_FAIL_M1(ENOSYS);
	int err = template_begin(&t, name, user);
	if (err)
		return SHIM_FAIL_M1(err);
	char *use = (char *)t.use;
	/* glibc's __gen_tempname opens the name so, whatever @flags say. */
	t.call.note |= SHIM_NOTE_FLAGS | SHIM_NOTE_MODE | SHIM_NOTE_PERM_FD;
	t.call.flags = O_RDWR | O_CREAT | O_EXCL | (variant & 1 ? flags : 0);
	t.call.mode = 0600;
	switch (variant) {
	case 0:
		fd = ((int (*)(char *))real)(use);
		break;
	case 1:
		fd = ((int (*)(char *, int))real)(use, flags);
		break;
	case 2:
		fd = ((int (*)(char *, int))real)(use, suffixlen);
		break;
	default:
		fd = ((int (*)(char *, int, int))real)(use, suffixlen, flags);
		break;
	}
	template_end(&t, fd >= 0, suffixlen, fd);
	return fd;
}

int mkstemp(char *template)
{
	return make_file("mkstemp", (void *)SHIM_REAL(mkstemp), template, 0, 0, 0);
}

int mkstemp64(char *template)
{
	return make_file("mkstemp64", (void *)SHIM_REAL(mkstemp64), template, 0, 0, 0);
}

int mkostemp(char *template, int flags)
{
	return make_file("mkostemp", (void *)SHIM_REAL(mkostemp), template, 0, flags, 1);
}

int mkostemp64(char *template, int flags)
{
	return make_file("mkostemp64", (void *)SHIM_REAL(mkostemp64), template, 0, flags, 1);
}

int mkstemps(char *template, int suffixlen)
{
	return make_file("mkstemps", (void *)SHIM_REAL(mkstemps), template, suffixlen, 0, 2);
}

int mkstemps64(char *template, int suffixlen)
{
	return make_file("mkstemps64", (void *)SHIM_REAL(mkstemps64), template, suffixlen, 0, 2);
}

int mkostemps(char *template, int suffixlen, int flags)
{
	return make_file("mkostemps", (void *)SHIM_REAL(mkostemps), template, suffixlen, flags, 3);
}

int mkostemps64(char *template, int suffixlen, int flags)
{
	return make_file("mkostemps64", (void *)SHIM_REAL(mkostemps64), template, suffixlen, flags,
			 3);
}

/* mkdtemp and mktemp: char *f(char *template), returning the template. */
static char *make_name(const char *name, char *(*real)(char *), char *user, bool directory)
{
	struct template t;

	if (!real)
		return SHIM_FAIL_PTR(ENOSYS);
	int err = template_begin(&t, name, user);
	if (err)
		return SHIM_FAIL_PTR(err);
	if (directory) {
		t.call.note |= SHIM_NOTE_MODE | SHIM_NOTE_PERM_PATH;
		t.call.mode = 0700;
	}
	char *result = real((char *)t.use);
	/* mktemp(3) reports failure with an empty template. */
	if (t.use == t.buf && result && result[0] == '\0')
		user[0] = '\0';
	bool ok = result && result[0] != '\0';
	template_end(&t, ok, 0, ok ? 0 : -1);
	return result ? user : NULL;
}

char *mkdtemp(char *template)
{
	return make_name("mkdtemp", SHIM_REAL(mkdtemp), template, true);
}

char *mktemp(char *template)
{
	return make_name("mktemp", SHIM_REAL(mktemp), template, false);
}

/* ---- tmpfile: an anonymous file in the private /tmp ---- */

/* O_TMPFILE where the file system has it, else a named file unlinked at
 * once. Like glibc's, the descriptor is not close-on-exec. */
static int anonymous_fd(const char *dir)
{
	int fd = sys_openat(AT_FDCWD, dir, O_TMPFILE | O_RDWR | O_EXCL, 0600);

	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd;
	char path[PATH_MAX];
	size_t len = strlen(dir);
	if (len + sizeof("/tmpXXXXXXXX") > sizeof(path))
		return SHIM_FAIL_M1(ENAMETOOLONG);
	memcpy(path, dir, len);
	memcpy(path + len, "/tmpXXXXXXXX", sizeof("/tmpXXXXXXXX"));
	fd = tf_create_in(AT_FDCWD, path, len + 4, TF_RANDOM_CHARS, TF_KIND_FILE, 0, 0600);
	if (fd < 0)
		return SHIM_FAIL_M1(-fd);
	sys_unlinkat(AT_FDCWD, path, 0);
	fcntl(fd, F_SETFD, 0);
	return fd;
}

static FILE *make_tmpfile(const char *name, shim_fn_tmpfile real)
{
	struct shim_call call = {.name = name,
				 .orig = {"/tmp"},
				 .note = SHIM_NOTE_GENERATED | SHIM_NOTE_FLAGS,
				 .flags = O_TMPFILE | O_RDWR | O_EXCL};
	int saved = errno, error;
	const char *dir = shim_tmp_dir(&error);

	if (!dir && error)
		return SHIM_FAIL_PTR(shim_call_refuse(&call, error));
	if (!dir)
		return real ? real() : SHIM_FAIL_PTR(ENOSYS);
	call.mapped[0] = dir;
	call.any = true;
	FILE *file = NULL;
	int fd = anonymous_fd(dir);
	if (fd >= 0) {
		file = fdopen(fd, "w+");
		if (!file) {
			error = errno;
			sys_close(fd);
			errno = error;
		}
	}
	shim_call_end(&call, file ? fd : -1, errno);
	if (file)
		errno = saved;
	return file;
}

FILE *tmpfile(void)
{
	return make_tmpfile("tmpfile", SHIM_REAL(tmpfile));
}

FILE *tmpfile64(void)
{
	return make_tmpfile("tmpfile64", (shim_fn_tmpfile)SHIM_REAL(tmpfile64));
}

/* ---- tmpnam and tempnam: names unique in the private directory ---- */

/* Is the mapped form of @path free (ENOENT)? */
static bool name_free(const char *path)
{
	char buf[PATH_MAX];
	struct stat st;
	int r = shim_map(path, buf, sizeof(buf), 0);

	if (r < 0)
		return false;
	return sys_fstatat(AT_FDCWD, r == MAP_DONE ? buf : path, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
	       errno == ENOENT;
}

static bool is_directory(const char *path)
{
	char buf[PATH_MAX];
	struct stat st;
	int r = shim_map(path, buf, sizeof(buf), 0);

	return r >= 0 && sys_fstatat(AT_FDCWD, r == MAP_DONE ? buf : path, &st, 0) == 0 &&
	       S_ISDIR(st.st_mode);
}

/* Fill "@dir/@prefix" + @random random characters into @out; 0 or -errno. */
static int pick_name(char *out, size_t size, const char *dir, const char *prefix, size_t random)
{
	size_t dir_len = strlen(dir), prefix_len = strlen(prefix);
	int saved = errno;

	if (dir_len + 1 + prefix_len + random + 1 > size)
		return -ENAMETOOLONG;
	memcpy(out, dir, dir_len);
	out[dir_len] = '/';
	memcpy(out + dir_len + 1, prefix, prefix_len);
	out[dir_len + 1 + prefix_len + random] = '\0';
	for (int attempt = 0; attempt < TMP_MAX; attempt++) {
		int r = tf_random_chars(out + dir_len + 1 + prefix_len, random);
		if (r < 0)
			return r;
		if (name_free(out)) {
			errno = saved;
			return 0;
		}
	}
	errno = saved;
	return -EEXIST;
}

/* tmpnam and tempnam make a name without opening anything: audit the name
 * they gave, so a report can tell when it is created later. */
static void audit_name(const char *name, const char *path)
{
	char buf[PATH_MAX];
	struct shim_call call = {.name = name, .orig = {path}, .note = SHIM_NOTE_GENERATED};

	if (!shim_auditing())
		return;
	int saved = errno;
	int r = shim_map(path, buf, sizeof(buf), 0);
	call.any = r != MAP_KEEP;
	call.mapped[0] = r == MAP_DONE ? buf : NULL;
	shim_call_end(&call, r < 0 ? -1 : 0, r < 0 ? -r : 0);
	errno = saved;
}

static char tmpnam_buffer[L_tmpnam];

static char *make_tmpnam(const char *name, char *out, shim_fn_tmpnam real)
{
	int error;

	if (!shim_tmp_dir(&error))
		return error ? SHIM_FAIL_PTR(-error) : real ? real(out) : SHIM_FAIL_PTR(ENOSYS);
	/* "/tmp/tmp" + 8 characters fits L_tmpnam (20) with room to spare. */
	error = pick_name(out, L_tmpnam, "/tmp", "tmp", TF_RANDOM_CHARS);
	if (error)
		return SHIM_FAIL_PTR(-error);
	audit_name(name, out);
	return out;
}

char *tmpnam(char s[L_tmpnam])
{
	return make_tmpnam("tmpnam", s ? s : tmpnam_buffer, SHIM_REAL(tmpnam));
}

char *tmpnam_r(char s[L_tmpnam])
{
	if (!s)
		return NULL;
	return make_tmpnam("tmpnam_r", s, SHIM_REAL(tmpnam_r));
}

/*
 * glibc's order: $TMPDIR, then @dir, each if it is a directory, then
 * P_tmpdir ("/tmp", which always exists through the shim).
 */
char *tempnam(const char *dir, const char *pfx)
{
	int saved = errno;
	const char *env = secure_getenv("TMPDIR");
	const char *where = env && is_directory(env)   ? env
			    : dir && is_directory(dir) ? dir
						       : P_tmpdir;
	char prefix[6] = "file";
	char name[PATH_MAX];

	if (pfx) {
		strncpy(prefix, pfx, 5);
		prefix[5] = '\0';
	}
	int error = pick_name(name, sizeof(name), where, prefix, 6);
	if (error)
		return SHIM_FAIL_PTR(-error);
	audit_name("tempnam", name);
	char *result = strdup(name);
	if (result)
		errno = saved; /* the probing above may have set it */
	return result;
}
