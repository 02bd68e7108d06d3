// SPDX-License-Identifier: GPL-2.0
/*
 * Rekeying, as the events and timers see it: the old IKE SA on the side
 * that answers a rekey starts nothing any more, and every rekey of an
 * IKE SA or a Child SA is one event on each side, whoever starts it and
 * when both start at once (RFC 7296 §2.8, §2.8.1, §2.25). Both engines
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
	struct world *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	for (int i = 0; i < 2; i++) {
		struct engine_send s = { net_send, &w->p[i] };
		struct engine_events e = { ev_record, &ev[i] };

		w->f[i].b.ops = &fake_ops;
		w->f[i].b.priv = &w->f[i];
		w->f[i].next_spi = 0xa0000000u + 0x1000u * (uint32_t)i;
		w->p[i].w = w;
		w->p[i].id = i;
		make_conn(&w->c[i], i, IKE_DH_ECP_256, true);
		w->c[i].ike_lifetime_s = ike_s;
		w->c[i].child_lifetime_s = child_s;
		assert_int_equal(engine_init(&w->e[i], &w->f[i].b, &s), 0);
		memset(&ev[i], 0, sizeof(ev[i]));
		engine_set_events(&w->e[i], &e);
	}
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	return w;
}

static void world_free(struct world *w)
{
	drop_all(w);
	engine_free(&w->e[0]);
	engine_free(&w->e[1]);
	free(w);
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
	struct dgram d;

	w->c[1].dpd_ms = 2000;
	w->c[1].nat_keepalive_ms = 1000;
	w->c[1].ike_reauth = true;
	a_old = establish(w, ev);
	b_old = only_sa(w, 1);
	old_spi = a_old->spi_i;
	assert_int_not_equal(b_old->rekey_at, 0);
	b_old->unique_delete_at = 5;
	assert_int_equal(engine_rekey_ike(&w->e[0], a_old, 10), 0);
	d = pop(w);		/* A's request */
	deliver(w, &d, 10);
	free(d.buf);
	d = pop(w);		/* B's answer */
	deliver(w, &d, 10);
	free(d.buf);
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
	b_old->peer_alt.phase = PEER_ALT_CHECK_DUE;
	b_old->peer_alt.n = 1;
	b_old->peer_alt.alts[0] = w->c[1].remote;
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
	world_free(w);
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
		world_free(w);
	}
}

/*
 * Both sides' timers rekey the IKE SA at once: each refuses the other
 * with TEMPORARY_FAILURE (§2.25.2), reports nothing, and tries again
 * after a random delay, so that the two are not in step again; the
 * next rekey goes through, one event on each side.
 */
static void rekey_ike_both_at_once(void **state)
{
	for (int run = 0; run < 4; run++) {
		struct ev_log ev[2];
		struct world *w = world_new(100, 0, ev);
		struct ikesa *s[2];
		uint64_t t = 50000, first[2];
		unsigned int rounds = 0;

		s[0] = establish(w, ev);
		s[1] = only_sa(w, 1);
		for (int i = 0; i < 2; i++) {
			s[i]->rekey_at = t;
			engine_tick(&w->e[i], t);
			assert_true(s[i]->req.active);
		}
		pump(w, t);
		for (int i = 0; i < 2; i++) {
			assert_true(sa_alive(&w->e[i], s[i]));
			assert_false(s[i]->req.active);
			assert_int_equal(ev[i].total, 0);
			/* Half to all of a tenth of the lifetime later. */
			first[i] = s[i]->rekey_at;
			assert_true(first[i] >= t + 5000 &&
				    first[i] < t + 10000);
		}
		/* Until one goes first (equal draws meet again). */
		while (sa_alive(&w->e[0], s[0]) && rounds++ < 20) {
			t = next_deadline(w);
			engine_tick(&w->e[0], t);
			engine_tick(&w->e[1], t);
			pump(w, t);
		}
		assert_false(sa_alive(&w->e[0], s[0]));
		assert_false(sa_alive(&w->e[1], s[1]));
		assert_int_equal(n_children(only_sa(w, 0)), 1);
		assert_int_equal(n_children(only_sa(w, 1)), 1);
		one_ike_rekey(ev);
		world_free(w);
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
		world_free(w);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rekey_ike_answer_quiet),
		cmocka_unit_test(rekey_ike_either_side),
		cmocka_unit_test(rekey_ike_both_at_once),
		cmocka_unit_test(rekey_child_either_side),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
