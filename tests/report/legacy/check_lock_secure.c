/* SPDX-License-Identifier: MIT */
/* The secure twin of check_lock.c: one open with O_CREAT|O_EXCL is both
 * the check and the use. Expected: no finding. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int main(void)
{
	int fd = open("/tmp/app.lock", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);

	if (fd < 0)
		return errno == EEXIST ? 2 : 1;
	close(fd);
	return unlink("/tmp/app.lock") ? 1 : 0;
}
