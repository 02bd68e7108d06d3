// SPDX-License-Identifier: GPL-2.0
/*
 * Alternates: per address, an ordered list of addresses to move its SAs to
 * when it fails. A list belongs to a scope, the mark, if_id and reqid of
 * the SAs its owner moves (no scope: every SA bound to the address), so
 * that key managers that share an address, each with its marks or XFRM
 * interface, each keep their own list and move only their own SAs; and so
 * that one key manager, with a block of reqids for each IKE SA, keeps one
 * list for each IKE SA.
 *
 * This file keeps the sets (per network namespace, under mif_net.lock,
 * which the family's pre_doit takes for ALT_SET and ALT_DEL; with limits
 * per address and per namespace, charged to the memory cgroup of the
 * caller); they are freed with the namespace and on module unload.
 */
#include <kunit/visibility.h>
#include <linux/slab.h>
#include <linux/xfrm_mif.h>
#include <net/genetlink.h>

#include "mif.h"

bool mif_alt_scoped(const struct mif_alt *e)
{
	return e->f.has_mark || e->f.has_if_id || e->f.has_reqid;
}

/* Same address and scope? Marks and reqids are stored masked. */
VISIBLE_IF_KUNIT bool mif_alt_same(const struct mif_filter *a,
				   const struct mif_filter *b)
{
	if (!mif_addr_equal(&a->addr, &b->addr.a, b->addr.family) ||
	    a->has_mark != b->has_mark || a->has_if_id != b->has_if_id ||
	    a->has_reqid != b->has_reqid)
		return false;
	if (a->has_mark &&
	    (a->mark != b->mark || a->mark_mask != b->mark_mask))
		return false;
	if (a->has_reqid &&
	    (a->reqid != b->reqid || a->reqid_mask != b->reqid_mask))
		return false;
	return !a->has_if_id || a->if_id == b->if_id;
}
EXPORT_SYMBOL_IF_KUNIT(mif_alt_same);

static struct mif_alt *mif_alt_find(struct mif_net *mn,
				    const struct mif_filter *f)
{
	struct mif_alt *e;

	list_for_each_entry(e, &mn->alts, list)
		if (mif_alt_same(&e->f, f))
			return e;
	return NULL;
}

static unsigned int mif_alt_count(struct mif_net *mn, const struct mif_addr *a)
{
	unsigned int n = 0;
	struct mif_alt *e;

	list_for_each_entry(e, &mn->alts, list)
		n += mif_addr_equal(&e->f.addr, &a->a, a->family);
	return n;
}

/* The address and the scope of @info: its filters, values masked. */
static int mif_alt_key(struct genl_info *info, struct mif_filter *f)
{
	int err = mif_filter_parse(info, f);

	if (err)
		return err;
	f->mark &= f->mark_mask;
	f->reqid &= f->reqid_mask;
	return 0;
}

/* Parse XFRM_MIF_A_ALTS of @info into @e, checking every rule. */
static int mif_alt_parse(struct genl_info *info, struct mif_alt *e)
{
	struct nlattr *list = info->attrs[XFRM_MIF_A_ALTS], *nla;
	const struct mif_addr *addr = &e->f.addr;
	int rem, err;
	unsigned int i;

	nla_for_each_nested(nla, list, rem) {
		struct mif_addr *alt = &e->alts[e->n];

		if (nla_type(nla) != XFRM_MIF_A_ADDR) {
			NL_SET_ERR_MSG_ATTR(info->extack, nla,
					    "alternates hold only addresses");
			return -EINVAL;
		}
		if (e->n == XFRM_MIF_MAX_ALTS) {
			NL_SET_ERR_MSG_ATTR(info->extack, nla,
					    "too many alternates");
			return -E2BIG;
		}
		err = mif_addr_parse(nla, alt, info->extack);
		if (err)
			return err;
		if (alt->family != addr->family) {
			NL_SET_ERR_MSG_ATTR(info->extack, nla,
					    "alternate of another address family");
			return -EAFNOSUPPORT;
		}
		if (mif_addr_equal(addr, &alt->a, alt->family)) {
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

/* Add e, or replace the set of its address and scope, within the limits. */
static int mif_alt_insert(struct mif_net *mn, struct mif_alt *e,
			  struct netlink_ext_ack *extack)
{
	struct mif_alt *old = mif_alt_find(mn, &e->f);

	if (old) {
		list_replace(&old->list, &e->list);
		kfree(old);
		return 0;
	}
	if (mn->nalts >= XFRM_MIF_MAX_ALT_SETS) {
		NL_SET_ERR_MSG(extack,
			       "too many alternate sets in this network namespace");
		return -ENOSPC;
	}
	if (mif_alt_count(mn, &e->f.addr) >= XFRM_MIF_MAX_ALT_SCOPES) {
		NL_SET_ERR_MSG(extack,
			       "too many alternate sets (scopes) for this address");
		return -ENOSPC;
	}
	list_add_tail(&e->list, &mn->alts);
	mn->nalts++;
	return 0;
}

int mif_nl_alt_set(struct sk_buff *skb, struct genl_info *info)
{
	struct mif_net *mn = mif_pernet(genl_info_net(info));
	struct mif_alt *e;
	int err;

	if (MIF_REQ_ATTR_CHECK(info, XFRM_MIF_A_ALTS, "missing alternates"))
		return -EINVAL;
	e = kzalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	err = mif_alt_key(info, &e->f);
	if (!err)
		err = mif_alt_parse(info, e);
	if (!err) {
		lockdep_assert_held(&mn->lock);
		err = mif_alt_insert(mn, e, info->extack);
	}
	if (err)
		kfree(e);
	return err;
}

int mif_nl_alt_del(struct sk_buff *skb, struct genl_info *info)
{
	struct mif_net *mn = mif_pernet(genl_info_net(info));
	struct mif_filter f;
	struct mif_alt *e;
	int err;

	err = mif_alt_key(info, &f);
	if (err)
		return err;
	lockdep_assert_held(&mn->lock);
	e = mif_alt_find(mn, &f);
	if (e) {
		list_del(&e->list);
		mn->nalts--;
	}
	if (!e) {
		NL_SET_ERR_MSG(info->extack,
			       "address has no alternates in this scope");
		return -ENOENT;
	}
	kfree(e);
	return 0;
}

/*
 * The scope of e, if it has one: XFRM_MIF_A_MARK and _MARK_MASK, _IF_ID,
 * XFRM_MIF_A_REQID and _REQID_MASK.
 */
int mif_alt_put_scope(struct sk_buff *skb, const struct mif_alt *e)
{
	if (e->f.has_mark &&
	    (nla_put_u32(skb, XFRM_MIF_A_MARK, e->f.mark) ||
	     nla_put_u32(skb, XFRM_MIF_A_MARK_MASK, e->f.mark_mask)))
		return -EMSGSIZE;
	if (e->f.has_if_id && nla_put_u32(skb, XFRM_MIF_A_IF_ID, e->f.if_id))
		return -EMSGSIZE;
	if (e->f.has_reqid &&
	    (nla_put_u32(skb, XFRM_MIF_A_REQID, e->f.reqid) ||
	     nla_put_u32(skb, XFRM_MIF_A_REQID_MASK, e->f.reqid_mask)))
		return -EMSGSIZE;
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
	if (mif_addr_put(skb, XFRM_MIF_A_ADDR, &e->f.addr) ||
	    mif_alt_put_scope(skb, e))
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
	mn->nalts = 0;
	mutex_unlock(&mn->lock);
}
