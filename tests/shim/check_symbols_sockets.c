/* SPDX-License-Identifier: MIT */
/*
 * Unix sockets: bind and connect with a sun_path under /tmp are mapped;
 * under /tmp/.X11-unix and /tmp/.ICE-unix they pass through. The pass-
 * through is checked without creating anything in the real /tmp: the test
 * listens on the private stand-in of /tmp/.X11-unix/X<random>, so a
 * wrongly mapped connect succeeds, while a passed-through one finds no
 * such socket in the real /tmp.
 */
#include "common_shim.h"

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

/* A listening socket at the real path @path (run without the shim). */
static int listen_at(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	ck_assert_uint_lt(strlen(path), sizeof(sun.sun_path));
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0, "bind %s: %s", path,
		      strerror(errno));
	ck_assert_int_eq(listen(fd, 4), 0);
	return fd;
}

/* bind /tmp/<name>/sock under the shim, then connect to it there. */
START_TEST(test_bind)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	struct stat st;
	tj_make_base();
	tj_call(&res, "calls_sockets", "bind", "bind", tj_j->real);
	tj_assert_ok(&res, "bind");
	ck_assert_msg(lstat(tj_mine("/sock"), &st) == 0 && S_ISSOCK(st.st_mode),
		      "the socket did not land in the private dir");
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/* connect to /tmp/<name>/lsock, which listens only in the private dir. */
START_TEST(test_connect)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char path[TJ_PATH];
	tj_make_base();
	int fd = listen_at(tj_mine("/lsock"));
	tj_fmt(path, sizeof(path), "%s/lsock", tj_j->real);
	tj_call(&res, "calls_sockets", "connect", "connect", path);
	tj_assert_ok(&res, "connect");
	ck_assert_msg(strcmp(res.out, "connected\n") == 0, "connect %s: %s", path, res.out);
	close(fd);
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/* A socket under /tmp/@dir passes through, never into the private dir. */
static void passes_through(const char *dir)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char rand[12], real[TJ_PATH], decoy_dir[TJ_PATH], decoy[TJ_PATH];
	struct stat st;
	tj_random(rand, 10);
	tj_fmt(real, sizeof(real), "/tmp/%s/Xtjtest%s", dir, rand);
	ck_assert_msg(lstat(real, &st) < 0 && errno == ENOENT, "%s exists", real);
	tj_fmt(decoy_dir, sizeof(decoy_dir), "%s/%s", tj_j->dir, dir);
	tj_fmt(decoy, sizeof(decoy), "%s/Xtjtest%s", decoy_dir, rand);
	tj_mkdir(decoy_dir, 0700);
	int fd = listen_at(decoy);
	tj_call(&res, "calls_sockets", "connect", "connect", real);
	tj_assert_ok(&res, "connect");
	ck_assert_msg(strcmp(res.out, "connected\n") != 0,
		      "connect %s was mapped into the private dir; it must pass through", real);
	ck_assert_msg(strcmp(res.out, "ENOENT\n") == 0 || strcmp(res.out, "ECONNREFUSED\n") == 0,
		      "connect %s: %s", real, res.out);
	close(fd);
	tj_assert_real_absent(real);
	tj_result_free(&res);
}

START_TEST(test_x11_passthrough)
{
	passes_through(".X11-unix");
}
END_TEST

START_TEST(test_ice_passthrough)
{
	passes_through(".ICE-unix");
}
END_TEST

/*
 * A /tmp name that fits in sun_path (107 bytes) while its mapped form does
 * not: bind may fail (ENAMETOOLONG) or land in the private dir, but must
 * never create the socket in the real /tmp.
 */
START_TEST(test_bind_long)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char path[TJ_PATH], suffix[128];
	size_t room = 107 - strlen(tj_j->real);
	ck_assert_uint_lt(room, sizeof(suffix));
	memset(suffix, 's', room);
	suffix[0] = '-';
	suffix[room] = '\0';
	tj_fmt(path, sizeof(path), "%s", tj_real(suffix));
	ck_assert_uint_eq(strlen(path), 107);
	tj_call(&res, "calls_sockets", "bind_long", "bind", path);
	if (res.status == 0) {
		ck_assert_str_eq(res.out, "bound\n");
		tj_assert_private_exists(path);
	} else {
		ck_assert_msg(strstr(res.err, "too long") != NULL,
			      "bind of a long name failed with an unexpected error: %s", res.err);
	}
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

/* Abstract names ("\0/tmp/...") are not paths: bind and connect keep them. */
START_TEST(test_abstract_untouched)
{
	TJ_REQUIRE_SHIM();
	struct tj_result res;
	char name[TJ_PATH];
	tj_fmt(name, sizeof(name), "%s.abstract", tj_j->real);
	tj_call(&res, "calls_sockets", "bind_abstract", "bind", name);
	tj_assert_ok(&res, "bind abstract");
	ck_assert_str_eq(res.out, "ok\n");
	tj_assert_no_residue();
	tj_result_free(&res);
}
END_TEST

Suite *tj_suite(void)
{
	Suite *s = suite_create("shim_symbols_sockets");
	tj_add(s, tcase_create("bind"), test_bind);
	tj_add(s, tcase_create("connect"), test_connect);
	tj_add(s, tcase_create("x11_passthrough"), test_x11_passthrough);
	tj_add(s, tcase_create("ice_passthrough"), test_ice_passthrough);
	tj_add(s, tcase_create("bind_long"), test_bind_long);
	tj_add(s, tcase_create("abstract_untouched"), test_abstract_untouched);
	return s;
}
