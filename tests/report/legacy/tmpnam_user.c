/* SPDX-License-Identifier: MIT */
/* Insecure on purpose: a name from tmpnam(3), opened afterwards. Expected
 * finding: unsafe-temp-name (CWE-377). */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	char *name = tmpnam(NULL);
	int fd = name ? open(name, O_WRONLY | O_CREAT | O_TRUNC, 0600) : -1;

	if (fd < 0)
		return 1;
	close(fd);
	return unlink(name) ? 1 : 0;
}
