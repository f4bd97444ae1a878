/* SPDX-License-Identifier: MIT */
/*
 * The plugin's site arguments and --tmpjail options (slurm/spank_config.c),
 * without a cluster: what each turns on, what is refused, and who wins
 * between the site and the job.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "spank_config.h"
#include "tj_check.h"

/* Parse the site's @args, then the job's @opts (NULL: no --tmpjail). Return: the first error. */
static int parse(struct spank_config *config, const char *const args[], const char *opts,
		 bool given)
{
	const char *why = NULL;
	spank_config_init(config);
	for (size_t i = 0; args && args[i]; i++) {
		int err = spank_config_site(config, args[i], &why);
		if (err) {
			ck_assert_msg(why != NULL, "%s refused without a reason", args[i]);
			return err;
		}
	}
	if (!given)
		return 0;
	int err = spank_config_user(config, opts, &why);
	ck_assert_msg(!err || why, "--tmpjail=%s refused without a reason", opts);
	return err;
}

START_TEST(site_defaults)
{
	struct spank_config config;
	ck_assert_int_eq(parse(&config, NULL, NULL, false), 0);
	ck_assert(!spank_config_enabled(&config)); /* off unless asked */
	ck_assert_int_eq(parse(&config, (const char *[]){"default=on", NULL}, NULL, false), 0);
	ck_assert(spank_config_enabled(&config));
	ck_assert_int_eq(parse(&config, (const char *[]){"default=on", NULL}, "off", true), 0);
	ck_assert(!spank_config_enabled(&config));
	ck_assert_int_eq(parse(&config, (const char *[]){"default=force", NULL}, "off", true),
			 -EINVAL);
	ck_assert_int_eq(
	    parse(&config,
		  (const char *[]){"base=/scratch", "memory", "seal", "seccomp=harden", NULL}, "",
		  true),
	    0);
	ck_assert(spank_config_enabled(&config) && config.memory && config.seal);
	ck_assert_str_eq(config.base, "/scratch");
	ck_assert_str_eq(config.seccomp, "harden");
	spank_config_free(&config);
}
END_TEST

START_TEST(site_mistakes_refused)
{
	const char *bad[] = {
	    "default=maybe", "base=relative", "base=", "seccomp=", "keep", "audit=/x", "bogus"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct spank_config config;
		ck_assert_msg(parse(&config, (const char *[]){bad[i], NULL}, NULL, false) ==
				  -EINVAL,
			      "%s accepted", bad[i]);
		spank_config_free(&config);
	}
}
END_TEST

START_TEST(job_options)
{
	struct spank_config config;
	/* Site confinement stays; the job adds its own; seccomp specs add up. */
	ck_assert_int_eq(parse(&config, (const char *[]){"seccomp=harden", NULL},
			       "seal,seccomp=no-network,/etc/p.policy,keep,audit=a.log", true),
			 0);
	ck_assert(spank_config_enabled(&config) && config.seal && config.keep);
	ck_assert_str_eq(config.seccomp, "harden,no-network,/etc/p.policy");
	ck_assert_str_eq(config.audit, "a.log");
	spank_config_free(&config);
	const char *bad[] = {
	    "bogus", "off,keep", "off,audit=x", "seccomp=", "audit=", "base=/x", "memory,nope"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse(&config, NULL, bad[i], true) == -EINVAL,
			      "--tmpjail=%s accepted", bad[i]);
		spank_config_free(&config);
	}
}
END_TEST

Suite *tj_suite(void)
{
	Suite *suite = suite_create("spank_config");
	struct {
		TCase *tcase;
		const TTest *test;
	} cases[] = {
	    {tcase_create("site_defaults"), site_defaults},
	    {tcase_create("site_mistakes_refused"), site_mistakes_refused},
	    {tcase_create("job_options"), job_options},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tcase_add_test(cases[i].tcase, cases[i].test);
		suite_add_tcase(suite, cases[i].tcase);
	}
	return suite;
}
