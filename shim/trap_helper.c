/* SPDX-License-Identifier: MIT */
/*
 * tmpjail-trap-exec PROGRAM ARGV0 [ARG...]: exec PROGRAM with the argument
 * vector ARGV0 ARG..., through the shim's execve. posix_spawn's child
 * execs with glibc's internal call, which no wrapper sees, so a program
 * the trap must hold (static, Go, set-group-ID: docs/trap.md) would run
 * untrapped: the shim spawns this dynamic helper instead (spawn.c), and
 * the shim preloaded into it traps the program as it execs it. The pid
 * is the same; only the exec's own failure shows differently (exit 127
 * and a message, where posix_spawn would return the error).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	if (argc < 3) {
		fputs("usage: tmpjail-trap-exec PROGRAM ARGV0 [ARG...] (started by the shim)\n",
		      stderr);
		return 127;
	}
	execv(argv[1], argv + 2);
	fprintf(stderr, "tmpjail: cannot run %s under the trap: %s\n", argv[1], strerror(errno));
	return 127;
}
