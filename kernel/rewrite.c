// SPDX-License-Identifier: GPL-2.0
/*
 * Rewrite an address: every SA and policy bound to outer address OLD moves
 * to NEW in one call, keeping SPIs, keys, replay and lifetime state.
 *
 * SAs are hashed by their addresses, so each one is replaced by a copy.
 * The copy is built and initialised first (an ESP copy shares the old SA's
 * crypto transform: same keys, nothing to allocate); then, under the old
 * SA's lock, it takes the old SA's counters and the old SA is quiesced
 * (ERROR state: it carries nothing, and a lookup that finds it drops the
 * packet instead of asking the key manager for a new SA). No two live SAs
 * ever hold the same keys, so no AEAD nonce is ever used twice. Once every
 * SA has its copy, policies move: tunnel templates are edited in place,
 * transport selectors are re-inserted. Last, the quiesced SAs are deleted.
 *
 * Before anything changes, a first pass checks that every SA can be copied
 * and that no SPI or policy selector is taken at NEW, so that a rewrite
 * either happens whole or not at all.
 */
#include <kunit/visibility.h>
#include <linux/slab.h>
#include <linux/xfrm_mif.h>
#include <net/xfrm.h>

#include "mif.h"

#define MIF_PAIRS 256

/* SAs replaced so far: old (quiesced) and its published copy. */
struct mif_pairs {
	struct list_head list;
	unsigned int n;
	struct xfrm_state *old[MIF_PAIRS];
	struct xfrm_state *new[MIF_PAIRS];
};

struct mif_rw {
	struct mif_walk w;		/* w.f: OLD and the filters */
	const struct mif_move *m;
	struct netlink_ext_ack *extack;
	struct list_head pairs;		/* struct mif_pairs */
	struct mif_counts counts;
	int err;			/* first policy that failed to move */
};

static struct mif_rw *mif_rw(struct mif_walk *w)
{
	return container_of(w, struct mif_rw, w);
}

/* Replace from by to in a, if a is from. */
VISIBLE_IF_KUNIT bool mif_swap(xfrm_address_t *a, unsigned short family,
			       const struct mif_addr *from,
			       const struct mif_addr *to)
{
	if (!mif_addr_equal(from, a, family))
		return false;
	*a = to->a;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(mif_swap);

/* A selector's host addresses (/32, /128) that are from become to. */
VISIBLE_IF_KUNIT void mif_swap_selector(struct xfrm_selector *sel,
					const struct mif_addr *from,
					const struct mif_addr *to)
{
	u8 host = sel->family == AF_INET ? 32 : 128;

	if (sel->prefixlen_s == host)
		mif_swap(&sel->saddr, sel->family, from, to);
	if (sel->prefixlen_d == host)
		mif_swap(&sel->daddr, sel->family, from, to);
}
EXPORT_SYMBOL_IF_KUNIT(mif_swap_selector);

/* The UDP encapsulation of a moved SA: ports at NEW and at the peer. */
VISIBLE_IF_KUNIT int mif_move_encap(struct xfrm_state *xc, bool src_moved,
				    const struct mif_move *m)
{
	struct xfrm_encap_tmpl *e = xc->encap;

	if (!m->port && !m->peer_port)
		return 0;
	if (!e) {
		if (!m->port || !m->peer_port)
			return 0;	/* no encapsulation to add ports to */
		e = kzalloc(sizeof(*e), GFP_KERNEL);
		if (!e)
			return -ENOMEM;
		e->encap_type = UDP_ENCAP_ESPINUDP;
		xc->encap = e;
	}
	if (m->port) {
		if (src_moved)
			e->encap_sport = m->port;
		else
			e->encap_dport = m->port;
	}
	if (m->peer_port) {
		if (src_moved)
			e->encap_dport = m->peer_port;
		else
			e->encap_sport = m->peer_port;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mif_move_encap);

/* An initialised, unpublished copy of x at the new address. */
static struct xfrm_state *mif_state_moved(struct mif_rw *rw,
					  struct xfrm_state *x, bool *dst_moved)
{
	const struct mif_addr *from = &rw->w.f->addr, *to = &rw->m->to;
	unsigned short family = x->props.family;
	struct xfrm_state *xc;
	bool src_moved;
	int err;

	xc = mif_state_copy(x, rw->extack);
	if (IS_ERR(xc))
		return xc;
	*dst_moved = mif_swap(&xc->id.daddr, family, from, to);
	src_moved = mif_swap(&xc->props.saddr, family, from, to);
	if (xc->props.mode == XFRM_MODE_TRANSPORT)
		mif_swap_selector(&xc->sel, from, to);
	err = mif_move_encap(xc, src_moved, rw->m);
	if (!err && !mif_state_init_like(xc, x))
		err = xfrm_init_state(xc);
	if (err) {
		NL_SET_ERR_MSG(rw->extack, "cannot initialise a moved SA");
		mif_state_discard(xc);
		return ERR_PTR(err);
	}
	return xc;
}

static int mif_pairs_add(struct mif_rw *rw, struct xfrm_state *old,
			 struct xfrm_state *new)
{
	struct mif_pairs *p;

	p = list_empty(&rw->pairs) ? NULL :
	    list_last_entry(&rw->pairs, struct mif_pairs, list);
	if (!p || p->n == MIF_PAIRS) {
		p = kmalloc(sizeof(*p), GFP_KERNEL);
		if (!p)
			return -ENOMEM;
		p->n = 0;
		list_add_tail(&p->list, &rw->pairs);
	}
	p->old[p->n] = old;
	p->new[p->n++] = new;
	return 0;
}

/*
 * Replace x by its moved copy. The copy takes x's counters at the moment
 * x is quiesced, under x's lock, and is published right after.
 */
static int mif_replace_state(struct mif_walk *w, struct xfrm_state *x)
{
	struct mif_rw *rw = mif_rw(w);
	struct xfrm_state *xc;
	bool dst_moved;
	int err;

	xc = mif_state_moved(rw, x, &dst_moved);
	if (IS_ERR(xc))
		return PTR_ERR(xc);
	err = mif_pairs_add(rw, x, xc);
	if (err) {
		mif_state_discard(xc);
		return err;
	}

	spin_lock_bh(&x->lock);
	if (x->km.state != XFRM_STATE_VALID) {
		/* expired or deleted meanwhile: nothing to move */
		spin_unlock_bh(&x->lock);
		list_last_entry(&rw->pairs, struct mif_pairs, list)->n--;
		mif_state_discard(xc);
		return 0;
	}
	mif_state_take_counters(xc, x);
	x->km.state = XFRM_STATE_ERROR;
	spin_unlock_bh(&x->lock);

	xfrm_state_hold(x);		/* the pair's references */
	xfrm_state_hold(xc);
	if (dst_moved) {
		err = xfrm_state_add(xc);
	} else {
		/* same (daddr, SPI): inserted ahead of the quiesced one */
		xfrm_state_insert(xc);
		err = 0;
	}
	if (err) {
		NL_SET_ERR_MSG(rw->extack, "cannot insert a moved SA");
		xfrm_state_put(xc);
		xfrm_state_put(x);
		list_last_entry(&rw->pairs, struct mif_pairs, list)->n--;
		spin_lock_bh(&x->lock);
		x->km.state = XFRM_STATE_VALID;
		spin_unlock_bh(&x->lock);
		mif_state_discard(xc);
		return err;
	}
	rw->counts.states++;
	return 0;
}

/* Undo: the copies go, the quiesced SAs come back with their counters. */
static void mif_pairs_rollback(struct mif_rw *rw)
{
	struct mif_pairs *p;
	unsigned int i;

	list_for_each_entry(p, &rw->pairs, list) {
		for (i = 0; i < p->n; i++) {
			struct xfrm_state *x = p->old[i], *xc = p->new[i];

			spin_lock_bh(&xc->lock);
			spin_lock_nested(&x->lock, SINGLE_DEPTH_NESTING);
			__xfrm_state_delete(xc);
			mif_state_take_counters(x, xc);
			x->km.state = XFRM_STATE_VALID;
			spin_unlock(&x->lock);
			spin_unlock_bh(&xc->lock);
		}
	}
	rw->counts.states = 0;
}

/* Done: the quiesced SAs go, the world hears of the copies. */
static void mif_pairs_finish(struct mif_rw *rw, bool commit)
{
	struct mif_pairs *p, *tmp;
	unsigned int i;

	list_for_each_entry_safe(p, tmp, &rw->pairs, list) {
		for (i = 0; i < p->n; i++) {
			struct xfrm_state *x = p->old[i], *xc = p->new[i];

			if (commit) {
				xfrm_audit_state_add(xc, 1, true);
				mif_notify_state(xc, XFRM_MSG_NEWSA);
				if (!xfrm_state_delete(x)) {
					xfrm_audit_state_delete(x, 1, true);
					mif_notify_state(x, XFRM_MSG_DELSA);
				}
			}
			xfrm_state_put(xc);
			xfrm_state_put(x);
		}
		list_del(&p->list);
		kfree(p);
	}
}

/*
 * Does xp's selector name the moved address as a host? Only transport-mode
 * policies' selectors do: a tunnel's selector is its inner traffic.
 */
VISIBLE_IF_KUNIT bool mif_selector_moves(const struct xfrm_policy *xp,
					 const struct mif_addr *from,
					 const struct mif_addr *to,
					 struct xfrm_selector *moved)
{
	struct xfrm_selector sel = xp->selector;
	bool transport = false;
	int i;

	for (i = 0; i < xp->xfrm_nr; i++)
		transport |= xp->xfrm_vec[i].mode == XFRM_MODE_TRANSPORT;
	if (!transport)
		return false;
	mif_swap_selector(&sel, from, to);
	if (moved)
		*moved = sel;
	return memcmp(&sel, &xp->selector, sizeof(sel));
}
EXPORT_SYMBOL_IF_KUNIT(mif_selector_moves);

/* Move one policy's templates in place, or re-insert a moved selector. */
static int mif_move_policy(struct mif_rw *rw, struct xfrm_policy *xp, int dir)
{
	const struct mif_addr *from = &rw->w.f->addr, *to = &rw->m->to;
	struct xfrm_policy *np;
	bool moved = false;
	int i, err;

	if (!mif_selector_moves(xp, from, to, NULL)) {
		/* only templates move: edit them in place */
		write_lock_bh(&xp->lock);
		if (xp->walk.dead) {
			write_unlock_bh(&xp->lock);
			return 0;
		}
		for (i = 0; i < xp->xfrm_nr; i++) {
			struct xfrm_tmpl *t = &xp->xfrm_vec[i];

			if (t->mode == XFRM_MODE_TRANSPORT)
				continue;
			moved |= mif_swap(&t->id.daddr, t->encap_family,
					  from, to);
			moved |= mif_swap(&t->saddr, t->encap_family, from, to);
		}
		if (moved)
			atomic_inc(&xp->genid);	/* flush cached bundles */
		write_unlock_bh(&xp->lock);
		if (moved) {
			mif_notify_policy(xp, dir, XFRM_MSG_UPDPOLICY);
			rw->counts.policies++;
		}
		return 0;
	}

	np = mif_policy_copy(xp);
	if (IS_ERR(np))
		return PTR_ERR(np);
	mif_swap_selector(&np->selector, from, to);
	for (i = 0; i < np->xfrm_nr; i++) {
		struct xfrm_tmpl *t = &np->xfrm_vec[i];

		mif_swap(&t->id.daddr, t->encap_family, from, to);
		mif_swap(&t->saddr, t->encap_family, from, to);
	}
	err = xfrm_policy_insert(dir, np, 1);
	if (err) {
		NL_SET_ERR_MSG(rw->extack, "cannot insert a moved policy");
		mif_policy_discard(np);
		return err;
	}
	xfrm_audit_policy_add(np, 1, true);
	mif_notify_policy(np, dir, XFRM_MSG_NEWPOLICY);
	xfrm_pol_put(np);
	if (!xfrm_policy_delete(xp, dir)) {
		xfrm_audit_policy_delete(xp, 1, true);
		mif_notify_policy(xp, dir, XFRM_MSG_DELPOLICY);
	}
	rw->counts.policies++;
	return 0;
}

/* Checks before anything changes: may x move, and is its SPI free at NEW? */
static int mif_check_state(struct mif_walk *w, struct xfrm_state *x)
{
	struct mif_rw *rw = mif_rw(w);
	const struct mif_addr *from = &rw->w.f->addr, *to = &rw->m->to;
	struct xfrm_state *other;

	rw->counts.states++;
	if (x->security || x->xso.dev || x->tunnel) {
		NL_SET_ERR_MSG(rw->extack,
			       "an SA has a security context, an offload or an IPcomp tunnel");
		return -EOPNOTSUPP;
	}
	if (!mif_addr_equal(from, &x->id.daddr, x->props.family))
		return 0;
	other = xfrm_state_lookup(rw->w.net, x->mark.v & x->mark.m, &to->a,
				  x->id.spi, x->id.proto, x->props.family);
	if (other) {
		xfrm_state_put(other);
		NL_SET_ERR_MSG(rw->extack,
			       "an SA with the same SPI exists at the new address");
		return -EEXIST;
	}
	return 0;
}

/* Would the moved selector of xp collide with a policy already there? */
static int mif_check_policy(struct mif_walk *w, struct xfrm_policy *xp,
			    int dir)
{
	struct mif_rw *rw = mif_rw(w);
	struct xfrm_policy *other;
	struct xfrm_selector sel;
	int err = 0;

	rw->counts.policies++;
	if (xp->security) {
		NL_SET_ERR_MSG(rw->extack, "a policy has a security context");
		return -EOPNOTSUPP;
	}
	if (!mif_selector_moves(xp, &rw->w.f->addr, &rw->m->to, &sel))
		return 0;
	other = xfrm_policy_bysel_ctx(rw->w.net, &xp->mark, xp->if_id, xp->type,
				      dir, &sel, NULL, 0, &err);
	if (other) {
		xfrm_pol_put(other);
		NL_SET_ERR_MSG(rw->extack,
			       "a policy with the moved selector exists already");
		return -EEXIST;
	}
	return 0;
}

/* Every SA and policy that would move, counted and checked. */
static int mif_check(struct mif_rw *rw)
{
	int err;

	rw->w.state_fn = mif_check_state;
	rw->w.policy_fn = mif_check_policy;
	err = mif_walk_states(&rw->w);
	if (!err)
		err = mif_walk_policies(&rw->w);
	return err;
}

/* A policy that fails to move is remembered; the others still move. */
static int mif_move_one_policy(struct mif_walk *w, struct xfrm_policy *xp,
			       int dir)
{
	struct mif_rw *rw = mif_rw(w);
	int err = mif_move_policy(rw, xp, dir);

	if (err && !rw->err)
		rw->err = err;
	return 0;
}

static int mif_move(struct mif_rw *rw)
{
	int err;

	rw->w.state_fn = mif_replace_state;
	err = mif_walk_states(&rw->w);
	if (err) {
		mif_pairs_rollback(rw);
		mif_pairs_finish(rw, false);
		return err;
	}
	/*
	 * A policy that fails to move (out of memory) keeps its old address;
	 * its SAs have moved regardless: the error says so.
	 */
	rw->w.policy_fn = mif_move_one_policy;
	err = mif_walk_policies(&rw->w);
	mif_pairs_finish(rw, true);
	return err ?: rw->err;
}

int mif_rewrite(struct net *net, const struct mif_filter *f,
		const struct mif_move *m, bool dry_run,
		struct mif_counts *counts, struct netlink_ext_ack *extack)
{
	struct mif_rw rw = {
		.w = { .net = net, .f = f },
		.m = m,
		.extack = extack,
		.pairs = LIST_HEAD_INIT(rw.pairs),
	};
	int err;

	if (m->to.family != f->addr.family) {
		NL_SET_ERR_MSG(extack, "old and new address families differ");
		return -EAFNOSUPPORT;
	}
	if (mif_addr_equal(&m->to, &f->addr.a, f->addr.family)) {
		NL_SET_ERR_MSG(extack, "old and new address are the same");
		return -EINVAL;
	}
	lockdep_assert_held(&mif_pernet(net)->lock);
	mutex_lock(&net->xfrm.xfrm_cfg_mutex);
	err = mif_check(&rw);
	if (!err && !dry_run) {
		memset(&rw.counts, 0, sizeof(rw.counts));
		err = mif_move(&rw);
	}
	mutex_unlock(&net->xfrm.xfrm_cfg_mutex);
	*counts = rw.counts;
	return err;
}
