// SPDX-License-Identifier: GPL-2.0
/*
 * Child SAs: kernel installation through the backend and the engine's
 * policy table, and traffic selector arithmetic.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "crypto/random.h"
#include "engine/child_sa.h"
#include "engine/engine.h"
#include "engine/policy_table.h"
#include "engine/selector.h"

struct childsa *childsa_new(const struct ip_addr *local, uint16_t lport,
			    const struct ip_addr *remote, uint16_t rport,
			    uint32_t reqid)
{
	struct childsa *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->local = *local;
	c->remote = *remote;
	c->local_port = lport;
	c->remote_port = rport;
	c->reqid = reqid;
	return c;
}

int childsa_alloc_spi(struct childsa *c, struct backend *b)
{
	return b->ops->alloc_spi(b, &c->remote, &c->local, c->reqid,
				 &c->spi_in);
}

static void make_sa(struct kernel_sa *s, const struct childsa *c, bool out,
		    const uint8_t *ekey, const uint8_t *ikey)
{
	memset(s, 0, sizeof(*s));
	s->src = out ? c->local : c->remote;
	s->dst = out ? c->remote : c->local;
	s->spi = out ? c->spi_out : c->spi_in;
	s->mode = c->mode;
	s->reqid = c->reqid;
	s->encr = c->encr->id;
	s->encr_key_bits = c->encr->key_bits;
	s->encr_key_len = transform_keymat_len(c->encr);
	memcpy(s->encr_key, ekey, s->encr_key_len);
	if (c->integ) {
		s->integ = c->integ->id;
		s->integ_key_len = transform_keymat_len(c->integ);
		memcpy(s->integ_key, ikey, s->integ_key_len);
	}
	s->esn = c->esn;
	s->replay_window = 32;
	s->hard_seconds = c->lifetime_s;
	s->soft_seconds = c->lifetime_s - c->lifetime_s / 10;
	if (c->encap) {
		s->encap_sport = out ? c->local_port : c->remote_port;
		s->encap_dport = out ? c->remote_port : c->local_port;
	}
}

typedef int (*policy_fn)(struct policy_table *t,
			 const struct kernel_policy *p,
			 const struct childsa *c, const void *arg);

static int get_fn(struct policy_table *t, const struct kernel_policy *p,
		  const struct childsa *c, const void *arg)
{
	return policy_table_get(t, p, c);
}

static int join_fn(struct policy_table *t, const struct kernel_policy *p,
		   const struct childsa *c, const void *arg)
{
	return policy_table_join(t, p, c);
}

static int adopt_fn(struct policy_table *t, const struct kernel_policy *p,
		    const struct childsa *c, const void *arg)
{
	return policy_table_adopt(t, p, c);
}

static int put_fn(struct policy_table *t, const struct kernel_policy *p,
		  const struct childsa *c, const void *arg)
{
	return policy_table_put(t, p, c);
}

static int point_fn(struct policy_table *t, const struct kernel_policy *p,
		    const struct childsa *c, const void *arg)
{
	return policy_table_point(t, p, c);
}

/* What an interface-wide delete removed: policy_table_forget()'s. */
struct forget_arg {
	const struct ip_addr *addr;
	const struct kernel_scope *scope;
};

static int forget_fn(struct policy_table *t, const struct kernel_policy *p,
		     const struct childsa *c, const void *arg)
{
	const struct forget_arg *f = arg;

	return policy_table_forget(t, p, c, f->addr, f->scope);
}

/*
 * Each policy of c, handed to fn: for every pair of a local and a
 * remote selector of one family, out, in and (in tunnel mode) fwd, and
 * one policy per pair of port blocks (selector.h), with arg. stop: at
 * the first error, else go on and return the first.
 */
static int each_policy(const struct childsa *c, struct policy_table *t,
		       policy_fn fn, const void *arg, bool stop)
{
	struct port_block lb[SEL_PORT_BLOCKS], rb[SEL_PORT_BLOCKS];
	const struct ike_selector *l, *r;
	struct kernel_policy p;
	unsigned int nl, nr;
	int ret = 0, err;

	for (unsigned int i = 0; i < c->n_local_ts; i++) {
		for (unsigned int j = 0; j < c->n_remote_ts; j++) {
			l = &c->local_ts[i];
			r = &c->remote_ts[j];
			if (l->type != r->type)
				continue;
			nl = port_blocks(l->start_port, l->end_port, lb,
					 SEL_PORT_BLOCKS);
			nr = port_blocks(r->start_port, r->end_port, rb,
					 SEL_PORT_BLOCKS);
			if (!nl || !nr) {
				/* Checked in negotiation: never widen. */
				if (!ret)
					ret = -E2BIG;
				if (stop)
					return ret;
				continue;
			}
			for (int d = 0; d < 3; d++) {
				if (d == KERNEL_DIR_FWD &&
				    c->mode != KERNEL_MODE_TUNNEL)
					continue;
				memset(&p, 0, sizeof(p));
				p.dir = (enum kernel_dir)d;
				p.mode = c->mode;
				p.reqid = c->reqid;
				p.tmpl_src = d == KERNEL_DIR_OUT ? c->local :
								   c->remote;
				p.tmpl_dst = d == KERNEL_DIR_OUT ? c->remote :
								   c->local;
				for (unsigned int a = 0; a < nl; a++) {
					for (unsigned int b = 0; b < nr; b++) {
						if (d == KERNEL_DIR_OUT)
							sel_kernel(&p.sel, l,
								   &lb[a], r,
								   &rb[b]);
						else
							sel_kernel(&p.sel, r,
								   &rb[b], l,
								   &lb[a]);
						p.priority =
							sel_priority(&p.sel);
						err = fn(t, &p, c, arg);
						if (err && !ret)
							ret = err;
						if (err && stop)
							return ret;
					}
				}
			}
		}
	}
	return ret;
}

static int install(struct childsa *c, struct engine *e,
		   const struct proposal_choice *pc,
		   const struct child_keys *k, bool initiator, policy_fn fn)
{
	struct backend *b = e->backend;
	struct kernel_sa s;
	int ret;

	c->encr = pc->encr;
	c->integ = pc->integ;
	c->esn = pc->esn;
	c->spi_out = pc->spi;

	make_sa(&s, c, false, initiator ? k->encr_r : k->encr_i,
		initiator ? k->integ_r : k->integ_i);
	ret = b->ops->add_sa(b, &s);
	if (!ret) {
		make_sa(&s, c, true, initiator ? k->encr_i : k->encr_r,
			initiator ? k->integ_i : k->integ_r);
		ret = b->ops->add_sa(b, &s);
		if (ret)
			b->ops->del_sa(b, &c->local, c->spi_in, 0, 0);
	}
	gnutls_memset(&s, 0, sizeof(s));
	if (ret)
		return ret;
	c->installed = true;
	/* The SAs are in: the policies may point at them. */
	ret = each_policy(c, &e->policies, fn, NULL, true);
	if (ret)
		childsa_uninstall(c, e);
	return ret;
}

int childsa_install(struct childsa *c, struct engine *e,
		    const struct proposal_choice *pc,
		    const struct child_keys *k, bool initiator)
{
	return install(c, e, pc, k, initiator, get_fn);
}

int childsa_install_beside(struct childsa *c, struct engine *e,
			   const struct proposal_choice *pc,
			   const struct child_keys *k, bool initiator)
{
	return install(c, e, pc, k, initiator, join_fn);
}

int childsa_update_encap(struct childsa *c, struct engine *e)
{
	/* The SAs keep theirs: update_sa ignores the keys it is given. */
	static const uint8_t none[KERNEL_KEY_MAX];
	struct backend *b = e->backend;
	struct kernel_sa s;
	int ret;

	if (!b->ops->update_sa)
		return -EOPNOTSUPP;
	make_sa(&s, c, false, none, none);
	ret = b->ops->update_sa(b, &s);
	if (!ret) {
		make_sa(&s, c, true, none, none);
		ret = b->ops->update_sa(b, &s);
	}
	return ret;
}

static int trap_fn(struct policy_table *t, const struct kernel_policy *p,
		   const struct childsa *c, const void *arg)
{
	return policy_table_trap(t, p, c);
}

int childsa_trap(struct childsa *c, struct engine *e)
{
	int ret = each_policy(c, &e->policies, trap_fn, NULL, true);

	if (ret)
		each_policy(c, &e->policies, put_fn, NULL, false);
	return ret;
}

void childsa_untrap(struct childsa *c, struct engine *e)
{
	each_policy(c, &e->policies, put_fn, NULL, false);
}

int childsa_adopt_policies(struct childsa *c, struct engine *e)
{
	c->installed = true;
	return each_policy(c, &e->policies, adopt_fn, NULL, false);
}

int childsa_point_policies(struct childsa *c, struct engine *e)
{
	return each_policy(c, &e->policies, point_fn, NULL, false);
}

static uint32_t random_u32(void)
{
	uint8_t b[4] = { 0 };

	/* Without randomness the jitter is 0: still a valid deadline. */
	random_key(b, sizeof(b));
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

void childsa_timers(struct childsa *c, uint64_t now, bool jitter_on,
		    bool initiator)
{
	uint64_t life = c->lifetime_s * 1000, jitter = 0;
	uint64_t margin = CHILD_REKEY_MARGIN(life);
	uint64_t span = CHILD_REKEY_JITTER(life);

	c->rekey_at = 0;
	c->expire_at = 0;
	if (!life)
		return;
	if (!initiator) {
		margin /= 2;
		span /= 2;
	}
	if (jitter_on && span)
		jitter = random_u32() % span;
	c->expire_at = now + life;
	c->rekey_at = now + life - margin - jitter;
}

uint64_t childsa_retry_at(const struct childsa *c, uint64_t now)
{
	uint64_t retry = CHILD_REKEY_RETRY(c->lifetime_s * 1000);

	return now + (retry ? retry : 1);
}

void childsa_remove_sas(struct childsa *c, struct engine *e)
{
	struct backend *b = e->backend;

	if (c->installed)
		b->ops->del_sa(b, &c->remote, c->spi_out, 0, 0);
	if (c->spi_in)
		b->ops->del_sa(b, &c->local, c->spi_in, 0, 0);
	c->installed = false;
	c->spi_in = 0;
}

void childsa_uninstall(struct childsa *c, struct engine *e)
{
	/* Policies first: passed to another SA, or gone, before ours go. */
	each_policy(c, &e->policies, put_fn, NULL, false);
	childsa_remove_sas(c, e);
}

int childsa_forget(struct childsa *c, struct engine *e,
		   const struct ip_addr *addr, const struct kernel_scope *s)
{
	struct forget_arg f = { addr, s };
	int ret;

	ret = each_policy(c, &e->policies, forget_fn, &f, false);
	c->installed = false;
	c->spi_in = 0;
	return ret;
}

void childsa_free(struct childsa *c)
{
	if (c) {
		gnutls_memset(c, 0, sizeof(*c));
		free(c);
	}
}

/* Selector arithmetic. */

static int cmp_addr(const uint8_t *a, const uint8_t *b, size_t len)
{
	return memcmp(a, b, len);
}

static bool sel_intersect(const struct ike_selector *a,
			  const struct ike_selector *b,
			  struct ike_selector *out)
{
	size_t len = ike_selector_addr_len(a->type);

	if (a->type != b->type || !len)
		return false;
	if (a->ip_proto && b->ip_proto && a->ip_proto != b->ip_proto)
		return false;
	if (a->start_port > a->end_port || b->start_port > b->end_port)
		return false;	/* OPAQUE: not supported */
	memset(out, 0, sizeof(*out));
	out->type = a->type;
	out->ip_proto = a->ip_proto ? a->ip_proto : b->ip_proto;
	out->start_port = a->start_port > b->start_port ? a->start_port :
							  b->start_port;
	out->end_port = a->end_port < b->end_port ? a->end_port : b->end_port;
	if (out->start_port > out->end_port)
		return false;
	memcpy(out->start, cmp_addr(a->start, b->start, len) > 0 ? a->start :
		b->start, len);
	memcpy(out->end, cmp_addr(a->end, b->end, len) < 0 ? a->end : b->end,
	       len);
	return cmp_addr(out->start, out->end, len) <= 0;
}

unsigned int ts_narrow(const struct ike_ts *peer,
		       const struct ike_selector *mine, unsigned int n,
		       struct ike_selector *out, unsigned int max)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < peer->n && i < IKE_TS_MAX; i++)
		for (unsigned int j = 0; j < n && k < max; j++)
			if (sel_intersect(&peer->sel[i], &mine[j], &out[k]))
				k++;
	return k;
}

static bool sel_within(const struct ike_selector *s,
		       const struct ike_selector *m)
{
	size_t len = ike_selector_addr_len(s->type);

	if (s->type != m->type || !len)
		return false;
	if (m->ip_proto && s->ip_proto != m->ip_proto)
		return false;
	if (s->start_port > s->end_port || s->start_port < m->start_port ||
	    s->end_port > m->end_port)
		return false;
	return cmp_addr(s->start, m->start, len) >= 0 &&
	       cmp_addr(s->end, m->end, len) <= 0 &&
	       cmp_addr(s->start, s->end, len) <= 0;
}

bool ts_sels_in(const struct ike_selector *a, unsigned int na,
		const struct ike_selector *b, unsigned int nb)
{
	for (unsigned int i = 0; i < na; i++) {
		bool found = false;

		for (unsigned int j = 0; j < nb && !found; j++)
			found = !memcmp(&a[i], &b[j], sizeof(a[i]));
		if (!found)
			return false;
	}
	return true;
}

bool ts_within(const struct ike_ts *ts, const struct ike_selector *mine,
	       unsigned int n)
{
	if (!ts->n || ts->n > CONN_MAX_TS)
		return false;
	for (unsigned int i = 0; i < ts->n; i++) {
		bool ok = false;

		for (unsigned int j = 0; j < n && !ok; j++)
			ok = sel_within(&ts->sel[i], &mine[j]);
		if (!ok)
			return false;
	}
	return true;
}
