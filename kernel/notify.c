// SPDX-License-Identifier: GPL-2.0
/*
 * Telling XFRM's own listeners (ip xfrm monitor, key managers subscribed
 * to XFRM netlink's SA or policy group) about each SA and policy an
 * operation added, changed or removed, as XFRM netlink itself would.
 *
 * Building one such message costs about as much as moving the SA (the SA
 * message carries its keys and every attribute), and key managers do not
 * subscribe to these groups (strongSwan and Libreswan listen for acquires,
 * expiries, migrations and mappings only), so with nobody on a group its
 * messages are not built. Listeners of xfrm_mif's own group hear of every
 * operation regardless, in one event per call.
 */
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <net/xfrm.h>

#include "mif.h"

static bool mif_xfrm_listens(struct net *net, unsigned int group)
{
	struct sock *nlsk;
	bool ret = false;

	rcu_read_lock();
	nlsk = rcu_dereference(net->xfrm.nlsk);
	if (nlsk)
		ret = netlink_has_listeners(nlsk, group);
	rcu_read_unlock();
	return ret;
}

/* XFRM_MSG_NEWSA, XFRM_MSG_DELSA or XFRM_MSG_UPDSA about x. */
void mif_notify_state(struct xfrm_state *x, int event)
{
	struct km_event c = { .event = event };

	if (mif_xfrm_listens(xs_net(x), XFRMNLGRP_SA))
		km_state_notify(x, &c);
}

/* XFRM_MSG_NEWPOLICY, XFRM_MSG_DELPOLICY or XFRM_MSG_UPDPOLICY about xp. */
void mif_notify_policy(struct xfrm_policy *xp, int dir, int event)
{
	struct km_event c = { .event = event };

	if (mif_xfrm_listens(xp_net(xp), XFRMNLGRP_POLICY))
		km_policy_notify(xp, dir, &c);
}
