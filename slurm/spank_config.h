/* SPDX-License-Identifier: MIT */
/*
 * What the Slurm plugin is asked to do: the site's defaults from its line in
 * plugstack.conf, and a job's --tmpjail[=OPTS]. docs/slurm.md lists both.
 */
#ifndef TMPJAIL_SLURM_SPANK_CONFIG_H
#define TMPJAIL_SLURM_SPANK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* Whether a job gets a private root. */
enum spank_default {
	SPANK_DEFAULT_OFF,   /* only with --tmpjail */
	SPANK_DEFAULT_ON,    /* unless --tmpjail=off */
	SPANK_DEFAULT_FORCE, /* always; --tmpjail=off is refused */
};

struct spank_config {
	enum spank_default site_default;
	int user_choice; /* -1: the job said nothing; 0: --tmpjail=off; 1: --tmpjail */
	bool memory;	 /* roots in /dev/shm (or a RAM base) */
	bool seal;	 /* Landlock: no writes under /tmp, /var/tmp but in the root */
	bool keep;	 /* leave the root (tj-kept-XXXXXXXX) when the step ends */
	char *base;	 /* site's base=DIR, or NULL: /tmp, /dev/shm with memory */
	char *seccomp;	 /* comma-separated presets and policy files, or NULL */
	char *audit;	 /* audit=FILE, or NULL */
};

/* spank_config_init() - the defaults: off, nothing else. */
void spank_config_init(struct spank_config *config);

/* spank_config_free() - release the strings of @config. */
void spank_config_free(struct spank_config *config);

/*
 * spank_config_site() - read one plugstack.conf argument: default=on|off|
 * force, base=DIR, memory, seal, seccomp=SPEC.
 * @why: receives the words for a refused argument.
 * Return: 0, -EINVAL (@why set) or -ENOMEM.
 */
int spank_config_site(struct spank_config *config, const char *arg, const char **why);

/*
 * spank_config_user() - read a job's --tmpjail[=OPTS]: @opts NULL or "" is
 * plain --tmpjail; else comma-separated off, memory, seal, seccomp=SPEC
 * (repeatable: the specs add up), keep, audit=FILE. What the site set
 * stays set: a job may add confinement, never take the site's away.
 * @why: receives the words for a refused option.
 * Return: 0, -EINVAL (@why set) or -ENOMEM.
 */
int spank_config_user(struct spank_config *config, const char *opts, const char **why);

/* spank_config_enabled() - whether the step gets a private root. */
bool spank_config_enabled(const struct spank_config *config);

#endif
