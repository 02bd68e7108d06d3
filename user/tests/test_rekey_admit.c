// SPDX-License-Identifier: GPL-2.0
/*
 * The engine's bound on our rekeys in flight (struct engine's
 * rekeys_in_flight_max), with two engines in memory and a fake clock:
 * with many Child SAs of several IKE SAs due at once, no more rekeys go
 * than the bound, the others wait (an IKE SA's Child SAs until one
 * point) and all are rekeyed long before their hard expiry; an IKE SA's
 * rekey waits as a Child SA's does; a wait never goes past the Child
 * SA's hard expiry; and an IKE SA that goes, dropped or given up with
 * its rekeys in flight, gives their places back. After each step the
 * engine's count is checked against a walk of the requests in flight,
 * and it is 0 once all are done.
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

/* e's count agrees with the walk, and is within its bound: the count. */
static unsigned int check_count(const struct engine *e)
{
	unsigned int n = walk_rekeys(e);

	assert_int_equal(e->rekeys_in_flight, n);
	if (e->rekeys_in_flight_max)
		assert_true(n <= e->rekeys_in_flight_max);
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
 * At the bound (3, of sixteen due), the Child SAs of an IKE SA that got
 * no place wait all until one point, 0.5 to 1.5 s on: the IKE SA wakes
 * once for them. Each one put off is counted.
 */
static void test_wait_together(void **state)
{
	struct test_kids k;
	struct ikesa *sas[MAX_IKE];
	struct world *w = world_new(&k, MAX_IKE, 3, sas);
	uint32_t old[MAX_IKE * N_KIDS];
	uint64_t expire, at;
	unsigned int idle = 0;

	(void)state;
	all_due(w, sas, MAX_IKE, old, &expire);
	engine_tick(&w->e[0], DUE);
	assert_int_equal(check_count(&w->e[0]), 3);
	for (unsigned int i = 0; i < MAX_IKE; i++) {
		if (test_in_flight(sas[i]))
			continue;
		idle++;
		at = sas[i]->children->rekey_at;
		assert_true(at >= DUE + 500 && at <= DUE + 1500);
		for (struct childsa *c = sas[i]->children; c; c = c->next)
			assert_int_equal(c->rekey_at, at);
	}
	/* Three places: one IKE SA took them, three wait. */
	assert_int_equal(idle, MAX_IKE - 1);
	assert_int_equal(w->e[0].counts.rekeys_deferred,
			 MAX_IKE * N_KIDS - 3);
	world_free(w);
}

/*
 * An IKE SA's rekey at the bound (1, a Child SA's rekey of another IKE
 * SA in flight): it waits 0.5 to 1.5 s, the rest of its tick running
 * meanwhile; the place freed, it goes when its time comes, holding the
 * place while in flight, and its successor takes over.
 */
static void test_ike_waits(void **state)
{
	struct test_kids k;
	struct ikesa *sas[2];
	struct world *w;
	uint64_t now = DUE, at, spi;
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
	at = sas[1]->rekey_at;
	assert_true(at >= now + 500 && at <= now + 1500);
	/* The Child SA's rekey done, the place is free: nothing else yet. */
	run(w, &now, at - 1, NULL);
	assert_int_equal(check_count(&w->e[0]), 0);
	assert_true(now < at);
	assert_int_equal(sas[1]->rekey_at, at);
	ike_rekeys = w->e[0].counts.ike_rekeys;
	spi = sas[1]->spi_i;
	/* Its time: it goes, and takes the place. */
	engine_tick(&w->e[0], at);
	assert_true(ike_rekey_in_flight(sas[1]));
	assert_int_equal(check_count(&w->e[0]), 1);
	now = at;
	run(w, &now, now, NULL);
	assert_int_equal(w->e[0].counts.ike_rekeys, ike_rekeys + 1);
	/* The old IKE SA deleted, and freed. */
	assert_null(engine_find_sa(&w->e[0], spi, true));
	assert_int_equal(check_count(&w->e[0]), 0);
	assert_int_equal(w->e[0].counts.rekeys_deferred, 1);
	world_free(w);
}

/*
 * A Child SA that falls due at the bound with its hard expiry less than
 * the wait away: it waits until the expiry, no later, and then expires
 * as any other, unrekeyed, without taking a place.
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
	/* c1 due, its expiry 400 ms on: below the shortest wait. */
	now++;
	c1->rekey_at = now;
	c1->expire_at = now + 400;
	spi = c1->spi_in;
	ikesa_touch(sa);
	engine_tick(&w->e[0], now);
	assert_int_equal(check_count(&w->e[0]), 1);
	assert_int_equal(c1->rekey_at, c1->expire_at);
	/* The answer held back: at the expiry c1 goes, nothing rekeys it. */
	engine_tick(&w->e[0], now + 400);
	assert_null(ikesa_find_child(sa, spi, true));
	assert_int_equal(check_count(&w->e[0]), 1);
	assert_int_equal(w->e[0].counts.child_rekeys, 0);
	now += 400;
	run(w, &now, now, NULL);
	assert_int_equal(check_count(&w->e[0]), 0);
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
		cmocka_unit_test(test_wait_together),
		cmocka_unit_test(test_ike_waits),
		cmocka_unit_test(test_wait_stops_at_expiry),
		cmocka_unit_test(test_gone_gives_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
