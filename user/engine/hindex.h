/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An index from hashes to the positions of entries in an array its user
 * keeps: open addressing with linear probing, at most half full. Like
 * sa_table, it knows hashes only: a lookup visits the positions filed
 * under one hash and the caller compares the full keys. Entries are
 * added, never removed one by one (the index is rebuilt instead).
 */
#ifndef MIF_ENGINE_HINDEX_H
#define MIF_ENGINE_HINDEX_H

#include <stddef.h>
#include <stdint.h>

#define HINDEX_END	UINT32_MAX	/* no (more) positions */

struct hindex_slot {
	uint32_t hash;		/* the hash folded to 32 bits */
	uint32_t pos;		/* position + 1; 0: a free slot */
};

struct hindex {
	struct hindex_slot *s;
	size_t mask;		/* slots - 1; slots is a power of two */
	size_t n;		/* positions filed */
};

/* An empty index; it allocates on its first addition. */
void hindex_init(struct hindex *t);
void hindex_free(struct hindex *t);
/* Forget every position, keeping the slots. */
void hindex_clear(struct hindex *t);
/*
 * File pos (below HINDEX_END) under hash. Returns 0, or -ENOMEM with the
 * index as it was.
 */
int hindex_add(struct hindex *t, uint64_t hash, uint32_t pos);
/*
 * The first position filed under hash (*cur is the cursor), then the
 * next ones with hindex_next(); HINDEX_END after the last.
 */
uint32_t hindex_first(const struct hindex *t, uint64_t hash, size_t *cur);
uint32_t hindex_next(const struct hindex *t, uint64_t hash, size_t *cur);

#endif
