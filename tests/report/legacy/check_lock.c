/* SPDX-License-Identifier: MIT */
/* Insecure on purpose: checks the lock with access(2), then opens it by
 * name. Expected finding: check-then-use (CWE-367). */
#include <fcntl.h>
#include <unistd.h>

int main(void)
{
	if (access("/tmp/app.lock", F_OK) == 0)
		return 2; /* "another instance is running" */
	int fd = open("/tmp/app.lock", O_WRONLY | O_CREAT, 0600);
	if (fd < 0)
		return 1;
	close(fd);
	return unlink("/tmp/app.lock") ? 1 : 0;
}
