/* SPDX-License-Identifier: MIT */
/*
 * The kernel's names for paths. A launcher may itself run inside a run
 * (nested tmpjail): the outer shim then shows it "/tmp/..." for what really
 * is "$OUTER_ROOT/tmp/..." (realpath, getcwd, readlink), which is right for
 * a program but not for the environment contract, whose readers (the inner
 * shim, its raw system calls, the seal) need where things really are.
 */
#ifndef TMPJAIL_LAUNCHER_REALNAME_H
#define TMPJAIL_LAUNCHER_REALNAME_H

/**
 * realname_of() - realpath(3) as the kernel names it: @path opened (O_PATH,
 * following links, through any shim), then its /proc/self/fd link read with
 * a raw system call. Falls back to realpath(3) without /proc.
 * Return: a malloc'd canonical path, or NULL with errno.
 */
char *realname_of(const char *path);

/**
 * realname_cwd() - getcwd(3) as the kernel names it, into @buf (@size bytes).
 * Return: @buf, or NULL with errno.
 */
char *realname_cwd(char *buf, size_t size);

/**
 * realname_exe() - the running program's path (/proc/self/exe) as the
 * kernel names it, into @buf (@size bytes).
 * Return: its length, or -1 with errno.
 */
long realname_exe(char *buf, size_t size);

#endif /* TMPJAIL_LAUNCHER_REALNAME_H */
