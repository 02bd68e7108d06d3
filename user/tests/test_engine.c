// SPDX-License-Identifier: GPL-2.0
/*
 * The IKEv2 engine, initiator and responder in one process: two engines
 * joined by an in-memory network, each with a fake kernel backend that
 * records what would be installed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sign.h"
#include "crypto/sk_cipher.h"
#include "engine/conn.h"
#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/proposal.h"
#include "ike/delete.h"
#include "ike/id.h"
#include "ike/ke.h"
#include "ike/message.h"
#include "ike/nonce.h"
#include "ike/sk.h"
#include "ike/notify.h"
#include "ike/sa.h"
#include "ike/ts.h"
#include "kernel/backend.h"

#include "harness.h"

static struct world *world_new(uint16_t group, bool gcm)
{
	struct world *w = calloc(1, sizeof(*w));
	struct engine_send s;

	assert_non_null(w);
	for (int i = 0; i < 2; i++) {
		w->f[i].b.ops = &fake_ops;
		w->f[i].b.priv = &w->f[i];
		w->f[i].next_spi = 0xa0000000u + 0x1000u * (uint32_t)i;
		w->p[i].w = w;
		w->p[i].id = i;
		s.fn = net_send;
		s.ctx = &w->p[i];
		make_conn(&w->c[i], i, group, gcm);
		assert_int_equal(engine_init(&w->e[i], &w->f[i].b, &s), 0);
	}
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	return w;
}

static void world_free(struct world *w)
{
	drop_all(w);
	engine_free(&w->e[0]);
	engine_free(&w->e[1]);
	free(w);
}

static struct ikesa *only_sa(struct world *w, int side)
{
	struct ikesa *sa = w->e[side].sas;

	assert_non_null(sa);
	assert_null(sa->next);
	return sa;
}

static unsigned int n_children(const struct ikesa *sa)
{
	unsigned int n = 0;

	for (const struct childsa *c = sa->children; c; c = c->next)
		n++;
	return n;
}

/* The kernel SA of f with this SPI, live. */
static const struct kernel_sa *find_ksa(const struct fake *f, uint32_t spi)
{
	for (unsigned int i = 0; i < f->n_sas; i++)
		if (f->sa_live[i] && f->sas[i].spi == spi)
			return &f->sas[i];
	return NULL;
}

/* One direction: SA spi sent by one side equals the other's inbound. */
static void check_pair(const struct fake *out_f, const struct fake *in_f,
		       uint32_t spi)
{
	const struct kernel_sa *o = find_ksa(out_f, spi);
	const struct kernel_sa *i = find_ksa(in_f, spi);

	assert_non_null(o);
	assert_non_null(i);
	assert_true(ip_addr_equal(&o->src, &i->src));
	assert_true(ip_addr_equal(&o->dst, &i->dst));
	assert_int_equal(o->encr, i->encr);
	assert_int_equal(o->encr_key_bits, i->encr_key_bits);
	assert_int_equal(o->integ, i->integ);
	assert_int_equal(o->mode, i->mode);
	assert_int_equal(o->encr_key_len, i->encr_key_len);
	assert_true(o->encr_key_len > 0);
	assert_memory_equal(o->encr_key, i->encr_key, o->encr_key_len);
	assert_int_equal(o->integ_key_len, i->integ_key_len);
	if (o->integ_key_len)
		assert_memory_equal(o->integ_key, i->integ_key,
				    o->integ_key_len);
}

/* A Child SA on A and its twin on B: SPIs crosswise, keys equal. */
static void check_child(struct world *w, const struct childsa *a)
{
	const struct childsa *b;

	b = ikesa_find_child(only_sa(w, 1), a->spi_out, true);
	assert_non_null(b);
	assert_int_equal(b->spi_out, a->spi_in);
	assert_true(a->installed && b->installed);
	check_pair(&w->f[0], &w->f[1], a->spi_out);	/* A -> B */
	check_pair(&w->f[1], &w->f[0], a->spi_in);	/* B -> A */
	/* Outbound SA uses the child's own outer addresses. */
	assert_true(ip_addr_equal(&find_ksa(&w->f[0], a->spi_out)->dst,
				  &a->remote));
}

/* Whether sa is still one of e's (not read: it may be freed). */
static bool sa_alive(const struct engine *e, const struct ikesa *sa)
{
	for (const struct ikesa *s = e->sas; s; s = s->next)
		if (s == sa)
			return true;
	return false;
}

static struct ikesa *establish(struct world *w, uint64_t now)
{
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], now);

	assert_non_null(sa);
	pump(w, now);
	assert_true(sa_alive(&w->e[0], sa));
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	return sa;
}

static void full(uint16_t group, bool gcm)
{
	struct world *w = world_new(group, gcm);
	struct ikesa *sa = establish(w, 0);

	assert_int_equal(sa->ike.dh->id, group);
	assert_int_equal(sa->ike.encr->aead, gcm);
	assert_int_equal(n_children(sa), 1);
	assert_int_equal(w->f[0].n_add_sa, 2);
	assert_int_equal(w->f[1].n_add_sa, 2);
	/* out, in, fwd on each side. */
	assert_int_equal(w->f[0].n_add_pol, 3);
	assert_int_equal(w->f[1].n_add_pol, 3);
	check_child(w, sa->children);
	assert_int_equal(sa->children->mode, KERNEL_MODE_TUNNEL);
	assert_int_equal(find_ksa(&w->f[0], sa->children->spi_out)->encr,
			 gcm ? IKE_ENCR_AES_GCM_16 : IKE_ENCR_AES_CBC);
	assert_int_equal(sa->req_next, 2);
	assert_int_equal(only_sa(w, 1)->resp_next, 2);
	assert_int_equal(w->sent, 4);
	world_free(w);
}

static void full_19_gcm(void **state) { full(IKE_DH_ECP_256, true); }
static void full_19_cbc(void **state) { full(IKE_DH_ECP_256, false); }
static void full_31_gcm(void **state) { full(IKE_DH_CURVE25519, true); }
static void full_31_cbc(void **state) { full(IKE_DH_CURVE25519, false); }
static void full_14_gcm(void **state) { full(IKE_DH_MODP_2048, true); }
static void full_14_cbc(void **state) { full(IKE_DH_MODP_2048, false); }
static void full_20_gcm(void **state) { full(IKE_DH_ECP_384, true); }

/* Whether a plain (IKE_SA_INIT) datagram carries a notify. */
static bool plain_has_notify(const struct dgram *d, uint16_t type)
{
	struct ike_message m;
	struct ike_error err;
	bool found;

	if (ike_message_parse(&m, d->buf, d->len, &err))
		return false;
	found = ike_chain_find_notify(&m.chain, type) != NULL;
	ike_message_free(&m);
	return found;
}

/* Whether an SK datagram to sa carries a notify. */
static bool sk_has_notify(struct ikesa *sa, const struct dgram *d,
			  uint16_t type)
{
	struct ike_chain *c = calloc(1, sizeof(*c));
	struct ike_error err;
	struct ikesa_plain plain;
	bool found = false;

	assert_non_null(c);
	if (!ikesa_decrypt(sa, d->buf, d->len, c, &plain, &err)) {
		found = ike_chain_find_notify(c, type) != NULL;
		ike_chain_free(c);
		ikesa_plain_free(&plain);
	}
	free(c);
	return found;
}

static void cookie_round_trip(void **state)
{
	struct world *w = world_new(IKE_DH_CURVE25519, true);
	struct ikesa *sa;
	struct dgram d;

	w->e[1].cookie_required = true;
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	assert_non_null(sa);
	d = pop(w);
	deliver(w, &d, 0);
	free(d.buf);
	/* The responder keeps no state and asks for a cookie. */
	assert_null(w->e[1].sas);
	assert_int_equal(w->n, 1);
	assert_true(plain_has_notify(&w->q[0], IKE_N_COOKIE));
	pump(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(sa->cookie_len, 32);
	assert_int_equal(w->sent, 6);
	check_child(w, sa->children);
	world_free(w);
}

static void cookie_threshold(void **state)
{
	struct world *w = world_new(IKE_DH_CURVE25519, true);
	struct ikesa *a1, *a2;
	struct dgram d;

	w->e[1].cookie_threshold = 1;
	a1 = engine_initiate(&w->e[0], &w->c[0], 0);
	d = pop(w);
	deliver(w, &d, 0);	/* half-open on B, no cookie asked */
	free(d.buf);
	assert_false(plain_has_notify(&w->q[0], IKE_N_COOKIE));
	drop_all(w);
	a2 = engine_initiate(&w->e[0], &w->c[0], 0);
	d = pop(w);
	deliver(w, &d, 0);
	free(d.buf);
	assert_true(plain_has_notify(&w->q[0], IKE_N_COOKIE));
	pump(w, 0);
	assert_int_equal(a2->state, IKESA_ESTABLISHED);
	assert_int_equal(a1->state, IKESA_INIT);
	world_free(w);
}

static void invalid_ke_retry(void **state)
{
	struct world *w = world_new(IKE_DH_CURVE25519, true);
	struct ikesa *sa;
	struct dgram d;

	/* A prefers 31 but also offers 19; B only takes 19. */
	xf(&w->c[0].ike[0], IKE_XF_DH, IKE_DH_ECP_256, 0);
	set_ike(&w->c[1], IKE_DH_ECP_256, true);
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	assert_int_equal(sa->ke_group, IKE_DH_CURVE25519);
	d = pop(w);
	deliver(w, &d, 0);
	free(d.buf);
	assert_null(w->e[1].sas);
	assert_true(plain_has_notify(&w->q[0], IKE_N_INVALID_KE_PAYLOAD));
	pump(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(sa->ke_group, IKE_DH_ECP_256);
	assert_int_equal(sa->ike.dh->id, IKE_DH_ECP_256);
	check_child(w, sa->children);
	world_free(w);
}

static void wrong_psk(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa;
	struct dgram d;

	w->c[1].psk[0] ^= 1;
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	d = pop(w);		/* INIT request */
	deliver(w, &d, 0);
	free(d.buf);
	d = pop(w);		/* INIT response */
	deliver(w, &d, 0);
	free(d.buf);
	d = pop(w);		/* AUTH request */
	deliver(w, &d, 0);
	free(d.buf);
	assert_null(w->e[1].sas);	/* responder gave up */
	d = pop(w);		/* AUTH response */
	assert_true(sk_has_notify(sa, &d, IKE_N_AUTHENTICATION_FAILED));
	deliver(w, &d, 0);
	free(d.buf);
	assert_null(w->e[0].sas);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(w->f[i].n_add_sa, 0);
		assert_int_equal(w->f[i].n_add_pol, 0);
		assert_int_equal(live_allocs(&w->f[i]), 0);
	}
	world_free(w);
}

static void no_proposal_chosen(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct dgram d;

	set_ike(&w->c[1], IKE_DH_ECP_256, false);	/* CBC vs GCM */
	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
	d = pop(w);
	deliver(w, &d, 0);
	free(d.buf);
	assert_null(w->e[1].sas);
	assert_true(plain_has_notify(&w->q[0], IKE_N_NO_PROPOSAL_CHOSEN));
	pump(w, 0);
	assert_null(w->e[0].sas);
	assert_int_equal(engine_next_deadline(&w->e[0]), 0);
	world_free(w);
}

static void child_no_proposal(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa;

	set_esp(&w->c[1], false);	/* ESP: CBC vs GCM */
	sa = establish(w, 0);
	/* The IKE SA stands, without a Child SA. */
	assert_null(sa->children);
	assert_null(only_sa(w, 1)->children);
	assert_int_equal(w->f[0].n_add_sa + w->f[1].n_add_sa, 0);
	assert_int_equal(live_allocs(&w->f[0]), 0);
	world_free(w);
}

static void transport_mode(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa;

	w->c[0].mode = w->c[1].mode = KERNEL_MODE_TRANSPORT;
	sa = establish(w, 0);
	assert_int_equal(sa->children->mode, KERNEL_MODE_TRANSPORT);
	assert_int_equal(only_sa(w, 1)->children->mode,
			 KERNEL_MODE_TRANSPORT);
	check_child(w, sa->children);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(w->f[i].n_add_pol, 2);	/* no fwd */
		for (unsigned int j = 0; j < w->f[i].n_pols; j++)
			assert_int_not_equal(w->f[i].pols[j].dir,
					     KERNEL_DIR_FWD);
		assert_int_equal(w->f[i].sas[0].mode, KERNEL_MODE_TRANSPORT);
	}
	world_free(w);
}

static void transport_refused(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa;

	w->c[0].mode = KERNEL_MODE_TRANSPORT;	/* B wants tunnel */
	sa = establish(w, 0);
	assert_int_equal(sa->children->mode, KERNEL_MODE_TUNNEL);
	check_child(w, sa->children);
	world_free(w);
}

static void ts_narrowing(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa;
	const struct kernel_policy *p = NULL;

	/* B only offers 10.2.5.0/24 of the 10.2.0.0/16 A asks for. */
	sel4(&w->c[1].local_ts[0], "10.2.5.0", "10.2.5.255");
	w->c[1].local_ts[0].ip_proto = 17;
	sa = establish(w, 0);
	assert_int_equal(sa->children->n_remote_ts, 1);
	assert_memory_equal(sa->children->remote_ts[0].start,
			    "\x0a\x02\x05\x00", 4);
	assert_int_equal(sa->children->remote_ts[0].ip_proto, 17);
	for (unsigned int i = 0; i < w->f[0].n_pols; i++)
		if (w->f[0].pols[i].dir == KERNEL_DIR_OUT)
			p = &w->f[0].pols[i];
	assert_non_null(p);
	assert_int_equal(p->sel.dst_len, 24);
	assert_int_equal(p->sel.src_len, 16);
	assert_int_equal(p->sel.proto, 17);
	assert_memory_equal(p->sel.dst.bytes, "\x0a\x02\x05\x00", 4);
	check_child(w, sa->children);
	world_free(w);
}

static void ts_unacceptable(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa;

	sel4(&w->c[1].local_ts[0], "10.9.0.0", "10.9.255.255");
	sa = establish(w, 0);
	assert_null(sa->children);
	assert_int_equal(w->f[0].n_add_sa + w->f[1].n_add_sa, 0);
	world_free(w);
}

static void second_child(void **state)
{
	struct world *w = world_new(IKE_DH_CURVE25519, false);
	struct ikesa *sa = establish(w, 0);
	const struct childsa *first = sa->children;

	assert_int_equal(engine_create_child(&w->e[0], sa, 10), 0);
	assert_int_equal(engine_create_child(&w->e[0], sa, 10), -EBUSY);
	pump(w, 10);
	assert_int_equal(n_children(sa), 2);
	assert_int_equal(n_children(only_sa(w, 1)), 2);
	assert_ptr_not_equal(sa->children, first);
	check_child(w, sa->children);
	check_child(w, first);
	/* Fresh keys for the new pair. */
	assert_memory_not_equal(find_ksa(&w->f[0], sa->children->spi_out)->
				encr_key,
				find_ksa(&w->f[0], first->spi_out)->encr_key,
				16);
	assert_int_equal(w->f[0].n_add_sa, 4);
	world_free(w);
}

static void rekey_child(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa;
	uint32_t old_in;

	sel4(&w->c[1].local_ts[0], "10.2.5.0", "10.2.5.255");
	sa = establish(w, 0);
	old_in = sa->children->spi_in;

	assert_int_equal(engine_rekey_child(&w->e[0], sa, sa->children, 5),
			 0);
	pump(w, 5);	/* CREATE_CHILD_SA, then Delete of the old */
	assert_int_equal(n_children(sa), 1);
	assert_int_equal(n_children(only_sa(w, 1)), 1);
	assert_int_not_equal(sa->children->spi_in, old_in);
	/* The narrowed selectors carry over. */
	assert_memory_equal(sa->children->remote_ts[0].start,
			    "\x0a\x02\x05\x00", 4);
	check_child(w, sa->children);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(live_sas(&w->f[i]), 2);
		/* The policies passed to the new SA, with the reqid. */
		assert_int_equal(w->f[i].n_add_pol, 3);
		assert_int_equal(w->f[i].n_del_pol, 0);
		assert_int_equal(live_pols(&w->f[i]), 3);
		assert_int_equal(w->f[i].sas[2].reqid, w->f[i].sas[0].reqid);
	}
	assert_true(sa->children->has_policies);
	/* Deleting the new SA now removes them. */
	assert_int_equal(engine_delete_child(&w->e[0], sa, sa->children, 6),
			 0);
	pump(w, 6);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(live_sas(&w->f[i]), 0);
		assert_int_equal(live_pols(&w->f[i]), 0);
	}
	world_free(w);
}

static void delete_child(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 0);

	assert_int_equal(engine_delete_child(&w->e[0], sa, sa->children, 5),
			 0);
	pump(w, 5);
	assert_null(sa->children);
	assert_null(only_sa(w, 1)->children);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(live_sas(&w->f[i]), 0);
		assert_int_equal(live_pols(&w->f[i]), 0);
		assert_int_equal(w->f[i].n_del_pol, 3);
		assert_int_equal(live_allocs(&w->f[i]), 0);
	}
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	world_free(w);
}

static void delete_ike(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 0);

	assert_int_equal(engine_create_child(&w->e[0], sa, 1), 0);
	pump(w, 1);
	assert_int_equal(engine_delete_ike(&w->e[0], sa, 2), 0);
	pump(w, 2);
	for (int i = 0; i < 2; i++) {
		assert_null(w->e[i].sas);
		assert_int_equal(live_sas(&w->f[i]), 0);
		assert_int_equal(live_pols(&w->f[i]), 0);
		assert_int_equal(w->f[i].n_del_pol, 6);
		assert_int_equal(engine_next_deadline(&w->e[i]), 0);
	}
	world_free(w);
}

static void delete_from_responder(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 0), *b = only_sa(w, 1);

	/* The responder's own requests start at message ID 0. */
	assert_int_equal(engine_delete_child(&w->e[1], b, b->children, 3), 0);
	assert_int_equal(b->req.msg_id, 0);
	pump(w, 3);
	assert_null(sa->children);
	assert_int_equal(engine_delete_ike(&w->e[1], b, 4), 0);
	pump(w, 4);
	assert_null(w->e[0].sas);
	assert_null(w->e[1].sas);
	world_free(w);
}

static void dpd(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa;
	uint32_t req_next;

	w->c[0].dpd_ms = 5000;
	sa = establish(w, 0);
	req_next = sa->req_next;
	assert_int_equal(engine_next_deadline(&w->e[0]), 5000);
	assert_int_equal(engine_tick(&w->e[0], 4999), 5000);
	assert_int_equal(w->n, 0);
	engine_tick(&w->e[0], 5000);
	assert_int_equal(w->n, 1);
	assert_int_equal(sa->req_next, req_next + 1);
	/* While the check is out, the deadline is the retransmission. */
	assert_int_equal(engine_next_deadline(&w->e[0]), 6000);
	pump(w, 5100);
	assert_false(sa->req.active);
	assert_int_equal(engine_next_deadline(&w->e[0]), 10100);
	assert_int_equal(live_sas(&w->f[0]), 2);
	world_free(w);
}

static void dpd_dead_peer(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	uint64_t t;

	w->c[0].dpd_ms = 5000;
	establish(w, 0);
	assert_int_equal(live_sas(&w->f[0]), 2);
	t = engine_tick(&w->e[0], 5000);
	for (int i = 0; i < 10 && t; i++) {
		drop_all(w);
		t = engine_tick(&w->e[0], t);
	}
	assert_int_equal(t, 0);
	assert_null(w->e[0].sas);
	assert_int_equal(live_sas(&w->f[0]), 0);
	assert_int_equal(live_pols(&w->f[0]), 0);
	world_free(w);
}

static void retransmit_backoff(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	static const uint64_t when[] = { 1000, 3000, 7000, 15000 };
	struct ikesa *sa;
	struct dgram first, d;

	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	first = pop(w);
	assert_int_equal(engine_next_deadline(&w->e[0]), 1000);
	assert_int_equal(engine_tick(&w->e[0], 999), 1000);
	assert_int_equal(w->n, 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(engine_tick(&w->e[0], when[i]), when[i + 1]);
		d = pop(w);
		/* The very same bytes again. */
		assert_int_equal(d.len, first.len);
		assert_memory_equal(d.buf, first.buf, d.len);
		free(d.buf);
		assert_int_equal(sa->req.tries, i + 1);
	}
	/* Three retransmissions and no answer: give up. */
	assert_int_equal(engine_tick(&w->e[0], 15000), 0);
	assert_int_equal(w->n, 0);
	assert_null(w->e[0].sas);
	free(first.buf);
	world_free(w);
}

static void retransmit_then_answer(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);

	drop_all(w);
	engine_tick(&w->e[0], 1000);
	pump(w, 1000);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	check_child(w, sa->children);
	world_free(w);
}

static void duplicate_request(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);
	struct dgram init, r1, r2, auth, a1, a2;

	init = pop(w);
	deliver(w, &init, 0);
	r1 = pop(w);
	deliver(w, &init, 0);	/* IKE_SA_INIT again: same answer */
	r2 = pop(w);
	assert_int_equal(r1.len, r2.len);
	assert_memory_equal(r1.buf, r2.buf, r1.len);
	assert_non_null(only_sa(w, 1));
	deliver(w, &r1, 0);
	deliver(w, &r2, 0);	/* a duplicate response is dropped */
	auth = pop(w);
	assert_int_equal(w->n, 0);
	deliver(w, &auth, 0);
	a1 = pop(w);
	deliver(w, &auth, 0);	/* IKE_AUTH again: the cached answer */
	a2 = pop(w);
	assert_int_equal(a1.len, a2.len);
	assert_memory_equal(a1.buf, a2.buf, a1.len);
	assert_int_equal(w->f[1].n_add_sa, 2);
	assert_int_equal(w->f[1].n_alloc, 1);
	deliver(w, &a2, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	deliver(w, &a1, 0);	/* stale response: dropped */
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	check_child(w, sa->children);
	free(init.buf);
	free(r1.buf);
	free(r2.buf);
	free(auth.buf);
	free(a1.buf);
	free(a2.buf);
	world_free(w);
}

static void mangled_auth(void **state)
{
	struct world *w = world_new(IKE_DH_CURVE25519, false);
	static const uint8_t masks[] = { 0x01, 0x80, 0xff };
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);
	struct dgram d, auth;
	uint8_t *buf;

	d = pop(w);
	deliver(w, &d, 0);
	free(d.buf);
	d = pop(w);
	deliver(w, &d, 0);
	free(d.buf);
	auth = pop(w);
	buf = malloc(auth.len);
	assert_non_null(buf);
	for (size_t i = 0; i < auth.len; i++) {
		for (size_t k = 0; k < sizeof(masks); k++) {
			memcpy(buf, auth.buf, auth.len);
			buf[i] ^= masks[k];
			engine_input(&w->e[1], 0, &w->c[1].local, 500,
				     &w->c[1].remote, 500, buf, auth.len);
			assert_int_equal(w->n, 0);
		}
		/* Truncated, too. */
		engine_input(&w->e[1], 0, &w->c[1].local, 500,
			     &w->c[1].remote, 500, auth.buf, i);
	}
	assert_int_equal(w->f[1].n_add_sa, 0);
	assert_int_equal(w->f[1].n_alloc, 0);
	assert_int_equal(only_sa(w, 1)->state, IKESA_AUTH);
	/* The real one still works. */
	deliver(w, &auth, 0);
	pump(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	check_child(w, sa->children);
	free(buf);
	free(auth.buf);
	world_free(w);
}

static void mangled_init(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct dgram init;
	uint8_t *buf;

	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
	init = pop(w);
	buf = malloc(init.len);
	assert_non_null(buf);
	for (size_t i = 0; i < init.len; i++) {
		memcpy(buf, init.buf, init.len);
		buf[i] ^= 0x5a;
		engine_input(&w->e[1], 0, &w->c[1].local, 500,
			     &w->c[1].remote, 500, buf, init.len);
		engine_input(&w->e[0], 0, &w->c[0].local, 500,
			     &w->c[0].remote, 500, buf, init.len);
		drop_all(w);
	}
	assert_int_equal(w->f[0].n_add_sa + w->f[1].n_add_sa, 0);
	/* Half-open SAs expire. */
	engine_tick(&w->e[1], ENGINE_HALF_OPEN_MS);
	assert_null(w->e[1].sas);
	free(buf);
	free(init.buf);
	world_free(w);
}

static void mangled_auth_response(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);
	struct dgram d, resp;
	uint8_t *buf;

	for (int i = 0; i < 3; i++) {
		d = pop(w);
		deliver(w, &d, 0);
		free(d.buf);
	}
	resp = pop(w);
	buf = malloc(resp.len);
	assert_non_null(buf);
	for (size_t i = 0; i < resp.len; i++) {
		memcpy(buf, resp.buf, resp.len);
		buf[i] ^= 0x10;
		engine_input(&w->e[0], 0, &w->c[0].local, 500,
			     &w->c[0].remote, 500, buf, resp.len);
		assert_int_equal(w->n, 0);
	}
	assert_int_equal(w->f[0].n_add_sa, 0);
	assert_int_equal(sa->state, IKESA_AUTH);
	deliver(w, &resp, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	check_child(w, sa->children);
	free(buf);
	free(resp.buf);
	world_free(w);
}

static void lost_auth_response(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);
	struct dgram d;

	for (int i = 0; i < 3; i++) {
		d = pop(w);
		deliver(w, &d, 0);
		free(d.buf);
	}
	drop_all(w);		/* the IKE_AUTH response is lost */
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	assert_int_equal(engine_tick(&w->e[0], 1000), 3000);
	pump(w, 1000);		/* retransmission, answered from cache */
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(w->f[1].n_add_sa, 2);
	check_child(w, sa->children);
	world_free(w);
}

static void window(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 0), *b = only_sa(w, 1);
	struct ike_chain *empty = calloc(1, sizeof(*empty));
	uint8_t *buf;
	size_t len;

	assert_non_null(empty);
	/* A request beyond the window is dropped, unanswered. */
	assert_int_equal(ikesa_build(sa, IKE_EXCH_INFORMATIONAL, false, 7,
				     empty, &buf, &len), 0);
	engine_input(&w->e[1], 0, &w->c[1].local, 500, &w->c[1].remote, 500,
		     buf, len);
	free(buf);
	assert_int_equal(w->n, 0);
	assert_int_equal(b->resp_next, 2);
	/* The next one in order is answered. */
	assert_int_equal(ikesa_build(sa, IKE_EXCH_INFORMATIONAL, false, 2,
				     empty, &buf, &len), 0);
	engine_input(&w->e[1], 0, &w->c[1].local, 500, &w->c[1].remote, 500,
		     buf, len);
	free(buf);
	assert_int_equal(w->n, 1);
	assert_int_equal(b->resp_next, 3);
	/* An unsolicited response is dropped. */
	pump(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(w->n, 0);
	/* A response flag on a new request: dropped by both. */
	assert_int_equal(ikesa_build(sa, IKE_EXCH_INFORMATIONAL, true, 3,
				     empty, &buf, &len), 0);
	engine_input(&w->e[1], 0, &w->c[1].local, 500, &w->c[1].remote, 500,
		     buf, len);
	engine_input(&w->e[0], 0, &w->c[0].local, 500, &w->c[0].remote, 500,
		     buf, len);
	free(buf);
	assert_int_equal(w->n, 0);
	free(empty);
	world_free(w);
}

static void rejected_reply_deleted(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 0);

	assert_int_equal(engine_create_child(&w->e[0], sa, 1), 0);
	/* A no longer accepts what it offered: the reply is refused. */
	set_esp(&w->c[0], false);
	pump(w, 1);
	assert_int_equal(n_children(sa), 1);
	/* The responder's half was deleted through INFORMATIONAL. */
	assert_int_equal(n_children(only_sa(w, 1)), 1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(live_sas(&w->f[i]), 2);
		assert_int_equal(live_pols(&w->f[i]), 3);
		assert_int_equal(live_allocs(&w->f[i]), 1);
	}
	world_free(w);
}

/*
 * Send B an authenticated request built from A's keys (as a peer with a
 * buggy or hostile implementation would), and return B's answer's
 * first notify type (0: none, -1: no answer).
 */
static int ask(struct world *w, struct ikesa *sa, uint8_t exchange,
	       const struct ike_chain *chain)
{
	struct ike_chain *c = calloc(1, sizeof(*c));
	const struct ike_payload *pl;
	struct ikesa_plain plain;
	struct ike_error err;
	struct dgram d;
	uint8_t *buf;
	size_t len;
	int ret = -1;

	assert_non_null(c);
	assert_int_equal(ikesa_build(sa, exchange, false, sa->req_next++,
				     chain, &buf, &len), 0);
	engine_input(&w->e[1], 0, &w->c[1].local, 500, &w->c[1].remote, 500,
		     buf, len);
	free(buf);
	if (w->n) {
		d = pop(w);
		assert_int_equal(ikesa_decrypt(sa, d.buf, d.len, c, &plain,
					       &err), 0);
		pl = ike_chain_find(c, IKE_PL_NOTIFY, NULL);
		ret = pl ? pl->notify->type : 0;
		ike_chain_free(c);
		ikesa_plain_free(&plain);
		free(d.buf);
	}
	assert_int_equal(w->n, 0);
	free(c);
	return ret;
}

static void bad_requests(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 0), *b = only_sa(w, 1);
	struct ike_chain *c = calloc(1, sizeof(*c));
	struct ike_sa *sap = calloc(1, sizeof(*sap));
	struct ike_nonce nonce = { (const uint8_t *)"0123456789abcdef", 16 };
	struct ike_notify rekey;
	struct ike_ke ke = { IKE_DH_ECP_256, (const uint8_t *)"x", 1 };
	struct ike_delete *del = calloc(1, sizeof(*del));
	struct ike_ts *tsi = calloc(1, sizeof(*tsi));
	struct ike_ts *tsr = calloc(1, sizeof(*tsr));
	struct ike_error err;
	uint8_t spi[4] = { 1, 2, 3, 4 };

	assert_non_null(c);
	assert_non_null(sap);
	assert_non_null(del);
	assert_non_null(tsi);
	assert_non_null(tsr);
	/* CREATE_CHILD_SA without a nonce. */
	assert_int_equal(ask(w, sa, IKE_EXCH_CREATE_CHILD_SA, c),
			 IKE_N_INVALID_SYNTAX);
	/* Nonce only: no SA payload. */
	ike_chain_add(c, IKE_PL_NONCE, &nonce, &err);
	assert_int_equal(ask(w, sa, IKE_EXCH_CREATE_CHILD_SA, c),
			 IKE_N_INVALID_SYNTAX);
	/* With PFS, which is not offered. */
	proposal_offer(sap, w->c[0].esp, w->c[0].n_esp, IKE_PROTO_ESP, spi,
		       4, 0);
	sap->proposals[0].transforms[sap->proposals[0].n_transforms++] =
		(struct ike_transform){ .type = IKE_XF_DH,
					.id = IKE_DH_ECP_256 };
	ike_chain_add(c, IKE_PL_SA, sap, &err);
	ike_chain_add(c, IKE_PL_KE, &ke, &err);
	assert_int_equal(ask(w, sa, IKE_EXCH_CREATE_CHILD_SA, c),
			 IKE_N_INVALID_SYNTAX);	/* no TS either */
	tsi->n = tsr->n = 1;
	tsi->sel[0] = w->c[0].local_ts[0];
	tsr->sel[0] = w->c[0].remote_ts[0];
	ike_chain_add(c, IKE_PL_TSI, tsi, &err);
	ike_chain_add(c, IKE_PL_TSR, tsr, &err);
	assert_int_equal(ask(w, sa, IKE_EXCH_CREATE_CHILD_SA, c),
			 IKE_N_NO_PROPOSAL_CHOSEN);
	/* Without the DH group, selectors B does not serve. */
	sap->proposals[0].n_transforms--;
	c->count = 2;		/* Nonce, SA */
	sel4(&tsr->sel[0], "10.7.0.0", "10.7.0.255");
	ike_chain_add(c, IKE_PL_TSI, tsi, &err);
	ike_chain_add(c, IKE_PL_TSR, tsr, &err);
	assert_int_equal(ask(w, sa, IKE_EXCH_CREATE_CHILD_SA, c),
			 IKE_N_TS_UNACCEPTABLE);
	assert_int_equal(w->f[1].n_alloc, 1);
	/* Rekey of an SA that does not exist. */
	memset(c, 0, sizeof(*c));
	ikesa_notify(&rekey, IKE_N_REKEY_SA, NULL, 0);
	rekey.protocol = IKE_PROTO_ESP;
	rekey.spi_size = 4;
	ike_chain_add(c, IKE_PL_NOTIFY, &rekey, &err);
	ike_chain_add(c, IKE_PL_NONCE, &nonce, &err);
	assert_int_equal(ask(w, sa, IKE_EXCH_CREATE_CHILD_SA, c),
			 IKE_N_CHILD_SA_NOT_FOUND);
	/* IKE_AUTH again, on an established SA. */
	memset(c, 0, sizeof(*c));
	assert_int_equal(ask(w, sa, IKE_EXCH_IKE_AUTH, c),
			 IKE_N_INVALID_SYNTAX);
	/* Delete of unknown SPIs, and of AH: answered, nothing removed. */
	del->protocol = IKE_PROTO_ESP;
	del->n_spis = 2;
	del->spis[0] = 0x12345678;
	del->spis[1] = sa->children->spi_out;	/* B's own inbound SPI */
	ike_chain_add(c, IKE_PL_DELETE, del, &err);
	assert_int_equal(ask(w, sa, IKE_EXCH_INFORMATIONAL, c), 0);
	assert_non_null(b->children);
	assert_int_equal(live_sas(&w->f[1]), 2);
	assert_int_equal(b->state, IKESA_ESTABLISHED);
	assert_int_equal(b->resp_next, sa->req_next);
	free(tsi);
	free(tsr);
	free(del);
	free(sap);
	free(c);
	world_free(w);
}

static void bad_auth_request(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);
	struct ike_chain *c = calloc(1, sizeof(*c));
	struct ike_id id = { IKE_ID_FQDN, (const uint8_t *)"a.example", 9 };
	struct ike_error err;
	struct dgram d;

	assert_non_null(c);
	for (int i = 0; i < 2; i++) {
		d = pop(w);
		deliver(w, &d, 0);
		free(d.buf);
	}
	drop_all(w);		/* A's own IKE_AUTH request */
	/* An IDi without AUTH: authentication fails, the SA goes. */
	ike_chain_add(c, IKE_PL_IDI, &id, &err);
	sa->req_next = 1;
	assert_int_equal(ask(w, sa, IKE_EXCH_IKE_AUTH, c),
			 IKE_N_AUTHENTICATION_FAILED);
	assert_null(w->e[1].sas);
	assert_int_equal(w->f[1].n_alloc + w->f[1].n_add_sa, 0);
	free(c);
	world_free(w);
}

/* B's connections: these, in this order, instead of c[1] alone. */
static void set_conns(struct world *w, struct conn *const *c, unsigned int n)
{
	w->e[1].n_conns = 0;
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(engine_add_conn(&w->e[1], c[i]), 0);
}

/* A copy of B's connection, for another connection on B. */
static struct conn *conn_copy(struct world *w, const char *name)
{
	struct conn *c = malloc(sizeof(*c));

	assert_non_null(c);
	*c = w->c[1];
	c->name = name;
	return c;
}

/* IKE_SA_INIT goes through, B answers IKE_AUTH with AUTHENTICATION_FAILED. */
static void auth_refused(struct world *w)
{
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);
	struct dgram d;

	assert_non_null(sa);
	for (int i = 0; i < 3; i++) {	/* INIT, INIT response, AUTH */
		d = pop(w);
		deliver(w, &d, 0);
		free(d.buf);
	}
	assert_null(w->e[1].sas);
	d = pop(w);
	assert_true(sk_has_notify(sa, &d, IKE_N_AUTHENTICATION_FAILED));
	deliver(w, &d, 0);
	free(d.buf);
	assert_null(w->e[0].sas);
	assert_int_equal(w->f[1].n_add_sa, 0);
}

/*
 * Two connections on one address pair, one AES-GCM, one AES-CBC: the
 * peer gets the one its proposal fits, first or second.
 */
static void conn_by_proposal(void **state)
{
	for (int gcm = 0; gcm < 2; gcm++) {
		for (int first = 0; first < 2; first++) {
			struct world *w = world_new(IKE_DH_ECP_256, gcm);
			struct conn *other = conn_copy(w, "other");
			struct ikesa *sa;

			set_ike(other, IKE_DH_ECP_256, !gcm);
			set_esp(other, !gcm);
			if (first)
				set_conns(w, (struct conn *[]){ &w->c[1],
								other }, 2);
			else
				set_conns(w, (struct conn *[]){ other,
								&w->c[1] }, 2);
			sa = establish(w, 0);
			assert_ptr_equal(only_sa(w, 1)->conn, &w->c[1]);
			assert_int_equal(sa->ike.encr->aead, gcm);
			assert_int_equal(only_sa(w, 1)->ike.encr->aead, gcm);
			check_child(w, sa->children);
			world_free(w);
			free(other);
		}
	}
}

/*
 * The first connection refuses the proposal, the second takes it with
 * another group than the KE payload's: INVALID_KE_PAYLOAD names the
 * second's group, and the retry lands on it.
 */
static void conn_by_proposal_ke(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct conn *cbc = conn_copy(w, "cbc");
	struct ikesa *sa;
	struct dgram d;

	xf(&w->c[0].ike[0], IKE_XF_DH, IKE_DH_CURVE25519, 0);
	set_ike(&w->c[1], IKE_DH_CURVE25519, true);
	set_ike(cbc, IKE_DH_ECP_256, false);
	set_conns(w, (struct conn *[]){ cbc, &w->c[1] }, 2);
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	assert_int_equal(sa->ke_group, IKE_DH_ECP_256);
	d = pop(w);
	deliver(w, &d, 0);
	free(d.buf);
	assert_null(w->e[1].sas);
	assert_true(plain_has_notify(&w->q[0], IKE_N_INVALID_KE_PAYLOAD));
	assert_int_equal(w->q[0].buf[w->q[0].len - 2] << 8 |
			 w->q[0].buf[w->q[0].len - 1], IKE_DH_CURVE25519);
	pump(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(sa->ke_group, IKE_DH_CURVE25519);
	assert_ptr_equal(only_sa(w, 1)->conn, &w->c[1]);
	check_child(w, sa->children);
	world_free(w);
	free(cbc);
}

/*
 * At IKE_AUTH a connection naming the peer's ID is not taken when it
 * does not hold the IKE proposal chosen in IKE_SA_INIT.
 */
static void conn_keeps_proposal(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct conn *named = conn_copy(w, "named");
	struct ikesa *sa;

	memset(&w->c[1].remote_id, 0, sizeof(w->c[1].remote_id));
	set_ike(named, IKE_DH_ECP_256, false);
	set_conns(w, (struct conn *[]){ named, &w->c[1] }, 2);
	sa = establish(w, 0);
	assert_ptr_equal(only_sa(w, 1)->conn, &w->c[1]);
	check_child(w, sa->children);
	world_free(w);
	free(named);
}

/* Of two connections for any ID, one naming the peer's is taken. */
static void conn_named_id_first(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct conn *any = conn_copy(w, "any");
	struct ikesa *sa;

	memset(&any->remote_id, 0, sizeof(any->remote_id));
	set_conns(w, (struct conn *[]){ any, &w->c[1] }, 2);
	sa = establish(w, 0);
	assert_ptr_equal(only_sa(w, 1)->conn, &w->c[1]);
	check_child(w, sa->children);
	world_free(w);
	free(any);
}

/* Two connections differing by remote ID (and key): each peer its own. */
static void conn_by_remote_id(void **state)
{
	for (int peer = 0; peer < 2; peer++) {
		struct world *w = world_new(IKE_DH_ECP_256, true);
		struct conn *c_conn = conn_copy(w, "c");
		struct ikesa *sa;

		set_id(&c_conn->remote_id, "c.example");
		memcpy(c_conn->psk, "something else entirely", 23);
		c_conn->psk_len = 23;
		if (peer) {	/* A presents itself as c.example */
			set_id(&w->c[0].local_id, "c.example");
			memcpy(w->c[0].psk, c_conn->psk, 23);
			w->c[0].psk_len = 23;
		}
		set_conns(w, (struct conn *[]){ &w->c[1], c_conn }, 2);
		sa = establish(w, 0);
		assert_ptr_equal(only_sa(w, 1)->conn,
				 peer ? c_conn : &w->c[1]);
		check_child(w, sa->children);
		world_free(w);
		free(c_conn);
	}
}

static int certs_setup(void **state)
{
	certs_make();
	return 0;
}

static int certs_teardown(void **state)
{
	certs_remove();
	return 0;
}

/*
 * Two connections on one address pair for the same peer ID, one with a
 * shared key, one with certificates: a peer using a key lands on the
 * first, one signing with its certificate on the second, whichever is
 * configured first. A signature nobody can check is refused.
 */
static void conn_by_auth_method(void **state)
{
	for (int i = 0; i < 5; i++) {
		bool cert = i & 1, cert_first = i & 2, no_cert_conn = i == 4;
		struct world *w = world_new(IKE_DH_ECP_256, true);
		struct conn *cc = conn_copy(w, "cert");
		struct sig_creds *sig_creds;
		struct ikesa *sa;

		cc->psk_len = 0;
		cc->auth_method = IKE_AUTH_DIGITAL_SIGNATURE;
		cc->sig_creds = certs_load(1);
		if (cert || no_cert_conn) {
			w->c[0].psk_len = 0;
			w->c[0].auth_method = IKE_AUTH_DIGITAL_SIGNATURE;
			w->c[0].sig_creds = certs_load(0);
		}
		if (no_cert_conn)
			set_conns(w, (struct conn *[]){ &w->c[1] }, 1);
		else if (cert_first)
			set_conns(w, (struct conn *[]){ cc, &w->c[1] }, 2);
		else
			set_conns(w, (struct conn *[]){ &w->c[1], cc }, 2);
		if (no_cert_conn) {
			auth_refused(w);
		} else {
			sa = establish(w, 0);
			assert_ptr_equal(only_sa(w, 1)->conn,
					 cert ? cc : &w->c[1]);
			check_child(w, sa->children);
		}
		sig_creds = w->c[0].sig_creds;
		world_free(w);
		sig_creds_free(sig_creds);
		sig_creds_free(cc->sig_creds);
		free(cc);
	}
}

/*
 * Two connections for the same peer with different local IDs: the IDr
 * the initiator sends picks the one with that local ID; an IDr no
 * connection has is refused.
 */
static void conn_by_idr(void **state)
{
	static const char *const ask[3] = {
		"b.example", "b1.example", "b2.example",
	};

	for (int i = 0; i < 3; i++) {
		struct world *w = world_new(IKE_DH_ECP_256, true);
		struct conn *b1 = conn_copy(w, "b1");
		struct ikesa *sa;

		set_id(&b1->local_id, "b1.example");
		set_id(&w->c[0].remote_id, ask[i]);
		set_conns(w, (struct conn *[]){ b1, &w->c[1] }, 2);
		if (i == 2) {
			auth_refused(w);
		} else {
			sa = establish(w, 0);
			assert_ptr_equal(only_sa(w, 1)->conn,
					 i ? b1 : &w->c[1]);
			check_child(w, sa->children);
		}
		world_free(w);
		free(b1);
	}
}

/* Without IDr, the first connection that fits. */
static void conn_no_idr(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct conn *b1 = conn_copy(w, "b1");
	struct ikesa *sa;

	set_id(&b1->local_id, "b1.example");
	memset(&w->c[0].remote_id, 0, sizeof(w->c[0].remote_id));
	set_conns(w, (struct conn *[]){ b1, &w->c[1] }, 2);
	sa = establish(w, 0);
	assert_ptr_equal(only_sa(w, 1)->conn, b1);
	check_child(w, sa->children);
	world_free(w);
	free(b1);
}

/* A connection with both addresses is tried before a wildcard one. */
static void conn_specific_first(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct conn *wild = conn_copy(w, "wild");
	struct ikesa *sa;

	memset(&wild->remote, 0, sizeof(wild->remote));
	set_conns(w, (struct conn *[]){ wild, &w->c[1] }, 2);
	sa = establish(w, 0);
	assert_ptr_equal(only_sa(w, 1)->conn, &w->c[1]);
	check_child(w, sa->children);
	world_free(w);
	free(wild);
}

static void conn_by_id(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct conn *other = calloc(1, sizeof(*other));
	struct ikesa *sa;

	assert_non_null(other);
	/* B: a first connection for the same address, another peer. */
	*other = w->c[1];
	set_id(&other->remote_id, "c.example");
	memcpy(other->psk, "something else entirely", 23);
	other->psk_len = 23;
	w->e[1].n_conns = 0;
	assert_int_equal(engine_add_conn(&w->e[1], other), 0);
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	sa = establish(w, 0);
	assert_ptr_equal(only_sa(w, 1)->conn, &w->c[1]);
	check_child(w, sa->children);
	world_free(w);
	free(other);
}

/* Protect hand-made inner payload bytes with A's keys, send them to B. */
static struct dgram ask_raw(struct world *w, struct ikesa *sa,
			    uint8_t exchange, uint8_t first,
			    const uint8_t *inner, size_t len)
{
	struct ike_message *m = calloc(1, sizeof(*m));
	struct ike_sk sk = { NULL, 0 };
	struct ike_writer wr;
	struct ike_error err;
	uint8_t out[512];
	size_t olen = sizeof(out);

	assert_non_null(m);
	m->hdr.spi_i = sa->spi_i;
	m->hdr.spi_r = sa->spi_r;
	m->hdr.exchange = exchange;
	m->hdr.flags = IKE_FLAG_INITIATOR;
	m->hdr.msg_id = sa->req_next++;
	sk.len = len + sk_overhead(&sa->sk_out, len);
	ike_chain_add(&m->chain, IKE_PL_SK, &sk, &err);
	m->chain.pl[0].next = first;
	ike_writer_init(&wr);
	assert_int_equal(ike_message_build(&wr, m, &err), 0);
	assert_int_equal(sk_encrypt(&sa->sk_out, wr.p, wr.len - sk.len, inner,
				    len, out, &olen), 0);
	assert_int_equal(olen, sk.len);
	memcpy(wr.p + wr.len - sk.len, out, olen);
	engine_input(&w->e[1], 0, &w->c[1].local, 500, &w->c[1].remote, 500,
		     wr.p, wr.len);
	ike_writer_free(&wr);
	free(m);
	assert_int_equal(w->n, 1);
	return pop(w);
}

/* The first notify of an SK datagram to sa, with its data. */
static uint16_t sk_notify(struct ikesa *sa, const struct dgram *d,
			  uint8_t *data)
{
	struct ike_chain *c = calloc(1, sizeof(*c));
	const struct ike_payload *pl;
	struct ikesa_plain plain;
	struct ike_error err;
	uint16_t type = 0;

	assert_non_null(c);
	assert_int_equal(ikesa_decrypt(sa, d->buf, d->len, c, &plain, &err),
			 0);
	pl = ike_chain_find(c, IKE_PL_NOTIFY, NULL);
	if (pl) {
		type = pl->notify->type;
		if (data && pl->notify->len)
			*data = pl->notify->data[0];
	}
	ike_chain_free(c);
	ikesa_plain_free(&plain);
	free(c);
	return type;
}

static void bad_inner_chain(void **state)
{
	/* An unknown payload (type 99) marked critical. */
	static const uint8_t critical[] = { 0, 0x80, 0, 6, 0xab, 0xcd };
	/* A nonce whose length runs past the end. */
	static const uint8_t overrun[] = { 0, 0, 0, 40, 1, 2, 3, 4 };
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 0);
	struct dgram d;
	uint8_t data = 0;

	d = ask_raw(w, sa, IKE_EXCH_INFORMATIONAL, 99, critical,
		    sizeof(critical));
	assert_int_equal(sk_notify(sa, &d, &data),
			 IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	assert_int_equal(data, 99);
	free(d.buf);
	d = ask_raw(w, sa, IKE_EXCH_CREATE_CHILD_SA, IKE_PL_NONCE, overrun,
		    sizeof(overrun));
	assert_int_equal(sk_notify(sa, &d, NULL), IKE_N_INVALID_SYNTAX);
	free(d.buf);
	/* The IKE SA survives errors outside IKE_AUTH. */
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	assert_int_equal(engine_dpd(&w->e[0], sa, 1), 0);
	pump(w, 1);
	assert_false(sa->req.active);
	world_free(w);
}

static void bad_inner_auth(void **state)
{
	static const uint8_t overrun[] = { 0, 0, 0, 40, 1, 2, 3, 4 };
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);
	struct dgram d;

	for (int i = 0; i < 2; i++) {
		d = pop(w);
		deliver(w, &d, 0);
		free(d.buf);
	}
	drop_all(w);
	sa->req_next = 1;
	d = ask_raw(w, sa, IKE_EXCH_IKE_AUTH, IKE_PL_IDI, overrun,
		    sizeof(overrun));
	assert_int_equal(sk_notify(sa, &d, NULL), IKE_N_INVALID_SYNTAX);
	free(d.buf);
	/* A malformed IKE_AUTH ends the IKE SA (§2.21.2). */
	assert_null(w->e[1].sas);
	world_free(w);
}

/* Whether an SK datagram for sa (decrypted with its inbound keys) has type. */
static bool sk_has_payload(struct ikesa *sa, const struct dgram *d,
			   uint8_t type)
{
	struct ike_chain *c = calloc(1, sizeof(*c));
	struct ikesa_plain plain;
	struct ike_error err;
	bool found;

	assert_non_null(c);
	assert_int_equal(ikesa_decrypt(sa, d->buf, d->len, c, &plain, &err),
			 0);
	found = ike_chain_find(c, type, NULL) != NULL;
	ike_chain_free(c);
	ikesa_plain_free(&plain);
	free(c);
	return found;
}

static void pfs_child(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa, *b;
	struct dgram d;

	for (int i = 0; i < 2; i++)
		xf(&w->c[i].esp[0], IKE_XF_DH, IKE_DH_CURVE25519, 0);
	/* IKE_AUTH leaves the group out. */
	sa = establish(w, 0);
	b = only_sa(w, 1);
	check_child(w, sa->children);
	assert_int_equal(engine_create_child(&w->e[0], sa, 1), 0);
	d = pop(w);
	assert_true(sk_has_payload(b, &d, IKE_PL_KE));
	deliver(w, &d, 1);
	free(d.buf);
	d = pop(w);
	assert_true(sk_has_payload(sa, &d, IKE_PL_KE));
	deliver(w, &d, 1);
	free(d.buf);
	assert_int_equal(n_children(sa), 2);
	check_child(w, sa->children);
	assert_false(sa->req.have_dh);
	world_free(w);
}

static void pfs_invalid_ke(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa, *b;
	struct dgram d;

	/* A sends a KE for 31 and also offers 19; B takes 19 only. */
	xf(&w->c[0].esp[0], IKE_XF_DH, IKE_DH_CURVE25519, 0);
	xf(&w->c[0].esp[0], IKE_XF_DH, IKE_DH_ECP_256, 0);
	xf(&w->c[1].esp[0], IKE_XF_DH, IKE_DH_ECP_256, 0);
	sa = establish(w, 0);
	b = only_sa(w, 1);
	assert_int_equal(engine_create_child(&w->e[0], sa, 1), 0);
	d = pop(w);
	deliver(w, &d, 1);
	free(d.buf);
	d = pop(w);
	assert_int_equal(sk_notify(sa, &d, NULL), IKE_N_INVALID_KE_PAYLOAD);
	deliver(w, &d, 1);
	free(d.buf);
	/* A retried with group 19. */
	assert_true(sa->req.active);
	assert_int_equal(sa->req.dh.group->id, IKE_DH_ECP_256);
	pump(w, 1);
	assert_int_equal(n_children(sa), 2);
	assert_int_equal(n_children(b), 2);
	check_child(w, sa->children);
	for (int i = 0; i < 2; i++)
		assert_int_equal(live_allocs(&w->f[i]), 2);
	world_free(w);
}

/* Random datagrams under valid-looking headers, to both sides. */
static void random_garbage(void **state)
{
	static const uint8_t exch[] = { 34, 35, 36, 37, 0, 255 };
	static const uint8_t flags[] = { 0x00, 0x08, 0x20, 0x28, 0xff };
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 0), *b = only_sa(w, 1);
	uint8_t buf[600];
	uint32_t x = 12345;

	for (int i = 0; i < 20000; i++) {
		size_t len = IKE_HEADER_LEN;
		int to = i & 1;

		for (size_t k = 0; k < sizeof(buf); k++) {
			x = x * 1103515245u + 12345u;
			buf[k] = (uint8_t)(x >> 16);
		}
		len += (x >> 8) % (sizeof(buf) - IKE_HEADER_LEN);
		if (i % 3) {
			for (int k = 0; k < 8; k++) {
				buf[k] = (uint8_t)(sa->spi_i >> (56 - 8 * k));
				buf[8 + k] = (uint8_t)(sa->spi_r >>
						       (56 - 8 * k));
			}
		}
		buf[16] = (i % 5) ? IKE_PL_SK : buf[16];
		buf[17] = 0x20;
		buf[18] = exch[(x >> 3) % sizeof(exch)];
		buf[19] = flags[(x >> 5) % sizeof(flags)];
		buf[20] = buf[21] = buf[22] = 0;
		buf[23] = (uint8_t)(x & 3);
		buf[24] = buf[25] = 0;
		buf[26] = (uint8_t)(len >> 8);
		buf[27] = (uint8_t)len;
		if (i % 7 == 0 && len >= 32) {	/* plausible SK header */
			buf[28] = 0;
			buf[29] = 0;
			buf[30] = (uint8_t)((len - 28) >> 8);
			buf[31] = (uint8_t)(len - 28);
		}
		engine_input(&w->e[to], 0, &w->c[to].local, 500,
			     &w->c[to].remote, 500, buf, len);
		drop_all(w);
	}
	assert_int_equal(w->f[0].n_add_sa + w->f[1].n_add_sa, 4);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(b->state, IKESA_ESTABLISHED);
	world_free(w);
}

static void pfs_bad_ke(void **state)
{
	static const uint8_t zero[32];
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ike_chain *c = calloc(1, sizeof(*c));
	struct ike_sa *sap = calloc(1, sizeof(*sap));
	struct ike_ts *tsi = calloc(1, sizeof(*tsi));
	struct ike_ts *tsr = calloc(1, sizeof(*tsr));
	struct ike_nonce nonce = { (const uint8_t *)"0123456789abcdef", 16 };
	struct ike_ke ke = { IKE_DH_CURVE25519, zero, sizeof(zero) };
	struct ike_error err;
	struct ikesa *sa;
	uint8_t spi[4] = { 1, 2, 3, 4 };

	assert_true(c && sap && tsi && tsr);
	for (int i = 0; i < 2; i++)
		xf(&w->c[i].esp[0], IKE_XF_DH, IKE_DH_CURVE25519, 0);
	sa = establish(w, 0);
	proposal_offer(sap, w->c[0].esp, w->c[0].n_esp, IKE_PROTO_ESP, spi,
		       4, IKE_DH_CURVE25519);
	tsi->n = tsr->n = 1;
	tsi->sel[0] = w->c[0].local_ts[0];
	tsr->sel[0] = w->c[0].remote_ts[0];
	ike_chain_add(c, IKE_PL_NONCE, &nonce, &err);
	ike_chain_add(c, IKE_PL_SA, sap, &err);
	ike_chain_add(c, IKE_PL_KE, &ke, &err);
	ike_chain_add(c, IKE_PL_TSI, tsi, &err);
	ike_chain_add(c, IKE_PL_TSR, tsr, &err);
	/* An all-zero X25519 value gives an all-zero secret: refused. */
	assert_int_equal(ask(w, sa, IKE_EXCH_CREATE_CHILD_SA, c),
			 IKE_N_INVALID_SYNTAX);
	/* No KE at all: the responder asks for its group. */
	c->count = 2;
	ike_chain_add(c, IKE_PL_TSI, tsi, &err);
	ike_chain_add(c, IKE_PL_TSR, tsr, &err);
	assert_int_equal(ask(w, sa, IKE_EXCH_CREATE_CHILD_SA, c),
			 IKE_N_INVALID_KE_PAYLOAD);
	assert_int_equal(w->f[1].n_add_sa, 2);
	assert_int_equal(live_allocs(&w->f[1]), 1);
	free(c);
	free(sap);
	free(tsi);
	free(tsr);
	world_free(w);
}

static void rekey_ike(void **state)
{
	struct world *w = world_new(IKE_DH_CURVE25519, false);
	struct ikesa *old = establish(w, 0), *sa, *b;
	struct childsa *child = old->children;
	uint64_t old_spi = old->spi_i;

	w->c[0].dpd_ms = w->c[1].dpd_ms = 5000;
	assert_int_equal(engine_rekey_ike(&w->e[0], old, 10), 0);
	pump(w, 10);	/* CREATE_CHILD_SA, then Delete of the old SA */
	sa = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_ptr_not_equal(sa, old);
	assert_true(sa->spi_i != old_spi);
	assert_true(sa->initiator);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(b->state, IKESA_ESTABLISHED);
	assert_true(sa->spi_i == b->spi_i && sa->spi_r == b->spi_r);
	/* The Child SA moved over, untouched in the kernel. */
	assert_ptr_equal(sa->children, child);
	assert_int_equal(n_children(b), 1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(w->f[i].n_del_sa, 0);
		assert_int_equal(w->f[i].n_del_pol, 0);
	}
	/* Fresh message IDs and working keys on the new SA. */
	assert_int_equal(sa->req_next, 0);
	assert_int_equal(engine_create_child(&w->e[0], sa, 20), 0);
	pump(w, 20);
	assert_int_equal(n_children(sa), 2);
	check_child(w, sa->children);
	assert_int_equal(engine_tick(&w->e[1], 5020), 6020);
	pump(w, 5020);	/* B's liveness check, answered by A */
	assert_int_equal(b->req_next, 1);
	assert_false(b->req.active);
	/* The responder can rekey too, and the roles follow. */
	assert_int_equal(engine_rekey_ike(&w->e[1], b, 30), 0);
	pump(w, 30);
	sa = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_false(sa->initiator);
	assert_true(b->initiator);
	assert_int_equal(n_children(sa), 2);
	assert_int_equal(engine_delete_ike(&w->e[0], sa, 40), 0);
	pump(w, 40);
	for (int i = 0; i < 2; i++) {
		assert_null(w->e[i].sas);
		assert_int_equal(live_sas(&w->f[i]), 0);
		assert_int_equal(live_pols(&w->f[i]), 0);
	}
	world_free(w);
}

static void rekey_ike_lifetime(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *old, *sa;

	w->c[0].ike_lifetime_s = w->c[1].ike_lifetime_s = 100;
	old = establish(w, 0);
	assert_int_equal(old->rekey_at, 90000);
	assert_int_equal(only_sa(w, 1)->rekey_at, 0);	/* responder */
	assert_int_equal(engine_next_deadline(&w->e[0]), 90000);
	/* The responder's only timer is its Child SA's rekeying. */
	assert_int_equal(engine_next_deadline(&w->e[1]),
			 only_sa(w, 1)->children->rekey_at);
	assert_true(only_sa(w, 1)->children->rekey_at > 90000);
	engine_tick(&w->e[0], 90000);
	pump(w, 90000);
	sa = only_sa(w, 0);
	assert_ptr_not_equal(sa, old);
	assert_int_equal(sa->rekey_at, 180000);
	assert_non_null(sa->children);
	check_child(w, sa->children);
	world_free(w);
}

static void delete_child_both(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 0), *b = only_sa(w, 1);
	struct dgram da, db;

	/* Both sides delete the same Child SA at once. */
	assert_int_equal(engine_delete_child(&w->e[0], sa, sa->children, 1),
			 0);
	assert_int_equal(engine_delete_child(&w->e[1], b, b->children, 1), 0);
	da = pop(w);
	db = pop(w);
	deliver(w, &da, 1);
	deliver(w, &db, 1);
	pump(w, 1);
	assert_null(sa->children);
	assert_null(b->children);
	assert_false(sa->req.active || b->req.active);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(live_sas(&w->f[i]), 0);
		assert_int_equal(live_pols(&w->f[i]), 0);
	}
	free(da.buf);
	free(db.buf);
	world_free(w);
}

/* Child SA lifetimes: rekeying on the engine's timers, and expiry. */

static struct world *world_life(uint64_t child_s, uint16_t group, bool gcm)
{
	struct world *w = world_new(group, gcm);

	w->c[0].child_lifetime_s = w->c[1].child_lifetime_s = child_s;
	return w;
}

/* The nonce of an SK datagram for sa; returns its length. */
static size_t sk_nonce(struct ikesa *sa, const struct dgram *d,
		       uint8_t *out)
{
	struct ike_chain *c = calloc(1, sizeof(*c));
	const struct ike_payload *pl;
	struct ikesa_plain plain;
	struct ike_error err;
	size_t len;

	assert_non_null(c);
	assert_int_equal(ikesa_decrypt(sa, d->buf, d->len, c, &plain, &err),
			 0);
	pl = ike_chain_find(c, IKE_PL_NONCE, NULL);
	assert_non_null(pl);
	len = pl->nonce->len;
	assert_true(len <= IKE_NONCE_MAX);
	memcpy(out, pl->nonce->data, len);
	ike_chain_free(c);
	ikesa_plain_free(&plain);
	free(c);
	return len;
}

/* Both sides of an established pair got their Child SA's timers. */
static void child_timers(void **state)
{
	struct world *w = world_life(100, IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 1000);
	struct ikesa *s[2] = { sa, only_sa(w, 1) };

	for (int i = 0; i < 2; i++) {
		const struct childsa *c = s[i]->children;
		const struct kernel_sa *k = find_ksa(&w->f[i], c->spi_in);

		assert_int_equal(c->expire_at, 101000);
		/* Between 70% and 80%: before the kernel's soft expiry. */
		assert_true(c->rekey_at > 71000 && c->rekey_at <= 81000);
		assert_int_equal(k->soft_seconds, 90);
		assert_int_equal(k->hard_seconds, 100);
		assert_true(c->rekey_at < 1000 + k->soft_seconds * 1000);
		assert_int_equal(engine_next_deadline(&w->e[i]), c->rekey_at);
	}
	world_free(w);
}

/*
 * Side rekeys its Child SA when its timer fires, the other side never
 * ticking: new SPIs, the old SAs deleted in both kernels.
 */
static void rekey_on_timer(int side, bool pfs)
{
	struct world *w = world_life(100, IKE_DH_ECP_256, true);
	struct ikesa *s[2], *me;
	uint32_t old_in[2], old_out[2];
	uint8_t old_key[32];
	uint64_t t;
	struct dgram d;

	if (pfs)
		for (int i = 0; i < 2; i++)
			xf(&w->c[i].esp[0], IKE_XF_DH, IKE_DH_CURVE25519, 0);
	s[0] = establish(w, 0);
	s[1] = only_sa(w, 1);
	me = s[side];
	for (int i = 0; i < 2; i++) {
		old_in[i] = s[i]->children->spi_in;
		old_out[i] = s[i]->children->spi_out;
	}
	memcpy(old_key, find_ksa(&w->f[0], old_out[0])->encr_key, 32);
	t = me->children->rekey_at;
	assert_int_equal(engine_tick(&w->e[side], t - 1), t);
	assert_int_equal(w->n, 0);
	engine_tick(&w->e[side], t);
	assert_int_equal(w->n, 1);
	assert_true(me->req.active);
	assert_int_equal(me->req.exchange, IKE_EXCH_CREATE_CHILD_SA);
	d = pop(w);
	assert_true(sk_has_notify(s[!side], &d, IKE_N_REKEY_SA));
	assert_int_equal(sk_has_payload(s[!side], &d, IKE_PL_KE), pfs);
	deliver(w, &d, t);
	free(d.buf);
	d = pop(w);
	assert_int_equal(sk_has_payload(me, &d, IKE_PL_KE), pfs);
	deliver(w, &d, t);
	free(d.buf);
	pump(w, t);	/* the Delete of the old SA */
	for (int i = 0; i < 2; i++) {
		const struct childsa *c = s[i]->children;

		assert_int_equal(n_children(s[i]), 1);
		assert_false(s[i]->req.active);
		assert_int_not_equal(c->spi_in, old_in[i]);
		assert_int_not_equal(c->spi_out, old_out[i]);
		assert_false(c->replaced);
		/* The backend added the new pair and deleted the old one. */
		assert_int_equal(w->f[i].n_add_sa, 4);
		assert_int_equal(w->f[i].n_del_sa, 2);
		assert_int_equal(live_sas(&w->f[i]), 2);
		assert_null(find_ksa(&w->f[i], old_in[i]));
		assert_null(find_ksa(&w->f[i], old_out[i]));
		/* The policies stayed, passed on with the reqid. */
		assert_int_equal(w->f[i].n_add_pol, 3);
		assert_int_equal(live_pols(&w->f[i]), 3);
		assert_true(c->has_policies);
		/* The new SA's own timers. */
		assert_int_equal(c->expire_at, t + 100000);
		assert_true(c->rekey_at > t + 70000 &&
			    c->rekey_at <= t + 80000);
		assert_int_equal(engine_next_deadline(&w->e[i]), c->rekey_at);
	}
	check_child(w, s[0]->children);
	assert_memory_not_equal(find_ksa(&w->f[0], s[0]->children->spi_out)->
				encr_key, old_key, 32);
	world_free(w);
}

static void child_rekey_initiator(void **state)
{
	rekey_on_timer(0, false);
}

static void child_rekey_responder(void **state)
{
	rekey_on_timer(1, false);
}

static void child_rekey_pfs(void **state)
{
	rekey_on_timer(0, true);
	rekey_on_timer(1, true);
}

/* Byte order, as the engine compares nonces (§2.8.1). */
static const uint8_t *lower(const uint8_t *a, const uint8_t *b, size_t len)
{
	return memcmp(a, b, len) < 0 ? a : b;
}

/*
 * Both timers fire at once; each side answers the other's request
 * before its own answer comes (§2.8.1). The exchange with the lowest
 * nonce made the redundant SA: its initiator deletes it, the other side
 * deletes the old one.
 */
static void collide_once(void)
{
	struct world *w = world_life(100, IKE_DH_ECP_256, true);
	struct ikesa *s[2];
	uint8_t ni[2][IKE_NONCE_MAX], nr[2][IKE_NONCE_MAX];
	uint32_t made[2], old_in[2];
	size_t len;
	uint64_t t;
	struct dgram d[2], r;
	int win;

	s[0] = establish(w, 0);
	s[1] = only_sa(w, 1);
	t = s[0]->children->rekey_at > s[1]->children->rekey_at ?
		s[0]->children->rekey_at : s[1]->children->rekey_at;
	for (int i = 0; i < 2; i++) {
		old_in[i] = s[i]->children->spi_in;
		engine_tick(&w->e[i], t);
		assert_true(s[i]->req.active);
		memcpy(ni[i], s[i]->req.nonce, s[i]->req.nonce_len);
		len = s[i]->req.nonce_len;
		made[i] = s[i]->req.child->spi_in;
	}
	d[0] = pop(w);
	d[1] = pop(w);
	assert_int_equal(d[0].from, 0);
	deliver(w, &d[0], t);
	deliver(w, &d[1], t);
	free(d[0].buf);
	free(d[1].buf);
	/* B's answer to A's request, then A's answer to B's. */
	for (int i = 0; i < 2; i++) {
		r = pop(w);
		assert_int_equal(r.from, !i);
		assert_int_equal(sk_nonce(s[i], &r, nr[i]), len);
		deliver(w, &r, t);
		free(r.buf);
	}
	pump(w, t);
	/* Which exchange's SA survives: the one without the lowest nonce. */
	win = memcmp(lower(ni[0], nr[0], len), lower(ni[1], nr[1], len),
		     len) < 0 ? 1 : 0;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(n_children(s[i]), 1);
		assert_false(s[i]->req.active);
		assert_false(s[i]->children->replaced);
		assert_int_not_equal(s[i]->children->spi_in, old_in[i]);
		assert_int_equal(live_sas(&w->f[i]), 2);
		assert_int_equal(live_pols(&w->f[i]), 3);
		assert_int_equal(w->f[i].n_add_pol, 3);
		assert_int_equal(w->f[i].n_del_pol, 0);
		assert_true(s[i]->children->has_policies);
	}
	/* The survivor: made[win] is the winner's inbound SPI. */
	assert_int_equal(s[win]->children->spi_in, made[win]);
	assert_int_equal(s[!win]->children->spi_out, made[win]);
	check_child(w, s[0]->children);
	world_free(w);
}

static void child_rekey_collision(void **state)
{
	/* Random nonces: enough runs to see either side lose. */
	for (int i = 0; i < 12; i++)
		collide_once();
}

/*
 * A's answer comes before B's request: A has rekeyed and deletes the old
 * SA, so it refuses B's rekey of it with TEMPORARY_FAILURE (§2.25).
 */
static void child_rekey_collision_late(void **state)
{
	struct world *w = world_life(100, IKE_DH_ECP_256, true);
	struct ikesa *s[2];
	struct dgram ra, rb, d;
	uint32_t made;
	uint64_t t;

	s[0] = establish(w, 0);
	s[1] = only_sa(w, 1);
	t = s[0]->children->rekey_at > s[1]->children->rekey_at ?
		s[0]->children->rekey_at : s[1]->children->rekey_at;
	engine_tick(&w->e[0], t);
	engine_tick(&w->e[1], t);
	made = s[0]->req.child->spi_in;
	ra = pop(w);
	rb = pop(w);
	deliver(w, &ra, t);
	d = pop(w);		/* B's answer to A */
	deliver(w, &d, t);
	free(d.buf);
	assert_true(s[0]->req.active);	/* A's Delete of the old SA */
	deliver(w, &rb, t);
	d = pop(w);		/* the Delete */
	assert_int_equal(d.from, 0);
	deliver(w, &d, t);
	free(d.buf);
	d = pop(w);		/* A's answer to B */
	assert_int_equal(sk_notify(s[1], &d, NULL), IKE_N_TEMPORARY_FAILURE);
	deliver(w, &d, t);
	free(d.buf);
	pump(w, t);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(n_children(s[i]), 1);
		assert_false(s[i]->req.active);
		assert_int_equal(live_sas(&w->f[i]), 2);
		assert_int_equal(live_pols(&w->f[i]), 3);
		assert_int_equal(live_allocs(&w->f[i]), 1);
	}
	assert_int_equal(s[0]->children->spi_in, made);
	check_child(w, s[0]->children);
	free(ra.buf);
	free(rb.buf);
	world_free(w);
}

/* A request in flight: the rekey waits for the window, then goes. */
static void child_rekey_window(void **state)
{
	struct world *w = world_life(100, IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 0);
	uint32_t old_in = sa->children->spi_in;
	uint64_t t = sa->children->rekey_at;

	assert_int_equal(engine_dpd(&w->e[0], sa, t - 1), 0);
	assert_int_equal(engine_tick(&w->e[0], t), t - 1 + 1000);
	assert_int_equal(w->n, 1);	/* the liveness check only */
	pump(w, t);
	assert_false(sa->req.active);
	/* Overdue: tick at once. */
	assert_int_equal(engine_next_deadline(&w->e[0]), t);
	engine_tick(&w->e[0], t + 1);
	assert_int_equal(w->n, 1);
	assert_true(sa->req.active);
	assert_int_equal(sa->req.exchange, IKE_EXCH_CREATE_CHILD_SA);
	pump(w, t + 1);
	assert_int_equal(n_children(sa), 1);
	assert_int_not_equal(sa->children->spi_in, old_in);
	check_child(w, sa->children);
	world_free(w);
}

/*
 * The peer goes silent during the rekey: A retransmits until the hard
 * lifetime, then forgets the Child SA (kernel SAs and policies removed)
 * and tells the peer with a Delete once the window opens.
 */
static void child_expire_silent_peer(void **state)
{
	struct world *w = world_life(10, IKE_DH_ECP_256, true);
	struct ikesa *sa, *b;
	uint32_t old_in, old_out;
	unsigned int sent;
	uint64_t t;

	w->c[0].retrans_tries = 5;
	sa = establish(w, 0);
	b = only_sa(w, 1);
	old_in = sa->children->spi_in;
	old_out = sa->children->spi_out;
	assert_int_equal(sa->children->expire_at, 10000);
	t = engine_tick(&w->e[0], sa->children->rekey_at);
	assert_true(sa->req.active);
	sent = w->sent;
	drop_all(w);
	/* The child's expiry comes before the second retransmission. */
	t = engine_tick(&w->e[0], t);
	assert_int_equal(w->sent, sent + 1);
	assert_int_equal(t, 10000);
	drop_all(w);
	t = engine_tick(&w->e[0], t);
	assert_null(sa->children);
	assert_null(find_ksa(&w->f[0], old_in));
	assert_null(find_ksa(&w->f[0], old_out));
	assert_int_equal(live_sas(&w->f[0]), 0);
	assert_int_equal(live_pols(&w->f[0]), 0);
	assert_int_equal(sa->n_del_pending, 1);
	assert_int_equal(sa->del_pending[0], old_in);
	/* Still retransmitting the rekey; the Delete waits for it. */
	assert_true(sa->req.active);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_true(t > 10000);
	drop_all(w);
	/* The peer is back: the retransmission is answered. */
	engine_tick(&w->e[0], t);
	assert_int_equal(w->n, 1);
	pump(w, t);
	assert_false(sa->req.active);
	assert_int_equal(n_children(sa), 1);
	assert_int_equal(n_children(b), 2);	/* the new and the old */
	assert_true(engine_next_deadline(&w->e[0]) <= t);
	engine_tick(&w->e[0], t);
	assert_int_equal(w->n, 1);	/* the Delete */
	assert_int_equal(sa->n_del_pending, 0);
	pump(w, t);
	assert_null(ikesa_find_child(b, old_in, false));
	for (int i = 0; i < 2; i++) {
		assert_int_equal(n_children(only_sa(w, i)), 1);
		assert_int_equal(live_sas(&w->f[i]), 2);
		assert_int_equal(live_pols(&w->f[i]), 3);
	}
	check_child(w, sa->children);
	world_free(w);
}

/* Nobody answers at all: the child goes at its lifetime, then the SA. */
static void child_expire_dead_peer(void **state)
{
	struct world *w = world_life(10, IKE_DH_ECP_256, true);
	struct ikesa *sa;
	uint64_t t;
	bool gone = false;

	w->c[0].retrans_tries = 5;
	sa = establish(w, 0);
	t = engine_tick(&w->e[0], sa->children->rekey_at);
	for (int i = 0; i < 20 && t; i++) {
		drop_all(w);
		if (t >= 10000 && !gone) {
			assert_int_equal(t, 10000);
			engine_tick(&w->e[0], t);
			assert_null(sa->children);
			assert_int_equal(live_sas(&w->f[0]), 0);
			gone = true;
		}
		t = engine_tick(&w->e[0], t);
	}
	assert_true(gone);
	assert_int_equal(t, 0);
	assert_null(w->e[0].sas);
	assert_int_equal(live_pols(&w->f[0]), 0);
	world_free(w);
}

/*
 * A rekeys the IKE SA while B's Child SA timer fires: each refuses the
 * other with TEMPORARY_FAILURE (§2.25.2), and both try again later.
 */
static void child_rekey_during_ike_rekey(void **state)
{
	struct world *w = world_life(100, IKE_DH_ECP_256, true);
	struct ikesa *a = establish(w, 0), *b = only_sa(w, 1);
	uint32_t old_in = b->children->spi_in;
	uint64_t t = b->children->rekey_at;

	assert_int_equal(engine_rekey_ike(&w->e[0], a, t), 0);
	engine_tick(&w->e[1], t);
	assert_int_equal(w->n, 2);
	pump(w, t);
	assert_ptr_equal(only_sa(w, 0), a);
	assert_ptr_equal(only_sa(w, 1), b);
	assert_false(a->req.active || b->req.active);
	assert_int_equal(b->children->spi_in, old_in);
	assert_int_equal(n_children(a), 1);
	/* B's next try, a twentieth of the lifetime later. */
	assert_int_equal(b->children->rekey_at, t + 5000);
	engine_tick(&w->e[1], t + 5000);
	pump(w, t + 5000);
	assert_int_not_equal(b->children->spi_in, old_in);
	assert_int_equal(engine_rekey_ike(&w->e[0], a, t + 6000), 0);
	pump(w, t + 6000);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(n_children(only_sa(w, i)), 1);
		assert_int_equal(live_sas(&w->f[i]), 2);
		assert_int_equal(live_pols(&w->f[i]), 3);
	}
	check_child(w, a->children);
	world_free(w);
}

/* A lifetime of 0: no rekeying, no expiry, no deadline. */
static void child_lifetime_zero(void **state)
{
	struct world *w = world_life(0, IKE_DH_ECP_256, true);
	struct ikesa *sa = establish(w, 0);
	uint32_t spi = sa->children->spi_in;

	for (int i = 0; i < 2; i++) {
		const struct childsa *c = only_sa(w, i)->children;

		assert_int_equal(c->rekey_at, 0);
		assert_int_equal(c->expire_at, 0);
		assert_int_equal(find_ksa(&w->f[i], c->spi_in)->hard_seconds,
				 0);
		assert_int_equal(engine_next_deadline(&w->e[i]), 0);
		assert_int_equal(engine_tick(&w->e[i], 1000000000000ull), 0);
	}
	assert_int_equal(w->n, 0);
	assert_int_equal(sa->children->spi_in, spi);
	assert_int_equal(n_children(only_sa(w, 1)), 1);
	world_free(w);
}

/* Proposal selection on its own. */

/* Events. */

#define N_EV	(ENGINE_EV_CHILD_REKEYED + 1)
#define N_WHY	(ENGINE_R_CLOSED + 1)

struct ev_log {
	unsigned int n[N_EV][N_WHY];
	unsigned int total;
	uint32_t rekeyed_old, rekeyed_new;	/* spi_in of the last */
	const struct ikesa *up_old;	/* old_sa of the last IKE_UP */
};

static void ev_record(void *ctx, const struct engine_event *ev)
{
	struct ev_log *l = ctx;

	assert_true(ev->type < N_EV && ev->reason < N_WHY);
	assert_non_null(ev->sa);
	if (ev->type >= ENGINE_EV_CHILD_UP)
		assert_non_null(ev->child);
	if (ev->type == ENGINE_EV_CHILD_REKEYED) {
		assert_non_null(ev->old);
		l->rekeyed_old = ev->old->spi_in;
		l->rekeyed_new = ev->child->spi_in;
	}
	if (ev->type == ENGINE_EV_IKE_UP)
		l->up_old = ev->old_sa;
	l->n[ev->type][ev->reason]++;
	l->total++;
}

static void ev_attach(struct world *w, struct ev_log *l)
{
	for (int i = 0; i < 2; i++) {
		struct engine_events ev = { ev_record, &l[i] };

		memset(&l[i], 0, sizeof(l[i]));
		engine_set_events(&w->e[i], &ev);
	}
}

static void events_establish(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ev_log l[2];

	ev_attach(w, l);
	establish(w, 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(l[i].n[ENGINE_EV_IKE_UP][ENGINE_R_NONE], 1);
		assert_int_equal(l[i].n[ENGINE_EV_CHILD_UP][ENGINE_R_NONE], 1);
		assert_int_equal(l[i].total, 2);
		assert_null(l[i].up_old);
	}
	/* Torn down without a Delete: closed, the Child SA with it. */
	world_free(w);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(l[i].n[ENGINE_EV_IKE_DOWN][ENGINE_R_CLOSED],
				 1);
		assert_int_equal(
			l[i].n[ENGINE_EV_CHILD_DOWN][ENGINE_R_IKE_GONE], 1);
		assert_int_equal(l[i].total, 4);
	}
}

/* A half-open SA that never authenticates says nothing. */
static void events_failed_auth(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ev_log l[2];

	ev_attach(w, l);
	w->c[1].psk[0] ^= 1;
	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
	pump(w, 0);
	engine_tick(&w->e[1], ENGINE_HALF_OPEN_MS);
	world_free(w);
	assert_int_equal(l[0].total, 0);
	assert_int_equal(l[1].total, 0);
}

static void events_rekey_ike(void **state)
{
	struct world *w = world_new(IKE_DH_CURVE25519, true);
	struct ev_log l[2];
	struct ikesa *old;

	ev_attach(w, l);
	old = establish(w, 0);
	assert_int_equal(engine_rekey_ike(&w->e[0], old, 10), 0);
	pump(w, 10);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(l[i].n[ENGINE_EV_IKE_UP][ENGINE_R_NONE], 1);
		assert_int_equal(l[i].n[ENGINE_EV_IKE_UP][ENGINE_R_REKEYED],
				 1);
		assert_non_null(l[i].up_old);
		assert_int_equal(
			l[i].n[ENGINE_EV_IKE_DOWN][ENGINE_R_REKEYED], 1);
		/* The Child SA moved over: no event for it. */
		assert_int_equal(l[i].n[ENGINE_EV_CHILD_UP][ENGINE_R_NONE], 1);
		assert_int_equal(l[i].total, 4);
	}
	world_free(w);
}

static void events_rekey_child(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ev_log l[2];
	struct ikesa *sa;
	uint32_t old_in;

	ev_attach(w, l);
	sa = establish(w, 0);
	old_in = sa->children->spi_in;
	assert_int_equal(engine_rekey_child(&w->e[0], sa, sa->children, 5),
			 0);
	pump(w, 5);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(l[i].n[ENGINE_EV_IKE_UP][ENGINE_R_NONE], 1);
		assert_int_equal(l[i].n[ENGINE_EV_CHILD_UP][ENGINE_R_NONE], 2);
		assert_int_equal(
			l[i].n[ENGINE_EV_CHILD_REKEYED][ENGINE_R_NONE], 1);
		assert_int_equal(
			l[i].n[ENGINE_EV_CHILD_DOWN][ENGINE_R_REKEYED], 1);
		assert_int_equal(l[i].total, 5);
	}
	assert_int_equal(l[0].rekeyed_old, old_in);
	assert_int_equal(l[0].rekeyed_new, sa->children->spi_in);
	assert_int_equal(l[1].rekeyed_new, sa->children->spi_out);
	world_free(w);
}

/* The rekey timer of the responder: the same events, sides swapped. */
static void events_rekey_child_timer(void **state)
{
	struct world *w = world_life(10, IKE_DH_ECP_256, true);
	struct ev_log l[2];
	struct ikesa *b;

	ev_attach(w, l);
	establish(w, 0);
	b = only_sa(w, 1);
	b->children->rekey_at = 1000;
	w->c[0].child_lifetime_s = 0;
	only_sa(w, 0)->children->rekey_at = 0;
	engine_tick(&w->e[1], 1000);
	pump(w, 1000);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(l[i].n[ENGINE_EV_CHILD_UP][ENGINE_R_NONE], 2);
		assert_int_equal(
			l[i].n[ENGINE_EV_CHILD_REKEYED][ENGINE_R_NONE], 1);
		assert_int_equal(
			l[i].n[ENGINE_EV_CHILD_DOWN][ENGINE_R_REKEYED], 1);
		assert_int_equal(l[i].total, 5);
	}
	world_free(w);
}

static void events_delete(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ev_log l[2];
	struct ikesa *sa;

	ev_attach(w, l);
	sa = establish(w, 0);
	assert_int_equal(engine_create_child(&w->e[0], sa, 1), 0);
	pump(w, 1);
	assert_int_equal(engine_delete_child(&w->e[0], sa, sa->children, 2),
			 0);
	pump(w, 2);
	assert_int_equal(l[0].n[ENGINE_EV_CHILD_DOWN][ENGINE_R_LOCAL], 1);
	assert_int_equal(l[1].n[ENGINE_EV_CHILD_DOWN][ENGINE_R_PEER], 1);
	assert_int_equal(engine_delete_ike(&w->e[0], sa, 3), 0);
	pump(w, 3);
	assert_null(w->e[0].sas);
	assert_null(w->e[1].sas);
	assert_int_equal(w->e[0].n_dead, 0);
	assert_int_equal(w->e[1].n_dead, 0);
	assert_int_equal(l[0].n[ENGINE_EV_IKE_DOWN][ENGINE_R_LOCAL], 1);
	assert_int_equal(l[1].n[ENGINE_EV_IKE_DOWN][ENGINE_R_PEER], 1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(l[i].n[ENGINE_EV_IKE_UP][ENGINE_R_NONE], 1);
		assert_int_equal(l[i].n[ENGINE_EV_CHILD_UP][ENGINE_R_NONE], 2);
		assert_int_equal(
			l[i].n[ENGINE_EV_CHILD_DOWN][ENGINE_R_IKE_GONE], 1);
		assert_int_equal(l[i].total, 6);
	}
	world_free(w);
	assert_int_equal(l[0].total, 6);
	assert_int_equal(l[1].total, 6);
}

static void events_dpd_death(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ev_log l[2];
	uint64_t t;

	ev_attach(w, l);
	w->c[0].dpd_ms = 5000;
	establish(w, 0);
	t = engine_tick(&w->e[0], 5000);
	for (int i = 0; i < 10 && t; i++) {
		drop_all(w);
		t = engine_tick(&w->e[0], t);
	}
	assert_null(w->e[0].sas);
	assert_int_equal(l[0].n[ENGINE_EV_IKE_UP][ENGINE_R_NONE], 1);
	assert_int_equal(l[0].n[ENGINE_EV_CHILD_UP][ENGINE_R_NONE], 1);
	assert_int_equal(l[0].n[ENGINE_EV_IKE_DOWN][ENGINE_R_TIMEOUT], 1);
	assert_int_equal(l[0].n[ENGINE_EV_CHILD_DOWN][ENGINE_R_IKE_GONE], 1);
	assert_int_equal(l[0].total, 4);
	world_free(w);
	assert_int_equal(l[0].total, 4);
}

static void events_child_expiry(void **state)
{
	struct world *w = world_life(10, IKE_DH_ECP_256, true);
	struct ev_log l[2];
	struct ikesa *sa;
	uint64_t t;

	ev_attach(w, l);
	w->c[0].retrans_tries = 5;
	sa = establish(w, 0);
	t = engine_tick(&w->e[0], sa->children->rekey_at);
	for (int i = 0; i < 20 && t; i++) {
		drop_all(w);
		t = engine_tick(&w->e[0], t);
	}
	assert_null(w->e[0].sas);
	assert_int_equal(l[0].n[ENGINE_EV_IKE_UP][ENGINE_R_NONE], 1);
	assert_int_equal(l[0].n[ENGINE_EV_CHILD_UP][ENGINE_R_NONE], 1);
	assert_int_equal(l[0].n[ENGINE_EV_CHILD_DOWN][ENGINE_R_EXPIRED], 1);
	assert_int_equal(l[0].n[ENGINE_EV_IKE_DOWN][ENGINE_R_TIMEOUT], 1);
	assert_int_equal(l[0].total, 4);
	world_free(w);
}

/*
 * More IKE SAs than the daemon's old event window (256): every one is
 * found by its SPI and none is reported gone.
 */
static void many_sas(void **state)
{
	struct world *w = world_new(IKE_DH_CURVE25519, true);
	struct ev_log l[2];
	unsigned int n = 0;

	ev_attach(w, l);
	for (int i = 0; i < 300; i++) {
		assert_non_null(engine_initiate(&w->e[0], &w->c[0], i));
		pump(w, i);
	}
	for (struct ikesa *sa = w->e[0].sas; sa; sa = sa->next, n++) {
		struct ikesa *b = engine_find_sa(&w->e[1], sa->spi_r, false);

		assert_int_equal(sa->state, IKESA_ESTABLISHED);
		assert_ptr_equal(engine_find_sa(&w->e[0], sa->spi_i, true),
				 sa);
		assert_null(engine_find_sa(&w->e[0], sa->spi_i, false));
		assert_non_null(b);
		assert_int_equal(b->spi_i, sa->spi_i);
	}
	assert_int_equal(n, 300);
	assert_true(sa_table_buckets(&w->e[0].by_spi) >= 256);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(l[i].n[ENGINE_EV_IKE_UP][ENGINE_R_NONE], 300);
		assert_int_equal(l[i].n[ENGINE_EV_CHILD_UP][ENGINE_R_NONE],
				 300);
		assert_int_equal(l[i].total, 600);
	}
	world_free(w);
}

static void offer(struct ike_sa *sa, const struct conn *c)
{
	proposal_offer(sa, c->ike, c->n_ike, IKE_PROTO_IKE, NULL, 0, 0);
}

static void proposal_pick(void **state)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));
	struct proposal_choice pc;
	struct conn a, b;

	assert_non_null(sa);
	make_conn(&a, 0, IKE_DH_CURVE25519, true);
	make_conn(&b, 1, IKE_DH_ECP_256, true);
	/* A: GCM-256 or CBC-256/SHA256, groups 31, 19. */
	xf(&a.ike[0], IKE_XF_DH, IKE_DH_ECP_256, 0);
	set_ike(&a, IKE_DH_CURVE25519, false);
	xf(&a.ike[0], IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 256);
	xf(&a.ike[0], IKE_XF_DH, IKE_DH_ECP_256, 0);
	offer(sa, &a);
	/* One proposal mixing AEAD and integrity is not acceptable to B. */
	assert_int_equal(proposal_select(sa, b.ike, b.n_ike, IKE_PROTO_IKE,
					 IKE_DH_CURVE25519, &pc), -1);
	set_ike(&b, IKE_DH_ECP_256, false);
	assert_int_equal(proposal_select(sa, b.ike, b.n_ike, IKE_PROTO_IKE,
					 IKE_DH_CURVE25519, &pc), 0);
	assert_int_equal(pc.encr->id, IKE_ENCR_AES_CBC);
	assert_int_equal(pc.dh->id, IKE_DH_ECP_256);
	assert_int_equal(pc.prop.n_transforms, 4);
	/* The reply is checked against what was offered. */
	memset(sa, 0, sizeof(*sa));
	sa->n_proposals = 1;
	sa->proposals[0] = pc.prop;
	assert_int_equal(proposal_check_reply(sa, a.ike, a.n_ike,
					      IKE_PROTO_IKE, 0, &pc), 0);
	sa->proposals[0].transforms[0].key_len = 128;
	assert_int_equal(proposal_check_reply(sa, a.ike, a.n_ike,
					      IKE_PROTO_IKE, 0, &pc), -1);
	/* Wrong protocol, unknown attributes: skipped. */
	offer(sa, &b);
	assert_int_equal(proposal_select(sa, b.ike, b.n_ike, IKE_PROTO_ESP, 0,
					 &pc), -1);
	sa->proposals[0].transforms[0].unknown_attr = true;
	assert_int_equal(proposal_select(sa, b.ike, b.n_ike, IKE_PROTO_IKE, 0,
					 &pc), -1);
	free(sa);
}

static void proposal_prefers_ke(void **state)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));
	struct proposal_choice pc;
	struct conn a;

	assert_non_null(sa);
	make_conn(&a, 0, IKE_DH_CURVE25519, true);
	xf(&a.ike[0], IKE_XF_DH, IKE_DH_ECP_256, 0);
	proposal_offer(sa, a.ike, a.n_ike, IKE_PROTO_IKE, NULL, 0,
		       IKE_DH_ECP_256);
	/* The KE group moves to the front of the offer. */
	assert_int_equal(sa->proposals[0].transforms[0].id, IKE_DH_ECP_256);
	assert_int_equal(proposal_select(sa, a.ike, a.n_ike, IKE_PROTO_IKE,
					 IKE_DH_CURVE25519, &pc), 0);
	assert_int_equal(pc.dh->id, IKE_DH_CURVE25519);
	assert_true(proposal_has_dh(a.ike, a.n_ike, IKE_DH_ECP_256));
	assert_false(proposal_has_dh(a.ike, a.n_ike, IKE_DH_MODP_2048));
	assert_int_equal(proposal_first_dh(a.ike, a.n_ike), IKE_DH_CURVE25519);
	/* ESP with ESN. */
	proposal_offer(sa, a.esp, a.n_esp, IKE_PROTO_ESP,
		       (const uint8_t *)"\x01\x02\x03\x04", 4, 0);
	assert_int_equal(proposal_select(sa, a.esp, a.n_esp, IKE_PROTO_ESP, 0,
					 &pc), 0);
	assert_int_equal(pc.spi, 0x01020304);
	assert_false(pc.esn);
	free(sa);
}

/*
 * B lost the Child SA (deleted it without a word to A): A's rekey gets
 * CHILD_SA_NOT_FOUND (§2.25). A removes the old SA too and negotiates a
 * new one for the same traffic, without REKEY_SA.
 */
static void child_rekey_not_found(void **state)
{
	struct world *w = world_life(100, IKE_DH_ECP_256, true);
	struct ikesa *a = establish(w, 0), *b = only_sa(w, 1);
	uint32_t old_in, old_out, reqid;
	struct ev_log l[2];
	struct dgram d;
	uint64_t t;

	ev_attach(w, l);
	old_in = a->children->spi_in;
	old_out = a->children->spi_out;
	reqid = a->children->reqid;
	ikesa_del_child(b, b->children, ENGINE_R_CLOSED);
	assert_int_equal(n_children(b), 0);
	assert_int_equal(live_sas(&w->f[1]), 0);
	assert_int_equal(live_pols(&w->f[1]), 0);

	t = a->children->rekey_at;
	engine_tick(&w->e[0], t);
	d = pop(w);
	assert_true(sk_has_notify(b, &d, IKE_N_REKEY_SA));
	deliver(w, &d, t);
	free(d.buf);
	d = pop(w);
	assert_true(sk_has_notify(a, &d, IKE_N_CHILD_SA_NOT_FOUND));
	deliver(w, &d, t);
	free(d.buf);

	/* The old SA is gone from A's kernel, reported as the peer's doing. */
	assert_int_equal(n_children(a), 0);
	assert_null(find_ksa(&w->f[0], old_in));
	assert_null(find_ksa(&w->f[0], old_out));
	assert_int_equal(live_sas(&w->f[0]), 0);
	assert_int_equal(live_pols(&w->f[0]), 0);
	/* Its pair, and the SPI reserved for the refused rekey. */
	assert_int_equal(w->f[0].n_del_sa, 3);
	assert_int_equal(l[0].n[ENGINE_EV_CHILD_DOWN][ENGINE_R_PEER], 1);
	/* A new Child SA is on its way, not a rekey. */
	assert_true(a->req.active);
	assert_int_equal(a->req.exchange, IKE_EXCH_CREATE_CHILD_SA);
	assert_int_equal(w->n, 1);
	assert_false(sk_has_notify(b, &w->q[0], IKE_N_REKEY_SA));
	pump(w, t);

	for (int i = 0; i < 2; i++) {
		struct ikesa *s = i ? b : a;
		const struct childsa *c = s->children;

		assert_int_equal(n_children(s), 1);
		assert_false(s->req.active);
		assert_false(c->replaced);
		assert_int_equal(c->rekey_spi, 0);
		assert_int_equal(live_sas(&w->f[i]), 2);
		assert_int_equal(live_pols(&w->f[i]), 3);
		assert_true(c->has_policies);
		assert_int_equal(c->expire_at, t + 100000);
		assert_int_equal(l[i].n[ENGINE_EV_CHILD_UP][ENGINE_R_NONE], 1);
		assert_int_equal(
			l[i].n[ENGINE_EV_CHILD_REKEYED][ENGINE_R_NONE], 0);
	}
	assert_int_not_equal(a->children->spi_in, old_in);
	assert_int_not_equal(a->children->spi_out, old_out);
	assert_int_equal(a->children->reqid, reqid);
	check_child(w, a->children);
	/* Nothing for B to hear of: A's old SA never existed there. */
	assert_int_equal(a->n_del_pending, 0);
	world_free(w);
}

/*
 * The payloads of a CREATE_CHILD_SA rekeying the Child SA of spi (the
 * peer's inbound SPI), from one of c's sides: c's ESP proposal with SPI
 * 0xa0009999 and traffic selectors, with TSi narrowed to 10.1.0.0/24.
 */
struct rekey_msg {
	struct ike_chain chain;
	struct ike_sa sap;
	struct ike_ts tsi, tsr;
	struct ike_notify rekey;
	struct ike_nonce nonce;
};

static struct rekey_msg *rekey_narrowed(const struct conn *c, uint32_t spi,
					bool request)
{
	static const uint8_t new_spi[4] = { 0xa0, 0x00, 0x99, 0x99 };
	struct rekey_msg *m = calloc(1, sizeof(*m));
	struct ike_error err;

	assert_non_null(m);
	m->nonce.data = (const uint8_t *)"0123456789abcdef";
	m->nonce.len = 16;
	if (request) {
		ikesa_notify(&m->rekey, IKE_N_REKEY_SA, NULL, 0);
		m->rekey.protocol = IKE_PROTO_ESP;
		m->rekey.spi_size = 4;
		for (int i = 0; i < 4; i++)
			m->rekey.spi[i] = (uint8_t)(spi >> (24 - 8 * i));
		ike_chain_add(&m->chain, IKE_PL_NOTIFY, &m->rekey, &err);
	}
	ike_chain_add(&m->chain, IKE_PL_NONCE, &m->nonce, &err);
	proposal_offer(&m->sap, c->esp, 1, IKE_PROTO_ESP, new_spi, 4, 0);
	ike_chain_add(&m->chain, IKE_PL_SA, &m->sap, &err);
	m->tsi.n = m->tsr.n = 1;
	sel4(&m->tsi.sel[0], "10.1.0.0", "10.1.0.255");
	sel4(&m->tsr.sel[0], "10.2.0.0", "10.2.255.255");
	ike_chain_add(&m->chain, IKE_PL_TSI, &m->tsi, &err);
	ike_chain_add(&m->chain, IKE_PL_TSR, &m->tsr, &err);
	return m;
}

/*
 * A rekeyed Child SA takes over the kernel policies of the SA it
 * replaces, so it must carry the same traffic: a rekey whose traffic
 * selectors differ is refused, by its responder with TS_UNACCEPTABLE and
 * by its initiator when the answer narrows them. Taken, the new SA would
 * remove its own selectors' policies when it goes, and those of the old
 * SA would stay in the kernel.
 */
static void child_rekey_narrowed(void **state)
{
	struct world *w = world_new(IKE_DH_ECP_256, true);
	struct ikesa *a = establish(w, 0), *b = only_sa(w, 1);
	struct rekey_msg *m;
	uint8_t *buf;
	size_t len;

	/* To the responder. */
	m = rekey_narrowed(&w->c[0], a->children->spi_in, true);
	assert_int_equal(ask(w, a, IKE_EXCH_CREATE_CHILD_SA, &m->chain),
			 IKE_N_TS_UNACCEPTABLE);
	free(m);
	assert_int_equal(n_children(b), 1);
	assert_int_equal(live_sas(&w->f[1]), 2);
	assert_int_equal(live_pols(&w->f[1]), 3);

	/* To the initiator, as B's answer to A's rekey. */
	assert_int_equal(engine_rekey_child(&w->e[0], a, a->children, 1), 0);
	drop_all(w);
	m = rekey_narrowed(&w->c[1], 0, false);
	assert_int_equal(ikesa_build(b, IKE_EXCH_CREATE_CHILD_SA, true,
				     a->req.msg_id, &m->chain, &buf, &len), 0);
	free(m);
	engine_input(&w->e[0], 1, &w->c[0].local, 500, &w->c[0].remote, 500,
		     buf, len);
	free(buf);
	assert_int_equal(n_children(a), 1);
	assert_false(a->children->replaced);
	drop_all(w);	/* A's Delete of B's half */

	/* Both sides' kernels hold the one Child SA, and nothing more. */
	for (int i = 0; i < 2; i++) {
		struct ikesa *s = i ? b : a;

		assert_int_equal(live_sas(&w->f[i]), 2);
		assert_int_equal(live_pols(&w->f[i]), 3);
		ikesa_del_child(s, s->children, ENGINE_R_CLOSED);
		assert_int_equal(live_sas(&w->f[i]), 0);
		assert_int_equal(live_pols(&w->f[i]), 0);
	}
	world_free(w);
}

/*
 * Any other error to a rekey keeps the old Child SA, and the rekey is
 * tried again a twentieth of the lifetime later.
 */
static void child_rekey_error_retry(void **state)
{
	struct world *w = world_life(100, IKE_DH_ECP_256, true);
	struct ikesa *a = establish(w, 0), *b = only_sa(w, 1);
	uint32_t old_in, old_out;
	struct ev_log l[2];
	struct dgram d;
	uint64_t t;

	ev_attach(w, l);
	old_in = a->children->spi_in;
	old_out = a->children->spi_out;
	set_esp(&w->c[1], false);	/* B now takes CBC only */
	t = a->children->rekey_at;
	engine_tick(&w->e[0], t);
	d = pop(w);
	deliver(w, &d, t);
	free(d.buf);
	d = pop(w);
	assert_true(sk_has_notify(a, &d, IKE_N_NO_PROPOSAL_CHOSEN));
	deliver(w, &d, t);
	free(d.buf);
	assert_int_equal(w->n, 0);

	for (int i = 0; i < 2; i++) {
		struct ikesa *s = i ? b : a;

		assert_int_equal(n_children(s), 1);
		assert_false(s->req.active);
		assert_false(s->children->replaced);
		assert_int_equal(live_sas(&w->f[i]), 2);
		assert_int_equal(live_pols(&w->f[i]), 3);
		assert_int_equal(l[i].total, 0);
	}
	assert_int_equal(a->children->spi_in, old_in);
	assert_int_equal(a->children->spi_out, old_out);
	check_child(w, a->children);
	assert_int_equal(a->children->rekey_at, t + 5000);
	assert_int_equal(engine_next_deadline(&w->e[0]), t + 5000);
	assert_int_equal(engine_tick(&w->e[0], t + 4999), t + 5000);
	assert_int_equal(w->n, 0);

	/* B takes GCM again: the retry rekeys. */
	set_esp(&w->c[1], true);
	engine_tick(&w->e[0], t + 5000);
	d = pop(w);
	assert_true(sk_has_notify(b, &d, IKE_N_REKEY_SA));
	deliver(w, &d, t + 5000);
	free(d.buf);
	pump(w, t + 5000);
	for (int i = 0; i < 2; i++) {
		struct ikesa *s = i ? b : a;

		assert_int_equal(n_children(s), 1);
		assert_int_equal(live_sas(&w->f[i]), 2);
		assert_int_equal(
			l[i].n[ENGINE_EV_CHILD_REKEYED][ENGINE_R_NONE], 1);
	}
	assert_int_not_equal(a->children->spi_in, old_in);
	check_child(w, a->children);
	world_free(w);
}

/* The responder's half-open IKE SAs, by walking them. */
static unsigned int walk_half_open(const struct engine *e)
{
	unsigned int n = 0;

	for (const struct ikesa *sa = e->sas; sa; sa = sa->next)
		if (!sa->initiator && sa->state == IKESA_AUTH)
			n++;
	return n;
}

static void check_half_open(const struct engine *e, unsigned int n)
{
	assert_int_equal(e->n_half_open, n);
	assert_int_equal(walk_half_open(e), n);
}

/* A's IKE_SA_INIT request delivered to B; its answer lost. */
static struct ikesa *init_only(struct world *w, uint64_t now)
{
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], now);
	struct dgram d;

	assert_non_null(sa);
	d = pop(w);
	deliver(w, &d, now);
	free(d.buf);
	return sa;
}

/*
 * The count of half-open SAs follows them through completion, failed
 * authentication, expiry and destruction, back to 0; the COOKIE
 * threshold goes by it.
 */
static void half_open_count(void **state)
{
	struct world *w = world_new(IKE_DH_CURVE25519, true);
	struct engine *e = &w->e[1];
	struct ikesa *a;
	struct dgram d;

	check_half_open(e, 0);
	init_only(w, 0);		/* will expire */
	drop_all(w);
	check_half_open(e, 1);

	/* Completed. */
	a = init_only(w, 0);
	check_half_open(e, 2);
	pump(w, 0);
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	check_half_open(e, 1);

	/* Failed authentication. */
	w->c[1].psk[0] ^= 1;
	init_only(w, 0);
	check_half_open(e, 2);
	pump(w, 0);
	w->c[1].psk[0] ^= 1;
	check_half_open(e, 1);

	/* Destroyed while half-open. */
	init_only(w, 0);
	drop_all(w);
	check_half_open(e, 2);
	ikesa_destroy(e->sas);
	check_half_open(e, 1);

	/* Expired: only the established SA remains. */
	engine_tick(e, ENGINE_HALF_OPEN_MS);
	check_half_open(e, 0);
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);

	/* The threshold counts the half-open SAs, as before. */
	e->cookie_threshold = 1;
	init_only(w, 40000);
	assert_false(plain_has_notify(&w->q[0], IKE_N_COOKIE));
	drop_all(w);
	check_half_open(e, 1);
	a = engine_initiate(&w->e[0], &w->c[0], 40000);
	d = pop(w);
	deliver(w, &d, 40000);
	free(d.buf);
	assert_true(plain_has_notify(&w->q[0], IKE_N_COOKIE));
	check_half_open(e, 1);
	pump(w, 40000);
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	check_half_open(e, 1);
	engine_tick(e, 40000 + ENGINE_HALF_OPEN_MS);
	check_half_open(e, 0);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(proposal_pick),
		cmocka_unit_test(proposal_prefers_ke),
		cmocka_unit_test(full_19_gcm),
		cmocka_unit_test(full_19_cbc),
		cmocka_unit_test(full_31_gcm),
		cmocka_unit_test(full_31_cbc),
		cmocka_unit_test(full_14_gcm),
		cmocka_unit_test(full_14_cbc),
		cmocka_unit_test(full_20_gcm),
		cmocka_unit_test(cookie_round_trip),
		cmocka_unit_test(cookie_threshold),
		cmocka_unit_test(half_open_count),
		cmocka_unit_test(invalid_ke_retry),
		cmocka_unit_test(wrong_psk),
		cmocka_unit_test(no_proposal_chosen),
		cmocka_unit_test(child_no_proposal),
		cmocka_unit_test(transport_mode),
		cmocka_unit_test(transport_refused),
		cmocka_unit_test(ts_narrowing),
		cmocka_unit_test(ts_unacceptable),
		cmocka_unit_test(second_child),
		cmocka_unit_test(rekey_child),
		cmocka_unit_test(pfs_child),
		cmocka_unit_test(pfs_invalid_ke),
		cmocka_unit_test(pfs_bad_ke),
		cmocka_unit_test(rekey_ike),
		cmocka_unit_test(rekey_ike_lifetime),
		cmocka_unit_test(child_timers),
		cmocka_unit_test(child_rekey_initiator),
		cmocka_unit_test(child_rekey_responder),
		cmocka_unit_test(child_rekey_pfs),
		cmocka_unit_test(child_rekey_collision),
		cmocka_unit_test(child_rekey_collision_late),
		cmocka_unit_test(child_rekey_window),
		cmocka_unit_test(child_rekey_during_ike_rekey),
		cmocka_unit_test(child_rekey_not_found),
		cmocka_unit_test(child_rekey_error_retry),
		cmocka_unit_test(child_rekey_narrowed),
		cmocka_unit_test(child_expire_silent_peer),
		cmocka_unit_test(child_expire_dead_peer),
		cmocka_unit_test(child_lifetime_zero),
		cmocka_unit_test(delete_child),
		cmocka_unit_test(delete_child_both),
		cmocka_unit_test(delete_ike),
		cmocka_unit_test(delete_from_responder),
		cmocka_unit_test(dpd),
		cmocka_unit_test(dpd_dead_peer),
		cmocka_unit_test(retransmit_backoff),
		cmocka_unit_test(events_establish),
		cmocka_unit_test(events_failed_auth),
		cmocka_unit_test(events_rekey_ike),
		cmocka_unit_test(events_rekey_child),
		cmocka_unit_test(events_rekey_child_timer),
		cmocka_unit_test(events_delete),
		cmocka_unit_test(events_dpd_death),
		cmocka_unit_test(events_child_expiry),
		cmocka_unit_test(many_sas),
		cmocka_unit_test(retransmit_then_answer),
		cmocka_unit_test(duplicate_request),
		cmocka_unit_test(lost_auth_response),
		cmocka_unit_test(window),
		cmocka_unit_test(rejected_reply_deleted),
		cmocka_unit_test(bad_requests),
		cmocka_unit_test(bad_auth_request),
		cmocka_unit_test(conn_by_id),
		cmocka_unit_test(conn_by_proposal),
		cmocka_unit_test(conn_by_proposal_ke),
		cmocka_unit_test(conn_keeps_proposal),
		cmocka_unit_test(conn_named_id_first),
		cmocka_unit_test(conn_by_remote_id),
		cmocka_unit_test_setup_teardown(conn_by_auth_method,
						certs_setup, certs_teardown),
		cmocka_unit_test(conn_by_idr),
		cmocka_unit_test(conn_no_idr),
		cmocka_unit_test(conn_specific_first),
		cmocka_unit_test(bad_inner_chain),
		cmocka_unit_test(bad_inner_auth),
		cmocka_unit_test(mangled_auth),
		cmocka_unit_test(mangled_init),
		cmocka_unit_test(mangled_auth_response),
		cmocka_unit_test(random_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
