// SPDX-License-Identifier: GPL-2.0
/*
 * MOBIKE (RFC 4555, engine/mobike.h): both engines on the in-memory
 * network of harness.c without MIF, A the IKE SA's initiator on eth0
 * 192.0.2.1 and eth1 192.0.2.11, B on 198.51.100.2; the fake backend
 * counts the interface-wide kernel calls.
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
#include "engine/mif_move.h"
#include "engine/mobike.h"
#include "ike/constants.h"
#include "ike/mobike.h"

#include "harness.h"

/* mobike_b: B's connection has mobike = yes. A lists eth0 and eth1. */
static struct world *world_new(bool mobike_b)
{
	struct world *w = test_world_new(IKE_DH_CURVE25519, true);

	test_world_log(w);
	w->any_addr = true;
	test_pattern(&w->c[0], "eth0", 200);
	test_pattern(&w->c[0], "eth1", 100);
	w->c[0].mobike = true;
	w->c[1].mobike = mobike_b;
	assert_int_equal(engine_add_conn(&w->e[0], &w->c[0]), 0);
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	test_iface_up(&w->e[0], 2, "eth0", "192.0.2.1");
	test_iface_up(&w->e[0], 3, "eth1", "192.0.2.11");
	test_iface_up(&w->e[1], 7, "eth0", "198.51.100.2");
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

static bool child_on(const struct ikesa *sa, const char *local,
		     const char *remote)
{
	struct ip_addr l = test_ip(local), r = test_ip(remote);

	for (const struct childsa *c = sa->children; c; c = c->next)
		if (ip_addr_equal(&c->local, &l) &&
		    ip_addr_equal(&c->remote, &r))
			return true;
	return false;
}

static void codec(void **state)
{
	static const uint8_t v4[4] = { 192, 0, 2, 7 };
	static const uint8_t lo[4] = { 127, 0, 0, 1 };
	struct ip_addr a;
	struct ike_error err;

	assert_int_equal(mobike_addr_parse(IKE_N_ADDITIONAL_IP4_ADDRESS, v4,
					   4, &a, &err), 0);
	assert_true(ip_addr_equal(&a, &(struct ip_addr){ 0 }) == false);
	assert_int_equal(mobike_addr_type(&a), IKE_N_ADDITIONAL_IP4_ADDRESS);
	assert_int_equal(mobike_addr_parse(IKE_N_ADDITIONAL_IP6_ADDRESS, v4,
					   4, &a, &err), -EINVAL);
	assert_int_equal(err.code, IKE_ERR_LENGTH);
	assert_int_equal(mobike_addr_parse(IKE_N_ADDITIONAL_IP4_ADDRESS, lo,
					   4, &a, &err), -EINVAL);
	assert_int_equal(err.code, IKE_ERR_SYNTAX);
	assert_int_equal(mobike_addr_parse(IKE_N_COOKIE2, v4, 4, &a, &err),
			 -EINVAL);
	assert_false(mobike_cookie2_len_ok(7));
	assert_true(mobike_cookie2_len_ok(8));
	assert_true(mobike_cookie2_len_ok(64));
	assert_false(mobike_cookie2_len_ok(65));
}

/* Both sides on: negotiated, and B keeps A's other address. */
static void negotiate(void **state)
{
	struct world *w = world_new(true);
	struct ip_addr eth1 = test_ip("192.0.2.11");
	struct ikesa *a, *b;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_true(a->mobike.on);
	assert_true(b->mobike.on);
	assert_int_equal(b->mobike.n_peer, 1);
	assert_true(ip_addr_equal(&b->mobike.peer[0], &eth1));
	/* B lists no interfaces: NO_ADDITIONAL_ADDRESSES. */
	assert_true(a->mobike.peer_listed);
	assert_int_equal(a->mobike.n_peer, 0);
	test_world_free(w);

	/* B with mobike = no: off on both sides, the fallback stays. */
	w = world_new(false);
	establish(w);
	assert_false(only_sa(w, 0)->mobike.on);
	assert_false(only_sa(w, 1)->mobike.on);
	test_world_free(w);
}

/* The move command: UPDATE_SA_ADDRESSES from the new address. */
static void update_by_command(void **state)
{
	struct world *w = world_new(true);
	struct ip_addr o = test_ip("192.0.2.1"), n = test_ip("192.0.2.11");
	struct ikesa *a, *b;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_int_equal(engine_iface_move(a, &o, &n, true, 1000), 0);
	assert_int_equal(w->n, 1);
	assert_true(ip_addr_equal(&w->q[0].src, &n));
	assert_true(dgram_has_notify(b, &w->q[0], IKE_N_UPDATE_SA_ADDRESSES));
	assert_true(dgram_has_notify(b, &w->q[0], IKE_N_COOKIE2));
	assert_true(dgram_has_notify(b, &w->q[0],
				     IKE_N_NAT_DETECTION_SOURCE_IP));
	test_settle(w, 1000);
	/* B checked the new address (COOKIE2), then moved, then A. */
	assert_int_equal(test_logged("checking the new address"), 1);
	assert_true(ip_addr_equal(&a->local, &n));
	assert_true(ip_addr_equal(&b->remote, &n));
	assert_true(child_on(a, "192.0.2.11", "198.51.100.2"));
	assert_true(child_on(b, "198.51.100.2", "192.0.2.11"));
	assert_int_equal(w->f[0].n_move, 1);
	assert_int_equal(w->f[1].n_move, 1);
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	/* No new IKE SA: the same one moved. */
	assert_ptr_equal(only_sa(w, 0), a);
	/* The next exchange goes between the new pair. */
	assert_int_equal(informational_start(b, NULL, false, 2000), 0);
	assert_true(ip_addr_equal(&w->q[0].dst, &n));
	test_settle(w, 2000);
	assert_false(b->req.active);
	test_world_free(w);
}

/* Our IKE SA's address removed: the engine moves by itself. */
static void update_on_loss(void **state)
{
	struct world *w = world_new(true);
	struct ip_addr o = test_ip("192.0.2.1"), n = test_ip("192.0.2.11");
	struct ikesa *a, *b;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_int_equal(engine_iface_addr(&w->e[0], 2, &o, false), 0);
	assert_int_equal(engine_next_deadline(&w->e[0]), 1);
	test_settle(w, 1000);
	assert_true(ip_addr_equal(&a->local, &n));
	assert_true(ip_addr_equal(&b->remote, &n));
	assert_true(child_on(b, "198.51.100.2", "192.0.2.11"));
	assert_int_equal(w->f[1].n_move, 1);
	test_world_free(w);
}

/* A datagram that does not authenticate moves nothing. */
static void forged_ignored(void **state)
{
	struct world *w = world_new(true);
	struct ip_addr o = test_ip("192.0.2.1"), n = test_ip("192.0.2.11");
	struct ip_addr x = test_ip("203.0.113.9");
	struct ikesa *a, *b;
	struct dgram d;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_int_equal(engine_iface_move(a, &o, &n, true, 1000), 0);
	d = pop(w);
	d.buf[d.len - 1] ^= 0x01;	/* the ICV */
	d.src = x;
	deliver(w, &d, 1000);
	free(d.buf);
	assert_int_equal(w->n, 0);	/* no check, no answer */
	assert_true(ip_addr_equal(&b->remote, &o));
	assert_int_equal(w->f[1].n_move, 0);
	test_world_free(w);
}

/* A copy of a processed update from elsewhere moves nothing (§3.11). */
static void old_id_ignored(void **state)
{
	struct world *w = world_new(true);
	struct ip_addr o = test_ip("192.0.2.1"), n = test_ip("192.0.2.11");
	struct ip_addr x = test_ip("203.0.113.9");
	struct ikesa *a, *b;
	struct dgram d, copy;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_int_equal(engine_iface_move(a, &o, &n, true, 1000), 0);
	d = pop(w);
	copy = d;
	copy.buf = malloc(d.len);
	assert_non_null(copy.buf);
	memcpy(copy.buf, d.buf, d.len);
	deliver(w, &d, 1000);
	free(d.buf);
	test_settle(w, 1000);
	assert_true(ip_addr_equal(&b->remote, &n));
	/* Replayed from a third address: answered from the cache only. */
	copy.src = x;
	deliver(w, &copy, 1500);
	free(copy.buf);
	drop_all(w);
	assert_true(ip_addr_equal(&b->remote, &n));
	assert_int_equal(w->f[1].n_move, 1);
	assert_int_equal(test_logged("checking the new address"), 1);
	test_world_free(w);
}

/* The new address does not answer B's check: B moves nothing. */
static void failed_check_refuses(void **state)
{
	struct world *w = world_new(true);
	struct ip_addr o = test_ip("192.0.2.1"), n = test_ip("192.0.2.11");
	struct ikesa *a, *b;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	w->unreachable = n;	/* A's request leaves, nothing comes back */
	assert_int_equal(engine_iface_move(a, &o, &n, true, 1000), 0);
	pump(w, 1000);
	assert_true(b->req.active);
	for (uint64_t t = 2000; t <= 8000; t += 1000) {
		engine_tick(&w->e[1], t);
		drop_all(w);
	}
	assert_int_equal(test_logged("did not answer the return-routability "
				"check"), 1);
	assert_true(ip_addr_equal(&b->remote, &o));
	assert_true(child_on(b, "198.51.100.2", "192.0.2.1"));
	assert_int_equal(w->f[1].n_move, 0);
	test_world_free(w);
}

/* A wrong COOKIE2 in the answer to B's check refuses the move. */
static void wrong_cookie_refuses(void **state)
{
	struct world *w = world_new(true);
	struct ip_addr o = test_ip("192.0.2.1"), n = test_ip("192.0.2.11");
	struct ikesa *a, *b;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_int_equal(engine_iface_move(a, &o, &n, true, 1000), 0);
	deliver_next(w, 1000);
	/* B's check, to A's new address: A answers from its old one. */
	assert_int_equal(w->n, 1);
	assert_true(ip_addr_equal(&w->q[0].dst, &n));
	w->q[0].dst = o;
	deliver_next(w, 1000);
	assert_int_equal(w->n, 1);
	w->q[0].src = o;
	deliver_next(w, 1000);
	assert_int_equal(test_logged("return-routability check failed"), 1);
	assert_true(ip_addr_equal(&b->remote, &o));
	assert_int_equal(w->f[1].n_move, 0);
	/* A hears UNACCEPTABLE_ADDRESSES: nothing moved on its side. */
	test_settle(w, 1000);
	assert_true(ip_addr_equal(&a->local, &o));
	assert_int_equal(w->f[0].n_move, 0);
	test_world_free(w);
}

/*
 * A's update reaches B through a NAT that maps A's new address to
 * another port: B's check goes to that address and port, and its
 * answer must come from there. through: the answer comes back
 * through the NAT (else from A's own port: refused).
 */
#define NAT_PORT	31234

static struct dgram pop_from(struct world *w, int from)
{
	struct dgram d = pop(w);

	assert_int_equal(d.from, from);
	return d;
}

static void update_behind_nat(struct world *w, bool through)
{
	struct ip_addr o = test_ip("192.0.2.1"), n = test_ip("192.0.2.11");
	struct ikesa *a = only_sa(w, 0), *b = only_sa(w, 1);
	uint16_t port = a->local_port;
	struct dgram d;

	assert_int_equal(engine_iface_move(a, &o, &n, true, 1000), 0);
	d = pop_from(w, 0);		/* the update, out of the NAT */
	d.lport = NAT_PORT;
	deliver(w, &d, 1000);
	free(d.buf);
	d = pop_from(w, 1);		/* B's check, to the NAT's mapping */
	assert_true(ip_addr_equal(&d.dst, &n));
	assert_int_equal(d.rport, NAT_PORT);
	d.rport = port;
	deliver(w, &d, 1000);
	free(d.buf);
	d = pop_from(w, 0);		/* A's answer */
	d.lport = through ? NAT_PORT : port;
	deliver(w, &d, 1000);
	free(d.buf);
	d = pop_from(w, 1);		/* B's answer to the update */
	assert_true(ip_addr_equal(&d.dst, &n));
	assert_int_equal(d.rport, NAT_PORT);
	d.rport = port;
	deliver(w, &d, 1000);
	free(d.buf);
	assert_int_equal(w->n, 0);
	assert_false(b->req.active);
}

static void update_nat_port(void **state)
{
	struct world *w = world_new(true);
	struct ip_addr n = test_ip("192.0.2.11");
	struct ikesa *a, *b;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	update_behind_nat(w, true);
	assert_int_equal(test_logged("the peer moved"), 1);
	assert_true(ip_addr_equal(&b->remote, &n));
	assert_int_equal(b->remote_port, NAT_PORT);
	assert_true(child_on(b, "198.51.100.2", "192.0.2.11"));
	assert_int_equal(w->f[1].n_move, 1);
	assert_true(ip_addr_equal(&a->local, &n));
	assert_int_equal(w->f[0].n_move, 1);
	test_world_free(w);
}

/* The right address, but not the NAT's port: not where the check went. */
static void nat_port_answer_elsewhere(void **state)
{
	struct world *w = world_new(true);
	struct ip_addr o = test_ip("192.0.2.1");
	struct ikesa *a, *b;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	update_behind_nat(w, false);
	assert_int_equal(test_logged("return-routability check failed: the answer "
				"came from 192.0.2.11 port 500"), 1);
	assert_true(ip_addr_equal(&b->remote, &o));
	assert_int_equal(w->f[1].n_move, 0);
	assert_true(ip_addr_equal(&a->local, &o));
	assert_int_equal(w->f[0].n_move, 0);
	test_world_free(w);
}

/* Without MOBIKE the move of the IKE SA's address sets it up again. */
static void fallback_reauth(void **state)
{
	struct world *w = world_new(false);
	struct ip_addr o = test_ip("192.0.2.1"), n = test_ip("192.0.2.11");
	struct ikesa *a;

	establish(w);
	a = only_sa(w, 0);
	assert_int_equal(engine_iface_move(a, &o, &n, true, 1000), 0);
	assert_int_equal(test_logged("break-before-make"), 1);
	test_world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codec),
		cmocka_unit_test(negotiate),
		cmocka_unit_test(update_by_command),
		cmocka_unit_test(update_on_loss),
		cmocka_unit_test(forged_ignored),
		cmocka_unit_test(old_id_ignored),
		cmocka_unit_test(failed_check_refuses),
		cmocka_unit_test(wrong_cookie_refuses),
		cmocka_unit_test(update_nat_port),
		cmocka_unit_test(nat_port_answer_elsewhere),
		cmocka_unit_test(fallback_reauth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
