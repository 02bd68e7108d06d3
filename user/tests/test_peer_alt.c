// SPDX-License-Identifier: GPL-2.0
/*
 * The peer's address stops answering (engine/peer_alt.h): A's request
 * goes on to B's alternates, the one that answers is checked with
 * COOKIE2 and both sides move to it. Both engines on the in-memory
 * network of harness.c, a fake clock, the path to chosen addresses of
 * B dropping everything (B sees no link change).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/ike_sa.h"
#include "engine/mif.h"
#include "engine/mif_alt.h"
#include "engine/peer_alt.h"
#include "ike/constants.h"

#include "harness.h"

/* The addresses the path drops, both ways (dst of A's, src of B's). */
#define DEAD_MAX	4
struct net {
	struct world *w;
	unsigned int n_dead;
	struct ip_addr dead[DEAD_MAX];
	/* Datagrams A sent to each of B's addresses. */
	unsigned int to_12, to_22;
};

static bool is_dead(const struct net *t, const struct ip_addr *a)
{
	for (unsigned int i = 0; i < t->n_dead; i++)
		if (ip_addr_equal(&t->dead[i], a))
			return true;
	return false;
}

static void step(struct net *t, uint64_t now)
{
	struct world *w = t->w;
	struct ip_addr a12 = test_ip("198.51.100.12"), a22 = test_ip("198.51.100.22");

	engine_tick(&w->e[0], now);
	engine_tick(&w->e[1], now);
	for (int i = 0; i < 100 && w->n; i++) {
		struct dgram d = pop(w);

		if (d.from == 0) {
			t->to_12 += ip_addr_equal(&d.dst, &a12);
			t->to_22 += ip_addr_equal(&d.dst, &a22);
		}
		if (!is_dead(t, d.from == 0 ? &d.dst : &d.src))
			deliver(w, &d, now);
		free(d.buf);
	}
}

/*
 * A (the end user) on eth0 192.0.2.1; B (the gateway) on eth0
 * 198.51.100.2 (the IKE SA's), eth1 .12 (priority 150), eth2 .22 (100)
 * when alts, so its default rule for .2 is .12 then .22. One Child SA.
 * A checks liveness every 10 s, retransmits at 2, 4, 8, 16, 32 s.
 */
static struct world *world_with(bool alts, bool mif)
{
	struct world *w = test_world_new(IKE_DH_CURVE25519, true);

	test_world_log(w);
	test_log_env = "PEER_ALT_LOG";
	w->any_addr = true;
	for (int i = 0; i < 2; i++) {
		w->c[i].mif = mif;
		w->c[i].mobike = !mif;
		test_pattern(&w->c[i], "eth0", 200);
		if (alts) {
			test_pattern(&w->c[i], "eth1", 150);
			test_pattern(&w->c[i], "eth2", 100);
		}
	}
	w->c[0].dpd_ms = 10000;
	w->c[0].retrans_base_ms = 2000;
	w->c[0].retrans_tries = 5;
	w->c[1].dpd_ms = 0;
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	test_iface_up(&w->e[0], 2, "eth0", "192.0.2.1");
	test_iface_up(&w->e[1], 7, "eth0", "198.51.100.2");
	test_iface_up(&w->e[1], 8, "eth1", "198.51.100.12");
	test_iface_up(&w->e[1], 9, "eth2", "198.51.100.22");
	return w;
}

static struct world *world_new(bool alts)
{
	return world_with(alts, true);
}

static void establish(struct world *w)
{
	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
	for (int i = 0; i < 16 && (w->n || i < 2); i++) {
		engine_tick(&w->e[0], 0);
		engine_tick(&w->e[1], 0);
		pump(w, 0);
	}
	assert_int_equal(only_sa(w, 0)->state, IKESA_ESTABLISHED);
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	assert_int_equal(n_children(only_sa(w, 0)), 1);
}

/* Run the clock from 'from' to 'to' in 100 ms steps. */
static void run(struct net *t, uint64_t from, uint64_t to)
{
	for (uint64_t now = from; now <= to; now += 100)
		step(t, now);
}

static bool addr_is(const struct ip_addr *a, const char *s)
{
	struct ip_addr x = test_ip(s);

	return ip_addr_equal(a, &x);
}

static unsigned int n_sas(const struct engine *e)
{
	unsigned int n = 0;

	for (const struct ikesa *sa = e->sas; sa; sa = sa->next)
		n += sa->state != IKESA_DEAD;
	return n;
}

/*
 * B's .2 goes silent: the liveness check at 10 s is retransmitted at
 * 12 and 16 s; at 24 s (two retransmissions unanswered, long before
 * the IKE SA would be given up at 136 s) it goes to .12, which answers
 * and passes the check; both sides move, one kernel call each.
 */
static void moves_to_first_alternate(void **state)
{
	struct world *w = world_new(true);
	struct net t = { .w = w };
	struct ikesa *a, *b;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	t.dead[t.n_dead++] = test_ip("198.51.100.2");
	run(&t, 100, 23900);
	/* The trigger: not before the second retransmission's deadline. */
	assert_int_equal(a->req.tries, 2);
	assert_null(a->peer_alt);	/* made when a probe starts */
	assert_int_equal(t.to_12, 0);
	run(&t, 24000, 30000);
	assert_int_equal(test_logged("trying its alternate 198.51.100.12"), 1);
	assert_int_equal(test_logged("checking it (COOKIE2)"), 1);
	assert_int_equal(test_logged("stopped answering: moved to its alternate "
				"198.51.100.12"), 1);
	/* The request, the check and MIF_MOVE went to .12; none to .22. */
	assert_true(t.to_12 >= 3);
	assert_int_equal(t.to_22, 0);
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	assert_true(addr_is(&a->remote, "198.51.100.12"));
	assert_true(addr_is(&a->children->remote, "198.51.100.12"));
	assert_true(addr_is(&b->local, "198.51.100.12"));
	assert_true(addr_is(&b->children->local, "198.51.100.12"));
	assert_int_equal(w->f[0].n_move, 1);
	assert_int_equal(w->f[1].n_move, 1);
	assert_false(a->req.active);
	/* From now on the liveness checks go to .12 and are answered. */
	run(&t, 30100, 200000);
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	assert_int_equal(w->f[0].n_move, 1);
	test_world_free(w);
}

/*
 * alternates_after = 4: the retransmissions at 12, 16, 24 and 40 s stay
 * on .2, the request goes to .12 at 72 s.
 */
static void alternates_after(void **state)
{
	struct world *w = world_new(true);
	struct net t = { .w = w };
	struct ikesa *a;

	w->c[0].alt_after = 4;
	establish(w);
	a = only_sa(w, 0);
	t.dead[t.n_dead++] = test_ip("198.51.100.2");
	run(&t, 100, 71900);
	assert_int_equal(a->req.tries, 4);
	assert_int_equal(t.to_12, 0);
	run(&t, 72000, 80000);
	assert_int_equal(test_logged("(4 retransmissions): trying its alternate "
				"198.51.100.12"), 1);
	assert_true(addr_is(&a->remote, "198.51.100.12"));
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	test_world_free(w);
}

/* .12 is dead too: two sends there, then .22, which answers. */
static void first_alternate_fails(void **state)
{
	struct world *w = world_new(true);
	struct net t = { .w = w };
	struct ikesa *a, *b;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	t.dead[t.n_dead++] = test_ip("198.51.100.2");
	t.dead[t.n_dead++] = test_ip("198.51.100.12");
	run(&t, 100, 40000);
	assert_int_equal(t.to_12, PEER_ALT_SENDS);
	assert_int_equal(test_logged("198.51.100.12 does not answer either: "
				"trying 198.51.100.22"), 1);
	assert_int_equal(test_logged("moved to its alternate 198.51.100.22"), 1);
	assert_true(addr_is(&a->remote, "198.51.100.22"));
	assert_true(addr_is(&a->children->remote, "198.51.100.22"));
	assert_true(addr_is(&b->children->local, "198.51.100.22"));
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	test_world_free(w);
}

/* B announces no other address: the IKE SA goes as without MIF. */
static void no_alternates(void **state)
{
	struct world *w = world_new(false);
	struct net t = { .w = w };
	struct ikesa *a;

	establish(w);
	a = only_sa(w, 0);
	t.dead[t.n_dead++] = test_ip("198.51.100.2");
	run(&t, 100, 30000);
	assert_int_equal(test_logged("it has no alternate"), 1);
	/* Spent, kept till the peer is heard. */
	assert_non_null(a->peer_alt);
	assert_int_equal(a->peer_alt->phase, PEER_ALT_IDLE);
	assert_true(a->peer_alt->spent);
	assert_int_equal(t.to_12 + t.to_22, 0);
	/* Given up on its schedule: 10 + 2 + 4 + 8 + 16 + 32 + 64 s. */
	run(&t, 30100, 135900);
	assert_int_equal(n_sas(&w->e[0]), 1);
	run(&t, 136000, 137000);
	assert_int_equal(n_sas(&w->e[0]), 0);
	assert_int_equal(w->f[0].n_move, 0);
	test_world_free(w);
}

/*
 * No alternate answers: each gets its sends, then the request goes
 * back to .2 on its schedule and the IKE SA is given up, 8 s later than
 * without alternates (two of them, two sends each, 2 s apart).
 */
static void no_alternate_answers(void **state)
{
	struct world *w = world_new(true);
	struct net t = { .w = w };

	establish(w);
	t.dead[t.n_dead++] = test_ip("198.51.100.2");
	t.dead[t.n_dead++] = test_ip("198.51.100.12");
	t.dead[t.n_dead++] = test_ip("198.51.100.22");
	run(&t, 100, 143900);
	assert_int_equal(t.to_12, PEER_ALT_SENDS);
	assert_int_equal(t.to_22, PEER_ALT_SENDS);
	assert_int_equal(test_logged("nor any of its alternates"), 1);
	assert_int_equal(n_sas(&w->e[0]), 1);
	run(&t, 144000, 145000);
	assert_int_equal(n_sas(&w->e[0]), 0);
	assert_int_equal(w->f[0].n_move, 0);
	/* Tried once only: no second round before the end. */
	assert_int_equal(test_logged("trying its alternate"), 1);
	test_world_free(w);
}

/*
 * .12 answers the request but not the check (the answer is forged from
 * there, or the path drops the check): nothing moves on .12.
 */
static void check_fails(void **state)
{
	struct world *w = world_new(true);
	struct net t = { .w = w };
	struct ikesa *a;

	establish(w);
	a = only_sa(w, 0);
	t.dead[t.n_dead++] = test_ip("198.51.100.2");
	run(&t, 100, 24000);
	/* The request went to .12, was answered: the check is next. */
	assert_non_null(a->peer_alt);
	assert_int_equal(a->peer_alt->phase, PEER_ALT_CHECK_DUE);
	t.dead[t.n_dead++] = test_ip("198.51.100.12");
	run(&t, 24100, 40000);
	assert_int_equal(test_logged("moved to its alternate 198.51.100.12"), 0);
	assert_int_equal(test_logged("moved to its alternate 198.51.100.22"), 1);
	assert_true(addr_is(&a->remote, "198.51.100.22"));
	assert_int_equal(w->f[0].n_move, 1);
	test_world_free(w);
}

/*
 * Without MIF, with MOBIKE (RFC 4555 §3.5): B lists .12 and .22 as
 * ADDITIONAL_IP4_ADDRESS; A's request goes on to .12 after the same
 * two retransmissions, then UPDATE_SA_ADDRESSES with COOKIE2 there: B
 * checks A's address, both sides move.
 */
static void mobike_path_probing(void **state)
{
	struct world *w = world_with(true, false);
	struct net t = { .w = w };
	struct ikesa *a, *b;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_true(a->mobike.on);
	assert_int_equal(a->mobike.n_peer, 2);
	t.dead[t.n_dead++] = test_ip("198.51.100.2");
	run(&t, 100, 23900);
	assert_int_equal(t.to_12 + t.to_22, 0);
	run(&t, 24000, 30000);
	assert_int_equal(test_logged("MOBIKE path probing moves the IKE SA there"),
			 1);
	assert_true(addr_is(&a->remote, "198.51.100.12"));
	assert_true(addr_is(&a->children->remote, "198.51.100.12"));
	assert_true(addr_is(&b->local, "198.51.100.12"));
	assert_true(addr_is(&b->children->local, "198.51.100.12"));
	assert_int_equal(w->f[0].n_move, 1);
	assert_int_equal(w->f[1].n_move, 1);
	run(&t, 30100, 200000);
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	test_world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(moves_to_first_alternate),
		cmocka_unit_test(alternates_after),
		cmocka_unit_test(first_alternate_fails),
		cmocka_unit_test(no_alternates),
		cmocka_unit_test(no_alternate_answers),
		cmocka_unit_test(check_fails),
		cmocka_unit_test(mobike_path_probing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
