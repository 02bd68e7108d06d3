// SPDX-License-Identifier: GPL-2.0
/*
 * The timer heap (timer_heap.h): an array in heap order, v[i]'s
 * children at 2i + 1 and 2i + 2, each node knowing its index.
 */
#include <errno.h>
#include <stdlib.h>

#include "engine/timer_heap.h"

void timer_heap_init(struct timer_heap *h)
{
	h->v = NULL;
	h->n = h->room = 0;
}

void timer_heap_free(struct timer_heap *h)
{
	for (unsigned int i = 0; i < h->n; i++)
		h->v[i]->key = 0;
	free(h->v);
	timer_heap_init(h);
}

int timer_heap_reserve(struct timer_heap *h, unsigned int n)
{
	struct timer_node **v;
	unsigned int room;

	if (n <= h->room)
		return 0;
	room = h->room ? h->room : 64;
	while (room < n) {
		if (room > ~0u / 2)
			return -ENOMEM;
		room *= 2;
	}
	v = realloc(h->v, room * sizeof(*v));
	if (!v)
		return -ENOMEM;
	h->v = v;
	h->room = room;
	return 0;
}

static void place(struct timer_heap *h, struct timer_node *t, unsigned int i)
{
	h->v[i] = t;
	t->pos = i;
}

/* Move t up from index i while it is earlier than its parent. */
static void up(struct timer_heap *h, struct timer_node *t, unsigned int i)
{
	while (i) {
		unsigned int parent = (i - 1) / 2;

		if (h->v[parent]->key <= t->key)
			break;
		place(h, h->v[parent], i);
		i = parent;
	}
	place(h, t, i);
}

/* Move t down from index i while a child is earlier. */
static void down(struct timer_heap *h, struct timer_node *t, unsigned int i)
{
	for (;;) {
		unsigned int c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1]->key < h->v[c]->key)
			c++;
		if (t->key <= h->v[c]->key)
			break;
		place(h, h->v[c], i);
		i = c;
	}
	place(h, t, i);
}

/* Put t, whose key changed, where it belongs from index i. */
static void settle(struct timer_heap *h, struct timer_node *t, unsigned int i)
{
	if (i && h->v[(i - 1) / 2]->key > t->key)
		up(h, t, i);
	else
		down(h, t, i);
}

int timer_heap_set(struct timer_heap *h, struct timer_node *t, uint64_t key)
{
	struct timer_node *last;
	unsigned int i;

	if (!t->key) {
		if (!key)
			return 0;
		if (h->n == h->room)
			return -ENOSPC;
		t->key = key;
		h->n++;
		up(h, t, h->n - 1);
		return 0;
	}
	i = t->pos;
	if (key) {
		t->key = key;
		settle(h, t, i);
		return 0;
	}
	/* Out: the last node takes its place. */
	t->key = 0;
	last = h->v[--h->n];
	if (last != t)
		settle(h, last, i);
	return 0;
}
