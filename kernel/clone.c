// SPDX-License-Identifier: GPL-2.0
/*
 * Clone for a new interface: the SAs bound to an ordered list of outer
 * addresses (FROM) are copied onto a new outer address, each copy with the
 * SPI and keys userspace supplies and fresh counters, and so are the
 * policies bound to those addresses, unless a policy with the same selector
 * exists already. A new SPI that userspace reserved with XFRM_MSG_ALLOCSPI
 * (a larval SA) is taken over, as XFRM_MSG_UPDSA would take it over.
 *
 * All or nothing. Every copy is built, initialised and checked first (an
 * entry for every SA, key lengths, unique keys, free SPIs); only then are
 * the SA copies published, then the policy copies inserted. If publishing
 * fails half-way, what was published is deleted again; nothing is
 * announced, and no larval SA removed, before the whole operation has
 * succeeded.
 */
#include <kunit/visibility.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <net/xfrm.h>

#include "clone.h"

static int mif_copies_add(struct mif_copies *c, void *obj, int dir,
			  unsigned int from)
{
	struct mif_copy *v;

	if (c->n == c->size) {
		unsigned int size = c->size ? 2 * c->size : 64;

		v = kvmalloc_array(size, sizeof(*v), GFP_KERNEL);
		if (!v)
			return -ENOMEM;
		if (c->n)
			memcpy(v, c->v, c->n * sizeof(*v));
		kvfree(c->v);
		c->v = v;
		c->size = size;
	}
	v = &c->v[c->n];
	memset(v, 0, sizeof(*v));
	v->obj = obj;
	v->dir = dir;
	v->from = from;
	v->seq = c->n++;
	return 0;
}

static int mif_ent_cmp(const void *a, const void *b)
{
	const struct mif_clone_ent *x = a, *y = b;
	u32 sx = be32_to_cpu(x->spi), sy = be32_to_cpu(y->spi);

	if (sx != sy)
		return sx < sy ? -1 : 1;
	return (int)x->proto - (int)y->proto;
}

/* The entry for (spi, proto) at daddr; *n: how many entries match. */
static struct mif_clone_ent *mif_find_ent(struct mif_clone *c, __be32 spi,
					  u8 proto, const xfrm_address_t *daddr,
					  unsigned short family,
					  unsigned int *n)
{
	struct mif_clone_ent key = { .spi = spi, .proto = proto };
	struct mif_clone_ent *found = NULL;
	unsigned int lo = 0, hi = c->nent, i;

	while (lo < hi) {		/* the first entry not below key */
		unsigned int mid = lo + (hi - lo) / 2;

		if (mif_ent_cmp(&c->ent[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*n = 0;
	for (i = lo; i < c->nent && !mif_ent_cmp(&c->ent[i], &key); i++) {
		if (c->ent[i].has_dst &&
		    !mif_addr_equal(&c->ent[i].dst, daddr, family))
			continue;
		if (!found)
			found = &c->ent[i];
		(*n)++;
	}
	return found;
}

static bool mif_is_host(const struct mif_addr *a, const xfrm_address_t *sa,
			u8 prefixlen, unsigned short family)
{
	return prefixlen == (family == AF_INET ? 32 : 128) &&
	       mif_addr_equal(a, sa, family);
}

/* Which FROM address (the first, in order) x is bound to, or -1. */
static int mif_state_from(const struct mif_clone *c,
			  const struct xfrm_state *x)
{
	unsigned int i;

	for (i = 0; i < c->nfrom; i++)
		if (mif_state_bound(&c->f[i], x))
			return i;
	return -1;
}

static int mif_policy_from(const struct mif_clone *c,
			   const struct xfrm_policy *xp)
{
	unsigned int i;

	for (i = 0; i < c->nfrom; i++)
		if (mif_policy_bound(&c->f[i], xp))
			return i;
	return -1;
}

static struct mif_clone *mif_clone_of(struct mif_walk *w)
{
	return container_of(w, struct mif_clone, w);
}

static bool mif_clone_selects_state(struct mif_walk *w,
				    const struct xfrm_state *x)
{
	return mif_state_from(mif_clone_of(w), x) >= 0;
}

static bool mif_clone_selects_policy(struct mif_walk *w,
				     const struct xfrm_policy *xp)
{
	return mif_policy_from(mif_clone_of(w), xp) >= 0;
}

/*
 * Our side of a tunnel selector gets NEW_INNER, the peer's side
 * NEW_PEER_INNER, keeping their prefix lengths; a wildcard side (/0) stays.
 */
static int mif_inner(struct mif_clone *c, struct xfrm_selector *sel, bool out,
		     __be32 spi)
{
	xfrm_address_t *ours = out ? &sel->saddr : &sel->daddr;
	xfrm_address_t *theirs = out ? &sel->daddr : &sel->saddr;
	u8 ours_len = out ? sel->prefixlen_s : sel->prefixlen_d;
	u8 theirs_len = out ? sel->prefixlen_d : sel->prefixlen_s;

	if (c->has_inner && ours_len) {
		if (c->inner.family != sel->family)
			goto family;
		*ours = c->inner.a;
	}
	if (c->has_peer_inner && theirs_len) {
		if (c->peer_inner.family != sel->family)
			goto family;
		*theirs = c->peer_inner.a;
	}
	return 0;

family:
	if (spi)
		mif_err(c->extack, NULL, be32_to_cpu(spi),
			"new inner address of another family than the SA's selector");
	else
		NL_SET_ERR_MSG(c->extack,
			       "new inner address of another family than a policy's selector");
	return -EAFNOSUPPORT;
}

/* A transport selector's host sides: FROM becomes NEW, the peer NEW_PEER. */
static void mif_transport_sel(struct mif_clone *c, struct xfrm_selector *sel,
			      const struct mif_addr *from,
			      const struct mif_addr *old_peer)
{
	u8 host = sel->family == AF_INET ? 32 : 128;

	if (mif_is_host(from, &sel->saddr, sel->prefixlen_s, sel->family))
		sel->saddr = c->to.a;
	else if (c->has_peer && old_peer && sel->prefixlen_s == host &&
		 mif_addr_equal(old_peer, &sel->saddr, sel->family))
		sel->saddr = c->peer.a;
	if (mif_is_host(from, &sel->daddr, sel->prefixlen_d, sel->family))
		sel->daddr = c->to.a;
	else if (c->has_peer && old_peer && sel->prefixlen_d == host &&
		 mif_addr_equal(old_peer, &sel->daddr, sel->family))
		sel->daddr = c->peer.a;
}

/*
 * The copy's addresses: FROM becomes NEW, the peer NEW_PEER, selectors.
 * *outp: the copy is outbound (its source is ours).
 */
static int mif_state_addrs(struct mif_clone *c, const struct mif_addr *from,
			   struct xfrm_state *xc, bool *outp)
{
	unsigned short family = xc->props.family;
	xfrm_address_t *ours = NULL, *theirs = NULL;
	struct mif_addr old_peer;
	bool out;

	if (mif_addr_equal(from, &xc->props.saddr, family)) {
		out = true;
		ours = &xc->props.saddr;
		theirs = &xc->id.daddr;
	} else if (mif_addr_equal(from, &xc->id.daddr, family)) {
		out = false;
		ours = &xc->id.daddr;
		theirs = &xc->props.saddr;
	} else {		/* bound by its transport selector only */
		out = mif_is_host(from, &xc->sel.saddr, xc->sel.prefixlen_s,
				  xc->sel.family);
	}
	*outp = out;
	if (ours) {
		old_peer.a = *theirs;
		old_peer.family = family;
		*ours = c->to.a;
		if (c->has_peer)
			*theirs = c->peer.a;
	}
	if (xc->props.mode == XFRM_MODE_TRANSPORT) {
		mif_transport_sel(c, &xc->sel, from, ours ? &old_peer : NULL);
		return 0;
	}
	return mif_inner(c, &xc->sel, out, xc->id.spi);
}

/*
 * The copy's UDP encapsulation on the new path (out: the copy is outbound,
 * so our port is its source port). A port not given stays the source's;
 * both given as 0 mean no encapsulation (no NAT on the new path); an SA
 * without encapsulation gains UDP_ENCAP_ESPINUDP when both are given (a
 * NAT on the new path). *why: the reason of an -EINVAL.
 */
VISIBLE_IF_KUNIT int mif_clone_encap(struct xfrm_state *xc, bool out,
				     const struct mif_ports *p,
				     enum mif_encap_err *why)
{
	struct xfrm_encap_tmpl *e = xc->encap;

	if (!p->has_port && !p->has_peer_port)
		return 0;
	if (p->has_port && p->has_peer_port && !p->port && !p->peer_port) {
		kfree(xc->encap);
		xc->encap = NULL;
		return 0;
	}
	if ((p->has_port && !p->port) || (p->has_peer_port && !p->peer_port)) {
		*why = MIF_ENCAP_ZERO_PORT;
		return -EINVAL;
	}
	if (!e) {
		if (!p->has_port || !p->has_peer_port) {
			*why = MIF_ENCAP_NEEDS_BOTH;
			return -EINVAL;
		}
		e = kzalloc(sizeof(*e), GFP_KERNEL);
		if (!e)
			return -ENOMEM;
		e->encap_type = UDP_ENCAP_ESPINUDP;
		xc->encap = e;
	}
	if (p->has_port) {
		if (out)
			e->encap_sport = p->port;
		else
			e->encap_dport = p->port;
	}
	if (p->has_peer_port) {
		if (out)
			e->encap_dport = p->peer_port;
		else
			e->encap_sport = p->peer_port;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mif_clone_encap);

/* One key of the copy: supplied, of the source's length, not the same. */
static int mif_key(struct mif_clone *c, const struct mif_clone_ent *e,
		   const struct nlattr *nla, char *key, unsigned int bits,
		   bool enc)
{
	unsigned int len = (bits + 7) / 8;
	u32 spi = be32_to_cpu(e->spi);

	if (!nla) {
		if (!len)
			return 0;
		if (enc)
			mif_err(c->extack, e->nla, spi,
				"no new encryption key for an SA");
		else
			mif_err(c->extack, e->nla, spi,
				"no new authentication key for an SA");
		return -EINVAL;
	}
	if (nla_len(nla) != len) {
		mif_err(c->extack, nla, spi,
			"new key of another length than the SA's");
		return -EINVAL;
	}
	if (len && !memcmp(key, nla_data(nla), len)) {
		mif_err(c->extack, nla, spi, "new key is the SA's own key");
		return -EINVAL;
	}
	memcpy(key, nla_data(nla), len);
	return 0;
}

static int mif_keys(struct mif_clone *c, const struct mif_clone_ent *e,
		    struct xfrm_state *xc)
{
	u32 spi = be32_to_cpu(e->spi);
	int err = 0;

	if (e->enc && !xc->aead && !xc->ealg) {
		mif_err(c->extack, e->enc, spi, "the SA has no encryption key");
		return -EINVAL;
	}
	if (e->auth && !xc->aalg) {
		mif_err(c->extack, e->auth, spi,
			"the SA has no authentication key");
		return -EINVAL;
	}
	if (xc->aead)
		err = mif_key(c, e, e->enc, xc->aead->alg_key,
			      xc->aead->alg_key_len, true);
	if (!err && xc->ealg)
		err = mif_key(c, e, e->enc, xc->ealg->alg_key,
			      xc->ealg->alg_key_len, true);
	if (!err && xc->aalg)
		err = mif_key(c, e, e->auth, xc->aalg->alg_key,
			      xc->aalg->alg_key_len, false);
	return err;
}

/* Build, change and initialise the copy of x. */
static int mif_clone_state(struct mif_walk *w, struct xfrm_state *x)
{
	struct mif_clone *c = mif_clone_of(w);
	u32 spi = be32_to_cpu(x->id.spi);
	struct mif_clone_ent *e;
	struct xfrm_state *xc;
	struct mif_copy *v;
	enum mif_encap_err why = MIF_ENCAP_OK;
	unsigned int n;
	int from, err;
	bool out;

	from = mif_state_from(c, x);
	if (from < 0)
		return 0;
	e = mif_find_ent(c, x->id.spi, x->id.proto, &x->id.daddr,
			 x->props.family, &n);
	if (!e) {
		mif_err(c->extack, NULL, spi, "no clone entry for an SA");
		return -ENOENT;
	}
	if (n > 1) {
		mif_err(c->extack, e->nla, spi, "two clone entries for one SA");
		return -EINVAL;
	}
	if (e->used) {
		mif_err(c->extack, e->nla, spi,
			"clone entry matches two SAs: give its destination");
		return -EINVAL;
	}
	e->used = true;

	xc = mif_state_copy(x, c->extack);
	if (IS_ERR(xc))
		return PTR_ERR(xc);
	err = mif_state_addrs(c, &c->f[from].addr, xc, &out);
	xc->id.spi = e->new_spi;
	if (!err) {
		err = mif_clone_encap(xc, out, &e->ports, &why);
		if (err == -EINVAL && why == MIF_ENCAP_ZERO_PORT)
			mif_err(c->extack, e->nla, spi,
				"UDP port 0 only as both ports, for no encapsulation");
		else if (err == -EINVAL)
			mif_err(c->extack, e->nla, spi,
				"an SA without UDP encapsulation needs both ports to gain it");
	}
	if (!err)
		err = mif_keys(c, e, xc);
	if (err)
		goto discard;
	mif_state_reset_counters(xc);
	err = __xfrm_init_state(xc, true, false, c->extack);
	if (err) {
		mif_err(c->extack, NULL, spi, "cannot initialise the copy of an SA");
		goto discard;
	}
	xc->km.state = XFRM_STATE_VALID;
	err = mif_copies_add(&c->sas, xc, 0, from);
	if (err)
		goto discard;
	v = &c->sas.v[c->sas.n - 1];
	v->ent = e;
	xfrm_state_hold(x);
	v->src = x;
	return 0;

discard:
	mif_state_discard(xc);
	return err;
}

/* The copy's templates and selector, at the new addresses. */
static int mif_policy_addrs(struct mif_clone *c, const struct mif_addr *from,
			    struct xfrm_policy *np)
{
	bool oriented = false, out = false, transport = false;
	int i;

	for (i = 0; i < np->xfrm_nr; i++) {
		struct xfrm_tmpl *t = &np->xfrm_vec[i];
		unsigned short fam = t->encap_family;

		if (t->id.spi) {	/* pinned to an SA: to its copy */
			struct mif_clone_ent *e;
			unsigned int n;

			e = mif_find_ent(c, t->id.spi, t->id.proto,
					 &t->id.daddr, fam, &n);
			if (!e || n > 1) {
				mif_err(c->extack, NULL, be32_to_cpu(t->id.spi),
					"a policy template names an SA without a single clone entry");
				return -EINVAL;
			}
			t->id.spi = e->new_spi;
		}
		if (t->mode == XFRM_MODE_TRANSPORT) {
			transport = true;
			continue;
		}
		if (mif_addr_equal(from, &t->saddr, fam)) {
			t->saddr = c->to.a;
			if (c->has_peer)
				t->id.daddr = c->peer.a;
			if (!oriented)
				out = true;
			oriented = true;
		} else if (mif_addr_equal(from, &t->id.daddr, fam)) {
			t->id.daddr = c->to.a;
			if (c->has_peer)
				t->saddr = c->peer.a;
			oriented = true;
		}
	}
	if (transport) {
		mif_transport_sel(c, &np->selector, from, NULL);
		/* the peer is the selector's other host */
		if (c->has_peer) {
			struct xfrm_selector *sel = &np->selector;
			u8 host = sel->family == AF_INET ? 32 : 128;

			if (mif_addr_equal(&c->to, &sel->saddr, sel->family) &&
			    sel->prefixlen_d == host)
				sel->daddr = c->peer.a;
			else if (mif_addr_equal(&c->to, &sel->daddr,
						sel->family) &&
				 sel->prefixlen_s == host)
				sel->saddr = c->peer.a;
		}
		return 0;
	}
	return mif_inner(c, &np->selector, out, 0);
}

static int mif_clone_policy(struct mif_walk *w, struct xfrm_policy *xp,
			    int dir)
{
	struct mif_clone *c = mif_clone_of(w);
	struct xfrm_policy *np;
	int from, err;

	from = mif_policy_from(c, xp);
	if (from < 0)
		return 0;
	np = mif_policy_copy(xp);
	if (IS_ERR(np)) {
		NL_SET_ERR_MSG(c->extack,
			       "cannot copy a policy (security context?)");
		return PTR_ERR(np);
	}
	err = mif_policy_addrs(c, &c->f[from].addr, np);
	if (!err)
		err = mif_copies_add(&c->pols, np, dir, from);
	if (err)
		mif_policy_discard(np);
	return err;
}

static int mif_collect(struct mif_clone *c)
{
	unsigned int i;
	int err;

	err = mif_walk_states(&c->w);
	if (err)
		return err;

	for (i = 0; i < c->nent; i++) {
		if (!c->ent[i].used) {
			mif_err(c->extack, c->ent[i].nla,
				be32_to_cpu(c->ent[i].spi),
				"clone entry matches no SA bound to the FROM addresses");
			return -ENOENT;
		}
	}

	return mif_walk_policies(&c->w);
}

static int mif_sa_cmp(const void *a, const void *b)
{
	const struct xfrm_state *x = ((const struct mif_copy *)a)->obj;
	const struct xfrm_state *y = ((const struct mif_copy *)b)->obj;
	u32 sx = be32_to_cpu(x->id.spi), sy = be32_to_cpu(y->id.spi);

	if (sx != sy)
		return sx < sy ? -1 : 1;
	if (x->id.proto != y->id.proto)
		return (int)x->id.proto - (int)y->id.proto;
	if (x->props.family != y->props.family)
		return (int)x->props.family - (int)y->props.family;
	return memcmp(&x->id.daddr, &y->id.daddr, sizeof(x->id.daddr));
}

/* Policies in FROM order, then walk order: the first address wins. */
static int mif_pol_cmp(const void *a, const void *b)
{
	const struct mif_copy *x = a, *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static bool mif_same_policy(const struct mif_copy *a, const struct mif_copy *b)
{
	const struct xfrm_policy *x = a->obj, *y = b->obj;

	return a->dir == b->dir && x->type == y->type &&
	       x->if_id == y->if_id && x->mark.v == y->mark.v &&
	       x->mark.m == y->mark.m &&
	       !memcmp(&x->selector, &y->selector, sizeof(x->selector));
}

static int mif_key_bytes_cmp(const struct mif_key *x, const struct mif_key *y)
{
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->key, y->key, x->len);
}

/* By length and bytes; among equal keys, the copies' first. */
static int mif_key_cmp(const void *a, const void *b)
{
	const struct mif_key *x = a, *y = b;
	int d = mif_key_bytes_cmp(x, y);

	return d ?: (int)!x->ent - (int)!y->ent;
}

/*
 * Sort k and find a copy's key that equals another key of k: the first,
 * with *other the key it equals (another copy's, if there is one, else a
 * source SA's). NULL: every copy's key is unique.
 */
VISIBLE_IF_KUNIT const struct mif_key *mif_key_reused(struct mif_key *k,
						      unsigned int n,
						      const struct mif_key **other)
{
	unsigned int i, j;

	sort(k, n, sizeof(*k), mif_key_cmp, NULL);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && !mif_key_bytes_cmp(&k[i], &k[j]); j++)
			;
		if (j - i > 1 && k[i].ent) {
			*other = &k[i + 1];
			return &k[i];
		}
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(mif_key_reused);

static void mif_key_add(struct mif_key *k, unsigned int *n, const char *key,
			unsigned int bits, const struct mif_clone_ent *e,
			const struct nlattr *nla)
{
	if (!bits)
		return;
	k[*n].key = key;
	k[*n].len = (bits + 7) / 8;
	k[*n].ent = e;
	k[*n].nla = nla;
	(*n)++;
}

/* x's keys into k: a copy's (e set) or a source SA's; 3 at most. */
static void mif_state_keys(struct mif_key *k, unsigned int *n,
			   const struct xfrm_state *x,
			   const struct mif_clone_ent *e)
{
	if (x->aead)
		mif_key_add(k, n, x->aead->alg_key, x->aead->alg_key_len, e,
			    e ? e->enc : NULL);
	if (x->ealg)
		mif_key_add(k, n, x->ealg->alg_key, x->ealg->alg_key_len, e,
			    e ? e->enc : NULL);
	if (x->aalg)
		mif_key_add(k, n, x->aalg->alg_key, x->aalg->alg_key_len, e,
			    e ? e->auth : NULL);
}

/*
 * No copy shares a key with another copy or with a source SA: a copy
 * starts its sequence numbers, and with them AEAD nonces, from zero.
 */
static int mif_check_keys(struct mif_clone *c)
{
	const struct mif_key *k, *other;
	struct mif_key *keys;
	unsigned int i, n = 0;
	int err = 0;

	if (!c->sas.n)
		return 0;
	keys = kvmalloc_array(c->sas.n, 6 * sizeof(*keys), GFP_KERNEL_ACCOUNT);
	if (!keys)
		return -ENOMEM;
	for (i = 0; i < c->sas.n; i++) {
		mif_state_keys(keys, &n, c->sas.v[i].obj, c->sas.v[i].ent);
		mif_state_keys(keys, &n, c->sas.v[i].src, NULL);
	}
	k = mif_key_reused(keys, n, &other);
	if (k) {
		if (other->ent)
			mif_err(c->extack, k->nla, be32_to_cpu(k->ent->spi),
				"new key given twice in the request");
		else
			mif_err(c->extack, k->nla, be32_to_cpu(k->ent->spi),
				"new key is the key of another source SA");
		err = -EINVAL;
	}
	kvfree(keys);
	return err;
}

/*
 * Is every new SPI free, or reserved by a larval SA to take over? Is every
 * new key unique? Which policy copies exist already?
 */
static int mif_check(struct mif_clone *c)
{
	unsigned int i, j;
	int err;

	sort(c->sas.v, c->sas.n, sizeof(*c->sas.v), mif_sa_cmp, NULL);
	for (i = 0; i < c->sas.n; i++) {
		struct xfrm_state *xc = c->sas.v[i].obj, *other;

		if (i && !mif_sa_cmp(&c->sas.v[i - 1], &c->sas.v[i])) {
			mif_err(c->extack, NULL, be32_to_cpu(xc->id.spi),
				"new SPI given to two SAs with one destination");
			return -EEXIST;
		}
		other = xfrm_state_lookup(c->w.net, xc->mark.v & xc->mark.m,
					  &xc->id.daddr, xc->id.spi,
					  xc->id.proto, xc->props.family);
		if (other && other->km.state == XFRM_STATE_ACQ) {
			c->sas.v[i].larval = other;	/* XFRM_MSG_ALLOCSPI */
		} else if (other) {
			xfrm_state_put(other);
			mif_err(c->extack, NULL, be32_to_cpu(xc->id.spi),
				"new SPI is in use at its destination");
			return -EEXIST;
		}
	}
	err = mif_check_keys(c);
	if (err)
		return err;

	sort(c->pols.v, c->pols.n, sizeof(*c->pols.v), mif_pol_cmp, NULL);
	for (i = 0; i < c->pols.n; i++) {
		struct mif_copy *p = &c->pols.v[i];
		struct xfrm_policy *np = p->obj, *other;
		int err = 0;

		other = xfrm_policy_bysel_ctx(c->w.net, &np->mark, np->if_id,
					      np->type, p->dir, &np->selector,
					      NULL, 0, &err);
		if (other) {
			xfrm_pol_put(other);
			p->skip = true;
			continue;
		}
		for (j = 0; j < i && !p->skip; j++)
			p->skip = !c->pols.v[j].skip &&
				  mif_same_policy(&c->pols.v[j], p);
	}
	return 0;
}

/*
 * Add xc to XFRM's tables. Where its SPI is reserved by a larval SA, xc goes
 * in ahead of it, as xfrm_state_update() does for XFRM_MSG_UPDSA, so that
 * lookups find xc and the SPI is never free; the larval SA is deleted once
 * the whole clone has succeeded. A larval SA that expired meanwhile (the
 * only change possible under xfrm_cfg_mutex) has left the SPI free.
 */
static int mif_add_state(struct xfrm_state *xc, struct xfrm_state *larval)
{
	bool inserted = false;

	if (larval) {
		spin_lock_bh(&larval->lock);	/* it cannot expire meanwhile */
		if (larval->km.state == XFRM_STATE_ACQ) {
			xfrm_state_insert(xc);
			inserted = true;
		}
		spin_unlock_bh(&larval->lock);
	}
	return inserted ? 0 : xfrm_state_add(xc);
}

/* Publish the SA copies, then insert the policy copies. */
static int mif_publish(struct mif_clone *c)
{
	unsigned int i;
	int err;

	for (i = 0; i < c->sas.n; i++) {
		struct xfrm_state *xc = c->sas.v[i].obj;

		xfrm_state_hold(xc);	/* ours; the tables get the other */
		err = mif_add_state(xc, c->sas.v[i].larval);
		if (err) {
			xfrm_state_put(xc);
			mif_err(c->extack, NULL, be32_to_cpu(xc->id.spi),
				"cannot add the copy of an SA");
			return err;
		}
		c->sas.v[i].published = true;
	}
	for (i = 0; i < c->pols.n; i++) {
		struct mif_copy *p = &c->pols.v[i];

		if (p->skip)
			continue;
		err = xfrm_policy_insert(p->dir, p->obj, 1);
		if (err == -EEXIST) {
			p->skip = true;
			continue;
		}
		if (err) {
			NL_SET_ERR_MSG(c->extack, "cannot insert a policy copy");
			return err;
		}
		p->published = true;
	}
	return 0;
}

/* Announce what was published, or take it back; free the rest. */
static void mif_finish(struct mif_clone *c, bool commit)
{
	unsigned int i;

	for (i = 0; i < c->pols.n; i++) {
		struct mif_copy *p = &c->pols.v[i];
		struct xfrm_policy *np = p->obj;

		if (!p->published) {
			mif_policy_discard(np);
			continue;
		}
		if (commit) {
			xfrm_audit_policy_add(np, 1, true);
			mif_notify_policy(np, p->dir, XFRM_MSG_NEWPOLICY);
		} else {
			xfrm_policy_delete(np, p->dir);
		}
		xfrm_pol_put(np);
	}
	for (i = 0; i < c->sas.n; i++) {
		struct mif_copy *s = &c->sas.v[i];
		struct xfrm_state *xc = s->obj;

		if (s->src)
			xfrm_state_put(s->src);
		if (!s->published) {
			mif_state_discard(xc);
		} else if (commit) {
			xfrm_audit_state_add(xc, 1, true);
			mif_notify_state(xc, XFRM_MSG_NEWSA);
			if (s->larval)
				xfrm_state_delete(s->larval);
			xfrm_state_put(xc);
		} else {
			xfrm_state_delete(xc);
			xfrm_state_put(xc);
		}
		if (s->larval)
			xfrm_state_put(s->larval);
	}
}

void mif_clone_init(struct mif_clone *c, struct net *net,
		    struct netlink_ext_ack *extack)
{
	c->w.net = net;
	c->w.state_match = mif_clone_selects_state;
	c->w.policy_match = mif_clone_selects_policy;
	c->w.state_fn = mif_clone_state;
	c->w.policy_fn = mif_clone_policy;
	c->extack = extack;
}

/* Build, check and (unless a dry run) publish the copies c asks for. */
int mif_clone(struct mif_clone *c, bool dry_run, struct mif_counts *counts)
{
	unsigned int i;
	int err;

	memset(counts, 0, sizeof(*counts));
	sort(c->ent, c->nent, sizeof(*c->ent), mif_ent_cmp, NULL);
	lockdep_assert_held(&mif_pernet(c->w.net)->lock);
	mutex_lock(&c->w.net->xfrm.xfrm_cfg_mutex);
	err = mif_collect(c);
	if (!err)
		err = mif_check(c);
	if (!err && !dry_run)
		err = mif_publish(c);
	if (!err) {
		counts->states = c->sas.n;
		for (i = 0; i < c->pols.n; i++) {
			if (c->pols.v[i].skip)
				c->skipped++;
			else
				counts->policies++;
		}
	}
	/* a dry run counts what it would do, then drops its copies */
	mif_finish(c, !err && !dry_run);
	mutex_unlock(&c->w.net->xfrm.xfrm_cfg_mutex);
	return err;
}

void mif_clone_free(struct mif_clone *c)
{
	kvfree(c->sas.v);
	kvfree(c->pols.v);
	kvfree(c->ent);
	kfree(c);
}
