// SPDX-License-Identifier: GPL-2.0
/*
 * Copies of policies. A policy's templates can be edited in place, but its
 * selector is hashed: a transport-mode policy whose selector names a moved
 * or new address is replaced by a copy inserted beside it.
 */
#include <net/xfrm.h>

#include "mif.h"

/* An unpublished copy of xp: selector, templates and settings. */
struct xfrm_policy *mif_policy_copy(const struct xfrm_policy *xp)
{
	struct xfrm_policy *np;

	if (xp->security)
		return ERR_PTR(-EOPNOTSUPP);
	np = xfrm_policy_alloc(xp_net(xp), GFP_KERNEL);
	if (!np)
		return ERR_PTR(-ENOMEM);
	np->priority = xp->priority;
	np->if_id = xp->if_id;
	np->mark = xp->mark;
	np->selector = xp->selector;
	np->lft = xp->lft;
	np->type = xp->type;
	np->action = xp->action;
	np->flags = xp->flags;
	np->family = xp->family;
	np->xfrm_nr = xp->xfrm_nr;
	memcpy(np->xfrm_vec, xp->xfrm_vec, xp->xfrm_nr * sizeof(xp->xfrm_vec[0]));
	return np;
}

/* Drop a copy that was never inserted. */
void mif_policy_discard(struct xfrm_policy *xp)
{
	xp->walk.dead = 1;
	xfrm_policy_destroy(xp);
}
