// SPDX-License-Identifier: GPL-2.0
/*
 * The xfrm_mif generic netlink family: attribute policies, operations and
 * the event multicast group. Every operation requires CAP_NET_ADMIN in the
 * user namespace owning the caller's network namespace, as XFRM itself does.
 */
#include <linux/xfrm_mif.h>
#include <net/genetlink.h>

#include "mif.h"

static const struct nla_policy mif_policy[XFRM_MIF_A_MAX + 1] = {
	[XFRM_MIF_A_VERSION]	= { .type = NLA_U32 },
	[XFRM_MIF_A_FEATURES]	= { .type = NLA_U32 },
	[XFRM_MIF_A_ADDR]	= { .type = NLA_NESTED },
	[XFRM_MIF_A_NEW_ADDR]	= { .type = NLA_NESTED },
	[XFRM_MIF_A_NEW_PEER]	= { .type = NLA_NESTED },
	[XFRM_MIF_A_NEW_INNER]	= { .type = NLA_NESTED },
	[XFRM_MIF_A_FROM]	= { .type = NLA_NESTED },
	[XFRM_MIF_A_ALTS]	= { .type = NLA_NESTED },
	[XFRM_MIF_A_MARK]	= { .type = NLA_U32 },
	[XFRM_MIF_A_MARK_MASK]	= { .type = NLA_U32 },
	[XFRM_MIF_A_IF_ID]	= { .type = NLA_U32 },
	[XFRM_MIF_A_REQID]	= { .type = NLA_U32 },
	[XFRM_MIF_A_FLAGS]	= NLA_POLICY_MASK(NLA_U32, XFRM_MIF_OPF_DRY_RUN),
	[XFRM_MIF_A_ENCAP_PORT]	= { .type = NLA_BE16 },
	[XFRM_MIF_A_ENCAP_PEER_PORT] = { .type = NLA_BE16 },
	[XFRM_MIF_A_STATES]	= { .type = NLA_U32 },
	[XFRM_MIF_A_POLICIES]	= { .type = NLA_U32 },
	[XFRM_MIF_A_STATE]	= { .type = NLA_NESTED },
	[XFRM_MIF_A_POLICY]	= { .type = NLA_NESTED },
	[XFRM_MIF_A_CLONES]	= { .type = NLA_NESTED },
	[XFRM_MIF_A_CLONE]	= { .type = NLA_NESTED },
	[XFRM_MIF_A_NEW_PEER_INNER] = { .type = NLA_NESTED },
	[XFRM_MIF_A_SKIPPED]	= { .type = NLA_U32 },
	[XFRM_MIF_A_REASON]	= { .type = NLA_U32 },
	[XFRM_MIF_A_ERROR]	= { .type = NLA_S32 },
	[XFRM_MIF_A_MESSAGE]	= { .type = NLA_NUL_STRING },
};

#define MIF_FEATURES (XFRM_MIF_F_REWRITE | XFRM_MIF_F_CLONE | \
		      XFRM_MIF_F_DELETE | XFRM_MIF_F_ALTERNATES | XFRM_MIF_F_DUMP)

/*
 * True if attribute attr is missing, with msg (a string literal) and the
 * missing attribute in extack.
 */
bool mif_missing(struct genl_info *info, int attr, const char *msg)
{
	if (!GENL_REQ_ATTR_CHECK(info, attr))
		return false;
	if (info->extack)
		info->extack->_msg = msg;
	return true;
}

/* The address to operate on and the optional mark, if_id, reqid filters. */
int mif_filter_parse(struct genl_info *info, struct mif_filter *f)
{
	struct nlattr **attrs = info->attrs;
	int err;

	memset(f, 0, sizeof(*f));
	if (mif_missing(info, XFRM_MIF_A_ADDR, "missing address"))
		return -EINVAL;
	err = mif_addr_parse(attrs[XFRM_MIF_A_ADDR], &f->addr, info->extack);
	if (err)
		return err;
	if (attrs[XFRM_MIF_A_MARK]) {
		f->has_mark = true;
		f->mark = nla_get_u32(attrs[XFRM_MIF_A_MARK]);
		f->mark_mask = attrs[XFRM_MIF_A_MARK_MASK] ?
			       nla_get_u32(attrs[XFRM_MIF_A_MARK_MASK]) : ~0U;
	} else if (attrs[XFRM_MIF_A_MARK_MASK]) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[XFRM_MIF_A_MARK_MASK],
				    "mark mask without a mark");
		return -EINVAL;
	}
	if (attrs[XFRM_MIF_A_IF_ID]) {
		f->has_if_id = true;
		f->if_id = nla_get_u32(attrs[XFRM_MIF_A_IF_ID]);
	}
	if (attrs[XFRM_MIF_A_REQID]) {
		f->has_reqid = true;
		f->reqid = nla_get_u32(attrs[XFRM_MIF_A_REQID]);
	}
	return 0;
}

static int mif_put_counts(struct sk_buff *msg, const struct mif_addr *addr,
			  const struct mif_addr *to,
			  const struct mif_counts *counts)
{
	if ((addr && mif_addr_put(msg, XFRM_MIF_A_ADDR, addr)) ||
	    (to && mif_addr_put(msg, XFRM_MIF_A_NEW_ADDR, to)) ||
	    nla_put_u32(msg, XFRM_MIF_A_STATES, counts->states) ||
	    nla_put_u32(msg, XFRM_MIF_A_POLICIES, counts->policies))
		return -EMSGSIZE;
	return 0;
}

/* Tell the events group what an operation changed. */
void mif_event(struct net *net, u8 cmd, const struct mif_addr *addr,
	       const struct mif_counts *counts)
{
	mif_event_moved(net, cmd, addr, NULL, counts);
}

/* The same, for an operation that moved SAs from one address to another. */
void mif_event_moved(struct net *net, u8 cmd, const struct mif_addr *from,
		     const struct mif_addr *to, const struct mif_counts *counts)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&mif_genl_family, net, 0))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &mif_genl_family, 0, cmd);
	if (!hdr || mif_put_counts(msg, from, to, counts)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&mif_genl_family, net, msg, 0, 0, GFP_KERNEL);
}

/*
 * A reply with the counts, in two steps for an operation that must not
 * report failure once it has changed something: mif_reply_new() before
 * the change (it can fail), mif_reply_send() after (it cannot).
 */
struct sk_buff *mif_reply_new(struct genl_info *info, u8 cmd)
{
	struct sk_buff *msg;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (msg && !genlmsg_put_reply(msg, info, &mif_genl_family, 0, cmd)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

void mif_reply_send(struct sk_buff *msg, struct genl_info *info,
		    const struct mif_addr *addr,
		    const struct mif_counts *counts)
{
	/* an address and two counts always fit in NLMSG_GOODSIZE */
	WARN_ON_ONCE(mif_put_counts(msg, addr, NULL, counts));
	nlmsg_end(msg, nlmsg_hdr(msg));
	/*
	 * A reply the socket cannot take (its receive buffer full) does not
	 * undo the operation: the requester sees the socket's overrun
	 * (ENOBUFS), as for any lost netlink message, not a failure.
	 */
	genlmsg_reply(msg, info);
}

int mif_reply_counts(struct genl_info *info, u8 cmd,
		     const struct mif_addr *addr,
		     const struct mif_counts *counts)
{
	struct sk_buff *msg = mif_reply_new(info, cmd);

	if (!msg)
		return -ENOMEM;
	mif_reply_send(msg, info, addr, counts);
	return 0;
}

bool mif_dry_run(struct genl_info *info)
{
	struct nlattr *a = info->attrs[XFRM_MIF_A_FLAGS];

	return a && (nla_get_u32(a) & XFRM_MIF_OPF_DRY_RUN);
}

static int mif_nl_delete(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct mif_counts counts;
	struct mif_filter f;
	bool dry_run = mif_dry_run(info);
	int err;

	err = mif_filter_parse(info, &f);
	if (err)
		return err;
	err = mif_delete(net, &f, dry_run, &counts);
	if (err)
		return err;
	if (!dry_run)
		mif_event(net, XFRM_MIF_CMD_DELETE, &f.addr, &counts);
	return mif_reply_counts(info, XFRM_MIF_CMD_DELETE, &f.addr, &counts);
}

static int mif_nl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &mif_genl_family, 0,
				XFRM_MIF_CMD_GET_INFO);
	if (!hdr)
		goto nospace;
	if (nla_put_u32(msg, XFRM_MIF_A_VERSION, XFRM_MIF_GENL_VERSION) ||
	    nla_put_u32(msg, XFRM_MIF_A_FEATURES, MIF_FEATURES))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static const struct genl_small_ops mif_ops[] = {
	{
		.cmd = XFRM_MIF_CMD_GET_INFO,
		.doit = mif_nl_get_info,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XFRM_MIF_CMD_REWRITE,
		.doit = mif_nl_rewrite,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XFRM_MIF_CMD_CLONE,
		.doit = mif_nl_clone,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XFRM_MIF_CMD_DELETE,
		.doit = mif_nl_delete,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XFRM_MIF_CMD_ALT_SET,
		.doit = mif_nl_alt_set,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XFRM_MIF_CMD_ALT_GET,
		.dumpit = mif_nl_alt_dump,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XFRM_MIF_CMD_ALT_DEL,
		.doit = mif_nl_alt_del,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_ops mif_dump_ops[] = {
	{
		.cmd = XFRM_MIF_CMD_DUMP,
		.start = mif_nl_dump_start,
		.dumpit = mif_nl_dump,
		.done = mif_nl_dump_done,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_multicast_group mif_mcgrps[] = {
	{ .name = XFRM_MIF_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct genl_family mif_genl_family __ro_after_init = {
	.name = XFRM_MIF_GENL_NAME,
	.version = XFRM_MIF_GENL_VERSION,
	.maxattr = XFRM_MIF_A_MAX,
	.policy = mif_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = mif_dump_ops,
	.n_ops = ARRAY_SIZE(mif_dump_ops),
	.small_ops = mif_ops,
	.n_small_ops = ARRAY_SIZE(mif_ops),
	.resv_start_op = XFRM_MIF_CMD_MAX + 1,
	.mcgrps = mif_mcgrps,
	.n_mcgrps = ARRAY_SIZE(mif_mcgrps),
};

int __init mif_genl_init(void)
{
	return genl_register_family(&mif_genl_family);
}

void mif_genl_exit(void)
{
	genl_unregister_family(&mif_genl_family);
}
