/* SPDX-License-Identifier: MIT */
/*
 * tj_probe OPERATION [ARG...]: try one operation (see probe_ops.h) and
 * print "ok" or the errno's name. Exit 0 when it worked, 1 when the kernel
 * refused, 2 for a usage error. Linked statically, so the shim cannot be
 * preloaded into it: only seccomp and the seal stand in its way.
 */
#include <stdio.h>

#include "probe_ops.h"

int main(int argc, char **argv)
{
	int r = argc > 1 ? probe_run(argc - 1, argv + 1) : -1;
	if (r < 0) {
		fprintf(stderr, "usage: tj_probe OPERATION [ARG...] (see probe_ops.h)\n");
		return 2;
	}
	printf("%s\n", probe_errno_name(r));
	return r ? 1 : 0;
}
