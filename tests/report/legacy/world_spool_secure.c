/* SPDX-License-Identifier: MIT */
/* The secure twin of world_spool.c: the spool file keeps mkstemp's 0600.
 * Expected: no finding. */
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	char name[] = "/tmp/spool.XXXXXX";
	int fd = mkstemp(name);

	if (fd < 0 || write(fd, "job\n", 4) != 4)
		return 1;
	close(fd);
	return unlink(name) ? 1 : 0;
}
