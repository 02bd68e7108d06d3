/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The connections by the addresses they name, for engine_match_next():
 * those with both addresses by the pair, those with one by that one,
 * and those with neither in a list. A chain holds the connections of
 * one key in the order they were added (their positions in e->conns,
 * ascending), so that a match visits only the connections that fit, in
 * configuration order. Connections are added in order and forgotten all
 * at once (a reload adds them again).
 */
#ifndef MIF_ENGINE_CONN_INDEX_H
#define MIF_ENGINE_CONN_INDEX_H

#include <stdint.h>

#include "addr.h"
#include "engine/hindex.h"

#define CONN_INDEX_END	UINT32_MAX	/* no (more) connections */

struct conn;

/* The connections of one key; which address the key holds: CONN_KEY_*. */
struct conn_chain {
	struct ip_addr local, remote;	/* the one not in the key: unset */
	uint8_t key;
	uint32_t head, tail;
};

struct conn_index {
	struct conn_chain *chains;	/* malloc'ed, room for max_chains */
	uint32_t n_chains, max_chains;
	struct hindex by_key;		/* chains by their key */
	uint32_t *next;			/* per connection: the next of its
					 * chain, or CONN_INDEX_END */
	uint32_t n, max;		/* connections; room in next */
	uint32_t any_head, any_tail;	/* those with neither address */
};

void conn_index_init(struct conn_index *x);
void conn_index_free(struct conn_index *x);
/* Forget every connection, keeping the memory. */
void conn_index_clear(struct conn_index *x);
/*
 * Add c as the next connection (position x->n). Returns 0, or -ENOMEM
 * with the index as it was.
 */
int conn_index_add(struct conn_index *x, const struct conn *c);

/*
 * The first connection (a position) naming both local and remote, local
 * alone, remote alone, neither; conn_index_next() the one after pos in
 * its chain. CONN_INDEX_END at the end.
 */
uint32_t conn_index_both(const struct conn_index *x,
			 const struct ip_addr *local,
			 const struct ip_addr *remote);
uint32_t conn_index_local(const struct conn_index *x,
			  const struct ip_addr *local);
uint32_t conn_index_remote(const struct conn_index *x,
			   const struct ip_addr *remote);
uint32_t conn_index_any(const struct conn_index *x);
uint32_t conn_index_next(const struct conn_index *x, uint32_t pos);

#endif
