/* SPDX-License-Identifier: MIT */
/*
 * The report's hash sets (report.h): open addressing with linear probing
 * over 64-bit path hashes, never more than three quarters used, tombstones
 * for removals and a rebuild when they crowd the table. A full set says so
 * (set_put() returns NULL) instead of growing: the caller decides what a
 * forgotten name means.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define EMPTY 0
#define TOMBSTONE 1

int set_init(struct set *set, size_t slots)
{
	set->slots = slots;
	set->used = set->live = 0;
	set->key = calloc(slots, sizeof(*set->key));
	set->value = calloc(slots, sizeof(*set->value));
	return set->key && set->value ? 0 : -1;
}

void set_free(struct set *set)
{
	free(set->key);
	free(set->value);
}

static uint64_t set_key(uint64_t hash)
{
	return hash > TOMBSTONE ? hash : hash + 2;
}

/* The slot of @key, or the empty slot that ends its probe. */
static size_t set_find(const struct set *set, uint64_t key)
{
	size_t mask = set->slots - 1, at = key & mask;

	while (set->key[at] != EMPTY && set->key[at] != key)
		at = (at + 1) & mask;
	return at;
}

/* The values of @hash, or NULL. */
uint64_t *set_get(struct set *set, uint64_t hash)
{
	size_t at = set_find(set, set_key(hash));

	return set->key[at] == EMPTY ? NULL : set->value[at];
}

/* Rebuild without tombstones, into fresh arrays. Return: 0 or -1 (no memory). */
static int set_compact(struct set *set)
{
	struct set fresh;

	if (set_init(&fresh, set->slots) < 0) {
		set_free(&fresh);
		return -1;
	}
	for (size_t i = 0; i < set->slots; i++) {
		if (set->key[i] <= TOMBSTONE)
			continue;
		size_t at = set_find(&fresh, set->key[i]);
		fresh.key[at] = set->key[i];
		memcpy(fresh.value[at], set->value[i], sizeof(set->value[i]));
	}
	fresh.used = fresh.live = set->live;
	set_free(set);
	*set = fresh;
	return 0;
}

/* Insert @hash (or find it); NULL when the set is full. */
uint64_t *set_put(struct set *set, uint64_t hash, uint64_t first, uint64_t second)
{
	uint64_t key = set_key(hash);
	size_t at = set_find(set, key);

	if (set->key[at] != EMPTY)
		return set->value[at];
	if (set->used >= set->slots / 4 * 3) {
		if (set->live >= set->slots / 2 || set_compact(set) < 0)
			return NULL;
		at = set_find(set, key);
	}
	set->used++;
	set->live++;
	set->key[at] = key;
	set->value[at][0] = first;
	set->value[at][1] = second;
	return set->value[at];
}

void set_remove(struct set *set, uint64_t hash)
{
	size_t at = set_find(set, set_key(hash));

	if (set->key[at] != EMPTY) {
		set->key[at] = TOMBSTONE;
		set->live--;
	}
}

void set_clear(struct set *set)
{
	if (set->used)
		memset(set->key, 0, set->slots * sizeof(*set->key));
	set->used = set->live = 0;
}
