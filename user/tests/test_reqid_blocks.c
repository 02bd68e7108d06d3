// SPDX-License-Identifier: GPL-2.0
/*
 * The set of reqid blocks in use (engine/reqid_blocks.c) alone: blocks
 * handed out in order, freed, reused only after the cursor wraps, none
 * when all are taken; and many random takes and frees, at sizes around
 * the word boundaries of both levels, checked against the search it
 * replaced (the cursor stepped one block at a time, each block looked
 * up among those in use).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/reqid_blocks.h"

/* The old search: one block at a time from the cursor, 0 skipped. */
struct ref {
	bool *used;
	uint32_t n, next;
};

static uint32_t ref_take(struct ref *r)
{
	for (uint32_t i = 0; i < r->n; i++) {
		uint32_t b = r->next;

		r->next = b + 1 < r->n ? b + 1 : 1;
		if (b && !r->used[b]) {
			r->used[b] = true;
			return b;
		}
	}
	return 0;
}

static void in_order_then_wrap(void **state)
{
	struct reqid_blocks rb;

	(void)state;
	assert_int_equal(reqid_blocks_init(&rb, 8), 0);
	for (uint32_t b = 1; b <= 5; b++)
		assert_int_equal(reqid_blocks_take(&rb), b);
	/* Freed, but the cursor goes on: 6 and 7 first. */
	reqid_blocks_put(&rb, 2);
	reqid_blocks_put(&rb, 4);
	assert_false(reqid_blocks_used(&rb, 2));
	assert_true(reqid_blocks_used(&rb, 3));
	assert_int_equal(reqid_blocks_take(&rb), 6);
	assert_int_equal(reqid_blocks_take(&rb), 7);
	/* Wrapped: 1 and 3 in use are skipped, never 0. */
	assert_int_equal(reqid_blocks_take(&rb), 2);
	assert_int_equal(reqid_blocks_take(&rb), 4);
	assert_int_equal(reqid_blocks_take(&rb), 0);
	assert_int_equal(reqid_blocks_take(&rb), 0);
	assert_true(reqid_blocks_used(&rb, 0));
	/* A block freed when all were taken comes back. */
	reqid_blocks_put(&rb, 5);
	assert_int_equal(reqid_blocks_take(&rb), 5);
	/* Bad frees change nothing. */
	reqid_blocks_put(&rb, 0);
	reqid_blocks_put(&rb, 8);
	reqid_blocks_put(&rb, 12345);
	assert_int_equal(reqid_blocks_take(&rb), 0);
	reqid_blocks_free(&rb);
	/* No table: no block, and no crash. */
	assert_int_equal(reqid_blocks_take(&rb), 0);
	reqid_blocks_put(&rb, 1);
	assert_int_equal(reqid_blocks_init(&rb, 1), -EINVAL);
}

/* Many blocks: a full first-level word, and a full summary word. */
static void skips_full_words(void **state)
{
	const uint32_t n = 3 * 4096 + 100;
	struct reqid_blocks rb;

	(void)state;
	assert_int_equal(reqid_blocks_init(&rb, n), 0);
	for (uint32_t b = 1; b < n; b++)
		assert_int_equal(reqid_blocks_take(&rb), b);
	assert_int_equal(reqid_blocks_take(&rb), 0);
	/* One free near the end, one near the start: in cycle order. */
	reqid_blocks_put(&rb, n - 3);
	reqid_blocks_put(&rb, 70);
	reqid_blocks_put(&rb, 4096 * 2 + 5);
	assert_int_equal(reqid_blocks_take(&rb), 70);
	assert_int_equal(reqid_blocks_take(&rb), 4096 * 2 + 5);
	assert_int_equal(reqid_blocks_take(&rb), n - 3);
	assert_int_equal(reqid_blocks_take(&rb), 0);
	reqid_blocks_free(&rb);
}

static void against_reference(uint32_t n, unsigned int ops, unsigned int seed)
{
	struct reqid_blocks rb;
	struct ref r = { calloc(n, sizeof(bool)), n, 1 };
	uint32_t *held = calloc(n, sizeof(*held)), n_held = 0;

	assert_non_null(r.used);
	assert_non_null(held);
	assert_int_equal(reqid_blocks_init(&rb, n), 0);
	srand(seed);
	for (unsigned int i = 0; i < ops; i++) {
		/* Mostly takes while few are held, mostly frees when many. */
		if (n_held && (uint32_t)rand() % n < n_held + n / 8) {
			uint32_t k = (uint32_t)rand() % n_held;

			reqid_blocks_put(&rb, held[k]);
			r.used[held[k]] = false;
			held[k] = held[--n_held];
		} else {
			uint32_t b = reqid_blocks_take(&rb);

			assert_int_equal(b, ref_take(&r));
			if (b)
				held[n_held++] = b;
		}
		assert_int_equal(rb.next, r.next);
	}
	for (uint32_t b = 0; b < n; b++)
		assert_int_equal(reqid_blocks_used(&rb, b), !b || r.used[b]);
	reqid_blocks_free(&rb);
	free(r.used);
	free(held);
}

static void random_against_reference(void **state)
{
	static const uint32_t sizes[] = {
		2, 3, 63, 64, 65, 127, 128, 129, 4095, 4096, 4097, 8193,
		3 * 4096 + 100,
	};

	(void)state;
	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		against_reference(sizes[i], 20000 + 8 * sizes[i], i + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(in_order_then_wrap),
		cmocka_unit_test(skips_full_words),
		cmocka_unit_test(random_against_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
