/* SPDX-License-Identifier: MIT */
/*
 * The program check_shim_basic.c runs under the shim: one operation per run,
 * named on the command line, calling libc by the plain names a binary
 * imports. Prints what it saw; on failure prints "errno=N" and exits 1.
 * Never instrumented: a preloaded library cannot come after ASan.
 */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int fail(const char *what)
{
	printf("%s: errno=%d\n", what, errno);
	return 1;
}

static int op_write(char **arg)
{
	int fd = open(arg[0], O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return fail("open");
	if (write(fd, arg[1], strlen(arg[1])) < 0)
		return fail("write");
	close(fd);
	return 0;
}

static int op_read(char **arg)
{
	char buf[256];
	FILE *f = fopen(arg[0], "r");
	if (!f)
		return fail("fopen");
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	printf("%s", buf);
	return 0;
}

/* mkdir DIR, rename FILE into it, stat, unlink, rmdir: one after another. */
static int op_namespace(char **arg)
{
	char moved[4096];
	struct stat st;
	snprintf(moved, sizeof(moved), "%s/moved", arg[1]);
	if (mkdir(arg[1], 0700) != 0)
		return fail("mkdir");
	if (rename(arg[0], moved) != 0)
		return fail("rename");
	if (stat(moved, &st) != 0 || !S_ISREG(st.st_mode))
		return fail("stat");
	if (access(arg[0], F_OK) == 0 || errno != ENOENT)
		return fail("access");
	printf("size=%lld\n", (long long)st.st_size);
	if (arg[2] && strcmp(arg[2], "keep") == 0)
		return 0;
	if (unlink(moved) != 0)
		return fail("unlink");
	if (rmdir(arg[1]) != 0)
		return fail("rmdir");
	return 0;
}

static int op_list(char **arg)
{
	DIR *dir = opendir(arg[0]);
	struct dirent *entry;
	if (!dir)
		return fail("opendir");
	while ((entry = readdir(dir)))
		if (entry->d_name[0] != '.')
			printf("%s\n", entry->d_name);
	closedir(dir);
	return 0;
}

static int op_glob(char **arg)
{
	glob_t found;
	int r = glob(arg[0], 0, NULL, &found);
	if (r != 0) {
		printf("glob=%d\n", r);
		return 0;
	}
	for (size_t i = 0; i < found.gl_pathc; i++)
		printf("%s\n", found.gl_pathv[i]);
	globfree(&found);
	return 0;
}

/* Watch DIR, create DIR/NAME, print the name inotify reports. */
static int op_watch(char **arg)
{
	char path[4096];
	union {
		struct inotify_event event;
		char bytes[sizeof(struct inotify_event) + 256];
	} buf;
	int fd = inotify_init1(IN_CLOEXEC);
	if (fd < 0 || inotify_add_watch(fd, arg[0], IN_CREATE) < 0)
		return fail("inotify_add_watch");
	snprintf(path, sizeof(path), "%s/%s", arg[0], arg[1]);
	int file = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (file < 0)
		return fail("open");
	close(file);
	if (read(fd, &buf, sizeof(buf)) <= 0)
		return fail("read");
	printf("%s\n", buf.event.len ? buf.event.name : "");
	return 0;
}

/* scandir and scandirat64 list the same private directory. */
static int op_scan(char **arg)
{
	struct dirent **list;
	struct dirent64 **list64;
	int n = scandir(arg[0], &list, NULL, alphasort);
	int n64 = scandirat64(AT_FDCWD, arg[0], &list64, NULL, alphasort64);
	if (n < 0 || n64 != n)
		return fail("scandir");
	for (int i = 0; i < n; i++) {
		if (list[i]->d_name[0] != '.')
			printf("%s %s\n", list[i]->d_name, list64[i]->d_name);
		free(list[i]);
		free(list64[i]);
	}
	free(list);
	free(list64);
	return 0;
}

static int op_mkstemp(char **arg)
{
	char template[4096];
	snprintf(template, sizeof(template), "%s", arg[0]);
	int fd = mkstemp(template);
	if (fd < 0)
		return fail("mkstemp");
	struct stat st;
	if (fstat(fd, &st) != 0 || (st.st_mode & 0777) != 0600)
		return fail("mode");
	printf("%s\n", template);
	close(fd);
	/* The name in the template is the one every other call finds. */
	if (stat(template, &st) != 0)
		return fail("stat");
	return 0;
}

static int op_tmpfile(char **arg)
{
	(void)arg;
	char link[64], target[4096] = "";
	FILE *f = tmpfile();
	if (!f)
		return fail("tmpfile");
	fputs("anonymous", f);
	rewind(f);
	char buf[32] = "";
	if (!fgets(buf, sizeof(buf), f) || strcmp(buf, "anonymous") != 0)
		return fail("read back");
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fileno(f));
	if (syscall(SYS_readlinkat, AT_FDCWD, link, target, sizeof(target) - 1) < 0)
		return fail("readlink");
	printf("%s\n", target);
	fclose(f);
	return 0;
}

/* execve(prog, {prog, args...}, {ENV entries given up to "--"}). */
static int op_exec_env(char **arg)
{
	char *envp[64];
	int n = 0;
	while (*arg && strcmp(*arg, "--") != 0 && n < 63)
		envp[n++] = *arg++;
	envp[n] = NULL;
	if (!*arg || !arg[1])
		return fail("usage");
	arg++;
	execve(arg[0], arg, envp);
	return fail("execve");
}

static int op_execvp(char **arg)
{
	execvp(arg[0], arg);
	return fail("execvp");
}

static int op_clearenv_system(char **arg)
{
	clearenv();
	int status = system(arg[0]);
	if (status != 0)
		return fail("system");
	return 0;
}

static int op_open_errno(char **arg)
{
	int fd = open(arg[0], O_RDONLY);
	if (fd >= 0) {
		printf("opened\n");
		return 0;
	}
	printf("errno=%d\n", errno);
	return 0;
}

/* A successful redirected call leaves errno as it found it. */
static int op_errno_kept(char **arg)
{
	struct stat st;
	errno = 4242;
	if (stat(arg[0], &st) != 0)
		return fail("stat");
	printf("errno=%d\n", errno);
	return 0;
}

static int op_bind(char **arg)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || strlen(arg[0]) >= sizeof(addr.sun_path))
		return fail("socket");
	strcpy(addr.sun_path, arg[0]);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		printf("bind errno=%d\n", errno);
		return 0;
	}
	if (listen(fd, 1) != 0)
		return fail("listen");
	int client = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(client, (struct sockaddr *)&addr, sizeof(addr)) != 0)
		return fail("connect");
	printf("connected\n");
	return 0;
}

static int op_symlink(char **arg)
{
	char target[4096];
	if (symlink(arg[0], arg[1]) != 0)
		return fail("symlink");
	/* What the program reads back (the stored target is checked from
	 * outside the run). */
	ssize_t n = readlink(arg[1], target, sizeof(target) - 1);
	if (n < 0)
		return fail("readlink");
	target[n] = '\0';
	printf("%s\n", target);
	return 0;
}

/*
 * A vfork child opens PATH (undefined by POSIX, done by real programs):
 * without a root yet, the shim must not make one there, where it would
 * malloc and setenv in the parent's memory. Prints the child's errno and
 * whether the parent's environment gained TMPJAIL_ROOT.
 */
static int op_vfork_open(char **arg)
{
	static volatile int child_errno;
	pid_t pid = vfork();
	if (pid == 0) {
		int fd = open(arg[0], O_WRONLY | O_CREAT, 0600);
		child_errno = fd < 0 ? errno : 0;
		_exit(0);
	}
	if (pid < 0)
		return fail("vfork");
	waitpid(pid, NULL, 0);
	printf("child errno=%d root=%s\n", child_errno, getenv("TMPJAIL_ROOT") ? "set" : "unset");
	return 0;
}

static int op_env(char **arg)
{
	const char *value = getenv(arg[0]);
	printf("%s\n", value ? value : "(unset)");
	return 0;
}

struct thread_arg {
	const char *base;
	int failures;
};

static void *worker(void *data)
{
	struct thread_arg *t = data;
	char template[4096];
	for (int i = 0; i < 200; i++) {
		snprintf(template, sizeof(template), "%s/t.XXXXXX", t->base);
		int fd = mkstemp(template);
		FILE *f = fd >= 0 ? fopen(template, "w") : NULL;
		FILE *anon = tmpfile();
		if (fd < 0 || !f || !anon || unlink(template) != 0)
			t->failures++;
		if (fd >= 0)
			close(fd);
		if (f)
			fclose(f);
		if (anon)
			fclose(anon);
	}
	return NULL;
}

static int op_threads(char **arg)
{
	pthread_t threads[16];
	struct thread_arg args[16];
	int failures = 0;
	for (int i = 0; i < 16; i++) {
		args[i] = (struct thread_arg){arg[0], 0};
		pthread_create(&threads[i], NULL, worker, &args[i]);
	}
	for (int i = 0; i < 16; i++) {
		pthread_join(threads[i], NULL);
		failures += args[i].failures;
	}
	printf("failures=%d\n", failures);
	return failures != 0;
}

static const struct {
	const char *name;
	int (*fn)(char **arg);
	int args;
} ops[] = {
    {"write", op_write, 2},
    {"read", op_read, 1},
    {"namespace", op_namespace, 2},
    {"list", op_list, 1},
    {"glob", op_glob, 1},
    {"watch", op_watch, 2},
    {"scan", op_scan, 1},
    {"mkstemp", op_mkstemp, 1},
    {"tmpfile", op_tmpfile, 0},
    {"exec-env", op_exec_env, 2},
    {"execvp", op_execvp, 1},
    {"clearenv-system", op_clearenv_system, 1},
    {"open-errno", op_open_errno, 1},
    {"errno-kept", op_errno_kept, 1},
    {"bind", op_bind, 1},
    {"symlink", op_symlink, 2},
    {"env", op_env, 1},
    {"vfork-open", op_vfork_open, 1},
    {"threads", op_threads, 1},
};

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	for (size_t i = 0; argc > 1 && i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(argv[1], ops[i].name) == 0 && argc - 2 >= ops[i].args)
			return ops[i].fn(argv + 2);
	fprintf(stderr, "usage: %s OP ARGS...\n", argv[0]);
	return 2;
}
