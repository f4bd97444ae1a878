/* SPDX-License-Identifier: MIT */
/*
 * The audit log for trapped calls: the supervisor appends, for each call
 * it redirected, the line the shim appends for a dynamic program's
 * (shim/audit_line.h, the same code), with "trap":true, so tmpjail
 * --report reads a static or Go program's temporary-file uses as it reads
 * a dynamic one's. The caller's pid, parent, executable and argv[0] come
 * from /proc/PID; the call's name from libseccomp.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_line.h"
#include "trap_internal.h"

/* The caller's executable and argv[0] (/proc/PID/exe, cmdline), "" when gone. */
static void program_of(struct trap_call *c, char *exe, size_t exe_size, char *argv0,
		       size_t argv0_size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)c->pid);
	long n = trap_proc_readlink(c->trap, path, exe, exe_size - 1);
	exe[n > 0 ? n : 0] = '\0';
	argv0[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)c->pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	size_t got = fread(argv0, 1, argv0_size - 1, f);
	argv0[got] = '\0';
	fclose(f);
}

void trap_audit_path(struct trap_call *c, const char *raw, const char *out)
{
	struct trap_audit *a = c->audit;
	if (!a || a->npaths == TRAP_PINS_MAX)
		return;
	if (a->npaths == 0) { /* the caller waits for its answer: its /proc is there */
		program_of(c, a->exe, sizeof(a->exe), a->argv0, sizeof(a->argv0));
		if (trap_creds_read(c) != 0)
			c->creds.ppid = 0;
	}
	snprintf(a->path[a->npaths], PATH_MAX, "%s", raw);
	snprintf(a->mapped[a->npaths], PATH_MAX, "%s", out);
	a->npaths++;
}

/* The caller's executable and argv[0] (/proc/PID/exe, cmdline), "" when gone. */
void trap_audit_write(struct trap_call *c, long answer)
{
	struct trap_audit *a = c->audit;
	if (!a || a->npaths == 0 || !c->trap->audit_file)
		return;
	long result = answer;
	int error = 0;
	if (answer == TRAP_ANSWERED) {
		if (a->installed < 0)
			return; /* the caller went away, or a thread answers later */
		result = a->installed;
	} else if (answer == TRAP_CONTINUE) {
		return; /* the kernel did it as made */
	} else if (answer < 0) {
		result = -1;
		error = (int)-answer;
	}
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, c->req->data.nr);
	struct audit_line *line = malloc(sizeof(*line));
	if (!line) {
		free(name);
		return;
	}
	audit_line_start(line, c->pid, c->creds.ppid, a->exe, a->argv0, name ? name : "?");
	free(name);
	for (int i = 0; i < a->npaths; i++) {
		audit_put(line, i ? ",\"path2\":" : ",\"path\":");
		audit_put_string(line, a->path[i]);
		audit_put(line, i ? ",\"mapped2\":" : ",\"mapped\":");
		audit_put_string(line, a->mapped[i]);
	}
	if (a->flags >= 0)
		audit_put_flags(line, a->flags);
	if (a->mode >= 0) {
		audit_put(line, ",\"mode\":\"");
		audit_put_octal(line, (unsigned)a->mode & 07777);
		audit_put(line, "\"");
	}
	if (a->perm >= 0) {
		audit_put(line, ",\"perm\":\"");
		audit_put_octal(line, (unsigned)a->perm & 07777);
		audit_put(line, "\"");
	}
	audit_put(line, ",\"trap\":true");
	audit_line_end(line, c->trap->audit_file, result, error);
	free(line);
}
