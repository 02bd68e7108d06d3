// SPDX-License-Identifier: GPL-2.0
/*
 * MOBIKE (RFC 4555, engine/mobike.h) when the responder's address goes
 * (§3.6) and path probing from our own other addresses (§3.5, peer_alt.h):
 * both engines on the in-memory network of harness.c without MIF, a fake
 * clock. A, the IKE SA's initiator, on eth0 192.0.2.1 (priority 200) and
 * eth1 192.0.2.11 (100); B on eth0 198.51.100.2 (200) and eth1
 * 198.51.100.12 (100); each lists its interfaces. A checks liveness every
 * 10 s and retransmits at 2, 4, 8, 16, 32 s. A dead address drops every
 * datagram from or to it (its link is cut, the address stays).
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
#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/mobike.h"
#include "engine/peer_alt.h"
#include "ike/constants.h"

#include "harness.h"

static bool addr_is(const struct ip_addr *a, const char *s)
{
	struct ip_addr x = test_ip(s);

	return ip_addr_equal(a, &x);
}

/* Dead addresses, and the pairs A's datagrams took, in order. */
#define DEAD_MAX	4
#define PAIRS_MAX	32
struct net {
	struct world *w;
	unsigned int n_dead;
	struct ip_addr dead[DEAD_MAX];
	bool all_dead;
	/* A's (src, dst), each new one when it differs from the last. */
	unsigned int n_pairs;
	struct ip_addr src[PAIRS_MAX], dst[PAIRS_MAX];
};

static bool is_dead(const struct net *t, const struct dgram *d)
{
	if (t->all_dead)
		return true;
	for (unsigned int i = 0; i < t->n_dead; i++)
		if (ip_addr_equal(&t->dead[i], &d->src) ||
		    ip_addr_equal(&t->dead[i], &d->dst))
			return true;
	return false;
}

static void note_pair(struct net *t, const struct dgram *d)
{
	unsigned int n = t->n_pairs;

	if (n && ip_addr_equal(&t->src[n - 1], &d->src) &&
	    ip_addr_equal(&t->dst[n - 1], &d->dst))
		return;
	assert_true(n < PAIRS_MAX);
	t->src[n] = d->src;
	t->dst[n] = d->dst;
	t->n_pairs++;
}

static void step(struct net *t, uint64_t now)
{
	struct world *w = t->w;

	engine_tick(&w->e[0], now);
	engine_tick(&w->e[1], now);
	for (int i = 0; i < 100 && w->n; i++) {
		struct dgram d = pop(w);

		if (d.from == 0)
			note_pair(t, &d);
		if (!is_dead(t, &d))
			deliver(w, &d, now);
		free(d.buf);
	}
}

/* Run the clock from 'from' to 'to' in 100 ms steps. */
static void run(struct net *t, uint64_t from, uint64_t to)
{
	for (uint64_t now = from; now <= to; now += 100)
		step(t, now);
}

static bool pair_is(const struct net *t, unsigned int i, const char *src,
		    const char *dst)
{
	return i < t->n_pairs && addr_is(&t->src[i], src) &&
	       addr_is(&t->dst[i], dst);
}

/* lists: each connection lists its interfaces (else none). */
static struct world *world_with(uint32_t retrans_base_ms, bool lists)
{
	struct world *w = test_world_new(IKE_DH_CURVE25519, true);

	test_world_log(w);
	test_log_env = "MOBIKE_LOG";
	w->any_addr = true;
	for (int i = 0; i < 2; i++) {
		w->c[i].mif = false;
		w->c[i].mobike = true;
		if (lists) {
			test_pattern(&w->c[i], "eth0", 200);
			test_pattern(&w->c[i], "eth1", 100);
		}
	}
	w->c[0].dpd_ms = 10000;
	w->c[0].retrans_base_ms = retrans_base_ms;
	w->c[0].retrans_tries = 5;
	w->c[1].dpd_ms = 0;
	assert_int_equal(engine_add_conn(&w->e[0], &w->c[0]), 0);
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	test_iface_up(&w->e[0], 2, "eth0", "192.0.2.1");
	test_iface_up(&w->e[0], 3, "eth1", "192.0.2.11");
	test_iface_up(&w->e[1], 7, "eth0", "198.51.100.2");
	test_iface_up(&w->e[1], 8, "eth1", "198.51.100.12");
	return w;
}

static struct world *world_new(uint32_t retrans_base_ms)
{
	return world_with(retrans_base_ms, true);
}

/* Up, MOBIKE on, A keeping n_a of B's addresses, B n_b of A's. */
static void establish_with(struct world *w, unsigned int n_a,
			   unsigned int n_b)
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
	assert_true(only_sa(w, 0)->mobike.on);
	assert_int_equal(only_sa(w, 0)->mobike.n_peer, n_a);
	assert_int_equal(only_sa(w, 1)->mobike.n_peer, n_b);
}

/* Each side lists its other address. */
static void establish(struct world *w)
{
	establish_with(w, 1, 1);
	assert_true(addr_is(&only_sa(w, 0)->mobike.peer[0], "198.51.100.12"));
}

/*
 * Our other addresses, best first: by the connection's priorities; without
 * a list, every interface up but lo in the table's order.
 */
static void local_alts_order(void **state)
{
	struct world *w = world_new(2000);
	struct ip_addr eth0 = test_ip("192.0.2.1");
	struct ip_addr out[4];
	struct ikesa *a;

	test_iface_up(&w->e[0], 4, "eth2", "192.0.2.21");
	test_iface_up(&w->e[0], 1, "lo", "127.0.0.1");
	test_pattern(&w->c[0], "eth2", 150);
	establish_with(w, 1, 2);
	a = only_sa(w, 0);
	assert_int_equal(mobike_local_alts(a, &eth0, out, 4), 2);
	assert_true(addr_is(&out[0], "192.0.2.21"));
	assert_true(addr_is(&out[1], "192.0.2.11"));
	assert_int_equal(mobike_local_alts(a, &eth0, out, 1), 1);
	assert_true(addr_is(&out[0], "192.0.2.21"));
	test_world_free(w);

	/* No list: the table's order, lo and the address itself left out. */
	w = world_with(2000, false);
	test_iface_up(&w->e[0], 4, "eth2", "192.0.2.21");
	test_iface_up(&w->e[0], 1, "lo", "127.0.0.1");
	establish_with(w, 0, 0);
	a = only_sa(w, 0);
	assert_int_equal(mobike_local_alts(a, &eth0, out, 4), 2);
	assert_true(addr_is(&out[0], "192.0.2.11"));
	assert_true(addr_is(&out[1], "192.0.2.21"));
	test_world_free(w);
}

/*
 * The link of A's .1 and B's .2 is cut: A's liveness check at 10 s goes
 * unanswered at 12 and 16 s; at 24 s A probes its pairs, its own address
 * first: .1 -> .12, .11 -> .2, .11 -> .12 (two sends each), and the last
 * answers: UPDATE_SA_ADDRESSES from .11 to .12, B checks and both sides
 * move, our address and the peer's, one kernel call per side and
 * direction.
 */
static void probe_from_other_address(void **state)
{
	struct world *w = world_new(2000);
	struct net t = { .w = w };
	struct ikesa *a, *b;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	t.dead[t.n_dead++] = test_ip("192.0.2.1");
	t.dead[t.n_dead++] = test_ip("198.51.100.2");
	run(&t, 100, 23900);
	assert_int_equal(t.n_pairs, 1);
	run(&t, 24000, 40000);
	assert_int_equal(test_logged("probing 3 pairs, first 192.0.2.1 -> "
				"198.51.100.12"), 1);
	assert_true(pair_is(&t, 0, "192.0.2.1", "198.51.100.2"));
	assert_true(pair_is(&t, 1, "192.0.2.1", "198.51.100.12"));
	assert_true(pair_is(&t, 2, "192.0.2.11", "198.51.100.2"));
	assert_true(pair_is(&t, 3, "192.0.2.11", "198.51.100.12"));
	assert_int_equal(t.n_pairs, 4);
	assert_int_equal(test_logged("192.0.2.11 -> 198.51.100.12 does: MOBIKE "
				"path probing moves the IKE SA there"), 1);
	assert_true(addr_is(&a->local, "192.0.2.11"));
	assert_true(addr_is(&a->remote, "198.51.100.12"));
	assert_true(addr_is(&b->local, "198.51.100.12"));
	assert_true(addr_is(&b->remote, "192.0.2.11"));
	assert_true(addr_is(&a->children->local, "192.0.2.11"));
	assert_true(addr_is(&a->children->remote, "198.51.100.12"));
	assert_true(addr_is(&b->children->local, "198.51.100.12"));
	assert_true(addr_is(&b->children->remote, "192.0.2.11"));
	assert_int_equal(w->f[0].n_move, 2);
	assert_int_equal(w->f[1].n_move, 2);
	/* The liveness checks go on over the new pair, answered. */
	run(&t, 40100, 200000);
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	assert_int_equal(t.n_pairs, 4);
	test_world_free(w);
}

/* B's list made long: at most PEER_ALT_PAIRS pairs, then the IKE SA's. */
static void probe_pairs_bound(void **state)
{
	struct world *w = world_new(1000);
	struct net t = { .w = w, .all_dead = true };
	struct ikesa *a;
	char s[32];

	establish(w);
	a = only_sa(w, 0);
	free(a->mobike.peer);
	a->mobike.peer = calloc(MOBIKE_MAX_ADDRS, sizeof(*a->mobike.peer));
	assert_non_null(a->mobike.peer);
	a->mobike.n_peer = MOBIKE_MAX_ADDRS;
	for (unsigned int i = 0; i < MOBIKE_MAX_ADDRS; i++) {
		snprintf(s, sizeof(s), "203.0.113.%u", i + 1);
		a->mobike.peer[i] = test_ip(s);
	}
	run(&t, 100, 60000);
	/* 2 x 9 pairs but the failed one: the first 8, ours .1 first. */
	assert_int_equal(test_logged("probing 8 pairs, first 192.0.2.1 -> "
				"203.0.113.1"), 1);
	assert_int_equal(test_logged("nor any of its alternates"), 1);
	assert_true(pair_is(&t, 1, "192.0.2.1", "203.0.113.1"));
	assert_true(pair_is(&t, 8, "192.0.2.1", "203.0.113.8"));
	/* Back to the IKE SA's pair after the eighth. */
	assert_true(pair_is(&t, 9, "192.0.2.1", "198.51.100.2"));
	assert_int_equal(t.n_pairs, 10);
	assert_int_equal(w->f[0].n_move, 0);
	test_world_free(w);
}

/*
 * Sends 5 s apart: a pair takes 10 s, no new pair is tried 30 s after
 * the first (PEER_ALT_PROBE_MS): three pairs of the five.
 */
static void probe_time_bound(void **state)
{
	struct world *w = world_new(5000);
	struct net t = { .w = w, .all_dead = true };
	struct ikesa *a;

	establish(w);
	a = only_sa(w, 0);
	assert_int_equal(a->mobike.n_peer, 1);
	a->mobike.peer = realloc(a->mobike.peer, 2 * sizeof(*a->mobike.peer));
	assert_non_null(a->mobike.peer);
	a->mobike.n_peer = 2;
	a->mobike.peer[1] = test_ip("198.51.100.22");
	run(&t, 100, 120000);
	assert_int_equal(test_logged("probing 5 pairs"), 1);
	assert_int_equal(test_logged("nor any of its alternates"), 1);
	/* .1 -> .12, .1 -> .22, .11 -> .2, then the IKE SA's pair. */
	assert_true(pair_is(&t, 3, "192.0.2.11", "198.51.100.2"));
	assert_true(pair_is(&t, 4, "192.0.2.1", "198.51.100.2"));
	assert_int_equal(t.n_pairs, 5);
	test_world_free(w);
}

/*
 * B's address .2 is removed: B moves its side to .12 and sends its list
 * (NO_ADDITIONAL_ADDRESSES: eth0 has none left) from there; A finds its
 * peer's address left out and moves to .12 with UPDATE_SA_ADDRESSES.
 */
static void responder_address_lost(void **state)
{
	struct world *w = world_new(2000);
	struct net t = { .w = w };
	struct ip_addr b1 = test_ip("198.51.100.2");
	struct ikesa *a, *b;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	t.dead[t.n_dead++] = b1;
	assert_int_equal(engine_iface_addr(&w->e[1], 7, &b1, false), 0);
	assert_int_equal(engine_next_deadline(&w->e[1]), 1);
	run(&t, 1000, 3000);
	assert_int_equal(test_logged("our address list sent from 198.51.100.12"),
			 1);
	assert_int_equal(test_logged("the peer's list leaves out its address "
				"198.51.100.2 -> 198.51.100.12"), 1);
	assert_true(addr_is(&b->local, "198.51.100.12"));
	assert_true(addr_is(&b->children->local, "198.51.100.12"));
	assert_true(addr_is(&a->remote, "198.51.100.12"));
	assert_true(addr_is(&a->local, "192.0.2.1"));
	assert_true(addr_is(&a->children->remote, "198.51.100.12"));
	assert_true(a->mobike.peer_listed);
	assert_int_equal(a->mobike.n_peer, 0);
	assert_int_equal(w->f[0].n_move, 1);
	assert_int_equal(w->f[1].n_move, 1);
	assert_false(a->req.active);
	assert_false(b->req.active);
	/* Liveness over the new pair, answered: nothing else moves. */
	run(&t, 3100, 100000);
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	assert_int_equal(w->f[0].n_move, 1);
	test_world_free(w);
}

/*
 * B loses its other address .12: its list changes, the IKE SA's address
 * stays. A takes the new list (none) and moves nothing.
 */
static void responder_list_keeps_address(void **state)
{
	struct world *w = world_new(2000);
	struct net t = { .w = w };
	struct ip_addr b2 = test_ip("198.51.100.12");
	struct ikesa *a, *b;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_int_equal(engine_iface_addr(&w->e[1], 8, &b2, false), 0);
	run(&t, 1000, 3000);
	assert_int_equal(test_logged("our address list sent from 198.51.100.2"), 1);
	assert_int_equal(test_logged("leaves out"), 0);
	assert_int_equal(a->mobike.n_peer, 0);
	assert_true(addr_is(&a->remote, "198.51.100.2"));
	assert_true(addr_is(&b->local, "198.51.100.2"));
	assert_int_equal(w->f[0].n_move, 0);
	assert_int_equal(w->f[1].n_move, 0);
	assert_false(b->req.active);
	test_world_free(w);
}

/*
 * B gets another address on eth1: its list changes, and goes to A (who
 * then keeps both of B's others). The same address told again (an IPv6
 * lifetime renewed, say), one on an interface its connection does not
 * list, and one of the initiator's send nothing.
 */
static void responder_address_added(void **state)
{
	struct world *w = world_new(2000);
	struct net t = { .w = w };
	struct ip_addr b3 = test_ip("198.51.100.22");
	struct ip_addr a3 = test_ip("192.0.2.21");
	struct ikesa *a, *b;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_int_equal(engine_iface_addr(&w->e[1], 8, &b3, true), 0);
	assert_int_equal(engine_next_deadline(&w->e[1]), 1);
	run(&t, 1000, 3000);
	assert_int_equal(test_logged("our address list sent from 198.51.100.2"), 1);
	assert_int_equal(a->mobike.n_peer, 2);
	assert_true(addr_is(&a->mobike.peer[0], "198.51.100.12") ||
		    addr_is(&a->mobike.peer[1], "198.51.100.12"));
	assert_true(addr_is(&a->mobike.peer[0], "198.51.100.22") ||
		    addr_is(&a->mobike.peer[1], "198.51.100.22"));
	assert_false(b->req.active);

	test_log_reset();
	assert_int_equal(engine_iface_addr(&w->e[1], 8, &b3, true), 0);
	test_iface_up(&w->e[1], 9, "eth9", "203.0.113.9");
	assert_int_equal(engine_iface_addr(&w->e[0], 3, &a3, true), 0);
	run(&t, 3100, 6000);
	assert_int_equal(test_logged("our address list sent"), 0);
	assert_int_equal(a->mobike.n_peer, 2);
	assert_int_equal(w->f[0].n_move, 0);
	assert_int_equal(w->f[1].n_move, 0);
	test_world_free(w);
}

/*
 * B's eth1 goes down and comes back up with its address: B's list goes
 * to A each time, without the address and then with it.
 */
static void responder_iface_back(void **state)
{
	struct world *w = world_new(2000);
	struct net t = { .w = w };
	struct ikesa *a;

	establish(w);
	a = only_sa(w, 0);
	test_iface(&w->e[1], 8, "eth1", false, "198.51.100.12");
	run(&t, 1000, 3000);
	assert_int_equal(test_logged("our address list sent from 198.51.100.2"), 1);
	assert_true(a->mobike.peer_listed);
	assert_int_equal(a->mobike.n_peer, 0);
	test_iface(&w->e[1], 8, "eth1", true, "198.51.100.12");
	run(&t, 3100, 6000);
	assert_int_equal(test_logged("our address list sent from 198.51.100.2"), 2);
	assert_int_equal(a->mobike.n_peer, 1);
	assert_true(addr_is(&a->mobike.peer[0], "198.51.100.12"));
	assert_int_equal(w->f[0].n_move, 0);
	test_world_free(w);
}

/*
 * The responder's address goes while its own request is in flight: the
 * request goes on from the new address, the list after its answer.
 */
static void responder_lost_busy(void **state)
{
	struct world *w = world_new(2000);
	struct net t = { .w = w };
	struct ip_addr b1 = test_ip("198.51.100.2");
	struct ikesa *a, *b;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_int_equal(informational_start(b, NULL, false, 500), 0);
	drop_all(w);		/* lost on the way */
	t.dead[t.n_dead++] = b1;
	assert_int_equal(engine_iface_addr(&w->e[1], 7, &b1, false), 0);
	run(&t, 1000, 8000);
	assert_true(b->req.active == false);
	assert_int_equal(test_logged("our address list sent from 198.51.100.12"),
			 1);
	assert_true(addr_is(&a->remote, "198.51.100.12"));
	assert_true(addr_is(&b->local, "198.51.100.12"));
	test_world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(local_alts_order),
		cmocka_unit_test(probe_from_other_address),
		cmocka_unit_test(probe_pairs_bound),
		cmocka_unit_test(probe_time_bound),
		cmocka_unit_test(responder_address_lost),
		cmocka_unit_test(responder_list_keeps_address),
		cmocka_unit_test(responder_address_added),
		cmocka_unit_test(responder_iface_back),
		cmocka_unit_test(responder_lost_busy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
