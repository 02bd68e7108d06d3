// SPDX-License-Identifier: GPL-2.0
/*
 * Child SA rekeys in the message-ID window (engine/window.h, RFC 7296
 * §2.3), with two engines in memory: ten children due at once rekeyed
 * four at a time with window 4, each old SA's Delete beside the others;
 * one at a time with window 1, as before; a lost request and a lost
 * response in the window; and a collision (§2.8.1) with a rekey of the
 * peer's crossing one of ours in the window, whichever place it holds;
 * the windows of an IKE SA made by a rekey; and the round trips the ten
 * rekeys take by window.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/child_sa.h"
#include "engine/children.h"
#include "engine/conn.h"
#include "engine/engine.h"
#include "engine/ike_sa.h"
#include "engine/request.h"
#include "engine/window.h"
#include "ike/constants.h"
#include "backend/backend.h"

#include "harness.h"

#define N_KIDS	10
/* When A's children are all due, long before any timer of their own. */
#define DUE	10000

/* The CREATE_CHILD_SA requests among them. */
static unsigned int ccs_in_flight(const struct ikesa *sa)
{
	unsigned int n = sa->req.active &&
			 sa->req.exchange == IKE_EXCH_CREATE_CHILD_SA;

	for (unsigned int i = 0; i < sa->n_parked; i++)
		n += sa->parked[i].exchange == IKE_EXCH_CREATE_CHILD_SA;
	return n;
}

/* The exchange type of a request of side from, or 0: not one. */
static uint8_t request_of_side(const struct dgram *d, int from)
{
	if (d->from != from || d->len < IKE_HEADER_LEN ||
	    (d->buf[19] & IKE_FLAG_RESPONSE))
		return 0;
	return d->buf[18];
}

/* A's INFORMATIONAL requests that run() has seen go, retransmissions too. */
static unsigned int a_infos;

/*
 * One datagram at a time, the timers of both sides run after each, until
 * the network is quiet: the most requests A had in flight at once on sa
 * (NULL: not counted, sa may go meanwhile).
 */
static unsigned int run(struct world *w, struct ikesa *sa, uint64_t now)
{
	unsigned int most = sa ? test_in_flight(sa) : 0;

	for (int i = 0; i < 2000; i++) {
		struct dgram d;

		engine_tick(&w->e[0], now);
		engine_tick(&w->e[1], now);
		if (sa && test_in_flight(sa) > most)
			most = test_in_flight(sa);
		if (!w->n)
			break;
		d = pop(w);
		a_infos += request_of_side(&d, 0) == IKE_EXCH_INFORMATIONAL;
		deliver(w, &d, now);
		free(d.buf);
	}
	assert_int_equal(w->n, 0);
	return most;
}

/* A's IKE SA with all N_KIDS children up on both sides. */
static struct ikesa *establish(struct world *w)
{
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 1);

	assert_non_null(sa);
	run(w, sa, 1);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(n_children(sa), N_KIDS);
	assert_int_equal(n_children(only_sa(w, 1)), N_KIDS);
	return sa;
}

/* A's children, all due at DUE; their spi_in in old[]. */
static void all_due(struct ikesa *sa, uint32_t old[N_KIDS])
{
	unsigned int n = 0;

	for (struct childsa *c = sa->children; c; c = c->next) {
		c->rekey_at = DUE;
		old[n++] = c->spi_in;
	}
	assert_int_equal(n, N_KIDS);
	ikesa_touch(sa);	/* its deadline changed (timer_heap.h) */
}

/*
 * Nothing lost: one Child SA of each child on each side, the two halves
 * of each pair matching, none of old[] left, and the kernels holding
 * those SAs and no others.
 */
static void all_rekeyed(struct world *w, struct ikesa *a,
			const uint32_t old[N_KIDS])
{
	struct ikesa *b = only_sa(w, 1);
	unsigned int seen[TEST_KIDS] = { 0 };

	assert_int_equal(test_in_flight(a), 0);
	assert_int_equal(test_in_flight(b), 0);
	assert_int_equal(w->e[0].rekeys_in_flight, 0);
	assert_int_equal(w->e[1].rekeys_in_flight, 0);
	assert_int_equal(n_children(a), N_KIDS);
	assert_int_equal(n_children(b), N_KIDS);
	test_pairs_match(a, b, seen);
	for (struct childsa *c = a->children; c; c = c->next)
		for (unsigned int i = 0; i < N_KIDS; i++)
			assert_int_not_equal(c->spi_in, old[i]);
	for (unsigned int i = 0; i < N_KIDS; i++)
		assert_int_equal(seen[i], 1);
	assert_int_equal(live_sas(&w->f[0]), 2 * N_KIDS);
	assert_int_equal(live_sas(&w->f[1]), 2 * N_KIDS);
}

/*
 * Window 4 on both sides, ten children due at once: four rekeys go
 * together, the Delete of each old SA takes the place of its rekey, the
 * others follow as places free up; all ten rekeyed, nothing lost.
 */
static void test_four_at_once(void **state)
{
	struct test_kids k;
	struct world *w = test_window_world(&k, N_KIDS, 4, 4);
	uint32_t old[N_KIDS];
	struct ikesa *sa;

	(void)state;
	sa = establish(w);
	all_due(sa, old);
	engine_tick(&w->e[0], DUE);
	assert_int_equal(ccs_in_flight(sa), 4);
	assert_int_equal(test_in_flight(sa), 4);
	assert_int_equal(w->n, 4);
	assert_false(window_room(sa));
	assert_int_equal(run(w, sa, DUE), 4);
	all_rekeyed(w, sa, old);
	assert_int_equal(w->e[0].counts.child_rekey_collisions, 0);
	test_world_free(w);
}

/*
 * Window 1 (the default, and a peer that sends no SET_WINDOW_SIZE): one
 * request at a time, as before, each rekey followed by the Delete of the
 * SA it replaced before the next rekey.
 */
static void one_at_a_time(unsigned int wa, unsigned int wb)
{
	struct test_kids k;
	struct world *w = test_window_world(&k, N_KIDS, wa, wb);
	uint8_t seq[4 * N_KIDS];
	unsigned int n = 0;
	uint32_t old[N_KIDS];
	struct ikesa *sa;

	sa = establish(w);
	assert_int_equal(window_peer(sa), 1);
	all_due(sa, old);
	engine_tick(&w->e[0], DUE);
	for (int i = 0; i < 2000; i++) {
		struct dgram d;

		assert_true(test_in_flight(sa) <= 1);
		if (!w->n)
			break;
		d = pop(w);
		if (request_of_side(&d, 0) && n < 4 * N_KIDS)
			seq[n++] = request_of_side(&d, 0);
		deliver(w, &d, DUE);
		free(d.buf);
		assert_true(test_in_flight(sa) <= 1);
		engine_tick(&w->e[0], DUE);
		engine_tick(&w->e[1], DUE);
	}
	assert_int_equal(n, 2 * N_KIDS);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(seq[i], i % 2 ? IKE_EXCH_INFORMATIONAL :
						 IKE_EXCH_CREATE_CHILD_SA);
	all_rekeyed(w, sa, old);
	test_world_free(w);
}

static void test_one_at_a_time(void **state)
{
	(void)state;
	one_at_a_time(1, 1);
	one_at_a_time(4, 1);	/* B offers no window: A sends one */
}

/*
 * Of four rekeys in the window, one request is lost and one response:
 * the other two are answered, but their Deletes and the next rekeys
 * wait, the window being of message IDs (§2.3). The two are sent again
 * alone when their time comes, B answering the one it has answered
 * again from its window; then the Deletes owed go, in one request, and
 * the rest follows: all ten rekeyed.
 */
static void test_lost_in_window(void **state)
{
	struct test_kids k;
	struct world *w = test_window_world(&k, N_KIDS, 4, 4);
	struct ikesa *sa, *b;
	uint32_t old[N_KIDS];
	struct dgram d[4];
	uint64_t now = DUE;
	unsigned int rt, owed = 0;

	(void)state;
	sa = establish(w);
	b = only_sa(w, 1);
	all_due(sa, old);
	a_infos = 0;
	engine_tick(&w->e[0], now);
	assert_int_equal(w->n, 4);
	for (int i = 0; i < 4; i++)
		d[i] = pop(w);
	free(d[0].buf);			/* lost */
	deliver(w, &d[1], now);
	free(d[1].buf);
	d[0] = pop(w);			/* B's answer to it */
	assert_int_equal(d[0].from, 1);
	free(d[0].buf);			/* lost too */
	/* The other two are answered: their Deletes owed, nothing sent. */
	deliver(w, &d[2], now);
	deliver(w, &d[3], now);
	free(d[2].buf);
	free(d[3].buf);
	run(w, sa, now);
	assert_int_equal(ccs_in_flight(sa), 2);
	assert_int_equal(test_in_flight(sa), 2);
	assert_false(window_room(sa));
	for (struct childsa *c = sa->children; c; c = c->next)
		owed += c->delete_owed;
	assert_int_equal(owed, 2);
	assert_int_equal(n_children(sa), N_KIDS + 2);
	assert_int_equal(n_children(b), N_KIDS + 3);
	rt = w->e[0].counts.retransmits;
	/* Their time comes: both sent again, then the rest follows. */
	now += w->c[0].retrans_base_ms;
	assert_int_equal(engine_next_deadline(&w->e[0]), now);
	engine_tick(&w->e[0], now);
	assert_int_equal(w->e[0].counts.retransmits, rt + 2);
	assert_int_equal(w->n, 2);
	run(w, sa, now);
	assert_int_equal(w->e[0].counts.retransmits, rt + 2);
	/* Ten old SAs deleted in nine requests: the two owed in one. */
	assert_int_equal(a_infos, N_KIDS - 1);
	all_rekeyed(w, sa, old);
	test_world_free(w);
}

/* B's Child SA whose outbound SPI is spi, A's inbound. */
static struct childsa *b_child(struct world *w, uint32_t spi)
{
	struct childsa *c = ikesa_find_child(only_sa(w, 1), spi, false);

	assert_non_null(c);
	return c;
}

/*
 * B rekeys the same Child SA as A's rekey at place pos of A's four in
 * flight (0: sa->req, then the parked ones), the two requests crossing:
 * one collision on each side, settled by the nonces; all ten children
 * rekeyed once, nothing lost.
 */
static void collide_at(unsigned int pos)
{
	struct test_kids k;
	struct world *w = test_window_world(&k, N_KIDS, 4, 4);
	const struct request_children *rc;
	struct dgram d[NET_MAX];
	uint32_t old[N_KIDS];
	struct ikesa *sa;
	unsigned int n;

	sa = establish(w);
	all_due(sa, old);
	engine_tick(&w->e[0], DUE);
	assert_int_equal(test_in_flight(sa), 4);
	rc = request_children_in(pos ? &sa->parked[pos - 1] : &sa->req);
	assert_non_null(rc);
	assert_int_equal(rc->n, 1);
	/* B's half of the Child SA A rekeys there: due now too. */
	b_child(w, rc->c[0]->rekey_spi)->rekey_at = DUE;
	ikesa_touch(only_sa(w, 1));
	engine_tick(&w->e[1], DUE);
	assert_int_equal(test_in_flight(only_sa(w, 1)), 1);
	/* All five requests reach the other side before any answer. */
	n = w->n;
	assert_int_equal(n, 5);
	for (unsigned int i = 0; i < n; i++)
		d[i] = pop(w);
	for (unsigned int i = 0; i < n; i++) {
		deliver(w, &d[i], DUE);
		free(d[i].buf);
	}
	run(w, sa, DUE);
	assert_int_equal(w->e[0].counts.child_rekey_collisions, 1);
	assert_int_equal(w->e[1].counts.child_rekey_collisions, 1);
	all_rekeyed(w, sa, old);
	test_world_free(w);
}

static void test_collision_in_window(void **state)
{
	(void)state;
	/* Random nonces: each place a few times, to see either side win. */
	for (int i = 0; i < 3; i++)
		for (unsigned int pos = 0; pos < 4; pos++)
			collide_at(pos);
}

/*
 * An IKE SA made by a rekey, windows wa (A) and wb (B): each side offers
 * its window above 1 anew in the rekey's CREATE_CHILD_SA, and the new
 * IKE SA has them; A's ten children due at once on it go as many at a
 * time as B's window takes.
 */
static void ike_rekeyed(unsigned int wa, unsigned int wb)
{
	struct test_kids k;
	struct world *w = test_window_world(&k, N_KIDS, wa, wb);
	uint32_t old[N_KIDS];
	struct ikesa *sa, *na, *nb;
	struct dgram d;

	sa = establish(w);
	assert_int_equal(engine_rekey_ike(&w->e[0], sa, 2), 0);
	assert_int_equal(deliver_next_notify(w, only_sa(w, 1),
					     IKE_N_SET_WINDOW_SIZE, 2), wa > 1);
	d = pop(w);
	assert_int_equal(d.from, 1);
	assert_int_equal(dgram_has_notify(sa, &d, IKE_N_SET_WINDOW_SIZE),
			 wb > 1);
	deliver(w, &d, 2);
	free(d.buf);
	run(w, NULL, 2);	/* the Delete of the old IKE SA */
	na = only_sa(w, 0);
	nb = only_sa(w, 1);
	assert_ptr_not_equal(na, sa);
	assert_int_equal(window_peer(na), wb);
	assert_int_equal(window_peer(nb), wa);
	assert_int_equal(na->resp_window, wa > 1 ? wa : 0);
	assert_int_equal(nb->resp_window, wb > 1 ? wb : 0);
	assert_int_equal(n_children(na), N_KIDS);
	all_due(na, old);
	engine_tick(&w->e[0], DUE);
	assert_int_equal(ccs_in_flight(na), wb);
	assert_int_equal(run(w, na, DUE), wb);
	all_rekeyed(w, na, old);
	test_world_free(w);
}

static void test_ike_rekeyed(void **state)
{
	(void)state;
	ike_rekeyed(4, 4);
	ike_rekeyed(1, 1);
	ike_rekeyed(4, 1);
	ike_rekeyed(1, 4);
}

/*
 * One-way trips until quiet, each delivering every datagram in flight at
 * once, then the timers.
 */
static unsigned int trips(struct world *w, uint64_t now)
{
	struct dgram d[NET_MAX];
	unsigned int n, r = 0;

	while (w->n && r < 1000) {
		n = w->n;
		for (unsigned int i = 0; i < n; i++)
			d[i] = pop(w);
		for (unsigned int i = 0; i < n; i++) {
			deliver(w, &d[i], now);
			free(d[i].buf);
		}
		engine_tick(&w->e[0], now);
		engine_tick(&w->e[1], now);
		r++;
	}
	return r;
}

/* Ten rekeys and their Deletes, in round trips, by window. */
static unsigned int round_trips(unsigned int win)
{
	struct test_kids k;
	struct world *w = test_window_world(&k, N_KIDS, win, win);
	uint32_t old[N_KIDS];
	struct ikesa *sa = establish(w);
	unsigned int n;

	all_due(sa, old);
	engine_tick(&w->e[0], DUE);
	n = trips(w, DUE);
	all_rekeyed(w, sa, old);
	test_world_free(w);
	assert_int_equal(n % 2, 0);
	return n / 2;
}

/*
 * Window 1: twenty round trips, a rekey and a Delete for each child in
 * turn; window 4: six; 16: two, all ten rekeys, then all ten Deletes.
 */
static void test_round_trips(void **state)
{
	(void)state;
	assert_int_equal(round_trips(1), 2 * N_KIDS);
	assert_int_equal(round_trips(4), 6);
	assert_int_equal(round_trips(16), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_four_at_once),
		cmocka_unit_test(test_one_at_a_time),
		cmocka_unit_test(test_lost_in_window),
		cmocka_unit_test(test_collision_in_window),
		cmocka_unit_test(test_ike_rekeyed),
		cmocka_unit_test(test_round_trips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
