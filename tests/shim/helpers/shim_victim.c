/* SPDX-License-Identifier: MIT */
/*
 * A program run under the shim alone (no launcher) by the adversarial
 * suite, doing what a hostile or careless program does to the shim's own
 * root:
 *
 *   shim_victim alarm N         a SIGALRM handler (setitimer) writes
 *                               /tmp/x-<n> while the first /tmp access of
 *                               the main thread makes the root
 *   shim_victim close HOW MS    write /tmp/f, close every descriptor above
 *                               2 (HOW: loop, closefrom, close_range, dup2),
 *                               sleep MS ms, print /tmp/f
 *   shim_victim vfork MS        write /tmp/f, vfork+exec "sleep; cat /tmp/f"
 *                               in a child and exit without waiting
 *   shim_victim malloc N        the same handler, while the main thread
 *                               only allocates: the root is made by a
 *                               handler that interrupted malloc
 *   shim_victim exit N          the same, but the handler that made the
 *                               root calls _exit() (the shim then removes
 *                               the root) while malloc may hold its lock
 *   shim_victim threads N       4 threads (one forking) make the root at
 *                               once while SIGALRM handlers write
 *                               /tmp/x-<n> in any of them; all must see
 *                               one root
 *
 * Exit status: 0, or 1 with a line on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;
/* Handlers that have returned: one may still run in another thread when
 * the main thread has counted enough alarms. */
static volatile sig_atomic_t finished;

/* Async-signal-safe: open(2) through the shim, a name made by hand. */
static void on_alarm(int sig)
{
	char name[32] = "/tmp/x-";
	int n = alarms++, at = 7;
	int saved = errno;

	(void)sig;
	if (n >= 100)
		n = 99;
	if (n >= 10)
		name[at++] = (char)('0' + n / 10);
	name[at++] = (char)('0' + n % 10);
	name[at] = '\0';
	int fd = open(name, O_WRONLY | O_CREAT, 0600);
	if (fd >= 0)
		close(fd);
	errno = saved;
	finished++;
}

static int do_alarm(long seed)
{
	struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
	/* First tick somewhere in the first 80 µs, then every 20 µs until the
	 * main thread's first /tmp access (which makes the root) is done. */
	struct itimerval timer = {.it_interval = {0, 20}, .it_value = {0, 1 + seed % 80}};
	struct itimerval off = {{0, 0}, {0, 0}};

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0 || setitimer(ITIMER_REAL, &timer, NULL) < 0) {
		perror("setitimer");
		return 1;
	}
	int fd = open("/tmp/main", O_WRONLY | O_CREAT, 0600);
	if (fd < 0) {
		perror("open /tmp/main");
		return 1;
	}
	close(fd);
	setitimer(ITIMER_REAL, &off, NULL);
	return 0;
}

static int write_f(void)
{
	FILE *f = fopen("/tmp/f", "w");

	if (!f || fputs("x\n", f) < 0 || fclose(f) != 0) {
		perror("write /tmp/f");
		return -1;
	}
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int cat_f(void)
{
	char buf[64];
	int fd = open("/tmp/f", O_RDONLY);

	if (fd < 0) {
		fprintf(stderr, "open /tmp/f: %s\n", strerror(errno));
		return 1;
	}
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n > 0 && write(1, buf, (size_t)n) != n)
		return 1;
	return 0;
}

static int do_close(const char *how, long ms)
{
	if (write_f() < 0)
		return 1;
	if (strcmp(how, "loop") == 0) {
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	} else if (strcmp(how, "closefrom") == 0) {
		closefrom(3);
	} else if (strcmp(how, "close_range") == 0) {
		if (close_range(3, ~0U, 0) < 0)
			perror("close_range");
	} else if (strcmp(how, "dup2") == 0) {
		for (int fd = 3; fd < 1024; fd++)
			dup2(2, fd);
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	} else {
		fprintf(stderr, "unknown close mode %s\n", how);
		return 1;
	}
	sleep_ms(ms);
	return cat_f();
}

static int do_vfork(long ms)
{
	char script[64];

	if (write_f() < 0)
		return 1;
	snprintf(script, sizeof(script), "sleep %ld.%03ld; cat /tmp/f", ms / 1000, ms % 1000);
	pid_t pid = vfork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	return pid < 0 ? 1 : 0;
}

/* One malloc and free the compiler cannot elide (it drops free(malloc(n))). */
static void allocate(long i)
{
	void *volatile block = malloc((size_t)(2048 + i % 8192));

	free(block);
}

static void *sleeper(void *arg)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* the main thread gets the ticks */
	pause();
	return arg;
}

static int do_malloc(long seed)
{
	struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
	struct itimerval timer = {.it_interval = {0, 50}, .it_value = {0, 1 + seed % 80}};
	struct itimerval off = {{0, 0}, {0, 0}};

	pthread_t idle;

	/* A second thread makes malloc take its arena lock; sizes past the
	 * thread cache make it take it on every call. */
	sigemptyset(&sa.sa_mask);
	if (pthread_create(&idle, NULL, sleeper, NULL) != 0 || sigaction(SIGALRM, &sa, NULL) < 0 ||
	    setitimer(ITIMER_REAL, &timer, NULL) < 0)
		return 1;
	for (long i = 0; alarms < 3 && i < 50000000; i++)
		allocate(i);
	setitimer(ITIMER_REAL, &off, NULL);
	/* The first handler may have run in the idle thread: let it finish. */
	for (int i = 0; finished < alarms && i < 5000; i++)
		usleep(1000);
	return access("/tmp/x-0", F_OK) == 0 ? 0 : 1;
}

/* Make the root from a handler, then _exit() from one: the shim removes
 * its root there, which must not need malloc's lock. */
static void on_alarm_exit(int sig)
{
	int fd = open("/tmp/e", O_WRONLY | O_CREAT, 0600);

	(void)sig;
	if (fd >= 0)
		close(fd);
	if (fd < 0 || ++alarms >= 3)
		_exit(fd < 0 ? 1 : 0);
}

static int do_exit(long seed)
{
	struct sigaction sa = {.sa_handler = on_alarm_exit, .sa_flags = SA_RESTART};
	struct itimerval timer = {.it_interval = {0, 50}, .it_value = {0, 1 + seed % 80}};
	pthread_t idle;

	sigset_t alarm_only;

	/* Handlers in the main thread only: one thread's _exit() racing
	 * another's write into the root would leave the root to --gc. */
	sigemptyset(&alarm_only);
	sigaddset(&alarm_only, SIGALRM);
	sigemptyset(&sa.sa_mask);
	pthread_sigmask(SIG_BLOCK, &alarm_only, NULL);
	if (pthread_create(&idle, NULL, sleeper, NULL) != 0)
		return 1;
	pthread_sigmask(SIG_UNBLOCK, &alarm_only, NULL);
	if (sigaction(SIGALRM, &sa, NULL) < 0 || setitimer(ITIMER_REAL, &timer, NULL) < 0)
		return 1;
	for (long i = 0; i < 500000000; i++)
		allocate(i);
	return 2; /* the handler never ran */
}

static pthread_barrier_t barrier;

/* Thread @arg: create /tmp/t-<arg> the moment all are ready; thread 0 forks
 * first and its child creates /tmp/c. */
static void *racer(void *arg)
{
	char name[32];
	long i = (long)arg;

	snprintf(name, sizeof(name), "/tmp/t-%ld", i);
	pthread_barrier_wait(&barrier);
	if (i == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			int fd = open("/tmp/c", O_WRONLY | O_CREAT, 0600);
			_exit(fd < 0 ? 1 : 0);
		}
		int status;
		if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0)
			return (void *)1;
	}
	int fd = open(name, O_WRONLY | O_CREAT, 0600);
	if (fd < 0)
		return (void *)1;
	close(fd);
	return NULL;
}

static int do_threads(long seed)
{
	struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
	struct itimerval timer = {.it_interval = {0, 20}, .it_value = {0, 1 + seed % 80}};
	struct itimerval off = {{0, 0}, {0, 0}};
	pthread_t threads[4];
	int failed = 0;

	sigemptyset(&sa.sa_mask);
	pthread_barrier_init(&barrier, NULL, 4);
	if (sigaction(SIGALRM, &sa, NULL) < 0 || setitimer(ITIMER_REAL, &timer, NULL) < 0)
		return 1;
	for (long i = 0; i < 4; i++)
		pthread_create(&threads[i], NULL, racer, (void *)i);
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(threads[i], &r);
		failed |= r != NULL;
	}
	setitimer(ITIMER_REAL, &off, NULL);
	/* One root for all: every file is seen through the shim. */
	static const char *const names[] = {"/tmp/t-0", "/tmp/t-1", "/tmp/t-2", "/tmp/t-3",
					    "/tmp/c"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (access(names[i], F_OK) != 0) {
			fprintf(stderr, "%s not seen: %s\n", names[i], strerror(errno));
			failed = 1;
		}
	return failed;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "alarm") == 0)
		return do_alarm(atol(argv[2]));
	if (argc == 4 && strcmp(argv[1], "close") == 0)
		return do_close(argv[2], atol(argv[3]));
	if (argc == 3 && strcmp(argv[1], "vfork") == 0)
		return do_vfork(atol(argv[2]));
	if (argc == 3 && strcmp(argv[1], "malloc") == 0)
		return do_malloc(atol(argv[2]));
	if (argc == 3 && strcmp(argv[1], "exit") == 0)
		return do_exit(atol(argv[2]));
	if (argc == 3 && strcmp(argv[1], "threads") == 0)
		return do_threads(atol(argv[2]));
	fprintf(stderr, "usage: shim_victim alarm N | close HOW MS | vfork MS | malloc N | exit N "
			"| threads N\n");
	return 2;
}
