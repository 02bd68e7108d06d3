// SPDX-License-Identifier: GPL-2.0
/*
 * Alternates: per address, an ordered list of addresses to move its SAs to
 * when it fails. This file keeps the lists (per network namespace, under
 * mif_net.lock, which the family's pre_doit takes for ALT_SET and ALT_DEL);
 * they are freed with the namespace and on module unload.
 */
#include <linux/slab.h>
#include <linux/xfrm_mif.h>
#include <net/genetlink.h>

#include "mif.h"

static struct mif_alt *mif_alt_find(struct mif_net *mn,
				    const struct mif_addr *a)
{
	struct mif_alt *e;

	list_for_each_entry(e, &mn->alts, list)
		if (mif_addr_equal(&e->addr, &a->a, a->family))
			return e;
	return NULL;
}

/* Parse XFRM_MIF_A_ALTS of @info into @e, checking every rule. */
static int mif_alt_parse(struct genl_info *info, struct mif_alt *e)
{
	struct nlattr *list = info->attrs[XFRM_MIF_A_ALTS], *nla;
	int rem, err;
	unsigned int i;

	/* the policy lets only XFRM_MIF_A_ADDR nests in */
	nla_for_each_nested(nla, list, rem) {
		struct mif_addr *alt = &e->alts[e->n];

		if (e->n == XFRM_MIF_MAX_ALTS) {
			NL_SET_ERR_MSG_ATTR(info->extack, nla,
					    "too many alternates");
			return -E2BIG;
		}
		err = mif_addr_parse(nla, alt, info->extack);
		if (err)
			return err;
		if (alt->family != e->addr.family) {
			NL_SET_ERR_MSG_ATTR(info->extack, nla,
					    "alternate of another address family");
			return -EAFNOSUPPORT;
		}
		if (mif_addr_equal(&e->addr, &alt->a, alt->family)) {
			NL_SET_ERR_MSG_ATTR(info->extack, nla,
					    "an address cannot be its own alternate");
			return -EINVAL;
		}
		for (i = 0; i < e->n; i++) {
			if (mif_addr_equal(&e->alts[i], &alt->a, alt->family)) {
				NL_SET_ERR_MSG_ATTR(info->extack, nla,
						    "alternate listed twice");
				return -EINVAL;
			}
		}
		e->n++;
	}
	if (!e->n) {
		NL_SET_ERR_MSG_ATTR(info->extack, list, "no alternate given");
		return -EINVAL;
	}
	return 0;
}

int mif_nl_alt_set(struct sk_buff *skb, struct genl_info *info)
{
	struct mif_net *mn = mif_pernet(genl_info_net(info));
	struct mif_alt *e, *old;
	int err;

	if (MIF_REQ_ATTR_CHECK(info, XFRM_MIF_A_ADDR, "missing address") ||
	    MIF_REQ_ATTR_CHECK(info, XFRM_MIF_A_ALTS, "missing alternates"))
		return -EINVAL;
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	err = mif_addr_parse(info->attrs[XFRM_MIF_A_ADDR], &e->addr,
			     info->extack);
	if (!err)
		err = mif_alt_parse(info, e);
	if (err) {
		kfree(e);
		return err;
	}
	lockdep_assert_held(&mn->lock);
	old = mif_alt_find(mn, &e->addr);
	if (old) {
		list_replace(&old->list, &e->list);
		kfree(old);
	} else {
		list_add_tail(&e->list, &mn->alts);
	}
	return 0;
}

int mif_nl_alt_del(struct sk_buff *skb, struct genl_info *info)
{
	struct mif_net *mn = mif_pernet(genl_info_net(info));
	struct mif_addr addr;
	struct mif_alt *e;
	int err;

	if (MIF_REQ_ATTR_CHECK(info, XFRM_MIF_A_ADDR, "missing address"))
		return -EINVAL;
	err = mif_addr_parse(info->attrs[XFRM_MIF_A_ADDR], &addr,
			     info->extack);
	if (err)
		return err;
	lockdep_assert_held(&mn->lock);
	e = mif_alt_find(mn, &addr);
	if (!e) {
		NL_SET_ERR_MSG(info->extack, "address has no alternates");
		return -ENOENT;
	}
	list_del(&e->list);
	kfree(e);
	return 0;
}

static int mif_alt_fill(struct sk_buff *skb, struct netlink_callback *cb,
			const struct mif_alt *e)
{
	struct nlattr *list;
	unsigned int i;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &mif_genl_family, NLM_F_MULTI, XFRM_MIF_CMD_ALT_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (mif_addr_put(skb, XFRM_MIF_A_ADDR, &e->addr))
		goto cancel;
	list = nla_nest_start(skb, XFRM_MIF_A_ALTS);
	if (!list)
		goto cancel;
	for (i = 0; i < e->n; i++)
		if (mif_addr_put(skb, XFRM_MIF_A_ADDR, &e->alts[i]))
			goto cancel;
	nla_nest_end(skb, list);
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* cb->args[0]: how many entries earlier calls sent. */
int mif_nl_alt_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct mif_net *mn = mif_pernet(sock_net(skb->sk));
	long skip = cb->args[0], i = 0;
	struct mif_alt *e;

	mutex_lock(&mn->lock);
	list_for_each_entry(e, &mn->alts, list) {
		if (i++ < skip)
			continue;
		if (mif_alt_fill(skb, cb, e)) {
			i--;
			break;
		}
	}
	mutex_unlock(&mn->lock);
	cb->args[0] = i;
	return skb->len;
}

void mif_alt_flush(struct mif_net *mn)
{
	struct mif_alt *e, *tmp;

	mutex_lock(&mn->lock);
	list_for_each_entry_safe(e, tmp, &mn->alts, list) {
		list_del(&e->list);
		kfree(e);
	}
	mutex_unlock(&mn->lock);
}
