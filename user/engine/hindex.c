// SPDX-License-Identifier: GPL-2.0
/*
 * Open addressing from hashes to array positions (hindex.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/hindex.h"

#define HINDEX_MIN	64	/* slots of a new index */

static uint32_t fold(uint64_t hash)
{
	return (uint32_t)(hash ^ (hash >> 32));
}

void hindex_init(struct hindex *t)
{
	memset(t, 0, sizeof(*t));
}

void hindex_free(struct hindex *t)
{
	free(t->s);
	hindex_init(t);
}

void hindex_clear(struct hindex *t)
{
	if (t->s)
		memset(t->s, 0, (t->mask + 1) * sizeof(*t->s));
	t->n = 0;
}

static void place(struct hindex_slot *s, size_t mask, uint32_t h,
		  uint32_t pos1)
{
	size_t i = h & mask;

	while (s[i].pos)
		i = (i + 1) & mask;
	s[i].hash = h;
	s[i].pos = pos1;
}

/* Move every position into size slots (a power of two). */
static int resize(struct hindex *t, size_t size)
{
	struct hindex_slot *s = calloc(size, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; t->s && i <= t->mask; i++)
		if (t->s[i].pos)
			place(s, size - 1, t->s[i].hash, t->s[i].pos);
	free(t->s);
	t->s = s;
	t->mask = size - 1;
	return 0;
}

int hindex_add(struct hindex *t, uint64_t hash, uint32_t pos)
{
	if (pos == HINDEX_END)
		return -EINVAL;
	/* At most half full, so that a probe ends soon. */
	if (!t->s && resize(t, HINDEX_MIN))
		return -ENOMEM;
	if (2 * (t->n + 1) > t->mask + 1 && resize(t, 2 * (t->mask + 1)))
		return -ENOMEM;
	place(t->s, t->mask, fold(hash), pos + 1);
	t->n++;
	return 0;
}

/* From slot i on: the first position filed under h. */
static uint32_t scan(const struct hindex *t, uint32_t h, size_t i,
		     size_t *cur)
{
	for (; t->s[i].pos; i = (i + 1) & t->mask)
		if (t->s[i].hash == h) {
			*cur = i;
			return t->s[i].pos - 1;
		}
	*cur = i;
	return HINDEX_END;
}

uint32_t hindex_first(const struct hindex *t, uint64_t hash, size_t *cur)
{
	uint32_t h = fold(hash);

	if (!t->s)
		return HINDEX_END;
	return scan(t, h, h & t->mask, cur);
}

uint32_t hindex_next(const struct hindex *t, uint64_t hash, size_t *cur)
{
	if (!t->s || !t->s[*cur].pos)
		return HINDEX_END;
	return scan(t, fold(hash), (*cur + 1) & t->mask, cur);
}
