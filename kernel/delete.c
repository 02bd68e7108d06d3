// SPDX-License-Identifier: GPL-2.0
/*
 * Delete an interface: every SA and policy bound to an address, in one call.
 *
 * The XFRM walkers call back under a spinlock, where nothing may be deleted:
 * bound objects are held into a batch, the walker is parked, the batch is
 * deleted, and the walk resumes. Policies go first, so that no packet finds
 * a policy without its SA and asks the key manager for one.
 */
#include <linux/slab.h>
#include <net/xfrm.h>

#include "mif.h"

#define MIF_BATCH 256

struct mif_batch {
	const struct mif_filter *f;
	unsigned int n;
	void *obj[MIF_BATCH];
	int dir[MIF_BATCH];
};

static int mif_collect_policy(struct xfrm_policy *xp, int dir, int count,
			      void *data)
{
	struct mif_batch *b = data;

	if (dir >= XFRM_POLICY_MAX || !mif_policy_bound(b->f, xp))
		return 0;
	if (b->n == MIF_BATCH)
		return -ENOBUFS;	/* park here, come back for this one */
	xfrm_pol_hold(xp);
	b->dir[b->n] = dir;
	b->obj[b->n++] = xp;
	return 0;
}

static int mif_collect_state(struct xfrm_state *x, int count, void *data)
{
	struct mif_batch *b = data;

	if (x->km.state != XFRM_STATE_VALID || !mif_state_bound(b->f, x))
		return 0;
	if (b->n == MIF_BATCH)
		return -ENOBUFS;
	xfrm_state_hold(x);
	b->obj[b->n++] = x;
	return 0;
}

static u32 mif_delete_policies(struct mif_batch *b, bool dry_run)
{
	u32 done = 0;
	unsigned int i;

	for (i = 0; i < b->n; i++) {
		struct xfrm_policy *xp = b->obj[i];

		if (dry_run) {
			done++;
		} else if (!xfrm_policy_delete(xp, b->dir[i])) {
			xfrm_audit_policy_delete(xp, 1, true);
			mif_notify_policy(xp, b->dir[i], XFRM_MSG_DELPOLICY);
			done++;
		}
		xfrm_pol_put(xp);
	}
	b->n = 0;
	return done;
}

static u32 mif_delete_states(struct mif_batch *b, bool dry_run)
{
	u32 done = 0;
	unsigned int i;

	for (i = 0; i < b->n; i++) {
		struct xfrm_state *x = b->obj[i];

		if (dry_run) {
			done++;
		} else if (!xfrm_state_delete(x)) {
			xfrm_audit_state_delete(x, 1, true);
			mif_notify_state(x, XFRM_MSG_DELSA);
			done++;
		}
		xfrm_state_put(x);
	}
	b->n = 0;
	return done;
}

int mif_delete(struct net *net, const struct mif_filter *f, bool dry_run,
	       struct mif_counts *counts)
{
	struct xfrm_policy_walk pw;
	struct xfrm_state_walk sw;
	struct mif_batch *b;
	int err;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->f = f;
	memset(counts, 0, sizeof(*counts));

	mutex_lock(&net->xfrm.xfrm_cfg_mutex);
	xfrm_policy_walk_init(&pw, XFRM_POLICY_TYPE_ANY);
	do {
		err = xfrm_policy_walk(net, &pw, mif_collect_policy, b);
		counts->policies += mif_delete_policies(b, dry_run);
	} while (err == -ENOBUFS);
	xfrm_policy_walk_done(&pw, net);

	xfrm_state_walk_init(&sw, IPSEC_PROTO_ANY, NULL);
	do {
		err = xfrm_state_walk(net, &sw, mif_collect_state, b);
		counts->states += mif_delete_states(b, dry_run);
	} while (err == -ENOBUFS);
	xfrm_state_walk_done(&sw, net);
	mutex_unlock(&net->xfrm.xfrm_cfg_mutex);

	kfree(b);
	return 0;
}
