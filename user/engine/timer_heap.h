/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A binary min-heap of timers: the engine's IKE SAs by their next
 * deadline, so that engine_next_deadline() reads the top and
 * engine_tick() takes out only the SAs that are due. The nodes live in
 * the objects they order (container_of style) and hold their place in
 * the array, so that a change of key or a removal costs O(log n) and
 * never searches. Key 0 means "no deadline": the node is out of the
 * heap. Room is reserved ahead (timer_heap_reserve) for every node that
 * may be filed, so that filing never allocates and never fails.
 *
 * How the engine keeps the keys right (engine.c): an IKE SA's deadline
 * is a pure function of its state (engine_sa_deadline()), and every
 * engine entry point that may change an SA touches it (ikesa_touch()):
 * the SA of a received message, of a command (engine_delete_ike(),
 * ...), of a tick; an SA made (ikesa_new()) or killed (ikesa_kill());
 * one that an exchange of another changes (unique.c's replace). The
 * helpers most changes go through touch it as well (a request sent,
 * resent or done, a Child SA added or taken, established, replaced),
 * so that a path that starts a request by itself is filed again too.
 * The entry points that may change many SAs touch them all
 * (engine_touch_all()): interface and address changes, kernel events,
 * a configuration reload (engine_add_conn(), engine_clear_conns()), and
 * a failover at the tick. The touched SAs are filed again under their
 * new deadline when the heap is next read (engine_next_deadline(),
 * engine_tick()), so an entry point may touch an SA before or after it
 * changes it. An SA leaves the heap before it is freed
 * (ikesa_destroy()). Built with -DMIF_TIMER_AUDIT, each read of the
 * heap checks every SA's key against its deadline.
 */
#ifndef MIF_ENGINE_TIMER_HEAP_H
#define MIF_ENGINE_TIMER_HEAP_H

#include <stdbool.h>
#include <stdint.h>

struct timer_node {
	uint64_t key;		/* its deadline; 0: not in the heap */
	unsigned int pos;	/* its index in the heap's array */
};

struct timer_heap {
	struct timer_node **v;
	unsigned int n, room;
};

/* An empty heap; it allocates on its first reservation. */
void timer_heap_init(struct timer_heap *h);
void timer_heap_free(struct timer_heap *h);
/* Room for n nodes at least. 0 or -ENOMEM (the heap is unchanged). */
int timer_heap_reserve(struct timer_heap *h, unsigned int n);
/*
 * File t under key, moving it if it is in the heap already; key 0 takes
 * it out. 0, or -ENOSPC when t is new and no room was reserved for it
 * (it stays out).
 */
int timer_heap_set(struct timer_heap *h, struct timer_node *t, uint64_t key);
static inline void timer_heap_remove(struct timer_heap *h,
				     struct timer_node *t)
{
	timer_heap_set(h, t, 0);
}
/* The node of the earliest key, NULL if the heap is empty. */
static inline struct timer_node *timer_heap_top(const struct timer_heap *h)
{
	return h->n ? h->v[0] : NULL;
}
/* Whether the heap holds t. */
static inline bool timer_heap_has(const struct timer_node *t)
{
	return t->key != 0;
}

#endif
