// SPDX-License-Identifier: GPL-2.0
/*
 * Delete an interface: every SA and policy bound to an address, in one call.
 * Policies go first, so that no packet finds a policy without its SA and
 * asks the key manager for one.
 */
#include <linux/xfrm.h>
#include <net/xfrm.h>

#include "mif.h"

struct mif_del {
	struct mif_walk w;
	bool dry_run;
	struct mif_counts counts;
};

static int mif_delete_policy(struct mif_walk *w, struct xfrm_policy *xp,
			     int dir)
{
	struct mif_del *d = container_of(w, struct mif_del, w);

	if (d->dry_run) {
		d->counts.policies++;
	} else if (!xfrm_policy_delete(xp, dir)) {
		xfrm_audit_policy_delete(xp, 1, true);
		mif_notify_policy(xp, dir, XFRM_MSG_DELPOLICY);
		d->counts.policies++;
	}
	return 0;
}

static int mif_delete_state(struct mif_walk *w, struct xfrm_state *x)
{
	struct mif_del *d = container_of(w, struct mif_del, w);

	if (d->dry_run) {
		d->counts.states++;
	} else if (!xfrm_state_delete(x)) {
		xfrm_audit_state_delete(x, 1, true);
		mif_notify_state(x, XFRM_MSG_DELSA);
		d->counts.states++;
	}
	return 0;
}

int mif_delete(struct net *net, const struct mif_filter *f, bool dry_run,
	       struct mif_counts *counts)
{
	struct mif_del d = {
		.w = {
			.net = net,
			.f = f,
			.state_fn = mif_delete_state,
			.policy_fn = mif_delete_policy,
		},
		.dry_run = dry_run,
	};
	int err;

	lockdep_assert_held(&mif_pernet(net)->lock);
	mutex_lock(&net->xfrm.xfrm_cfg_mutex);
	err = mif_walk_policies(&d.w);
	if (!err)
		err = mif_walk_states(&d.w);
	mutex_unlock(&net->xfrm.xfrm_cfg_mutex);
	*counts = d.counts;
	return err;
}
