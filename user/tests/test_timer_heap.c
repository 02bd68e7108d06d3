// SPDX-License-Identifier: GPL-2.0
/*
 * The timer heap (engine/timer_heap.c) alone: order, a key changed in
 * either direction, removal from the top, the middle and the end, room,
 * and many random operations checked against a sorted reference.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/timer_heap.h"

/* The heap's own invariants: each node where it says, none before its parent. */
static void check_heap(const struct timer_heap *h)
{
	for (unsigned int i = 0; i < h->n; i++) {
		assert_int_equal(h->v[i]->pos, i);
		assert_true(h->v[i]->key != 0);
		if (i)
			assert_true(h->v[(i - 1) / 2]->key <= h->v[i]->key);
	}
}

/* Take out the top until empty: the keys must come in order. */
static void drain_in_order(struct timer_heap *h, const uint64_t *want,
			   unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct timer_node *t = timer_heap_top(h);

		assert_non_null(t);
		assert_int_equal(t->key, want[i]);
		timer_heap_remove(h, t);
		assert_false(timer_heap_has(t));
		check_heap(h);
	}
	assert_null(timer_heap_top(h));
}

static void empty(void **state)
{
	struct timer_heap h;
	struct timer_node t = { 0 };

	(void)state;
	timer_heap_init(&h);
	assert_null(timer_heap_top(&h));
	/* No room reserved: nothing is filed. */
	assert_int_equal(timer_heap_set(&h, &t, 5), -ENOSPC);
	assert_false(timer_heap_has(&t));
	/* Removing what is not there, or filing under 0, is harmless. */
	timer_heap_remove(&h, &t);
	assert_int_equal(timer_heap_set(&h, &t, 0), 0);
	timer_heap_free(&h);
}

static void order(void **state)
{
	static const uint64_t keys[] = { 50, 10, 40, 10, 30, 20, 60, 5 };
	static const uint64_t sorted[] = { 5, 10, 10, 20, 30, 40, 50, 60 };
	struct timer_node t[8];
	struct timer_heap h;

	(void)state;
	memset(t, 0, sizeof(t));
	timer_heap_init(&h);
	assert_int_equal(timer_heap_reserve(&h, 8), 0);
	for (unsigned int i = 0; i < 8; i++) {
		assert_int_equal(timer_heap_set(&h, &t[i], keys[i]), 0);
		check_heap(&h);
	}
	assert_int_equal(h.n, 8);
	assert_int_equal(timer_heap_top(&h)->key, 5);
	drain_in_order(&h, sorted, 8);
	timer_heap_free(&h);
}

static void update(void **state)
{
	static const uint64_t after[] = { 15, 25, 35, 100 };
	struct timer_node a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };
	struct timer_heap h;

	(void)state;
	timer_heap_init(&h);
	assert_int_equal(timer_heap_reserve(&h, 4), 0);
	timer_heap_set(&h, &a, 10);
	timer_heap_set(&h, &b, 20);
	timer_heap_set(&h, &c, 30);
	timer_heap_set(&h, &d, 40);
	/* Later: the top goes down; earlier: one comes up to the top. */
	timer_heap_set(&h, &a, 100);
	check_heap(&h);
	assert_ptr_equal(timer_heap_top(&h), &b);
	timer_heap_set(&h, &d, 15);
	check_heap(&h);
	assert_ptr_equal(timer_heap_top(&h), &d);
	/* The same key again changes nothing. */
	timer_heap_set(&h, &d, 15);
	check_heap(&h);
	timer_heap_set(&h, &b, 25);
	timer_heap_set(&h, &c, 35);
	assert_int_equal(h.n, 4);
	drain_in_order(&h, after, 4);
	timer_heap_free(&h);
}

static void remove_anywhere(void **state)
{
	struct timer_node t[16];
	struct timer_heap h;
	uint64_t left[13];
	unsigned int n = 0;

	(void)state;
	memset(t, 0, sizeof(t));
	timer_heap_init(&h);
	assert_int_equal(timer_heap_reserve(&h, 16), 0);
	for (unsigned int i = 0; i < 16; i++)
		timer_heap_set(&h, &t[i], 1000 - 10 * i);
	/* The top, a node in the middle, the last one in the array. */
	timer_heap_remove(&h, timer_heap_top(&h));
	check_heap(&h);
	timer_heap_remove(&h, &t[7]);
	check_heap(&h);
	timer_heap_remove(&h, h.v[h.n - 1]);
	check_heap(&h);
	assert_int_equal(h.n, 13);
	for (unsigned int i = 0; i < 16; i++)
		if (timer_heap_has(&t[i]))
			left[n++] = t[i].key;
	assert_int_equal(n, 13);
	/* left is in descending order of i, so ascending keys reversed. */
	for (unsigned int i = 0; i < n / 2; i++) {
		uint64_t k = left[i];

		left[i] = left[n - 1 - i];
		left[n - 1 - i] = k;
	}
	drain_in_order(&h, left, n);
	timer_heap_free(&h);
}

static void room(void **state)
{
	struct timer_node extra = { 0 }, *t;
	struct timer_heap h;
	unsigned int n;

	(void)state;
	timer_heap_init(&h);
	assert_int_equal(timer_heap_reserve(&h, 2), 0);
	n = h.room;
	assert_true(n >= 2);
	t = calloc(n, sizeof(*t));
	assert_non_null(t);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(timer_heap_set(&h, &t[i], 1 + i), 0);
	/* Full: a new node is refused, one filed already still moves. */
	assert_int_equal(timer_heap_set(&h, &extra, 1), -ENOSPC);
	assert_false(timer_heap_has(&extra));
	assert_int_equal(timer_heap_set(&h, &t[n - 1], 1), 0);
	check_heap(&h);
	/* More room keeps what is filed. */
	assert_int_equal(timer_heap_reserve(&h, n + 1), 0);
	assert_int_equal(timer_heap_set(&h, &extra, 2), 0);
	assert_int_equal(h.n, n + 1);
	check_heap(&h);
	/* Freed with nodes in it: they are out. */
	timer_heap_free(&h);
	assert_false(timer_heap_has(&t[0]));
	assert_false(timer_heap_has(&extra));
	assert_int_equal(h.room, 0);
	free(t);
}

/* The reference: the key of every node, 0 for those out. */
static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

#define N_NODES	500
#define N_OPS	20000

static void random_ops(void **state)
{
	static struct timer_node t[N_NODES];
	static uint64_t ref[N_NODES], sorted[N_NODES];
	struct timer_heap h;
	unsigned int in = 0;

	(void)state;
	memset(t, 0, sizeof(t));
	memset(ref, 0, sizeof(ref));
	srandom(11);
	timer_heap_init(&h);
	assert_int_equal(timer_heap_reserve(&h, N_NODES), 0);
	for (unsigned int op = 0; op < N_OPS; op++) {
		unsigned int i = (unsigned int)random() % N_NODES;
		/* Few distinct keys: ties are common. */
		uint64_t key = 1 + (uint64_t)(random() % 1000);
		unsigned int n = 0;

		switch (random() % 4) {
		case 0:		/* out */
			key = 0;
			break;
		case 1:		/* the top taken, as a tick does */
			if (timer_heap_top(&h)) {
				struct timer_node *top = timer_heap_top(&h);

				i = (unsigned int)(top - t);
				key = 0;
			}
			break;
		default:	/* in, or moved */
			break;
		}
		assert_int_equal(timer_heap_set(&h, &t[i], key), 0);
		ref[i] = key;
		if (op % 97 && op != N_OPS - 1)
			continue;
		/* Now and then, all of it against the reference. */
		check_heap(&h);
		for (unsigned int j = 0; j < N_NODES; j++) {
			assert_int_equal(t[j].key, ref[j]);
			if (ref[j])
				sorted[n++] = ref[j];
		}
		assert_int_equal(h.n, n);
		qsort(sorted, n, sizeof(sorted[0]), cmp_u64);
		if (n)
			assert_int_equal(timer_heap_top(&h)->key, sorted[0]);
		in = n;
	}
	/* At the end, emptied from the top: the reference's order. */
	drain_in_order(&h, sorted, in);
	timer_heap_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty),
		cmocka_unit_test(order),
		cmocka_unit_test(update),
		cmocka_unit_test(remove_anywhere),
		cmocka_unit_test(room),
		cmocka_unit_test(random_ops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
