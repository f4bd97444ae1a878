/* SPDX-License-Identifier: MIT */
/*
 * Per-call bookkeeping and the audit log. With TMPJAIL_AUDIT set, every
 * redirected call appends one JSON line:
 *
 *   {"time":1732630000.123456,"pid":42,"ppid":41,"exe":"/usr/bin/x",
 *    "argv0":"x","call":"open","path":"/tmp/x",
 *    "mapped":"/tmp/tj-ab12cd34/tmp/x","flags":"O_WRONLY|O_CREAT|O_TRUNC",
 *    "mode":"0666","perm":"0644","result":3,"errno":0}
 *
 * (a call with two paths adds "path2"/"mapped2"; "mapped" is null when the
 * mapping was refused; flags, mode, perm, owner, group and generated only
 * where the call has them: see docs/shim.md). The line is built on the
 * stack and written with a single write(2) to a file opened O_APPEND for
 * that line only, so lines from many processes never interleave, no malloc
 * is needed (vfork children), and a program that closes or reuses
 * descriptors cannot redirect it. tmpjail --report reads these lines.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#include "audit_line.h"
#include "shim.h"
#include "sys.h"

/* argv[0] is cut here: it names the program, the path says the rest. */
#define AUDIT_ARGV0_MAX 256

static char audit_file[PATH_MAX];
/* The program, read once at load: an exec loads the shim afresh. */
static char audit_exe[PATH_MAX], audit_argv0[AUDIT_ARGV0_MAX];

/* /proc/self/exe and the first string of /proc/self/cmdline, raw calls. */
static void read_program(void)
{
	long n =
	    syscall(SYS_readlinkat, AT_FDCWD, "/proc/self/exe", audit_exe, sizeof(audit_exe) - 1);
	audit_exe[n > 0 ? n : 0] = '\0';
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = syscall(SYS_read, fd, audit_argv0, sizeof(audit_argv0) - 1);
	audit_argv0[n > 0 ? n : 0] = '\0';
	syscall(SYS_close, fd);
}

/*
 * The file is used as named, never redirected: the log must outlive the
 * run's root. A relative name is made absolute now, so children working
 * elsewhere append to the same file.
 */
void shim_audit_init(void)
{
	const char *file = getenv("TMPJAIL_AUDIT");
	size_t len = file ? strlen(file) : 0, at = 0;

	if (len == 0)
		return;
	if (file[0] != '/') {
		if (syscall(SYS_getcwd, audit_file, sizeof(audit_file)) < 0)
			return;
		at = strlen(audit_file);
		audit_file[at++] = '/';
	}
	if (at + len >= sizeof(audit_file)) {
		audit_file[0] = '\0';
		return;
	}
	memcpy(audit_file + at, file, len + 1);
	read_program();
	shim_audit_on = true;
}

bool shim_audit_on;

const char *shim_audit_path(void)
{
	return audit_file[0] ? audit_file : NULL;
}

static void put_paths(struct audit_line *line, const struct shim_call *call, int slot)
{
	audit_put(line, slot ? ",\"path2\":" : ",\"path\":");
	audit_put_string(line, call->orig[slot]);
	audit_put(line, slot ? ",\"mapped2\":" : ",\"mapped\":");
	if (call->mapped[slot])
		audit_put_string(line, call->mapped[slot]);
	else
		audit_put(line, "null");
}

/* The permissions of what a successful creating call left ("perm"). */
static void put_perm(struct audit_line *line, const struct shim_call *call, long result)
{
	struct stat st;
	int r = -1;

	if (result < 0)
		return;
	if (call->note & SHIM_NOTE_PERM_FD)
		r = sys_fstat((int)result, &st);
	else if ((call->note & SHIM_NOTE_PERM_PATH) && call->mapped[0])
		r = sys_fstatat(AT_FDCWD, call->mapped[0], &st, 0);
	if (r == 0) {
		audit_put(line, ",\"perm\":\"");
		audit_put_octal(line, st.st_mode & 07777);
		audit_put(line, "\"");
	}
}

/* What the call said beyond its paths (SHIM_NOTE_*). */
static void put_note(struct audit_line *line, const struct shim_call *call, long result)
{
	if (call->note & SHIM_NOTE_FLAGS)
		audit_put_flags(line, call->flags);
	if (call->note & SHIM_NOTE_MODE) {
		audit_put(line, ",\"mode\":\"");
		audit_put_octal(line, call->mode & 07777);
		audit_put(line, "\"");
	}
	put_perm(line, call, result);
	if (call->note & SHIM_NOTE_OWNER) {
		/* (uid_t)-1, "leave it", reads as -1. */
		audit_put(line, ",\"owner\":");
		audit_put_number(line, (int)call->owner, 1);
		audit_put(line, ",\"group\":");
		audit_put_number(line, (int)call->group, 1);
	}
	if (call->note & SHIM_NOTE_GENERATED)
		audit_put(line, ",\"generated\":true");
}

/* fopen(3)'s mode string as open(2) flags (glibc's reading of it). */
static int fopen_flags(const char *mode)
{
	int flags = mode[0] == 'r' ? O_RDONLY : O_WRONLY | O_CREAT;

	if (mode[0] == 'w')
		flags |= O_TRUNC;
	else if (mode[0] == 'a')
		flags |= O_APPEND;
	for (const char *p = mode + 1; *p && *p != ','; p++) {
		if (*p == '+')
			flags = (flags & ~O_ACCMODE) | O_RDWR;
		else if (*p == 'x')
			flags |= O_EXCL;
		else if (*p == 'e')
			flags |= O_CLOEXEC;
	}
	return flags;
}

static void note_create(struct shim_call *call, int flags, unsigned mode, unsigned perm_from)
{
	call->note |= SHIM_NOTE_FLAGS | perm_from;
	call->flags = flags;
	if (flags & O_CREAT) {
		call->note |= SHIM_NOTE_MODE;
		call->mode = mode;
	}
}

void shim_audit_args(struct shim_call *call, enum shim_sym sym, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, sym);
	switch (sym) {
	case SHIM_SYM___openat_2:
	case SHIM_SYM___openat64_2:
	case SHIM_SYM_fchmodat:
	case SHIM_SYM_fchownat:
	case SHIM_SYM_mkdirat:
		(void)va_arg(ap, int); /* the directory descriptor */
		break;
	default:
		break;
	}
	(void)va_arg(ap, const char *); /* the path */
	switch (sym) {
	case SHIM_SYM___open_2:
	case SHIM_SYM___open64_2:
	case SHIM_SYM___openat_2:
	case SHIM_SYM___openat64_2:
		note_create(call, va_arg(ap, int), 0, SHIM_NOTE_PERM_FD);
		break;
	case SHIM_SYM_creat:
	case SHIM_SYM_creat64:
		note_create(call, O_WRONLY | O_CREAT | O_TRUNC, va_arg(ap, unsigned),
			    SHIM_NOTE_PERM_FD);
		break;
	case SHIM_SYM_fopen:
	case SHIM_SYM_fopen64:
	case SHIM_SYM_freopen:
	case SHIM_SYM_freopen64: {
		const char *mode = va_arg(ap, const char *);
		note_create(call, fopen_flags(mode ? mode : "r"), 0666, SHIM_NOTE_PERM_PATH);
		break;
	}
	case SHIM_SYM_mkdir:
	case SHIM_SYM_mkdirat:
		call->note |= SHIM_NOTE_MODE | SHIM_NOTE_PERM_PATH;
		call->mode = va_arg(ap, unsigned);
		break;
	case SHIM_SYM_chmod:
	case SHIM_SYM_lchmod:
	case SHIM_SYM_fchmodat:
		call->note |= SHIM_NOTE_MODE;
		call->mode = va_arg(ap, unsigned);
		break;
	case SHIM_SYM_chown:
	case SHIM_SYM_lchown:
	case SHIM_SYM_fchownat:
		call->note |= SHIM_NOTE_OWNER;
		call->owner = va_arg(ap, unsigned);
		call->group = va_arg(ap, unsigned);
		break;
	default:
		break;
	}
	va_end(ap);
	errno = saved;
}

void shim_audit(const struct shim_call *call, long result, int error)
{
	struct audit_line line;

	if (!audit_file[0])
		return;
	int saved = errno;
	audit_line_start(&line, (pid_t)syscall(SYS_getpid), (pid_t)syscall(SYS_getppid), audit_exe,
			 audit_argv0, call->name);
	for (int slot = 0; slot < 2; slot++)
		if (call->orig[slot])
			put_paths(&line, call, slot);
	put_note(&line, call, result);
	audit_line_end(&line, audit_file, result, result == -1 ? error : 0);
	errno = saved;
}

int shim_call_map(struct shim_call *call, int slot, int dirfd, const char **path, char *buf,
		  unsigned flags)
{
	int r = shim_map_at(dirfd, *path, buf, PATH_MAX, flags);

	if (r == MAP_KEEP)
		return 0;
	call->any = true;
	call->orig[slot] = *path;
	if (r < 0) {
		call->refused = r;
		return r;
	}
	call->mapped[slot] = buf;
	*path = buf;
	return 0;
}

int shim_call_refuse(struct shim_call *call, int error)
{
	shim_audit(call, -1, -error);
	return -error;
}

void shim_call_end(struct shim_call *call, long result, int error)
{
	if (call->any)
		shim_audit(call, result, error);
}
