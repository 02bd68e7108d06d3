// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for netlink.c: what each operation's attribute policy lets
 * in, validated strictly as generic netlink validates a request.
 */
#include <kunit/test.h>
#include <linux/skbuff.h>
#include <linux/string.h>
#include <linux/xfrm_mif.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "../mif.h"

#define NAMED(attr) { attr, #attr }

static const struct {
	int type;
	const char *name;
} reply_only[] = {
	NAMED(XFRM_MIF_A_VERSION),
	NAMED(XFRM_MIF_A_FEATURES),
	NAMED(XFRM_MIF_A_STATES),
	NAMED(XFRM_MIF_A_POLICIES),
	NAMED(XFRM_MIF_A_SKIPPED),
};

static struct sk_buff *new_skb(struct kunit *test)
{
	struct sk_buff *skb = alloc_skb(NLMSG_GOODSIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	return skb;
}

static const struct genl_ops *op_of(struct kunit *test, u8 cmd)
{
	unsigned int i;

	for (i = 0; i < mif_genl_family.n_ops; i++)
		if (mif_genl_family.ops[i].cmd == cmd)
			return &mif_genl_family.ops[i];
	KUNIT_FAIL(test, "no operation %u", cmd);
	return NULL;
}

static int validate(const struct genl_ops *op, struct sk_buff *skb,
		    struct netlink_ext_ack *extack)
{
	return nla_validate((struct nlattr *)skb->data, skb->len, op->maxattr,
			    op->policy, extack);
}

/* Every operation is in the one table, with a policy of every attribute. */
static void netlink_every_op_has_a_policy(struct kunit *test)
{
	unsigned int i;

	KUNIT_EXPECT_EQ(test, mif_genl_family.n_small_ops, 0);
	KUNIT_EXPECT_TRUE(test, mif_genl_family.parallel_ops);
	for (i = 0; i < mif_genl_family.n_ops; i++) {
		const struct genl_ops *op = &mif_genl_family.ops[i];

		KUNIT_EXPECT_NOT_NULL(test, op->policy);
		KUNIT_EXPECT_EQ(test, op->maxattr, XFRM_MIF_A_MAX);
		KUNIT_EXPECT_TRUE(test, op->flags & GENL_UNS_ADMIN_PERM);
	}
}

/* A number only the kernel sends: refused by every operation, by name. */
static void netlink_reply_only_refused_by_name(struct kunit *test)
{
	unsigned int i, j;

	for (i = 0; i < mif_genl_family.n_ops; i++) {
		const struct genl_ops *op = &mif_genl_family.ops[i];

		for (j = 0; j < ARRAY_SIZE(reply_only); j++) {
			struct netlink_ext_ack extack = {};
			struct sk_buff *skb = new_skb(test);

			KUNIT_ASSERT_EQ(test, nla_put_u32(skb, reply_only[j].type,
							  1), 0);
			KUNIT_EXPECT_EQ(test, validate(op, skb, &extack), -EINVAL);
			KUNIT_EXPECT_PTR_EQ(test, extack.bad_attr,
					    (const struct nlattr *)skb->data);
			KUNIT_EXPECT_NOT_NULL_MSG(test, extack._msg,
						  "op %u, %s", op->cmd,
						  reply_only[j].name);
			if (extack._msg)
				KUNIT_EXPECT_NOT_NULL_MSG(test,
							  strstr(extack._msg,
								 reply_only[j].name),
							  "op %u: \"%s\"", op->cmd,
							  extack._msg);
			kfree_skb(skb);
		}
	}
}

/* An attribute of the family an operation does not take is refused. */
static void netlink_foreign_attr_refused(struct kunit *test)
{
	const struct genl_ops *op = op_of(test, XFRM_MIF_CMD_DELETE);
	struct netlink_ext_ack extack = {};
	struct sk_buff *skb = new_skb(test);

	KUNIT_ASSERT_NOT_NULL(test, op);
	KUNIT_ASSERT_EQ(test, nla_put_be16(skb, XFRM_MIF_A_ENCAP_PORT,
					   htons(4500)), 0);
	KUNIT_EXPECT_EQ(test, validate(op, skb, &extack), -EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, extack.bad_attr,
			    (const struct nlattr *)skb->data);
	kfree_skb(skb);

	skb = new_skb(test);
	op = op_of(test, XFRM_MIF_CMD_REWRITE);
	KUNIT_ASSERT_NOT_NULL(test, op);
	KUNIT_ASSERT_EQ(test, nla_put_be16(skb, XFRM_MIF_A_ENCAP_PORT,
					   htons(4500)), 0);
	KUNIT_EXPECT_EQ(test, validate(op, skb, NULL), 0);
	kfree_skb(skb);
}

/* ALTS holds address nests, each checked by the address policy. */
static void netlink_alts_checked_by_policy(struct kunit *test)
{
	const struct genl_ops *op = op_of(test, XFRM_MIF_CMD_ALT_SET);
	struct netlink_ext_ack extack = {};
	struct nlattr *list, *addr, *bad;
	struct sk_buff *skb = new_skb(test);

	KUNIT_ASSERT_NOT_NULL(test, op);
	list = nla_nest_start(skb, XFRM_MIF_A_ALTS);
	addr = nla_nest_start(skb, XFRM_MIF_A_ADDR);
	KUNIT_ASSERT_EQ(test, nla_put_in_addr(skb, XFRM_MIF_ADDR_A_INET,
					      htonl(0x0a000001)), 0);
	nla_nest_end(skb, addr);
	nla_nest_end(skb, list);
	KUNIT_EXPECT_EQ(test, validate(op, skb, NULL), 0);
	kfree_skb(skb);

	/* an entry that is not an address */
	skb = new_skb(test);
	list = nla_nest_start(skb, XFRM_MIF_A_ALTS);
	bad = (struct nlattr *)skb_tail_pointer(skb);
	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, XFRM_MIF_A_MARK, 1), 0);
	nla_nest_end(skb, list);
	KUNIT_EXPECT_EQ(test, validate(op, skb, &extack), -EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, extack.bad_attr, (const struct nlattr *)bad);
	kfree_skb(skb);

	/* an address of 3 bytes, inside an entry */
	memset(&extack, 0, sizeof(extack));
	skb = new_skb(test);
	list = nla_nest_start(skb, XFRM_MIF_A_ALTS);
	addr = nla_nest_start(skb, XFRM_MIF_A_ADDR);
	bad = (struct nlattr *)skb_tail_pointer(skb);
	KUNIT_ASSERT_EQ(test, nla_put(skb, XFRM_MIF_ADDR_A_INET, 3, "\x0a\0\0"),
			0);
	nla_nest_end(skb, addr);
	nla_nest_end(skb, list);
	KUNIT_EXPECT_EQ(test, validate(op, skb, &extack), -ERANGE);
	KUNIT_EXPECT_PTR_EQ(test, extack.bad_attr, (const struct nlattr *)bad);
	kfree_skb(skb);
}

/* The filters take a reqid mask where they take a reqid; DUMP neither. */
static void netlink_reqid_mask_where_reqid(struct kunit *test)
{
	static const u8 cmds[] = {
		XFRM_MIF_CMD_REWRITE, XFRM_MIF_CMD_CLONE, XFRM_MIF_CMD_DELETE,
		XFRM_MIF_CMD_ALT_SET, XFRM_MIF_CMD_ALT_DEL,
	};
	const struct genl_ops *op;
	struct sk_buff *skb;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		op = op_of(test, cmds[i]);
		KUNIT_ASSERT_NOT_NULL(test, op);
		skb = new_skb(test);
		KUNIT_ASSERT_EQ(test, nla_put_u32(skb, XFRM_MIF_A_REQID, 0x1000), 0);
		KUNIT_ASSERT_EQ(test, nla_put_u32(skb, XFRM_MIF_A_REQID_MASK,
						  0xfffff000), 0);
		KUNIT_EXPECT_EQ_MSG(test, validate(op, skb, NULL), 0, "op %u",
				    op->cmd);
		kfree_skb(skb);
	}
	op = op_of(test, XFRM_MIF_CMD_DUMP);
	KUNIT_ASSERT_NOT_NULL(test, op);
	skb = new_skb(test);
	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, XFRM_MIF_A_REQID_MASK, 1), 0);
	KUNIT_EXPECT_EQ(test, validate(op, skb, NULL), -EINVAL);
	kfree_skb(skb);
}

/* mif_narrow_parse() of the attributes in @skb, into @f. */
static int narrow(struct kunit *test, struct sk_buff *skb,
		  struct mif_filter *f, struct netlink_ext_ack *extack)
{
	struct nlattr *attrs[XFRM_MIF_A_MAX + 1];
	struct genl_info info = { .attrs = attrs, .extack = extack };

	KUNIT_ASSERT_EQ(test, nla_parse(attrs, XFRM_MIF_A_MAX,
					(struct nlattr *)skb->data, skb->len,
					NULL, NULL), 0);
	memset(f, 0, sizeof(*f));
	return mif_narrow_parse(&info, f);
}

/* A reqid mask is all ones unless given, and refused without a reqid. */
static void netlink_reqid_mask_parsed(struct kunit *test)
{
	struct netlink_ext_ack extack = {};
	struct sk_buff *skb = new_skb(test);
	struct mif_filter f;

	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, XFRM_MIF_A_REQID, 0x1001), 0);
	KUNIT_EXPECT_EQ(test, narrow(test, skb, &f, NULL), 0);
	KUNIT_EXPECT_TRUE(test, f.has_reqid);
	KUNIT_EXPECT_EQ(test, f.reqid, 0x1001U);
	KUNIT_EXPECT_EQ(test, f.reqid_mask, ~0U);
	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, XFRM_MIF_A_REQID_MASK,
					  0xfffff000), 0);
	KUNIT_EXPECT_EQ(test, narrow(test, skb, &f, NULL), 0);
	KUNIT_EXPECT_EQ(test, f.reqid_mask, 0xfffff000U);
	kfree_skb(skb);

	skb = new_skb(test);
	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, XFRM_MIF_A_REQID_MASK,
					  0xfffff000), 0);
	KUNIT_EXPECT_EQ(test, narrow(test, skb, &f, &extack), -EINVAL);
	KUNIT_EXPECT_FALSE(test, f.has_reqid);
	KUNIT_EXPECT_PTR_EQ(test, extack.bad_attr,
			    (const struct nlattr *)skb->data);
	KUNIT_EXPECT_STREQ(test, extack._msg ?: "", "reqid mask without a reqid");
	kfree_skb(skb);
}

static struct kunit_case mif_netlink_cases[] = {
	KUNIT_CASE(netlink_every_op_has_a_policy),
	KUNIT_CASE(netlink_reply_only_refused_by_name),
	KUNIT_CASE(netlink_foreign_attr_refused),
	KUNIT_CASE(netlink_alts_checked_by_policy),
	KUNIT_CASE(netlink_reqid_mask_where_reqid),
	KUNIT_CASE(netlink_reqid_mask_parsed),
	{}
};

static struct kunit_suite mif_netlink_suite = {
	.name = "xfrm_mif_netlink",
	.test_cases = mif_netlink_cases,
};

kunit_test_suite(mif_netlink_suite);
