// SPDX-License-Identifier: GPL-2.0
/*
 * The reqid blocks in use (reqid_blocks.h): a two-level bitmap. The
 * bits past n, in the last word of each level, are set for good, so
 * that a search never returns them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/reqid_blocks.h"

#define ALL	(~(uint64_t)0)

static void set_bit(struct reqid_blocks *rb, uint32_t b)
{
	uint32_t w = b / 64;

	rb->used[w] |= (uint64_t)1 << (b % 64);
	if (rb->used[w] == ALL)
		rb->full[w / 64] |= (uint64_t)1 << (w % 64);
}

int reqid_blocks_init(struct reqid_blocks *rb, uint32_t n)
{
	memset(rb, 0, sizeof(*rb));
	if (n < 2)
		return -EINVAL;
	rb->words = (uint32_t)(((uint64_t)n + 63) / 64);
	rb->full_words = (rb->words + 63) / 64;
	rb->used = calloc(rb->words + rb->full_words, sizeof(uint64_t));
	if (!rb->used)
		return -ENOMEM;
	rb->full = rb->used + rb->words;
	rb->n = n;
	rb->next = 1;
	for (uint32_t w = rb->words; w < rb->full_words * 64; w++)
		rb->full[w / 64] |= (uint64_t)1 << (w % 64);
	for (uint64_t b = n; b < (uint64_t)rb->words * 64; b++)
		set_bit(rb, (uint32_t)b);
	set_bit(rb, 0);
	return 0;
}

void reqid_blocks_free(struct reqid_blocks *rb)
{
	free(rb->used);
	memset(rb, 0, sizeof(*rb));
}

/* The first word from w on with a free block; rb->words if none. */
static uint32_t open_word(const struct reqid_blocks *rb, uint32_t w)
{
	uint32_t f = w / 64;
	uint64_t open;

	if (w >= rb->words)
		return rb->words;
	open = ~rb->full[f] & (ALL << (w % 64));
	while (!open) {
		if (++f >= rb->full_words)
			return rb->words;
		open = ~rb->full[f];
	}
	return f * 64 + (uint32_t)__builtin_ctzll(open);
}

/* The first free block from b on; rb->n if none. */
static uint32_t free_from(const struct reqid_blocks *rb, uint32_t b)
{
	uint32_t w = b / 64;
	uint64_t open;

	if (b >= rb->n)
		return rb->n;
	open = ~rb->used[w] & (ALL << (b % 64));
	while (!open) {
		w = open_word(rb, w + 1);
		if (w >= rb->words)
			return rb->n;
		open = ~rb->used[w];
	}
	return w * 64 + (uint32_t)__builtin_ctzll(open);
}

/* The block after b in the cycle 1 to n - 1. */
static uint32_t succ(const struct reqid_blocks *rb, uint32_t b)
{
	return b + 1 < rb->n ? b + 1 : 1;
}

uint32_t reqid_blocks_take(struct reqid_blocks *rb)
{
	uint32_t b;

	if (!rb->used)
		return 0;
	b = free_from(rb, rb->next);
	if (b >= rb->n) {
		b = free_from(rb, 1);
		if (b >= rb->next) {
			/*
			 * None at all (rb->n included). The cursor moves
			 * one on, as a search of every block one by one
			 * would leave it (n steps round a cycle of n - 1).
			 */
			rb->next = succ(rb, rb->next);
			return 0;
		}
	}
	set_bit(rb, b);
	rb->next = succ(rb, b);
	return b;
}

void reqid_blocks_put(struct reqid_blocks *rb, uint32_t b)
{
	uint32_t w = b / 64;

	if (!b || b >= rb->n || !rb->used)
		return;
	rb->used[w] &= ~((uint64_t)1 << (b % 64));
	rb->full[w / 64] &= ~((uint64_t)1 << (w % 64));
}

bool reqid_blocks_used(const struct reqid_blocks *rb, uint32_t b)
{
	return rb->used && b < rb->n &&
	       (rb->used[b / 64] >> (b % 64) & 1);
}
