/* SPDX-License-Identifier: MIT */
/*
 * What the sandbox tests ask the kernel, each as one function returning 0
 * or the errno. Raw system calls where glibc would hide the call the
 * filter sees (clone3, i386 and x32 entry points, io_uring).
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe_ops.h"

static int result(long r)
{
	return r < 0 ? errno : 0;
}

static int do_ptrace(void)
{
	pid_t child = fork();
	if (child < 0)
		return errno;
	if (child == 0) {
		pause();
		_exit(0);
	}
	int r = result(ptrace(PTRACE_ATTACH, child, NULL, NULL));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return r;
}

static int do_process_vm_readv(void)
{
	char from[8] = "secret", to[8] = "";
	struct iovec local = {to, sizeof(to)}, remote = {from, sizeof(from)};
	return result(process_vm_readv(getpid(), &local, 1, &remote, 1, 0));
}

static int close_result(long fd)
{
	int r = result(fd);
	if (fd >= 0)
		close((int)fd);
	return r;
}

static int do_bpf(void)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	return close_result(syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr)));
}

static int do_perf_event_open(void)
{
	struct perf_event_attr attr = {.type = PERF_TYPE_SOFTWARE,
				       .size = sizeof(attr),
				       .config = PERF_COUNT_SW_TASK_CLOCK,
				       .disabled = 1,
				       .exclude_kernel = 1,
				       .exclude_hv = 1};
	return close_result(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
}

static int do_userfaultfd(void)
{
	return close_result(syscall(SYS_userfaultfd, O_CLOEXEC | 1 /* UFFD_USER_MODE_ONLY */));
}

/* A mount point that does not exist: the kernel answers ENOENT before it
 * checks privileges, so without a filter nothing is ever mounted. */
static int do_mount(void)
{
	return result(mount("none", "/nonexistent-tmpjail-probe", "tmpfs", 0, NULL));
}

/* Raw clone: the child leaves at once; 0 when the kernel made it. */
static int do_clone(unsigned long flags)
{
	long pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return errno;
	waitpid((pid_t)pid, NULL, 0);
	return 0;
}

/* Join the namespace the process is already in: harmless, but a filter
 * cannot tell it from joining another one. */
static int do_setns(void)
{
	int fd = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	int r = result(setns(fd, CLONE_NEWUTS));
	close(fd);
	return r;
}

static int do_clone3(void)
{
	uint64_t args[8] = {0}; /* struct clone_args, version 0 */
	args[4] = SIGCHLD;	/* exit_signal */
	long pid = syscall(SYS_clone3, args, sizeof(args));
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return errno;
	waitpid((pid_t)pid, NULL, 0);
	return 0;
}

static int do_keyctl(void)
{
	/* KEYCTL_GET_KEYRING_ID of the session keyring, without creating it */
	long r = syscall(SYS_keyctl, 0, -3, 0);
	return r < 0 ? errno : 0;
}

static int do_io_uring_setup(void)
{
	struct io_uring_params params;
	memset(&params, 0, sizeof(params));
	return close_result(syscall(SYS_io_uring_setup, 4, &params));
}

/* TIOCSTI on a fresh pty; @high adds bits the kernel drops (it reads the
 * request as 32 bits), which a filter comparing 64 bits would miss. */
static int do_tiocsti(int high)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return errno;
	int r = grantpt(master) < 0 || unlockpt(master) < 0 ? errno : 0;
	int slave = r ? -1 : open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (r == 0 && slave < 0)
		r = errno;
	if (r == 0) {
		char c = 'x';
		unsigned long request = TIOCSTI | (high ? 1UL << 32 : 0);
		r = result(syscall(SYS_ioctl, slave, request, &c));
	}
	if (slave >= 0)
		close(slave);
	close(master);
	return r;
}

static void *thread_main(void *arg)
{
	return arg;
}

static int do_thread(void)
{
	pthread_t thread;
	int r = pthread_create(&thread, NULL, thread_main, NULL);
	if (r == 0)
		pthread_join(thread, NULL);
	return r;
}

static int do_fork_exec(void)
{
	pid_t child = fork();
	if (child < 0)
		return errno;
	if (child == 0) {
		execl("/bin/sh", "sh", "-c", "exit 0", (char *)NULL);
		_exit(127);
	}
	int status;
	if (waitpid(child, &status, 0) < 0)
		return errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : ECHILD;
}

static int family(const char *name)
{
	static const struct {
		const char *name;
		int family;
	} families[] = {
	    {"unix", AF_UNIX}, {"inet", AF_INET}, {"inet6", AF_INET6}, {"netlink", AF_NETLINK}};
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (strcmp(families[i].name, name) == 0)
			return families[i].family;
	return -1;
}

static int do_socket(const char *name, int pair)
{
	int f = family(name), fds[2];
	if (f < 0)
		return -1;
	int type = f == AF_NETLINK ? SOCK_RAW : SOCK_STREAM;
	if (!pair)
		return close_result(socket(f, type | SOCK_CLOEXEC, 0));
	if (socketpair(f, type | SOCK_CLOEXEC, 0, fds) < 0)
		return errno;
	close(fds[0]);
	close(fds[1]);
	return 0;
}

static int do_i386_getpid(void)
{
#ifdef __x86_64__
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
	return r < 0 ? (int)-r : 0;
#else
	return ENOSYS;
#endif
}

static int do_x32_getpid(void)
{
	return result(syscall(0x40000000L | SYS_getpid));
}

static int do_write(const char *path, int flags)
{
	int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	int r = write(fd, "x", 1) < 0 ? errno : 0;
	close(fd);
	return r;
}

static int do_read(const char *path)
{
	char c;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno;
	int r = read(fd, &c, 1) < 0 ? errno : 0;
	close(fd);
	return r;
}

/* openat(O_CREAT) submitted through io_uring, which the shim never sees. */
static int do_io_uring_create(const char *path)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	int ring = (int)syscall(SYS_io_uring_setup, 1, &p);
	if (ring < 0)
		return errno;
	size_t sq_size = p.sq_off.array + p.sq_entries * sizeof(uint32_t);
	size_t cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP)
		sq_size = cq_size = sq_size > cq_size ? sq_size : cq_size;
	char *sq =
	    mmap(NULL, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED, ring, IORING_OFF_SQ_RING);
	char *cq =
	    p.features & IORING_FEAT_SINGLE_MMAP
		? sq
		: mmap(NULL, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED, ring, IORING_OFF_CQ_RING);
	struct io_uring_sqe *sqes = mmap(NULL, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE,
					 MAP_SHARED, ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) {
		close(ring);
		return ENOMEM;
	}
	memset(&sqes[0], 0, sizeof(sqes[0]));
	sqes[0].opcode = IORING_OP_OPENAT;
	sqes[0].fd = AT_FDCWD;
	sqes[0].addr = (uint64_t)(uintptr_t)path;
	sqes[0].len = 0600;
	sqes[0].open_flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	uint32_t *tail = (uint32_t *)(sq + p.sq_off.tail);
	uint32_t *array = (uint32_t *)(sq + p.sq_off.array);
	array[*tail & *(uint32_t *)(sq + p.sq_off.ring_mask)] = 0;
	__atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
	int r;
	if (syscall(SYS_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0) {
		r = errno;
	} else {
		uint32_t head = __atomic_load_n((uint32_t *)(cq + p.cq_off.head), __ATOMIC_ACQUIRE);
		uint32_t mask = *(uint32_t *)(cq + p.cq_off.ring_mask);
		struct io_uring_cqe *cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
		int res = cqes[head & mask].res;
		if (res >= 0)
			close(res);
		r = res < 0 ? -res : 0;
	}
	close(ring);
	return r;
}

const char *probe_errno_name(int error)
{
	static char buf[16];
	if (error == 0)
		return "ok";
	const char *name = strerrorname_np(error);
	if (name)
		return name;
	snprintf(buf, sizeof(buf), "%d", error);
	return buf;
}

int probe_run(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(void);
	} simple[] = {
	    {"ptrace", do_ptrace},
	    {"process_vm_readv", do_process_vm_readv},
	    {"bpf", do_bpf},
	    {"perf_event_open", do_perf_event_open},
	    {"userfaultfd", do_userfaultfd},
	    {"mount", do_mount},
	    {"clone3", do_clone3},
	    {"keyctl", do_keyctl},
	    {"io_uring_setup", do_io_uring_setup},
	    {"thread", do_thread},
	    {"fork-exec", do_fork_exec},
	    {"i386-getpid", do_i386_getpid},
	    {"x32-getpid", do_x32_getpid},
	};
	if (argc < 1)
		return -1;
	const char *op = argv[0], *path = argc > 1 ? argv[1] : NULL;
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if (strcmp(op, simple[i].name) == 0)
			return simple[i].run();
	if (strcmp(op, "unshare-user") == 0)
		return result(unshare(CLONE_NEWUSER));
	if (strcmp(op, "setns") == 0)
		return do_setns();
	if (strcmp(op, "unshare-fs") == 0)
		return result(unshare(CLONE_FS));
	if (strcmp(op, "clone-newns") == 0)
		return do_clone(CLONE_NEWNS);
	if (strcmp(op, "tiocsti") == 0 || strcmp(op, "tiocsti-high") == 0)
		return do_tiocsti(op[7] == '-');
	if (!path)
		return -1;
	if (strcmp(op, "socket") == 0 || strcmp(op, "socketpair") == 0)
		return do_socket(path, op[6] == 'p');
	if (strcmp(op, "create") == 0)
		return do_write(path, O_WRONLY | O_CREAT | O_EXCL);
	if (strcmp(op, "write") == 0)
		return do_write(path, O_WRONLY);
	if (strcmp(op, "read") == 0)
		return do_read(path);
	if (strcmp(op, "mkdir") == 0)
		return result(mkdir(path, 0700));
	if (strcmp(op, "symlink") == 0)
		return result(symlink("target", path));
	if (strcmp(op, "truncate") == 0)
		return result(truncate(path, 0));
	if (strcmp(op, "unlink") == 0)
		return result(unlink(path));
	if (strcmp(op, "io_uring-create") == 0)
		return do_io_uring_create(path);
	if (strcmp(op, "mkfifo") == 0)
		return result(mkfifo(path, 0600));
	if (strcmp(op, "rename") == 0 && argc > 2)
		return result(rename(path, argv[2]));
	if (strcmp(op, "link") == 0 && argc > 2)
		return result(link(path, argv[2]));
	return -1;
}
