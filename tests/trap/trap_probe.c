/* SPDX-License-Identifier: MIT */
/*
 * A program the shim cannot reach (built static by the suite, and dynamic
 * for --trap all): every family of path-taking calls, through libc and raw
 * system calls, with output that does not depend on where /tmp really is
 * (no inode numbers, no real paths), so a run under tmpjail and a native
 * run on a bind-mounted /tmp print the same.
 *
 * The first three leave DIR.kept behind, which a run must not leave in the
 * real /tmp.
 *   trap_probe families DIR    each family in DIR (made, emptied, removed)
 *   trap_probe hammer DIR      8 threads creating, reading, removing in DIR
 *   trap_probe badptr DIR      bad and unmapped path and result pointers
 *   trap_probe raw FILE        syscall(SYS_openat) creating FILE
 *   trap_probe fifo FIFO       open FIFO for reading (waits for a writer)
 *   trap_probe busyconnect DIR a stat answered while connects wait
 *   trap_probe stealfds DIR    open links in DIR to /proc/self/fd/N
 *   trap_probe create FILE     create FILE
 *   trap_probe sockname DIR    bind DIR/s, connect to what getsockname() says
 *   trap_probe swaprace DIR    DIR (outside /tmp) swapped for links to the
 *                              launcher's /tmp while calls reach it through
 *                              /tmp/r -> /: a FIFO open, and "sub/.."
 *   trap_probe exhaust PROG [ARG]...
 *                              use up the seccomp filter budget, exec PROG
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <utime.h>

static char dir[512];

static const char *at(const char *name)
{
	static char buf[4][1024];
	static int n;
	char *p = buf[n++ % 4];
	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

/* "what: ok" or "what: ENAME" */
static long say(const char *what, long r)
{
	if (r < 0)
		printf("%s: %s\n", what, strerrorname_np(errno));
	else
		printf("%s: ok\n", what);
	return r;
}

static void show_stat(const char *what, const char *path, int flags)
{
	struct stat st;
	if (say(what, fstatat(AT_FDCWD, path, &st, flags)) == 0)
		printf("  type %o mode %o size %lld nlink %lu\n", st.st_mode & S_IFMT,
		       st.st_mode & 07777, (long long)st.st_size, (unsigned long)st.st_nlink);
}

static void show_file(const char *what, const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (say(what, fd) < 0)
		return;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	printf("  content '%s' cloexec %d\n", buf, (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	close(fd);
}

static void opens(void)
{
	int fd = say("open creat", open(at("a"), O_CREAT | O_WRONLY | O_TRUNC, 0640));
	if (fd >= 0) {
		say("write", write(fd, "hello", 5));
		printf("  cloexec %d\n", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
		close(fd);
	}
	show_file("openat", at("a"));
	say("open excl", open(at("a"), O_CREAT | O_EXCL | O_WRONLY, 0600));
	say("open missing", open(at("missing"), O_RDONLY));
	say("open dir for writing", open(dir, O_WRONLY));
	fd = say("creat", creat(at("b"), 0600));
	if (fd >= 0)
		close(fd);
	struct open_how how = {.flags = O_CREAT | O_WRONLY | O_CLOEXEC, .mode = 0600};
	fd = say("openat2", syscall(SYS_openat2, AT_FDCWD, at("c"), &how, sizeof(how)));
	if (fd >= 0) {
		printf("  cloexec %d\n", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
		close(fd);
	}
	fd = say("open O_PATH", open(dir, O_PATH | O_DIRECTORY));
	if (fd >= 0) {
		struct stat st;
		say("  fstatat through it", fstatat(fd, "a", &st, 0));
		close(fd);
	}
	fd = say("open O_TMPFILE", open(dir, O_TMPFILE | O_RDWR, 0600));
	if (fd >= 0)
		close(fd);
}

static void stats(void)
{
	show_stat("stat", at("a"), 0);
	show_stat("lstat", at("a"), AT_SYMLINK_NOFOLLOW);
	show_stat("stat missing", at("missing"), 0);
	show_stat("stat dir", dir, 0);
	struct statx stx;
	if (say("statx", statx(AT_FDCWD, at("a"), 0, STATX_SIZE | STATX_MODE, &stx)) == 0)
		printf("  size %llu mode %o\n", (unsigned long long)stx.stx_size,
		       stx.stx_mode & 07777);
	struct statfs sfs, ref;
	say("statfs", statfs(dir, &sfs));
	statfs("/proc/self", &ref);
	printf("  same fs as /proc %d\n", sfs.f_type == ref.f_type);
	say("access R_OK", access(at("a"), R_OK));
	say("access X_OK", access(at("a"), X_OK));
	say("faccessat W_OK", faccessat(AT_FDCWD, at("a"), W_OK, 0));
	say("faccessat2 AT_EACCESS", syscall(SYS_faccessat2, AT_FDCWD, at("a"), R_OK, AT_EACCESS));
	say("access missing", access(at("missing"), F_OK));
}

static void names(void)
{
	say("mkdir", mkdir(at("sub"), 0750));
	say("mkdir again", mkdir(at("sub"), 0750));
	show_stat("  sub", at("sub"), 0);
	say("mkdirat", mkdirat(AT_FDCWD, at("sub2"), 0700));
	say("rename", rename(at("b"), at("b2")));
	say("renameat", renameat(AT_FDCWD, at("b2"), AT_FDCWD, at("b3")));
	say("renameat2 noreplace",
	    syscall(SYS_renameat2, AT_FDCWD, at("b3"), AT_FDCWD, at("c"), RENAME_NOREPLACE));
	say("rename into sub", rename(at("b3"), at("sub/b")));
	say("rename out of /tmp", rename(at("c"), "/proc/self/trap-probe"));
	say("link", link(at("a"), at("hard")));
	show_stat("  nlink", at("a"), 0);
	say("linkat", linkat(AT_FDCWD, at("a"), AT_FDCWD, at("hard2"), 0));
	say("symlink relative", symlink("a", at("rel")));
	say("symlink absolute", symlink(at("a"), at("abs")));
	char buf[512];
	ssize_t n = say("readlink relative", readlink(at("rel"), buf, sizeof(buf) - 1));
	printf("  '%.*s'\n", (int)(n > 0 ? n : 0), buf);
	n = say("readlink absolute", readlink(at("abs"), buf, sizeof(buf) - 1));
	printf("  '%.*s'\n", (int)(n > 0 ? n : 0), buf);
	n = say("readlinkat short", readlinkat(AT_FDCWD, at("rel"), buf, 0 + 1));
	printf("  %zd\n", n);
	show_file("open through absolute link", at("abs"));
	show_stat("stat through link", at("abs"), 0);
	show_stat("lstat of link", at("abs"), AT_SYMLINK_NOFOLLOW);
	say("readlink not a link", readlink(at("a"), buf, sizeof(buf)));
}

static void attributes(void)
{
	say("chmod", chmod(at("a"), 0604));
	show_stat("  after chmod", at("a"), 0);
	say("fchmodat", fchmodat(AT_FDCWD, at("a"), 0644, 0));
	say("chown", chown(at("a"), getuid(), getgid()));
	say("lchown", lchown(at("abs"), getuid(), getgid()));
	say("fchownat", fchownat(AT_FDCWD, at("a"), (uid_t)-1, getgid(), AT_SYMLINK_NOFOLLOW));
	struct timespec ts[2] = {{1000, 0}, {2000, 0}};
	say("utimensat", utimensat(AT_FDCWD, at("a"), ts, 0));
	struct stat st;
	stat(at("a"), &st);
	printf("  mtime %lld\n", (long long)st.st_mtime);
	struct timeval tv[2] = {{3000, 0}, {4000, 0}};
	say("utimes", utimes(at("a"), tv));
	stat(at("a"), &st);
	printf("  mtime %lld\n", (long long)st.st_mtime);
	struct utimbuf ub = {5000, 6000};
	say("utime", utime(at("a"), &ub));
	stat(at("a"), &st);
	printf("  mtime %lld\n", (long long)st.st_mtime);
	say("truncate", truncate(at("a"), 2));
	show_file("  after truncate", at("a"));
	say("mknod fifo", mknod(at("fifo"), S_IFIFO | 0600, 0));
	show_stat("  fifo", at("fifo"), 0);
	say("mknodat", mknodat(AT_FDCWD, at("fifo2"), S_IFIFO | 0600, 0));
	say("setxattr", setxattr(at("a"), "user.trap", "v1", 2, 0));
	char value[64] = "";
	ssize_t n = say("getxattr", getxattr(at("a"), "user.trap", value, sizeof(value)));
	printf("  '%.*s'\n", (int)(n > 0 ? n : 0), value);
	n = say("getxattr size", getxattr(at("a"), "user.trap", NULL, 0));
	printf("  %zd\n", n);
	n = say("listxattr", listxattr(at("a"), value, sizeof(value)));
	printf("  has user.trap %d\n", n > 0 && memmem(value, (size_t)n, "user.trap", 9) != NULL);
	say("lgetxattr missing", lgetxattr(at("a"), "user.none", value, sizeof(value)));
	say("removexattr", removexattr(at("a"), "user.trap"));
	say("removexattr again", removexattr(at("a"), "user.trap"));
}

static void watches(void)
{
	int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	say("inotify_add_watch", inotify_add_watch(in, dir, IN_CREATE));
	close(creat(at("watched"), 0600));
	char buf[4096] __attribute__((aligned(8)));
	ssize_t n = read(in, buf, sizeof(buf));
	const struct inotify_event *ev = (const void *)buf;
	printf("  event %s\n", n > 0 && ev->len ? ev->name : "none");
	say("inotify missing", inotify_add_watch(in, at("missing"), IN_CREATE));
	close(in);
}

static void sockets(void)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", at("sock"));
	int server = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	say("bind", bind(server, (struct sockaddr *)&addr, sizeof(addr)));
	say("bind again",
	    bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&addr, sizeof(addr)));
	say("listen", listen(server, 1));
	show_stat("  socket", at("sock"), 0);
	int client = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	say("connect", connect(client, (struct sockaddr *)&addr, sizeof(addr)));
	int conn = accept(server, NULL, NULL);
	char c = 0;
	say("send", write(client, "z", 1));
	say("receive", read(conn, &c, 1));
	printf("  '%c'\n", c);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", at("nosock"));
	say("connect missing",
	    connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&addr, sizeof(addr)));
	close(conn);
	close(client);
	close(server);
}

static void cwd(void)
{
	char buf[1024];
	say("chdir", chdir(dir));
	printf("  getcwd %s\n", getcwd(buf, sizeof(buf)) ? buf : "ERR");
	show_file("relative open", "a");
	say("relative mkdir", mkdir("rd", 0700));
	say("chdir relative", chdir("rd"));
	printf("  getcwd %s\n", getcwd(buf, sizeof(buf)) ? buf : "ERR");
	say("relative create", close(open("x", O_CREAT | O_WRONLY, 0600)));
	show_stat("  absolute stat", at("rd/x"), 0);
	say("chdir ..", chdir(".."));
	printf("  getcwd %s\n", getcwd(buf, sizeof(buf)) ? buf : "ERR");
	say("getcwd small", getcwd(buf, 3) ? 0 : -1);
	say("relative unlink", unlink("rd/x"));
	say("relative rmdir", rmdir("rd"));
	say("chdir missing", chdir("nope"));
	say("chdir file", chdir("a"));
	say("chdir /", chdir("/"));
	printf("  getcwd %s\n", getcwd(buf, sizeof(buf)) ? buf : "ERR");
	show_stat("relative from /", dir + 1, 0);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void listing(void)
{
	DIR *d = opendir(dir);
	if (say("opendir", d ? 0 : -1) < 0)
		return;
	char *names[128];
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d)) && n < 128;)
		names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), by_name);
	printf(" ");
	for (size_t i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
}

static void removal(void)
{
	static const char *const files[] = {"a",    "hard",  "hard2", "rel",	 "abs",	 "c",
					    "fifo", "fifo2", "sock",  "watched", "sub/b"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		say("unlink", unlink(at(files[i])));
	say("unlink dir", unlink(at("sub")));
	say("unlinkat AT_REMOVEDIR", unlinkat(AT_FDCWD, at("sub"), AT_REMOVEDIR));
	say("rmdir", rmdir(at("sub2")));
	say("rmdir missing", rmdir(at("sub2")));
	say("rmdir dir", rmdir(dir));
	say("rmdir .. crossing", rmdir("/tmp/../tmp/.."));
	show_stat("stat /tmp/..", "/tmp/..", 0);
	show_file("open /tmp/../proc/self/comm", "/tmp/../proc/self/comm");
}

static int families(void)
{
	say("mkdir dir", mkdir(dir, 0755));
	opens();
	stats();
	names();
	attributes();
	watches();
	sockets();
	cwd();
	listing();
	removal();
	return 0;
}

/* One of 8 threads: create, write, read back, rename, remove, 200 times. */
static void *hammer_thread(void *arg)
{
	long id = (long)arg, bad = 0;
	for (int i = 0; i < 200; i++) {
		char a[600], b[600], buf[32];
		snprintf(a, sizeof(a), "%s/t%ld-%d", dir, id, i);
		snprintf(b, sizeof(b), "%s/t%ld-%d.done", dir, id, i);
		int fd = open(a, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
		bad += fd < 0 || write(fd, a, strlen(a)) != (ssize_t)strlen(a);
		if (fd >= 0)
			close(fd);
		bad += rename(a, b) != 0;
		fd = open(b, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
		bad += n <= 0;
		if (fd >= 0)
			close(fd);
		struct stat st;
		bad += stat(b, &st) != 0 || st.st_size != (off_t)strlen(a);
		bad += unlink(b) != 0;
	}
	return (void *)bad;
}

static int hammer(void)
{
	pthread_t threads[8];
	long bad = 0;
	mkdir(dir, 0700);
	for (long i = 0; i < 8; i++)
		pthread_create(&threads[i], NULL, hammer_thread, (void *)i);
	for (int i = 0; i < 8; i++) {
		void *r;
		pthread_join(threads[i], &r);
		bad += (long)r;
	}
	printf("hammer: %ld failures\n", bad);
	say("rmdir", rmdir(dir));
	return bad != 0;
}

/* Pointers the kernel answers EFAULT for, as it would natively. */
static int badptr(void)
{
	say("mkdir dir", mkdir(dir, 0700));
	say("open NULL", syscall(SYS_open, NULL, O_RDONLY));
	say("open (char *)1", syscall(SYS_open, 1, O_RDONLY));
	/* A path that runs into an unmapped page before its NUL. */
	long page = sysconf(_SC_PAGESIZE);
	char *map = mmap(NULL, (size_t)(2 * page), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(map + page, (size_t)page);
	char *tail = map + page - 4;
	memcpy(tail, "/tmp", 4);
	say("open unterminated", open(tail, O_RDONLY));
	/* A path that ends just before the unmapped page. */
	char *end = map + page - 5;
	memcpy(end, "/tmp", 5);
	say("stat at the page's end", access(end, F_OK));
	close(creat(at("f"), 0600));
	say("stat bad buffer", syscall(SYS_newfstatat, AT_FDCWD, at("f"), (void *)1, 0));
	say("symlink", symlink("f", at("l")));
	say("readlink bad buffer", syscall(SYS_readlink, at("l"), 1, 10));
	say("unlink link", unlink(at("l")));
	say("getxattr bad name", getxattr(at("f"), (const char *)1, NULL, 0));
	say("unlink", unlink(at("f")));
	say("rmdir", rmdir(dir));
	return 0;
}

static struct sockaddr_un busy_addr = {.sun_family = AF_UNIX};

static void *connect_thread(void *arg)
{
	(void)arg;
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	long r = connect(s, (struct sockaddr *)&busy_addr, sizeof(busy_addr));
	return (void *)r;
}

static void stalled(int sig)
{
	(void)sig;
	static const char msg[] = "stalled: a call waited for another's connect\n";
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(1);
}

/*
 * A connect that waits (the listener's backlog is full) must not hold up
 * the other calls: a stat made meanwhile is answered.
 */
static int busyconnect(void)
{
	say("mkdir dir", mkdir(dir, 0700));
	snprintf(busy_addr.sun_path, sizeof(busy_addr.sun_path), "%s", at("busy"));
	int server = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	say("bind", bind(server, (struct sockaddr *)&busy_addr, sizeof(busy_addr)));
	say("listen", listen(server, 0));
	pthread_t threads[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&threads[i], NULL, connect_thread, NULL);
	usleep(200 * 1000);
	signal(SIGALRM, stalled);
	alarm(5);
	struct stat st;
	say("stat while a connect waits", stat(at("busy"), &st));
	alarm(0);
	for (int i = 0; i < 3; i++) {
		int conn = accept(server, NULL, NULL);
		if (conn >= 0)
			close(conn);
	}
	long bad = 0;
	for (int i = 0; i < 3; i++) {
		void *r;
		pthread_join(threads[i], &r);
		bad += (long)r != 0;
	}
	printf("connects failed: %ld\n", bad);
	say("unlink", unlink(at("busy")));
	say("rmdir", rmdir(dir));
	return 0;
}

/*
 * Links in /tmp to /proc/self/fd/N: the program's own descriptors
 * natively; under the trap they must never open the launcher's.
 */
static int stealfds(void)
{
	say("mkdir dir", mkdir(dir, 0700));
	for (int n = 0; n < 64; n++) {
		char target[64], name[700], got[256];
		snprintf(target, sizeof(target), "/proc/self/fd/%d", n);
		snprintf(name, sizeof(name), "%s/l%d", dir, n);
		if (symlink(target, name) < 0)
			continue;
		int fd = open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0) {
			snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
			ssize_t len = readlink(target, got, sizeof(got) - 1);
			printf("got %d: %.*s\n", n, (int)(len > 0 ? len : 0), got);
			close(fd);
		}
		unlink(name);
	}
	say("rmdir", rmdir(dir));
	return 0;
}

/* A socket bound in DIR is reachable at the address getsockname() reports. */
static int sockname(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX}, got;
	socklen_t len = sizeof(got);
	snprintf(a.sun_path, sizeof(a.sun_path), "%.100s/s", dir);
	say("mkdir dir", mkdir(dir, 0700));
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	say("bind", bind(s, (struct sockaddr *)&a, sizeof(a)));
	say("listen", listen(s, 4));
	say("getsockname", getsockname(s, (struct sockaddr *)&got, &len));
	int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	say("connect to getsockname's address", connect(c, (struct sockaddr *)&got, len));
	close(c);
	close(s);
	say("unlink", unlink(a.sun_path));
	say("rmdir", rmdir(dir));
	return 0;
}

/* swaprace: a thread exchanging DIR/@a and DIR/@b (renameat2 RENAME_EXCHANGE). */
static volatile int swap_stop;
static char swap_a[600], swap_b[600];

static void *swapper(void *arg)
{
	(void)arg;
	while (!swap_stop)
		syscall(SYS_renameat2, AT_FDCWD, swap_a, AT_FDCWD, swap_b, 2 /* RENAME_EXCHANGE */);
	return NULL;
}

/* Run the swapper over DIR/@a and DIR/@b while @body runs. */
static int with_swapper(const char *a, const char *b, int (*body)(void))
{
	pthread_t t;
	snprintf(swap_a, sizeof(swap_a), "%s/%s", dir, a);
	snprintf(swap_b, sizeof(swap_b), "%s/%s", dir, b);
	swap_stop = 0;
	if (pthread_create(&t, NULL, swapper, NULL) != 0)
		return -1;
	int r = body();
	swap_stop = 1;
	pthread_join(t, NULL);
	return r;
}

/* A FIFO opened through /tmp/r/DIR/d/f while d turns into a link to "/tmp". */
static int race_fifo(void)
{
	char path[700];
	snprintf(path, sizeof(path), "/tmp/r%s/d/f", dir);
	int regular = 0;
	for (int i = 0; i < 20000 && !regular; i++) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		struct stat st;
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			regular = 1;
		if (fd >= 0)
			close(fd);
	}
	printf("fifo race: %s\n", regular ? "a regular file was opened" : "only the FIFO");
	return 0;
}

/* chmod of /tmp/r/DIR/s/sub/.. while sub turns into a link to the root. */
static int race_dotdot(void)
{
	char path[700];
	snprintf(path, sizeof(path), "/tmp/r%s/s/sub/..", dir);
	/* The real /tmp's mode, seen by the root's own name (the kernel's). */
	char up[700];
	const char *root = getenv("TMPJAIL_ROOT");
	snprintf(up, sizeof(up), "%s/..", root ? root : "/nonexistent");
	struct stat st;
	for (int i = 0; i < 20000; i++) {
		chmod(path, 0700);
		if (stat(up, &st) == 0 && (st.st_mode & 07777) == 0700) {
			puts("dotdot race: the real /tmp was made 0700");
			break;
		}
	}
	return 0;
}

static int swaprace(void)
{
	char p[700];
	const char *root = getenv("TMPJAIL_ROOT");
	symlink("/", "/tmp/r");
	snprintf(p, sizeof(p), "%s/d", dir);
	mkdir(p, 0777);
	snprintf(p, sizeof(p), "%s/d/f", dir);
	mkfifo(p, 0666);
	snprintf(p, sizeof(p), "%s/l", dir);
	symlink("/tmp", p); /* in the launcher: the real /tmp */
	with_swapper("d", "l", race_fifo);
	snprintf(p, sizeof(p), "%s/s", dir);
	mkdir(p, 0777);
	snprintf(p, sizeof(p), "%s/s/sub", dir);
	mkdir(p, 0777);
	snprintf(p, sizeof(p), "%s/s/l", dir);
	symlink(root ? root : "/nonexistent", p); /* its parent: the real /tmp */
	with_swapper("s/sub", "s/l", race_dotdot);
	puts("swaprace done");
	return 0;
}

/* bind of DIR/d/s, again and again, while d and a link to the real /tmp trade places. */
static int race_bind(void)
{
	char path[700];
	snprintf(path, sizeof(path), "%.600s/d/s", dir);
	for (int i = 0; i < 20000; i++) {
		struct sockaddr_un a = {.sun_family = AF_UNIX};
		snprintf(a.sun_path, sizeof(a.sun_path), "%.100s", path);
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (bind(s, (struct sockaddr *)&a, sizeof(a)) == 0)
			unlink(path); /* the private one: the trap walks it */
		close(s);
	}
	return 0;
}

/* swapper DIR: exchange DIR/d and DIR/l until killed (dynamic: under the shim, untrapped). */
static int swap_forever(void)
{
	/* By the root's own name: the raw call is the kernel's. */
	const char *root = getenv("TMPJAIL_ROOT");
	const char *rel = strncmp(dir, "/tmp/", 5) == 0 ? dir + 5 : dir;
	snprintf(swap_a, sizeof(swap_a), "%.200s/tmp/%.300s/d", root ? root : "", rel);
	snprintf(swap_b, sizeof(swap_b), "%.200s/tmp/%.300s/l", root ? root : "", rel);
	swapper(NULL);
	return 0;
}

/*
 * bindrace DIR: DIR (in /tmp) holds d, a directory, and l, a
 * link to "/tmp/r/tmp" with /tmp/r -> "/": stored mapped, the kernel
 * follows it from the root to "/" and into the real /tmp. This static
 * program binds DIR/d/s (trapped) while "trap_probe_dynamic swapper DIR",
 * started before it under the shim (untrapped: never waiting for the
 * supervisor), exchanges d and l. The
 * supervisor checks the pinned d against the text "$ROOT/tmp/DIR/d" and
 * then binds on that text: a swap in between binds in the real /tmp.
 */
static int bindrace(void)
{
	char p[700];
	symlink("/", "/tmp/r");
	mkdir(dir, 0777);
	snprintf(p, sizeof(p), "%.600s/d", dir);
	mkdir(p, 0777);
	snprintf(p, sizeof(p), "%.600s/l", dir);
	symlink("/tmp/r/tmp", p);
	race_bind();
	puts("bindrace done");
	return 0;
}

/*
 * Use up the kernel's budget of seccomp filter instructions (32768 for a
 * process's chain, each filter counting 4 more than its length) with
 * filters that allow everything, then exec @argv: no filter can be loaded
 * in it or its descendants any more (ENOMEM), as in a sandbox that stacked
 * its own filters first.
 */
static int exhaust(char **argv)
{
	static struct sock_filter allow[BPF_MAXINSNS];
	for (size_t i = 0; i < BPF_MAXINSNS; i++)
		allow[i] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		perror("trap_probe: no_new_privs");
		return 2;
	}
	for (unsigned short len = BPF_MAXINSNS; len > 0;) {
		struct sock_fprog prog = {.len = len, .filter = allow};
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0)
			continue;
		if (errno != ENOMEM) {
			perror("trap_probe: seccomp");
			return 2;
		}
		len /= 2;
	}
	execvp(argv[0], argv);
	perror(argv[0]);
	return 127;
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "exhaust") == 0)
		return exhaust(argv + 2);
	if (argc != 3) {
		fputs("usage: trap_probe families|hammer|badptr|raw|fifo|create PATH\n", stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(dir, sizeof(dir), "%s", argv[2]);
	int status = -1;
	if (strcmp(argv[1], "families") == 0)
		status = families();
	else if (strcmp(argv[1], "hammer") == 0)
		status = hammer();
	else if (strcmp(argv[1], "badptr") == 0)
		status = badptr();
	if (status >= 0) {
		/* Left behind on purpose: in the private /tmp it is reaped with the
		 * root; in the real one the suite finds it. */
		char kept[600];
		snprintf(kept, sizeof(kept), "%s.kept", dir);
		close(open(kept, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
		return status;
	}
	if (strcmp(argv[1], "raw") == 0)
		return say("raw openat",
			   syscall(SYS_openat, AT_FDCWD, dir, O_CREAT | O_WRONLY, 0600)) < 0;
	if (strcmp(argv[1], "fifo") == 0)
		return say("open fifo", open(dir, O_RDONLY)) < 0;
	if (strcmp(argv[1], "busyconnect") == 0)
		return busyconnect();
	if (strcmp(argv[1], "stealfds") == 0)
		return stealfds();
	if (strcmp(argv[1], "sockname") == 0)
		return sockname();
	if (strcmp(argv[1], "swaprace") == 0)
		return swaprace();
	if (strcmp(argv[1], "swapper") == 0)
		return swap_forever();
	if (strcmp(argv[1], "bindrace") == 0)
		return bindrace();
	if (strcmp(argv[1], "create") == 0)
		return say("create", open(dir, O_CREAT | O_WRONLY, 0600)) < 0;
	return 2;
}
