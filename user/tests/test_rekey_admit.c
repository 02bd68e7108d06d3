// SPDX-License-Identifier: GPL-2.0
/*
 * The engine's bound on our rekeys in flight (struct engine's
 * rekeys_in_flight_max), with two engines in memory and a fake clock:
 * with many Child SAs of several IKE SAs due at once, no more rekeys go
 * than the bound, the others wait (their IKE SA in the queue once, with
 * no timer of theirs, rekey_queue.h) and all are rekeyed long before
 * their hard expiry; each place freed wakes the first in the queue, in
 * turn; an IKE SA's rekey waits as a Child SA's does; a Child SA that
 * waits past its hard expiry expires; and an IKE SA that goes, dropped
 * or given up with its rekeys in flight, gives their places back. After
 * each step the engine's count is checked against a walk of the
 * requests in flight, and the queue against the SAs' states: with
 * anyone in it, no place is free; both are empty once all are done.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/child_sa.h"
#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/request.h"
#include "engine/window.h"
#include "ike/constants.h"

#include "harness.h"

#define N_KIDS	4
#define MAX_IKE	4
/* When the children are due, long before any timer of their own. */
#define DUE	10000

/*
 * The rekeys of ours in flight on e, found by walking its requests, not
 * through the engine's count: CREATE_CHILD_SA for a Child SA that
 * replaces another (REKEY_SA), and the IKE SA's rekey.
 */
static unsigned int walk_rekeys(const struct engine *e)
{
	const struct request_children *rc;
	unsigned int n = 0;

	for (const struct ikesa *sa = e->sas; sa; sa = sa->next) {
		if (sa->state == IKESA_DEAD)
			continue;
		n += ike_rekey_in_flight(sa);
		for (unsigned int k = 0; k <= sa->n_parked; k++) {
			rc = request_children_in(k ? &sa->parked[k - 1] :
						     &sa->req);
			n += rc && rc->n && rc->c[0]->rekey_spi;
		}
	}
	return n;
}

/*
 * e's queue: each SA in it waiting, in it once (the list ends where
 * rq_tail says), the woken counted; with anyone waiting, every place
 * in flight or kept for one woken. The number waiting.
 */
static unsigned int check_queue(const struct engine *e)
{
	unsigned int waiting = 0, in_list = 0, woken = 0;
	struct ikesa *const *pp = &e->rq_head;

	for (const struct ikesa *sa = e->sas; sa; sa = sa->next) {
		waiting += sa->rq_state == REKEY_QUEUE_WAITING;
		woken += sa->rq_state == REKEY_QUEUE_WOKEN;
		if (sa->state == IKESA_DEAD)
			assert_int_equal(sa->rq_state, REKEY_QUEUE_NONE);
	}
	for (; *pp; pp = &(*pp)->rq_next) {
		assert_int_equal((*pp)->rq_state, REKEY_QUEUE_WAITING);
		assert_ptr_equal((*pp)->rq_pprev, pp);
		in_list++;
	}
	assert_ptr_equal(e->rq_tail, pp);
	assert_int_equal(in_list, waiting);
	assert_int_equal(e->rq_woken, woken);
	if (waiting)
		assert_true(e->rekeys_in_flight + e->rq_woken >=
			    e->rekeys_in_flight_max);
	return waiting;
}

/* e's count agrees with the walk, and is within its bound: the count. */
static unsigned int check_count(const struct engine *e)
{
	unsigned int n = walk_rekeys(e);

	assert_int_equal(e->rekeys_in_flight, n);
	if (e->rekeys_in_flight_max)
		assert_true(n <= e->rekeys_in_flight_max);
	check_queue(e);
	return n;
}

/* The engines' earliest deadline (0: none). */
static uint64_t next_deadline(struct world *w)
{
	uint64_t a = engine_next_deadline(&w->e[0]);
	uint64_t b = engine_next_deadline(&w->e[1]);

	return !a ? b : !b ? a : a < b ? a : b;
}

/*
 * One datagram at a time, the timers of both sides run after each, with
 * the clock moved on to the next deadline whenever the network is quiet,
 * until it is quiet at done() or at until: the most rekeys A had in
 * flight at once. Every step checks A's count (and B's: 0, it starts
 * none). *now is where the clock ends.
 */
static unsigned int run(struct world *w, uint64_t *now, uint64_t until,
			bool (*done)(struct world *w))
{
	unsigned int most = 0, n;

	for (int i = 0; i < 100000; i++) {
		struct dgram d;

		engine_tick(&w->e[0], *now);
		engine_tick(&w->e[1], *now);
		n = check_count(&w->e[0]);
		if (n > most)
			most = n;
		assert_int_equal(check_count(&w->e[1]), 0);
		if (w->n) {
			d = pop(w);
			deliver(w, &d, *now);
			free(d.buf);
			continue;
		}
		if (done && done(w))
			return most;
		if (!next_deadline(w) || next_deadline(w) > until)
			return most;
		if (next_deadline(w) > *now)
			*now = next_deadline(w);
	}
	fail_msg("the engines never settle");
	return most;
}

/*
 * Two engines, children as test_window_world() makes them (window 4 on
 * both sides), n IKE SAs side by side between them (unique = never),
 * each up with its N_KIDS Child SAs; A's bound on rekeys in flight max.
 */
static struct world *world_new(struct test_kids *k, unsigned int n,
			       unsigned int max, struct ikesa **sas)
{
	struct world *w = test_window_world(k, N_KIDS, 4, 4);
	uint64_t now = 1;

	w->c[0].unique = w->c[1].unique = CONN_UNIQUE_NEVER;
	w->e[0].rekeys_in_flight_max = max;
	for (unsigned int i = 0; i < n; i++) {
		sas[i] = engine_initiate(&w->e[0], &w->c[0], now);
		assert_non_null(sas[i]);
		run(w, &now, now, NULL);
		assert_int_equal(sas[i]->state, IKESA_ESTABLISHED);
		assert_int_equal(n_children(sas[i]), N_KIDS);
	}
	assert_int_equal(w->e[0].rekeys_in_flight, 0);
	return w;
}

/*
 * Both engines freed, every SA with them, A's count asserted 0 with no
 * SA left (test_world_free() without the free of w first).
 */
static void world_free(struct world *w)
{
	drop_all(w);
	engine_free(&w->e[0]);
	engine_free(&w->e[1]);
	assert_null(w->e[0].sas);
	assert_int_equal(w->e[0].rekeys_in_flight, 0);
	assert_int_equal(w->e[1].rekeys_in_flight, 0);
	free(w);
}

/* A's Child SAs on sas[0..n), all due at DUE; their spi_in in old[]. */
static void all_due(struct world *w, struct ikesa **sas, unsigned int n,
		    uint32_t old[MAX_IKE * N_KIDS], uint64_t *expire)
{
	unsigned int k = 0;

	*expire = 0;
	for (unsigned int i = 0; i < n; i++) {
		for (struct childsa *c = sas[i]->children; c; c = c->next) {
			c->rekey_at = DUE;
			old[k++] = c->spi_in;
			if (!*expire || c->expire_at < *expire)
				*expire = c->expire_at;
		}
		ikesa_touch(sas[i]);	/* its deadline changed */
	}
	assert_int_equal(k, n * N_KIDS);
	(void)w;
}

static const uint32_t *old_spis;
static unsigned int n_old;

/* None of old_spis[] is left on A, and nothing is in flight. */
static bool none_old(struct world *w)
{
	for (const struct ikesa *sa = w->e[0].sas; sa; sa = sa->next) {
		if (sa->state == IKESA_DEAD)
			continue;
		if (test_in_flight(sa))
			return false;
		for (const struct childsa *c = sa->children; c; c = c->next)
			for (unsigned int i = 0; i < n_old; i++)
				if (c->spi_in == old_spis[i])
					return false;
	}
	return true;
}

/*
 * Four IKE SAs of four Child SAs each, all sixteen due at once, window
 * 4: with a bound of 3, three rekeys in flight at most, and at some
 * point three; the others wait (counted), and every Child SA is rekeyed
 * once, pairs matching, long before the first hard expiry. Without a
 * bound all sixteen go at once, as the windows let them: the bound is
 * what holds them.
 */
static void storm(unsigned int max, unsigned int want_most)
{
	struct test_kids k;
	struct ikesa *sas[MAX_IKE];
	struct world *w = world_new(&k, MAX_IKE, max, sas);
	uint32_t old[MAX_IKE * N_KIDS];
	uint64_t now = DUE, expire;
	unsigned int most, seen[TEST_KIDS];

	all_due(w, sas, MAX_IKE, old, &expire);
	old_spis = old;
	n_old = MAX_IKE * N_KIDS;
	most = run(w, &now, expire - 1, none_old);
	assert_true(none_old(w));
	assert_int_equal(most, want_most);
	assert_true(now < expire);
	assert_int_equal(w->e[0].counts.child_rekeys, MAX_IKE * N_KIDS);
	assert_int_equal(w->e[1].counts.child_rekeys, MAX_IKE * N_KIDS);
	if (max && max < MAX_IKE * N_KIDS)
		assert_true(w->e[0].counts.rekeys_deferred > 0);
	else
		assert_int_equal(w->e[0].counts.rekeys_deferred, 0);
	for (unsigned int i = 0; i < MAX_IKE; i++) {
		struct ikesa *b = engine_find_sa(&w->e[1], sas[i]->spi_r,
						 false);

		assert_non_null(b);
		memset(seen, 0, sizeof(seen));
		assert_int_equal(n_children(sas[i]), N_KIDS);
		test_pairs_match(sas[i], b, seen);
		for (unsigned int t = 0; t < N_KIDS; t++)
			assert_int_equal(seen[t], 1);
	}
	assert_int_equal(w->e[0].rekeys_in_flight, 0);
	assert_int_equal(check_queue(&w->e[0]), 0);
	assert_int_equal(w->e[0].rq_woken, 0);
	world_free(w);
}

static void test_storm_bounded(void **state)
{
	(void)state;
	storm(3, 3);
	storm(1, 1);
}

static void test_storm_unbounded(void **state)
{
	(void)state;
	storm(0, MAX_IKE * N_KIDS);
	/* A bound above the storm holds nothing back either. */
	storm(100, MAX_IKE * N_KIDS);
}

/*
 * At the bound (3, of sixteen due, window 4): the first IKE SA to tick
 * takes the three places and, its fourth Child SA due, waits; the three
 * others wait after it, each counted once, with no timer for their
 * rekeys (ticks later do not run them). The first place freed wakes the
 * first in the queue, and only it: it takes the place at its next tick,
 * the others still waiting in their order; and so on until every Child
 * SA is rekeyed, the queue empty.
 */
static void test_queue_in_turn(void **state)
{
	struct test_kids k;
	struct ikesa *sas[MAX_IKE], *q[MAX_IKE];
	struct world *w = world_new(&k, MAX_IKE, 3, sas);
	struct engine *e = &w->e[0];
	uint32_t old[MAX_IKE * N_KIDS];
	uint64_t expire, now = DUE;
	unsigned int n = 0;

	(void)state;
	all_due(w, sas, MAX_IKE, old, &expire);
	engine_tick(e, now);
	assert_int_equal(check_count(e), 3);
	assert_int_equal(check_queue(e), MAX_IKE);
	assert_int_equal(e->counts.rekeys_deferred, MAX_IKE);
	for (struct ikesa *sa = e->rq_head; sa; sa = sa->rq_next) {
		assert_int_equal(test_in_flight(sa), n ? 0 : 3);
		if (n)
			assert_true(engine_sa_deadline(sa) > now);
		q[n++] = sa;
	}
	assert_int_equal(n, MAX_IKE);
	/* Held back, the answers: ticks meanwhile change nothing. */
	engine_tick(e, now + 1);
	assert_int_equal(check_queue(e), MAX_IKE);
	assert_int_equal(e->counts.rekeys_deferred, MAX_IKE);
	/* One answer: its place goes to q[0], which takes it. */
	while (w->n && e->rekeys_in_flight == 3) {
		struct dgram d = pop(w);

		deliver(w, &d, now);
		free(d.buf);
		engine_tick(&w->e[1], now);
	}
	assert_int_equal(check_count(e), 2);
	assert_int_equal(q[0]->rq_state, REKEY_QUEUE_WOKEN);
	assert_ptr_equal(e->rq_head, q[1]);
	assert_ptr_equal(q[1]->rq_next, q[2]);
	assert_ptr_equal(q[2]->rq_next, q[3]);
	assert_int_equal(engine_sa_deadline(q[0]), 1);
	/* Its fourth goes; the others still wait, nothing freed. */
	engine_tick(e, now);
	assert_int_equal(check_count(e), 3);
	assert_int_equal(q[0]->rq_state, REKEY_QUEUE_NONE);
	assert_int_equal(check_queue(e), MAX_IKE - 1);
	assert_ptr_equal(e->rq_head, q[1]);
	/* The rest, in turn: every Child SA rekeyed, nothing waiting. */
	old_spis = old;
	n_old = MAX_IKE * N_KIDS;
	run(w, &now, expire - 1, none_old);
	assert_true(none_old(w));
	assert_int_equal(e->counts.child_rekeys, MAX_IKE * N_KIDS);
	assert_int_equal(check_queue(e), 0);
	assert_int_equal(e->rq_woken, 0);
	world_free(w);
}

/*
 * The bound lifted (engine_set_rekeys_max(), as a reload does) while
 * four IKE SAs wait at a bound of 1: all are woken at once, and their
 * next ticks start every rekey due that their windows take.
 */
static void test_bound_lifted(void **state)
{
	struct test_kids k;
	struct ikesa *sas[MAX_IKE];
	struct world *w = world_new(&k, MAX_IKE, 1, sas);
	struct engine *e = &w->e[0];
	uint32_t old[MAX_IKE * N_KIDS];
	uint64_t expire;

	(void)state;
	all_due(w, sas, MAX_IKE, old, &expire);
	engine_tick(e, DUE);
	assert_int_equal(check_count(e), 1);
	assert_int_equal(check_queue(e), MAX_IKE);
	engine_set_rekeys_max(e, 0);
	assert_int_equal(check_queue(e), 0);
	assert_int_equal(e->rq_woken, MAX_IKE);
	engine_tick(e, DUE);
	assert_int_equal(check_count(e), MAX_IKE * N_KIDS);
	assert_int_equal(e->rq_woken, 0);
	world_free(w);
}

/*
 * An IKE SA's rekey at the bound (1, a Child SA's rekey of another IKE
 * SA in flight): it waits in the queue, its rekey time kept, the rest of
 * its tick running meanwhile; the place freed, it is woken and goes at
 * its next tick, holding the place while in flight, and its successor
 * takes over.
 */
static void test_ike_waits(void **state)
{
	struct test_kids k;
	struct ikesa *sas[2];
	struct world *w;
	uint64_t now = DUE, spi;
	unsigned long ike_rekeys;

	(void)state;
	w = world_new(&k, 2, 1, sas);
	w->c[0].ike_lifetime_s = w->c[1].ike_lifetime_s = 3600;
	sas[0]->children->rekey_at = DUE;
	ikesa_touch(sas[0]);
	engine_tick(&w->e[0], now);
	assert_int_equal(check_count(&w->e[0]), 1);
	assert_int_equal(w->n, 1);
	/* sas[1]'s IKE rekey falls due: no place, it waits. */
	now++;
	sas[1]->rekey_at = now;
	ikesa_touch(sas[1]);
	engine_tick(&w->e[0], now);
	assert_int_equal(w->n, 1);
	assert_false(ike_rekey_in_flight(sas[1]));
	assert_int_equal(check_count(&w->e[0]), 1);
	assert_int_equal(w->e[0].counts.rekeys_deferred, 1);
	assert_int_equal(sas[1]->rq_state, REKEY_QUEUE_WAITING);
	assert_int_equal(sas[1]->rekey_at, now);
	assert_true(engine_sa_deadline(sas[1]) > now);
	ike_rekeys = w->e[0].counts.ike_rekeys;
	spi = sas[1]->spi_i;
	/*
	 * The Child SA's rekey answered, the place is free: sas[1] woken,
	 * it goes at the next tick, and takes the place; its successor
	 * replaces it, the old IKE SA deleted and freed.
	 */
	run(w, &now, now, NULL);
	assert_int_equal(w->e[0].counts.child_rekeys, 1);
	assert_int_equal(w->e[0].counts.ike_rekeys, ike_rekeys + 1);
	assert_null(engine_find_sa(&w->e[0], spi, true));
	assert_int_equal(check_count(&w->e[0]), 0);
	assert_int_equal(check_queue(&w->e[0]), 0);
	assert_int_equal(w->e[0].counts.rekeys_deferred, 1);
	world_free(w);
}

/*
 * A Child SA that falls due at the bound with its hard expiry 400 ms
 * away: its IKE SA waits in the queue (the place is held by its other
 * Child SA's rekey, its answer held back), and at the expiry the Child
 * SA goes as any other, unrekeyed, without taking a place. The place
 * freed, the IKE SA's turn finds nothing due and ends.
 */
static void test_wait_stops_at_expiry(void **state)
{
	struct test_kids k;
	struct ikesa *sa;
	struct childsa *c0, *c1;
	struct world *w;
	uint32_t spi;
	uint64_t now = DUE;

	(void)state;
	w = world_new(&k, 1, 1, &sa);
	c0 = sa->children;
	c1 = c0->next;
	c0->rekey_at = DUE;
	ikesa_touch(sa);
	engine_tick(&w->e[0], now);
	assert_int_equal(check_count(&w->e[0]), 1);
	/* c1 due, its expiry 400 ms on. */
	now++;
	c1->rekey_at = now;
	c1->expire_at = now + 400;
	spi = c1->spi_in;
	ikesa_touch(sa);
	engine_tick(&w->e[0], now);
	assert_int_equal(check_count(&w->e[0]), 1);
	assert_int_equal(sa->rq_state, REKEY_QUEUE_WAITING);
	assert_true(engine_sa_deadline(sa) <= c1->expire_at);
	/* The answer held back: at the expiry c1 goes, nothing rekeys it. */
	engine_tick(&w->e[0], now + 400);
	assert_null(ikesa_find_child(sa, spi, true));
	assert_int_equal(check_count(&w->e[0]), 1);
	assert_int_equal(w->e[0].counts.child_rekeys, 0);
	now += 400;
	run(w, &now, now, NULL);
	assert_int_equal(check_count(&w->e[0]), 0);
	assert_int_equal(check_queue(&w->e[0]), 0);
	assert_int_equal(sa->rq_state, REKEY_QUEUE_NONE);
	assert_int_equal(w->e[0].counts.child_rekeys, 1);
	world_free(w);
}

/*
 * Rekeys in flight on an IKE SA that goes give their places back: one
 * dropped (engine_drop_sa()) with its rekeys parked in the window and
 * in sa->req, and one given up, the peer silent through every
 * retransmission. The places freed, the rekeys waiting on the others go.
 */
static void test_gone_gives_back(void **state)
{
	struct test_kids k;
	struct ikesa *sas[3];
	struct world *w;
	uint32_t old[MAX_IKE * N_KIDS];
	uint64_t now = DUE, expire;
	unsigned int n0;

	(void)state;
	w = world_new(&k, 3, 6, sas);
	all_due(w, sas, 3, old, &expire);
	engine_tick(&w->e[0], now);
	/* Six places, twelve due, four a window: two IKE SAs hold them. */
	assert_int_equal(check_count(&w->e[0]), 6);
	drop_all(w);
	/* The one with most in flight dropped: its places are back. */
	n0 = 0;
	for (unsigned int i = 0; i < 3; i++)
		if (test_in_flight(sas[i]) > test_in_flight(sas[n0]))
			n0 = i;
	assert_int_equal(test_in_flight(sas[n0]), 4);
	assert_true(sas[n0]->n_parked > 0);
	engine_drop_sa(sas[n0], ENGINE_R_CLOSED);
	engine_tick(&w->e[0], now);
	assert_int_equal(check_count(&w->e[0]), 2);
	/*
	 * The peer silent from now on: every request given up, each IKE SA
	 * with it, its places back. The waiting rekeys take them, and go
	 * with their IKE SAs in turn.
	 */
	for (int i = 0; i < 1000 && w->e[0].sas; i++) {
		drop_all(w);
		now = engine_next_deadline(&w->e[0]);
		if (!now || now >= expire)
			break;
		engine_tick(&w->e[0], now);
		check_count(&w->e[0]);
	}
	assert_null(w->e[0].sas);
	assert_int_equal(w->e[0].rekeys_in_flight, 0);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_storm_bounded),
		cmocka_unit_test(test_storm_unbounded),
		cmocka_unit_test(test_queue_in_turn),
		cmocka_unit_test(test_bound_lifted),
		cmocka_unit_test(test_ike_waits),
		cmocka_unit_test(test_wait_stops_at_expiry),
		cmocka_unit_test(test_gone_gives_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
