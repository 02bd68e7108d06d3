/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reqid blocks in use (ike_sa.h: one block per IKE SA), so that a
 * new IKE SA finds a free one without a walk of every other: a bit per
 * block, and a bit per word of those saying the word is full, so that a
 * search skips 4,096 blocks in use per word read. Blocks are handed out
 * in a cycle: the first free one from the cursor on, 1 after the last
 * (block 0 is never handed out), the cursor then just past it.
 */
#ifndef MIF_ENGINE_REQID_BLOCKS_H
#define MIF_ENGINE_REQID_BLOCKS_H

#include <stdbool.h>
#include <stdint.h>

struct reqid_blocks {
	uint64_t *used;		/* a bit per block; block 0 always set */
	uint64_t *full;		/* a bit per word of used: all set */
	uint32_t n;		/* blocks 0 to n - 1 */
	uint32_t next;		/* where the next search starts */
	uint32_t words, full_words;
};

/* n blocks (at least 2), none in use. 0 or -ENOMEM (rb then empty). */
int reqid_blocks_init(struct reqid_blocks *rb, uint32_t n);
void reqid_blocks_free(struct reqid_blocks *rb);
/* The next free block, now in use; 0 when none is free (or no table). */
uint32_t reqid_blocks_take(struct reqid_blocks *rb);
/* Block b is free again (b 0, beyond n, or free already: nothing). */
void reqid_blocks_put(struct reqid_blocks *rb, uint32_t b);
bool reqid_blocks_used(const struct reqid_blocks *rb, uint32_t b);

#endif
