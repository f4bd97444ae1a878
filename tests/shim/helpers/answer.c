/* SPDX-License-Identifier: MIT */
/* The library calls_loader.c loads from the private dir. */
int tj_answer(void);

__attribute__((visibility("default"))) int tj_answer(void)
{
	return 42;
}
