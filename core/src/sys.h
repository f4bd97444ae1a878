/* SPDX-License-Identifier: MIT */
/*
 * The core's only door to the file system.
 *
 * Every file-system call the core makes goes through these functions. Built
 * normally they are the libc functions, so a program that links libtmpjail
 * sees them through any preload library it runs under. Built with
 * TF_SYS_RAW (the archive linked into the shim) they are raw system calls:
 * the shim exports openat, unlinkat, ... itself, and core code inside it
 * must reach the kernel, never the shim's own wrappers.
 *
 * All of them return -1 (or NULL) and set errno on failure, as libc does;
 * built with TF_SYS_RAW they are async-signal-safe, memory included.
 */
#ifndef TMPJAIL_CORE_SYS_H
#define TMPJAIL_CORE_SYS_H

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* fchmodat2(2), Linux 6.6; the number is the same on every architecture. */
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

/* Entry of getdents64(2); glibc declares no type for it. */
struct sys_dirent64 {
	ino64_t d_ino;
	off64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

#ifdef TF_SYS_RAW

/*
 * Memory for the remover's stack and buffers. Inside the shim it comes
 * from mmap(2), never malloc(3): the shim removes its own root from
 * _exit(), which a signal handler may call while its thread holds malloc's
 * lock. Each block starts with its mapped size; sys_realloc(NULL, n)
 * allocates. Return: the block, or NULL with errno (ENOMEM).
 */
#define SYS_BLOCK_HEADER 16
static inline void *sys_realloc(void *old, size_t size)
{
	size_t mapped = size + SYS_BLOCK_HEADER;
	if (mapped < size) {
		errno = ENOMEM;
		return NULL;
	}
	long block = syscall(SYS_mmap, NULL, mapped, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (block == -1)
		return NULL;
	*(size_t *)block = mapped;
	void *fresh = (char *)block + SYS_BLOCK_HEADER;
	if (old) {
		size_t *old_block = (size_t *)((char *)old - SYS_BLOCK_HEADER);
		size_t old_size = *old_block - SYS_BLOCK_HEADER;
		memcpy(fresh, old, old_size < size ? old_size : size);
		syscall(SYS_munmap, old_block, *old_block);
	}
	return fresh;
}
static inline void sys_free(void *ptr)
{
	if (ptr) {
		size_t *block = (size_t *)((char *)ptr - SYS_BLOCK_HEADER);
		syscall(SYS_munmap, block, *block);
	}
}

static inline int sys_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	return (int)syscall(SYS_openat, dirfd, path, flags, mode);
}
static inline int sys_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}
static inline int sys_unlinkat(int dirfd, const char *path, int flags)
{
	return (int)syscall(SYS_unlinkat, dirfd, path, flags);
}
static inline int sys_mkdirat(int dirfd, const char *path, mode_t mode)
{
	return (int)syscall(SYS_mkdirat, dirfd, path, mode);
}
static inline int sys_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	return (int)syscall(SYS_newfstatat, dirfd, path, st, flags);
}
static inline int sys_fstat(int fd, struct stat *st)
{
	return (int)syscall(SYS_fstat, fd, st);
}
static inline int sys_fchmod(int fd, mode_t mode)
{
	return (int)syscall(SYS_fchmod, fd, mode);
}
static inline int sys_fchmodat(int dirfd, const char *path, mode_t mode)
{
	return (int)syscall(SYS_fchmodat, dirfd, path, mode);
}
static inline int sys_fchmodat2(int dirfd, const char *path, mode_t mode, int flags)
{
	return (int)syscall(SYS_fchmodat2, dirfd, path, mode, flags);
}
static inline int sys_statx(int dirfd, const char *path, int flags, unsigned mask,
			    struct statx *stx)
{
	return (int)syscall(SYS_statx, dirfd, path, flags, mask, stx);
}
static inline ssize_t sys_getdents64(int fd, void *buf, size_t size)
{
	return syscall(SYS_getdents64, fd, buf, size);
}
static inline ssize_t sys_getrandom(void *buf, size_t size, unsigned flags)
{
	return syscall(SYS_getrandom, buf, size, flags);
}
static inline char *sys_getcwd(char *buf, size_t size)
{
	return syscall(SYS_getcwd, buf, size) < 0 ? NULL : buf;
}

static inline ssize_t sys_read(int fd, void *buf, size_t size)
{
	return syscall(SYS_read, fd, buf, size);
}
static inline ssize_t sys_write(int fd, const void *buf, size_t size)
{
	return syscall(SYS_write, fd, buf, size);
}
static inline off_t sys_lseek(int fd, off_t offset, int whence)
{
	return (off_t)syscall(SYS_lseek, fd, offset, whence);
}
static inline int sys_ftruncate(int fd, off_t size)
{
	return (int)syscall(SYS_ftruncate, fd, size);
}

#else /* libc */

static inline int sys_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	return openat(dirfd, path, flags, mode);
}
static inline int sys_close(int fd)
{
	return close(fd);
}
static inline int sys_unlinkat(int dirfd, const char *path, int flags)
{
	return unlinkat(dirfd, path, flags);
}
static inline int sys_mkdirat(int dirfd, const char *path, mode_t mode)
{
	return mkdirat(dirfd, path, mode);
}
static inline int sys_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	return fstatat(dirfd, path, st, flags);
}
static inline int sys_fstat(int fd, struct stat *st)
{
	return fstat(fd, st);
}
static inline int sys_fchmod(int fd, mode_t mode)
{
	return fchmod(fd, mode);
}
static inline int sys_fchmodat(int dirfd, const char *path, mode_t mode)
{
	return fchmodat(dirfd, path, mode, 0);
}
/* No libc wrapper yet (glibc 2.39 adds one): the system call itself. */
static inline int sys_fchmodat2(int dirfd, const char *path, mode_t mode, int flags)
{
	return (int)syscall(SYS_fchmodat2, dirfd, path, mode, flags);
}
static inline int sys_statx(int dirfd, const char *path, int flags, unsigned mask,
			    struct statx *stx)
{
	return statx(dirfd, path, flags, mask, stx);
}
static inline ssize_t sys_getdents64(int fd, void *buf, size_t size)
{
	return getdents64(fd, buf, size);
}
static inline ssize_t sys_getrandom(void *buf, size_t size, unsigned flags)
{
	return getrandom(buf, size, flags);
}
static inline char *sys_getcwd(char *buf, size_t size)
{
	return getcwd(buf, size);
}

static inline ssize_t sys_read(int fd, void *buf, size_t size)
{
	return read(fd, buf, size);
}
static inline ssize_t sys_write(int fd, const void *buf, size_t size)
{
	return write(fd, buf, size);
}
static inline off_t sys_lseek(int fd, off_t offset, int whence)
{
	return lseek(fd, offset, whence);
}
static inline int sys_ftruncate(int fd, off_t size)
{
	return ftruncate(fd, size);
}

/* The remover's memory: malloc(3), so preloads and sanitizers see it. */
static inline void *sys_realloc(void *old, size_t size)
{
	return realloc(old, size);
}
static inline void sys_free(void *ptr)
{
	free(ptr);
}

#endif /* TF_SYS_RAW */

#endif /* TMPJAIL_CORE_SYS_H */
