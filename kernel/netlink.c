// SPDX-License-Identifier: GPL-2.0
/*
 * The xfrm_mif generic netlink family: what each operation accepts (one
 * attribute policy per operation), the table of operations, and what the
 * operations share: the address and filters they select by, and the reply
 * and event carrying what they did. docs/xfrm_mif.yaml describes the same
 * family in the kernel's YAML spec format.
 *
 * An operation accepts only the attributes it takes: strict validation
 * refuses any other with "Unsupported attribute" and its offset, and a
 * number only the kernel sends (version, features, counts) with a message
 * naming it. Nests are validated by their policies, down to each address.
 *
 * Every operation requires CAP_NET_ADMIN in the user namespace owning the
 * caller's network namespace, as XFRM itself does. The family is
 * parallel_ops: operations serialise per network namespace only (mif.h,
 * "Locking").
 */
#include <kunit/visibility.h>
#include <linux/xfrm_mif.h>
#include <net/genetlink.h>

#include "clone.h"
#include "mif.h"

/*
 * Numbers only the kernel sends: every request refuses them, by name. (The
 * dump's nests, STATE and POLICY, are left unspecified: the validator
 * refuses a nest where the policy rejects with "NLA_F_NESTED not
 * expected", before it looks at the reject message; "Unsupported
 * attribute" says better what is wrong.)
 */
#define MIF_REPLY_ONLY(attr)						\
	{ .type = NLA_REJECT,						\
	  .reject_message = #attr " is only sent by the kernel" }

#define MIF_REPLY_ATTRS							\
	[XFRM_MIF_A_VERSION]	= MIF_REPLY_ONLY(XFRM_MIF_A_VERSION),	\
	[XFRM_MIF_A_FEATURES]	= MIF_REPLY_ONLY(XFRM_MIF_A_FEATURES),	\
	[XFRM_MIF_A_STATES]	= MIF_REPLY_ONLY(XFRM_MIF_A_STATES),	\
	[XFRM_MIF_A_POLICIES]	= MIF_REPLY_ONLY(XFRM_MIF_A_POLICIES),	\
	[XFRM_MIF_A_SKIPPED]	= MIF_REPLY_ONLY(XFRM_MIF_A_SKIPPED),	\
	[XFRM_MIF_A_REASON]	= MIF_REPLY_ONLY(XFRM_MIF_A_REASON),	\
	[XFRM_MIF_A_ERROR]	= MIF_REPLY_ONLY(XFRM_MIF_A_ERROR),	\
	[XFRM_MIF_A_MESSAGE]	= MIF_REPLY_ONLY(XFRM_MIF_A_MESSAGE)

/* The filters that narrow what an address selects (mif_narrow_parse). */
#define MIF_FILTER_ATTRS						\
	[XFRM_MIF_A_MARK]	= { .type = NLA_U32 },			\
	[XFRM_MIF_A_MARK_MASK]	= { .type = NLA_U32 },			\
	[XFRM_MIF_A_IF_ID]	= { .type = NLA_U32 },			\
	[XFRM_MIF_A_REQID]	= { .type = NLA_U32 },			\
	[XFRM_MIF_A_REQID_MASK]	= { .type = NLA_U32 }

#define MIF_FLAGS_ATTR	NLA_POLICY_MASK(NLA_U32, XFRM_MIF_OPF_DRY_RUN)

/* FROM and ALTS: an ordered list of XFRM_MIF_A_ADDR nests. */
static const struct nla_policy mif_addr_list_policy[XFRM_MIF_A_ADDR + 1] = {
	[XFRM_MIF_A_ADDR]	= NLA_POLICY_NESTED(mif_addr_policy),
};

/* CLONES: a list of XFRM_MIF_A_CLONE nests. */
static const struct nla_policy mif_clone_list_policy[XFRM_MIF_A_CLONE + 1] = {
	[XFRM_MIF_A_CLONE]	= NLA_POLICY_NESTED(mif_clone_ent_policy),
};

static const struct nla_policy mif_get_info_policy[XFRM_MIF_A_MAX + 1] = {
	MIF_REPLY_ATTRS,
};

static const struct nla_policy mif_rewrite_policy[XFRM_MIF_A_MAX + 1] = {
	[XFRM_MIF_A_ADDR]	= NLA_POLICY_NESTED(mif_addr_policy),
	[XFRM_MIF_A_NEW_ADDR]	= NLA_POLICY_NESTED(mif_addr_policy),
	[XFRM_MIF_A_ENCAP_PORT]	= { .type = NLA_BE16 },
	[XFRM_MIF_A_ENCAP_PEER_PORT] = { .type = NLA_BE16 },
	[XFRM_MIF_A_FLAGS]	= MIF_FLAGS_ATTR,
	MIF_FILTER_ATTRS,
	MIF_REPLY_ATTRS,
};

/* No XFRM_MIF_A_ADDR: the sources are in XFRM_MIF_A_FROM. */
static const struct nla_policy mif_clone_policy[XFRM_MIF_A_MAX + 1] = {
	[XFRM_MIF_A_FROM]	= NLA_POLICY_NESTED(mif_addr_list_policy),
	[XFRM_MIF_A_NEW_ADDR]	= NLA_POLICY_NESTED(mif_addr_policy),
	[XFRM_MIF_A_NEW_PEER]	= NLA_POLICY_NESTED(mif_addr_policy),
	[XFRM_MIF_A_NEW_INNER]	= NLA_POLICY_NESTED(mif_addr_policy),
	[XFRM_MIF_A_NEW_PEER_INNER] = NLA_POLICY_NESTED(mif_addr_policy),
	[XFRM_MIF_A_CLONES]	= NLA_POLICY_NESTED(mif_clone_list_policy),
	[XFRM_MIF_A_ENCAP_PORT]	= { .type = NLA_BE16 },
	[XFRM_MIF_A_ENCAP_PEER_PORT] = { .type = NLA_BE16 },
	[XFRM_MIF_A_FLAGS]	= MIF_FLAGS_ATTR,
	MIF_FILTER_ATTRS,
	MIF_REPLY_ATTRS,
};

static const struct nla_policy mif_delete_policy[XFRM_MIF_A_MAX + 1] = {
	[XFRM_MIF_A_ADDR]	= NLA_POLICY_NESTED(mif_addr_policy),
	[XFRM_MIF_A_FLAGS]	= MIF_FLAGS_ATTR,
	MIF_FILTER_ATTRS,
	MIF_REPLY_ATTRS,
};

/* An alternate set's scope is a filter. */
static const struct nla_policy mif_alt_set_policy[XFRM_MIF_A_MAX + 1] = {
	[XFRM_MIF_A_ADDR]	= NLA_POLICY_NESTED(mif_addr_policy),
	[XFRM_MIF_A_ALTS]	= NLA_POLICY_NESTED(mif_addr_list_policy),
	MIF_FILTER_ATTRS,
	MIF_REPLY_ATTRS,
};

static const struct nla_policy mif_alt_del_policy[XFRM_MIF_A_MAX + 1] = {
	[XFRM_MIF_A_ADDR]	= NLA_POLICY_NESTED(mif_addr_policy),
	MIF_FILTER_ATTRS,
	MIF_REPLY_ATTRS,
};

static const struct nla_policy mif_alt_get_policy[XFRM_MIF_A_MAX + 1] = {
	MIF_REPLY_ATTRS,
};

/* DUMP, with its optional address. */
static const struct nla_policy mif_addr_only_policy[XFRM_MIF_A_MAX + 1] = {
	[XFRM_MIF_A_ADDR]	= NLA_POLICY_NESTED(mif_addr_policy),
	MIF_REPLY_ATTRS,
};

#define MIF_FEATURES (XFRM_MIF_F_REWRITE | XFRM_MIF_F_CLONE | \
		      XFRM_MIF_F_DELETE | XFRM_MIF_F_ALTERNATES | XFRM_MIF_F_DUMP)

/*
 * The filters that narrow what an address selects: mark and its mask,
 * if_id, reqid and its mask (each mask all ones unless given, and refused
 * without its value).
 */
int mif_narrow_parse(struct genl_info *info, struct mif_filter *f)
{
	struct nlattr **attrs = info->attrs;

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
		f->reqid_mask = attrs[XFRM_MIF_A_REQID_MASK] ?
				nla_get_u32(attrs[XFRM_MIF_A_REQID_MASK]) : ~0U;
	} else if (attrs[XFRM_MIF_A_REQID_MASK]) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[XFRM_MIF_A_REQID_MASK],
				    "reqid mask without a reqid");
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mif_narrow_parse);

/* The address to operate on, which is required, and its filters. */
int mif_filter_parse(struct genl_info *info, struct mif_filter *f)
{
	int err;

	memset(f, 0, sizeof(*f));
	if (MIF_REQ_ATTR_CHECK(info, XFRM_MIF_A_ADDR, "missing address"))
		return -EINVAL;
	err = mif_addr_parse(info->attrs[XFRM_MIF_A_ADDR], &f->addr,
			     info->extack);
	if (err)
		return err;
	return mif_narrow_parse(info, f);
}

bool mif_dry_run(struct genl_info *info)
{
	struct nlattr *a = info->attrs[XFRM_MIF_A_FLAGS];

	return a && (nla_get_u32(a) & XFRM_MIF_OPF_DRY_RUN);
}

/*
 * What an operation did, in its reply and its event: the address it
 * worked on, where SAs moved to (events of moves only), and the counts.
 */
static int mif_put_counts(struct sk_buff *msg, u8 cmd,
			  const struct mif_addr *addr,
			  const struct mif_addr *to,
			  const struct mif_counts *counts)
{
	if ((addr && mif_addr_put(msg, XFRM_MIF_A_ADDR, addr)) ||
	    (to && mif_addr_put(msg, XFRM_MIF_A_NEW_ADDR, to)) ||
	    nla_put_u32(msg, XFRM_MIF_A_STATES, counts->states) ||
	    nla_put_u32(msg, XFRM_MIF_A_POLICIES, counts->policies) ||
	    (cmd == XFRM_MIF_CMD_CLONE &&
	     nla_put_u32(msg, XFRM_MIF_A_SKIPPED, counts->skipped)))
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
	if (!hdr || mif_put_counts(msg, cmd, from, to, counts)) {
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

void mif_reply_send(struct sk_buff *msg, struct genl_info *info, u8 cmd,
		    const struct mif_addr *addr,
		    const struct mif_counts *counts)
{
	/* an address and three counts always fit in NLMSG_GOODSIZE */
	WARN_ON_ONCE(mif_put_counts(msg, cmd, addr, NULL, counts));
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
	mif_reply_send(msg, info, cmd, addr, counts);
	return 0;
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

static int mif_nl_rewrite(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct net *net = genl_info_net(info);
	bool dry_run = mif_dry_run(info);
	struct mif_counts counts;
	struct sk_buff *reply;
	struct mif_filter f;
	struct mif_move m = { };
	int err;

	err = mif_filter_parse(info, &f);
	if (err)
		return err;
	if (MIF_REQ_ATTR_CHECK(info, XFRM_MIF_A_NEW_ADDR, "missing new address"))
		return -EINVAL;
	err = mif_addr_parse(attrs[XFRM_MIF_A_NEW_ADDR], &m.to, info->extack);
	if (err)
		return err;
	if (attrs[XFRM_MIF_A_ENCAP_PORT])
		m.port = nla_get_be16(attrs[XFRM_MIF_A_ENCAP_PORT]);
	if (attrs[XFRM_MIF_A_ENCAP_PEER_PORT])
		m.peer_port = nla_get_be16(attrs[XFRM_MIF_A_ENCAP_PEER_PORT]);

	/* before anything changes: a rewrite done is never reported failed */
	reply = mif_reply_new(info, XFRM_MIF_CMD_REWRITE);
	if (!reply)
		return -ENOMEM;
	err = mif_rewrite(net, &f, &m, dry_run, &counts, info->extack);
	if (err) {
		nlmsg_free(reply);
		return err;
	}
	if (!dry_run)
		mif_event_moved(net, XFRM_MIF_CMD_REWRITE, &f.addr, &m.to,
				&counts);
	mif_reply_send(reply, info, XFRM_MIF_CMD_REWRITE, &f.addr, &counts);
	return 0;
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

/* The handler runs holding its network namespace's lock (mif.h). */
#define MIF_NL_LOCKED	BIT(0)

static int mif_pre_doit(const struct genl_ops *ops, struct sk_buff *skb,
			struct genl_info *info)
{
	if (ops->internal_flags & MIF_NL_LOCKED)
		mutex_lock(&mif_pernet(genl_info_net(info))->lock);
	return 0;
}

static void mif_post_doit(const struct genl_ops *ops, struct sk_buff *skb,
			  struct genl_info *info)
{
	if (ops->internal_flags & MIF_NL_LOCKED)
		mutex_unlock(&mif_pernet(genl_info_net(info))->lock);
}

/* The dumps take the lock themselves, in each call. */
static const struct genl_ops mif_ops[] = {
	{
		.cmd = XFRM_MIF_CMD_GET_INFO,
		.doit = mif_nl_get_info,
		.policy = mif_get_info_policy,
		.maxattr = ARRAY_SIZE(mif_get_info_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XFRM_MIF_CMD_REWRITE,
		.doit = mif_nl_rewrite,
		.policy = mif_rewrite_policy,
		.maxattr = ARRAY_SIZE(mif_rewrite_policy) - 1,
		.internal_flags = MIF_NL_LOCKED,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XFRM_MIF_CMD_CLONE,
		.doit = mif_nl_clone,
		.policy = mif_clone_policy,
		.maxattr = ARRAY_SIZE(mif_clone_policy) - 1,
		.internal_flags = MIF_NL_LOCKED,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XFRM_MIF_CMD_DELETE,
		.doit = mif_nl_delete,
		.policy = mif_delete_policy,
		.maxattr = ARRAY_SIZE(mif_delete_policy) - 1,
		.internal_flags = MIF_NL_LOCKED,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XFRM_MIF_CMD_ALT_SET,
		.doit = mif_nl_alt_set,
		.policy = mif_alt_set_policy,
		.maxattr = ARRAY_SIZE(mif_alt_set_policy) - 1,
		.internal_flags = MIF_NL_LOCKED,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XFRM_MIF_CMD_ALT_GET,
		.dumpit = mif_nl_alt_dump,
		.policy = mif_alt_get_policy,
		.maxattr = ARRAY_SIZE(mif_alt_get_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XFRM_MIF_CMD_ALT_DEL,
		.doit = mif_nl_alt_del,
		.policy = mif_alt_del_policy,
		.maxattr = ARRAY_SIZE(mif_alt_del_policy) - 1,
		.internal_flags = MIF_NL_LOCKED,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = XFRM_MIF_CMD_DUMP,
		.start = mif_nl_dump_start,
		.dumpit = mif_nl_dump,
		.done = mif_nl_dump_done,
		.policy = mif_addr_only_policy,
		.maxattr = ARRAY_SIZE(mif_addr_only_policy) - 1,
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
	.netnsok = true,
	.parallel_ops = true,
	.pre_doit = mif_pre_doit,
	.post_doit = mif_post_doit,
	.module = THIS_MODULE,
	.ops = mif_ops,
	.n_ops = ARRAY_SIZE(mif_ops),
	.mcgrps = mif_mcgrps,
	.n_mcgrps = ARRAY_SIZE(mif_mcgrps),
};
EXPORT_SYMBOL_IF_KUNIT(mif_genl_family);

int __init mif_genl_init(void)
{
	return genl_register_family(&mif_genl_family);
}

void mif_genl_exit(void)
{
	genl_unregister_family(&mif_genl_family);
}
