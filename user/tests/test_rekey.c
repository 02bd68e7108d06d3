// SPDX-License-Identifier: GPL-2.0
/*
 * Rekeying, as the events and timers see it: the old IKE SA on the side
 * that answers a rekey starts nothing any more, and every rekey of an
 * IKE SA or a Child SA is one event on each side, whoever starts it and
 * when both start at once (RFC 7296 §2.8, §2.8.1, §2.8.2, §2.25), with
 * crossed rekeys of the IKE SA settled by the nonces in every order
 * their messages can take. Both engines
 * on the in-memory network of harness.c, A the IKE SA's initiator.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/mobike.h"
#include "engine/nat.h"
#include "engine/peer_alt.h"
#include "ike/constants.h"

#include "harness.h"

#define N_EV	(ENGINE_EV_CHILD_REKEYED + 1)
#define N_WHY	(ENGINE_R_AUTH_FAILED + 1)

struct ev_log {
	unsigned int n[N_EV][N_WHY];
	unsigned int total;
};

static void ev_record(void *ctx, const struct engine_event *ev)
{
	struct ev_log *l = ctx;

	if (ev->type >= N_EV || ev->reason >= N_WHY)
		return;		/* FAILED, REFUSED: not counted here */
	l->n[ev->type][ev->reason]++;
	l->total++;
}

/* Lifetimes: the IKE SA's (both sides), the Child SAs' (0: none). */
static struct world *world_new(uint32_t ike_s, uint32_t child_s,
			       struct ev_log *ev)
{
	struct world *w = test_world_new(IKE_DH_ECP_256, true);

	for (int i = 0; i < 2; i++) {
		struct engine_events e = { ev_record, &ev[i] };

		w->c[i].ike_lifetime_s = ike_s;
		w->c[i].child_lifetime_s = child_s;
		memset(&ev[i], 0, sizeof(ev[i]));
		engine_set_events(&w->e[i], &e);
	}
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	return w;
}

static struct ikesa *establish(struct world *w, struct ev_log *ev)
{
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);

	assert_non_null(sa);
	pump(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	/* What the set-up reported is not counted below. */
	memset(ev, 0, 2 * sizeof(*ev));
	return sa;
}

static bool sa_alive(const struct engine *e, const struct ikesa *sa)
{
	for (const struct ikesa *s = e->sas; s; s = s->next)
		if (s == sa)
			return true;
	return false;
}

/* Whether datagram d is of the IKE SA with this initiator SPI. */
static bool dgram_of(const struct dgram *d, uint64_t spi_i)
{
	uint64_t v = 0;

	if (d->len < 8)
		return false;
	for (int i = 0; i < 8; i++)
		v = v << 8 | d->buf[i];
	return v == spi_i;
}

/* The earliest deadline of both engines; 0: none. */
static uint64_t next_deadline(struct world *w)
{
	uint64_t a = engine_next_deadline(&w->e[0]);
	uint64_t b = engine_next_deadline(&w->e[1]);

	if (!a || !b)
		return a ? a : b;
	return a < b ? a : b;
}

/* Each side: exactly one IKE SA rekey, and nothing else, reported. */
static void one_ike_rekey(const struct ev_log *ev)
{
	for (int i = 0; i < 2; i++) {
		assert_int_equal(ev[i].n[ENGINE_EV_IKE_UP][ENGINE_R_REKEYED],
				 1);
		assert_int_equal(
			ev[i].n[ENGINE_EV_IKE_DOWN][ENGINE_R_REKEYED], 1);
		assert_int_equal(ev[i].total, 2);
	}
}

/*
 * B answers A's rekey of the IKE SA; A's Delete of the old one is lost.
 * Until B deletes the old SA itself, nothing of it fires, whatever was
 * due on it: its own rekey or reauthentication, a liveness check, a
 * MOBIKE update, a check of the peer's alternate address, NAT
 * keepalives. A Delete a newer IKE SA asked for (unique.c) passes to
 * the successor.
 */
static void rekey_ike_answer_quiet(void **state)
{
	struct ev_log ev[2];
	struct world *w = world_new(3600, 0, ev);
	struct ikesa *a_old, *b_old, *b_new;
	unsigned int from_old = 0, keepalives = 0;
	uint64_t old_spi, t;

	w->c[1].dpd_ms = 2000;
	w->c[1].nat_keepalive_ms = 1000;
	w->c[1].ike_reauth = true;
	a_old = establish(w, ev);
	b_old = only_sa(w, 1);
	old_spi = a_old->spi_i;
	assert_int_not_equal(b_old->rekey_at, 0);
	b_old->unique_delete_at = 5;
	assert_int_equal(engine_rekey_ike(&w->e[0], a_old, 10), 0);
	deliver_next(w, 10);	/* A's request */
	deliver_next(w, 10);	/* B's answer */
	drop_all(w);		/* A's Delete of the old SA, lost */
	ikesa_destroy(a_old);	/* and A forgets it */
	assert_true(sa_alive(&w->e[1], b_old));
	b_new = w->e[1].sas;
	assert_ptr_not_equal(b_new, b_old);
	assert_true(b_old->replaced);
	assert_int_equal(ev[1].n[ENGINE_EV_IKE_UP][ENGINE_R_REKEYED], 1);
	assert_int_equal(ev[1].total, 1);
	assert_int_equal(b_old->rekey_at, 0);
	assert_false(b_old->reauth);
	assert_int_equal(b_old->unique_delete_at, 0);
	assert_int_equal(b_new->unique_delete_at, 5);
	b_new->unique_delete_at = 0;

	/* What may come due on the old SA now. */
	b_old->mobike.pending = true;
	b_old->nat.local = true;
	b_old->nat.keepalive_at = 11;
	b_old->peer_alt = calloc(1, sizeof(*b_old->peer_alt));
	assert_non_null(b_old->peer_alt);
	b_old->peer_alt->phase = PEER_ALT_CHECK_DUE;
	b_old->peer_alt->n = 1;
	b_old->peer_alt->alts[0] = w->c[1].remote;
	assert_int_equal(mobike_deadline(b_old), 0);
	assert_int_equal(nat_deadline(b_old), 0);
	assert_int_equal(peer_alt_deadline(b_old), 0);

	for (t = engine_next_deadline(&w->e[1]); t && t < b_old->delete_at;
	     t = engine_next_deadline(&w->e[1])) {
		engine_tick(&w->e[1], t);
		for (unsigned int i = 0; i < w->n; i++) {
			if (w->q[i].from != 1)
				continue;
			from_old += dgram_of(&w->q[i], old_spi);
			keepalives += w->q[i].len == 1;
		}
		pump(w, t);
	}
	assert_int_equal(t, b_old->delete_at);
	assert_int_equal(from_old, 0);
	assert_int_equal(keepalives, 0);
	assert_true(b_new->req_next > 1);	/* its liveness checks */
	assert_true(sa_alive(&w->e[1], b_old));
	/* Then B deletes it, and reports it gone once. */
	engine_tick(&w->e[1], t);
	assert_int_equal(w->n, 1);
	assert_true(dgram_of(&w->q[0], old_spi));
	for (int i = 0; i < 20 && sa_alive(&w->e[1], b_old); i++) {
		drop_all(w);
		t = engine_tick(&w->e[1], t);
	}
	assert_false(sa_alive(&w->e[1], b_old));
	assert_int_equal(ev[1].n[ENGINE_EV_IKE_UP][ENGINE_R_REKEYED], 1);
	assert_int_equal(ev[1].n[ENGINE_EV_IKE_DOWN][ENGINE_R_REKEYED], 1);
	test_world_free(w);
}

/* A rekey of the IKE SA started by one side: one event on each. */
static void rekey_ike_either_side(void **state)
{
	for (int side = 0; side < 2; side++) {
		struct ev_log ev[2];
		struct world *w = world_new(0, 0, ev);
		struct ikesa *s[2];

		s[0] = establish(w, ev);
		s[1] = only_sa(w, 1);
		assert_int_equal(engine_rekey_ike(&w->e[side], s[side], 10),
				 0);
		pump(w, 10);
		assert_false(sa_alive(&w->e[0], s[0]));
		assert_false(sa_alive(&w->e[1], s[1]));
		assert_int_equal(n_children(only_sa(w, 0)), 1);
		assert_int_equal(only_sa(w, 0)->initiator, side == 0);
		one_ike_rekey(ev);
		test_world_free(w);
	}
}

/*
 * Two rekeys of the IKE SA that cross (§2.8.2): both sides started one
 * by hand at 10, A's request is q[0], B's q[1]. Before: the old IKE SA
 * of each side, its Child SA, reqid block and live kernel SAs.
 */
struct crossing {
	struct ev_log ev[2];
	struct world *w;
	struct ikesa *s[2];
	struct childsa *child[2];
	uint32_t reqid_base[2];
	unsigned int sas[2];
};

static void cross(struct crossing *x, uint32_t ike_s)
{
	x->w = world_new(ike_s, 0, x->ev);
	x->s[0] = establish(x->w, x->ev);
	x->s[1] = only_sa(x->w, 1);
	for (int i = 0; i < 2; i++) {
		x->child[i] = x->s[i]->children;
		assert_non_null(x->child[i]);
		x->reqid_base[i] = x->s[i]->reqid_base;
		x->sas[i] = live_sas(&x->w->f[i]);
		assert_int_equal(engine_rekey_ike(&x->w->e[i], x->s[i], 10),
				 0);
	}
	assert_int_equal(x->w->n, 2);
	assert_int_equal(x->w->q[0].from, 0);
}

/* The datagram from side from that was sent first, or last, taken out. */
static struct dgram take(struct world *w, int from, bool last)
{
	struct dgram d;
	int k = -1;

	for (unsigned int i = 0; i < w->n; i++)
		if (w->q[i].from == from && (k < 0 || last))
			k = (int)i;
	assert_true(k >= 0);
	d = w->q[k];
	memmove(w->q + k, w->q + k + 1, (w->n - (unsigned int)k - 1) *
		sizeof(w->q[0]));
	w->n--;
	return d;
}

static void send_one(struct world *w, int from, bool last, uint64_t now)
{
	struct dgram d = take(w, from, last);

	deliver(w, &d, now);
	free(d.buf);
}

/* Deliver all, and run both engines' timers, until nothing is due. */
static void run_out(struct world *w, uint64_t now)
{
	uint64_t t = now;

	pump(w, t);
	for (int i = 0; i < 200 && (t = next_deadline(w)) &&
	     (w->e[0].n_sas > 1 || w->e[1].n_sas > 1); i++) {
		engine_tick(&w->e[0], t);
		engine_tick(&w->e[1], t);
		pump(w, t);
	}
}

/*
 * Settled: on each side one IKE SA, the same on both, started by
 * winner's rekey; it has the old one's Child SA (the same kernel SAs,
 * nothing added or left behind) and reqid block; one rekey reported.
 * Its keys agree: a rekey of the Child SA through it goes through.
 * Returns the winner.
 */
static int settled(struct crossing *x, int winner)
{
	struct world *w = x->w;
	struct ikesa *n[2];

	for (int i = 0; i < 2; i++) {
		assert_false(sa_alive(&w->e[i], x->s[i]));
		n[i] = only_sa(w, i);
		assert_int_equal(n[i]->state, IKESA_ESTABLISHED);
		assert_false(n[i]->replaced);
		assert_null(n[i]->rekey_coll);
		assert_null(n[i]->rekey_of);
		assert_ptr_equal(n[i]->children, x->child[i]);
		assert_int_equal(n_children(n[i]), 1);
		assert_int_equal(n[i]->reqid_base, x->reqid_base[i]);
		assert_int_equal(live_sas(&w->f[i]), x->sas[i]);
	}
	assert_true(n[0]->spi_i == n[1]->spi_i && n[0]->spi_r == n[1]->spi_r);
	assert_true(n[0]->initiator != n[1]->initiator);
	if (winner >= 0)
		assert_true(n[winner]->initiator);
	one_ike_rekey(x->ev);
	assert_int_equal(engine_rekey_child(&w->e[0], n[0], n[0]->children,
					    100000), 0);
	pump(w, 100000);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(n_children(n[i]), 1);
		assert_int_equal(x->ev[i].n[ENGINE_EV_CHILD_REKEYED]
				 [ENGINE_R_NONE], 1);
		assert_int_equal(live_sas(&w->f[i]), x->sas[i]);
	}
	return n[0]->initiator ? 0 : 1;
}

/*
 * Both sides answer the other's rekey before their own is answered;
 * then the answers come in either order, and the first side's Delete
 * (of the old IKE SA, or of its redundant new one) may overtake the
 * other's answer (k 2, 3). Whichever rekey has the lowest nonce, the
 * other's new IKE SA stays: tried until each side has won.
 */
static void rekey_ike_crossed(void **state)
{
	for (int k = 0; k < 4; k++) {
		bool won[2] = { false, false };

		for (int run = 0; run < 64 && !(won[0] && won[1]); run++) {
			struct crossing x;
			int first = k & 1;

			cross(&x, 0);
			send_one(x.w, 0, false, 10);	/* A's request */
			send_one(x.w, 1, false, 10);	/* B's request */
			assert_non_null(x.s[0]->rekey_coll);
			assert_non_null(x.s[1]->rekey_coll);
			assert_true(x.s[0]->rekey_coll->replaced);
			/* Nothing is reported before it is settled. */
			assert_int_equal(x.ev[0].total + x.ev[1].total, 0);
			/* The answer to first's request, from !first. */
			send_one(x.w, !first, false, 10);
			if (k >= 2)	/* first's Delete, before its answer */
				send_one(x.w, first, true, 10);
			run_out(x.w, 10);
			won[settled(&x, -1)] = true;
			test_world_free(x.w);
		}
		assert_true(won[0] && won[1]);
	}
}

/*
 * B answers A's rekey before its own is answered; A's is answered
 * before B's request reaches A: A deletes the old IKE SA, and answers
 * B's rekey of it with TEMPORARY_FAILURE. B's rekey failed; the
 * Delete and that answer reach B in either order: A's new IKE SA stays.
 */
static void rekey_ike_crossed_unseen(void **state)
{
	for (int j = 0; j < 2; j++) {
		struct crossing x;
		struct dgram d;

		cross(&x, 0);
		send_one(x.w, 0, false, 10);	/* A's request, B holds */
		send_one(x.w, 1, true, 10);	/* B's answer to it */
		assert_null(x.s[0]->rekey_coll);
		assert_int_equal(x.s[0]->state, IKESA_DELETING);
		send_one(x.w, 1, false, 10);	/* B's request, late */
		d = take(x.w, 0, true);
		assert_true(dgram_has_notify(x.s[1], &d,
					     IKE_N_TEMPORARY_FAILURE));
		if (j) {
			deliver(x.w, &d, 10);
			assert_null(x.s[1]->rekey_coll);
			assert_true(x.s[1]->replaced);
			free(d.buf);
		} else {
			x.w->q[x.w->n++] = d;	/* after A's Delete */
		}
		run_out(x.w, 10);
		settled(&x, 0);
		test_world_free(x.w);
	}
}

/*
 * A peer that refuses crossed rekeys (here: B, busy with a Child SA of
 * its own, §2.25.2) answers TEMPORARY_FAILURE: with no rekey of the
 * peer's in hand, A reports nothing and tries again after a random half
 * to whole tenth of the lifetime; that one goes through.
 */
static void rekey_ike_refused_retry(void **state)
{
	struct ev_log ev[2];
	struct world *w = world_new(100, 0, ev);
	struct ikesa *s[2];
	uint64_t t = 50000, retry;

	s[0] = establish(w, ev);
	s[1] = only_sa(w, 1);
	s[0]->rekey_at = t;
	engine_tick(&w->e[0], t);
	assert_true(s[0]->req.active);
	assert_int_equal(engine_create_child(&w->e[1], s[1], t), 0);
	send_one(w, 0, false, t);	/* A's rekey reaches B, busy */
	send_one(w, 1, true, t);	/* TEMPORARY_FAILURE */
	assert_true(sa_alive(&w->e[0], s[0]));
	assert_false(ike_rekey_in_flight(s[0]));
	assert_null(s[0]->rekey_coll);
	retry = s[0]->rekey_at;
	assert_true(retry >= t + 5000 && retry < t + 10000);
	assert_int_equal(ev[0].total, 0);
	pump(w, t);
	memset(ev, 0, 2 * sizeof(*ev));	/* B's Child SA */
	assert_int_equal(engine_tick(&w->e[0], retry) != 0, 1);
	pump(w, retry);
	assert_false(sa_alive(&w->e[0], s[0]));
	assert_false(sa_alive(&w->e[1], s[1]));
	assert_int_equal(n_children(only_sa(w, 0)), 2);
	assert_int_equal(n_children(only_sa(w, 1)), 2);
	one_ike_rekey(ev);
	test_world_free(w);
}

/*
 * Both sides' timers rekey the IKE SA at once: settled at the first go,
 * one rekey on each side, nothing retried.
 */
static void rekey_ike_both_at_once(void **state)
{
	for (int run = 0; run < 4; run++) {
		struct crossing x;
		uint64_t t = 50000;

		x.w = world_new(100, 0, x.ev);
		x.s[0] = establish(x.w, x.ev);
		x.s[1] = only_sa(x.w, 1);
		for (int i = 0; i < 2; i++) {
			x.child[i] = x.s[i]->children;
			x.reqid_base[i] = x.s[i]->reqid_base;
			x.sas[i] = live_sas(&x.w->f[i]);
			x.s[i]->rekey_at = t;
			engine_tick(&x.w->e[i], t);
			assert_true(x.s[i]->req.active);
		}
		run_out(x.w, t);
		settled(&x, -1);
		test_world_free(x.w);
	}
}

/*
 * A Child SA rekey started by either side, by the timer or by hand:
 * one CHILD_REKEYED on each side, with the new SA's UP and the old
 * one's DOWN, nothing more. (Both at once: test_engine.c's
 * child_rekey_collision, collide_reordered, child_rekey_collision_late.)
 */
static void rekey_child_either_side(void **state)
{
	for (int k = 0; k < 4; k++) {
		int side = k & 1;
		bool timer = k & 2;
		struct ev_log ev[2];
		struct world *w = world_new(0, timer ? 100 : 0, ev);
		struct ikesa *s[2];
		uint64_t t = 10;

		s[0] = establish(w, ev);
		s[1] = only_sa(w, 1);
		if (timer) {
			t = s[side]->children->rekey_at;
			s[!side]->children->rekey_at = t + 1000;
			engine_tick(&w->e[side], t);
		} else {
			assert_int_equal(engine_rekey_child(&w->e[side],
							    s[side],
							    s[side]->children,
							    t), 0);
		}
		assert_true(s[side]->req.active);
		pump(w, t);
		for (int i = 0; i < 2; i++) {
			assert_int_equal(n_children(s[i]), 1);
			assert_int_equal(
				ev[i].n[ENGINE_EV_CHILD_REKEYED][ENGINE_R_NONE],
				1);
			assert_int_equal(
				ev[i].n[ENGINE_EV_CHILD_UP][ENGINE_R_NONE], 1);
			assert_int_equal(
				ev[i].n[ENGINE_EV_CHILD_DOWN][ENGINE_R_REKEYED],
				1);
			assert_int_equal(ev[i].total, 3);
		}
		test_world_free(w);
	}
}

/*
 * rekey_jitter = no: every timer at its fixed point (the IKE SA's
 * initiator at nine tenths of ike_lifetime, its responder at the end;
 * the Child SA's initiator at eight tenths of child_lifetime, its
 * responder at nine tenths), so that the initiator's rekey comes first
 * and the two sides' rekeys do not cross: one rekey on each side, no
 * crossing, nothing retransmitted; the new Child SA's timers are those
 * of its rekey's initiator and responder. With jitter, the Child SA's
 * timers fall between seven and eight tenths (initiator), 0.85 and 0.9
 * (responder).
 */
static void rekey_jitter_off(void **state)
{
	static const uint64_t lo[2] = { 70000, 85000 }, hi[2] = { 80000, 90000 };

	for (int jit = 0; jit < 2; jit++) {
		struct ev_log ev[2];
		struct world *w = world_new(100, 100, ev);
		struct ikesa *s[2];
		uint64_t t;

		w->c[0].rekey_jitter = w->c[1].rekey_jitter = jit;
		s[0] = establish(w, ev);
		s[1] = only_sa(w, 1);
		for (int i = 0; i < 2; i++) {
			t = s[i]->children->rekey_at;
			if (jit) {
				assert_in_range(t, lo[i], hi[i]);
				continue;
			}
			assert_int_equal(t, hi[i]);
			assert_int_equal(s[i]->rekey_at, i ? 100000 : 90000);
		}
		if (jit) {
			test_world_free(w);
			continue;
		}
		engine_tick(&w->e[0], 80000);
		engine_tick(&w->e[1], 80000);
		assert_true(s[0]->req.active);
		assert_false(s[1]->req.active);
		pump(w, 80000);
		for (int i = 0; i < 2; i++) {
			const struct engine_counts *n = &w->e[i].counts;

			assert_int_equal(n_children(s[i]), 1);
			assert_int_equal(
				ev[i].n[ENGINE_EV_CHILD_REKEYED][ENGINE_R_NONE],
				1);
			assert_int_equal(n->child_rekeys, 1);
			assert_int_equal(n->child_rekey_collisions, 0);
			assert_int_equal(n->retransmits, 0);
			assert_int_equal(n->ike_rekeys, 0);
			assert_int_equal(s[i]->children->rekey_at,
					 80000 + hi[i]);
		}
		test_world_free(w);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rekey_ike_answer_quiet),
		cmocka_unit_test(rekey_ike_either_side),
		cmocka_unit_test(rekey_ike_crossed),
		cmocka_unit_test(rekey_ike_crossed_unseen),
		cmocka_unit_test(rekey_ike_refused_retry),
		cmocka_unit_test(rekey_ike_both_at_once),
		cmocka_unit_test(rekey_child_either_side),
		cmocka_unit_test(rekey_jitter_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
