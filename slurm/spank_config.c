/* SPDX-License-Identifier: MIT */
/* The plugin's site arguments and job options: see spank_config.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "spank_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void spank_config_init(struct spank_config *config)
{
	*config = (struct spank_config){.site_default = SPANK_DEFAULT_OFF, .user_choice = -1};
}

void spank_config_free(struct spank_config *config)
{
	free(config->base);
	free(config->seccomp);
	free(config->audit);
	spank_config_init(config);
}

/* The value of "@key=value" in @arg, or NULL when @arg is not that key. */
static const char *value_of(const char *arg, const char *key)
{
	size_t len = strlen(key);
	return strncmp(arg, key, len) == 0 && arg[len] == '=' ? arg + len + 1 : NULL;
}

/* Add @spec to the seccomp specs: presets and files add up. */
static int add_seccomp(struct spank_config *config, const char *spec, const char **why)
{
	if (!spec[0]) {
		*why = "seccomp= needs a preset or a policy file";
		return -EINVAL;
	}
	char *joined;
	int n = config->seccomp ? asprintf(&joined, "%s,%s", config->seccomp, spec)
				: asprintf(&joined, "%s", spec);
	if (n < 0)
		return -ENOMEM;
	free(config->seccomp);
	config->seccomp = joined;
	return 0;
}

/* Replace *@slot by a copy of @value. */
static int set_string(char **slot, const char *value, const char *name, const char **why)
{
	if (!value[0]) {
		*why = name;
		return -EINVAL;
	}
	char *copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	free(*slot);
	*slot = copy;
	return 0;
}

int spank_config_site(struct spank_config *config, const char *arg, const char **why)
{
	const char *value;
	*why = NULL;
	if ((value = value_of(arg, "default"))) {
		if (strcmp(value, "off") == 0)
			config->site_default = SPANK_DEFAULT_OFF;
		else if (strcmp(value, "on") == 0)
			config->site_default = SPANK_DEFAULT_ON;
		else if (strcmp(value, "force") == 0)
			config->site_default = SPANK_DEFAULT_FORCE;
		else {
			*why = "default= takes on, off or force";
			return -EINVAL;
		}
		return 0;
	}
	if ((value = value_of(arg, "base"))) {
		if (value[0] != '/') {
			*why = "base= must be an absolute directory";
			return -EINVAL;
		}
		return set_string(&config->base, value, "base= needs a directory", why);
	}
	if ((value = value_of(arg, "seccomp")))
		return add_seccomp(config, value, why);
	if (strcmp(arg, "memory") == 0)
		return config->memory = true, 0;
	if (strcmp(arg, "seal") == 0)
		return config->seal = true, 0;
	*why = "unknown argument (default=on|off|force, base=DIR, memory, seal, seccomp=SPEC)";
	return -EINVAL;
}

/* Whether @item is one of the plain words of --tmpjail=OPTS. */
static bool is_keyword(const char *item)
{
	static const char *const words[] = {"off", "memory", "seal", "keep"};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(item, words[i]) == 0)
			return true;
	return false;
}

/* One item of --tmpjail=OPTS. */
static int user_item(struct spank_config *config, const char *item, const char **why)
{
	const char *value;
	if (strcmp(item, "off") == 0) {
		if (config->site_default == SPANK_DEFAULT_FORCE) {
			*why = "off: this cluster gives every job a private /tmp";
			return -EINVAL;
		}
		config->user_choice = 0;
		return 0;
	}
	config->user_choice = config->user_choice == 0 ? 0 : 1;
	if ((value = value_of(item, "seccomp")))
		return add_seccomp(config, value, why);
	if ((value = value_of(item, "audit")))
		return set_string(&config->audit, value, "audit= needs a file", why);
	if (strcmp(item, "memory") == 0)
		return config->memory = true, 0;
	if (strcmp(item, "seal") == 0)
		return config->seal = true, 0;
	if (strcmp(item, "keep") == 0)
		return config->keep = true, 0;
	*why = "unknown option (off, memory, seal, seccomp=SPEC, keep, audit=FILE)";
	return -EINVAL;
}

int spank_config_user(struct spank_config *config, const char *opts, const char **why)
{
	*why = NULL;
	if (!opts || !opts[0]) {
		config->user_choice = 1;
		return 0;
	}
	char *copy = strdup(opts), *save = NULL;
	if (!copy)
		return -ENOMEM;
	int err = 0;
	/* "seccomp=harden,no-network": a plain word that is no option of ours
	 * continues the seccomp spec before it, as on tmpjail's command line. */
	bool in_seccomp = false;
	for (char *item = strtok_r(copy, ",", &save); item && !err;
	     item = strtok_r(NULL, ",", &save)) {
		if (in_seccomp && !strchr(item, '=') && !is_keyword(item)) {
			err = add_seccomp(config, item, why);
		} else {
			err = user_item(config, item, why);
			in_seccomp = value_of(item, "seccomp") != NULL;
		}
	}
	free(copy);
	/* --tmpjail=off,keep asks for two things that exclude each other. */
	if (!err && config->user_choice == 0 && (config->keep || config->audit)) {
		*why = "off excludes keep and audit=";
		err = -EINVAL;
	}
	return err;
}

bool spank_config_enabled(const struct spank_config *config)
{
	switch (config->site_default) {
	case SPANK_DEFAULT_FORCE:
		return true;
	case SPANK_DEFAULT_ON:
		return config->user_choice != 0;
	default:
		return config->user_choice == 1;
	}
}
