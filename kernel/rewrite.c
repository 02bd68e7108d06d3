// SPDX-License-Identifier: GPL-2.0
/*
 * Rewrite an address: every SA and policy bound to outer address OLD moves
 * to NEW in one call, keeping SPIs, keys, replay and lifetime state.
 *
 * SAs are hashed by their addresses, so each one is replaced by a copy. A
 * policy's tunnel templates are edited in place, but a transport-mode
 * selector that names OLD is hashed too: such a policy is replaced by a
 * copy.
 *
 * All or nothing, in three passes under xfrm_cfg_mutex:
 *
 *  - check: every bound SA and policy may move, and nothing stands in the
 *    way at NEW (SPIs, selectors). Allocates nothing; a dry run stops here.
 *  - prepare: every copy is built and initialised, crypto transforms
 *    included. Nothing anyone can see has changed; a failure frees them.
 *  - commit: the old SAs are quiesced (ERROR state: they carry nothing,
 *    and a lookup that finds one drops the packet instead of raising an
 *    ACQUIRE); once the packets already past their state checks are done,
 *    their copies take their counters and are published, and the policy
 *    copies are inserted. Publishing and inserting can still
 *    fail (XFRM out of memory, two policy copies with one selector): then
 *    the copies go and the old SAs come back with their counters. Past
 *    that, nothing fails: templates are edited, the old SAs and policies
 *    deleted, and only then are XFRM's listeners told.
 *
 * No two live SAs ever hold the same keys, so no sequence number, and no
 * AEAD nonce, is used twice.
 */
#include <kunit/visibility.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/xfrm_mif.h>
#include <net/xfrm.h>

#include "mif.h"

/* An SA to move, and its copy at NEW. */
struct mif_sa_move {
	struct xfrm_state *x, *xc;
	bool dst_moved;		/* xc's (daddr, SPI) is new: added, not inserted */
	bool quiesced;		/* this rewrite put x in XFRM_STATE_ERROR */
	bool published;		/* xc went into XFRM's tables */
	bool deleted;		/* the commit deleted x */
};

/* A policy to move: its templates in place, or replaced by a copy, np. */
struct mif_pol_move {
	struct xfrm_policy *xp, *np;
	int dir;
	bool inserted;		/* np went into XFRM's tables */
	bool moved;		/* xp's templates changed, or np replaced xp */
	bool deleted;		/* the commit deleted xp */
};

struct mif_rw {
	struct mif_walk w;		/* w.f: OLD and the filters */
	const struct mif_move *m;
	struct netlink_ext_ack *extack;
	struct mif_counts counts;
	struct mif_sa_move *sas;	/* as many as the check counted */
	struct mif_pol_move *pols;
	unsigned int n_sas, max_sas, n_pols, max_pols;
};

static struct mif_rw *mif_rw(struct mif_walk *w)
{
	return container_of(w, struct mif_rw, w);
}

#if IS_ENABLED(CONFIG_KUNIT)
static int (*mif_rw_test_hook)(enum mif_rw_step step, void *obj);

/* Tests only: hook is called at each step of a commit (NULL: no more). */
void mif_rewrite_set_hook(int (*hook)(enum mif_rw_step step, void *obj))
{
	WRITE_ONCE(mif_rw_test_hook, hook);
}
EXPORT_SYMBOL_IF_KUNIT(mif_rewrite_set_hook);
#endif

/* What a test does at a step of the commit, or makes fail there. */
static int mif_rw_hook(enum mif_rw_step step, void *obj)
{
#if IS_ENABLED(CONFIG_KUNIT)
	int (*hook)(enum mif_rw_step step, void *obj);

	hook = READ_ONCE(mif_rw_test_hook);
	if (hook)
		return hook(step, obj);
#endif
	return 0;
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

/*
 * Does x gain UDP encapsulation by moving? With both ports given, a NAT
 * appeared on the new path. Only ESP is carried in UDP (RFC 3948), and
 * XFRM refuses encapsulation on anything else: an IPcomp SA moves as it is
 * (combined with ESP, its packets travel inside ESP's), and an AH SA,
 * which no NAT lets through, is refused before anything changes.
 */
static bool mif_gains_encap(const struct xfrm_state *x,
			    const struct mif_move *m)
{
	return x->id.proto == IPPROTO_ESP && !x->encap && m->port &&
	       m->peer_port;
}

/* The UDP encapsulation of a moved SA: ports at NEW and at the peer. */
VISIBLE_IF_KUNIT int mif_move_encap(struct xfrm_state *xc, bool src_moved,
				    const struct mif_move *m)
{
	struct xfrm_encap_tmpl *e = xc->encap;

	if (!m->port && !m->peer_port)
		return 0;
	if (!e) {
		if (!mif_gains_encap(xc, m))
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
	if (x->id.proto == IPPROTO_AH && rw->m->port && rw->m->peer_port) {
		NL_SET_ERR_MSG(rw->extack,
			       "an AH SA cannot be UDP-encapsulated");
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

/*
 * The prepare pass finds more than the check did. Under xfrm_cfg_mutex
 * nobody adds SAs or policies, so this is a safeguard, not a case.
 */
static int mif_changed(struct mif_rw *rw)
{
	NL_SET_ERR_MSG(rw->extack, "SAs or policies changed during the rewrite");
	return -EAGAIN;
}

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
	if (!err)
		err = xfrm_init_state(xc);
	if (err) {
		NL_SET_ERR_MSG(rw->extack, "cannot initialise a moved SA");
		mif_state_discard(xc);
		return ERR_PTR(err);
	}
	return xc;
}

static int mif_prepare_state(struct mif_walk *w, struct xfrm_state *x)
{
	struct mif_rw *rw = mif_rw(w);
	struct mif_sa_move *s;
	struct xfrm_state *xc;
	bool dst_moved;

	if (rw->n_sas == rw->max_sas)
		return mif_changed(rw);
	xc = mif_state_moved(rw, x, &dst_moved);
	if (IS_ERR(xc))
		return PTR_ERR(xc);
	s = &rw->sas[rw->n_sas++];
	xfrm_state_hold(x);
	s->x = x;
	s->xc = xc;
	s->dst_moved = dst_moved;
	return 0;
}

/* A copy of xp with its selector and templates at the new address. */
static int mif_prepare_policy(struct mif_walk *w, struct xfrm_policy *xp,
			      int dir)
{
	struct mif_rw *rw = mif_rw(w);
	const struct mif_addr *from = &rw->w.f->addr, *to = &rw->m->to;
	struct xfrm_policy *np = NULL;
	struct mif_pol_move *p;
	int i;

	if (rw->n_pols == rw->max_pols)
		return mif_changed(rw);
	if (mif_selector_moves(xp, from, to, NULL)) {
		np = mif_policy_copy(xp);
		if (IS_ERR(np))
			return PTR_ERR(np);
		mif_swap_selector(&np->selector, from, to);
		for (i = 0; i < np->xfrm_nr; i++) {
			struct xfrm_tmpl *t = &np->xfrm_vec[i];

			mif_swap(&t->id.daddr, t->encap_family, from, to);
			mif_swap(&t->saddr, t->encap_family, from, to);
		}
	}
	p = &rw->pols[rw->n_pols++];
	xfrm_pol_hold(xp);
	p->xp = xp;
	p->np = np;
	p->dir = dir;
	return 0;
}

/* Every copy, built and initialised; nothing published. */
static int mif_prepare(struct mif_rw *rw)
{
	int err;

	rw->max_sas = rw->counts.states;
	rw->max_pols = rw->counts.policies;
	memset(&rw->counts, 0, sizeof(rw->counts));
	rw->sas = kvcalloc(rw->max_sas, sizeof(*rw->sas), GFP_KERNEL);
	rw->pols = kvcalloc(rw->max_pols, sizeof(*rw->pols), GFP_KERNEL);
	if (!rw->sas || !rw->pols)
		return -ENOMEM;
	rw->w.state_fn = mif_prepare_state;
	rw->w.policy_fn = mif_prepare_policy;
	err = mif_walk_states(&rw->w);
	if (!err)
		err = mif_walk_policies(&rw->w);
	return err;
}

/*
 * Quiesce the old SAs. One that expired or was deleted since the check
 * stays as it is, and its copy is not published. True if any was.
 */
static bool mif_quiesce(struct mif_rw *rw)
{
	bool any = false;
	unsigned int i;

	for (i = 0; i < rw->n_sas; i++) {
		struct mif_sa_move *s = &rw->sas[i];
		struct xfrm_state *x = s->x;

		spin_lock_bh(&x->lock);
		if (x->km.state == XFRM_STATE_VALID) {
			x->km.state = XFRM_STATE_ERROR;
			s->quiesced = true;
		}
		spin_unlock_bh(&x->lock);
		if (s->quiesced)
			mif_rw_hook(MIF_RW_QUIESCED, x);
		any |= s->quiesced;
	}
	return any;
}

/*
 * Wait until no packet can change the counters of SAs that stopped
 * carrying traffic. XFRM's input checks an SA's state under its lock,
 * drops the lock to decrypt, and takes it again to advance the replay
 * window and count the packet without checking the state again; an
 * asynchronous decryption resumes (xfrm_input_resume()) with a check made
 * before it takes the lock. A packet that passed the check just before
 * its SA stopped can thus advance the SA's window just after, and a copy
 * that took the counters at that moment would accept a replay of it. All
 * of this runs with bottom halves disabled (x->lock is taken with
 * spin_lock; cryptd completes under local_bh_disable(), other drivers in
 * softirq or interrupt context), which is an RCU read-side critical
 * section: after a grace period, every such packet is done. Outbound,
 * xfrm_output_one() checks the state and takes its sequence number in one
 * hold of the lock, so the counters a quiesced SA has are final there.
 */
static void mif_settle(void)
{
	synchronize_net();
}

/*
 * Publish the copy of every SA still quiesced, with the counters, now
 * final, of its SA.
 */
static int mif_publish(struct mif_rw *rw)
{
	unsigned int i;
	int err;

	for (i = 0; i < rw->n_sas; i++) {
		struct mif_sa_move *s = &rw->sas[i];
		struct xfrm_state *x = s->x;
		bool gone;

		if (!s->quiesced)
			continue;
		/* hard-expired meanwhile: XFRM's timer runs on ERROR SAs */
		spin_lock_bh(&x->lock);
		gone = x->km.state != XFRM_STATE_ERROR;
		if (!gone)
			mif_state_take_counters(s->xc, x);
		spin_unlock_bh(&x->lock);
		if (gone)
			continue;
		err = mif_rw_hook(MIF_RW_PUBLISH, s->xc);
		if (!err) {
			if (s->dst_moved)
				err = xfrm_state_add(s->xc);
			else	/* same (daddr, SPI): ahead of the quiesced SA */
				xfrm_state_insert(s->xc);
		}
		if (err) {
			NL_SET_ERR_MSG(rw->extack, "cannot publish a moved SA");
			return err;
		}
		xfrm_state_hold(s->xc);	/* ours, beside XFRM's */
		s->published = true;
	}
	return 0;
}

/* Insert the policy copies; the old policies are still there. */
static int mif_insert_policies(struct mif_rw *rw)
{
	unsigned int i;
	int err;

	for (i = 0; i < rw->n_pols; i++) {
		struct mif_pol_move *p = &rw->pols[i];

		if (!p->np)
			continue;
		err = mif_rw_hook(MIF_RW_INSERT, p->np);
		if (!err)
			err = xfrm_policy_insert(p->dir, p->np, 1);
		if (err == -EEXIST) {
			/* the check saw none: two copies collide */
			NL_SET_ERR_MSG(rw->extack,
				       "two policies would have the same selector at the new address");
			return err;
		}
		if (err) {
			NL_SET_ERR_MSG(rw->extack, "cannot insert a moved policy");
			return err;
		}
		p->inserted = true;
	}
	return 0;
}

/*
 * Undo a commit that failed: the copies go, and the old SAs come back with
 * the counters their copies reached. Only an SA still in the state this
 * rewrite set comes back: one that hard-expired while quiesced is DEAD,
 * out of XFRM's tables and without its table reference, and making it
 * VALID again would have XFRM delete it a second time.
 */
static void mif_rollback(struct mif_rw *rw)
{
	bool published = false;
	unsigned int i;

	for (i = 0; i < rw->n_pols; i++)
		if (rw->pols[i].inserted)
			xfrm_policy_delete(rw->pols[i].np, rw->pols[i].dir);
	for (i = 0; i < rw->n_sas; i++) {
		if (rw->sas[i].published) {
			xfrm_state_delete(rw->sas[i].xc);
			published = true;
		}
	}
	if (published)
		mif_settle();	/* the copies' counters are final */
	for (i = 0; i < rw->n_sas; i++) {
		struct mif_sa_move *s = &rw->sas[i];
		struct xfrm_state *x = s->x, *xc = s->xc;

		if (!s->quiesced)
			continue;
		spin_lock_bh(&x->lock);
		if (x->km.state == XFRM_STATE_ERROR) {
			if (s->published) {
				spin_lock_nested(&xc->lock, SINGLE_DEPTH_NESTING);
				mif_state_take_counters(x, xc);
				spin_unlock(&xc->lock);
			}
			x->km.state = XFRM_STATE_VALID;
		}
		spin_unlock_bh(&x->lock);
	}
}

/* The tunnel templates of xp that name OLD name NEW. */
static bool mif_edit_templates(struct mif_rw *rw, struct xfrm_policy *xp)
{
	const struct mif_addr *from = &rw->w.f->addr, *to = &rw->m->to;
	bool moved = false;
	int i;

	write_lock_bh(&xp->lock);
	if (!xp->walk.dead) {
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
	}
	write_unlock_bh(&xp->lock);
	return moved;
}

/*
 * Past the last failure: the templates move, the old policies and SAs go,
 * and XFRM's listeners hear of it all in the order it happened.
 */
static void mif_finish(struct mif_rw *rw)
{
	unsigned int i;

	for (i = 0; i < rw->n_pols; i++) {
		struct mif_pol_move *p = &rw->pols[i];

		if (p->np) {
			p->moved = true;
			p->deleted = !xfrm_policy_delete(p->xp, p->dir);
		} else {
			p->moved = mif_edit_templates(rw, p->xp);
		}
		rw->counts.policies += p->moved;
	}
	for (i = 0; i < rw->n_sas; i++) {
		struct mif_sa_move *s = &rw->sas[i];

		if (s->published) {
			s->deleted = !xfrm_state_delete(s->x);
			rw->counts.states++;
		}
	}

	for (i = 0; i < rw->n_sas; i++) {
		if (!rw->sas[i].published)
			continue;
		xfrm_audit_state_add(rw->sas[i].xc, 1, true);
		mif_notify_state(rw->sas[i].xc, XFRM_MSG_NEWSA);
	}
	for (i = 0; i < rw->n_pols; i++) {
		struct mif_pol_move *p = &rw->pols[i];

		if (p->np) {
			xfrm_audit_policy_add(p->np, 1, true);
			mif_notify_policy(p->np, p->dir, XFRM_MSG_NEWPOLICY);
		} else if (p->moved) {
			mif_notify_policy(p->xp, p->dir, XFRM_MSG_UPDPOLICY);
		}
		if (p->deleted) {
			xfrm_audit_policy_delete(p->xp, 1, true);
			mif_notify_policy(p->xp, p->dir, XFRM_MSG_DELPOLICY);
		}
	}
	for (i = 0; i < rw->n_sas; i++) {
		if (!rw->sas[i].deleted)
			continue;
		xfrm_audit_state_delete(rw->sas[i].x, 1, true);
		mif_notify_state(rw->sas[i].x, XFRM_MSG_DELSA);
	}
}

/* Drop this rewrite's references, and the copies nobody published. */
static void mif_release(struct mif_rw *rw)
{
	unsigned int i;

	for (i = 0; i < rw->n_sas; i++) {
		struct mif_sa_move *s = &rw->sas[i];

		if (s->published)
			xfrm_state_put(s->xc);
		else
			mif_state_discard(s->xc);
		xfrm_state_put(s->x);
	}
	for (i = 0; i < rw->n_pols; i++) {
		struct mif_pol_move *p = &rw->pols[i];

		if (p->np && p->inserted)
			xfrm_pol_put(p->np);
		else if (p->np)
			mif_policy_discard(p->np);
		xfrm_pol_put(p->xp);
	}
	kvfree(rw->sas);
	kvfree(rw->pols);
}

static int mif_move(struct mif_rw *rw)
{
	int err;

	err = mif_prepare(rw);
	if (!err) {
		if (mif_quiesce(rw))
			mif_settle();
		err = mif_publish(rw);
		if (!err)
			err = mif_insert_policies(rw);
		if (err)
			mif_rollback(rw);
		else
			mif_finish(rw);
	}
	mif_release(rw);
	return err;
}

int mif_rewrite(struct net *net, const struct mif_filter *f,
		const struct mif_move *m, bool dry_run,
		struct mif_counts *counts, struct netlink_ext_ack *extack)
{
	struct mif_rw rw = {
		.w = { .net = net, .f = f },
		.m = m,
		.extack = extack,
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
	if (!err && !dry_run)
		err = mif_move(&rw);
	mutex_unlock(&net->xfrm.xfrm_cfg_mutex);
	*counts = rw.counts;
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(mif_rewrite);
