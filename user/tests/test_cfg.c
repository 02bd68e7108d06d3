// SPDX-License-Identifier: GPL-2.0
/*
 * CFG in the engine (engine/cfg.c): inner addresses asked for in
 * IKE_AUTH, leased from the responder's pool, used as the initiator's
 * TSi and narrowed to on the responder; released with the IKE SA and
 * given back to the same identity; INTERNAL_ADDRESS_FAILURE; and the
 * CP payloads the responder answers to, built by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "engine/cfg.h"
#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "ike/constants.h"
#include "ike/message.h"

#include "harness.h"

static void any6(struct ike_selector *s)
{
	memset(s, 0, sizeof(*s));
	s->type = IKE_TS_IPV6_ADDR_RANGE;
	s->end_port = 65535;
	memset(s->end, 0xff, 16);
}

static void range(struct conn *c, const char *text)
{
	const char *why;

	assert_int_equal(pool_range_parse(text, &c->pools[c->n_pools++],
					  &why), 0);
}

/*
 * A asks for v4 IPv4 and v6 IPv6 addresses, with no local_ts; B leases
 * them from 10.9.0.0/24 and 2001:db8:9::/112 (or the given ranges) to
 * any inner address of the peer.
 */
static struct world *world_new(unsigned int v4, unsigned int v6,
			       const char *r4, const char *r6)
{
	struct world *w = test_world_new(IKE_DH_CURVE25519, true);

	test_world_log(w);
	w->c[0].vips4 = (uint8_t)v4;
	w->c[0].vips6 = (uint8_t)v6;
	w->c[0].n_local_ts = 0;
	if (r4)
		range(&w->c[1], r4);
	if (r6)
		range(&w->c[1], r6);
	sel4(&w->c[1].remote_ts[0], "0.0.0.0", "255.255.255.255");
	any6(&w->c[1].remote_ts[1]);
	w->c[1].n_remote_ts = 2;
	inet_pton(AF_INET, "192.0.2.53", &w->c[1].dns[0].v4);
	w->c[1].dns[0].family = AF_INET;
	w->c[1].n_dns = 1;
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	return w;
}

static const char *str(const struct ip_addr *a)
{
	static char buf[8][IP_ADDR_STRLEN];
	static unsigned int i;

	return ip_addr_str(a, buf[i++ % 8], IP_ADDR_STRLEN);
}

static void host_sel(const struct ike_selector *s, const struct ip_addr *a)
{
	size_t len = ip_addr_len(a);

	assert_int_equal(s->type, a->family == AF_INET ?
			 IKE_TS_IPV4_ADDR_RANGE : IKE_TS_IPV6_ADDR_RANGE);
	assert_memory_equal(s->start, a->bytes, len);
	assert_memory_equal(s->end, a->bytes, len);
}

static void pool_use(struct world *w, unsigned int leased,
		     unsigned int online)
{
	struct pool_stats st;

	pool_stats(engine_conn_pool(&w->e[1], &w->c[1]), &st);
	assert_int_equal(st.leased, leased);
	assert_int_equal(st.online, online);
}

/* Figure 1: three IPv4 addresses and one IPv6 over one IKE SA. */
static void three_and_one(void **state)
{
	struct world *w = world_new(3, 1, "10.9.0.0/24", "2001:db8:9::/112");
	static const char *const want[4] = {
		"10.9.0.1", "10.9.0.2", "10.9.0.3", "2001:db8:9::1",
	};
	struct ikesa *a, *b;
	struct childsa *ca, *cb;

	(void)state;
	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
	pump(w, 0);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	assert_int_equal(a->n_vips, 4);
	assert_int_equal(b->n_vips, 4);
	for (int i = 0; i < 4; i++) {
		assert_string_equal(str(&a->vips[i]), want[i]);
		assert_true(ip_addr_equal(&a->vips[i], &b->vips[i]));
	}
	/* The k-th address of a family goes with interface rank k. */
	assert_string_equal(str(cfg_vip_for_rank(a, AF_INET, 2)), "10.9.0.3");
	assert_string_equal(str(cfg_vip_for_rank(a, AF_INET6, 0)),
			    "2001:db8:9::1");
	assert_null(cfg_vip_for_rank(a, AF_INET6, 1));
	/* The Child SA: TSi narrowed to the four, on both sides. */
	ca = a->children;
	cb = b->children;
	assert_non_null(ca);
	assert_non_null(cb);
	assert_int_equal(ca->n_local_ts, 4);
	assert_int_equal(cb->n_remote_ts, 4);
	for (int i = 0; i < 4; i++) {
		host_sel(&ca->local_ts[i], &a->vips[i]);
		host_sel(&cb->remote_ts[i], &a->vips[i]);
	}
	pool_use(w, 4, 4);
	/* A second Child SA asks for the inner addresses straight away. */
	assert_int_equal(engine_create_child(&w->e[0], a, 10), 0);
	pump(w, 10);
	assert_int_equal(n_children(a), 2);
	assert_int_equal(a->children->n_local_ts, 4);
	host_sel(&a->children->local_ts[3], &a->vips[3]);

	/* Deleted: the leases are released, and remembered. */
	assert_int_equal(engine_delete_ike(&w->e[0], a, 20), 0);
	pump(w, 20);
	pool_use(w, 4, 0);
	/* The same identity again: the same addresses. */
	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 30));
	pump(w, 30);
	a = only_sa(w, 0);
	assert_int_equal(a->n_vips, 4);
	for (int i = 0; i < 4; i++)
		assert_string_equal(str(&a->vips[i]), want[i]);
	pool_use(w, 4, 4);
	test_world_free(w);
}

/* An IKE rekey keeps the addresses and leases. */
static void rekey_keeps_leases(void **state)
{
	struct world *w = world_new(1, 0, "10.9.0.0/24", NULL);
	struct ikesa *a;

	(void)state;
	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
	pump(w, 0);
	a = only_sa(w, 0);
	assert_int_equal(engine_rekey_ike(&w->e[0], a, 10), 0);
	pump(w, 10);
	engine_tick(&w->e[0], 20);
	engine_tick(&w->e[1], 20);
	pump(w, 20);
	a = only_sa(w, 0);
	assert_int_equal(a->n_vips, 1);
	assert_string_equal(str(&a->vips[0]), "10.9.0.1");
	assert_int_equal(only_sa(w, 1)->n_vips, 1);
	pool_use(w, 1, 1);
	test_world_free(w);
}

/*
 * Both sides rekey the IKE SA at once (RFC 7296 §2.8.2): whichever new
 * IKE SA stays, it has the addresses and the lease, the pool counts it
 * once. Tried until each side's rekey has stayed.
 */
static void crossed_rekey_keeps_leases(void **state)
{
	bool won[2] = { false, false };

	(void)state;
	for (int run = 0; run < 64 && !(won[0] && won[1]); run++) {
		struct world *w = world_new(1, 0, "10.9.0.0/24", NULL);
		struct ikesa *a;

		assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
		pump(w, 0);
		assert_int_equal(engine_rekey_ike(&w->e[0], only_sa(w, 0), 10),
				 0);
		assert_int_equal(engine_rekey_ike(&w->e[1], only_sa(w, 1), 10),
				 0);
		pump(w, 10);
		engine_tick(&w->e[0], 20);
		engine_tick(&w->e[1], 20);
		pump(w, 20);
		a = only_sa(w, 0);
		won[a->initiator ? 0 : 1] = true;
		assert_int_equal(a->n_vips, 1);
		assert_string_equal(str(&a->vips[0]), "10.9.0.1");
		assert_int_equal(only_sa(w, 1)->n_vips, 1);
		pool_use(w, 1, 1);
		test_world_free(w);
	}
	assert_true(won[0] && won[1]);
}

/* Nothing to lease: INTERNAL_ADDRESS_FAILURE, the IKE SA stands. */
static void address_failure(void **state)
{
	struct world *w = world_new(0, 1, "10.9.0.7", NULL);
	struct ikesa *a, *b;

	(void)state;
	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
	pump(w, 0);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	assert_int_equal(b->state, IKESA_ESTABLISHED);
	assert_null(a->children);
	assert_null(b->children);
	assert_int_equal(a->n_vips, 0);
	assert_true(test_logged("INTERNAL_ADDRESS_FAILURE"));
	assert_true(test_logged("pool b.example has no IPv6 address left"));
	assert_int_equal(live_sas(&w->f[0]), 0);
	assert_int_equal(live_sas(&w->f[1]), 0);
	test_world_free(w);
}

/* The peer asks for nothing: its TSi holds none of its addresses. */
static void no_request_no_child(void **state)
{
	struct world *w = world_new(0, 0, "10.9.0.0/24", NULL);

	(void)state;
	sel4(&w->c[0].local_ts[0], "10.9.0.1", "10.9.0.1");
	w->c[0].n_local_ts = 1;
	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
	pump(w, 0);
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	assert_null(only_sa(w, 1)->children);
	assert_true(test_logged("TS_UNACCEPTABLE"));
	assert_true(test_logged("holds none of the inner addresses leased to it"));
	test_world_free(w);
}

/* The responder's answers to CP payloads made by hand. */
static void respond_by_hand(void **state)
{
	struct world *w = world_new(0, 0, "10.9.0.0/30", NULL);
	struct ike_cp_attr attrs[5] = {
		{ .type = IKE_CP_INTERNAL_IP4_ADDRESS },
		{ .type = IKE_CP_INTERNAL_IP4_DNS },
		{ .type = IKE_CP_INTERNAL_IP6_ADDRESS },
		{ .type = IKE_CP_INTERNAL_IP4_ADDRESS },
		{ .type = IKE_CP_INTERNAL_IP4_ADDRESS },
	};
	struct ike_cp cp = { IKE_CFG_REQUEST, 5, attrs };
	struct ike_chain req = { 0 }, resp = { 0 };
	struct cfg_payload *out = calloc(1, sizeof(*out));
	struct ikesa *sa;
	struct ike_error err;

	(void)state;
	assert_non_null(out);
	sa = ikesa_new(&w->e[1], &w->c[1], false, &w->c[1].local, 500,
		       &w->c[1].remote, 500);
	assert_non_null(sa);
	assert_int_equal(ikesa_set_peer_id(sa, IKE_ID_FQDN,
					   (const uint8_t *)"a.example", 9),
			 0);
	assert_int_equal(ike_chain_add(&req, IKE_PL_CP, &cp, &err), 0);
	/* Two of three IPv4 (a /30), no IPv6, the name server. */
	assert_int_equal(cfg_respond(sa, &req, out, &resp), 0);
	assert_int_equal(resp.count, 1);
	assert_int_equal(out->cp.type, IKE_CFG_REPLY);
	assert_int_equal(out->cp.n, 3);
	assert_int_equal(out->attrs[0].type, IKE_CP_INTERNAL_IP4_ADDRESS);
	assert_int_equal(out->attrs[0].len, 4);
	assert_int_equal(out->attrs[2].type, IKE_CP_INTERNAL_IP4_DNS);
	assert_memory_equal(out->attrs[2].value, "\xc0\x00\x02\x35", 4);
	assert_int_equal(sa->n_vips, 2);
	assert_true(test_logged("no IPv6 address left"));
	ike_chain_free(&resp);
	pool_use(w, 2, 2);

	/* A CP of another type is ignored, and logged. */
	cp.type = IKE_CFG_SET;
	memset(&resp, 0, sizeof(resp));
	assert_int_equal(cfg_respond(sa, &req, out, &resp), 0);
	assert_int_equal(resp.count, 0);
	assert_true(test_logged("not CFG_REQUEST: ignored"));
	ike_chain_free(&req);
	ike_chain_free(&resp);
	ikesa_destroy(sa);
	pool_use(w, 2, 0);
	free(out);
	test_world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(three_and_one),
		cmocka_unit_test(rekey_keeps_leases),
		cmocka_unit_test(crossed_rekey_keeps_leases),
		cmocka_unit_test(address_failure),
		cmocka_unit_test(no_request_no_child),
		cmocka_unit_test(respond_by_hand),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
