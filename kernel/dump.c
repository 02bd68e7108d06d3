// SPDX-License-Identifier: GPL-2.0
/*
 * Dump: the SAs and policies of the namespace, optionally only those bound
 * to one address, one message each, without keys. Userspace groups them by
 * outer address.
 *
 * The XFRM walkers fill the dump skb from their callbacks; when it is full
 * the walker parks on the object that did not fit and the next dump call
 * resumes there. The walkers live in memory allocated by .start and are
 * unlinked by .done, also when the socket closes mid-dump. Each call holds
 * the namespace's lock, so that none sees an operation half done.
 */
#include <linux/slab.h>
#include <linux/xfrm_mif.h>
#include <net/genetlink.h>
#include <net/xfrm.h>

#include "mif.h"

struct mif_dump {
	struct xfrm_state_walk sw;
	struct xfrm_policy_walk pw;
	struct mif_filter f;
	bool filtered;
	bool states_done;
	struct sk_buff *skb;
	struct netlink_callback *cb;
};

static struct mif_dump *mif_dump_ctx(struct netlink_callback *cb)
{
	return *(struct mif_dump **)cb->ctx;
}

static int mif_put_xaddr(struct sk_buff *skb, int type,
			 const xfrm_address_t *a, unsigned short family)
{
	struct mif_addr addr = { .a = *a, .family = family };

	return mif_addr_put(skb, type, &addr);
}

static void *mif_dump_hdr(struct mif_dump *d)
{
	return genlmsg_put(d->skb, NETLINK_CB(d->cb->skb).portid,
			   d->cb->nlh->nlmsg_seq, &mif_genl_family,
			   NLM_F_MULTI, XFRM_MIF_CMD_DUMP);
}

static int mif_dump_state(struct xfrm_state *x, int count, void *data)
{
	struct mif_dump *d = data;
	struct nlattr *nest;
	void *hdr;

	if (x->km.state != XFRM_STATE_VALID ||
	    (d->filtered && !mif_state_bound(&d->f, x)))
		return 0;
	hdr = mif_dump_hdr(d);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(d->skb, XFRM_MIF_A_STATE);
	if (!nest ||
	    nla_put_be32(d->skb, XFRM_MIF_SA_A_SPI, x->id.spi) ||
	    nla_put_u8(d->skb, XFRM_MIF_SA_A_PROTO, x->id.proto) ||
	    nla_put_u8(d->skb, XFRM_MIF_SA_A_MODE, x->props.mode) ||
	    mif_put_xaddr(d->skb, XFRM_MIF_SA_A_SRC, &x->props.saddr,
			  x->props.family) ||
	    mif_put_xaddr(d->skb, XFRM_MIF_SA_A_DST, &x->id.daddr,
			  x->props.family) ||
	    nla_put_u32(d->skb, XFRM_MIF_SA_A_REQID, x->props.reqid)) {
		genlmsg_cancel(d->skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(d->skb, nest);
	genlmsg_end(d->skb, hdr);
	return 0;
}

static int mif_dump_policy(struct xfrm_policy *xp, int dir, int count,
			   void *data)
{
	struct mif_dump *d = data;
	const struct xfrm_selector *sel = &xp->selector;
	struct nlattr *nest;
	void *hdr;

	if (dir >= XFRM_POLICY_MAX ||
	    (d->filtered && !mif_policy_bound(&d->f, xp)))
		return 0;
	hdr = mif_dump_hdr(d);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(d->skb, XFRM_MIF_A_POLICY);
	if (!nest ||
	    nla_put_u32(d->skb, XFRM_MIF_POL_A_INDEX, xp->index) ||
	    nla_put_u8(d->skb, XFRM_MIF_POL_A_DIR, dir) ||
	    mif_put_xaddr(d->skb, XFRM_MIF_POL_A_SEL_SRC, &sel->saddr,
			  xp->family) ||
	    nla_put_u8(d->skb, XFRM_MIF_POL_A_SEL_SRC_LEN, sel->prefixlen_s) ||
	    mif_put_xaddr(d->skb, XFRM_MIF_POL_A_SEL_DST, &sel->daddr,
			  xp->family) ||
	    nla_put_u8(d->skb, XFRM_MIF_POL_A_SEL_DST_LEN, sel->prefixlen_d))
		goto cancel;
	if (xp->xfrm_nr) {
		const struct xfrm_tmpl *t = &xp->xfrm_vec[0];

		if (nla_put_u8(d->skb, XFRM_MIF_POL_A_MODE, t->mode))
			goto cancel;
		if (t->mode != XFRM_MODE_TRANSPORT &&
		    (mif_put_xaddr(d->skb, XFRM_MIF_POL_A_TMPL_SRC, &t->saddr,
				   t->encap_family) ||
		     mif_put_xaddr(d->skb, XFRM_MIF_POL_A_TMPL_DST,
				   &t->id.daddr, t->encap_family)))
			goto cancel;
	}
	nla_nest_end(d->skb, nest);
	genlmsg_end(d->skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(d->skb, hdr);
	return -EMSGSIZE;
}

int mif_nl_dump_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct nlattr *addr = info->attrs[XFRM_MIF_A_ADDR];
	struct mif_dump *d;
	int err;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	if (addr) {
		err = mif_addr_parse(addr, &d->f.addr, cb->extack);
		if (err) {
			kfree(d);
			return err;
		}
		d->filtered = true;
	}
	xfrm_state_walk_init(&d->sw, IPSEC_PROTO_ANY, NULL);
	xfrm_policy_walk_init(&d->pw, XFRM_POLICY_TYPE_ANY);
	*(struct mif_dump **)cb->ctx = d;
	return 0;
}

int mif_nl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct mif_dump *d = mif_dump_ctx(cb);
	struct net *net = sock_net(skb->sk);
	struct mif_net *mn = mif_pernet(net);
	int err;

	d->skb = skb;
	d->cb = cb;
	mutex_lock(&mn->lock);
	if (!d->states_done) {
		err = xfrm_state_walk(net, &d->sw, mif_dump_state, d);
		if (err != -EMSGSIZE)
			d->states_done = true;
	}
	/* A full skb parks the walker; an empty one ends the dump. */
	if (d->states_done)
		xfrm_policy_walk(net, &d->pw, mif_dump_policy, d);
	mutex_unlock(&mn->lock);
	return skb->len;
}

int mif_nl_dump_done(struct netlink_callback *cb)
{
	struct mif_dump *d = mif_dump_ctx(cb);
	struct net *net = sock_net(cb->skb->sk);

	if (!d)
		return 0;
	xfrm_state_walk_done(&d->sw, net);
	xfrm_policy_walk_done(&d->pw, net);
	kfree(d);
	return 0;
}
