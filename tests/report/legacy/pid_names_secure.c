/* SPDX-License-Identifier: MIT */
/* The secure twin of pid_names.c: mkstemp's random part instead of the pid.
 * Expected: no finding. */
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	char name[] = "/tmp/job.XXXXXX";
	int fd = mkstemp(name);

	if (fd < 0)
		return 1;
	close(fd);
	return unlink(name) ? 1 : 0;
}
