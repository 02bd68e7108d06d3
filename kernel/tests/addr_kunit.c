// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for addr.c: parsing and encoding of address nests.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/skbuff.h>
#include <linux/xfrm_mif.h>
#include <net/netlink.h>

#include "../mif.h"

/* Build a nest of @attrtype in @skb holding the given address attributes. */
static struct nlattr *put_nest(struct kunit *test, struct sk_buff *skb,
			       int type4, const void *v4, int len4,
			       int type6, const void *v6, int len6)
{
	struct nlattr *nest = nla_nest_start(skb, XFRM_MIF_A_ADDR);

	KUNIT_ASSERT_NOT_NULL(test, nest);
	if (v4)
		KUNIT_ASSERT_EQ(test, nla_put(skb, type4, len4, v4), 0);
	if (v6)
		KUNIT_ASSERT_EQ(test, nla_put(skb, type6, len6, v6), 0);
	nla_nest_end(skb, nest);
	return nest;
}

static struct sk_buff *new_skb(struct kunit *test)
{
	struct sk_buff *skb = alloc_skb(NLMSG_GOODSIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	return skb;
}

static void addr_roundtrip_v4(struct kunit *test)
{
	struct mif_addr in = { .family = AF_INET }, out;
	struct sk_buff *skb = new_skb(test);

	in.a.a4 = htonl(0xc0000201);
	KUNIT_ASSERT_EQ(test, mif_addr_put(skb, XFRM_MIF_A_ADDR, &in), 0);
	KUNIT_EXPECT_EQ(test, mif_addr_parse((struct nlattr *)skb->data, &out,
					     NULL), 0);
	KUNIT_EXPECT_EQ(test, out.family, AF_INET);
	KUNIT_EXPECT_TRUE(test, mif_addr_equal(&out, &in.a, AF_INET));
	KUNIT_EXPECT_FALSE(test, mif_addr_equal(&out, &in.a, AF_INET6));
	kfree_skb(skb);
}

static void addr_roundtrip_v6(struct kunit *test)
{
	struct mif_addr in = { .family = AF_INET6 }, out;
	struct sk_buff *skb = new_skb(test);

	in.a.in6.s6_addr[0] = 0x20;
	in.a.in6.s6_addr[1] = 0x01;
	in.a.in6.s6_addr[15] = 0x07;
	KUNIT_ASSERT_EQ(test, mif_addr_put(skb, XFRM_MIF_A_ADDR, &in), 0);
	KUNIT_EXPECT_EQ(test, mif_addr_parse((struct nlattr *)skb->data, &out,
					     NULL), 0);
	KUNIT_EXPECT_EQ(test, out.family, AF_INET6);
	KUNIT_EXPECT_TRUE(test, mif_addr_equal(&out, &in.a, AF_INET6));
	kfree_skb(skb);
}

static void addr_rejects_both(struct kunit *test)
{
	u8 v4[4] = { 10, 0, 0, 1 }, v6[16] = { 0x20, 0x01 };
	struct sk_buff *skb = new_skb(test);
	struct netlink_ext_ack extack = {};
	struct mif_addr out;
	struct nlattr *nest;

	nest = put_nest(test, skb, XFRM_MIF_ADDR_A_INET, v4, 4,
			XFRM_MIF_ADDR_A_INET6, v6, 16);
	KUNIT_EXPECT_EQ(test, mif_addr_parse(nest, &out, &extack), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	kfree_skb(skb);
}

static void addr_rejects_empty(struct kunit *test)
{
	struct sk_buff *skb = new_skb(test);
	struct netlink_ext_ack extack = {};
	struct mif_addr out;
	struct nlattr *nest;

	nest = put_nest(test, skb, 0, NULL, 0, 0, NULL, 0);
	KUNIT_EXPECT_EQ(test, mif_addr_parse(nest, &out, &extack), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	kfree_skb(skb);
}

static void addr_rejects_unspecified(struct kunit *test)
{
	u8 v4[4] = { }, v6[16] = { };
	struct sk_buff *skb = new_skb(test);
	struct netlink_ext_ack extack = {};
	struct mif_addr out;
	struct nlattr *nest;

	nest = put_nest(test, skb, XFRM_MIF_ADDR_A_INET, v4, 4, 0, NULL, 0);
	KUNIT_EXPECT_EQ(test, mif_addr_parse(nest, &out, &extack), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	kfree_skb(skb);

	skb = new_skb(test);
	nest = put_nest(test, skb, 0, NULL, 0, XFRM_MIF_ADDR_A_INET6, v6, 16);
	KUNIT_EXPECT_EQ(test, mif_addr_parse(nest, &out, NULL), -EINVAL);
	kfree_skb(skb);
}

static void addr_rejects_bad_length(struct kunit *test)
{
	u8 v[16] = { 10, 0, 0, 1 };
	struct sk_buff *skb = new_skb(test);
	struct mif_addr out;
	struct nlattr *nest;

	/* The exact-length policies answer -ERANGE. */
	nest = put_nest(test, skb, XFRM_MIF_ADDR_A_INET, v, 5, 0, NULL, 0);
	KUNIT_EXPECT_EQ(test, mif_addr_parse(nest, &out, NULL), -ERANGE);
	kfree_skb(skb);

	skb = new_skb(test);
	nest = put_nest(test, skb, 0, NULL, 0, XFRM_MIF_ADDR_A_INET6, v, 4);
	KUNIT_EXPECT_EQ(test, mif_addr_parse(nest, &out, NULL), -ERANGE);
	kfree_skb(skb);
}

#ifdef MIF_INJECT_FAILURE
/* Built only by MIF_INJECT=kunit tools/check, to show a failure is seen. */
static void injected_failure(struct kunit *test)
{
	KUNIT_FAIL(test, "failure injected on purpose");
}
#endif

static struct kunit_case mif_addr_cases[] = {
	KUNIT_CASE(addr_roundtrip_v4),
	KUNIT_CASE(addr_roundtrip_v6),
	KUNIT_CASE(addr_rejects_both),
	KUNIT_CASE(addr_rejects_empty),
	KUNIT_CASE(addr_rejects_unspecified),
	KUNIT_CASE(addr_rejects_bad_length),
#ifdef MIF_INJECT_FAILURE
	KUNIT_CASE(injected_failure),
#endif
	{}
};

static struct kunit_suite mif_addr_suite = {
	.name = "xfrm_mif_addr",
	.test_cases = mif_addr_cases,
};

kunit_test_suite(mif_addr_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for xfrm_mif");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
