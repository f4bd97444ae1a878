/* SPDX-License-Identifier: MIT */
/* The executor's state and helpers, shared by diff_exec.c and diff_ops.c. */
#ifndef TMPJAIL_TESTS_DIFF_EXEC_H
#define TMPJAIL_TESTS_DIFF_EXEC_H

#include <stddef.h>
#include <sys/stat.h>

#define SLOTS 4
#define MAX_IDS 256

struct exec_state {
	const char *place[3]; /* what "@R", "@O" and "@B" stand for */
	int slot[SLOTS];      /* descriptors the operations keep, -1 when empty */
	struct {
		dev_t dev;
		ino_t ino;
		char label[16];
		const char *path; /* a role's place, NULL for a file */
	} id[MAX_IDS];		  /* roles first, then files in the order first seen */
	size_t ids;
};

extern struct exec_state ex;

/* ex_expand() - @token with "@R", "@O", "@B" replaced (one of 4 static buffers). */
const char *ex_expand(const char *token);
/* ex_put_string() - print @n bytes quoted, the places written back as "@R"... */
void ex_put_string(const char *s, size_t n);
/* ex_result() - print " = RET" or " = -1 ENAME" (from errno). */
void ex_result(long ret);
/* ex_identity() - the label of the file @st describes. */
const char *ex_identity(const struct stat *st);
/* ex_run_op() - perform the operation of @tok[0] and print its result. */
void ex_run_op(int count, char **tok);

#endif
