/* SPDX-License-Identifier: MIT */
/*
 * Which programs the shim cannot reach, read from the executable itself
 * before exec: a static ELF (no PT_INTERP), a Go program (its "Go"
 * build-id note or a .go.buildinfo section), a set-id program (the loader
 * drops LD_PRELOAD). One rule for the launcher's --trap auto and the
 * shim's exec wrappers (docs/trap.md). Raw system calls and the stack
 * only: the exec wrappers may run in a vfork child.
 */
#ifndef TMPJAIL_SHIM_CLASSIFY_H
#define TMPJAIL_SHIM_CLASSIFY_H

#include <stdbool.h>

/* classify_program() verdicts. */
enum classify_verdict {
	CLASSIFY_SHIM,	     /* dynamic: the shim redirects it */
	CLASSIFY_TRAP,	     /* static, Go, or set-group-ID to a group other than root */
	CLASSIFY_PRIVILEGED, /* set-user-ID, set-group-ID root, file capabilities: kept untrapped */
	CLASSIFY_UNREADABLE, /* cannot be read (or not a regular file): left alone */
};

/*
 * classify_program() - judge the program at @path (as the kernel would
 * exec it: a "#!" script by its interpreter, up to 4 levels).
 * @why: receives a static string saying why, for --verbose.
 * Return: the verdict.
 */
enum classify_verdict classify_program(const char *path, const char **why);

#endif
