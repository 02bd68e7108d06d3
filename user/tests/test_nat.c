// SPDX-License-Identifier: GPL-2.0
/*
 * NAT traversal (engine/nat.h): detection between two engines with a NAT in front of the
 * initiator or of the responder, with none, and faked (encap); the move
 * to port 4500 and ESP in UDP in the kernel; keepalives; and the
 * responder following the NAT's new mapping on an authenticated request
 * only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/nat.h"
#include "ike/notify.h"

#include "harness.h"

#define NAT_ADDR	"203.0.113.9"
#define NAT_P500	31000
#define NAT_P4500	31001

/*
 * Two engines, A (0) initiating to B (1). nat: 'i' a NAT in front of A,
 * 'r' one in front of B (B initiates then, to the NAT, which forwards
 * ports 500 and 4500 to it), 0 none.
 */
static struct world *world_new(char nat)
{
	struct world *w = test_world_new(IKE_DH_CURVE25519, true);

	for (int i = 0; i < 2; i++)
		w->c[i].nat_keepalive_ms = NAT_KEEPALIVE_MS;
	if (nat) {
		w->nat.on = true;
		assert_int_equal(ip_addr_parse(NAT_ADDR, &w->nat.addr), 0);
		w->c[1].remote = w->nat.addr;
		w->nat.port[0] = nat == 'i' ? NAT_P500 : 500;
		w->nat.port[1] = nat == 'i' ? NAT_P4500 : 4500;
	}
	assert_int_equal(engine_add_conn(&w->e[nat == 'r' ? 0 : 1],
					 &w->c[nat == 'r' ? 0 : 1]), 0);
	return w;
}

/* The live SA of side's kernel with this destination. */
static const struct kernel_sa *sa_to(struct world *w, int side,
				     const struct ip_addr *dst)
{
	const struct fake *f = &w->f[side];
	const struct kernel_sa *found = NULL;

	for (unsigned int i = 0; i < f->n_sas; i++)
		if (f->sa_live[i] && ip_addr_equal(&f->sas[i].dst, dst)) {
			assert_null(found);
			found = &f->sas[i];
		}
	assert_non_null(found);
	return found;
}

/* side's two SAs carry ESP in UDP: ours at lport, the peer's at rport. */
static void assert_encap(struct world *w, int side, uint16_t lport,
			 uint16_t rport)
{
	const struct conn *c = &w->c[side];
	const struct kernel_sa *in = sa_to(w, side, &c->local);
	const struct kernel_sa *out = sa_to(w, side, &c->remote);

	assert_int_equal(live_sas(&w->f[side]), 2);
	assert_int_equal(out->encap_sport, lport);
	assert_int_equal(out->encap_dport, rport);
	assert_int_equal(in->encap_sport, rport);
	assert_int_equal(in->encap_dport, lport);
}

/* Set up the IKE SA of initiator i; both sides' IKE SAs in a and r. */
static void establish(struct world *w, int i, struct ikesa **a,
		      struct ikesa **r)
{
	assert_non_null(engine_initiate(&w->e[i], &w->c[i], 0));
	pump(w, 0);
	*a = only_sa(w, i);
	*r = only_sa(w, !i);
	assert_int_equal((*a)->state, IKESA_ESTABLISHED);
	assert_int_equal((*r)->state, IKESA_ESTABLISHED);
	assert_int_equal(n_children(*a), 1);
	assert_int_equal(n_children(*r), 1);
}

static void test_behind_initiator(void **state)
{
	struct world *w = world_new('i');
	struct ikesa *a, *b;

	(void)state;
	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
	assert_true(plain_has_notify(&w->q[0], IKE_N_NAT_DETECTION_SOURCE_IP));
	assert_true(plain_has_notify(&w->q[0],
				     IKE_N_NAT_DETECTION_DESTINATION_IP));
	deliver_next(w, 0);
	b = only_sa(w, 1);
	assert_true(b->nat.natd);
	assert_true(b->nat.remote);
	assert_false(b->nat.local);
	assert_true(plain_has_notify(&w->q[0], IKE_N_NAT_DETECTION_SOURCE_IP));
	assert_true(plain_has_notify(&w->q[0],
				     IKE_N_NAT_DETECTION_DESTINATION_IP));
	deliver_next(w, 0);
	a = only_sa(w, 0);
	assert_true(a->nat.local);
	assert_false(a->nat.remote);
	/* IKE_AUTH from 4500 to 4500, the marker added by the daemon. */
	assert_int_equal(a->local_port, 4500);
	assert_int_equal(a->remote_port, 4500);
	assert_int_equal(w->q[0].lport, 4500);
	assert_int_equal(w->q[0].rport, 4500);
	pump(w, 0);
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	assert_int_equal(b->state, IKESA_ESTABLISHED);
	/* B answers where the NAT mapped A's 4500. */
	assert_int_equal(b->local_port, 4500);
	assert_int_equal(b->remote_port, NAT_P4500);
	assert_encap(w, 0, 4500, 4500);
	assert_encap(w, 1, 4500, NAT_P4500);
	test_world_free(w);
}

static void test_behind_responder(void **state)
{
	struct world *w = world_new('r');
	struct ikesa *a, *b;

	(void)state;
	/* B initiates, to the NAT in front of A. */
	establish(w, 1, &b, &a);
	assert_true(a->nat.local);
	assert_false(a->nat.remote);
	assert_true(b->nat.remote);
	assert_false(b->nat.local);
	assert_int_equal(b->local_port, 4500);
	assert_int_equal(b->remote_port, 4500);
	assert_int_equal(a->local_port, 4500);
	assert_int_equal(a->remote_port, 4500);
	assert_encap(w, 0, 4500, 4500);
	assert_encap(w, 1, 4500, 4500);
	test_world_free(w);
}

static void test_no_nat(void **state)
{
	struct world *w = world_new(0);
	struct ikesa *a, *b;

	(void)state;
	establish(w, 0, &a, &b);
	assert_true(a->nat.natd);
	assert_true(b->nat.natd);
	assert_false(a->nat.local || a->nat.remote);
	assert_false(b->nat.local || b->nat.remote);
	assert_int_equal(a->local_port, 500);
	assert_int_equal(b->remote_port, 500);
	assert_encap(w, 0, 0, 0);
	assert_encap(w, 1, 0, 0);
	/* Nobody behind a NAT: no keepalives. */
	assert_int_equal(nat_deadline(a), 0);
	assert_int_equal(nat_deadline(b), 0);
	test_world_free(w);
}

/* encap = yes: a NAT faked to the peer, ESP in UDP without one. */
static void test_encap_forced(void **state)
{
	struct world *w = world_new(0);
	struct ikesa *a, *b;

	(void)state;
	w->c[0].encap = true;
	establish(w, 0, &a, &b);
	assert_true(a->nat.fake);
	assert_false(a->nat.local);
	assert_true(b->nat.remote);
	assert_int_equal(a->local_port, 4500);
	assert_int_equal(b->remote_port, 4500);
	assert_encap(w, 0, 4500, 4500);
	assert_encap(w, 1, 4500, 4500);
	/* Not really behind one: no keepalives. */
	assert_int_equal(nat_deadline(a), 0);
	test_world_free(w);
}

static void test_keepalive(void **state)
{
	struct world *w = world_new('i');
	struct ikesa *a, *b;

	(void)state;
	establish(w, 0, &a, &b);
	assert_int_equal(nat_deadline(a), NAT_KEEPALIVE_MS);
	assert_int_equal(nat_deadline(b), 0);
	engine_tick(&w->e[1], NAT_KEEPALIVE_MS);
	assert_int_equal(w->n, 0);
	engine_tick(&w->e[0], NAT_KEEPALIVE_MS - 1);
	assert_int_equal(w->n, 0);
	engine_tick(&w->e[0], NAT_KEEPALIVE_MS);
	assert_int_equal(w->n, 1);
	assert_int_equal(w->q[0].len, 1);
	assert_int_equal(w->q[0].buf[0], 0xff);
	assert_int_equal(w->q[0].lport, 4500);
	assert_int_equal(w->q[0].rport, 4500);
	assert_int_equal(nat_deadline(a), 2 * NAT_KEEPALIVE_MS);
	/* B takes no notice of it. */
	pump(w, NAT_KEEPALIVE_MS);
	assert_int_equal(b->state, IKESA_ESTABLISHED);

	/* Turned off. */
	w->c[0].nat_keepalive_ms = 0;
	assert_int_equal(nat_deadline(a), 0);
	test_world_free(w);
}

/*
 * The NAT maps A's 4500 to another port: a forged copy of A's next
 * request from there moves nothing, the request itself moves B's IKE
 * SA and its Child SA's encapsulation, and A's traffic flows again.
 */
static void test_mapping_change(void **state)
{
	struct world *w = world_new('i');
	struct ikesa *a, *b;
	struct dgram d;

	(void)state;
	establish(w, 0, &a, &b);
	w->nat.port[1] = NAT_P4500 + 7;
	assert_int_equal(engine_dpd(&w->e[0], a, 1000), 0);
	d = w->q[0];
	d.buf = malloc(d.len);
	assert_non_null(d.buf);
	memcpy(d.buf, w->q[0].buf, d.len);
	d.buf[d.len - 1] ^= 1;
	deliver(w, &d, 1000);
	free(d.buf);
	assert_int_equal(w->n, 1);
	assert_int_equal(b->remote_port, NAT_P4500);
	assert_int_equal(w->f[1].n_update_sa, 0);

	pump(w, 1000);
	assert_int_equal(b->remote_port, NAT_P4500 + 7);
	assert_int_equal(b->children->remote_port, NAT_P4500 + 7);
	assert_int_equal(w->f[1].n_update_sa, 2);
	assert_encap(w, 1, 4500, NAT_P4500 + 7);
	/* The answer reached A through the new mapping. */
	assert_false(a->req.active);
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	test_world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_behind_initiator),
		cmocka_unit_test(test_behind_responder),
		cmocka_unit_test(test_no_nat),
		cmocka_unit_test(test_encap_forced),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_mapping_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
