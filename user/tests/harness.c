// SPDX-License-Identifier: GPL-2.0
/*
 * The engine tests' harness: see harness.h.
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
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

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
#include "backend/backend.h"
#include "harness.h"

static int fake_alloc_spi(struct backend *b, const struct ip_addr *src,
			  const struct ip_addr *dst, uint32_t reqid,
			  uint32_t *spi)
{
	struct fake *f = b->priv;

	assert_true(f->n_alloc < FAKE_MAX);
	*spi = f->next_spi++;
	f->allocs[f->n_alloc] = *spi;
	f->alloc_dst[f->n_alloc] = *dst;
	f->alloc_live[f->n_alloc++] = true;
	return 0;
}

static int fake_add_sa(struct backend *b, const struct kernel_sa *sa)
{
	struct fake *f = b->priv;

	assert_true(f->n_sas < FAKE_MAX);
	f->sas[f->n_sas] = *sa;
	f->sa_live[f->n_sas++] = true;
	f->n_add_sa++;
	return 0;
}

/* XFRM_MSG_UPDSA in place: the live SA of dst and SPI takes the ports. */
static int fake_update_sa(struct backend *b, const struct kernel_sa *sa)
{
	struct fake *f = b->priv;

	for (unsigned int i = 0; i < f->n_sas; i++)
		if (f->sa_live[i] && f->sas[i].spi == sa->spi &&
		    ip_addr_equal(&f->sas[i].dst, &sa->dst)) {
			if (!f->sas[i].encap_sport)
				return -EINVAL;
			f->sas[i].encap_sport = sa->encap_sport;
			f->sas[i].encap_dport = sa->encap_dport;
			f->n_update_sa++;
			return 0;
		}
	return -ESRCH;
}

static int fake_del_sa(struct backend *b, const struct ip_addr *dst,
		       uint32_t spi, uint32_t mark, uint32_t mask)
{
	struct fake *f = b->priv;

	f->n_del_sa++;
	for (unsigned int i = 0; i < f->n_alloc; i++)
		if (f->allocs[i] == spi)
			f->alloc_live[i] = false;
	for (unsigned int i = 0; i < f->n_sas; i++)
		if (f->sa_live[i] && f->sas[i].spi == spi &&
		    ip_addr_equal(&f->sas[i].dst, dst)) {
			f->sa_live[i] = false;
			return 0;
		}
	return -ESRCH;
}

/* A live SA by dst and SPI, as XFRM finds one: no counters kept. */
static int fake_sa_stats(struct backend *b, const struct ip_addr *dst,
			 uint32_t spi, uint32_t mark, uint32_t mask,
			 struct kernel_sa_stats *st)
{
	struct fake *f = b->priv;

	for (unsigned int i = 0; i < f->n_sas; i++)
		if (f->sa_live[i] && f->sas[i].spi == spi &&
		    ip_addr_equal(&f->sas[i].dst, dst)) {
			memset(st, 0, sizeof(*st));
			return 0;
		}
	return -ESRCH;
}

bool fake_sel_equal(const struct kernel_sel *a, const struct kernel_sel *b)
{
	return ip_addr_equal(&a->src, &b->src) &&
	       ip_addr_equal(&a->dst, &b->dst) &&
	       a->src_len == b->src_len && a->dst_len == b->dst_len &&
	       a->proto == b->proto &&
	       (a->sport & a->sport_mask) == (b->sport & b->sport_mask) &&
	       a->sport_mask == b->sport_mask &&
	       (a->dport & a->dport_mask) == (b->dport & b->dport_mask) &&
	       a->dport_mask == b->dport_mask;
}

static uint32_t mark_mask(const struct kernel_policy *p)
{
	return p->mark && !p->mark_mask ? 0xffffffffu : p->mark_mask;
}

/* As XFRM finds a policy: selector, direction, mark, if_id. */
static bool same_key(const struct kernel_policy *a,
		     const struct kernel_policy *b)
{
	return fake_sel_equal(&a->sel, &b->sel) && a->dir == b->dir &&
	       a->mark == b->mark && mark_mask(a) == mark_mask(b) &&
	       a->if_id == b->if_id;
}

static int live_policy(const struct fake *f, const struct kernel_policy *p)
{
	for (unsigned int i = 0; i < f->n_pols; i++)
		if (f->pol_live[i] && same_key(&f->pols[i], p))
			return (int)i;
	return -1;
}

/* XFRM_MSG_UPDPOLICY: replace the policy of the same key, else add. */
static int fake_add_policy(struct backend *b, const struct kernel_policy *p)
{
	struct fake *f = b->priv;
	int i = live_policy(f, p);

	if (f->fail_add_pol)
		return f->fail_add_pol;
	f->n_add_pol++;
	if (i >= 0) {
		f->pols[i] = *p;
		f->n_upd_pol++;
		return 0;
	}
	assert_true(f->n_pols < FAKE_MAX);
	f->pols[f->n_pols] = *p;
	f->pol_live[f->n_pols++] = true;
	return 0;
}

/* XFRM_MSG_DELPOLICY: by key, whatever the template. */
static int fake_del_policy(struct backend *b, const struct kernel_policy *p)
{
	struct fake *f = b->priv;
	int i = live_policy(f, p);

	f->n_del_pol++;
	if (i < 0)
		return -ENOENT;
	f->pol_live[i] = false;
	return 0;
}

const struct kernel_policy *fake_policy(const struct fake *f,
					const struct kernel_sel *sel,
					enum kernel_dir dir)
{
	for (unsigned int i = 0; i < f->n_pols; i++)
		if (f->pol_live[i] && f->pols[i].dir == dir &&
		    fake_sel_equal(&f->pols[i].sel, sel))
			return &f->pols[i];
	return NULL;
}

bool fake_points_at(const struct fake *f, const struct childsa *c)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < f->n_pols; i++) {
		const struct kernel_policy *p = &f->pols[i];
		bool out = p->dir == KERNEL_DIR_OUT;

		if (!f->pol_live[i])
			continue;
		n++;
		if (p->reqid != c->reqid || p->mode != c->mode)
			return false;
		if (c->mode == KERNEL_MODE_TUNNEL &&
		    (!ip_addr_equal(&p->tmpl_src, out ? &c->local : &c->remote) ||
		     !ip_addr_equal(&p->tmpl_dst, out ? &c->remote : &c->local)))
			return false;
	}
	return n > 0;
}

/*
 * The interface-wide operations, as the module does them (docs/netlink.md,
 * "What an address binds"), on the fake's tables; marks and if_ids are not
 * modelled.
 */
static bool in_scope(uint32_t reqid, const struct kernel_scope *s)
{
	return (reqid & s->reqid_mask) == (s->reqid & s->reqid_mask);
}

static bool host_is(const struct ip_addr *a, uint8_t len, const struct ip_addr *x)
{
	return len == (x->family == AF_INET ? 32 : 128) && ip_addr_equal(a, x);
}

static bool sa_bound(const struct kernel_sa *sa, const struct ip_addr *a)
{
	return ip_addr_equal(&sa->src, a) || ip_addr_equal(&sa->dst, a) ||
	       (sa->mode == KERNEL_MODE_TRANSPORT && sa->has_sel &&
		(host_is(&sa->sel.src, sa->sel.src_len, a) ||
		 host_is(&sa->sel.dst, sa->sel.dst_len, a)));
}

static bool pol_bound(const struct kernel_policy *p, const struct ip_addr *a)
{
	if (p->mode == KERNEL_MODE_TUNNEL)
		return ip_addr_equal(&p->tmpl_src, a) ||
		       ip_addr_equal(&p->tmpl_dst, a);
	return host_is(&p->sel.src, p->sel.src_len, a) ||
	       host_is(&p->sel.dst, p->sel.dst_len, a);
}

static void swap_addr(struct ip_addr *x, const struct ip_addr *from,
		      const struct ip_addr *to)
{
	if (to && to->family && ip_addr_equal(x, from))
		*x = *to;
}

/* A moved SA's UDP encapsulation, as the module's rewrite sets it. */
static void move_encap(struct kernel_sa *sa, const struct kernel_move *m,
		       bool out)
{
	if (m->encap_off) {
		sa->encap_sport = sa->encap_dport = 0;
		return;
	}
	if (!sa->encap_sport && !(m->encap_port && m->encap_peer_port))
		return;
	if (m->encap_port)
		*(out ? &sa->encap_sport : &sa->encap_dport) = m->encap_port;
	if (m->encap_peer_port)
		*(out ? &sa->encap_dport : &sa->encap_sport) =
			m->encap_peer_port;
}

static int fake_move_addr(struct backend *b, const struct kernel_move *m,
			  const struct kernel_scope *s,
			  struct kernel_iface_result *r)
{
	struct fake *f = b->priv;

	memset(r, 0, sizeof(*r));
	f->n_move++;
	f->last_move = *m;
	if (m->old.family != m->new.family || ip_addr_equal(&m->old, &m->new))
		return -EINVAL;
	for (unsigned int i = 0; i < f->n_sas; i++) {
		struct kernel_sa *sa = &f->sas[i];

		if (!f->sa_live[i] || !in_scope(sa->reqid, s) ||
		    !sa_bound(sa, &m->old))
			continue;
		move_encap(sa, m, ip_addr_equal(&sa->src, &m->old));
		swap_addr(&sa->src, &m->old, &m->new);
		swap_addr(&sa->dst, &m->old, &m->new);
		if (sa->mode == KERNEL_MODE_TRANSPORT) {
			swap_addr(&sa->sel.src, &m->old, &m->new);
			swap_addr(&sa->sel.dst, &m->old, &m->new);
		}
		r->states++;
	}
	for (unsigned int i = 0; i < f->n_pols; i++) {
		struct kernel_policy *p = &f->pols[i];

		if (!f->pol_live[i] || !in_scope(p->reqid, s) ||
		    !pol_bound(p, &m->old))
			continue;
		swap_addr(&p->tmpl_src, &m->old, &m->new);
		swap_addr(&p->tmpl_dst, &m->old, &m->new);
		if (p->mode == KERNEL_MODE_TRANSPORT) {
			swap_addr(&p->sel.src, &m->old, &m->new);
			swap_addr(&p->sel.dst, &m->old, &m->new);
		}
		r->policies++;
	}
	return 0;
}

static int fake_delete_addr(struct backend *b, const struct ip_addr *a,
			    const struct kernel_scope *s,
			    struct kernel_iface_result *r)
{
	struct fake *f = b->priv;

	memset(r, 0, sizeof(*r));
	f->n_delete++;
	for (unsigned int i = 0; i < f->n_pols; i++)
		if (f->pol_live[i] && in_scope(f->pols[i].reqid, s) &&
		    pol_bound(&f->pols[i], a)) {
			f->pol_live[i] = false;
			r->policies++;
		}
	for (unsigned int i = 0; i < f->n_sas; i++)
		if (f->sa_live[i] && in_scope(f->sas[i].reqid, s) &&
		    sa_bound(&f->sas[i], a)) {
			f->sa_live[i] = false;
			r->states++;
		}
	return 0;
}

/* The clone entry for the live SA i, or NULL. */
static const struct kernel_clone_sa *clone_entry(const struct kernel_clone *c,
						 const struct kernel_sa *sa)
{
	for (unsigned int j = 0; j < c->n_sas; j++)
		if (c->sas[j].spi == sa->spi &&
		    (!c->sas[j].dst.family ||
		     ip_addr_equal(&c->sas[j].dst, &sa->dst)))
			return &c->sas[j];
	return NULL;
}

/* Which from address sa (or p) is bound to first; -1: none. */
static int first_from(const struct kernel_clone *c, const struct kernel_sa *sa,
		      const struct kernel_policy *p)
{
	for (unsigned int k = 0; k < c->n_from; k++)
		if (sa ? sa_bound(sa, &c->from[k]) : pol_bound(p, &c->from[k]))
			return (int)k;
	return -1;
}

static int fake_clone_addr(struct backend *b, const struct kernel_clone *c,
			   const struct kernel_scope *s,
			   struct kernel_iface_result *r)
{
	struct fake *f = b->priv;
	unsigned int n_sas = f->n_sas, n_pols = f->n_pols, used = 0;

	memset(r, 0, sizeof(*r));
	f->n_clone++;
	/* Check first: every bound SA has its entry, every entry its SA. */
	for (unsigned int i = 0; i < n_sas; i++) {
		if (!f->sa_live[i] || !in_scope(f->sas[i].reqid, s) ||
		    first_from(c, &f->sas[i], NULL) < 0)
			continue;
		if (!clone_entry(c, &f->sas[i]))
			return -ENOENT;
		used++;
	}
	if (used != c->n_sas)
		return -ENOENT;
	for (unsigned int i = 0; i < n_sas; i++) {
		const struct kernel_clone_sa *e;
		struct kernel_sa cp;
		int k;

		if (!f->sa_live[i] || !in_scope(f->sas[i].reqid, s))
			continue;
		k = first_from(c, &f->sas[i], NULL);
		if (k < 0)
			continue;
		e = clone_entry(c, &f->sas[i]);
		cp = f->sas[i];
		swap_addr(&cp.src, &c->from[k], &c->new_addr);
		swap_addr(&cp.dst, &c->from[k], &c->new_addr);
		if (c->new_peer.family) {
			if (!ip_addr_equal(&cp.src, &c->new_addr))
				cp.src = c->new_peer;
			else
				cp.dst = c->new_peer;
		}
		cp.spi = e->new_spi;
		memcpy(cp.encr_key, e->encr_key, e->encr_key_len);
		cp.encr_key_len = e->encr_key_len;
		memcpy(cp.integ_key, e->integ_key, e->integ_key_len);
		cp.integ_key_len = e->integ_key_len;
		assert_true(f->n_sas < FAKE_MAX);
		f->sas[f->n_sas] = cp;
		f->sa_live[f->n_sas++] = true;
		r->states++;
	}
	for (unsigned int i = 0; i < n_pols; i++) {
		struct kernel_policy cp;
		bool out;
		int k;

		if (!f->pol_live[i] || !in_scope(f->pols[i].reqid, s))
			continue;
		k = first_from(c, NULL, &f->pols[i]);
		if (k < 0)
			continue;
		cp = f->pols[i];
		out = ip_addr_equal(&cp.tmpl_src, &c->from[k]);
		if (cp.mode == KERNEL_MODE_TUNNEL) {
			swap_addr(&cp.tmpl_src, &c->from[k], &c->new_addr);
			swap_addr(&cp.tmpl_dst, &c->from[k], &c->new_addr);
			if (c->new_peer.family)
				*(out ? &cp.tmpl_dst : &cp.tmpl_src) = c->new_peer;
			if (c->new_inner.family)
				*(out ? &cp.sel.src : &cp.sel.dst) = c->new_inner;
			if (c->new_peer_inner.family)
				*(out ? &cp.sel.dst : &cp.sel.src) = c->new_peer_inner;
		} else {
			swap_addr(&cp.sel.src, &c->from[k], &c->new_addr);
			swap_addr(&cp.sel.dst, &c->from[k], &c->new_addr);
		}
		if (live_policy(f, &cp) >= 0) {
			r->skipped++;
			continue;
		}
		assert_true(f->n_pols < FAKE_MAX);
		f->pols[f->n_pols] = cp;
		f->pol_live[f->n_pols++] = true;
		r->policies++;
	}
	return 0;
}

static int fake_set_alts(struct backend *b, const struct ip_addr *a,
			 const struct ip_addr *alts, unsigned int n,
			 const struct kernel_scope *s)
{
	struct fake *f = b->priv;

	if (n > FAKE_MAX_ALTS)
		return -E2BIG;
	f->n_set_alts++;
	f->alts_of = *a;
	f->alts_scope = *s;
	memcpy(f->alts, alts, n * sizeof(*alts));
	f->n_alts = n;
	return 0;
}

const struct backend_ops fake_ops = {
	.alloc_spi = fake_alloc_spi,
	.add_sa = fake_add_sa,
	.update_sa = fake_update_sa,
	.del_sa = fake_del_sa,
	.sa_stats = fake_sa_stats,
	.add_policy = fake_add_policy,
	.del_policy = fake_del_policy,
	.move_addr = fake_move_addr,
	.delete_addr = fake_delete_addr,
	.clone_addr = fake_clone_addr,
	.set_alts = fake_set_alts,
};

unsigned int live_sas(const struct fake *f)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < f->n_sas; i++)
		n += f->sa_live[i];
	return n;
}

unsigned int live_pols(const struct fake *f)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < f->n_pols; i++)
		n += f->pol_live[i];
	return n;
}

unsigned int live_allocs(const struct fake *f)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < f->n_alloc; i++)
		n += f->alloc_live[i];
	return n;
}

/* In-memory network. */

void net_send(void *ctx, const struct ip_addr *local, uint16_t lport,
		     const struct ip_addr *remote, uint16_t rport,
		     const uint8_t *buf, size_t len)
{
	struct peer *p = ctx;
	struct world *w = p->w;

	assert_true(w->n < NET_MAX);
	if (!w->any_addr) {
		assert_true(ip_addr_equal(local, &w->c[p->id].local));
		assert_true(ip_addr_equal(remote, &w->c[p->id].remote));
	}
	w->q[w->n].src = *local;
	w->q[w->n].dst = *remote;
	w->q[w->n].from = p->id;
	w->q[w->n].buf = malloc(len);
	assert_non_null(w->q[w->n].buf);
	memcpy(w->q[w->n].buf, buf, len);
	w->q[w->n].len = len;
	w->q[w->n].lport = lport;
	w->q[w->n].rport = rport;
	w->n++;
	w->sent++;
}

/* Take the oldest datagram off the network. */
struct dgram pop(struct world *w)
{
	struct dgram d;

	assert_true(w->n > 0);
	d = w->q[0];
	memmove(w->q, w->q + 1, (w->n - 1) * sizeof(w->q[0]));
	w->n--;
	return d;
}

/* The NAT's port for A's port lport; 0: none. */
static uint16_t nat_out(const struct world_nat *n, uint16_t lport)
{
	return lport == 500 ? n->port[0] : lport == 4500 ? n->port[1] : 0;
}

/* A's port behind the NAT's port; 0: no mapping. */
static uint16_t nat_in(const struct world_nat *n, uint16_t port)
{
	return port == n->port[0] ? 500 : port == n->port[1] ? 4500 : 0;
}

void deliver(struct world *w, const struct dgram *d, uint64_t now)
{
	int to = !d->from;
	uint16_t lport = d->rport ? d->rport : w->c[to].local_port;
	uint16_t rport = d->lport ? d->lport : w->c[to].remote_port;

	if (w->nat.on && d->from == 0)
		rport = nat_out(&w->nat, rport);
	else if (w->nat.on)
		lport = nat_in(&w->nat, lport);
	if (!lport || !rport)
		return;
	if (w->any_addr && w->unreachable.family &&
	    ip_addr_equal(&d->dst, &w->unreachable))
		return;
	if (w->any_addr && !w->nat.on &&
	    (!ip_addr_equal(&d->src, &w->c[d->from].local) ||
	     !ip_addr_equal(&d->dst, &w->c[d->from].remote))) {
		engine_input(&w->e[to], now, &d->dst, lport, &d->src, rport,
			     d->buf, d->len);
		return;
	}
	engine_input(&w->e[to], now, &w->c[to].local, lport,
		     &w->c[to].remote, rport, d->buf, d->len);
}

void deliver_next(struct world *w, uint64_t now)
{
	struct dgram d = pop(w);

	deliver(w, &d, now);
	free(d.buf);
}

bool deliver_next_notify(struct world *w, struct ikesa *sa, uint16_t type,
			 uint64_t now)
{
	struct dgram d = pop(w);
	/* Before delivery, which may free sa. */
	bool found = dgram_has_notify(sa, &d, type);

	deliver(w, &d, now);
	free(d.buf);
	return found;
}

/* Deliver until the network is quiet. */
void pump(struct world *w, uint64_t now)
{
	for (int i = 0; i < 100 && w->n; i++)
		deliver_next(w, now);
	assert_int_equal(w->n, 0);
}

void test_settle(struct world *w, uint64_t now)
{
	for (int i = 0; i < 64; i++) {
		unsigned int sent = w->sent;

		engine_tick(&w->e[0], now);
		engine_tick(&w->e[1], now);
		pump(w, now);
		if (w->sent == sent)
			return;
	}
	fail_msg("the engines do not settle");
}

void drop_all(struct world *w)
{
	while (w->n) {
		struct dgram d = pop(w);

		free(d.buf);
	}
}

bool dgram_has_notify(struct ikesa *sa, const struct dgram *d,
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

bool plain_has_notify(const struct dgram *d, uint16_t type)
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

struct ikesa *only_sa(struct world *w, int side)
{
	struct ikesa *sa = w->e[side].sas;

	assert_non_null(sa);
	assert_null(sa->next);
	return sa;
}

unsigned int n_children(const struct ikesa *sa)
{
	unsigned int n = 0;

	for (const struct childsa *c = sa->children; c; c = c->next)
		n++;
	return n;
}

/* Configuration. */

void xf(struct conn_proposal *p, uint8_t type, uint16_t id,
	       uint16_t bits)
{
	p->xf[p->n].type = type;
	p->xf[p->n].id = id;
	p->xf[p->n].key_len = bits;
	p->n++;
}

void sel4(struct ike_selector *s, const char *start, const char *end)
{
	struct ip_addr a, b;

	memset(s, 0, sizeof(*s));
	assert_int_equal(ip_addr_parse(start, &a), 0);
	assert_int_equal(ip_addr_parse(end, &b), 0);
	s->type = IKE_TS_IPV4_ADDR_RANGE;
	s->end_port = 65535;
	memcpy(s->start, a.bytes, 4);
	memcpy(s->end, b.bytes, 4);
}

void set_id(struct conn_id *id, const char *fqdn)
{
	id->type = IKE_ID_FQDN;
	id->len = strlen(fqdn);
	memcpy(id->data, fqdn, id->len);
}

void set_ike(struct conn *c, uint16_t group, bool gcm)
{
	struct conn_proposal *p = &c->ike[0];

	memset(p, 0, sizeof(*p));
	c->n_ike = 1;
	if (gcm) {
		xf(p, IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 256);
	} else {
		xf(p, IKE_XF_ENCR, IKE_ENCR_AES_CBC, 256);
		xf(p, IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0);
	}
	xf(p, IKE_XF_PRF, IKE_PRF_HMAC_SHA2_256, 0);
	xf(p, IKE_XF_DH, group, 0);
}

void set_esp(struct conn *c, bool gcm)
{
	struct conn_proposal *p = &c->esp[0];

	memset(p, 0, sizeof(*p));
	c->n_esp = 1;
	if (gcm) {
		xf(p, IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 256);
	} else {
		xf(p, IKE_XF_ENCR, IKE_ENCR_AES_CBC, 128);
		xf(p, IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0);
	}
	xf(p, IKE_XF_ESN, IKE_ESN_NO, 0);
}

void make_conn(struct conn *c, int side, uint16_t group, bool gcm)
{
	const char *addr[2] = { "192.0.2.1", "198.51.100.2" };
	const char *name[2] = { "a.example", "b.example" };
	const char *net_lo[2] = { "10.1.0.0", "10.2.0.0" };
	const char *net_hi[2] = { "10.1.255.255", "10.2.255.255" };

	memset(c, 0, sizeof(*c));
	c->name = name[side];
	assert_int_equal(ip_addr_parse(addr[side], &c->local), 0);
	assert_int_equal(ip_addr_parse(addr[!side], &c->remote), 0);
	c->local_port = c->remote_port = 500;
	set_id(&c->local_id, name[side]);
	set_id(&c->remote_id, name[!side]);
	memcpy(c->psk, "correct horse battery staple", 28);
	c->psk_len = 28;
	set_ike(c, group, gcm);
	set_esp(c, gcm);
	c->n_local_ts = c->n_remote_ts = 1;
	sel4(&c->local_ts[0], net_lo[side], net_hi[side]);
	sel4(&c->remote_ts[0], net_lo[!side], net_hi[!side]);
	c->mode = KERNEL_MODE_TUNNEL;
	c->child_lifetime_s = 3600;
	c->retrans_base_ms = 1000;
	c->retrans_tries = 3;
	c->alt_after = 2;
}

/* Certificates. */

#define CERTS_PATH	160

static struct {
	char dir[64];
	char ca_dir[CERTS_PATH];
} certs;

static void certs_path(char *out, const char *name)
{
	int n = snprintf(out, CERTS_PATH, "%s/%s", certs.dir, name);

	assert_true(n > 0 && n < CERTS_PATH);
}

static void certs_write(const char *name, const gnutls_datum_t *d)
{
	char path[CERTS_PATH];
	FILE *f;

	certs_path(path, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(d->data, 1, d->size, f), d->size);
	assert_int_equal(fclose(f), 0);
}

static gnutls_x509_privkey_t certs_key(void)
{
	const unsigned int bits =
		GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1);
	gnutls_x509_privkey_t k;

	assert_int_equal(gnutls_x509_privkey_init(&k), 0);
	assert_int_equal(gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA,
						      bits, 0), 0);
	return k;
}

/* A CA (dns NULL, self-signed) or an end entity with a dNSName. */
static gnutls_x509_crt_t certs_cert(gnutls_x509_privkey_t key,
				    const char *dns, gnutls_x509_crt_t ca,
				    gnutls_x509_privkey_t ca_key,
				    uint8_t serial)
{
	const time_t now = time(NULL), day = 86400;
	uint8_t sn[2] = { 0x20, serial };
	gnutls_x509_crt_t c;
	const char *err;
	char dn[128];

	snprintf(dn, sizeof(dn), "CN=%s,O=mif test",
		 dns ? dns : "mif engine test CA");
	assert_int_equal(gnutls_x509_crt_init(&c), 0);
	assert_int_equal(gnutls_x509_crt_set_version(c, 3), 0);
	assert_int_equal(gnutls_x509_crt_set_serial(c, sn, sizeof(sn)), 0);
	assert_int_equal(gnutls_x509_crt_set_activation_time(c, now - day),
			 0);
	assert_int_equal(gnutls_x509_crt_set_expiration_time(c,
							     now + 30 * day),
			 0);
	assert_int_equal(gnutls_x509_crt_set_dn(c, dn, &err), 0);
	assert_int_equal(gnutls_x509_crt_set_key(c, key), 0);
	assert_int_equal(gnutls_x509_crt_set_basic_constraints(c, !dns, -1),
			 0);
	assert_int_equal(gnutls_x509_crt_set_key_usage(c, dns ?
			GNUTLS_KEY_DIGITAL_SIGNATURE :
			GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN), 0);
	if (dns)
		assert_int_equal(gnutls_x509_crt_set_subject_alt_name(c,
				GNUTLS_SAN_DNSNAME, dns,
				(unsigned int)strlen(dns),
				GNUTLS_FSAN_APPEND), 0);
	assert_int_equal(gnutls_x509_crt_sign2(c, ca ? ca : c,
					       ca ? ca_key : key,
					       GNUTLS_DIG_SHA256, 0), 0);
	return c;
}

static void certs_write_crt(const char *name, gnutls_x509_crt_t c)
{
	gnutls_datum_t d;

	assert_int_equal(gnutls_x509_crt_export2(c, GNUTLS_X509_FMT_PEM, &d),
			 0);
	certs_write(name, &d);
	gnutls_free(d.data);
}

static void certs_write_key(const char *name, gnutls_x509_privkey_t k)
{
	gnutls_datum_t d;

	assert_int_equal(gnutls_x509_privkey_export2_pkcs8(k,
				GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN,
				&d), 0);
	certs_write(name, &d);
	gnutls_memset(d.data, 0, d.size);
	gnutls_free(d.data);
}

void certs_make(void)
{
	static const char *const dns[2] = { "a.example", "b.example" };
	static const char *const crt[2] = { "a.pem", "b.pem" };
	static const char *const key[2] = { "a.key", "b.key" };
	gnutls_x509_privkey_t ca_key, k;
	gnutls_x509_crt_t ca, c;

	strcpy(certs.dir, "/tmp/mif-test-certs-XXXXXX");
	assert_non_null(mkdtemp(certs.dir));
	certs_path(certs.ca_dir, "ca");
	assert_int_equal(mkdir(certs.ca_dir, 0700), 0);
	ca_key = certs_key();
	ca = certs_cert(ca_key, NULL, NULL, NULL, 1);
	certs_write_crt("ca/ca.pem", ca);
	for (int side = 0; side < 2; side++) {
		k = certs_key();
		c = certs_cert(k, dns[side], ca, ca_key, (uint8_t)(2 + side));
		certs_write_crt(crt[side], c);
		certs_write_key(key[side], k);
		gnutls_x509_crt_deinit(c);
		gnutls_x509_privkey_deinit(k);
	}
	gnutls_x509_crt_deinit(ca);
	gnutls_x509_privkey_deinit(ca_key);
}

struct sig_creds *certs_load(int side)
{
	char crt[CERTS_PATH], key[CERTS_PATH];
	struct sig_creds *c;

	certs_path(crt, side ? "b.pem" : "a.pem");
	certs_path(key, side ? "b.key" : "a.key");
	assert_int_equal(sig_creds_load(&c, crt, key, certs.ca_dir), 0);
	return c;
}

void certs_remove(void)
{
	static const char *const files[] = {
		"a.pem", "a.key", "b.pem", "b.key", "ca/ca.pem",
	};
	char path[CERTS_PATH];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		certs_path(path, files[i]);
		unlink(path);
	}
	rmdir(certs.ca_dir);
	rmdir(certs.dir);
}

void service_child(struct conn_child *t, const struct conn *c, int side,
		   const char *name, uint16_t port)
{
	struct ike_selector *b = side ? &t->local_ts[0] : &t->remote_ts[0];

	memset(t, 0, sizeof(*t));
	t->name = name;
	t->n_esp = c->n_esp;
	memcpy(t->esp, c->esp, sizeof(t->esp));
	t->n_local_ts = t->n_remote_ts = 1;
	t->local_ts[0] = c->local_ts[0];
	t->remote_ts[0] = c->remote_ts[0];
	b->ip_proto = 6;
	b->start_port = b->end_port = port;
	t->mode = KERNEL_MODE_TUNNEL;
	t->lifetime_s = 3600;
}

void test_services(struct world *w, struct conn_child *a,
		   struct conn_child *b, char (*name)[16], unsigned int n)
{
	struct conn_child *t[2] = { a, b };

	for (unsigned int i = 0; i < n; i++) {
		snprintf(name[i], sizeof(name[i]), "s%u", i);
		for (int side = 0; side < 2; side++)
			service_child(&t[side][i], &w->c[side], side, name[i],
				      (uint16_t)(8000 + i));
	}
	for (int side = 0; side < 2; side++) {
		w->c[side].n_children = n;
		w->c[side].children = t[side];
	}
}

struct world *test_window_world(struct test_kids *k, unsigned int n,
				unsigned int wa, unsigned int wb)
{
	struct world *w = test_world_new(IKE_DH_ECP_256, true);

	assert_true(n <= TEST_KIDS);
	w->e[0].window_size = wa;
	w->e[1].window_size = wb;
	test_services(w, k->c[0], k->c[1], k->name, n);
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	return w;
}

unsigned int test_in_flight(const struct ikesa *sa)
{
	return sa->req.active + sa->n_parked;
}

void test_pairs_match(struct ikesa *a, struct ikesa *b,
		      unsigned int seen[TEST_KIDS])
{
	struct childsa *peer;

	for (struct childsa *c = a->children; c; c = c->next) {
		assert_true(c->tmpl < TEST_KIDS);
		seen[c->tmpl]++;
		assert_false(c->replaced);
		assert_false(c->delete_owed);
		peer = ikesa_find_child(b, c->spi_in, false);
		assert_non_null(peer);
		assert_int_equal(peer->spi_in, c->spi_out);
		assert_int_equal(peer->tmpl, c->tmpl);
		assert_false(peer->replaced);
		assert_false(peer->delete_owed);
	}
}

#define TEST_LOG_MAX	512
static struct {
	int level[TEST_LOG_MAX];
	char line[TEST_LOG_MAX][256];
	unsigned int n;
} test_logs;
const char *test_log_env;

void test_log_fn(void *ctx, enum engine_log_level level,
		 const struct ikesa *sa, const char *msg)
{
	if (test_logs.n == TEST_LOG_MAX)
		return;
	test_logs.level[test_logs.n] = level;
	snprintf(test_logs.line[test_logs.n++], sizeof(test_logs.line[0]),
		 "%s", msg);
	if (test_log_env && getenv(test_log_env))
		fprintf(stderr, "%s\n", msg);
}

unsigned int test_logged(const char *s)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < test_logs.n; i++)
		n += strstr(test_logs.line[i], s) != NULL;
	return n;
}

unsigned int test_logged_at(int level, const char *s)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < test_logs.n; i++)
		n += test_logs.level[i] == level &&
		     strstr(test_logs.line[i], s) != NULL;
	return n;
}

void test_log_reset(void)
{
	test_logs.n = 0;
}

struct ip_addr test_ip(const char *s)
{
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(s, &a), 0);
	return a;
}

void test_iface(struct engine *e, int ifindex, const char *name, bool up,
		const char *a)
{
	struct iface ifc;
	struct ip_addr x = test_ip(a);

	memset(&ifc, 0, sizeof(ifc));
	snprintf(ifc.name, sizeof(ifc.name), "%s", name);
	ifc.ifindex = ifindex;
	ifc.up = up;
	assert_int_equal(engine_iface_update(e, &ifc), 0);
	assert_int_equal(engine_iface_addr(e, ifindex, &x, true), 0);
}

void test_iface_up(struct engine *e, int ifindex, const char *name,
		   const char *a)
{
	test_iface(e, ifindex, name, true, a);
}

void test_pattern(struct conn *c, const char *p, int prio)
{
	snprintf(c->ifaces[c->n_ifaces].pattern, IFACE_NAME_MAX, "%s", p);
	c->ifaces[c->n_ifaces++].priority = prio;
}

void test_world_init(struct world *w, uint16_t group, bool gcm)
{
	memset(w, 0, sizeof(*w));
	for (int i = 0; i < 2; i++) {
		struct engine_send s = { net_send, &w->p[i] };

		w->f[i].b.ops = &fake_ops;
		w->f[i].b.priv = &w->f[i];
		w->f[i].next_spi = 0xa0000000u + 0x1000u * (uint32_t)i;
		w->p[i].w = w;
		w->p[i].id = i;
		make_conn(&w->c[i], i, group, gcm);
		assert_int_equal(engine_init(&w->e[i], &w->f[i].b, &s), 0);
	}
}

struct world *test_world_new(uint16_t group, bool gcm)
{
	struct world *w = malloc(sizeof(*w));

	assert_non_null(w);
	test_world_init(w, group, gcm);
	return w;
}

void test_world_log(struct world *w)
{
	struct engine_log log = { test_log_fn, NULL };

	test_log_reset();
	engine_set_log(&w->e[0], &log);
	engine_set_log(&w->e[1], &log);
}

void test_world_free(struct world *w)
{
	drop_all(w);
	engine_free(&w->e[0]);
	engine_free(&w->e[1]);
	free(w);
}

/* The fake kernel without the module: no alternates. */
static struct backend_ops no_module_ops;

struct world *test_mif_world(bool module, bool failback)
{
	struct world *w = test_world_new(IKE_DH_CURVE25519, true);

	w->any_addr = true;
	test_world_log(w);
	no_module_ops = fake_ops;
	no_module_ops.set_alts = NULL;
	for (int i = 0; i < 2; i++) {
		w->f[i].b.ops = module ? &fake_ops : &no_module_ops;
		w->c[i].mif = true;
		w->c[i].unique = CONN_UNIQUE_NEVER;
	}
	w->c[0].failback = failback;
	test_pattern(&w->c[0], "eth0", 200);
	test_pattern(&w->c[0], "eth1", 150);
	test_pattern(&w->c[0], "wlan0", 100);
	test_pattern(&w->c[1], "eth*", 128);
	assert_int_equal(engine_add_conn(&w->e[0], &w->c[0]), 0);
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	test_iface(&w->e[0], 2, "eth0", true, "192.0.2.1");
	test_iface(&w->e[0], 3, "wlan0", true, "203.0.113.5");
	test_iface(&w->e[0], 4, "eth1", true, "192.0.2.9");
	test_iface(&w->e[0], 5, "lte0", true, "192.0.2.17");
	test_iface(&w->e[1], 7, "eth0", true, "198.51.100.2");
	return w;
}
