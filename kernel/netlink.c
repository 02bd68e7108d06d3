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
	[XFRM_MIF_A_FLAGS]	= NLA_POLICY_MASK(NLA_U32, XFRM_MIF_OPF_DRY_RUN |
						  XFRM_MIF_OPF_LOCAL |
						  XFRM_MIF_OPF_REMOTE),
	[XFRM_MIF_A_ENCAP_SPORT] = { .type = NLA_BE16 },
	[XFRM_MIF_A_ENCAP_DPORT] = { .type = NLA_BE16 },
	[XFRM_MIF_A_STATES]	= { .type = NLA_U32 },
	[XFRM_MIF_A_POLICIES]	= { .type = NLA_U32 },
	[XFRM_MIF_A_STATE]	= { .type = NLA_NESTED },
	[XFRM_MIF_A_POLICY]	= { .type = NLA_NESTED },
	[XFRM_MIF_A_CLONES]	= { .type = NLA_NESTED },
};

static struct genl_family mif_genl_family;

#define MIF_FEATURES 0

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
};

static const struct genl_multicast_group mif_mcgrps[] = {
	{ .name = XFRM_MIF_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family mif_genl_family __ro_after_init = {
	.name = XFRM_MIF_GENL_NAME,
	.version = XFRM_MIF_GENL_VERSION,
	.maxattr = XFRM_MIF_A_MAX,
	.policy = mif_policy,
	.netnsok = true,
	.module = THIS_MODULE,
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
