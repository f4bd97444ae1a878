/* SPDX-License-Identifier: MIT */
/*
 * The loader: dlopen and dlmopen of BASE/libtjanswer.so, a copy of the
 * test library the test put in the private dir only.
 */
#define _GNU_SOURCE
#include <dlfcn.h>

#include "helper.h"

static int answer(void *handle, const char *sym)
{
	if (!handle) {
		fprintf(stderr, "%s: %s\n", sym, dlerror());
		return 1;
	}
	int (*fn)(void) = (int (*)(void))dlsym(handle, "tj_answer");
	if (!fn || fn() != 42) {
		fprintf(stderr, "%s: tj_answer missing or wrong\n", sym);
		return 1;
	}
	printf("ok\n");
	return 0;
}

static int call_dlopen(const char *base)
{
	return answer(dlopen(at(base, "libtjanswer.so"), RTLD_NOW | RTLD_LOCAL), "dlopen");
}

static int call_dlmopen(const char *base)
{
	return answer(dlmopen(LM_ID_NEWLM, at(base, "libtjanswer.so"), RTLD_NOW), "dlmopen");
}

static const struct call calls[] = {
    CALL(dlopen),
    CALL(dlmopen),
};

HELPER_MAIN(calls)
