// SPDX-License-Identifier: GPL-2.0
/*
 * Walking the SAs and policies an operation touches.
 *
 * XFRM's walkers call back under a spinlock, where nothing may be copied,
 * inserted or deleted. So the objects a walk selects are held into a batch
 * under the lock, the walker is parked (the callback returns -ENOBUFS,
 * which leaves it on the object it refused), the batch is worked on
 * outside the lock, and the walk resumes. Objects added meanwhile are
 * visited too, after the others: their selection must refuse them.
 */
#include <linux/slab.h>
#include <net/xfrm.h>

#include "mif.h"

#define MIF_BATCH 256

struct mif_batch {
	struct mif_walk *w;
	unsigned int n;
	void *obj[MIF_BATCH];
	int dir[MIF_BATCH];
};

static bool mif_walk_state_selects(struct mif_walk *w,
				   const struct xfrm_state *x)
{
	if (x->km.state != XFRM_STATE_VALID)
		return false;
	return w->state_match ? w->state_match(w, x) :
				mif_state_bound(w->f, x);
}

static bool mif_walk_policy_selects(struct mif_walk *w,
				    const struct xfrm_policy *xp, int dir)
{
	if (dir >= XFRM_POLICY_MAX)	/* the per-socket policies */
		return false;
	return w->policy_match ? w->policy_match(w, xp) :
				 mif_policy_bound(w->f, xp);
}

static int mif_batch_state(struct xfrm_state *x, int count, void *data)
{
	struct mif_batch *b = data;

	if (!mif_walk_state_selects(b->w, x))
		return 0;
	if (b->n == MIF_BATCH)
		return -ENOBUFS;	/* park here, come back for this one */
	xfrm_state_hold(x);
	b->obj[b->n++] = x;
	return 0;
}

static int mif_batch_policy(struct xfrm_policy *xp, int dir, int count,
			    void *data)
{
	struct mif_batch *b = data;

	if (!mif_walk_policy_selects(b->w, xp, dir))
		return 0;
	if (b->n == MIF_BATCH)
		return -ENOBUFS;
	xfrm_pol_hold(xp);
	b->dir[b->n] = dir;
	b->obj[b->n++] = xp;
	return 0;
}

/*
 * Call w->state_fn on every valid SA selected (bound to w->f, unless
 * w->state_match says otherwise), outside any lock but the caller's.
 * Stops at the first error state_fn returns, and returns it.
 */
int mif_walk_states(struct mif_walk *w)
{
	struct xfrm_state_walk sw;
	struct mif_batch *b;
	int err, ret = 0;
	unsigned int i;

	b = kmalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->w = w;
	b->n = 0;
	xfrm_state_walk_init(&sw, IPSEC_PROTO_ANY, NULL);
	do {
		err = xfrm_state_walk(w->net, &sw, mif_batch_state, b);
		for (i = 0; i < b->n; i++) {
			if (!ret)
				ret = w->state_fn(w, b->obj[i]);
			xfrm_state_put(b->obj[i]);
		}
		b->n = 0;
	} while (err == -ENOBUFS && !ret);
	xfrm_state_walk_done(&sw, w->net);
	kfree(b);
	return ret;
}

/* The same for policies, with w->policy_match and w->policy_fn. */
int mif_walk_policies(struct mif_walk *w)
{
	struct xfrm_policy_walk pw;
	struct mif_batch *b;
	int err, ret = 0;
	unsigned int i;

	b = kmalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->w = w;
	b->n = 0;
	xfrm_policy_walk_init(&pw, XFRM_POLICY_TYPE_ANY);
	do {
		err = xfrm_policy_walk(w->net, &pw, mif_batch_policy, b);
		for (i = 0; i < b->n; i++) {
			if (!ret)
				ret = w->policy_fn(w, b->obj[i], b->dir[i]);
			xfrm_pol_put(b->obj[i]);
		}
		b->n = 0;
	} while (err == -ENOBUFS && !ret);
	xfrm_policy_walk_done(&pw, w->net);
	kfree(b);
	return ret;
}
