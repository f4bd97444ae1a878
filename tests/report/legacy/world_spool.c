/* SPDX-License-Identifier: MIT */
/* Insecure on purpose: a spool file made safely, then opened up to every
 * user with chmod 0644 "so the daemon can read it". Expected finding:
 * loose-permissions (CWE-276, CWE-379). */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	char name[] = "/tmp/spool.XXXXXX";
	int fd = mkstemp(name);

	if (fd < 0 || write(fd, "job\n", 4) != 4)
		return 1;
	close(fd);
	if (chmod(name, 0644))
		return 1;
	return unlink(name) ? 1 : 0;
}
