// SPDX-License-Identifier: GPL-2.0
/*
 * Deleting an interface (docs/protocol/mif.md, MIF_DELETE_INTERFACE):
 * the codec, and two engines on the in-memory network of harness.c with
 * the fake backend: one exchange and one interface-wide kernel call per
 * side, the other interfaces' SAs and policies untouched, the policies
 * shared with them kept, the refusals, a replayed request, and the
 * plain Delete towards a peer without MIF.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/mif.h"
#include "engine/mif_delete.h"
#include "engine/policy_table.h"
#include "ike/constants.h"
#include "ike/message.h"
#include "ike/mif.h"
#include "ike/mif_delete.h"

#include "harness.h"

/* The codec. */

static void parse_ok(const uint8_t *data, size_t len, struct mif_delete *d)
{
	struct ike_writer w;
	struct ike_error err;

	assert_int_equal(mif_delete_parse(d, data, len, &err), 0);
	ike_writer_init(&w);
	assert_int_equal(mif_delete_build(&w, d, &err), 0);
	assert_true(ike_writer_ok(&w));
	assert_int_equal(w.len, len);
	/* RESERVED goes back as zero. */
	assert_memory_equal(w.p, data, 3);
	assert_int_equal(w.p[3], 0);
	assert_memory_equal(w.p + 4, data + 4, len - 4);
	ike_writer_free(&w);
}

static void parse_bad(const uint8_t *data, size_t len, enum ike_err code)
{
	struct mif_delete d;
	struct ike_error err;

	memset(&d, 0xaa, sizeof(d));
	assert_int_equal(mif_delete_parse(&d, data, len, &err), -1);
	assert_int_equal(err.code, code);
	assert_int_equal(err.notify, IKE_N_MIF_UNACCEPTABLE_MOVE);
	assert_int_equal(err.payload, IKE_PL_NOTIFY);
	assert_int_equal(d.id, 0);
	assert_int_equal(d.family, 0);
}

static void codec(void **state)
{
	static const uint8_t v4[] = { 0, 3, 1, 0xff, 192, 0, 2, 11 };
	static const uint8_t v6[20] = { 0, 0, 2, 0, 0x20, 0x01, 0x0d, 0xb8,
					[19] = 1 };
	static const uint8_t all[] = { 0x12, 0x34, 0, 0 };
	static const uint8_t all_no_id[] = { 0, 0, 0, 0 };
	static const uint8_t v4_short[] = { 0, 3, 1, 0, 192, 0, 2 };
	static const uint8_t all_long[] = { 0, 3, 0, 0, 192, 0, 2, 11 };
	static const uint8_t fam3[] = { 0, 3, 3, 0, 192, 0, 2, 11 };
	static const uint8_t loop[] = { 0, 3, 1, 0, 127, 0, 0, 1 };
	static const uint8_t mcast[] = { 0, 3, 1, 0, 224, 0, 0, 1 };
	struct mif_delete d;
	struct ike_writer w;
	struct ike_error err;

	parse_ok(v4, sizeof(v4), &d);
	assert_int_equal(d.id, 3);
	assert_int_equal(d.family, MIF_AF_IPV4);
	assert_memory_equal(d.addr, v4 + 4, 4);
	parse_ok(v6, sizeof(v6), &d);
	assert_int_equal(d.id, 0);
	assert_int_equal(d.family, MIF_AF_IPV6);
	parse_ok(all, sizeof(all), &d);
	assert_int_equal(d.id, 0x1234);
	assert_int_equal(d.family, MIF_AF_ALL);

	parse_bad(v4, 3, IKE_ERR_TRUNCATED);
	parse_bad(NULL, 0, IKE_ERR_TRUNCATED);
	parse_bad(v4_short, sizeof(v4_short), IKE_ERR_LENGTH);
	parse_bad(all_long, sizeof(all_long), IKE_ERR_LENGTH);
	parse_bad(v6, 8, IKE_ERR_LENGTH);
	parse_bad(fam3, sizeof(fam3), IKE_ERR_SYNTAX);
	parse_bad(all_no_id, sizeof(all_no_id), IKE_ERR_SYNTAX);
	parse_bad(loop, sizeof(loop), IKE_ERR_SYNTAX);
	parse_bad(mcast, sizeof(mcast), IKE_ERR_SYNTAX);

	/* The builder checks the same rules. */
	memset(&d, 0, sizeof(d));
	ike_writer_init(&w);
	assert_int_equal(mif_delete_build(&w, &d, &err), -1);
	assert_int_equal(err.code, IKE_ERR_INVAL);
	d.family = MIF_AF_IPV4;
	assert_int_equal(mif_delete_build(&w, &d, &err), -1);
	d.family = 9;
	d.id = 1;
	assert_int_equal(mif_delete_build(&w, &d, &err), -1);
	assert_int_equal(w.len, 0);
	ike_writer_free(&w);
}

/* Two engines. */

static const char *const pairs[3][2] = {
	{ "192.0.2.1", "198.51.100.2" },
	{ "192.0.2.11", "198.51.100.12" },
	{ "192.0.2.21", "198.51.100.22" },
};

/*
 * Figure 1 (tunnel mode) or 12 (transport mode): A, the end user, and
 * B, the security gateway, each with eth0, eth1, eth2 (the IKE SA on
 * eth0), one Child SA per interface (per_interface). In tunnel mode the
 * three Child SAs have the same selectors, so they share their kernel
 * policies, which point at the newest, eth2's. mif_b: B negotiates MIF.
 */
static struct world *world_make(bool mif_b, enum kernel_mode m,
				const char *a_ts)
{
	struct world *w = test_world_new(IKE_DH_CURVE25519, true);
	static const char *const names[3] = { "eth0", "eth1", "eth2" };

	test_world_log(w);
	for (int i = 0; i < 2; i++) {
		w->c[i].mode = m;
		if (m == KERNEL_MODE_TRANSPORT) {
			const char *ts[2] = { a_ts, pairs[0][1] };

			sel4(&w->c[i].local_ts[0], ts[i], ts[i]);
			sel4(&w->c[i].remote_ts[0], ts[!i], ts[!i]);
		}
		for (int k = 0; k < 3; k++) {
			test_pattern(&w->c[i], names[k], 200 - 50 * k);
			test_iface_up(&w->e[i], 2 + 10 * i + k, names[k],
			      pairs[k][i]);
		}
	}
	w->c[0].mif = true;
	w->c[0].per_interface = true;
	w->c[1].mif = mif_b;
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	return w;
}

static struct world *world_new(bool mif_b, enum kernel_mode m)
{
	return world_make(mif_b, m, pairs[0][0]);
}

static void establish(struct world *w, unsigned int children)
{
	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
	pump(w, 0);
	test_settle(w, 0);
	assert_int_equal(only_sa(w, 0)->state, IKESA_ESTABLISHED);
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	assert_int_equal(n_children(only_sa(w, 0)), children);
	assert_int_equal(n_children(only_sa(w, 1)), children);
}

/* sa's Child SA on our address local, or NULL. */
static const struct childsa *child_on(struct ikesa *sa, const char *local)
{
	struct ip_addr l = test_ip(local);
	const struct childsa *c;

	engine_for_each_child(c, sa) {
		struct engine_child_view v;

		engine_child_view(sa, c, &v);
		if (ip_addr_equal(&v.local, &l))
			return c;
	}
	return NULL;
}

/* Whether f's kernel has a live SA or policy bound to a. */
static bool kernel_has(const struct fake *f, const char *addr)
{
	struct ip_addr a = test_ip(addr);

	for (unsigned int i = 0; i < f->n_sas; i++)
		if (f->sa_live[i] && (ip_addr_equal(&f->sas[i].src, &a) ||
				      ip_addr_equal(&f->sas[i].dst, &a)))
			return true;
	for (unsigned int i = 0; i < f->n_pols; i++) {
		const struct kernel_policy *p = &f->pols[i];

		if (!f->pol_live[i])
			continue;
		if (p->mode == KERNEL_MODE_TUNNEL ?
		    ip_addr_equal(&p->tmpl_src, &a) ||
		    ip_addr_equal(&p->tmpl_dst, &a) :
		    (p->sel.src_len == 32 && ip_addr_equal(&p->sel.src, &a)) ||
		    (p->sel.dst_len == 32 && ip_addr_equal(&p->sel.dst, &a)))
			return true;
	}
	return false;
}

/* c's SAs are live in f's kernel. */
static bool sas_live(const struct fake *f, const struct childsa *c)
{
	bool in = false, out = false;

	for (unsigned int i = 0; i < f->n_sas; i++) {
		if (!f->sa_live[i])
			continue;
		in |= f->sas[i].spi == c->spi_in;
		out |= f->sas[i].spi == c->spi_out;
	}
	return in && out;
}

/* Every entry of e's policy table has an owner, the kernel's policy. */
static void table_consistent(const struct world *w, int side)
{
	const struct fake *f = &w->f[side];
	const struct policy_table *t = &w->e[side].policies;

	assert_int_equal(policy_table_count(t), live_pols(f));
	for (unsigned int i = 0; i < f->n_pols; i++) {
		const struct policy_entry *pe;

		if (!f->pol_live[i])
			continue;
		pe = policy_table_find(t, &f->pols[i]);
		assert_non_null(pe);
		assert_non_null(pe->owner);
		assert_int_equal(pe->owner->reqid, f->pols[i].reqid);
		assert_true(ip_addr_equal(&pe->pol.tmpl_src,
					  &f->pols[i].tmpl_src));
	}
}

/* A deletes its address of pair k; both sides settle. */
static void delete_pair(struct world *w, int k, unsigned int want_mif,
			unsigned int want_plain)
{
	struct engine_mif_delete r;
	struct ip_addr a = test_ip(pairs[k][0]);

	assert_int_equal(engine_mif_delete(&w->e[0], NULL, &a, 1, &r), 0);
	assert_int_equal(r.sent, want_mif);
	assert_int_equal(r.plain, want_plain);
	assert_int_equal(r.children, 1);
	pump(w, 1);
	test_settle(w, 1);
}

static void deleted(struct world *w, int k, int kept)
{
	struct ikesa *a = only_sa(w, 0), *b = only_sa(w, 1);

	assert_int_equal(n_children(a), 2);
	assert_int_equal(n_children(b), 2);
	assert_null(child_on(a, pairs[k][0]));
	assert_null(child_on(b, pairs[k][1]));
	assert_false(kernel_has(&w->f[0], pairs[k][0]));
	assert_false(kernel_has(&w->f[1], pairs[k][0]));
	assert_false(kernel_has(&w->f[1], pairs[k][1]));
	for (int i = 0; i < 3; i++) {
		if (i == k)
			continue;
		assert_non_null(child_on(a, pairs[i][0]));
		assert_non_null(child_on(b, pairs[i][1]));
		assert_true(sas_live(&w->f[0], child_on(a, pairs[i][0])));
		assert_true(sas_live(&w->f[1], child_on(b, pairs[i][1])));
	}
	assert_int_equal(live_sas(&w->f[0]), 4);
	assert_int_equal(live_sas(&w->f[1]), 4);
	table_consistent(w, 0);
	table_consistent(w, 1);
	/* The shared policies now point at the newest Child SA left. */
	if (kept >= 0) {
		assert_true(fake_points_at(&w->f[0],
					   child_on(a, pairs[kept][0])));
		assert_true(fake_points_at(&w->f[1],
					   child_on(b, pairs[kept][1])));
	}
}

/*
 * Tunnel mode, the newest interface goes: one delete call per side, no
 * Delete payload, no per-SA call; the shared policies, which the
 * kernel's delete removed with eth2's template, are added again for
 * eth1's Child SA.
 */
static void tunnel_owner(void **state)
{
	struct world *w = world_new(true, KERNEL_MODE_TUNNEL);
	unsigned int pols0, pols1, del_sa0, del_sa1, del_pol0, del_pol1;
	unsigned int add_pol0, add_pol1;
	const struct mif_interfaces *peer;

	establish(w, 3);
	assert_true(fake_points_at(&w->f[0], child_on(only_sa(w, 0),
						     pairs[2][0])));
	pols0 = live_pols(&w->f[0]);
	pols1 = live_pols(&w->f[1]);
	del_sa0 = w->f[0].n_del_sa;
	del_sa1 = w->f[1].n_del_sa;
	del_pol0 = w->f[0].n_del_pol;
	del_pol1 = w->f[1].n_del_pol;
	add_pol0 = w->f[0].n_add_pol;
	add_pol1 = w->f[1].n_add_pol;
	delete_pair(w, 2, 1, 0);
	assert_int_equal(w->f[0].n_delete, 1);
	assert_int_equal(w->f[1].n_delete, 1);
	/* No call per SA or policy, but one add per shared policy. */
	assert_int_equal(w->f[0].n_del_sa, del_sa0);
	assert_int_equal(w->f[1].n_del_sa, del_sa1);
	assert_int_equal(w->f[0].n_del_pol, del_pol0);
	assert_int_equal(w->f[1].n_del_pol, del_pol1);
	assert_int_equal(w->f[0].n_add_pol, add_pol0 + pols0);
	assert_int_equal(w->f[1].n_add_pol, add_pol1 + pols1);
	assert_int_equal(live_pols(&w->f[0]), pols0);
	assert_int_equal(live_pols(&w->f[1]), pols1);
	deleted(w, 2, 1);
	assert_true(test_logged_at(ENGINE_LOG_INFO, "192.0.2.21 deleted: 1 Child SAs"));
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, ""), 0);
	assert_int_equal(test_logged_at(ENGINE_LOG_ERR, ""), 0);
	/* The peer's list of A's interfaces no longer has the address. */
	peer = only_sa(w, 1)->mif->peer;
	for (unsigned int i = 0; i < peer->n; i++)
		assert_false(mif_iface_has_addr(&peer->iface[i], MIF_AF_IPV4,
						test_ip(pairs[2][0]).bytes));
	test_world_free(w);
}

/*
 * Tunnel mode, an interface whose Child SA does not own the shared
 * policies: the kernel keeps them (their template is on eth2), and the
 * engine neither adds nor deletes one.
 */
static void tunnel_shared(void **state)
{
	struct world *w = world_new(true, KERNEL_MODE_TUNNEL);
	unsigned int add0, add1, del0, del1;

	establish(w, 3);
	add0 = w->f[0].n_add_pol;
	add1 = w->f[1].n_add_pol;
	del0 = w->f[0].n_del_pol;
	del1 = w->f[1].n_del_pol;
	delete_pair(w, 1, 1, 0);
	assert_int_equal(w->f[0].n_delete, 1);
	assert_int_equal(w->f[1].n_delete, 1);
	assert_int_equal(w->f[0].n_add_pol, add0);
	assert_int_equal(w->f[1].n_add_pol, add1);
	assert_int_equal(w->f[0].n_del_pol, del0);
	assert_int_equal(w->f[1].n_del_pol, del1);
	deleted(w, 1, 2);
	/* The owners' counts: two users per policy left. */
	for (unsigned int i = 0; i < w->f[0].n_pols; i++)
		if (w->f[0].pol_live[i])
			assert_int_equal(policy_table_find(&w->e[0].policies,
							   &w->f[0].pols[i])
						 ->n_users, 2);
	/* Then eth2 goes too: its policies go to eth0's Child SA. */
	delete_pair(w, 2, 1, 0);
	assert_int_equal(n_children(only_sa(w, 0)), 1);
	assert_int_equal(n_children(only_sa(w, 1)), 1);
	assert_true(fake_points_at(&w->f[0], child_on(only_sa(w, 0),
						     pairs[0][0])));
	assert_true(fake_points_at(&w->f[1], child_on(only_sa(w, 1),
						     pairs[0][1])));
	table_consistent(w, 0);
	table_consistent(w, 1);
	test_world_free(w);
}

/* Transport mode (figure 12): each pair's own selectors and policies. */
static void transport(void **state)
{
	struct world *w = world_new(true, KERNEL_MODE_TRANSPORT);
	unsigned int pols0, del_pol[2], add_pol[2], del_sa[2];

	establish(w, 3);
	pols0 = live_pols(&w->f[0]);
	for (int i = 0; i < 2; i++) {
		del_pol[i] = w->f[i].n_del_pol;
		add_pol[i] = w->f[i].n_add_pol;
		del_sa[i] = w->f[i].n_del_sa;
	}
	delete_pair(w, 1, 1, 0);
	/* One call each side, and nothing per SA or policy. */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(w->f[i].n_delete, 1);
		assert_int_equal(w->f[i].n_del_pol, del_pol[i]);
		assert_int_equal(w->f[i].n_add_pol, add_pol[i]);
		assert_int_equal(w->f[i].n_del_sa, del_sa[i]);
	}
	deleted(w, 1, -1);
	/* Only the deleted pair's two policies (out, in) went. */
	assert_int_equal(live_pols(&w->f[0]), pols0 - 2);
	test_world_free(w);
}

/* Send a MIF_DELETE_INTERFACE of our own making from A; B's answer. */
static bool crafted(struct world *w, const struct mif_delete *d)
{
	struct ikesa *a = only_sa(w, 0), *b = only_sa(w, 1);
	struct ike_chain *ch = calloc(1, sizeof(*ch));
	struct ike_writer wr;
	struct ike_notify n;
	struct ike_error err;
	struct dgram q;
	bool refused;

	assert_non_null(ch);
	ike_writer_init(&wr);
	assert_int_equal(mif_delete_build(&wr, d, &err), 0);
	ikesa_notify(&n, IKE_N_MIF_DELETE_INTERFACE, wr.p, wr.len);
	ike_chain_add(ch, IKE_PL_NOTIFY, &n, &err);
	assert_int_equal(ikesa_request(a, 1, IKE_EXCH_INFORMATIONAL, ch), 0);
	ike_chain_free(ch);
	free(ch);
	ike_writer_free(&wr);
	q = pop(w);
	deliver(w, &q, 1);
	free(q.buf);
	q = pop(w);
	refused = dgram_has_notify(a, &q, IKE_N_MIF_UNACCEPTABLE_MOVE);
	deliver(w, &q, 1);
	free(q.buf);
	assert_false(b->req.active);
	return refused;
}

static struct mif_delete del_of(uint16_t id, const char *addr)
{
	struct mif_delete d = { .id = id, .family = MIF_AF_IPV4 };
	struct ip_addr a = test_ip(addr);

	memcpy(d.addr, a.bytes, 4);
	return d;
}

/* What B refuses, each changing nothing; and what it answers empty. */
static void refused(void **state)
{
	struct world *w = world_new(true, KERNEL_MODE_TUNNEL);
	struct engine_mif_delete r;
	struct ip_addr a;
	uint16_t eth1, eth2;
	struct mif_delete d;
	const struct mif_iface *f;

	/* A second address on A's eth1, which no Child SA uses. */
	a = test_ip("192.0.2.12");
	assert_int_equal(engine_iface_addr(&w->e[0], 3, &a, true), 0);
	establish(w, 3);
	eth1 = child_on(only_sa(w, 0), pairs[1][0])->local_iface;
	eth2 = child_on(only_sa(w, 0), pairs[2][0])->local_iface;

	/* A will not: its IKE SA's own address, or one it does not have. */
	a = test_ip(pairs[0][0]);
	assert_int_equal(engine_mif_delete(&w->e[0], NULL, &a, 1, &r),
			 -EADDRINUSE);
	assert_int_equal(r.refused, 1);
	a = test_ip("192.0.2.99");
	assert_int_equal(engine_mif_delete(&w->e[0], NULL, &a, 1, &r),
			 -ENOENT);
	a = test_ip(pairs[1][0]);
	assert_int_equal(engine_mif_delete(&w->e[0], "other", &a, 1, &r),
			 -ENOENT);
	assert_int_equal(w->n, 0);

	/* B refuses: an unknown ID, an address not under its ID, ... */
	d = del_of(999, pairs[1][0]);
	assert_true(crafted(w, &d));
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, "an interface ID the "
				"peer has not announced"), 1);
	d = del_of(eth2, pairs[1][0]);
	assert_true(crafted(w, &d));
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, "not listed under its "
				"interface"), 1);
	d = del_of(0, "192.0.2.99");
	assert_true(crafted(w, &d));
	/* ... the IKE SA's own address, alone or with its interface. */
	d = del_of(0, pairs[0][0]);
	assert_true(crafted(w, &d));
	d.id = child_on(only_sa(w, 0), pairs[0][0])->local_iface;
	d.family = MIF_AF_ALL;
	assert_true(crafted(w, &d));
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, "IKE SA's own address"),
			 2);
	assert_int_equal(w->f[1].n_delete, 0);
	assert_int_equal(n_children(only_sa(w, 1)), 3);

	/* Announced, nothing bound: an empty answer, no kernel call. */
	d = del_of(eth1, "192.0.2.12");
	assert_false(crafted(w, &d));
	assert_int_equal(w->f[1].n_delete, 0);
	f = mif_iface_find(only_sa(w, 1)->mif->peer, eth1);
	assert_non_null(f);
	assert_false(mif_iface_has_addr(f, MIF_AF_IPV4,
					test_ip("192.0.2.12").bytes));

	/* A whole interface, by its ID (family 0): accepted. */
	memset(&d, 0, sizeof(d));
	d.id = eth1;
	d.family = MIF_AF_ALL;
	assert_false(crafted(w, &d));
	assert_int_equal(w->f[1].n_delete, 1);
	assert_int_equal(n_children(only_sa(w, 1)), 2);
	assert_null(mif_iface_find(only_sa(w, 1)->mif->peer, eth1));
	/* Nothing bound any more (A still has its side): an empty answer. */
	/* An address: accepted once, then no longer announced. */
	d = del_of(0, pairs[2][0]);
	assert_false(crafted(w, &d));
	assert_int_equal(w->f[1].n_delete, 2);
	assert_int_equal(n_children(only_sa(w, 1)), 1);
	assert_true(crafted(w, &d));
	assert_int_equal(w->f[1].n_delete, 2);
	test_world_free(w);
}

/* A replayed request gets the stored answer: no second kernel call. */
static void replayed(void **state)
{
	struct world *w = world_new(true, KERNEL_MODE_TUNNEL);
	struct engine_mif_delete r;
	struct ip_addr a = test_ip(pairs[1][0]);
	struct dgram req, resp, again;

	establish(w, 3);
	assert_int_equal(engine_mif_delete(&w->e[0], NULL, &a, 1, &r), 0);
	req = pop(w);
	again = req;
	again.buf = malloc(req.len);
	assert_non_null(again.buf);
	memcpy(again.buf, req.buf, req.len);
	deliver(w, &req, 1);
	free(req.buf);
	resp = pop(w);
	assert_int_equal(w->f[1].n_delete, 1);
	deliver(w, &again, 2);
	free(again.buf);
	assert_int_equal(w->f[1].n_delete, 1);
	drop_all(w);
	deliver(w, &resp, 2);
	free(resp.buf);
	assert_int_equal(w->f[0].n_delete, 1);
	assert_int_equal(n_children(only_sa(w, 0)), 2);
	assert_int_equal(n_children(only_sa(w, 1)), 2);
	test_world_free(w);
}

/*
 * A second delete while a request is in flight waits for the window,
 * and goes out on the next tick.
 */
static void queued(void **state)
{
	struct world *w = world_new(true, KERNEL_MODE_TUNNEL);
	struct engine_mif_delete r;
	struct ip_addr a1 = test_ip(pairs[1][0]), a2 = test_ip(pairs[2][0]);

	establish(w, 3);
	assert_int_equal(engine_mif_delete(&w->e[0], NULL, &a1, 1, &r), 0);
	assert_int_equal(engine_mif_delete(&w->e[0], NULL, &a2, 1, &r), 0);
	assert_int_equal(w->n, 1);
	/* A third waits for none: busy. */
	assert_int_equal(engine_mif_delete(&w->e[0], NULL, &a2, 1, &r),
			 -EBUSY);
	pump(w, 1);
	test_settle(w, 1);
	assert_int_equal(w->f[0].n_delete, 2);
	assert_int_equal(w->f[1].n_delete, 2);
	assert_int_equal(n_children(only_sa(w, 0)), 1);
	assert_int_equal(n_children(only_sa(w, 1)), 1);
	table_consistent(w, 0);
	table_consistent(w, 1);
	test_world_free(w);
}

/*
 * A peer without MIF (strongSwan's charon): every Child SA is on the
 * IKE SA's pair, so there is nothing on another address to delete, and
 * no MIF notify is sent. Should a Child SA be bound to another address
 * of ours all the same (here made so by hand), it goes with a plain
 * INFORMATIONAL Delete, which such a peer understands.
 */
static void without_mif(void **state)
{
	struct world *w = world_new(false, KERNEL_MODE_TUNNEL);
	struct ip_addr a = test_ip(pairs[1][0]), own = test_ip(pairs[0][0]);
	struct engine_mif_delete r;
	struct childsa *c;
	struct dgram q;

	establish(w, 1);
	assert_int_equal(engine_mif_delete(&w->e[0], NULL, &a, 1, &r),
			 -ENOENT);
	assert_int_equal(engine_mif_delete(&w->e[0], NULL, &own, 1, &r),
			 -EADDRINUSE);
	assert_int_equal(w->n, 0);

	c = only_sa(w, 0)->children;
	c->local = a;
	assert_int_equal(engine_mif_delete(&w->e[0], NULL, &a, 1, &r), 0);
	assert_int_equal(r.sent, 0);
	assert_int_equal(r.plain, 1);
	assert_int_equal(r.children, 1);
	assert_int_equal(w->n, 1);
	q = w->q[0];
	assert_false(dgram_has_notify(only_sa(w, 1), &q,
				      IKE_N_MIF_DELETE_INTERFACE));
	/* Busy: the window holds the Delete. */
	assert_int_equal(engine_mif_delete(&w->e[0], NULL, &a, 1, &r),
			 -EBUSY);
	pump(w, 1);
	test_settle(w, 1);
	assert_int_equal(n_children(only_sa(w, 0)), 0);
	assert_int_equal(n_children(only_sa(w, 1)), 0);
	assert_int_equal(w->f[0].n_delete, 0);
	assert_int_equal(w->f[1].n_delete, 0);
	assert_int_equal(live_sas(&w->f[1]), 0);
	assert_int_equal(live_pols(&w->f[1]), 0);
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, ""), 0);
	assert_int_equal(test_logged_at(ENGINE_LOG_ERR, ""), 0);
	test_world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codec),
		cmocka_unit_test(tunnel_owner),
		cmocka_unit_test(tunnel_shared),
		cmocka_unit_test(transport),
		cmocka_unit_test(refused),
		cmocka_unit_test(replayed),
		cmocka_unit_test(queued),
		cmocka_unit_test(without_mif),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
