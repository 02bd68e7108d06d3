// SPDX-License-Identifier: GPL-2.0
/*
 * Distinct IKE proposal lists of the connections, found by a hash of
 * their contents in an open-addressing index.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/proposal_set.h"

static uint64_t fnv(uint64_t h, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		h ^= (uint8_t)(v >> (8 * i));
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t hash(const struct conn *c)
{
	uint64_t h = fnv(0xcbf29ce484222325ULL, c->n_ike);

	for (unsigned int i = 0; i < c->n_ike; i++) {
		h = fnv(h, c->ike[i].n);
		for (unsigned int j = 0; j < c->ike[i].n; j++) {
			const struct ike_transform *t = &c->ike[i].xf[j];

			h = fnv(h, (uint32_t)t->type << 16 | t->id);
			h = fnv(h, (uint32_t)t->key_len << 1 | t->unknown_attr);
		}
	}
	return h;
}

static bool same(const struct conn *a, const struct conn *b)
{
	if (a->n_ike != b->n_ike)
		return false;
	for (unsigned int i = 0; i < a->n_ike; i++) {
		if (a->ike[i].n != b->ike[i].n)
			return false;
		for (unsigned int j = 0; j < a->ike[i].n; j++) {
			const struct ike_transform *x = &a->ike[i].xf[j];
			const struct ike_transform *y = &b->ike[i].xf[j];

			if (x->type != y->type || x->id != y->id ||
			    x->key_len != y->key_len ||
			    x->unknown_attr != y->unknown_attr)
				return false;
		}
	}
	return true;
}

/* The index slot of hash h: the set with it, or the free slot to use. */
static uint32_t *slot(const struct proposal_sets *ps, uint64_t h,
		      const struct conn *c)
{
	size_t i = (size_t)h & ps->mask;
	uint32_t *e;

	for (;; i = (i + 1) & ps->mask) {
		e = &ps->index[i];
		if (!*e || (ps->s[*e - 1].hash == h &&
			    same(ps->s[*e - 1].conn, c)))
			return e;
	}
}

/* An index of size slots (a power of two) over the sets there are. */
static int reindex(struct proposal_sets *ps, size_t size)
{
	uint32_t *index = calloc(size, sizeof(*index));

	if (!index)
		return -ENOMEM;
	free(ps->index);
	ps->index = index;
	ps->mask = size - 1;
	for (unsigned int i = 0; i < ps->n; i++)
		*slot(ps, ps->s[i].hash, ps->s[i].conn) = i + 1;
	return 0;
}

int proposal_sets_add(struct proposal_sets *ps, const struct conn *c,
		      unsigned int *id)
{
	uint64_t h = hash(c);
	struct proposal_set *s;
	uint32_t *e;
	unsigned int room;

	/* At most half full, so that a probe ends soon. */
	if ((!ps->index || 2 * ((size_t)ps->n + 1) > ps->mask + 1) &&
	    reindex(ps, ps->index ? 2 * (ps->mask + 1) : 64))
		return -ENOMEM;
	e = slot(ps, h, c);
	if (*e) {
		*id = *e - 1;
		return 0;
	}
	if (ps->n == ps->room) {
		room = ps->room ? 2 * ps->room : 16;
		s = realloc(ps->s, room * sizeof(*s));
		if (!s)
			return -ENOMEM;
		ps->s = s;
		ps->room = room;
	}
	s = &ps->s[ps->n];
	memset(s, 0, sizeof(*s));
	s->conn = c;
	s->hash = h;
	*e = ++ps->n;
	*id = ps->n - 1;
	return 0;
}

uint32_t proposal_sets_new_offer(struct proposal_sets *ps)
{
	if (!++ps->stamp) {
		/* Wrapped: no old stamp may look current. */
		for (unsigned int i = 0; i < ps->n; i++)
			ps->s[i].stamp = 0;
		ps->stamp = 1;
	}
	return ps->stamp;
}

void proposal_sets_clear(struct proposal_sets *ps)
{
	ps->n = 0;
	if (ps->index)
		memset(ps->index, 0, (ps->mask + 1) * sizeof(*ps->index));
}

void proposal_sets_free(struct proposal_sets *ps)
{
	free(ps->s);
	free(ps->index);
	memset(ps, 0, sizeof(*ps));
}
