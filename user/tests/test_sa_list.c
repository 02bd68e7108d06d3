// SPDX-License-Identifier: GPL-2.0
/*
 * The engine's list of IKE SAs without walks (ike_sa.c, engine.c): the
 * list stays newest first whatever the order SAs are destroyed in; the
 * dead are reaped in the order of that list (their IKE_DOWN events come
 * so); and many random set-ups, kills, reaps and direct destructions
 * checked against a reference: the list, the counts, and each new IKE
 * SA's reqid block, as the walk of every SA that looked for a free one
 * handed them out. The SAs are made in memory (ikesa_new).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"

#define MAX_SAS		600

static const struct backend_ops no_ops;

struct world {
	struct backend b;
	struct engine e;
	struct conn c;
	struct ip_addr local, remote;
	/* IKE_DOWN events, in order: the SAs' seq. */
	uint64_t down[MAX_SAS];
	unsigned int n_down;
};

static void on_event(void *ctx, const struct engine_event *ev)
{
	struct world *w = ctx;

	if (ev->type == ENGINE_EV_IKE_DOWN && w->n_down < MAX_SAS)
		w->down[w->n_down++] = ev->sa->seq;
}

static struct world *world_new(void)
{
	static struct world w;
	struct engine_events ev = { on_event, &w };

	memset(&w, 0, sizeof(w));
	w.b.ops = &no_ops;
	assert_int_equal(engine_init(&w.e, &w.b, NULL), 0);
	engine_set_events(&w.e, &ev);
	w.c.name = "list";
	assert_int_equal(ip_addr_parse("192.0.2.1", &w.local), 0);
	assert_int_equal(ip_addr_parse("198.51.100.1", &w.remote), 0);
	return &w;
}

static struct ikesa *make(struct world *w)
{
	struct ikesa *sa = ikesa_new(&w->e, &w->c, true, &w->local, 500,
				     &w->remote, 500);

	assert_non_null(sa);
	return sa;
}

/* The list is exactly ref[0..n) (newest first), links both ways. */
static void check_list(const struct engine *e, struct ikesa **ref,
		       unsigned int n)
{
	struct ikesa *const *pp = &e->sas;
	unsigned int i = 0;

	for (struct ikesa *sa = e->sas; sa; sa = sa->next, i++) {
		assert_true(i < n);
		assert_ptr_equal(sa, ref[i]);
		assert_ptr_equal(sa->pprev, pp);
		pp = &sa->next;
	}
	assert_int_equal(i, n);
	assert_int_equal(e->n_sas, n);
}

static void shuffle(struct ikesa **v, unsigned int n)
{
	for (unsigned int i = n; i > 1; i--) {
		unsigned int j = (unsigned int)rand() % i;
		struct ikesa *t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

/* ref without sa, order kept. */
static unsigned int drop(struct ikesa **ref, unsigned int n,
			 const struct ikesa *sa)
{
	unsigned int i = 0;

	while (i < n && ref[i] != sa)
		i++;
	assert_true(i < n);
	memmove(&ref[i], &ref[i + 1], (n - i - 1) * sizeof(*ref));
	return n - 1;
}

static void destroy_any_order(void **state)
{
	struct world *w = world_new();
	struct ikesa *ref[200], *order[200];
	unsigned int n = 0;

	(void)state;
	srand(11);
	for (unsigned int i = 0; i < 200; i++) {
		struct ikesa *sa = make(w);

		memmove(&ref[1], &ref[0], n * sizeof(*ref));
		ref[0] = sa;
		order[n++] = sa;
		check_list(&w->e, ref, n);
	}
	shuffle(order, 200);
	for (unsigned int i = 0; i < 200; i++) {
		n = drop(ref, n, order[i]);
		ikesa_destroy(order[i]);
		check_list(&w->e, ref, n);
	}
	assert_null(w->e.sas);
	engine_free(&w->e);
}

static void reaped_in_list_order(void **state)
{
	struct world *w = world_new();
	struct ikesa *v[100];
	unsigned long gone;

	(void)state;
	srand(12);
	for (unsigned int i = 0; i < 100; i++) {
		v[i] = make(w);
		ikesa_established(v[i], 1, NULL);
	}
	/* Killed in any order; one twice; reaped newest first. */
	shuffle(v, 100);
	for (unsigned int i = 0; i < 60; i++)
		ikesa_kill(v[i]);
	ikesa_kill(v[7]);
	assert_int_equal(w->e.n_dead, 60);
	engine_tick(&w->e, 2);
	assert_int_equal(w->e.n_dead, 0);
	assert_null(w->e.dead);
	assert_int_equal(w->e.n_sas, 40);
	assert_int_equal(w->n_down, 60);
	for (unsigned int i = 1; i < 60; i++)
		assert_true(w->down[i - 1] > w->down[i]);
	/* A dead SA destroyed directly leaves the dead list. */
	gone = engine_sa_gone(&w->e);
	ikesa_kill(v[60]);
	ikesa_kill(v[61]);
	ikesa_kill(v[61]);	/* dead already: not counted again */
	assert_int_equal(engine_sa_gone(&w->e), gone + 2);
	ikesa_destroy(v[60]);
	assert_int_equal(engine_sa_gone(&w->e), gone + 3);
	assert_int_equal(w->e.n_dead, 1);
	assert_ptr_equal(w->e.dead, v[61]);
	engine_tick(&w->e, 3);
	assert_int_equal(w->e.n_sas, 38);
	assert_null(w->e.dead);
	engine_free(&w->e);
}

/*
 * The old search for a reqid block: the cursor stepped one block at a
 * time, a block taken if an SA of the list has it.
 */
static uint32_t ref_block(uint32_t *next, struct ikesa **ref,
			  unsigned int n)
{
	for (uint32_t i = 0; i < IKESA_REQID_BLOCKS; i++) {
		uint32_t b = *next, base = b << IKESA_REQID_BITS;
		bool taken = false;

		*next = b + 1 < IKESA_REQID_BLOCKS ? b + 1 : 1;
		for (unsigned int k = 0; b && !taken && k < n; k++)
			taken = ref[k]->reqid_base == base;
		if (b && !taken)
			return base;
	}
	return 0;
}

static void churn_against_reference(void **state)
{
	struct world *w = world_new();
	static struct ikesa *ref[MAX_SAS];
	unsigned int n = 0, n_dead = 0;
	uint32_t next = 1;
	uint64_t now = 1;

	(void)state;
	srand(13);
	/* The cursor near the end, to wrap within the test. */
	w->e.reqid_blocks.next = next = IKESA_REQID_BLOCKS - 300;
	for (unsigned int i = 0; i < 6000; i++) {
		unsigned int r = (unsigned int)rand() % 100;

		/* Round again past blocks some SAs still hold: skipped. */
		if (i % 2000 == 1999)
			w->e.reqid_blocks.next = next =
				IKESA_REQID_BLOCKS - 300;
		if (n < MAX_SAS - 1 && (r < 45 || !n)) {
			/* The reference looks with the new SA not yet in. */
			uint32_t want = ref_block(&next, ref, n);
			struct ikesa *sa = make(w);

			assert_int_equal(sa->reqid_base, want);
			memmove(&ref[1], &ref[0], n * sizeof(*ref));
			ref[0] = sa;
			n++;
		} else if (r < 80) {
			struct ikesa *sa = ref[(unsigned int)rand() % n];

			n_dead += sa->state != IKESA_DEAD;
			ikesa_kill(sa);
		} else if (r < 90) {
			/* Reaped: every dead one goes. */
			for (unsigned int k = 0; k < n;)
				if (ref[k]->state == IKESA_DEAD)
					n = drop(ref, n, ref[k]);
				else
					k++;
			engine_tick(&w->e, now++);
			n_dead = 0;
		} else {
			struct ikesa *sa = ref[(unsigned int)rand() % n];

			n_dead -= sa->state == IKESA_DEAD;
			n = drop(ref, n, sa);
			ikesa_destroy(sa);
		}
		assert_int_equal(w->e.n_dead, n_dead);
		check_list(&w->e, ref, n);
	}
	/* The blocks in use are exactly those of the SAs left. */
	{
		unsigned int used = 0;

		for (uint32_t b = 1; b < IKESA_REQID_BLOCKS; b++)
			used += reqid_blocks_used(&w->e.reqid_blocks, b);
		assert_int_equal(used, n);
		for (unsigned int k = 0; k < n; k++)
			assert_true(reqid_blocks_used(&w->e.reqid_blocks,
				    ref[k]->reqid_base >> IKESA_REQID_BITS));
	}
	engine_free(&w->e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(destroy_any_order),
		cmocka_unit_test(reaped_in_list_order),
		cmocka_unit_test(churn_against_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
