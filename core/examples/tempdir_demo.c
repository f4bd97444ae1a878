/* SPDX-License-Identifier: MIT */
/* Python's `with tempfile.TemporaryDirectory() as tmpdirname:` in C. */
#include <stdio.h>
#include <tmpjail/tempfile.h>

int main(void)
{
	{
		tf_scoped(tempdir) struct tf_tempdir *dir = tf_tempdir_open(NULL);
		if (!dir) {
			perror("tf_tempdir_open");
			return 1;
		}
		printf("created temporary directory %s\n", tf_tempdir_path(dir));
		/* ... make files in it ... */
	} /* directory and contents have been removed: tf_tempdir_done(dir) ran here */
	return 0;
}
