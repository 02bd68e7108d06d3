// SPDX-License-Identifier: GPL-2.0
/*
 * Per-Child SA outer addresses (docs/protocol/mif.md, MIF_CHILD_PATH):
 * the placement of one Child SA per interface (per_interface = yes), the
 * responder's rules, the requester's check of the echo, and rekeys that
 * keep the pair; two engines on the in-memory network of harness.c.
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
#include "engine/mif_path.h"
#include "engine/pool.h"
#include "ike/constants.h"
#include "ike/message.h"
#include "ike/mif.h"
#include "ike/nonce.h"
#include "ike/sa.h"
#include "ike/ts.h"

#include "harness.h"

static uint16_t id_of(struct world *w, int side, int ifindex)
{
	const struct iface *f = engine_iface_by_ifindex(&w->e[side], ifindex);

	assert_non_null(f);
	return f->id;
}

static void host_ts(struct conn *c, int side)
{
	const char *addr[2] = { "192.0.2.1", "198.51.100.2" };

	sel4(&c->local_ts[0], addr[side], addr[side]);
	sel4(&c->remote_ts[0], addr[!side], addr[!side]);
}

/*
 * Figure 1: A, the end user, has eth0, eth1, eth2 (priorities 200, 150,
 * 100; the IKE SA on eth0), wlan0 (down) and lo, unlisted. B, the
 * security gateway: eth0, eth1, eth2 likewise, and eth3, which its
 * connection does not list. vips: A asks for that many IPv4 inner
 * addresses, with no local_ts, from B's pool 10.9.0.0/24.
 */
static struct world *world_make(bool mif_b, bool per_if, enum kernel_mode m,
				unsigned int vips)
{
	struct world *w = test_world_new(IKE_DH_CURVE25519, true);

	test_world_log(w);
	for (int i = 0; i < 2; i++) {
		w->c[i].mode = m;
		if (m == KERNEL_MODE_TRANSPORT)
			host_ts(&w->c[i], i);
		test_pattern(&w->c[i], "eth0", 200);
		test_pattern(&w->c[i], "eth1", 150);
		test_pattern(&w->c[i], "eth2", 100);
	}
	test_pattern(&w->c[0], "wlan0", 50);
	w->c[0].mif = true;
	w->c[0].per_interface = per_if;
	w->c[1].mif = mif_b;
	if (vips) {
		const char *why;

		w->c[0].vips4 = (uint8_t)vips;
		w->c[0].n_local_ts = 0;
		assert_int_equal(pool_range_parse("10.9.0.0/24",
						  &w->c[1].pools[0], &why), 0);
		w->c[1].n_pools = 1;
		sel4(&w->c[1].remote_ts[0], "0.0.0.0", "255.255.255.255");
	}
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);

	test_iface(&w->e[0], 1, "lo", true, "127.0.0.1");
	test_iface(&w->e[0], 4, "eth2", true, "192.0.2.21");
	test_iface(&w->e[0], 2, "eth0", true, "192.0.2.1");
	test_iface(&w->e[0], 3, "eth1", true, "192.0.2.11");
	test_iface(&w->e[0], 5, "wlan0", false, "203.0.113.5");
	test_iface(&w->e[1], 7, "eth0", true, "198.51.100.2");
	test_iface(&w->e[1], 8, "eth1", true, "198.51.100.12");
	test_iface(&w->e[1], 9, "eth2", true, "198.51.100.22");
	test_iface(&w->e[1], 10, "eth3", true, "198.51.100.32");
	return w;
}

static struct world *world_new(bool mif_b, bool per_if, enum kernel_mode m)
{
	return world_make(mif_b, per_if, m, 0);
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

/* c's SAs are in f's kernel on c's pair, its SPI reserved for its address. */
static void check_kernel(const struct fake *f, const struct childsa *c)
{
	bool in = false, out = false, spi = false;

	for (unsigned int i = 0; i < f->n_sas; i++) {
		const struct kernel_sa *s = &f->sas[i];

		if (!f->sa_live[i])
			continue;
		in |= s->spi == c->spi_in && ip_addr_equal(&s->dst, &c->local) &&
		      ip_addr_equal(&s->src, &c->remote);
		out |= s->spi == c->spi_out &&
		       ip_addr_equal(&s->dst, &c->remote) &&
		       ip_addr_equal(&s->src, &c->local);
	}
	for (unsigned int i = 0; i < f->n_alloc; i++)
		spi |= f->allocs[i] == c->spi_in &&
		       ip_addr_equal(&f->alloc_dst[i], &c->local);
	assert_true(in);
	assert_true(out);
	assert_true(spi);
	/* Its policies' templates (tunnel mode) name its pair. */
	for (unsigned int i = 0; i < f->n_pols; i++) {
		const struct kernel_policy *p = &f->pols[i];
		bool o = p->dir == KERNEL_DIR_OUT;

		if (!f->pol_live[i] || p->reqid != c->reqid ||
		    c->mode != KERNEL_MODE_TUNNEL)
			continue;
		assert_true(ip_addr_equal(&p->tmpl_src, o ? &c->local :
							    &c->remote));
		assert_true(ip_addr_equal(&p->tmpl_dst, o ? &c->remote :
							    &c->local));
	}
}

static const char *const pairs[3][2] = {
	{ "192.0.2.1", "198.51.100.2" },
	{ "192.0.2.11", "198.51.100.12" },
	{ "192.0.2.21", "198.51.100.22" },
};

static const char *const names[3] = { "eth0", "eth1", "eth2" };

static void per_interface(enum kernel_mode m)
{
	struct world *w = world_new(true, true, m);
	struct ikesa *a, *b;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_int_equal(n_children(a), 3);
	assert_int_equal(n_children(b), 3);
	for (int i = 0; i < 3; i++) {
		struct childsa *ca = child_on(a, pairs[i][0], pairs[i][1]);
		struct childsa *cb = child_on(b, pairs[i][1], pairs[i][0]);

		assert_non_null(ca);
		assert_non_null(cb);
		assert_int_equal(ca->local_iface, id_of(w, 0, 2 + i));
		assert_int_equal(ca->ifindex, 2 + i);
		assert_int_equal(cb->ifindex, 7 + i);
		assert_int_equal(cb->remote_iface, id_of(w, 0, 2 + i));
		/* The first one, in IKE_AUTH: the IKE SA's address, ID 0. */
		assert_int_equal(ca->remote_iface, i ? id_of(w, 1, 7 + i) : 0);
		assert_int_equal(cb->local_iface, ca->remote_iface);
		assert_string_equal(mif_path_ifname(a, ca), names[i]);
		check_kernel(&w->f[0], ca);
		check_kernel(&w->f[1], cb);
		if (m == KERNEL_MODE_TRANSPORT) {
			/* Use case 3: its traffic is that of its pair. */
			assert_int_equal(ca->n_local_ts, 1);
			assert_memory_equal(ca->local_ts[0].start,
					    ca->local.bytes, 4);
			assert_memory_equal(ca->remote_ts[0].end,
					    ca->remote.bytes, 4);
			assert_memory_equal(cb->local_ts[0].start,
					    cb->local.bytes, 4);
		}
	}
	assert_int_equal(live_sas(&w->f[0]), 6);
	assert_int_equal(live_sas(&w->f[1]), 6);
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, ""), 0);
	test_world_free(w);
}

static void three_tunnels(void **state) { per_interface(KERNEL_MODE_TUNNEL); }
static void three_transport(void **state)
{
	per_interface(KERNEL_MODE_TRANSPORT);
}

/* s is the selector of the host a. */
static void host_is(const struct ike_selector *s, const struct ip_addr *a)
{
	assert_int_equal(s->type, IKE_TS_IPV4_ADDR_RANGE);
	assert_memory_equal(s->start, a->bytes, 4);
	assert_memory_equal(s->end, a->bytes, 4);
}

/*
 * f's live policies of traffic from (out) or to (in, fwd) inner address
 * vip: exactly one per direction, through the tunnel of pair.
 */
static void policies_of(const struct fake *f, const struct ip_addr *vip,
			const char *const pair[2], bool initiator)
{
	struct ip_addr l = test_ip(pair[initiator ? 0 : 1]);
	struct ip_addr r = test_ip(pair[initiator ? 1 : 0]);
	unsigned int n[3] = { 0 };

	for (unsigned int i = 0; i < f->n_pols; i++) {
		const struct kernel_policy *p = &f->pols[i];
		bool o = p->dir == KERNEL_DIR_OUT;
		/* The initiator sends from vip, the responder to it. */
		const struct ip_addr *inner = o == initiator ? &p->sel.src :
							       &p->sel.dst;

		if (!f->pol_live[i] || !ip_addr_equal(inner, vip))
			continue;
		n[p->dir]++;
		assert_true(ip_addr_equal(&p->tmpl_src, o ? &l : &r));
		assert_true(ip_addr_equal(&p->tmpl_dst, o ? &r : &l));
	}
	assert_int_equal(n[KERNEL_DIR_OUT], 1);
	assert_int_equal(n[KERNEL_DIR_IN], 1);
	assert_int_equal(n[KERNEL_DIR_FWD], 1);
}

/*
 * Figure 1 in tunnel mode: three inner addresses over one IKE SA, one per
 * interface by rank, each in its own tunnel on its own pair. IKE_AUTH's
 * Child SA, which asks for every address, is narrowed to the first.
 */
static void fig1_inner_per_interface(void **state)
{
	struct world *w = world_make(true, true, KERNEL_MODE_TUNNEL, 3);
	struct ikesa *a, *b;

	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_int_equal(a->n_vips, 3);
	assert_int_equal(b->n_vips, 3);
	assert_int_equal(n_children(a), 3);
	assert_int_equal(n_children(b), 3);
	for (int i = 0; i < 3; i++) {
		struct childsa *ca = child_on(a, pairs[i][0], pairs[i][1]);
		struct childsa *cb = child_on(b, pairs[i][1], pairs[i][0]);

		assert_non_null(ca);
		assert_non_null(cb);
		assert_int_equal(ca->n_local_ts, 1);
		host_is(&ca->local_ts[0], &a->vips[i]);
		assert_int_equal(cb->n_remote_ts, 1);
		host_is(&cb->remote_ts[0], &a->vips[i]);
		check_kernel(&w->f[0], ca);
		check_kernel(&w->f[1], cb);
		policies_of(&w->f[0], &a->vips[i], pairs[i], true);
		policies_of(&w->f[1], &a->vips[i], pairs[i], false);
	}
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < i; j++)
			assert_false(ip_addr_equal(&a->vips[i], &a->vips[j]));
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, ""), 0);
	test_world_free(w);
}

/*
 * Two inner addresses for three interfaces: IKE_AUTH's Child SA and the
 * others ask for both, as without per_interface.
 */
static void fig1_fewer_addresses(void **state)
{
	struct world *w = world_make(true, true, KERNEL_MODE_TUNNEL, 2);
	struct ikesa *a;

	establish(w);
	a = only_sa(w, 0);
	assert_int_equal(a->n_vips, 2);
	assert_int_equal(n_children(a), 3);
	for (int i = 0; i < 3; i++) {
		struct childsa *ca = child_on(a, pairs[i][0], pairs[i][1]);

		assert_non_null(ca);
		assert_int_equal(ca->n_local_ts, 2);
		host_is(&ca->local_ts[0], &a->vips[0]);
		host_is(&ca->local_ts[1], &a->vips[1]);
	}
	test_world_free(w);
}

/*
 * Figure 11: two services (children distinguished by protocol) on each
 * of three interfaces, from one IKE SA: every child on every pair.
 */
static void services_per_interface(void **state)
{
	static struct conn_child svc[2][2];
	static const uint8_t proto[2] = { 1, 6 };	/* ICMP, TCP */
	struct world *w = world_new(true, true, KERNEL_MODE_TUNNEL);
	struct ikesa *a, *b;

	for (int i = 0; i < 2; i++) {
		const struct conn *c = &w->c[i];

		for (int k = 0; k < 2; k++) {
			struct conn_child *t = &svc[i][k];

			memset(t, 0, sizeof(*t));
			t->name = k ? "tcp" : "icmp";
			t->n_esp = c->n_esp;
			memcpy(t->esp, c->esp, sizeof(t->esp));
			t->n_local_ts = c->n_local_ts;
			t->n_remote_ts = c->n_remote_ts;
			memcpy(t->local_ts, c->local_ts, sizeof(t->local_ts));
			memcpy(t->remote_ts, c->remote_ts,
			       sizeof(t->remote_ts));
			t->local_ts[0].ip_proto = proto[k];
			t->remote_ts[0].ip_proto = proto[k];
			t->mode = KERNEL_MODE_TUNNEL;
		}
		w->c[i].children = svc[i];
		w->c[i].n_children = 2;
	}
	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_int_equal(n_children(a), 6);
	assert_int_equal(n_children(b), 6);
	for (int i = 0; i < 3; i++) {
		unsigned int seen = 0;

		for (struct childsa *c = a->children; c; c = c->next) {
			struct ip_addr l = test_ip(pairs[i][0]);

			if (!ip_addr_equal(&c->local, &l))
				continue;
			seen |= 1u << c->tmpl;
			assert_int_equal(c->local_ts[0].ip_proto,
					 proto[c->tmpl]);
			check_kernel(&w->f[0], c);
		}
		/* Both services on this interface's pair. */
		assert_int_equal(seen, 3);
		assert_non_null(child_on(b, pairs[i][1], pairs[i][0]));
	}
	assert_int_equal(live_sas(&w->f[0]), 12);
	assert_int_equal(live_sas(&w->f[1]), 12);
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, ""), 0);
	test_world_free(w);
}

/*
 * Figure 11 with its inner addresses: A asks for three (vips, no
 * local_ts) and has two services, TCP ports 5001 and 5002 on B's side.
 * From one IKE SA, each service on each interface, the Child SA on
 * interface k carrying inner address k and the service's port alone.
 */
static void services_inner_per_interface(void **state)
{
	static struct conn_child svc[2][2];
	struct world *w = world_make(true, true, KERNEL_MODE_TUNNEL, 3);
	struct ikesa *a, *b;

	for (int i = 0; i < 2; i++) {
		const struct conn *c = &w->c[i];

		for (int k = 0; k < 2; k++) {
			struct conn_child *t = &svc[i][k];
			struct ike_selector *mine = i ? t->local_ts :
							t->remote_ts;

			memset(t, 0, sizeof(*t));
			t->name = k ? "t5002" : "t5001";
			t->n_esp = c->n_esp;
			memcpy(t->esp, c->esp, sizeof(t->esp));
			t->n_local_ts = c->n_local_ts;
			t->n_remote_ts = c->n_remote_ts;
			memcpy(t->local_ts, c->local_ts, sizeof(t->local_ts));
			memcpy(t->remote_ts, c->remote_ts,
			       sizeof(t->remote_ts));
			/* The service is B's port. */
			mine[0].ip_proto = 6;
			mine[0].start_port = mine[0].end_port =
				(uint16_t)(5001 + k);
			t->mode = KERNEL_MODE_TUNNEL;
		}
		w->c[i].children = svc[i];
		w->c[i].n_children = 2;
	}
	establish(w);
	a = only_sa(w, 0);
	b = only_sa(w, 1);
	assert_int_equal(a->n_vips, 3);
	assert_int_equal(n_children(a), 6);
	assert_int_equal(n_children(b), 6);
	for (int i = 0; i < 3; i++) {
		unsigned int seen = 0;

		for (struct childsa *c = a->children; c; c = c->next) {
			struct ip_addr l = test_ip(pairs[i][0]);
			struct childsa *cb;

			if (!ip_addr_equal(&c->local, &l))
				continue;
			seen |= 1u << c->tmpl;
			assert_int_equal(c->n_local_ts, 1);
			host_is(&c->local_ts[0], &a->vips[i]);
			assert_int_equal(c->n_remote_ts, 1);
			assert_int_equal(c->remote_ts[0].ip_proto, 6);
			assert_int_equal(c->remote_ts[0].start_port,
					 5001 + c->tmpl);
			assert_int_equal(c->remote_ts[0].end_port,
					 5001 + c->tmpl);
			check_kernel(&w->f[0], c);
			cb = ikesa_find_child(b, c->spi_out, true);
			assert_non_null(cb);
			assert_int_equal(cb->tmpl, c->tmpl);
			assert_true(ip_addr_equal(&cb->local, &c->remote));
			assert_int_equal(cb->n_remote_ts, 1);
			host_is(&cb->remote_ts[0], &a->vips[i]);
			check_kernel(&w->f[1], cb);
		}
		/* Both services on this interface's pair. */
		assert_int_equal(seen, 3);
	}
	assert_int_equal(live_sas(&w->f[0]), 12);
	assert_int_equal(live_sas(&w->f[1]), 12);
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, ""), 0);
	test_world_free(w);
}

/* The peer announced fewer interfaces: the rest face its preferred one. */
static void peer_fewer(void **state)
{
	struct world *w = world_new(true, true, KERNEL_MODE_TUNNEL);

	w->c[1].n_ifaces = 1;	/* B offers eth0 only */
	establish(w);
	assert_int_equal(n_children(only_sa(w, 0)), 3);
	assert_non_null(child_on(only_sa(w, 0), "192.0.2.11",
				 "198.51.100.2"));
	assert_non_null(child_on(only_sa(w, 0), "192.0.2.21",
				 "198.51.100.2"));
	test_world_free(w);
}

/* Figure 2: a peer without MIF; one child on the IKE SA's pair. */
static void fig2_plain(void **state)
{
	struct world *w = world_new(false, true, KERNEL_MODE_TUNNEL);
	struct ikesa *sa;

	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	for (int i = 0; i < 2; i++)
		deliver_next(w, 0);
	/* IKE_AUTH names the first child's path; B ignores it. */
	assert_true(deliver_next_notify(w, only_sa(w, 1),
					IKE_N_MIF_CHILD_PATH, 0));
	assert_false(deliver_next_notify(w, sa, IKE_N_MIF_CHILD_PATH, 0));
	test_settle(w, 0);
	assert_int_equal(n_children(sa), 1);
	assert_non_null(child_on(sa, pairs[0][0], pairs[0][1]));
	check_kernel(&w->f[0], sa->children);
	assert_int_equal(test_logged_at(ENGINE_LOG_INFO, "MIF not negotiated with "
				"198.51.100.2: Child SAs on the IKE SA's "
				"addresses"), 1);
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, ""), 0);
	test_world_free(w);
}

/* mif = no on our side: the same, and no path sent. */
static void fig2_local_off(void **state)
{
	struct world *w = world_new(true, true, KERNEL_MODE_TUNNEL);

	w->c[0].mif = false;
	assert_non_null(engine_initiate(&w->e[0], &w->c[0], 0));
	for (int i = 0; i < 2; i++)
		deliver_next(w, 0);
	assert_false(deliver_next_notify(w, only_sa(w, 1),
					 IKE_N_MIF_CHILD_PATH, 0));
	test_settle(w, 0);
	assert_int_equal(n_children(only_sa(w, 0)), 1);
	assert_int_equal(test_logged_at(ENGINE_LOG_INFO, "MIF not negotiated with "
				"198.51.100.2"), 1);
	test_world_free(w);
}

static size_t path_bytes(uint16_t req_id, const char *req, uint16_t resp_id,
			 const char *resp, uint8_t *out)
{
	struct mif_child_path p = { .req_id = req_id, .resp_id = resp_id };
	struct ip_addr a = test_ip(req), b = test_ip(resp);
	struct ike_writer wr;
	struct ike_error err;
	size_t len;

	p.family = a.family == AF_INET6 ? MIF_AF_IPV6 : MIF_AF_IPV4;
	memcpy(p.req_addr, a.bytes, ip_addr_len(&a));
	memcpy(p.resp_addr, b.bytes, ip_addr_len(&b));
	ike_writer_init(&wr);
	assert_int_equal(mif_child_path_build(&wr, &p, &err), 0);
	len = wr.len;
	memcpy(out, wr.p, len);
	ike_writer_free(&wr);
	return len;
}

struct answer {
	bool refused, echoed;
};

/*
 * A asks B for a Child SA with MIF_CHILD_PATH data of its own (rekey:
 * of that Child SA of A's), and drops what it gets.
 */
static struct answer ask(struct world *w, const uint8_t *data, size_t len,
			 const struct childsa *rekey)
{
	struct ikesa *sa = only_sa(w, 0);
	struct ike_chain *ch = calloc(1, sizeof(*ch));
	struct ike_notify mode, path, rk;
	struct ike_nonce nonce;
	struct ike_error err;
	struct ike_ts tsi, tsr;
	struct ike_sa_payload sap;
	struct childsa *c;
	struct answer ans;
	uint8_t ni[32];
	struct dgram d;

	assert_non_null(ch);
	memset(&sap, 0, sizeof(sap));
	memset(ni, 0x5a, sizeof(ni));
	c = childsa_new(&sa->local, 500, &sa->remote, 500, 77);
	assert_non_null(c);
	assert_int_equal(childsa_alloc_spi(c, &w->f[0].b), 0);
	nonce.data = ni;
	nonce.len = sizeof(ni);
	ike_chain_add(ch, IKE_PL_NONCE, &nonce, &err);
	if (rekey) {
		ikesa_notify(&rk, IKE_N_REKEY_SA, NULL, 0);
		rk.protocol = IKE_PROTO_ESP;
		rk.spi_size = 4;
		for (int i = 0; i < 4; i++)
			rk.spi[i] = (uint8_t)(rekey->spi_in >> (24 - 8 * i));
		ike_chain_add(ch, IKE_PL_NOTIFY, &rk, &err);
	}
	assert_int_equal(child_request_payloads(sa, c, ch, &sap, &tsi, &tsr,
						&mode, 0), 0);
	ikesa_notify(&path, IKE_N_MIF_CHILD_PATH, data, len);
	ike_chain_add(ch, IKE_PL_NOTIFY, &path, &err);
	assert_int_equal(ikesa_request(sa, 100, IKE_EXCH_CREATE_CHILD_SA, ch),
			 0);
	deliver_next(w, 100);
	d = pop(w);
	ans.refused = dgram_has_notify(sa, &d, IKE_N_MIF_UNACCEPTABLE_PATH);
	ans.echoed = dgram_has_notify(sa, &d, IKE_N_MIF_CHILD_PATH);
	deliver(w, &d, 100);
	free(d.buf);
	assert_false(sa->req.active);
	childsa_uninstall(c, &w->e[0]);
	childsa_free(c);
	ike_chain_free(ch);
	ike_sa_payload_free(&sap);
	free(ch);
	return ans;
}

/* Refused: nothing installed or reserved at B, nothing else touched. */
static void refused(struct world *w, const uint8_t *data, size_t len,
		    const char *why)
{
	struct ikesa *b = only_sa(w, 1);
	unsigned int kids = n_children(b), allocs = live_allocs(&w->f[1]);
	unsigned int sas = live_sas(&w->f[1]), pols = live_pols(&w->f[1]);
	unsigned int before = test_logged_at(ENGINE_LOG_WARNING, why);
	struct answer a = ask(w, data, len, NULL);

	assert_true(a.refused);
	assert_false(a.echoed);
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	assert_ptr_equal(only_sa(w, 1), b);
	assert_int_equal(n_children(b), kids);
	assert_int_equal(live_allocs(&w->f[1]), allocs);
	assert_int_equal(live_sas(&w->f[1]), sas);
	assert_int_equal(live_pols(&w->f[1]), pols);
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, why), before + 1);
}

static void responder_rules(void **state)
{
	struct world *w = world_new(true, false, KERNEL_MODE_TUNNEL);
	uint16_t a0, a1, a2, wl, b0, b1, b3;
	uint8_t buf[64];
	struct answer ans;
	size_t n;

	establish(w);
	assert_int_equal(n_children(only_sa(w, 1)), 1);
	a0 = id_of(w, 0, 2);
	a1 = id_of(w, 0, 3);
	a2 = id_of(w, 0, 4);
	wl = id_of(w, 0, 5);
	b0 = id_of(w, 1, 7);
	b1 = id_of(w, 1, 8);
	b3 = id_of(w, 1, 10);
	(void)a0;

	/* Malformed (rule 2): the codec's rows. */
	n = path_bytes(a1, "192.0.2.11", b1, "198.51.100.12", buf);
	refused(w, buf, 7, "MIF_CHILD_PATH malformed");
	buf[4] = 3;
	refused(w, buf, n, "MIF_CHILD_PATH malformed");
	buf[4] = MIF_AF_IPV4;
	refused(w, buf, n - 1, "MIF_CHILD_PATH malformed");
	buf[8] = 127;
	refused(w, buf, n, "MIF_CHILD_PATH malformed");
	memcpy(buf + 8, buf + 12, 4);
	refused(w, buf, n, "MIF_CHILD_PATH malformed");
	/* Rule 3: the requester's side. */
	n = path_bytes(999, "192.0.2.11", b1, "198.51.100.12", buf);
	refused(w, buf, n, "requester interface ID not announced");
	n = path_bytes(a1, "192.0.2.21", b1, "198.51.100.12", buf);
	refused(w, buf, n, "requester address not listed");
	n = path_bytes(wl, "203.0.113.5", b1, "198.51.100.12", buf);
	refused(w, buf, n, "requester interface is down");
	n = path_bytes(0, "192.0.2.11", b1, "198.51.100.12", buf);
	refused(w, buf, n, "requester address with ID 0");
	/* Rules 4 and 5: ours. */
	n = path_bytes(a1, "192.0.2.11", 999, "198.51.100.12", buf);
	refused(w, buf, n, "responder interface ID not announced");
	n = path_bytes(a1, "192.0.2.11", b1, "198.51.100.99", buf);
	refused(w, buf, n, "responder address not listed");
	n = path_bytes(a1, "192.0.2.11", b0, "198.51.100.12", buf);
	refused(w, buf, n, "responder address not listed");
	n = path_bytes(a1, "192.0.2.11", 0, "198.51.100.12", buf);
	refused(w, buf, n, "responder address with ID 0");
	/* eth3 is not the connection's: not announced, not accepted. */
	n = path_bytes(a1, "192.0.2.11", b3, "198.51.100.32", buf);
	refused(w, buf, n, "responder interface ID not announced");
	/* B's address gone since it announced it: not current. */
	{
		struct ip_addr gone = test_ip("198.51.100.12");

		assert_int_equal(engine_iface_addr(&w->e[1], 8, &gone, false),
				 0);
		n = path_bytes(a1, "192.0.2.11", b1, "198.51.100.12", buf);
		refused(w, buf, n, "not a current local address");
		assert_int_equal(engine_iface_addr(&w->e[1], 8, &gone, true),
				 0);
	}

	/* A good one: installed on that pair and echoed. */
	n = path_bytes(a2, "192.0.2.21", b1, "198.51.100.12", buf);
	ans = ask(w, buf, n, NULL);
	assert_false(ans.refused);
	assert_true(ans.echoed);
	assert_int_equal(n_children(only_sa(w, 1)), 2);
	{
		struct childsa *c = child_on(only_sa(w, 1), "198.51.100.12",
					     "192.0.2.21");

		assert_non_null(c);
		assert_int_equal(c->local_iface, b1);
		assert_int_equal(c->remote_iface, a2);
		assert_int_equal(c->ifindex, 8);
		check_kernel(&w->f[1], c);
	}
	test_world_free(w);
}

/* Without MIF the responder ignores a path: the IKE SA's pair (rule 1). */
static void ignored_without_mif(void **state)
{
	struct world *w = world_new(false, false, KERNEL_MODE_TUNNEL);
	struct answer ans;
	uint8_t buf[64];
	size_t n;

	establish(w);
	n = path_bytes(3, "192.0.2.11", 4, "198.51.100.12", buf);
	ans = ask(w, buf, n, NULL);
	assert_false(ans.refused);
	assert_false(ans.echoed);
	assert_int_equal(n_children(only_sa(w, 1)), 2);
	assert_non_null(child_on(only_sa(w, 1), pairs[0][1], pairs[0][0]));
	for (struct childsa *c = only_sa(w, 1)->children; c; c = c->next) {
		assert_false(c->has_path);
		assert_true(ip_addr_equal(&c->local, &only_sa(w, 1)->local));
	}
	test_world_free(w);
}

/* A path in a rekey is ignored: the new SA keeps the old one's pair. */
static void rekey_ignores_path(void **state)
{
	struct world *w = world_new(true, true, KERNEL_MODE_TUNNEL);
	struct childsa *old, *c;
	struct answer ans;
	uint8_t buf[64];
	size_t n;

	establish(w);
	old = child_on(only_sa(w, 0), pairs[1][0], pairs[1][1]);
	assert_non_null(old);
	n = path_bytes(id_of(w, 0, 4), "192.0.2.21", id_of(w, 1, 9),
		       "198.51.100.22", buf);
	ans = ask(w, buf, n, old);
	assert_false(ans.refused);
	assert_false(ans.echoed);
	/* B's new SA for old's traffic is on old's pair. */
	c = only_sa(w, 1)->children;
	assert_non_null(c);
	assert_true(ip_addr_equal(&c->local, &old->remote));
	assert_true(ip_addr_equal(&c->remote, &old->local));
	test_world_free(w);
}

/* Our own rekeys, either side: the pair is kept, and not named. */
static void rekey_keeps_pair(void **state)
{
	struct world *w = world_new(true, true, KERNEL_MODE_TUNNEL);

	establish(w);
	for (int side = 0; side < 2; side++) {
		struct ikesa *sa = only_sa(w, side);
		const char *l = pairs[2][side], *r = pairs[2][!side];
		struct childsa *old = child_on(sa, l, r);
		uint32_t spi = old->spi_in;

		assert_int_equal(engine_rekey_child(&w->e[side], sa, old, 10),
				 0);
		assert_false(deliver_next_notify(w, only_sa(w, !side),
						 IKE_N_MIF_CHILD_PATH, 10));
		pump(w, 10);
		test_settle(w, 10);
		assert_int_equal(n_children(only_sa(w, 0)), 3);
		assert_int_equal(n_children(only_sa(w, 1)), 3);
		old = child_on(sa, l, r);
		assert_non_null(old);
		assert_int_not_equal(old->spi_in, spi);
		assert_int_equal(old->ifindex, side ? 9 : 4);
		check_kernel(&w->f[side], old);
	}
	test_world_free(w);
}

/* MIF_UNACCEPTABLE_PATH: A logs it, releases its SPI, drops the child. */
static void requester_refused(void **state)
{
	struct world *w = world_new(true, false, KERNEL_MODE_TUNNEL);
	struct mif_place p;
	unsigned int allocs;

	establish(w);
	memset(&p, 0, sizeof(p));
	p.local = test_ip("192.0.2.11");
	p.remote = test_ip("198.51.100.99");
	p.local_id = id_of(w, 0, 3);
	p.remote_id = id_of(w, 1, 8);
	p.ifindex = 3;
	allocs = live_allocs(&w->f[0]);
	assert_int_equal(create_child_sa_new(only_sa(w, 0), 0, &p, 10), 0);
	pump(w, 10);
	assert_int_equal(n_children(only_sa(w, 0)), 1);
	assert_int_equal(n_children(only_sa(w, 1)), 1);
	assert_int_equal(live_allocs(&w->f[0]), allocs);
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, "refused: received "
				"MIF_UNACCEPTABLE_PATH"), 1);
	test_world_free(w);
}

/* The echo, as the requester checks it. */
static uint16_t answer_with(struct ikesa *sa, struct childsa *c,
			    const uint8_t *data, size_t len)
{
	struct ike_chain ch;
	struct ike_notify n;
	struct ike_error err;
	uint16_t r;

	memset(&ch, 0, sizeof(ch));
	if (data) {
		ikesa_notify(&n, IKE_N_MIF_CHILD_PATH, data, len);
		ike_chain_add(&ch, IKE_PL_NOTIFY, &n, &err);
	}
	r = mif_path_response(sa, c, &ch);
	ike_chain_free(&ch);
	return r;
}

static void echo_checked(void **state)
{
	struct world *w = world_new(true, false, KERNEL_MODE_TUNNEL);
	struct ikesa *sa;
	struct childsa *c;
	struct mif_place p;
	uint8_t buf[64];
	size_t n;

	establish(w);
	sa = only_sa(w, 0);
	c = childsa_new(&sa->local, 500, &sa->remote, 500, 5);
	assert_non_null(c);
	memset(&p, 0, sizeof(p));
	p.local = test_ip("192.0.2.11");
	p.remote = test_ip("198.51.100.12");
	p.local_id = id_of(w, 0, 3);
	p.remote_id = id_of(w, 1, 8);
	mif_path_bind(sa, c, &p);
	/* Equal: taken. */
	n = path_bytes(p.local_id, "192.0.2.11", p.remote_id, "198.51.100.12",
		       buf);
	assert_int_equal(answer_with(sa, c, buf, n), 0);
	assert_true(ip_addr_equal(&c->remote, &p.remote));
	/* Another one, a malformed one, none: deleted. */
	n = path_bytes(p.local_id, "192.0.2.11", p.remote_id, "198.51.100.22",
		       buf);
	assert_int_equal(answer_with(sa, c, buf, n), IKE_N_INVALID_SYNTAX);
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, "is not the one sent"), 1);
	assert_int_equal(answer_with(sa, c, buf, 7), IKE_N_INVALID_SYNTAX);
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, "malformed"), 1);
	assert_int_equal(answer_with(sa, c, NULL, 0), IKE_N_INVALID_SYNTAX);
	assert_int_equal(test_logged_at(ENGINE_LOG_WARNING, "its SPI is for "
				"192.0.2.11"), 1);
	/* No echo for a child on our IKE SA address: on the IKE SA's pair. */
	mif_path_auth_bind(sa, c);
	c->local = sa->local;
	assert_int_equal(answer_with(sa, c, NULL, 0), 0);
	assert_true(ip_addr_equal(&c->remote, &sa->remote));
	assert_false(c->has_path);
	childsa_free(c);
	test_world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(three_tunnels),
		cmocka_unit_test(three_transport),
		cmocka_unit_test(services_per_interface),
		cmocka_unit_test(services_inner_per_interface),
		cmocka_unit_test(fig1_inner_per_interface),
		cmocka_unit_test(fig1_fewer_addresses),
		cmocka_unit_test(peer_fewer),
		cmocka_unit_test(fig2_plain),
		cmocka_unit_test(fig2_local_off),
		cmocka_unit_test(responder_rules),
		cmocka_unit_test(ignored_without_mif),
		cmocka_unit_test(rekey_ignores_path),
		cmocka_unit_test(rekey_keeps_pair),
		cmocka_unit_test(requester_refused),
		cmocka_unit_test(echo_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
