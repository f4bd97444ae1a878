/* SPDX-License-Identifier: MIT */
/*
 * Internal interface of the shim: the symbol table from wrappers.def, the
 * real functions behind the wrappers, the configuration read at load, and
 * the helpers every wrapper shares. Nothing here is exported (the version
 * script exports only the interposed names).
 */
#ifndef TMPJAIL_SHIM_SHIM_H
#define TMPJAIL_SHIM_SHIM_H

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <ftw.h>
#include <glob.h>
#include <limits.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>
#include <utime.h>

#include "map.h"

/*
 * Scratch memory for the slow paths (a ".." walk, a relative path joined
 * to its directory): from mmap(2), not the stack, so a thread made with
 * PTHREAD_STACK_MIN or a handler on a SIGSTKSZ stack can still take them;
 * not malloc(3), which a signal handler or a vfork child must not call.
 * NULL when no memory is left.
 */
static inline void *shim_scratch(size_t size)
{
	long p = syscall(SYS_mmap, NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	return p == -1 ? NULL : (void *)p;
}

/* Give back what shim_scratch(@size) gave; errno is kept. */
static inline void shim_scratch_free(void *block, size_t size)
{
	int saved = errno;

	syscall(SYS_munmap, block, size);
	errno = saved;
}

/* "/proc/self/fd/<fd>" into @buf (at least sizeof("/proc/self/fd/") + 11
 * bytes), with no snprintf: async-signal-safe, and usable in the loader
 * module, which has no libc. */
static inline void shim_proc_fd_path(char *buf, int fd)
{
	static const char head[] = "/proc/self/fd/";
	char digits[16], *p = digits + sizeof(digits);
	unsigned value = (unsigned)fd;

	*--p = '\0';
	do {
		*--p = (char)('0' + value % 10);
		value /= 10;
	} while (value);
	memcpy(buf, head, sizeof(head) - 1);
	memcpy(buf + sizeof(head) - 1, p, (size_t)(digits + sizeof(digits) - p));
}

/* glibc no longer declares the old stat ABI; old binaries still import it. */
struct stat64;

/*
 * One index per interposed symbol, a typedef of its real function, and a
 * prototype checked against glibc's own declaration. The prototype carries
 * the default visibility the project's hidden preset would take away.
 */
#define SHIM_PATH1(ret, name, params, args, fail, path, base) SHIM_HAND(ret, name, params, fail)
#define SHIM_PATH2(ret, name, params, args, fail, path, base, path2, base2) \
	SHIM_HAND(ret, name, params, fail)
#define SHIM_HAND(ret, name, params, fail) SHIM_SYM_##name,
enum shim_sym {
#include "wrappers.def"
	SHIM_SYM_COUNT
};
#undef SHIM_HAND
#define SHIM_HAND(ret, name, params, fail)   \
	typedef ret(*shim_fn_##name) params; \
	__attribute__((visibility("default"))) ret name params;
#include "wrappers.def"
#undef SHIM_HAND
#undef SHIM_PATH1
#undef SHIM_PATH2

/* ---- real functions (real.c) ---- */

/*
 * shim_real() - the next definition of an interposed symbol (libc's),
 * found with dlsym(RTLD_NEXT) on first use and cached.
 * Return: the function, or NULL when no library defines it.
 */
void *shim_real(enum shim_sym sym);
/* Resolve every symbol now, so exec wrappers in vfork children never need
 * the loader's lock. */
void shim_real_resolve_all(void);

#define SHIM_REAL(name) ((shim_fn_##name)shim_real(SHIM_SYM_##name))

/* How each kind of function fails (see wrappers.def). */
#define SHIM_FAIL_M1(err) (errno = (err), -1)
#define SHIM_FAIL_PTR(err) (errno = (err), (void *)0)
#define SHIM_FAIL_CODE(err) (err)
/* What the audit log records as the result. */
#define SHIM_RESULT_M1(res) ((long)(res))
#define SHIM_RESULT_PTR(res) ((res) ? 0L : -1L)
#define SHIM_RESULT_CODE(res) ((res) ? -1L : 0L)
#define SHIM_ERRNO_M1(res) (errno)
#define SHIM_ERRNO_PTR(res) (errno)
#define SHIM_ERRNO_CODE(res) ((int)(res))

/* ---- configuration and mapping (config.c) ---- */

/* shim_map() flags. */
enum {
	/* Never create the private root here (vfork children, exec). */
	SHIM_MAP_NO_CREATE = 1 << 0,
	/* A Unix socket address: keep the X11/ICE directories. */
	SHIM_MAP_SOCKET = 1 << 1,
	/* Text, not a lookup (a symlink's target): never walked for "..". */
	SHIM_MAP_TEXT = 1 << 2,
};

/*
 * shim_map() - map the absolute @path into @out (PATH_MAX bytes); a
 * relative @path is kept. Creates the private root on the first redirected
 * path when the shim runs without a launcher.
 * Return: MAP_KEEP, MAP_DONE or -errno (as map_path(); also the error of
 * creating the root, -ENOENT under SHIM_MAP_NO_CREATE without a root).
 * errno is left alone.
 */
int shim_map(const char *path, char *out, size_t size, unsigned flags);

/* shim_map_at() base for a path never read relative to a directory (a
 * symlink's target, a spawn action run after a chdir). */
#define SHIM_NO_BASE INT_MIN

/*
 * shim_map_at() - shim_map() for a @path that, when relative, starts from
 * @dirfd (AT_FDCWD: the working directory; SHIM_NO_BASE: it is kept). A
 * relative path whose first component could lead to a redirected prefix
 * (map_may_reach()) is made absolute from the directory's canonical path
 * and mapped; @out then holds an absolute path, which the kernel reads
 * whatever descriptor comes with it. Anything else is kept as written.
 * No malloc, no lock: safe in vfork children and signal handlers.
 * Return: as shim_map(). errno is left alone.
 */
int shim_map_at(int dirfd, const char *path, char *out, size_t size, unsigned flags);

/**
 * shim_absolute_at() - The absolute name of @path, a name the kernel reads
 * from @dirfd (AT_FDCWD: the working directory) when relative: copied when
 * absolute, else joined to the directory's canonical path (a leading ".."
 * climbs it as text). For judging which mount a name is on, not for
 * opening it. Async-signal-safe; errno is kept.
 *
 * Return: 0, or -errno (-EBADF, -ENOTDIR, -ENOENT for a removed
 * directory, -ENAMETOOLONG).
 */
int shim_absolute_at(int dirfd, const char *path, char *out, size_t size);

/**
 * shim_link_before_climb() - is a component of the relative @path that a
 * later ".." climbs back over a symlink, looked up from @dirfd? Its ".."
 * would then be the link target's parent, which counting components cannot
 * tell. Nothing at or past a missing component is a link (the kernel fails
 * there too).
 */
bool shim_link_before_climb(int dirfd, const char *path);

/*
 * shim_relink_moved() - after a rename made @path (from @dirfd; mapped) a
 * name of what may be a symlink: a relative target that climbed within
 * the stand-in where it was may climb out of it from its new directory,
 * and the kernel would follow it into the directory that holds the root.
 * Such a link is made again, as symlink() would store it there (the
 * absolute path it names on a mounted /tmp), and renamed over the old
 * one. Anything else is left alone; errno is kept.
 */
void shim_relink_moved(int dirfd, const char *path);

/**
 * shim_resolve() - map the absolute @path, which has a ".." that may cross
 * a prefix (map_needs_walk()), by walking it as the kernel would walk it
 * with each stand-in mounted on its prefix (resolve.c).
 * @table: the active table.
 * @path: the path in the program's names.
 * @out: receives the path to give the kernel (PATH_MAX); its last
 *       component is @path's own, so follow/no-follow and create flags keep
 *       their meaning.
 * @size: size of @out.
 * Raw system calls and the stack only. errno may change (callers restore).
 * Return: MAP_DONE, or -ELOOP, -ENAMETOOLONG.
 */
int shim_resolve(const struct map_table *table, const char *path, char *out, size_t size);

/* The rules relative paths are tested against (the active table, or the
 * rules without a root), or NULL while the shim sets itself up. */
const struct map_table *shim_rules(void);

/* The active table (with a root), or NULL; creates the root if needed.
 * Sets *error to -errno when that fails. */
const struct map_table *shim_table(int *error);
/* Make sure the private root exists, so children share it (fork, spawn).
 * Return: 0 or -errno. */
int shim_ensure_root(void);
/* Remove the root this process made (at exit); does nothing in any other
 * process. */
void shim_remove_own_root(void);
/* Where the shim maps "/tmp" (TMPJAIL_DIR), or NULL when /tmp is not
 * redirected. Creates the root if needed; *error as shim_table(). */
const char *shim_tmp_dir(int *error);

/* ---- what the environment may say (trust.c) ---- */

/* Is @root named exactly as the shim names its own roots (/tmp/tj- and
 * TF_RANDOM_CHARS of [a-z0-9_]), a directory owned by us? Only such a root
 * is ever removed at exit. */
bool shim_removable_root(const char *root);
/* Is @text exactly this process's pid, in decimal (TMPJAIL_OWNER)? */
bool shim_is_own_pid(const char *text);
/*
 * shim_check_root() - does the root @table was built from hold? A
 * directory of ours, not a symlink, and neither it nor any stand-in is "/"
 * or a real redirected directory.
 * Return: 0 or -errno (the shim then refuses redirected paths).
 */
int shim_check_root(const struct map_table *table);

/* ---- the lock that keeps our own root alive to --gc (lock.c) ---- */

/*
 * shim_lock_new() - lock the root @root just made, open as @fd (which
 * becomes the lock descriptor, moved out of the way).
 * Return: 0 or -errno (@fd is then left alone).
 */
int shim_lock_new(int fd, const char *root);
/* The root locked by shim_lock_new() was renamed to @root (same length). */
void shim_lock_moved(const char *root);
/*
 * shim_lock_adopt() - hold a lock of this process's own on @root (a root a
 * shim made, handed down), replacing the descriptor @inherited
 * (TMPJAIL_LOCK's value) that held it across exec.
 * Return: 0 or -errno (EWOULDBLOCK: a launcher holds the root).
 */
int shim_lock_adopt(const char *root, const char *inherited);
/*
 * shim_lock_renew() - put a new description of the root, locked, on the
 * lock descriptor: after a fork or spawn in the parent, and in an exec
 * wrapper (a vfork child), so no two processes share one. Raw system calls
 * only; writes no memory (vfork children). Does nothing without a lock.
 */
void shim_lock_renew(void);
/* Close the lock descriptor (the root could not be made after all). */
void shim_lock_release(void);
/* The lock descriptor, or -1 (for TMPJAIL_LOCK in children). */
int shim_lock_fd(void);
/*
 * shim_lock_last() - is this process the root's last user? Takes the lock
 * exclusively when it is; when it is not, keeps (or retakes) the shared one.
 */
bool shim_lock_last(void);

/* ---- environment of children (env.c) ---- */

/* At most this many environment entries are rebuilt on the stack. */
#define SHIM_ENV_MAX 4096
/* Entries the shim may add. */
#define SHIM_ENV_EXTRA 10
/* Room for one rebuilt "LD_PRELOAD=..." (or "LD_AUDIT=...") entry. */
#define SHIM_LD_MAX (2 * PATH_MAX)
/* Room for both, as shim_env_build() takes it. */
#define SHIM_LD_BUF (2 * SHIM_LD_MAX)

/* The TMPJAIL_* values children get back; NULL: not set. */
struct shim_env_values {
	const char *root, *dir, *redirect, *preload, *audit, *owner, *trap;
};
/* Precompute the entries children need (called once the config is known,
 * and again when the root is created; never concurrently). */
void shim_env_prepare(const struct shim_env_values *values);
/* Number of entries in @envp (NULL counts as empty). */
size_t shim_env_count(char *const envp[]);
/*
 * shim_env_build() - the environment to pass to a child: @envp with
 * LD_PRELOAD holding the shim and LD_AUDIT the loader module (appended,
 * never replacing) and the TMPJAIL_* variables present, building it in
 * @vec (@count + SHIM_ENV_EXTRA + 1 entries) and @ld (SHIM_LD_BUF bytes). No malloc, no locks: safe
 * in a vfork child. Return: @vec, or @envp itself when nothing is missing.
 */
char *const *shim_env_build(char *const envp[], size_t count, const char **vec, char *ld);
/* Put the same variables back into this process's own environment (for
 * system() and popen(), whose children inherit it). */
void shim_env_restore_process(void);

/* ---- the trap for children (trap_exec.c) ---- */

/* TMPJAIL_TRAP's value at load, or NULL: where the launcher's trap door is. */
void shim_trap_configure(const char *value);
/*
 * shim_trap_exec() - before exec'ing the program at @path (as the kernel
 * will be given it) with @envp (whose TMPJAIL_TRAP, if any, names the
 * door): when it is one the shim cannot reach
 * (shim/classify.h) and the launcher has a trap door, trap this process
 * and hand the listener to the launcher. Return: 0 (trapped, or no need),
 * or -errno: refuse the exec (the door cannot be reached).
 */
int shim_trap_exec(const char *path, char *const envp[]);

/*
 * shim_trap_needed() - would shim_trap_exec() trap the program at @path
 * (as the kernel will be given it) started with @envp? For posix_spawn,
 * whose child execs out of the shim's reach (spawn.c).
 */
bool shim_trap_needed(const char *path, char *const envp[]);

/* shim_trap_helper() - tmpjail-trap-exec beside the shim (trap_helper.c), or NULL. */
const char *shim_trap_helper(void);

/* ---- "#!" scripts (script.c) ---- */

/* The kernel follows at most this many scripts before an executable. */
#define SHIM_SCRIPT_DEPTH 5

struct shim_script_level {
	const char *name, *arg; /* the "#!" line's interpreter and argument */
	const char *given;	/* the script as named (by the program, or a "#!") */
	const char *real;	/* the same, mapped */
};

/* A "#!" chain read by shim_script_resolve(); lives on the caller's stack. */
struct shim_script {
	char line[SHIM_SCRIPT_DEPTH][256];
	char mapped[SHIM_SCRIPT_DEPTH][PATH_MAX];
	struct shim_script_level level[SHIM_SCRIPT_DEPTH];
	/* argv before the program's argv[1]...; then exec @file */
	const char *prefix[2 * SHIM_SCRIPT_DEPTH + 1];
	size_t nprefix;
	const char *file;
};

/*
 * shim_script_resolve() - read the "#!" chain of the file the program
 * named @path (@real once mapped) as the kernel would.
 * Return: 1 when the exec must go to @script->file with @script->prefix
 * before argv[1] (a script or interpreter on the chain is redirected); 0
 * when the kernel's own exec of @real is exact; -errno when it must fail
 * so (ELOOP: too deep; EACCES: an interpreter that is a script cannot be
 * run). Raw system calls only: safe in a vfork child.
 */
int shim_script_resolve(const char *path, const char *real, struct shim_script *script);
/* Entries (its NULL included) of the argv shim_script_argv() builds. */
size_t shim_script_argc(const struct shim_script *script, char *const argv[]);
/* The kernel's argv for @script run with the program's @argv: @script's
 * prefix, then argv[1]... and a NULL, into @out. */
void shim_script_argv(const struct shim_script *script, char *const argv[], const char **out);

/* ---- per-call bookkeeping and audit (audit.c) ---- */

/* What an audit line says beyond the paths (struct shim_call's note). */
enum {
	SHIM_NOTE_FLAGS = 1 << 0,     /* open flags, as "flags" */
	SHIM_NOTE_MODE = 1 << 1,      /* mode argument, as "mode" */
	SHIM_NOTE_OWNER = 1 << 2,     /* chown's owner/group */
	SHIM_NOTE_GENERATED = 1 << 3, /* the call made the name (mkstemp, tmpnam) */
	SHIM_NOTE_PERM_FD = 1 << 4,   /* "perm" from the result, a descriptor */
	SHIM_NOTE_PERM_PATH = 1 << 5, /* "perm" from the mapped path, once made */
};

struct shim_call {
	const char *name;
	const char *orig[2];
	const char *mapped[2]; /* NULL when that path was kept */
	int refused;	       /* -errno when a mapping failed */
	bool any;	       /* something was mapped or refused: audit it */
	/* Only read by the audit (SHIM_NOTE_*): cheap to fill, never costly. */
	unsigned note;
	int flags;
	unsigned mode;
	unsigned owner, group;
};

/*
 * shim_call_map() - map the path at *@path, relative to @dirfd (see
 * shim_map_at()), into @buf (PATH_MAX) for argument @slot (0 or 1) and
 * point *@path at it when redirected. The audit log records the path as
 * the program wrote it.
 * Return: 0, or -errno (the call must then fail with it).
 */
int shim_call_map(struct shim_call *call, int slot, int dirfd, const char **path, char *buf,
		  unsigned flags);
/* Record the refusal for the audit log and return -@error as a positive
 * errno value. */
int shim_call_refuse(struct shim_call *call, int error);
/* The call is done: audit it if anything was mapped. errno preserved. */
void shim_call_end(struct shim_call *call, long result, int error);

/* Append one JSON line for @call to TMPJAIL_AUDIT, if set. errno preserved;
 * no malloc; one write(2). */
void shim_audit(const struct shim_call *call, long result, int error);
/*
 * shim_audit_args() - fill @call's note from the arguments of the generated
 * wrapper of @sym (its whole argument list follows, as the wrapper got it),
 * for the symbols whose flags, mode or owner the audit records. Only called
 * while auditing. errno preserved.
 */
void shim_audit_args(struct shim_call *call, enum shim_sym sym, ...);
/* Set once at load when TMPJAIL_AUDIT names a file (shim_audit_init()). */
extern bool shim_audit_on;
/* Is the audit on? Inline: redirected calls ask it when not auditing too. */
static inline bool shim_auditing(void)
{
	return shim_audit_on;
}
/* Read TMPJAIL_AUDIT (at load). */
void shim_audit_init(void);
/* The audit file, or NULL. */
const char *shim_audit_path(void);

/* ---- re-entrancy ---- */

/* True while this thread runs the shim's own set-up: wrappers reached then
 * pass straight through. */
bool shim_busy(void);

/**
 * shim_lookup_error() - The error the kernel meets looking @path up from
 * @dirfd before a call acts: on its last component (@parent false: as
 * lstat), or on the directory holding it (@parent true). For a call of two
 * paths whose second the shim refuses (a ".." walk that fails): the kernel
 * would have failed on the first one first (rename, link). errno is kept.
 *
 * Return: 0 when the lookup succeeds, else -errno (-ENOTDIR for a parent
 * that is not a directory).
 */
int shim_lookup_error(int dirfd, const char *path, bool parent);

#endif /* TMPJAIL_SHIM_SHIM_H */
