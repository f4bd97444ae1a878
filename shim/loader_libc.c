/* SPDX-License-Identifier: MIT */
/*
 * The few C library functions libtmpjail-loader.so calls, so that it needs
 * no libc: ld.so gives an audit module a link-map namespace of its own, and
 * a module that needs libc makes it load and relocate a second copy there,
 * in every process a run starts (+181k instructions and +57 page faults for
 * /bin/true, docs/shim.md). Raw system calls; one errno for the module (the
 * loader calls it under its load lock). Built only where the system call
 * convention below is known (x86_64, aarch64); elsewhere the module links
 * libc instead.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The prototypes come from libc's own headers, so each definition here is
 * checked against the function it stands in for. */

/* ld.so's: the initial stack (argc, argv..., NULL, envp..., NULL). */
extern void *__libc_stack_end;

static int module_errno;

int *__errno_location(void)
{
	return &module_errno;
}

static long raw_syscall(long n, long a, long b, long c, long d, long e, long f)
{
	long r;
#if defined(__x86_64__)
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;
	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	r = x0;
#else
#error "loader_libc.c knows no system call convention for this machine"
#endif
	return r;
}

long syscall(long n, ...)
{
	va_list ap;
	long arg[6];

	va_start(ap, n);
	for (int i = 0; i < 6; i++)
		arg[i] = va_arg(ap, long);
	va_end(ap);
	long r = raw_syscall(n, arg[0], arg[1], arg[2], arg[3], arg[4], arg[5]);
	if (r < 0 && r > -4096) {
		module_errno = (int)-r;
		return -1;
	}
	return r;
}

pid_t getpid(void)
{
	return (pid_t)syscall(SYS_getpid);
}

uid_t geteuid(void)
{
	return (uid_t)syscall(SYS_geteuid);
}

ssize_t readlink(const char *restrict path, char *restrict buf, size_t size)
{
	return syscall(SYS_readlinkat, -100 /* AT_FDCWD */, path, buf, size);
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/* Word at a time where both ends allow it: map_table_build() clears a
 * table of some 70 KiB at each start. */
#define WORD sizeof(unsigned long)
#define ALIGNED(p) (((unsigned long)(p) & (WORD - 1)) == 0)

void *memcpy(void *restrict dest, const void *restrict src, size_t n)
{
	unsigned char *d = dest;
	const unsigned char *s = src;

	if (ALIGNED(d) && ALIGNED(s))
		for (; n >= WORD; n -= WORD, d += WORD, s += WORD)
			*(unsigned long *)(void *)d = *(const unsigned long *)(const void *)s;
	while (n--)
		*d++ = *s++;
	return dest;
}

void *memmove(void *dest, const void *src, size_t n)
{
	unsigned char *d = dest;
	const unsigned char *s = src;

	if (d < s)
		return memcpy(dest, src, n);
	while (n--)
		d[n] = s[n];
	return dest;
}

void *memset(void *dest, int c, size_t n)
{
	unsigned char *d = dest;
	unsigned long word = (unsigned char)c * (~0UL / 0xff);

	for (; n && !ALIGNED(d); n--)
		*d++ = (unsigned char)c;
	for (; n >= WORD; n -= WORD, d += WORD)
		*(unsigned long *)(void *)d = word;
	while (n--)
		*d++ = (unsigned char)c;
	return dest;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *found = NULL;

	for (;; s++) {
		if (*s == (char)c)
			found = s;
		if (!*s)
			return (char *)found;
	}
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++)
		if (*a != *b || !*a)
			return (unsigned char)*a - (unsigned char)*b;
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}

char *strcpy(char *restrict dest, const char *restrict src)
{
	return memcpy(dest, src, strlen(src) + 1);
}

size_t strcspn(const char *s, const char *reject)
{
	size_t n = 0;

	while (s[n] && !strchr(reject, s[n]))
		n++;
	return n;
}

/* Decimal only: trust.c reads a pid with it. */
size_t strspn(const char *s, const char *accept)
{
	size_t n = 0;

	while (s[n] && strchr(accept, s[n]))
		n++;
	return n;
}

long strtol(const char *restrict s, char **restrict end, int base)
{
	long value = 0;
	int sign = 1;

	(void)base;
	if (*s == '-' || *s == '+')
		sign = *s++ == '-' ? -1 : 1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (value > (__LONG_MAX__ - (*s - '0')) / 10) {
			module_errno = ERANGE;
			value = __LONG_MAX__;
			continue;
		}
		value = value * 10 + (*s - '0');
	}
	if (end)
		*end = (char *)s;
	return sign * value;
}

/* The environment the process started with: the one ld.so read too. */
char *getenv(const char *name)
{
	long *stack = __libc_stack_end;
	char **envp = (char **)(stack + 1) + stack[0] + 1;
	size_t len = strlen(name);

	for (; *envp; envp++)
		if (strncmp(*envp, name, len) == 0 && (*envp)[len] == '=')
			return *envp + len + 1;
	return NULL;
}

void *memrchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	while (n--)
		if (p[n] == (unsigned char)c)
			return (void *)(p + n);
	return NULL;
}
