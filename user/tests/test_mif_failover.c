// SPDX-License-Identifier: GPL-2.0
/*
 * MIF part two, multihoming and failover (engine/mif_failover.c): the
 * kernel's alternates from the default rule, the engine's own failover
 * without them, and the kernel's events (MOVED, DELETED) taken into
 * mifd's view; two engines on the in-memory network of harness.c.
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
#include "engine/ike_sa.h"
#include "engine/mif_failover.h"
#include "ike/constants.h"

#include "harness.h"

/* One more IKE SA between A and B, with its Child SA; A's returned. */
static struct ikesa *establish(struct world *w, uint64_t now)
{
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], now);

	assert_non_null(sa);
	pump(w, now);
	engine_tick(&w->e[0], now);
	engine_tick(&w->e[1], now);
	pump(w, now);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(sa->mif_status, MIF_ON);
	assert_non_null(sa->children);
	assert_true(sa->children->installed);
	return sa;
}

static void assert_addr(const struct ip_addr *a, const char *s)
{
	struct ip_addr b = test_ip(s);

	assert_true(ip_addr_equal(a, &b));
}

/* The default rule: the other listed interfaces that are up, best first. */
static void alts_default(void **state)
{
	struct world *w = test_mif_world(true, false);
	struct ikesa *sa = establish(w, 0);
	struct kernel_scope scope;
	struct iface eth1 = { .name = "eth1", .ifindex = 4, .up = false };
	unsigned int n;

	assert_int_equal(w->f[0].n_set_alts, 1);
	assert_addr(&w->f[0].alts_of, "192.0.2.1");
	assert_int_equal(w->f[0].n_alts, 2);
	assert_addr(&w->f[0].alts[0], "192.0.2.9");
	assert_addr(&w->f[0].alts[1], "203.0.113.5");
	ikesa_kernel_scope(sa, &scope);
	assert_memory_equal(&w->f[0].alts_scope, &scope, sizeof(scope));
	assert_true(w->e[0].kernel_failover);

	/* eth1 goes down: the kernel's alternates follow, nothing else. */
	assert_int_equal(engine_iface_update(&w->e[0], &eth1), 0);
	assert_int_not_equal(engine_next_deadline(&w->e[0]), 1);
	assert_int_equal(w->f[0].n_set_alts, 2);
	assert_int_equal(w->f[0].n_alts, 1);
	assert_addr(&w->f[0].alts[0], "203.0.113.5");

	/* An IPv6 address has IPv6 alternates only: none here. */
	{
		struct ip_addr v6 = test_ip("2001:db8::1"), alts[8];

		n = mif_failover_alts(&w->e[0], &w->c[0], &v6, alts, 8);
		assert_int_equal(n, 0);
	}
	test_world_free(w);
}

/* The kernel moved our SAs (xfrm_mif's failover): the view follows. */
static void moved_event(void **state)
{
	struct world *w = test_mif_world(true, false);
	struct ikesa *sa = establish(w, 0);
	struct kernel_move m = { .old = test_ip("192.0.2.1"),
				 .new = test_ip("192.0.2.9") };
	struct kernel_event ev = { .type = KERNEL_EV_MOVED,
				   .addr = m.old, .new_addr = m.new,
				   .failover = true };
	struct kernel_iface_result r;
	struct kernel_scope scope;

	ikesa_kernel_scope(sa, &scope);
	assert_int_equal(fake_ops.move_addr(&w->f[0].b, &m, &scope, &r), 0);
	assert_int_equal(r.states, 2);
	engine_kernel_event(&w->e[0], &ev, 10);
	assert_addr(&sa->children->local, "192.0.2.9");
	assert_int_equal(sa->children->ifindex, 4);
	assert_true(fake_points_at(&w->f[0], sa->children));
	/* The peer is told, with MIF_MOVE, and moves its side. */
	assert_int_equal(test_logged("the kernel moved its SAs (failover)"), 1);
	assert_int_equal(test_logged("is not told of the move"), 0);
	pump(w, 20);
	assert_int_equal(w->f[1].n_move, 1);
	assert_addr(&only_sa(w, 1)->children->remote, "192.0.2.9");
	/* The new address gets its alternates. */
	assert_addr(&w->f[0].alts_of, "192.0.2.9");
	test_world_free(w);
}

/*
 * The IKE SA's own address fails over while a request is in flight (the
 * announcement of the loss, figure 5): the request is sent again at once
 * from the new address, and the move queued behind it follows.
 */
static void moved_in_flight(void **state)
{
	struct world *w = test_mif_world(true, false);
	struct ikesa *sa = establish(w, 0);
	struct kernel_move m = { .old = test_ip("192.0.2.1"),
				 .new = test_ip("192.0.2.9") };
	struct kernel_event ev = { .type = KERNEL_EV_MOVED,
				   .addr = m.old, .new_addr = m.new,
				   .failover = true };
	struct kernel_iface_result r;
	struct kernel_scope scope;
	struct dgram d;

	assert_int_equal(engine_dpd(&w->e[0], sa, 5), 0);
	assert_true(sa->req.active);
	d = pop(w);		/* lost with the address */
	free(d.buf);
	ikesa_kernel_scope(sa, &scope);
	assert_int_equal(fake_ops.move_addr(&w->f[0].b, &m, &scope, &r), 0);
	engine_kernel_event(&w->e[0], &ev, 10);
	assert_true(sa->req.away);
	assert_addr(&sa->req.local, "192.0.2.9");
	/* Sent again at once, not at its retransmission time. */
	assert_true(w->n > 0);
	assert_addr(&w->q[0].src, "192.0.2.9");
	pump(w, 10);
	engine_tick(&w->e[0], 11);	/* the move, queued behind it */
	pump(w, 11);
	assert_int_equal(w->f[1].n_move, 1);
	assert_addr(&only_sa(w, 1)->children->remote, "192.0.2.9");
	/* The IKE SA itself talks from the new address from now on. */
	assert_addr(&sa->local, "192.0.2.9");
	assert_false(sa->req.active);
	test_world_free(w);
}

/* ike down after a rewrite (mifctl sa rewrite) removes the moved SAs. */
static void down_after_rewrite(void **state)
{
	struct world *w = test_mif_world(true, false);
	struct ikesa *sa = establish(w, 0);
	struct kernel_move m = { .old = test_ip("192.0.2.1"),
				 .new = test_ip("203.0.113.5") };
	struct kernel_event ev = { .type = KERNEL_EV_MOVED,
				   .addr = m.old, .new_addr = m.new };
	struct kernel_iface_result r;
	struct kernel_scope scope = { 0 };	/* mifctl: no scope */

	assert_int_equal(fake_ops.move_addr(&w->f[0].b, &m, &scope, &r), 0);
	engine_kernel_event(&w->e[0], &ev, 10);
	pump(w, 15);	/* the peer is told first */
	assert_int_equal(engine_delete_ike(&w->e[0], sa, 20), 0);
	pump(w, 20);
	engine_tick(&w->e[0], 20);
	assert_int_equal(live_sas(&w->f[0]), 0);
	assert_int_equal(live_pols(&w->f[0]), 0);
	test_world_free(w);
}

/* The kernel deleted the address's SAs: dropped, the peer told. */
static void deleted_event(void **state)
{
	struct world *w = test_mif_world(true, false);
	struct ikesa *sa = establish(w, 0);
	struct ip_addr a = test_ip("192.0.2.1");
	struct kernel_event ev = { .type = KERNEL_EV_DELETED, .addr = a };
	struct kernel_iface_result r;
	struct kernel_scope scope;

	ikesa_kernel_scope(sa, &scope);
	assert_int_equal(fake_ops.delete_addr(&w->f[0].b, &a, &scope, &r), 0);
	engine_kernel_event(&w->e[0], &ev, 10);
	assert_null(sa->children);
	assert_int_equal(sa->n_del_pending, 1);
	engine_tick(&w->e[0], 10);
	pump(w, 10);
	assert_null(only_sa(w, 1)->children);
	assert_int_equal(live_sas(&w->f[1]), 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	test_world_free(w);
}

/* Two IKE SAs on one address: a move scoped to one leaves the other. */
static void scoped(void **state)
{
	struct world *w = test_mif_world(true, false);
	struct ikesa *one = establish(w, 0);
	struct ikesa *two = establish(w, 0);
	struct kernel_move m = { .old = test_ip("192.0.2.1"),
				 .new = test_ip("203.0.113.5") };
	struct kernel_event ev = { .type = KERNEL_EV_MOVED,
				   .addr = m.old, .new_addr = m.new };
	struct kernel_iface_result r;
	struct kernel_scope scope;

	assert_ptr_not_equal(one, two);
	ikesa_kernel_scope(two, &scope);
	assert_int_equal(fake_ops.move_addr(&w->f[0].b, &m, &scope, &r), 0);
	engine_kernel_event(&w->e[0], &ev, 10);
	assert_addr(&two->children->local, "203.0.113.5");
	assert_addr(&one->children->local, "192.0.2.1");
	assert_int_equal(test_logged("(rewrite)"), 1);

	/* A delete of the address in one's scope drops one's only. */
	ev.type = KERNEL_EV_DELETED;
	ev.new_addr = (struct ip_addr){ 0 };
	ikesa_kernel_scope(one, &scope);
	assert_int_equal(fake_ops.delete_addr(&w->f[0].b, &m.old, &scope,
					      &r), 0);
	engine_kernel_event(&w->e[0], &ev, 20);
	assert_null(one->children);
	assert_non_null(two->children);
	test_world_free(w);
}

/* Without the module, a lost address makes the engine move itself. */
static void own_failover(void **state)
{
	struct world *w = test_mif_world(false, false);
	struct ikesa *sa = establish(w, 0);
	struct ip_addr a = test_ip("192.0.2.1");

	assert_false(w->e[0].kernel_failover);
	assert_int_equal(w->f[0].n_set_alts, 0);
	assert_int_equal(engine_iface_addr(&w->e[0], 2, &a, false), 0);
	assert_int_equal(engine_next_deadline(&w->e[0]), 1);
	engine_tick(&w->e[0], 10);
	assert_int_equal(w->f[0].n_move, 1);
	assert_addr(&sa->children->local, "192.0.2.9");
	assert_true(fake_points_at(&w->f[0], sa->children));
	assert_int_equal(test_logged("address 192.0.2.1 lost: 2 SAs and"), 1);
	/* The peer is told, and moves its side; ours moved once only. */
	assert_int_equal(test_logged("is not told of the move"), 0);
	pump(w, 20);
	engine_tick(&w->e[0], 20);
	assert_int_equal(w->f[0].n_move, 1);
	assert_int_equal(w->f[1].n_move, 1);
	test_world_free(w);
}

/* A link down without the module: the same, to the next best link. */
static void own_failover_link(void **state)
{
	struct world *w = test_mif_world(false, false);
	struct ikesa *sa = establish(w, 0);
	struct iface eth0 = { .name = "eth0", .ifindex = 2, .up = false };
	struct iface eth1 = { .name = "eth1", .ifindex = 4, .up = false };

	/* eth1 down first: no SA of ours there, nothing moves. */
	assert_int_equal(engine_iface_update(&w->e[0], &eth1), 0);
	engine_tick(&w->e[0], 5);
	assert_int_equal(w->f[0].n_move, 0);
	assert_int_equal(engine_iface_update(&w->e[0], &eth0), 0);
	engine_tick(&w->e[0], 10);
	assert_int_equal(w->f[0].n_move, 1);
	assert_addr(&sa->children->local, "203.0.113.5");
	test_world_free(w);
}

/* With the module, a lost address is the kernel's to fail over. */
static void kernel_fails_over(void **state)
{
	struct world *w = test_mif_world(true, false);
	struct ikesa *sa = establish(w, 0);
	struct ip_addr a = test_ip("192.0.2.1");

	assert_int_equal(engine_iface_addr(&w->e[0], 2, &a, false), 0);
	engine_tick(&w->e[0], 10);
	assert_int_equal(w->f[0].n_move, 0);
	assert_addr(&sa->children->local, "192.0.2.1");
	test_world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(alts_default),
		cmocka_unit_test(moved_event),
		cmocka_unit_test(moved_in_flight),
		cmocka_unit_test(down_after_rewrite),
		cmocka_unit_test(deleted_event),
		cmocka_unit_test(scoped),
		cmocka_unit_test(own_failover),
		cmocka_unit_test(own_failover_link),
		cmocka_unit_test(kernel_fails_over),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
