// SPDX-License-Identifier: GPL-2.0
/*
 * MIF part two, alternates by hand and failback (engine/mif_alt.c): our
 * MIF_ALTERNATES sent, checked and withdrawn, the peer's kept, checked
 * and pruned by its announcements, and failback = yes and no with its
 * hold-down; two engines on the in-memory network of harness.c.
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
#include "ike/constants.h"

#include "harness.h"

/* A macro, for the line of the failure. */
static bool same(const struct ip_addr *a, const char *s)
{
	struct ip_addr b = test_ip(s);

	return ip_addr_equal(a, &b);
}

#define assert_addr(a, s)	assert_true(same((a), (s)))

static void addr(struct engine *e, int ifindex, const char *a, bool add)
{
	struct ip_addr x = test_ip(a);

	assert_int_equal(engine_iface_addr(e, ifindex, &x, add), 0);
}

/*
 * test_mif_world() (as test_mif_failover.c), and B on eth1 198.51.100.3
 * and eth2 198.51.100.4 too.
 */
static struct world *world_new(bool module, bool failback)
{
	struct world *w = test_mif_world(module, failback);

	test_iface(&w->e[1], 8, "eth1", true, "198.51.100.3");
	test_iface(&w->e[1], 9, "eth2", true, "198.51.100.4");
	return w;
}

/* Both engines' timers and the network, every 50 ms from from to to. */
static void run(struct world *w, uint64_t from, uint64_t to)
{
	for (uint64_t t = from; t <= to; t += 50) {
		engine_tick(&w->e[0], t);
		engine_tick(&w->e[1], t);
		pump(w, t);
	}
}

static struct ikesa *establish(struct world *w)
{
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);

	assert_non_null(sa);
	pump(w, 0);
	run(w, 0, 100);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(sa->mif_status, MIF_ON);
	assert_non_null(sa->children);
	return sa;
}

static int alt(struct world *w, int side, const char *a, const char *x,
	       const char *y, uint64_t now)
{
	struct ip_addr addr = test_ip(a), alts[2];
	unsigned int n = 0;

	if (x)
		alts[n++] = test_ip(x);
	if (y)
		alts[n++] = test_ip(y);
	return mif_alt_start(only_sa(w, side), &addr, alts, n, now);
}

/* Our list by hand goes to the kernel and to the peer; none withdraws. */
static void send_receive_withdraw(void **state)
{
	struct world *w = world_new(true, false);
	struct ikesa *a = establish(w), *b = only_sa(w, 1);
	struct ip_addr peer_alts[8], x = test_ip("192.0.2.1");
	unsigned int n;

	/* The default rule first: eth1, then wlan0. */
	assert_addr(&w->f[0].alts[0], "192.0.2.9");
	assert_int_equal(alt(w, 0, "192.0.2.1", "203.0.113.5", "192.0.2.9",
			     200), 0);
	assert_int_equal(w->f[0].n_alts, 2);
	assert_addr(&w->f[0].alts_of, "192.0.2.1");
	assert_addr(&w->f[0].alts[0], "203.0.113.5");
	assert_addr(&w->f[0].alts[1], "192.0.2.9");
	assert_int_equal(a->mif->alt.n_ours, 1);
	run(w, 200, 300);
	assert_false(a->req.active);
	assert_int_equal(test_logged("the peer took our alternates of 192.0.2.1"),
			 1);
	assert_int_equal(b->mif->alt.n_peer, 1);
	n = mif_alt_peer(b, &x, peer_alts, 8);
	assert_int_equal(n, 2);
	assert_addr(&peer_alts[0], "203.0.113.5");
	assert_addr(&peer_alts[1], "192.0.2.9");

	/* A link of the list down: the kernel gets the others only. */
	{
		struct iface wlan0 = { .name = "wlan0", .ifindex = 3 };

		assert_int_equal(engine_iface_update(&w->e[0], &wlan0), 0);
		assert_int_equal(w->f[0].n_alts, 1);
		assert_addr(&w->f[0].alts[0], "192.0.2.9");
		wlan0.up = true;
		assert_int_equal(engine_iface_update(&w->e[0], &wlan0), 0);
		assert_addr(&w->f[0].alts[0], "203.0.113.5");
	}
	run(w, 300, 1500);	/* wlan0's flap announced */

	/* Withdrawn: the default rule again, on both sides. */
	assert_int_equal(alt(w, 0, "192.0.2.1", NULL, NULL, 1500), 0);
	assert_int_equal(a->mif->alt.n_ours, 0);
	assert_int_equal(w->f[0].n_alts, 2);
	assert_addr(&w->f[0].alts[0], "192.0.2.9");
	run(w, 1500, 1600);
	assert_int_equal(b->mif->alt.n_peer, 0);
	n = mif_alt_peer(b, &x, peer_alts, 8);
	assert_int_equal(n, 2);	/* A's announcement: eth1, wlan0 */
	assert_addr(&peer_alts[0], "192.0.2.9");
	test_world_free(w);
}

/* What our own checks refuse, before anything is sent. */
static void validate(void **state)
{
	struct world *w = world_new(true, false);
	struct ikesa *a = establish(w);
	struct ip_addr addr = test_ip("192.0.2.1"), alts[9];
	struct engine_iface_op r;
	unsigned int sets = w->f[0].n_set_alts;

	/* Not in our announcement (lte0 is not listed). */
	assert_int_equal(alt(w, 0, "192.0.2.1", "192.0.2.17", NULL, 100),
			 -EADDRNOTAVAIL);
	/* Twice, or the address itself. */
	assert_int_equal(alt(w, 0, "192.0.2.1", "192.0.2.9", "192.0.2.9",
			     100), -EADDRNOTAVAIL);
	assert_int_equal(alt(w, 0, "192.0.2.1", "192.0.2.1", NULL, 100),
			 -EADDRNOTAVAIL);
	/* An address the IKE SA does not use. */
	assert_int_equal(alt(w, 0, "192.0.2.9", "192.0.2.1", NULL, 100),
			 -ENOENT);
	/* Of two families, more than 8: refused by the engine's entry. */
	alts[0] = test_ip("2001:db8::1");
	assert_int_equal(engine_iface_alt(&w->e[0], NULL, &addr, alts, 1, 100,
					  &r), -EINVAL);
	for (unsigned int i = 0; i < 9; i++)
		alts[i] = test_ip("192.0.2.9");
	assert_int_equal(engine_iface_alt(&w->e[0], NULL, &addr, alts, 9, 100,
					  &r), -EINVAL);
	assert_int_equal(engine_iface_alt(&w->e[0], "nosuch", &addr, alts, 1,
					  100, &r), -ENOENT);
	assert_int_equal(w->n, 0);
	assert_int_equal(w->f[0].n_set_alts, sets);
	assert_int_equal(a->mif->alt.n_ours, 0);

	/* One request in flight per IKE SA: busy. */
	assert_int_equal(engine_dpd(&w->e[0], a, 100), 0);
	assert_int_equal(engine_iface_alt(&w->e[0], NULL, &addr, alts, 1, 100,
					  &r), 0);
	assert_int_equal(r.busy, 1);
	assert_int_equal(r.started, 0);
	run(w, 100, 200);
	assert_int_equal(engine_iface_alt(&w->e[0], NULL, &addr, alts, 1, 200,
					  &r), 0);
	assert_int_equal(r.started, 1);
	test_world_free(w);
}

/* The peer's list checked against its announcement, and pruned by it. */
static void receive_checks(void **state)
{
	struct world *w = world_new(true, false);
	struct ikesa *a = establish(w), *b = only_sa(w, 1);
	struct ip_addr x = test_ip("198.51.100.2"), alts[8];
	struct iface eth2 = { .name = "eth2", .ifindex = 9 };
	struct mif_iface *f;

	assert_int_equal(alt(w, 1, "198.51.100.2", "198.51.100.4",
			     "198.51.100.3", 100), 0);
	run(w, 100, 200);
	assert_int_equal(a->mif->alt.n_peer, 1);
	assert_int_equal(mif_alt_peer(a, &x, alts, 8), 2);
	assert_addr(&alts[0], "198.51.100.4");

	/* eth2 down, announced: the alternate leaves A's list. */
	assert_int_equal(engine_iface_update(&w->e[1], &eth2), 0);
	run(w, 200, 1500);
	assert_int_equal(mif_alt_peer(a, &x, alts, 8), 1);
	assert_addr(&alts[0], "198.51.100.3");

	/*
	 * B names an address it has not announced (as a peer could: its
	 * own list says so here): A refuses, keeps its list, and B hears.
	 */
	test_iface(&w->e[1], 10, "eth3", true, "198.51.100.5");
	/* Each announcement replaces the list: the one sent last. */
	f = &b->mif->ours->iface[0];
	memcpy(f->addr4[f->n4++], test_ip("198.51.100.5").bytes, 4);
	assert_int_equal(alt(w, 1, "198.51.100.2", "198.51.100.5", NULL,
			     1500), 0);
	run(w, 1500, 1600);
	assert_int_equal(test_logged("the peer's MIF_ALTERNATES refused"), 1);
	assert_int_equal(test_logged("refused our alternates of 198.51.100.2"), 1);
	assert_int_equal(mif_alt_peer(a, &x, alts, 8), 1);
	assert_addr(&alts[0], "198.51.100.3");

	/* An announcement with the address down drops the whole list. */
	eth2.name[3] = '0';
	eth2.ifindex = 7;
	assert_int_equal(engine_iface_update(&w->e[1], &eth2), 0);
	run(w, 1600, 3000);
	assert_int_equal(a->mif->alt.n_peer, 0);
	test_world_free(w);
}

/*
 * Our address goes (without the module: mifd's own failover to eth1),
 * and comes back: 2000 ms of hold-down, then one MIF_MOVE back.
 */
static void failback_yes(void **state)
{
	struct world *w = world_new(false, true);
	struct ikesa *a = establish(w), *b = only_sa(w, 1);

	addr(&w->e[0], 2, "192.0.2.1", false);
	run(w, 100, 1000);
	assert_addr(&a->children->local, "192.0.2.9");
	assert_addr(&b->children->remote, "192.0.2.9");
	assert_int_equal(a->mif->alt.n_failback, 1);
	assert_int_equal(w->f[0].n_move, 1);

	/* Back, then gone again within the hold-down: nothing moves. */
	addr(&w->e[0], 2, "192.0.2.1", true);
	run(w, 1000, 2000);
	addr(&w->e[0], 2, "192.0.2.1", false);
	run(w, 2000, 3500);
	assert_addr(&a->children->local, "192.0.2.9");
	assert_int_equal(w->f[0].n_move, 1);

	/* Back for good: moved 2 s later, not before. */
	addr(&w->e[0], 2, "192.0.2.1", true);
	run(w, 3500, 5400);
	assert_addr(&a->children->local, "192.0.2.9");
	run(w, 5400, 6500);
	assert_addr(&a->children->local, "192.0.2.1");
	assert_addr(&b->children->remote, "192.0.2.1");
	assert_addr(&a->local, "192.0.2.1");
	assert_int_equal(w->f[0].n_move, 2);
	assert_int_equal(w->f[1].n_move, 2);
	assert_int_equal(a->mif->alt.n_failback, 0);
	assert_int_equal(test_logged("its SAs move back from 192.0.2.9"), 1);
	test_world_free(w);
}

/* failback = no: the address comes back, the SAs stay. */
static void failback_no(void **state)
{
	struct world *w = world_new(false, false);
	struct ikesa *a = establish(w);

	addr(&w->e[0], 2, "192.0.2.1", false);
	run(w, 100, 1000);
	assert_addr(&a->children->local, "192.0.2.9");
	addr(&w->e[0], 2, "192.0.2.1", true);
	run(w, 1000, 6000);
	assert_addr(&a->children->local, "192.0.2.9");
	assert_int_equal(w->f[0].n_move, 1);
	assert_int_equal(a->mif->alt.n_failback, 0);
	assert_int_equal(test_logged("failback = no"), 1);
	/* Announced again as usable all the same. */
	assert_int_equal(a->mif->ours->iface[0].n4, 1);
	test_world_free(w);
}

/* With the module: the kernel's failover is noted, and undone. */
static void failback_kernel(void **state)
{
	struct world *w = world_new(true, true);
	struct ikesa *a = establish(w);
	struct kernel_move m = { .old = test_ip("192.0.2.1"),
				 .new = test_ip("203.0.113.5") };
	struct kernel_event ev = { .type = KERNEL_EV_MOVED,
				   .addr = m.old, .new_addr = m.new,
				   .failover = true };
	struct iface eth0 = { .name = "eth0", .ifindex = 2 };
	struct kernel_iface_result r;
	struct kernel_scope scope;

	/* Our list sends eth0's SAs to wlan0 rather than eth1. */
	assert_int_equal(alt(w, 0, "192.0.2.1", "203.0.113.5", NULL, 100), 0);
	run(w, 100, 200);
	assert_int_equal(engine_iface_update(&w->e[0], &eth0), 0);
	ikesa_kernel_scope(a, &scope);
	assert_int_equal(fake_ops.move_addr(&w->f[0].b, &m, &scope, &r), 0);
	engine_kernel_event(&w->e[0], &ev, 200);
	run(w, 200, 1000);
	assert_addr(&a->children->local, "203.0.113.5");
	assert_int_equal(a->mif->alt.n_failback, 1);
	eth0.up = true;
	assert_int_equal(engine_iface_update(&w->e[0], &eth0), 0);
	run(w, 1000, 4000);
	assert_addr(&a->children->local, "192.0.2.1");
	assert_addr(&only_sa(w, 1)->children->remote, "192.0.2.1");
	test_world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(send_receive_withdraw),
		cmocka_unit_test(validate),
		cmocka_unit_test(receive_checks),
		cmocka_unit_test(failback_yes),
		cmocka_unit_test(failback_no),
		cmocka_unit_test(failback_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
