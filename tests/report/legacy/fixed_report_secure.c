/* SPDX-License-Identifier: MIT */
/* The secure twin of fixed_report.c: mkstemp makes and opens the name in
 * one step (O_EXCL, 0600). Expected: no finding. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	char name[] = "/tmp/report.XXXXXX";
	int fd = mkstemp(name);
	FILE *report = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!report)
		return 1;
	fputs("total: 42\n", report);
	fclose(report);
	return unlink(name) ? 1 : 0;
}
