// SPDX-License-Identifier: GPL-2.0
/*
 * MIF in the engine (docs/protocol/mif.md, part one): negotiation with
 * MIF_SUPPORTED in IKE_AUTH, and the interface announcements in
 * IKE_AUTH and INFORMATIONAL; two engines on the in-memory network of
 * harness.c, each with its own interface table.
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
#include "engine/mif.h"
#include "ike/constants.h"
#include "ike/message.h"
#include "ike/mif.h"

#include "harness.h"

/* What the engines logged: the last MIF-related lines, by level. */
static void iface(struct engine *e, int ifindex, const char *name, bool up)
{
	struct iface ifc;

	memset(&ifc, 0, sizeof(ifc));
	snprintf(ifc.name, sizeof(ifc.name), "%s", name);
	ifc.ifindex = ifindex;
	ifc.up = up;
	assert_int_equal(engine_iface_update(e, &ifc), 0);
}

static void addr(struct engine *e, int ifindex, const char *s, bool add)
{
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(s, &a), 0);
	assert_int_equal(engine_iface_addr(e, ifindex, &a, add), 0);
}

/*
 * A: eth0 (its IKE address, priority 200) and wlan0 (100, down), and
 * lo, which it does not list. B: eth0 and eth1 ("eth*", 128).
 */
static struct world *world_new(bool mif_a, bool mif_b)
{
	struct world *w = test_world_new(IKE_DH_CURVE25519, true);

	test_world_log(w);
	w->c[0].mif = mif_a;
	w->c[1].mif = mif_b;
	test_pattern(&w->c[0], "eth0", 200);
	test_pattern(&w->c[0], "wlan0", 100);
	test_pattern(&w->c[1], "eth*", 128);
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);

	iface(&w->e[0], 1, "lo", true);
	addr(&w->e[0], 1, "127.0.0.1", true);
	iface(&w->e[0], 2, "eth0", true);
	addr(&w->e[0], 2, "192.0.2.1", true);
	iface(&w->e[0], 3, "wlan0", false);
	addr(&w->e[0], 3, "203.0.113.5", true);
	iface(&w->e[1], 7, "eth0", true);
	addr(&w->e[1], 7, "198.51.100.2", true);
	iface(&w->e[1], 8, "eth1", true);
	addr(&w->e[1], 8, "2001:db8::2", true);
	addr(&w->e[1], 8, "198.51.100.3", true);
	return w;
}

static void establish(struct world *w, uint64_t now)
{
	assert_non_null(engine_initiate(&w->e[0], &w->c[0], now));
	pump(w, now);
	assert_int_equal(only_sa(w, 0)->state, IKESA_ESTABLISHED);
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	assert_non_null(only_sa(w, 0)->children);
	assert_non_null(only_sa(w, 1)->children);
}

/* One side's announcement as the other holds it. */
static void check_seen(struct world *w, int side)
{
	struct ikesa *me = only_sa(w, side), *peer = only_sa(w, !side);
	struct mif_interfaces now;

	assert_true(peer->mif->have_peer);
	mif_local_list(&w->e[side], &w->c[side], &now);
	assert_true(mif_list_equal(me->mif->ours, &now));
	assert_true(mif_list_equal(peer->mif->peer, &now));
}

static void both_negotiate(void **state)
{
	struct world *w = world_new(true, true);
	const struct mif_interfaces *l;
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

	establish(w, 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(only_sa(w, i)->mif_status, MIF_ON);
		assert_int_equal(only_sa(w, i)->mif->version, 1);
		assert_false(only_sa(w, i)->mif->refused);
		check_seen(w, i);
	}
	/* A: eth0 and wlan0 (not lo), in id order, priorities inverted. */
	l = only_sa(w, 1)->mif->peer;
	assert_int_equal(l->n, 2);
	assert_int_equal(l->iface[0].id, 2);
	assert_int_equal(l->iface[0].prio, 200);
	assert_int_equal(l->iface[0].flags, 0);
	assert_int_equal(l->iface[0].n4, 1);
	assert_int_equal(l->iface[1].prio, 100);
	assert_int_equal(l->iface[1].flags, MIF_IFACE_DOWN);
	/* B: both families on eth1. */
	l = only_sa(w, 0)->mif->peer;
	assert_int_equal(l->n, 2);
	assert_int_equal(l->iface[1].n4, 1);
	assert_int_equal(l->iface[1].n6, 1);
	assert_memory_equal(l->iface[1].addr6[0], v6, 16);
	assert_int_equal(test_logged_at(ENGINE_LOG_NOTICE, "MIF not negotiated"), 0);
	/* Nothing changed: nothing more to say. */
	assert_int_equal(mif_announce_deadline(only_sa(w, 0)), 0);
	test_world_free(w);
}

/* side's connection has mif = no: plain on both sides, reason kept. */
static void one_side_off(int off)
{
	struct world *w = world_new(off != 0, off != 1);
	struct ikesa *sa;
	struct dgram d;
	unsigned int sent;

	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	assert_non_null(sa);
	deliver_next(w, 0);
	deliver_next(w, 0);
	/* The IKE_AUTH request offers MIF only if A's connection does. */
	assert_int_equal(deliver_next_notify(w, only_sa(w, 1),
					     IKE_N_MIF_SUPPORTED, 0), off != 0);
	d = pop(w);
	assert_false(dgram_has_notify(sa, &d, IKE_N_MIF_SUPPORTED));
	assert_false(dgram_has_notify(sa, &d, IKE_N_MIF_INTERFACES));
	deliver(w, &d, 0);
	free(d.buf);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_non_null(sa->children);
	assert_non_null(only_sa(w, 1)->children);
	assert_int_equal(only_sa(w, off)->mif_status, MIF_OFF_LOCAL);
	assert_int_equal(only_sa(w, !off)->mif_status, MIF_OFF_PEER);
	assert_null(only_sa(w, 0)->mif);
	assert_null(only_sa(w, 1)->mif);
	assert_int_equal(test_logged_at(ENGINE_LOG_NOTICE, "MIF not negotiated: our "
				"connection disables it"), 1);
	assert_int_equal(test_logged_at(ENGINE_LOG_NOTICE, "MIF not negotiated: the "
				"peer did not offer it"), 1);
	/* Interface events announce nothing on a plain IKE SA. */
	sent = w->sent;
	addr(&w->e[0], 3, "203.0.113.6", true);
	addr(&w->e[1], 7, "198.51.100.9", true);
	engine_tick(&w->e[0], 5000);
	engine_tick(&w->e[1], 5000);
	assert_int_equal(w->sent, sent);
	test_world_free(w);
}

static void initiator_off(void **state) { one_side_off(0); }
static void responder_off(void **state) { one_side_off(1); }

/*
 * A peer without MIF (as strongSwan): B's connection is plain and
 * answers nothing to A's offer; A ends up plain, without an error.
 */
static void peer_without_mif(void **state)
{
	struct world *w = world_new(true, false);

	establish(w, 0);
	assert_int_equal(only_sa(w, 0)->mif_status, MIF_OFF_PEER);
	assert_null(only_sa(w, 0)->mif);
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, ""), 0);
	test_world_free(w);
}

/* Tick A at now if it asks for it; the exchanges it starts, answered. */
static unsigned int tick_pump(struct world *w, uint64_t now)
{
	unsigned int sent = w->sent;

	engine_tick(&w->e[0], now);
	pump(w, now);
	return w->sent - sent;
}

static void event_announces(void **state)
{
	struct world *w = world_new(true, true);
	uint64_t d;

	establish(w, 0);
	addr(&w->e[0], 3, "203.0.113.7", true);
	/* At most one announcement a second: not before 1 s. */
	d = engine_next_deadline(&w->e[0]);
	assert_int_equal(d, MIF_ANNOUNCE_INTERVAL_MS);
	assert_int_equal(tick_pump(w, 500), 0);
	assert_int_equal(tick_pump(w, d), 2);
	assert_int_equal(only_sa(w, 1)->mif->peer->iface[1].n4, 2);
	check_seen(w, 0);
	assert_false(only_sa(w, 0)->mif->in_flight);
	assert_int_equal(mif_announce_deadline(only_sa(w, 0)), 0);
	/* A link coming up is news too; an unlisted interface is not. */
	iface(&w->e[0], 9, "docker0", true);
	addr(&w->e[0], 9, "172.17.0.1", true);
	assert_int_equal(mif_announce_deadline(only_sa(w, 0)), 0);
	iface(&w->e[0], 3, "wlan0", true);
	assert_int_equal(tick_pump(w, 5000), 2);
	assert_int_equal(only_sa(w, 1)->mif->peer->iface[1].flags, 0);
	check_seen(w, 0);
	/* The responder announces as well. */
	addr(&w->e[1], 8, "198.51.100.3", false);
	engine_tick(&w->e[1], 9000);
	pump(w, 9000);
	check_seen(w, 1);
	assert_int_equal(only_sa(w, 0)->mif->peer->iface[1].n4, 0);
	test_world_free(w);
}

static void burst_coalesced(void **state)
{
	struct world *w = world_new(true, true);

	establish(w, 0);
	addr(&w->e[0], 3, "203.0.113.7", true);
	addr(&w->e[0], 3, "203.0.113.8", true);
	iface(&w->e[0], 3, "wlan0", true);
	addr(&w->e[0], 2, "2001:db8:a::1", true);
	assert_int_equal(tick_pump(w, 2000), 2);
	check_seen(w, 0);
	/* Changes while one is in flight: one more, a second later. */
	addr(&w->e[0], 3, "203.0.113.9", true);
	assert_int_equal(engine_tick(&w->e[0], 3000), 3000 +
			 w->c[0].retrans_base_ms);
	assert_true(only_sa(w, 0)->mif->in_flight);
	addr(&w->e[0], 3, "203.0.113.10", true);
	addr(&w->e[0], 3, "203.0.113.7", false);
	pump(w, 3000);
	assert_int_equal(only_sa(w, 1)->mif->peer->iface[1].n4, 4);
	assert_int_equal(tick_pump(w, 3500), 0);
	assert_int_equal(tick_pump(w, 4000), 2);
	check_seen(w, 0);
	/* A change undone before it was due: nothing sent. */
	addr(&w->e[0], 3, "203.0.113.11", true);
	addr(&w->e[0], 3, "203.0.113.11", false);
	assert_int_equal(tick_pump(w, 9000), 0);
	test_world_free(w);
}

/* A sends an INFORMATIONAL with MIF_INTERFACES data of its own. */
static void send_list(struct world *w, const uint8_t *data, size_t len)
{
	struct ike_chain *c = calloc(1, sizeof(*c));
	struct ike_notify n;
	struct ike_error err;

	assert_non_null(c);
	ikesa_notify(&n, IKE_N_MIF_INTERFACES, data, len);
	assert_int_equal(ike_chain_add(c, IKE_PL_NOTIFY, &n, &err), 0);
	assert_int_equal(ikesa_request(only_sa(w, 0), 100,
				       IKE_EXCH_INFORMATIONAL, c), 0);
	ike_chain_free(c);
	free(c);
}

static void malformed_refused(void **state)
{
	/* Two entries with ID 5; then one with Num IPv4 past the end. */
	static const uint8_t dup[] = {
		0, 5, 1, 0, 0, 0, 0, 0,
		0, 5, 1, 0, 0, 0, 0, 0,
	};
	static const uint8_t past[] = { 0, 5, 1, 0, 1, 0, 0, 0, 192, 0, 2 };
	const uint8_t *bad[2] = { dup, past };
	size_t len[2] = { sizeof(dup), sizeof(past) };
	struct world *w = world_new(true, true);
	struct mif_interfaces before;

	establish(w, 0);
	mif_list_get(&before, only_sa(w, 1)->mif->peer);
	for (int i = 0; i < 2; i++) {
		send_list(w, bad[i], len[i]);
		deliver_next(w, 100);
		assert_true(deliver_next_notify(w, only_sa(w, 0),
				IKE_N_MIF_INVALID_INTERFACES, 100));
		assert_false(only_sa(w, 0)->req.active);
	}
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, "MIF_INTERFACES refused "
				"(interface ID listed twice)"), 1);
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING,
				"MIF_INTERFACES refused"), 2);
	/* The IKE SA, its Child SA and the previous list are untouched. */
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	assert_non_null(only_sa(w, 1)->children);
	assert_true(mif_list_equal(only_sa(w, 1)->mif->peer, &before));
	/* A good list is taken after them. */
	send_list(w, NULL, 0);
	pump(w, 100);
	assert_true(only_sa(w, 1)->mif->have_peer);
	assert_int_equal(only_sa(w, 1)->mif->peer->n, 0);
	test_world_free(w);
}

/* A copy of d's IKE_SA_INIT with a MIF notify added to its payloads. */
static void add_plain_notify(struct dgram *d, uint16_t type)
{
	static const uint8_t v1[2] = { 1, 0 };
	struct ike_message *m = calloc(1, sizeof(*m));
	struct ike_notify n;
	struct ike_writer wr;
	struct ike_error err;

	assert_non_null(m);
	assert_int_equal(ike_message_parse(m, d->buf, d->len, &err), 0);
	ikesa_notify(&n, type, v1, sizeof(v1));
	assert_int_equal(ike_chain_add(&m->chain, IKE_PL_NOTIFY, &n, &err), 0);
	ike_writer_init(&wr);
	assert_int_equal(ike_message_build(&wr, m, &err), 0);
	free(d->buf);
	d->buf = wr.p;
	d->len = wr.len;
	ike_message_free(m);
	free(m);
}

static void plain_ignored(void **state)
{
	struct world *w = world_new(true, false);
	struct ikesa *sa;
	struct dgram d;

	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	d = pop(w);
	add_plain_notify(&d, IKE_N_MIF_SUPPORTED);
	/* A signs what it sent: make it this one. */
	free(sa->init_req);
	sa->init_req = malloc(d.len);
	assert_non_null(sa->init_req);
	memcpy(sa->init_req, d.buf, d.len);
	sa->init_req_len = d.len;
	deliver(w, &d, 0);
	free(d.buf);
	pump(w, 0);
	assert_int_equal(test_logged_at(ENGINE_LOG_DEBUG, "IKE_SA_INIT request: "
				"MIF_SUPPORTED outside SK: ignored"), 1);
	/* B does not take it for an offer in IKE_AUTH. */
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	assert_int_equal(only_sa(w, 1)->mif_status, MIF_OFF_LOCAL);
	assert_int_equal(sa->mif_status, MIF_OFF_PEER);
	test_world_free(w);
}

static void rekey_keeps(void **state)
{
	struct world *w = world_new(true, true);
	struct mif_sa before[2];
	struct mif_interfaces before_peer;
	struct ikesa *old = NULL;

	establish(w, 0);
	for (int i = 0; i < 2; i++)
		before[i] = *only_sa(w, i)->mif;
	mif_list_get(&before_peer, only_sa(w, 0)->mif->peer);
	/* B rekeys while A's announcement is in flight: A makes it again. */
	addr(&w->e[0], 3, "203.0.113.7", true);
	assert_int_equal(engine_tick(&w->e[0], 2000), 2000 +
			 w->c[0].retrans_base_ms);
	assert_int_equal(engine_rekey_ike(&w->e[1], only_sa(w, 1), 2000), 0);
	old = only_sa(w, 0);
	/* B's rekey request reaches A first; then A's announcement. */
	{
		struct dgram a = pop(w), b = pop(w);

		deliver(w, &b, 2000);
		deliver(w, &a, 2000);
		free(a.buf);
		free(b.buf);
	}
	pump(w, 2000);
	assert_false(old == only_sa(w, 0));
	for (int i = 0; i < 2; i++) {
		struct ikesa *sa = only_sa(w, i);

		assert_int_equal(sa->mif_status, MIF_ON);
		assert_int_equal(sa->mif->version, before[i].version);
		assert_true(sa->mif->have_peer);
	}
	assert_true(mif_list_equal(only_sa(w, 0)->mif->peer, &before_peer));
	assert_true(only_sa(w, 0)->mif->pending);
	engine_tick(&w->e[0], 5000);
	pump(w, 5000);
	check_seen(w, 0);
	check_seen(w, 1);
	test_world_free(w);
}

/*
 * Both sides rekey the IKE SA at once (RFC 7296 §2.8.2): whichever new
 * IKE SA stays, it has the MIF negotiation and both sides' interface
 * lists; the other two IKE SAs are gone. Tried until each side's rekey
 * has stayed.
 */
static void rekey_crossed_keeps(void **state)
{
	bool won[2] = { false, false };

	for (int run = 0; run < 64 && !(won[0] && won[1]); run++) {
		struct world *w = world_new(true, true);
		struct ikesa *old[2];
		struct mif_sa before[2];
		struct mif_interfaces before_peer[2];

		establish(w, 0);
		for (int i = 0; i < 2; i++) {
			old[i] = only_sa(w, i);
			before[i] = *old[i]->mif;
			mif_list_get(&before_peer[i], old[i]->mif->peer);
		}
		for (int i = 0; i < 2; i++)
			assert_int_equal(engine_rekey_ike(&w->e[i], old[i],
							  2000), 0);
		pump(w, 2000);
		for (int i = 0; i < 2; i++) {
			struct ikesa *sa = only_sa(w, i);

			assert_ptr_not_equal(sa, old[i]);
			assert_int_equal(sa->mif_status, MIF_ON);
			assert_int_equal(sa->mif->version, before[i].version);
			assert_true(sa->mif->have_peer);
			assert_true(mif_list_equal(sa->mif->peer,
						   &before_peer[i]));
		}
		won[only_sa(w, 0)->initiator ? 0 : 1] = true;
		test_world_free(w);
	}
	assert_true(won[0] && won[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(both_negotiate),
		cmocka_unit_test(initiator_off),
		cmocka_unit_test(responder_off),
		cmocka_unit_test(peer_without_mif),
		cmocka_unit_test(event_announces),
		cmocka_unit_test(burst_coalesced),
		cmocka_unit_test(malformed_refused),
		cmocka_unit_test(plain_ignored),
		cmocka_unit_test(rekey_keeps),
		cmocka_unit_test(rekey_crossed_keeps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
