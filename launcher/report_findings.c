/* SPDX-License-Identifier: MIT */
/*
 * The rules of tmpjail --report (docs/report.md): each audit record is
 * judged with what the same run did before it (a check of the path, a name
 * from tmpnam, a directory of its own made by mkdtemp), and with the names
 * other logs created (a "random" name seen in two runs). That memory is a
 * handful of fixed hash sets of path hashes: bounded whatever the log's
 * size, and a rare collision costs a missed or extra finding, never a
 * crash.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define TOMBSTONE 1 /* a removed key (report_set.c) */

/* ---- what one run did so far, and the names of every run ---- */

static struct run_state {
	struct set checks;  /* path -> (line, check call index) */
	struct set unsafe;  /* names from tmpnam/tempnam/mktemp -> (line, call index) */
	struct set own;	    /* made safely: mkstemp files, mkdtemp or fresh dirs -> perm */
	struct set created; /* path -> (struct finding * of "left", parent hash) */
	struct set removed; /* directories removed */
} * run;
static struct set names; /* created names of every log -> (first log + 1, reported log + 1) */
static unsigned current_log;

/* ---- calls by what they do ---- */

enum call_class {
	C_OTHER,
	C_CHECK,
	C_NAME,
	C_SAFE_FILE,
	C_SAFE_DIR,
	C_OPEN,
	C_MKDIR,
	C_CHMOD,
	C_MODIFY,
	C_REMOVE,
	C_RMDIR,
	C_RENAME
};

static struct call_entry {
	const char *name;
	enum call_class class;
} calls[] = {
    {"access", C_CHECK},
    {"faccessat", C_CHECK},
    {"euidaccess", C_CHECK},
    {"eaccess", C_CHECK},
    {"stat", C_CHECK},
    {"lstat", C_CHECK},
    {"fstatat", C_CHECK},
    {"stat64", C_CHECK},
    {"lstat64", C_CHECK},
    {"fstatat64", C_CHECK},
    {"statx", C_CHECK},
    {"__xstat", C_CHECK},
    {"__lxstat", C_CHECK},
    {"__xstat64", C_CHECK},
    {"__lxstat64", C_CHECK},
    {"__fxstatat", C_CHECK},
    {"__fxstatat64", C_CHECK},
    {"tmpnam", C_NAME},
    {"tmpnam_r", C_NAME},
    {"tempnam", C_NAME},
    {"mktemp", C_NAME},
    {"mkstemp", C_SAFE_FILE},
    {"mkstemp64", C_SAFE_FILE},
    {"mkostemp", C_SAFE_FILE},
    {"mkostemp64", C_SAFE_FILE},
    {"mkstemps", C_SAFE_FILE},
    {"mkstemps64", C_SAFE_FILE},
    {"mkostemps", C_SAFE_FILE},
    {"mkostemps64", C_SAFE_FILE},
    {"mkdtemp", C_SAFE_DIR},
    {"open", C_OPEN},
    {"open64", C_OPEN},
    {"openat", C_OPEN},
    {"openat64", C_OPEN},
    {"openat2", C_OPEN},
    {"__open_2", C_OPEN},
    {"__open64_2", C_OPEN},
    {"__openat_2", C_OPEN},
    {"__openat64_2", C_OPEN},
    {"creat", C_OPEN},
    {"creat64", C_OPEN},
    {"fopen", C_OPEN},
    {"fopen64", C_OPEN},
    {"freopen", C_OPEN},
    {"freopen64", C_OPEN},
    {"mkdir", C_MKDIR},
    {"mkdirat", C_MKDIR},
    {"chmod", C_CHMOD},
    {"lchmod", C_CHMOD},
    {"fchmodat", C_CHMOD},
    {"fchmodat2", C_CHMOD},
    {"chown", C_MODIFY},
    {"lchown", C_MODIFY},
    {"fchownat", C_MODIFY},
    {"truncate", C_MODIFY},
    {"truncate64", C_MODIFY},
    {"unlink", C_REMOVE},
    {"unlinkat", C_REMOVE},
    {"remove", C_REMOVE},
    {"rmdir", C_RMDIR},
    {"rename", C_RENAME},
    {"renameat", C_RENAME},
    {"renameat2", C_RENAME},
};
#define NCALLS (sizeof(calls) / sizeof(calls[0]))

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct call_entry *)a)->name, ((const struct call_entry *)b)->name);
}

static const struct call_entry *find_call(const char *name)
{
	const struct call_entry key = {.name = name};

	return bsearch(&key, calls, NCALLS, sizeof(calls[0]), by_name);
}

/* ---- helpers of the rules ---- */

static const char *program_of(const struct audit_record *r)
{
	return r->exe[0] ? r->exe : r->argv0[0] ? r->argv0 : "?";
}

static uint64_t hash_prefix(const char *path, size_t len)
{
	char buf[4096];

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, path, len);
	buf[len] = '\0';
	return report_hash(buf, 0);
}

/* Is @path below a directory only this run can enter (mkdtemp's, or one
 * it made itself with no group/other bits)? Nothing there is shared. */
static bool in_private_dir(const char *path)
{
	for (size_t len = strlen(path); len > 1; len--) {
		if (path[len - 1] != '/' || len - 1 == 0)
			continue;
		uint64_t *perm = set_get(&run->own, hash_prefix(path, len - 1));
		if (perm && (perm[0] & 077) == 0)
			return true;
	}
	return false;
}

/* The line from which this run's own names no longer fit: from there on
 * any name might be its own, so nothing that needs "not ours" is said. */
static unsigned long own_full_at;

/* Is @path a name no one else can take from this run: one it created
 * exclusively (mkstemp, O_CREAT|O_EXCL, mkdir), which the sticky bit of a
 * shared directory keeps others from removing or replacing, or one in a
 * private directory? */
static bool is_own(const char *path)
{
	return own_full_at || set_get(&run->own, report_hash(path, 0)) || in_private_dir(path);
}

/* Remember a name the run made exclusively, with its permissions. */
static void own_add(uint64_t hash, int perm, unsigned long line)
{
	if (!set_put(&run->own, hash, perm < 0 ? 0 : (uint64_t)perm, 0) && !own_full_at)
		own_full_at = line;
}

static void finding(enum report_kind kind, enum report_severity severity,
		    const struct audit_record *r, const char *detail, unsigned long line)
{
	report_add(kind, severity, program_of(r), r->path, detail, current_log, line);
}

/* The decimal @number appears in @path as a whole run of digits. */
static bool holds_number(const char *path, long number)
{
	char text[24];
	size_t len = (size_t)snprintf(text, sizeof(text), "%ld", number);

	if (number < 10)
		return false;
	for (const char *p = strstr(path, text); p; p = strstr(p + 1, text))
		if ((p == path || p[-1] < '0' || p[-1] > '9') && (p[len] < '0' || p[len] > '9'))
			return true;
	return false;
}

/* ---- the rules ---- */

/* A check of @r's path earlier in this run, now used: CWE-367. */
static void check_then_use(const struct audit_record *r, enum report_severity severity,
			   unsigned long line)
{
	uint64_t hash = report_hash(r->path, 0), *check = set_get(&run->checks, hash);
	char detail[96];

	if (!check || is_own(r->path))
		return;
	snprintf(detail, sizeof(detail), "%s (line %lu) then %s", calls[check[1]].name,
		 (unsigned long)check[0], r->call);
	finding(KIND_CHECK_USE, severity, r, detail, line);
	set_remove(&run->checks, hash);
}

/* Permissions that let others in: CWE-276/CWE-379. */
static void loose_permissions(const struct audit_record *r, int bits, const char *what,
			      unsigned long line)
{
	char detail[64];

	if (bits < 0 || (bits & 077) == 0 || in_private_dir(r->path))
		return;
	snprintf(detail, sizeof(detail), "%s %s %04o", r->call, what, bits);
	finding(KIND_LOOSE_PERMS, bits & 0002 ? SEV_HIGH : SEV_MEDIUM, r, detail, line);
}

/* A name others can guess: the pid in it, or the same name in two runs. */
static void predictable_name(const struct audit_record *r, unsigned long line)
{
	char detail[96];

	if (holds_number(r->path, r->pid) || holds_number(r->path, r->ppid)) {
		snprintf(detail, sizeof(detail), "%s: the name holds the pid %ld", r->call,
			 holds_number(r->path, r->pid) ? r->pid : r->ppid);
		finding(KIND_PREDICTABLE, SEV_MEDIUM, r, detail, line);
	}
	uint64_t *seen = set_put(&names, report_hash(r->path, 0), current_log + 1, 0);
	if (seen && seen[0] != current_log + 1 && seen[1] != current_log + 1) {
		seen[1] = current_log + 1;
		snprintf(detail, sizeof(detail), "%s: the same name in %s and this run", r->call,
			 report_log_name((unsigned)seen[0] - 1));
		finding(KIND_PREDICTABLE, SEV_MEDIUM, r, detail, line);
	}
}

/* Remember what this run created, for "left for the reaper". */
static void created(const struct audit_record *r, const char *path, unsigned long line)
{
	uint64_t hash = report_hash(path, 0);
	const char *slash = strrchr(path, '/');

	if (set_get(&run->created, hash))
		return;
	struct finding *f =
	    report_add(KIND_LEFT, SEV_INFO, program_of(r), path, r->call, current_log, line);
	if (f && !set_put(&run->created, hash, (uintptr_t)f,
			  slash ? hash_prefix(path, (size_t)(slash - path)) : 0))
		f->count--; /* not tracked: never claim it was left */
}

static void removed(const char *path)
{
	uint64_t hash = report_hash(path, 0), *entry = set_get(&run->created, hash);

	/* The name is free again: creating it anew is judged anew. */
	set_remove(&run->own, hash);
	if (!entry)
		return;
	((struct finding *)(uintptr_t)entry[0])->count--;
	set_remove(&run->created, hash);
}

/* The flags an open-like record used (creat and old logs without "flags"). */
static int open_flags(const struct audit_record *r)
{
	if (r->has_flags)
		return r->flags;
	if (!strncmp(r->call, "creat", 5))
		return O_WRONLY | O_CREAT | O_TRUNC;
	return O_RDONLY;
}

static void on_open(const struct audit_record *r, unsigned long line)
{
	int flags = open_flags(r);
	bool creating = flags & O_CREAT, exclusive = creating && (flags & O_EXCL);
	uint64_t hash = report_hash(r->path, 0), *unsafe;
	char detail[160];

	if ((flags & O_TMPFILE) == O_TMPFILE)
		return; /* anonymous: no name to attack */
	/* O_CREAT|O_EXCL fails on anything put there after the check. */
	if (!exclusive)
		check_then_use(r, SEV_HIGH, line);
	if (!creating)
		return;
	if ((unsafe = set_get(&run->unsafe, hash))) {
		snprintf(detail, sizeof(detail), "%s (line %lu) then %s", calls[unsafe[1]].name,
			 (unsigned long)unsafe[0], r->call);
		finding(KIND_UNSAFE_NAME, SEV_HIGH, r, detail, line);
		set_remove(&run->unsafe, hash);
	} else if (!is_own(r->path)) {
		if (!exclusive) {
			snprintf(detail, sizeof(detail), "%s without O_EXCL", r->call);
			finding(KIND_INSECURE_CREATE, SEV_HIGH, r, detail, line);
		}
		predictable_name(r, line);
	}
	loose_permissions(r, r->perm, "made it", line);
	if (r->result < 0)
		return;
	if (exclusive)
		own_add(hash, r->perm, line);
	created(r, r->path, line);
}

static void on_mkdir(const struct audit_record *r, unsigned long line)
{
	if (r->result < 0)
		return;
	if (!is_own(r->path))
		predictable_name(r, line);
	loose_permissions(r, r->perm, "made it", line);
	/* mkdir never reuses what is there: a fresh directory is ours. */
	own_add(report_hash(r->path, 0), r->perm, line);
	created(r, r->path, line);
}

static void on_safe(const struct audit_record *r, enum call_class class, unsigned long line)
{
	if (r->result < 0 || !r->path)
		return;
	/* mkdtemp's directory is 0700: perm unknown in old logs reads as that. */
	uint64_t perm = r->perm >= 0 ? (uint64_t)r->perm : class == C_SAFE_DIR ? 0700 : 0600;
	own_add(report_hash(r->path, 0), (int)perm, line);
	created(r, r->path, line);
}

static void on_rename(const struct audit_record *r, unsigned long line)
{
	if (r->result != 0)
		return;
	uint64_t hash = report_hash(r->path, 0), *own = set_get(&run->own, hash);
	/* rename(2) moves the file, and with it whose it is. */
	if (own && r->has_path2 && r->path2)
		own_add(report_hash(r->path2, 0), (int)own[0], line);
	set_remove(&run->own, hash);
	uint64_t *entry = set_get(&run->created, hash);
	if (!entry)
		return;
	uint64_t left = entry[0];
	set_remove(&run->created, hash);
	/* Moved within the redirected directories: still there at the end. */
	if (r->has_path2 && r->path2) {
		const char *slash = strrchr(r->path2, '/');
		if (!set_put(&run->created, report_hash(r->path2, 0), left,
			     slash ? hash_prefix(r->path2, (size_t)(slash - r->path2)) : 0))
			((struct finding *)(uintptr_t)left)->count--;
	} else {
		((struct finding *)(uintptr_t)left)->count--;
	}
}

void report_record(const struct audit_record *r, unsigned long line)
{
	const struct call_entry *call = r->path ? find_call(r->call) : NULL;

	switch (call ? call->class : C_OTHER) {
	case C_CHECK:
		set_put(&run->checks, report_hash(r->path, 0), line, (uint64_t)(call - calls));
		break;
	case C_NAME:
		if (r->result == 0)
			set_put(&run->unsafe, report_hash(r->path, 0), line,
				(uint64_t)(call - calls));
		break;
	case C_SAFE_FILE:
	case C_SAFE_DIR:
		on_safe(r, call->class, line);
		break;
	case C_OPEN:
		on_open(r, line);
		break;
	case C_MKDIR:
		on_mkdir(r, line);
		break;
	case C_CHMOD:
		check_then_use(r, SEV_HIGH, line);
		if (r->result == 0)
			loose_permissions(r, r->mode, "set", line);
		break;
	case C_MODIFY:
		check_then_use(r, SEV_HIGH, line);
		break;
	case C_REMOVE:
	case C_RMDIR:
		/* Not a use: unlink and rename never follow a last symlink, and
		 * the sticky bit keeps others' files out of reach. */
		if (r->result == 0) {
			removed(r->path);
			if (call->class == C_RMDIR)
				set_put(&run->removed, report_hash(r->path, 0), 0, 0);
		}
		break;
	case C_RENAME:
		on_rename(r, line);
		break;
	default:
		break;
	}
}

/* The fuzz harness shrinks the sets, to run fast and to fill them. */
#ifndef REPORT_SET_SHIFT
#define REPORT_SET_SHIFT 0
#endif

/* The sets, sized for what each holds at once: a run's own and created
 * names and all runs' names are the many (8 MiB each), the rest a few. */
static int run_init(void)
{
	run = calloc(1, sizeof(*run));
	if (!run)
		return -1;
	int r = set_init(&run->checks, 1 << (16 - REPORT_SET_SHIFT)) |
		set_init(&run->unsafe, 1 << (14 - REPORT_SET_SHIFT)) |
		set_init(&run->own, 1 << (18 - REPORT_SET_SHIFT)) |
		set_init(&run->created, 1 << (18 - REPORT_SET_SHIFT)) |
		set_init(&run->removed, 1 << (14 - REPORT_SET_SHIFT)) |
		set_init(&names, 1 << (18 - REPORT_SET_SHIFT));
	return r;
}

void report_log_begin(unsigned log)
{
	static bool sorted;

	if (!sorted) {
		qsort(calls, NCALLS, sizeof(calls[0]), by_name);
		sorted = true;
	}
	if (!run && run_init() < 0) {
		fputs("tmpjail: --report: out of memory\n", stderr);
		exit(125);
	}
	current_log = log;
}

/* What is still there: left for the reaper, unless its directory went. */
void report_log_end(void)
{
	if (own_full_at)
		fprintf(stderr,
			"tmpjail: --report %s:%lu: note: the run made more names of its own than "
			"the report tracks; names created from there on were not judged\n",
			report_log_name(current_log), own_full_at);
	own_full_at = 0;
	for (size_t i = 0; i < run->created.slots; i++) {
		if (run->created.key[i] <= TOMBSTONE)
			continue;
		uint64_t parent = run->created.value[i][1];
		if (parent && set_get(&run->removed, parent))
			((struct finding *)(uintptr_t)run->created.value[i][0])->count--;
	}
	set_clear(&run->checks);
	set_clear(&run->unsafe);
	set_clear(&run->own);
	set_clear(&run->created);
	set_clear(&run->removed);
}

void report_findings_free(void)
{
	if (!run)
		return;
	struct set *sets[] = {&run->checks,  &run->unsafe,  &run->own,
			      &run->created, &run->removed, &names};
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		set_free(sets[i]);
	free(run);
	run = NULL;
}
