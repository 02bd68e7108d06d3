// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for alt.c: which alternate set an address and scope name.
 */
#include <kunit/test.h>
#include <net/xfrm.h>

#include "../mif.h"

static struct mif_filter scope(__be32 a4)
{
	struct mif_filter f = { .addr.family = AF_INET };

	f.addr.a.a4 = a4;
	return f;
}

static void alt_same_address_and_scope(struct kunit *test)
{
	struct mif_filter a = scope(htonl(0x0a010301)), b = a;

	KUNIT_EXPECT_TRUE(test, mif_alt_same(&a, &b));
	b.addr.a.a4 = htonl(0x0a010302);
	KUNIT_EXPECT_FALSE(test, mif_alt_same(&a, &b));
}

static void alt_scopes_differ(struct kunit *test)
{
	struct mif_filter none = scope(htonl(0x0a010301));
	struct mif_filter mark = none, mark2, ifid = none, both;

	mark.has_mark = true;
	mark.mark = 1;
	mark.mark_mask = ~0U;
	mark2 = mark;
	mark2.mark_mask = 0xff;
	ifid.has_if_id = true;
	ifid.if_id = 7;
	both = mark;
	both.has_if_id = true;
	both.if_id = 7;

	KUNIT_EXPECT_FALSE(test, mif_alt_same(&none, &mark));
	KUNIT_EXPECT_FALSE(test, mif_alt_same(&mark, &mark2));
	KUNIT_EXPECT_FALSE(test, mif_alt_same(&mark, &ifid));
	KUNIT_EXPECT_FALSE(test, mif_alt_same(&ifid, &both));
	KUNIT_EXPECT_TRUE(test, mif_alt_same(&both, &both));
	/* what is not in the scope does not count */
	both = ifid;
	both.mark = 5;
	KUNIT_EXPECT_TRUE(test, mif_alt_same(&ifid, &both));
}

/* A reqid scope is its value and its mask: one IKE SA's block of reqids. */
static void alt_reqid_scopes_differ(struct kunit *test)
{
	struct mif_filter none = scope(htonl(0x0a010301));
	struct mif_filter one = none, two, wide, exact, ifid = none;

	one.has_reqid = true;
	one.reqid = 0x1000;
	one.reqid_mask = 0xfffff000;
	two = one;
	two.reqid = 0x2000;
	wide = one;
	wide.reqid_mask = 0xffff0000;
	wide.reqid = 0;
	exact = one;
	exact.reqid_mask = ~0U;
	ifid.has_if_id = true;
	ifid.if_id = 0x1000;

	KUNIT_EXPECT_TRUE(test, mif_alt_same(&one, &one));
	KUNIT_EXPECT_FALSE(test, mif_alt_same(&none, &one));
	KUNIT_EXPECT_FALSE(test, mif_alt_same(&one, &two));
	KUNIT_EXPECT_FALSE(test, mif_alt_same(&one, &wide));
	KUNIT_EXPECT_FALSE(test, mif_alt_same(&one, &exact));
	KUNIT_EXPECT_FALSE(test, mif_alt_same(&one, &ifid));
	/* a reqid outside the scope does not count */
	two = ifid;
	two.reqid = 0x1000;
	two.reqid_mask = 0xfffff000;
	KUNIT_EXPECT_TRUE(test, mif_alt_same(&ifid, &two));
}

static struct kunit_case mif_alt_cases[] = {
	KUNIT_CASE(alt_same_address_and_scope),
	KUNIT_CASE(alt_scopes_differ),
	KUNIT_CASE(alt_reqid_scopes_differ),
	{}
};

static struct kunit_suite mif_alt_suite = {
	.name = "xfrm_mif_alt",
	.test_cases = mif_alt_cases,
};

kunit_test_suite(mif_alt_suite);
