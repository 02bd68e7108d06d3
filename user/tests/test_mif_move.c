// SPDX-License-Identifier: GPL-2.0
/*
 * Moving an interface (docs/protocol/mif.md, MIF_MOVE and its
 * return-routability check): both engines on the in-memory network of
 * harness.c, figure 1's set-up (three tunnels, one per interface), the
 * fake backend counting the interface-wide kernel calls.
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
#include "engine/mif.h"
#include "engine/mif_move.h"
#include "ike/constants.h"
#include "ike/mif.h"
#include "ike/mif_move.h"
#include "ike/ts.h"

#include "harness.h"

static void addr(struct engine *e, int ifindex, const char *a, bool add)
{
	struct ip_addr x = test_ip(a);

	assert_int_equal(engine_iface_addr(e, ifindex, &x, add), 0);
}

static void host_ts(struct conn *c, int side)
{
	const char *a[2] = { "192.0.2.1", "198.51.100.2" };

	sel4(&c->local_ts[0], a[side], a[side]);
	sel4(&c->remote_ts[0], a[!side], a[!side]);
}

/*
 * Figure 1: A (the end user) on eth0 192.0.2.1 (the IKE SA's), eth1
 * .11, eth2 .21; B (the gateway) on eth0 198.51.100.2, eth1 .12, eth2
 * .22, and eth4 .42, which it announces only when its connection lists
 * it (figure 6). One Child SA per interface pair.
 */
static struct world *world_new(bool mif_b, enum kernel_mode m, bool eth4)
{
	struct world *w = test_world_new(IKE_DH_CURVE25519, true);

	test_world_log(w);
	w->any_addr = true;
	for (int i = 0; i < 2; i++) {
		w->c[i].mode = m;
		if (m == KERNEL_MODE_TRANSPORT)
			host_ts(&w->c[i], i);
		test_pattern(&w->c[i], "eth0", 200);
		test_pattern(&w->c[i], "eth1", 150);
		test_pattern(&w->c[i], "eth2", 100);
	}
	if (eth4)
		test_pattern(&w->c[1], "eth4", 50);
	w->c[0].mif = true;
	w->c[0].per_interface = true;
	w->c[1].mif = mif_b;
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	test_iface_up(&w->e[0], 2, "eth0", "192.0.2.1");
	test_iface_up(&w->e[0], 3, "eth1", "192.0.2.11");
	test_iface_up(&w->e[0], 4, "eth2", "192.0.2.21");
	test_iface_up(&w->e[1], 7, "eth0", "198.51.100.2");
	test_iface_up(&w->e[1], 8, "eth1", "198.51.100.12");
	test_iface_up(&w->e[1], 9, "eth2", "198.51.100.22");
	test_iface_up(&w->e[1], 11, "eth4", "198.51.100.42");
	return w;
}

static void establish(struct world *w)
{
	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
	pump(w, 0);
	test_settle(w, 0);
	assert_int_equal(only_sa(w, 0)->state, IKESA_ESTABLISHED);
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
}

static struct childsa *child_on(struct ikesa *sa, const char *local,
				const char *remote)
{
	struct ip_addr l = test_ip(local), r = test_ip(remote);

	for (struct childsa *c = sa->children; c; c = c->next)
		if (ip_addr_equal(&c->local, &l) &&
		    ip_addr_equal(&c->remote, &r))
			return c;
	return NULL;
}

/* How many live SAs and policies of f name a (outer or selector host). */
static unsigned int kernel_on(const struct fake *f, const char *s)
{
	struct ip_addr a = test_ip(s);
	unsigned int n = 0;

	for (unsigned int i = 0; i < f->n_sas; i++)
		n += f->sa_live[i] && (ip_addr_equal(&f->sas[i].src, &a) ||
				       ip_addr_equal(&f->sas[i].dst, &a));
	for (unsigned int i = 0; i < f->n_pols; i++)
		n += f->pol_live[i] &&
		     (ip_addr_equal(&f->pols[i].tmpl_src, &a) ||
		      ip_addr_equal(&f->pols[i].tmpl_dst, &a) ||
		      ip_addr_equal(&f->pols[i].sel.src, &a) ||
		      ip_addr_equal(&f->pols[i].sel.dst, &a));
	return n;
}

/* A's eth1 gets a new address, announced (after the 1 s interval). */
static void renumber_eth1(struct world *w, uint64_t now)
{
	addr(&w->e[0], 3, "192.0.2.111", true);
	test_settle(w, now);
}

/* Figure 3: A's second interface changes address; its SAs follow. */
static void move_other_iface(void **state)
{
	struct world *w = world_new(true, KERNEL_MODE_TUNNEL, false);
	struct ikesa *a, *b;
	struct ip_addr o = test_ip("192.0.2.11"), n = test_ip("192.0.2.111");
	struct childsa *ca, *cb;

	establish(w);
	renumber_eth1(w, 2000);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_int_equal(mif_move_start(a, &o, &n, true, 3000), 0);
	test_settle(w, 3000);
	ca = child_on(a, "192.0.2.111", "198.51.100.12");
	cb = child_on(b, "198.51.100.12", "192.0.2.111");
	assert_non_null(ca);
	assert_non_null(cb);
	assert_int_equal(cb->remote_iface, ca->local_iface);
	assert_int_equal(ca->ifindex, 3);
	/* One kernel call each side; nothing left on the old address. */
	assert_int_equal(w->f[0].n_move, 1);
	assert_int_equal(w->f[1].n_move, 1);
	assert_int_equal(kernel_on(&w->f[0], "192.0.2.11"), 0);
	assert_int_equal(kernel_on(&w->f[1], "192.0.2.11"), 0);
	assert_true(kernel_on(&w->f[1], "192.0.2.111") > 0);
	/* The new address answered the check; the IKE SA did not move. */
	assert_int_equal(test_logged_at(ENGINE_LOG_INFO, "checking the new address"),
			 1);
	assert_true(ip_addr_equal(&a->local, &w->c[0].local));
	assert_true(ip_addr_equal(&b->remote, &w->c[0].local));
	assert_int_equal(n_children(a), 3);
	/*
	 * The three tunnels share their policies. The policy table's view
	 * moved too: once the others go, the policies are handed to the
	 * moved SA with its new pair, not the old one.
	 */
	while (b->children != cb || cb->next)
		ikesa_del_child(b, b->children == cb ? cb->next : b->children,
				ENGINE_R_LOCAL);
	assert_true(fake_points_at(&w->f[1], cb));
	test_world_free(w);
}

/* The IKE SA's own address moves: the IKE SA then talks from there. */
static void move_ike_address(void **state)
{
	struct world *w = world_new(true, KERNEL_MODE_TUNNEL, false);
	struct ip_addr o = test_ip("192.0.2.1"), n = test_ip("192.0.2.101");
	struct ikesa *a, *b;

	establish(w);
	addr(&w->e[0], 2, "192.0.2.101", true);
	test_settle(w, 2000);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_int_equal(mif_move_start(a, &o, &n, true, 3000), 0);
	/* The request goes from the new address. */
	assert_int_equal(w->n, 1);
	assert_true(ip_addr_equal(&w->q[0].src, &n));
	test_settle(w, 3000);
	assert_true(ip_addr_equal(&a->local, &n));
	assert_true(ip_addr_equal(&b->remote, &n));
	assert_non_null(child_on(a, "192.0.2.101", "198.51.100.2"));
	assert_non_null(child_on(b, "198.51.100.2", "192.0.2.101"));
	assert_int_equal(w->f[0].n_move, 1);
	assert_int_equal(w->f[1].n_move, 1);
	assert_int_equal(kernel_on(&w->f[1], "192.0.2.1"), 0);
	/* The next exchange goes between the new pair. */
	assert_int_equal(informational_start(b, NULL, false, 4000), 0);
	assert_true(ip_addr_equal(&w->q[0].dst, &n));
	test_settle(w, 4000);
	assert_false(b->req.active);
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	test_world_free(w);
}

/* Figures 6-7: B announces eth4, A moves its SAs on B's eth1 onto it. */
static void move_peer_address(void **state)
{
	struct world *w = world_new(true, KERNEL_MODE_TUNNEL, true);
	struct ip_addr o = test_ip("198.51.100.12"), n = test_ip("198.51.100.42");
	struct ikesa *a, *b;
	struct childsa *ca, *cb;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_int_equal(mif_move_start(a, &o, &n, false, 1000), 0);
	test_settle(w, 1000);
	ca = child_on(a, "192.0.2.11", "198.51.100.42");
	cb = child_on(b, "198.51.100.42", "192.0.2.11");
	assert_non_null(ca);
	assert_non_null(cb);
	assert_int_equal(cb->ifindex, 11);
	assert_int_equal(ca->remote_iface, cb->local_iface);
	assert_int_equal(w->f[0].n_move, 1);
	assert_int_equal(w->f[1].n_move, 1);
	assert_int_equal(kernel_on(&w->f[0], "198.51.100.12"), 0);
	assert_int_equal(kernel_on(&w->f[1], "198.51.100.12"), 0);
	/* B's own address: no return-routability check. */
	assert_int_equal(test_logged_at(ENGINE_LOG_INFO, "checking the new address"),
			 0);
	test_world_free(w);
}

static void is_host(const struct ike_selector *s, const char *a)
{
	struct ip_addr x = test_ip(a);

	assert_memory_equal(s->start, x.bytes, 4);
	assert_memory_equal(s->end, x.bytes, 4);
}

/* Figures 13-14: transport mode, the selectors follow the address. */
static void move_transport(void **state)
{
	struct world *w = world_new(true, KERNEL_MODE_TRANSPORT, false);
	struct ip_addr o = test_ip("192.0.2.11"), n = test_ip("192.0.2.111");
	struct kernel_sel sel;
	struct childsa *ca, *cb;
	struct ikesa *a, *b;

	establish(w);
	renumber_eth1(w, 2000);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_int_equal(mif_move_start(a, &o, &n, true, 3000), 0);
	test_settle(w, 3000);
	ca = child_on(a, "192.0.2.111", "198.51.100.12");
	cb = child_on(b, "198.51.100.12", "192.0.2.111");
	assert_non_null(ca);
	assert_non_null(cb);
	is_host(&ca->local_ts[0], "192.0.2.111");
	is_host(&cb->remote_ts[0], "192.0.2.111");
	assert_int_equal(kernel_on(&w->f[0], "192.0.2.11"), 0);
	assert_int_equal(kernel_on(&w->f[1], "192.0.2.11"), 0);
	/* B's outbound policy: from its address to A's new one. */
	memset(&sel, 0, sizeof(sel));
	sel.src = test_ip("198.51.100.12");
	sel.dst = n;
	sel.src_len = sel.dst_len = 32;
	assert_non_null(fake_policy(&w->f[1], &sel, KERNEL_DIR_OUT));
	/* Its view follows: the SA's removal deletes the moved policies. */
	ikesa_del_child(b, cb, ENGINE_R_LOCAL);
	assert_null(fake_policy(&w->f[1], &sel, KERNEL_DIR_OUT));
	test_world_free(w);
}

/* Queue a move as a peer might send it, past our own checks. */
static void send_raw(struct ikesa *sa, const char *old, const char *new,
		     uint16_t new_id, bool responder, uint64_t now)
{
	struct mif_move_sa *q = mif_move_state(sa);
	struct mif_move *mv;
	struct ip_addr o = test_ip(old), n = test_ip(new);

	assert_non_null(q);
	mv = &q->queued[q->n_queued++];
	memset(mv, 0, sizeof(*mv));
	mv->flags = responder ? MIF_MOVE_RESPONDER : 0;
	mv->family = MIF_AF_IPV4;
	mv->new_id = new_id;
	memcpy(mv->old_addr, o.bytes, 4);
	memcpy(mv->new_addr, n.bytes, 4);
	assert_true(mif_move_tick(sa, now));
}

static void refuse_unannounced(void **state)
{
	struct world *w = world_new(true, KERNEL_MODE_TUNNEL, false);
	struct ip_addr o = test_ip("192.0.2.11"), n = test_ip("192.0.2.99");
	struct ikesa *a;

	establish(w);
	a = only_sa(w, 0);
	/* Our own check first. */
	assert_int_equal(mif_move_start(a, &o, &n, true, 1000),
			 -EADDRNOTAVAIL);
	assert_int_equal(w->n, 0);
	/* The peer's, for a requester that does not check. */
	send_raw(a, "192.0.2.11", "192.0.2.99",
		 a->mif->ours->iface[1].id, false, 1000);
	/* Refused, tried again twice (MIF_MOVE_RETRIES), refused each time. */
	for (uint64_t t = 1000; t <= 8000; t += 250)
		test_settle(w, t);
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, "not announced"), 3);
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, "MIF_UNACCEPTABLE_MOVE"),
			 1);
	assert_int_equal(w->f[0].n_move, 0);
	assert_int_equal(w->f[1].n_move, 0);
	assert_non_null(child_on(a, "192.0.2.11", "198.51.100.12"));
	/* An address no Child SA holds. */
	o = test_ip("192.0.2.77");
	assert_int_equal(mif_move_start(a, &o, &n, true, 1000), -ENOENT);
	test_world_free(w);
}

static void refuse_without_mif(void **state)
{
	struct world *w = world_new(false, KERNEL_MODE_TUNNEL, false);
	struct ip_addr o = test_ip("192.0.2.11"), n = test_ip("192.0.2.111");
	struct ip_addr ike = test_ip("192.0.2.1");
	struct ikesa *a;

	/* A's connection is known to its engine, to be set up again. */
	assert_int_equal(engine_add_conn(&w->e[0], &w->c[0]), 0);
	establish(w);
	a = only_sa(w, 0);
	assert_int_equal(mif_move_start(a, &o, &n, true, 1000), -EOPNOTSUPP);
	assert_int_equal(w->n, 0);
	/* The IKE SA's own address: set up again (no MOBIKE). */
	assert_int_equal(mif_move_start(a, &ike, &n, true, 1000), 0);
	assert_int_equal(test_logged_at(ENGINE_LOG_NOTICE, "break-before-make"), 1);
	test_settle(w, 1000);
	test_settle(w, 1000);
	assert_int_equal(only_sa(w, 0)->state, IKESA_ESTABLISHED);
	assert_true(only_sa(w, 0) != a);
	assert_int_equal(w->f[0].n_move, 0);
	assert_int_equal(w->f[1].n_move, 0);
	test_world_free(w);
}

/* At most MIF_MOVE_RATE moves a second per IKE SA. */
static void refuse_rate(void **state)
{
	struct world *w = world_new(true, KERNEL_MODE_TUNNEL, true);
	struct ip_addr x = test_ip("198.51.100.12"), y = test_ip("198.51.100.42");
	struct ikesa *a;

	establish(w);
	a = only_sa(w, 0);
	for (int i = 0; i <= MIF_MOVE_RATE; i++) {
		assert_int_equal(mif_move_start(a, i % 2 ? &y : &x,
						i % 2 ? &x : &y, false, 1000),
				 0);
		test_settle(w, 1000);
	}
	assert_int_equal(w->f[1].n_move, MIF_MOVE_RATE);
	assert_int_equal(w->f[0].n_move, MIF_MOVE_RATE);
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, "moves in a second"), 1);
	/* The refused one is tried again 1 to 2 s later, and taken. */
	for (uint64_t t = 1250; t <= 4000; t += 250)
		test_settle(w, t);
	assert_int_equal(w->f[1].n_move, MIF_MOVE_RATE + 1);
	assert_int_equal(w->f[0].n_move, MIF_MOVE_RATE + 1);
	test_world_free(w);
}

/*
 * The forged case: the new address does not answer (a third party's).
 * B refuses after its check's sends; nothing moves; the IKE SA lives.
 */
static void refuse_failed_check(void **state)
{
	struct world *w = world_new(true, KERNEL_MODE_TUNNEL, false);
	struct ip_addr o = test_ip("192.0.2.11"), n = test_ip("192.0.2.111");
	struct ikesa *a, *b;
	uint64_t t;

	establish(w);
	renumber_eth1(w, 2000);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	w->unreachable = n;
	assert_int_equal(mif_move_start(a, &o, &n, true, 3000), 0);
	test_settle(w, 3000);
	/* Each try fails its check: the move is tried three times. */
	for (t = 3000; t <= 30000; t += 500)
		test_settle(w, t);
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, "did not answer the "
				"return-routability check"), 1 + MIF_MOVE_RETRIES);
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, "MIF_UNACCEPTABLE_MOVE"),
			 1);
	assert_int_equal(w->f[0].n_move, 0);
	assert_int_equal(w->f[1].n_move, 0);
	assert_non_null(child_on(a, "192.0.2.11", "198.51.100.12"));
	assert_non_null(child_on(b, "198.51.100.12", "192.0.2.11"));
	assert_int_equal(kernel_on(&w->f[1], "192.0.2.111"), 0);
	/* Both windows are free again: the check was answered on the pair. */
	assert_false(a->req.active);
	assert_false(b->req.active);
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	assert_int_equal(b->state, IKESA_ESTABLISHED);
	test_world_free(w);
}

/*
 * The check's answer must come from the new address: one that comes
 * from elsewhere (here A's old address, where A answers a check that
 * reached it there) refuses the move, even with the right cookie.
 */
static void refuse_answer_elsewhere(void **state)
{
	struct world *w = world_new(true, KERNEL_MODE_TUNNEL, false);
	struct ip_addr o = test_ip("192.0.2.11"), n = test_ip("192.0.2.111");
	struct dgram d;
	struct ikesa *a;

	establish(w);
	renumber_eth1(w, 2000);
	a = only_sa(w, 0);
	assert_int_equal(mif_move_start(a, &o, &n, true, 3000), 0);
	deliver_next(w, 3000);		/* A's MIF_MOVE, to B */
	assert_int_equal(w->n, 1);	/* B's check, to the new address */
	d = pop(w);
	assert_true(ip_addr_equal(&d.dst, &n));
	d.dst = o;
	deliver(w, &d, 3000);
	free(d.buf);
	test_settle(w, 3000);
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, "the answer came from "
				"192.0.2.11"), 1);
	/* Refused; A tries again later (a move may have crossed ours). */
	assert_int_equal(test_logged_at(ENGINE_LOG_INFO, "refused by the peer: tried "
				"again in"), 1);
	assert_int_equal(w->f[0].n_move, 0);
	assert_int_equal(w->f[1].n_move, 0);
	assert_non_null(child_on(a, "192.0.2.11", "198.51.100.12"));
	assert_false(a->req.active);
	assert_false(only_sa(w, 1)->req.active);
	test_world_free(w);
}

/* A replayed MIF_MOVE gets the stored answer, never a second move. */
static void replay(void **state)
{
	struct world *w = world_new(true, KERNEL_MODE_TUNNEL, true);
	struct ip_addr o = test_ip("198.51.100.12"), n = test_ip("198.51.100.42");
	struct dgram copy;
	struct ikesa *a;

	establish(w);
	a = only_sa(w, 0);
	assert_int_equal(mif_move_start(a, &o, &n, false, 1000), 0);
	assert_int_equal(w->n, 1);
	copy = w->q[0];
	copy.buf = malloc(copy.len);
	assert_non_null(copy.buf);
	memcpy(copy.buf, w->q[0].buf, copy.len);
	test_settle(w, 1000);
	assert_int_equal(w->f[1].n_move, 1);
	deliver(w, &copy, 1500);
	/* B answered again, from its cache; A ignores the late answer. */
	assert_int_equal(w->n, 1);
	deliver_next(w, 1500);
	free(copy.buf);
	assert_int_equal(w->f[1].n_move, 1);
	assert_int_equal(w->f[0].n_move, 1);
	test_world_free(w);
}

/*
 * A's side moved first (a failover: its kernel moved .11 to .21, its
 * view with it), and B refuses the move for longer than its retries
 * (its check of .21 gets no answer for 70 s): A goes on trying every 4
 * to 8 s, and once .21 answers, B follows. Given up, B would send to
 * .11, which A left, for good.
 */
static void refused_failover_retried(void **state)
{
	struct world *w = world_new(true, KERNEL_MODE_TUNNEL, false);
	struct ip_addr o = test_ip("192.0.2.11"), n = test_ip("192.0.2.21");
	struct ikesa *a, *b;
	uint64_t t;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_int_equal(mif_move_carry_out(a, &o, &n, true,
					    a->mif->ours->iface[2].id), 0);
	assert_non_null(child_on(a, "192.0.2.21", "198.51.100.12"));
	w->unreachable = n;
	assert_int_equal(mif_move_start(a, &o, &n, true, 1000), 0);
	for (t = 1000; t <= 70000; t += 250)
		test_settle(w, t);
	assert_true(test_logged_at(ENGINE_LOG_WARNING, "did not answer the "
				   "return-routability check") > 1 + MIF_MOVE_RETRIES);
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, "our SAs are there "
					"already"), 1);
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, "nothing moved"), 0);
	assert_non_null(child_on(b, "198.51.100.12", "192.0.2.11"));
	memset(&w->unreachable, 0, sizeof(w->unreachable));
	for (; t <= 100000; t += 250)
		test_settle(w, t);
	assert_non_null(child_on(b, "198.51.100.12", "192.0.2.21"));
	assert_null(child_on(b, "198.51.100.12", "192.0.2.11"));
	assert_int_equal(kernel_on(&w->f[1], "192.0.2.11"), 0);
	/* Taken: nothing more is sent. */
	assert_false(a->req.active);
	assert_int_equal(mif_move_deadline(a), 0);
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	test_world_free(w);
}

/*
 * The same, refused for good (.21 never answers B's check): A stops
 * after MIF_MOVE_RETRIES_MOVED tries in all, and says so.
 */
static void refused_failover_bounded(void **state)
{
	struct world *w = world_new(true, KERNEL_MODE_TUNNEL, false);
	struct ip_addr o = test_ip("192.0.2.11"), n = test_ip("192.0.2.21");
	struct ikesa *a;

	establish(w);
	a = only_sa(w, 0);
	assert_int_equal(mif_move_carry_out(a, &o, &n, true,
					    a->mif->ours->iface[2].id), 0);
	w->unreachable = n;
	assert_int_equal(mif_move_start(a, &o, &n, true, 1000), 0);
	for (uint64_t t = 1000; t <= 1200000; t += 500)
		test_settle(w, t);
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, "did not answer the "
					"return-routability check"),
			 1 + MIF_MOVE_RETRIES_MOVED);
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, "nothing moved"), 1);
	assert_int_equal(mif_move_deadline(a), 0);
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	test_world_free(w);
}

/* The codec: the rows of mif.md's MIF_MOVE table. */
static int parse_hex(struct mif_move *mv, const uint8_t *d, size_t len,
		     struct ike_error *err)
{
	memset(err, 0, sizeof(*err));
	return mif_move_parse(mv, d, len, err);
}

static void codec(void **state)
{
	/* IPv4, the responder's, old ID 2, new ID 5: .11 -> .111 */
	uint8_t ok[16] = { 0x81, 1, 0xff, 0xff, 0, 2, 0, 5,
			   192, 0, 2, 11, 192, 0, 2, 111 };
	uint8_t d[16];
	struct mif_move mv;
	struct ike_writer w;
	struct ike_error err;

	assert_int_equal(parse_hex(&mv, ok, sizeof(ok), &err), 0);
	assert_int_equal(mv.flags, MIF_MOVE_RESPONDER);	/* 0x80 cleared */
	assert_int_equal(mv.old_id, 2);
	assert_int_equal(mv.new_id, 5);
	ike_writer_init(&w);
	assert_int_equal(mif_move_build(&w, &mv, &err), 0);
	assert_int_equal(w.len, 16);
	ok[0] = 0x01;
	ok[2] = ok[3] = 0;
	assert_memory_equal(w.p, ok, 16);
	ike_writer_free(&w);

	assert_int_equal(parse_hex(&mv, ok, 7, &err), -1);
	assert_int_equal(err.code, IKE_ERR_TRUNCATED);
	assert_int_equal(err.notify, IKE_N_MIF_UNACCEPTABLE_MOVE);
	assert_int_equal(parse_hex(&mv, ok, 15, &err), -1);
	assert_int_equal(err.code, IKE_ERR_LENGTH);
	memcpy(d, ok, 16);
	d[1] = 2;	/* IPv6 needs 40 octets */
	assert_int_equal(parse_hex(&mv, d, 16, &err), -1);
	assert_int_equal(err.code, IKE_ERR_LENGTH);
	d[1] = 3;
	assert_int_equal(parse_hex(&mv, d, 16, &err), -1);
	assert_int_equal(err.code, IKE_ERR_SYNTAX);
	memcpy(d, ok, 16);
	d[7] = 0;	/* new interface ID 0 */
	assert_int_equal(parse_hex(&mv, d, 16, &err), -1);
	assert_int_equal(err.code, IKE_ERR_SYNTAX);
	memcpy(d, ok, 16);
	d[12] = 127;	/* loopback */
	assert_int_equal(parse_hex(&mv, d, 16, &err), -1);
	assert_int_equal(err.code, IKE_ERR_SYNTAX);
	memcpy(d, ok, 16);
	d[15] = 11;	/* onto itself */
	assert_int_equal(parse_hex(&mv, d, 16, &err), -1);
	assert_int_equal(err.code, IKE_ERR_SYNTAX);
	assert_int_equal(mv.family, 0);	/* zeroed */
	memcpy(d, ok, 16);
	d[5] = 0;	/* old ID 0: the IKE SA's own, unannounced */
	assert_int_equal(parse_hex(&mv, d, 16, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codec),
		cmocka_unit_test(move_other_iface),
		cmocka_unit_test(move_ike_address),
		cmocka_unit_test(move_peer_address),
		cmocka_unit_test(move_transport),
		cmocka_unit_test(refuse_unannounced),
		cmocka_unit_test(refuse_without_mif),
		cmocka_unit_test(refuse_rate),
		cmocka_unit_test(refuse_failed_check),
		cmocka_unit_test(refuse_answer_elsewhere),
		cmocka_unit_test(replay),
		cmocka_unit_test(refused_failover_retried),
		cmocka_unit_test(refused_failover_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
