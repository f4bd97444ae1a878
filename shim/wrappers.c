/* SPDX-License-Identifier: MIT */
/*
 * The regular wrappers, generated from wrappers.def: map the path
 * argument(s), call the real function, audit what was redirected. The
 * irregular entries (SHIM_HAND) are written by hand in the other files.
 */
#include "shim.h"

/* Common head: find the real function, or fail with ENOSYS. */
#define SHIM_BEGIN(fn, fail)                    \
	shim_fn_##fn real_ = SHIM_REAL(fn);     \
	struct shim_call call_ = {.name = #fn}; \
	if (!real_)                             \
		return SHIM_FAIL_##fail(ENOSYS);

#define SHIM_MAP(slot, base, path, buf, fail)                     \
	if (shim_call_map(&call_, slot, base, &path, buf, 0) < 0) \
		return SHIM_FAIL_##fail(shim_call_refuse(&call_, call_.refused));

/* Which of two paths the kernel looks up first: link's source, before
 * its target; mount's target, before its source (its slot 0). */
#define SHIM_SOURCE_FIRST_link true
#define SHIM_SOURCE_FIRST_linkat true
#define SHIM_SOURCE_FIRST_mount false

/* The second path refused: the first one's lookup error, when the kernel
 * meets that one first and it fails, as natively. */
#define SHIM_MAP2(fn, base, path, base2, path2, buf, fail)                                      \
	if (shim_call_map(&call_, 1, base2, &path2, buf, 0) < 0) {                              \
		int first_ = SHIM_SOURCE_FIRST_##fn ? shim_lookup_error(base, path, false) : 0; \
		return SHIM_FAIL_##fail(                                                        \
		    shim_call_refuse(&call_, first_ ? first_ : call_.refused));                 \
	}

#define SHIM_ARGS(...) __VA_ARGS__
/* The audit's note reads the arguments again (flags, mode, owner), but only
 * for a redirected call while auditing: other runs pay one branch. */
#define SHIM_END(ret, fn, args, fail)                                             \
	ret res_ = real_ args;                                                    \
	if (call_.any && shim_auditing())                                         \
		shim_audit_args(&call_, SHIM_SYM_##fn, SHIM_ARGS args);           \
	shim_call_end(&call_, SHIM_RESULT_##fail(res_), SHIM_ERRNO_##fail(res_)); \
	return res_;

#define SHIM_HAND(ret, name, params, fail)
#define SHIM_PATH1(ret, fn, params, args, fail, path, base) \
	ret fn params                                       \
	{                                                   \
		char buf_[PATH_MAX];                        \
		SHIM_BEGIN(fn, fail)                        \
		SHIM_MAP(0, base, path, buf_, fail)         \
		SHIM_END(ret, fn, args, fail)               \
	}
#define SHIM_PATH2(ret, fn, params, args, fail, path, base, path2, base2) \
	ret fn params                                                     \
	{                                                                 \
		char buf_[PATH_MAX], buf2_[PATH_MAX];                     \
		SHIM_BEGIN(fn, fail)                                      \
		SHIM_MAP(0, base, path, buf_, fail)                       \
		SHIM_MAP2(fn, base, path, base2, path2, buf2_, fail)      \
		SHIM_END(ret, fn, args, fail)                             \
	}
#include "wrappers.def"
