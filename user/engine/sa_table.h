/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A hash table of SAs (and of the kernel policies of policy_table.c):
 * open hashing, a power-of-two array of buckets
 * that doubles as the table fills. The nodes live in the objects they
 * index (container_of style), so removal never fails and never
 * allocates. The table knows hashes only: a lookup walks the nodes of
 * one hash (sa_table_first, sa_table_next) and the caller compares the
 * full key.
 */
#ifndef MIF_ENGINE_SA_TABLE_H
#define MIF_ENGINE_SA_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define SA_TABLE_MIN	64	/* buckets of a new table */

struct sa_node {
	struct sa_node *next;
	uint64_t hash;
	bool linked;
};

struct sa_table {
	struct sa_node **b;
	size_t mask;		/* buckets - 1; buckets is a power of two */
	size_t n;		/* nodes linked */
};

/* An empty table; it allocates on its first insertion. */
void sa_table_init(struct sa_table *t);
void sa_table_free(struct sa_table *t);
/*
 * Link n under hash; the table grows when it holds more nodes than
 * buckets (a failed growth keeps the old array). -ENOMEM only when the
 * first array cannot be had.
 */
int sa_table_insert(struct sa_table *t, struct sa_node *n, uint64_t hash);
/* Unlink n; nothing if it is not linked. */
void sa_table_remove(struct sa_table *t, struct sa_node *n);
/* The first node of hash, then the next of the same hash; NULL at the end. */
struct sa_node *sa_table_first(const struct sa_table *t, uint64_t hash);
struct sa_node *sa_table_next(const struct sa_node *n);
size_t sa_table_buckets(const struct sa_table *t);

/* Hashes of the keys the engine uses. */
uint64_t sa_hash_spi(uint64_t spi, bool initiator);
uint64_t sa_hash_peer(const struct ip_addr *addr, uint16_t port,
		      uint64_t spi);
/* Any other key as bytes, continuing from h (0 to start). */
uint64_t sa_hash_bytes(uint64_t h, const void *key, size_t len);

#endif
