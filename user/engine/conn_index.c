// SPDX-License-Identifier: GPL-2.0
/*
 * The connections by their addresses (conn_index.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/conn.h"
#include "engine/conn_index.h"
#include "engine/sa_table.h"

/* What a chain's key holds. */
enum {
	CONN_KEY_BOTH,
	CONN_KEY_LOCAL,
	CONN_KEY_REMOTE,
};

void conn_index_init(struct conn_index *x)
{
	memset(x, 0, sizeof(*x));
	hindex_init(&x->by_key);
	x->any_head = x->any_tail = CONN_INDEX_END;
}

void conn_index_free(struct conn_index *x)
{
	hindex_free(&x->by_key);
	free(x->chains);
	free(x->next);
	conn_index_init(x);
}

void conn_index_clear(struct conn_index *x)
{
	hindex_clear(&x->by_key);
	x->n_chains = 0;
	x->n = 0;
	x->any_head = x->any_tail = CONN_INDEX_END;
}

/* An address into a hash: its family and its bytes (no padding). */
static uint64_t hash_addr(uint64_t h, const struct ip_addr *a)
{
	h = sa_hash_bytes(h, &a->family, sizeof(a->family));
	return sa_hash_bytes(h, a->bytes, ip_addr_len(a));
}

static uint64_t hash_key(uint8_t key, const struct ip_addr *local,
			 const struct ip_addr *remote)
{
	uint64_t h = key;

	if (key != CONN_KEY_REMOTE)
		h = hash_addr(h, local);
	if (key != CONN_KEY_LOCAL)
		h = hash_addr(h, remote);
	return h;
}

/* The chain of a key, or NULL (h its hash_key()). */
static struct conn_chain *find(const struct conn_index *x, uint64_t h,
			       uint8_t key, const struct ip_addr *local,
			       const struct ip_addr *remote)
{
	struct conn_chain *ch;
	size_t cur;
	uint32_t i;

	for (i = hindex_first(&x->by_key, h, &cur); i != HINDEX_END;
	     i = hindex_next(&x->by_key, h, &cur)) {
		ch = &x->chains[i];
		if (ch->key == key &&
		    (key == CONN_KEY_REMOTE || ip_addr_equal(&ch->local, local)) &&
		    (key == CONN_KEY_LOCAL || ip_addr_equal(&ch->remote, remote)))
			return ch;
	}
	return NULL;
}

/* Room for one more connection and one more chain. */
static int more(struct conn_index *x)
{
	uint32_t max, *next;
	struct conn_chain *ch;

	if (x->n == x->max) {
		max = x->max ? 2 * x->max : 16;
		next = realloc(x->next, max * sizeof(*next));
		if (!next)
			return -ENOMEM;
		x->next = next;
		x->max = max;
	}
	if (x->n_chains == x->max_chains) {
		max = x->max_chains ? 2 * x->max_chains : 16;
		ch = realloc(x->chains, max * sizeof(*ch));
		if (!ch)
			return -ENOMEM;
		x->chains = ch;
		x->max_chains = max;
	}
	return 0;
}

int conn_index_add(struct conn_index *x, const struct conn *c)
{
	bool l = c->local.family, r = c->remote.family;
	uint8_t key = l && r ? CONN_KEY_BOTH :
		      l ? CONN_KEY_LOCAL : CONN_KEY_REMOTE;
	uint32_t pos = x->n, *tail;
	struct conn_chain *ch = NULL;
	uint64_t h = 0;

	if (x->n == CONN_INDEX_END - 1 || more(x))
		return -ENOMEM;
	if (l || r) {
		h = hash_key(key, &c->local, &c->remote);
		ch = find(x, h, key, &c->local, &c->remote);
	}
	if (ch) {
		tail = &ch->tail;
		x->next[ch->tail] = pos;
	} else if (l || r) {
		if (hindex_add(&x->by_key, h, x->n_chains))
			return -ENOMEM;
		ch = &x->chains[x->n_chains++];
		memset(ch, 0, sizeof(*ch));
		ch->key = key;
		if (l)
			ch->local = c->local;
		if (r)
			ch->remote = c->remote;
		ch->head = pos;
		tail = &ch->tail;
	} else {
		if (x->any_tail == CONN_INDEX_END)
			x->any_head = pos;
		else
			x->next[x->any_tail] = pos;
		tail = &x->any_tail;
	}
	*tail = pos;
	x->next[pos] = CONN_INDEX_END;
	x->n++;
	return 0;
}

static uint32_t head(const struct conn_index *x, uint8_t key,
		     const struct ip_addr *local, const struct ip_addr *remote)
{
	const struct conn_chain *ch;

	ch = find(x, hash_key(key, local, remote), key, local, remote);
	return ch ? ch->head : CONN_INDEX_END;
}

uint32_t conn_index_both(const struct conn_index *x,
			 const struct ip_addr *local,
			 const struct ip_addr *remote)
{
	return head(x, CONN_KEY_BOTH, local, remote);
}

uint32_t conn_index_local(const struct conn_index *x,
			  const struct ip_addr *local)
{
	return head(x, CONN_KEY_LOCAL, local, NULL);
}

uint32_t conn_index_remote(const struct conn_index *x,
			   const struct ip_addr *remote)
{
	return head(x, CONN_KEY_REMOTE, NULL, remote);
}

uint32_t conn_index_any(const struct conn_index *x)
{
	return x->any_head;
}

uint32_t conn_index_next(const struct conn_index *x, uint32_t pos)
{
	return pos < x->n ? x->next[pos] : CONN_INDEX_END;
}
