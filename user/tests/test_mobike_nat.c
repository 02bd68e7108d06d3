// SPDX-License-Identifier: GPL-2.0
/*
 * A MOBIKE move that crosses a NAT (RFC 4555 §3.5, §3.9; engine/mobike.h):
 * both engines on the in-memory network of harness.c, A the IKE SA's
 * initiator on eth0 192.0.2.1 and eth1 192.0.2.11, B on 198.51.100.2.
 * The harness's NAT stands in front of A: turned on when A moves to eth1
 * (a NAT appears), or on from the start and off when A moves (it goes).
 * The fake backend applies a move's encapsulation to its SAs.
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
#include "engine/nat.h"
#include "ike/constants.h"
#include "ike/mobike.h"

#include "harness.h"

#define NAT_ADDR	"203.0.113.9"
#define NAT_P500	31000
#define NAT_P4500	31001
#define KEEPALIVE_MS	20000

/* The NAT in front of A on (B sees A as NAT_ADDR) or off. */
static void nat(struct world *w, bool on)
{
	w->nat.on = on;
	w->nat.addr = test_ip(NAT_ADDR);
	w->nat.port[0] = NAT_P500;
	w->nat.port[1] = NAT_P4500;
	/* B's view of A, with the NAT: where the harness says it is. */
	if (on)
		w->c[1].remote = w->nat.addr;
}

/* behind: A starts behind the NAT. no_nats: A's mobike_no_nats. */
static struct world *world_new(bool behind, bool no_nats)
{
	struct world *w = test_world_new(IKE_DH_CURVE25519, true);

	test_world_log(w);
	w->any_addr = true;
	for (int i = 0; i < 2; i++) {
		w->c[i].mobike = true;
		w->c[i].nat_keepalive_ms = KEEPALIVE_MS;
	}
	test_pattern(&w->c[0], "eth0", 200);
	test_pattern(&w->c[0], "eth1", 100);
	w->c[0].mobike_no_nats = no_nats;
	if (behind)
		nat(w, true);
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
	assert_true(only_sa(w, 0)->mobike.on);
	assert_non_null(only_sa(w, 0)->children);
}

/* Every Child SA of sa: encapsulated or not, with these ports. */
static void children_encap(const struct ikesa *sa, bool on, uint16_t lport,
			   uint16_t rport)
{
	for (const struct childsa *c = sa->children; c; c = c->next) {
		assert_int_equal(c->encap, on);
		if (!on)
			continue;
		assert_int_equal(c->local_port, lport);
		assert_int_equal(c->remote_port, rport);
	}
}

/* Every live SA of f's kernel: UDP-encapsulated or not. */
static void kernel_encap(const struct fake *f, bool on)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < f->n_sas; i++) {
		if (!f->sa_live[i])
			continue;
		n++;
		assert_int_equal(f->sas[i].encap_sport != 0, on);
		assert_int_equal(f->sas[i].encap_dport != 0, on);
	}
	assert_true(n > 0);
}

/* A moves from eth0 to eth1: the first datagram is its update. */
static void move_a(struct world *w, uint64_t now)
{
	struct ip_addr o = test_ip("192.0.2.1"), n = test_ip("192.0.2.11");
	struct ikesa *a = only_sa(w, 0);

	assert_int_equal(engine_iface_move(a, &o, &n, true, now), 0);
	assert_true(w->n > 0);
	assert_true(dgram_has_notify(only_sa(w, 1), &w->q[0],
				     IKE_N_UPDATE_SA_ADDRESSES));
	/*
	 * The harness delivers to the connections' addresses: B's answers
	 * reach A at its new one, and without the NAT B sees it there.
	 */
	w->c[0].local = n;
	if (!w->nat.on)
		w->c[1].remote = n;
}

static void codec(void **state)
{
	struct mobike_path p = {
		.src = test_ip("192.0.2.11"), .dst = test_ip("198.51.100.2"),
		.sport = 4500, .dport = 500,
	}, q;
	struct mobike_path v6 = {
		.src = test_ip("2001:db8::1"), .dst = test_ip("2001:db8::2"),
		.sport = 1, .dport = 65535,
	};
	uint8_t buf[MOBIKE_NO_NATS_MAX];
	struct ike_error err;

	assert_int_equal(mobike_no_nats_build(&p, buf), 12);
	/* Source, destination, then the two ports. */
	assert_int_equal(buf[0], 192);
	assert_int_equal(buf[4], 198);
	assert_int_equal(buf[8] << 8 | buf[9], 4500);
	assert_int_equal(buf[10] << 8 | buf[11], 500);
	assert_int_equal(mobike_no_nats_parse(buf, 12, &q, &err), 0);
	assert_true(ip_addr_equal(&q.src, &p.src));
	assert_true(ip_addr_equal(&q.dst, &p.dst));
	assert_int_equal(q.sport, 4500);
	assert_int_equal(q.dport, 500);
	assert_int_equal(mobike_no_nats_build(&v6, buf), 36);
	assert_int_equal(mobike_no_nats_parse(buf, 36, &q, &err), 0);
	assert_int_equal(q.dport, 65535);
	assert_int_equal(mobike_no_nats_parse(buf, 13, &q, &err), -EINVAL);
	assert_int_equal(err.code, IKE_ERR_LENGTH);
	v6.dst = test_ip("192.0.2.1");
	assert_int_equal(mobike_no_nats_build(&v6, buf), 0);
}

/*
 * A NAT appears with the move: both sides find it in the update's NAT
 * detection, the Child SAs gain ESP in UDP in the move's kernel call, A
 * moves IKE to 4500 and tells B from there (B's SAs follow the NAT's
 * 4500 mapping), A sends keepalives.
 */
static void into_nat(void **state)
{
	struct world *w = world_new(false, false);
	struct ikesa *a, *b;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_false(nat_encap(a));
	assert_int_equal(a->local_port, 500);
	kernel_encap(&w->f[0], false);
	nat(w, true);
	move_a(w, 1000);
	test_settle(w, 1000);
	assert_true(ip_addr_equal(&a->local, &w->c[0].local));
	assert_true(ip_addr_equal(&b->remote, &w->nat.addr));
	/* A: behind a NAT, IKE on 4500, keepalives due. */
	assert_true(a->nat.local);
	assert_false(a->nat.remote);
	assert_int_equal(a->local_port, 4500);
	assert_int_equal(a->remote_port, 4500);
	assert_int_equal(nat_deadline(a), 1000 + KEEPALIVE_MS);
	assert_true(w->f[0].last_move.encap_port == 4500 &&
		    w->f[0].last_move.encap_peer_port == 4500);
	children_encap(a, true, 4500, 4500);
	kernel_encap(&w->f[0], true);
	/* B: the peer is behind a NAT; on the NAT's 4500 mapping now. */
	assert_true(b->nat.remote);
	assert_false(b->nat.local);
	assert_int_equal(b->remote_port, NAT_P4500);
	assert_int_equal(nat_deadline(b), 0);
	children_encap(b, true, 4500, NAT_P4500);
	kernel_encap(&w->f[1], true);
	assert_int_equal(test_logged("the Child SAs carry ESP in UDP"), 2);
	/* A's second update, from 4500, told B the NAT's 4500 mapping. */
	assert_int_equal(test_logged("IKE on port 4500"), 1);
	/* The next exchange goes through the NAT both ways. */
	assert_int_equal(informational_start(b, NULL, false, 2000), 0);
	test_settle(w, 2000);
	assert_false(b->req.active);
	test_world_free(w);
}

/*
 * A's update first reaches B by a path that does not lead back (its old
 * link, just before A's kernel drops the route): B's check to A's new
 * address is lost. A's retransmission comes through the NAT: B's check
 * follows it there, A answers, and B moves to the NAT's mapping.
 */
static void check_follows_retransmission(void **state)
{
	struct world *w = world_new(false, false);
	struct ikesa *a, *b;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	w->unreachable = test_ip("192.0.2.11");
	move_a(w, 1000);
	pump(w, 1000);
	assert_true(ip_addr_equal(&b->remote, &w->c[0].remote) ||
		    !ip_addr_equal(&b->remote, &w->nat.addr));
	assert_int_equal(test_logged("checking the new address"), 1);
	/* From now on A's datagrams cross the NAT. */
	nat(w, true);
	for (uint64_t t = 2000; t <= 6000; t += 1000)
		test_settle(w, t);
	assert_int_equal(test_logged("the peer's update came again"), 1);
	assert_true(ip_addr_equal(&b->remote, &w->nat.addr));
	assert_true(ip_addr_equal(&a->local, &w->c[0].local));
	assert_true(b->nat.remote);
	assert_int_equal(test_logged("refused"), 0);
	/* The next exchange goes through the NAT both ways. */
	assert_int_equal(informational_start(b, NULL, false, 7000), 0);
	test_settle(w, 7000);
	assert_false(b->req.active);
	test_world_free(w);
}

/* The NAT goes with the move: plain ESP again, keepalives stop. */
static void out_of_nat(void **state)
{
	struct world *w = world_new(true, false);
	struct ikesa *a, *b;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_true(a->nat.local);
	assert_int_equal(a->local_port, 4500);
	children_encap(a, true, 4500, 4500);
	kernel_encap(&w->f[0], true);
	kernel_encap(&w->f[1], true);
	nat(w, false);
	move_a(w, 1000);
	test_settle(w, 1000);
	assert_true(ip_addr_equal(&a->local, &w->c[0].local));
	assert_true(ip_addr_equal(&b->remote, &w->c[0].local));
	assert_false(a->nat.local || a->nat.remote);
	assert_false(b->nat.local || b->nat.remote);
	assert_true(w->f[0].last_move.encap_off);
	assert_true(w->f[1].last_move.encap_off);
	children_encap(a, false, 0, 0);
	children_encap(b, false, 0, 0);
	kernel_encap(&w->f[0], false);
	kernel_encap(&w->f[1], false);
	assert_int_equal(nat_deadline(a), 0);
	/* IKE stays on 4500 (RFC 7296 §2.23 allows it without a NAT). */
	assert_int_equal(a->local_port, 4500);
	assert_int_equal(test_logged("the Child SAs carry plain ESP"), 2);
	test_world_free(w);
}

/*
 * mobike_no_nats = yes, a NAT on the new path: B answers
 * UNEXPECTED_NAT_DETECTED and moves nothing; A treats it as a failed
 * move.
 */
static void no_nats_refused(void **state)
{
	struct world *w = world_new(false, true);
	struct ip_addr o = test_ip("192.0.2.1");
	struct ikesa *a, *b;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	nat(w, true);
	move_a(w, 1000);
	assert_true(dgram_has_notify(b, &w->q[0], IKE_N_NO_NATS_ALLOWED));
	test_settle(w, 1000);
	assert_int_equal(test_logged("UNEXPECTED_NAT_DETECTED"), 2);
	assert_true(ip_addr_equal(&a->local, &o));
	assert_true(ip_addr_equal(&b->remote, &o));
	assert_int_equal(w->f[0].n_move, 0);
	assert_int_equal(w->f[1].n_move, 0);
	assert_false(nat_encap(a) || nat_encap(b));
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	test_world_free(w);
}

/* mobike_no_nats = yes without a NAT: the notify goes, the move too. */
static void no_nats_direct(void **state)
{
	struct world *w = world_new(false, true);
	struct ip_addr n = test_ip("192.0.2.11");
	struct ikesa *a, *b;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	move_a(w, 1000);
	assert_true(dgram_has_notify(b, &w->q[0], IKE_N_NO_NATS_ALLOWED));
	test_settle(w, 1000);
	assert_int_equal(test_logged("UNEXPECTED_NAT_DETECTED"), 0);
	assert_true(ip_addr_equal(&a->local, &n));
	assert_true(ip_addr_equal(&b->remote, &n));
	assert_int_equal(w->f[1].n_move, 1);
	assert_false(w->f[1].last_move.encap_off);
	assert_int_equal(w->f[1].last_move.encap_port, 0);
	test_world_free(w);

	/* Without mobike_no_nats, no notify. */
	w = world_new(false, false);
	establish(w);
	move_a(w, 1000);
	assert_false(dgram_has_notify(only_sa(w, 1), &w->q[0],
				      IKE_N_NO_NATS_ALLOWED));
	test_world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codec),
		cmocka_unit_test(into_nat),
		cmocka_unit_test(out_of_nat),
		cmocka_unit_test(check_follows_retransmission),
		cmocka_unit_test(no_nats_refused),
		cmocka_unit_test(no_nats_direct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
