/* SPDX-License-Identifier: MIT */
/*
 * The trap (docs/trap.md): a seccomp user-notification filter for the
 * path-taking system calls, installed in the command child just before
 * exec, and a supervisor in the launcher that answers each notification
 * as if the path had been mapped by the shim's own mapper.
 */
#ifndef TMPJAIL_LAUNCHER_TRAP_H
#define TMPJAIL_LAUNCHER_TRAP_H

#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>

/* --trap: who is trapped. Zero is the default. */
enum trap_mode { TRAP_AUTO, TRAP_OFF, TRAP_ALL };

/*
 * trap_classify() - does the program execvp() would run for @name need
 * the trap under --trap auto? Yes for a static ELF (no PT_INTERP), a Go
 * program (its "Go" build-id note or a .go.buildinfo section), and a
 * set-id program whose privilege is not root's: set-group-ID to a group
 * other than root. Set-user-ID programs, set-group-ID root ones and those
 * with file capabilities keep their privilege and are not trapped (the
 * trap needs no_new_privs); neither is a program that cannot be read.
 * A "#!" script is judged by its interpreter.
 * @name: argv[0] of the command, looked up in PATH as execvp() does.
 * @why: receives a static string saying why (for --verbose).
 * Return: true when it needs the trap.
 */
bool trap_classify(const char *name, const char **why);

/*
 * trap_filter_build() - the trap's filter: SCMP_ACT_NOTIFY for the
 * path-taking calls of the native architecture, ENOSYS for io_uring_setup,
 * everything else allowed.
 * Return: the filter, or NULL (errno set).
 */
scmp_filter_ctx trap_filter_build(void);

struct trap;

/*
 * trap_install() - in the command child: load @trap's filter program
 * (trap_export()) and pass its listener to the launcher over @sock
 * (SCM_RIGHTS, with a 0 status), or pass the errno that stopped it.
 * Closes nothing of the caller's.
 * Return: 0 when trapped, or -errno (-EBUSY: trapped already, by an
 * outer run's listener).
 */
int trap_install(const struct trap *trap, int sock);

/*
 * trap_receive() - in the launcher, the child's answer to trap_install()
 * (or a shim's, through the door). @wait: for it; else -EAGAIN when none yet.
 * Return: the listener (O_CLOEXEC), -errno the child reported, or -EPIPE
 * when the child ended before answering.
 */
int trap_receive(int sock, bool wait);

/*
 * trap_new() - a supervisor for the run whose environment contract
 * (TMPJAIL_ROOT, TMPJAIL_DIR, TMPJAIL_REDIRECT) is in our environment.
 * @verbose: narrate on stderr.
 * Return: the supervisor, or NULL (errno set).
 */
struct trap *trap_new(bool verbose);

/*
 * trap_export() - keep @filter's program in @trap: what trap_install()
 * loads and the door hands out.
 * Return: 0 or -errno.
 */
int trap_export(struct trap *trap, scmp_filter_ctx filter);

/*
 * trap_open_door() - let the shim trap the command's children
 * (docs/trap.md): listen on a fresh abstract Unix socket, which hands out
 * the exported program (trap_export()) and takes back the listeners of
 * processes the shim traps, and export TMPJAIL_TRAP=@its-name.
 * Return: 0, or -errno (TMPJAIL_TRAP unset).
 */
int trap_open_door(struct trap *trap);

/*
 * trap_door_waiting() - the door's socket while no thread serves it (to
 * poll, then trap_start()), or -1.
 */
int trap_door_waiting(const struct trap *trap);

/* trap_close_door() - refuse what waits at the door and close it: the shim then refuses. */
void trap_close_door(struct trap *trap);

/* trap_add_listener() - serve @listener too; the supervisor owns it. 0 or -errno. */
int trap_add_listener(struct trap *trap, int listener);

/*
 * trap_start() - serve the listeners in a thread of the launcher's own
 * until trap_stop(). With @seal_fd (a --seal ruleset, or -1) the thread
 * seals itself first: what it does for a trapped program is held to the
 * program's seal, so a link the program made cannot turn the supervisor
 * into a deputy writing where the program may not.
 * Return: 0 or -errno.
 */
int trap_start(struct trap *trap, int seal_fd);

/* trap_stop() - end the thread trap_start() began; nothing when none runs. */
void trap_stop(struct trap *trap);

/* trap_free() - close every listener and descriptor the supervisor holds. */
void trap_free(struct trap *trap);

#endif
