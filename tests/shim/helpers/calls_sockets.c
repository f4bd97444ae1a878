/* SPDX-License-Identifier: MIT */
/*
 * Unix sockets: bind and connect with a sun_path under /tmp are mapped,
 * except under /tmp/.X11-unix and /tmp/.ICE-unix, which pass through so X
 * clients reach the real display server. "connect" prints "connected" or
 * the errno name, so the test can tell a mapped connect from one that
 * passed through.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "helper.h"

static int make_addr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		fprintf(stderr, "%s does not fit in sun_path\n", path);
		return -1;
	}
	strcpy(sun->sun_path, path);
	return 0;
}

/* bind BASE/sock, then connect to it by the same /tmp name. */
static int call_bind(const char *base)
{
	struct sockaddr_un sun;
	if (make_addr(&sun, at(base, "sock")) < 0)
		return 1;
	int srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(srv >= 0);
	if (bind(srv, (struct sockaddr *)&sun, sizeof(sun)) != 0)
		FAIL("bind %s", sun.sun_path);
	CHECK(listen(srv, 4) == 0);
	int cli = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(cli >= 0);
	if (connect(cli, (struct sockaddr *)&sun, sizeof(sun)) != 0)
		FAIL("connect to the socket just bound");
	int conn = accept(srv, NULL, NULL);
	CHECK(conn >= 0);
	CHECK(write(cli, "x", 1) == 1);
	char c = 0;
	CHECK(read(conn, &c, 1) == 1 && c == 'x');
	printf("ok\n");
	return 0;
}

/*
 * bind a name whose /tmp form fits in sun_path but whose mapped form may
 * not (BASE is made long by the test). Success must land in the private
 * dir; failure is acceptable only as an error, never as a bind to /tmp.
 */
static int call_bind_long(const char *base)
{
	struct sockaddr_un sun;
	if (make_addr(&sun, base) < 0)
		return 1;
	int srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(srv >= 0);
	if (bind(srv, (struct sockaddr *)&sun, sizeof(sun)) != 0)
		FAIL("bind");
	printf("bound\n");
	return 0;
}

/* connect to BASE (a full socket path here); print the outcome. */
static int call_connect(const char *base)
{
	struct sockaddr_un sun;
	if (make_addr(&sun, base) < 0)
		return 1;
	int cli = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(cli >= 0);
	if (connect(cli, (struct sockaddr *)&sun,
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sun.sun_path) +
				1)) == 0)
		printf("connected\n");
	else
		printf("%s\n", strerrorname_np(errno));
	return 0;
}

/* An abstract name (sun_path[0] == 0) is no path: it must pass untouched. */
static int call_bind_abstract(const char *name)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t len = strlen(name);
	if (len + 1 >= sizeof(sun.sun_path))
		return 1;
	memcpy(sun.sun_path + 1, name, len);
	socklen_t addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
	int srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int cli = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(srv >= 0 && cli >= 0);
	if (bind(srv, (struct sockaddr *)&sun, addrlen) != 0)
		FAIL("bind abstract");
	CHECK(listen(srv, 1) == 0);
	if (connect(cli, (struct sockaddr *)&sun, addrlen) != 0)
		FAIL("connect abstract");
	struct sockaddr_un got;
	socklen_t got_len = sizeof(got);
	CHECK(getsockname(srv, (struct sockaddr *)&got, &got_len) == 0);
	if (got_len != addrlen || memcmp(got.sun_path, sun.sun_path, len + 1) != 0) {
		fprintf(stderr, "the abstract name was changed\n");
		return 1;
	}
	printf("ok\n");
	return 0;
}

static const struct call calls[] = {
    CALL(bind),
    CALL(bind_long),
    CALL(connect),
    CALL(bind_abstract),
};

HELPER_MAIN(calls)
