// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for match.c: which SAs and policies an address binds.
 */
#include <kunit/test.h>
#include <net/xfrm.h>

#include "../mif.h"

#define A(x) htonl(0x0a010000 | (x))	/* 10.1.x.y style test addresses */

static void filter_for(struct mif_filter *f, __be32 a4)
{
	memset(f, 0, sizeof(*f));
	f->addr.family = AF_INET;
	f->addr.a.a4 = a4;
}

static struct xfrm_state *new_state(struct kunit *test, u8 mode,
				    __be32 src, __be32 dst)
{
	struct xfrm_state *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, x);
	x->props.family = AF_INET;
	x->props.mode = mode;
	x->props.saddr.a4 = src;
	x->id.daddr.a4 = dst;
	x->props.reqid = 1;
	x->sel.family = AF_INET;
	return x;
}

static struct xfrm_policy *new_policy(struct kunit *test, u8 mode,
				      __be32 tsrc, __be32 tdst)
{
	struct xfrm_policy *xp = kunit_kzalloc(test, sizeof(*xp), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, xp);
	xp->family = AF_INET;
	xp->xfrm_nr = 1;
	xp->xfrm_vec[0].mode = mode;
	xp->xfrm_vec[0].encap_family = AF_INET;
	xp->xfrm_vec[0].saddr.a4 = tsrc;
	xp->xfrm_vec[0].id.daddr.a4 = tdst;
	xp->xfrm_vec[0].reqid = 1;
	xp->selector.family = AF_INET;
	return xp;
}

static void state_tunnel_endpoints(struct kunit *test)
{
	struct xfrm_state *x = new_state(test, XFRM_MODE_TUNNEL, A(0x0101), A(0x0102));
	struct mif_filter f;

	filter_for(&f, A(0x0101));
	KUNIT_EXPECT_TRUE(test, mif_state_bound(&f, x));
	filter_for(&f, A(0x0102));
	KUNIT_EXPECT_TRUE(test, mif_state_bound(&f, x));
	filter_for(&f, A(0x0201));
	KUNIT_EXPECT_FALSE(test, mif_state_bound(&f, x));
}

static void state_tunnel_ignores_selector(struct kunit *test)
{
	struct xfrm_state *x = new_state(test, XFRM_MODE_TUNNEL, A(0x0101), A(0x0102));
	struct mif_filter f;

	x->sel.saddr.a4 = A(0x0301);
	x->sel.prefixlen_s = 32;
	filter_for(&f, A(0x0301));
	KUNIT_EXPECT_FALSE(test, mif_state_bound(&f, x));
}

static void state_transport_selector(struct kunit *test)
{
	struct xfrm_state *x = new_state(test, XFRM_MODE_TRANSPORT, A(0x0101), A(0x0102));
	struct mif_filter f;

	x->sel.saddr.a4 = A(0x0301);
	x->sel.prefixlen_s = 32;
	filter_for(&f, A(0x0301));
	KUNIT_EXPECT_TRUE(test, mif_state_bound(&f, x));
	/* A subnet selector is not bound to one of its addresses. */
	x->sel.prefixlen_s = 24;
	KUNIT_EXPECT_FALSE(test, mif_state_bound(&f, x));
}

static void state_family_must_match(struct kunit *test)
{
	struct xfrm_state *x = new_state(test, XFRM_MODE_TUNNEL, A(0x0101), A(0x0102));
	struct mif_filter f;

	filter_for(&f, A(0x0101));
	f.addr.family = AF_INET6;
	KUNIT_EXPECT_FALSE(test, mif_state_bound(&f, x));
}

static void state_filters(struct kunit *test)
{
	struct xfrm_state *x = new_state(test, XFRM_MODE_TUNNEL, A(0x0101), A(0x0102));
	struct mif_filter f;

	x->mark.v = 0x12;
	x->mark.m = 0xff;
	x->if_id = 7;
	filter_for(&f, A(0x0101));
	f.has_reqid = true;
	f.reqid = 2;
	f.reqid_mask = ~0U;
	KUNIT_EXPECT_FALSE(test, mif_state_bound(&f, x));
	f.reqid = 1;
	KUNIT_EXPECT_TRUE(test, mif_state_bound(&f, x));
	f.has_mark = true;
	f.mark = 0x13;
	f.mark_mask = 0xff;
	KUNIT_EXPECT_FALSE(test, mif_state_bound(&f, x));
	f.mark_mask = 0xf0;
	KUNIT_EXPECT_TRUE(test, mif_state_bound(&f, x));
	f.has_if_id = true;
	f.if_id = 8;
	KUNIT_EXPECT_FALSE(test, mif_state_bound(&f, x));
	f.if_id = 7;
	KUNIT_EXPECT_TRUE(test, mif_state_bound(&f, x));
}

/* A reqid mask selects a block of reqids: one IKE SA's Child SAs. */
static void state_reqid_block(struct kunit *test)
{
	struct xfrm_state *x = new_state(test, XFRM_MODE_TUNNEL, A(0x0101), A(0x0102));
	struct mif_filter f;

	filter_for(&f, A(0x0101));
	f.has_reqid = true;
	f.reqid = 0x1000;
	f.reqid_mask = 0xfffff000;
	x->props.reqid = 0x1001;
	KUNIT_EXPECT_TRUE(test, mif_state_bound(&f, x));
	x->props.reqid = 0x1fff;
	KUNIT_EXPECT_TRUE(test, mif_state_bound(&f, x));
	x->props.reqid = 0x2001;
	KUNIT_EXPECT_FALSE(test, mif_state_bound(&f, x));
	x->props.reqid = 0x11001;
	KUNIT_EXPECT_FALSE(test, mif_state_bound(&f, x));
	/* bits of the filter's reqid outside the mask do not count */
	f.reqid = 0x1234;
	x->props.reqid = 0x1001;
	KUNIT_EXPECT_TRUE(test, mif_state_bound(&f, x));
	/* all ones: the exact reqid */
	f.reqid_mask = ~0U;
	KUNIT_EXPECT_FALSE(test, mif_state_bound(&f, x));
	f.reqid = 0x1001;
	KUNIT_EXPECT_TRUE(test, mif_state_bound(&f, x));
	/* no bit: any reqid */
	f.reqid = 0x2000;
	f.reqid_mask = 0;
	KUNIT_EXPECT_TRUE(test, mif_state_bound(&f, x));
}

static void policy_tunnel_template(struct kunit *test)
{
	struct xfrm_policy *xp = new_policy(test, XFRM_MODE_TUNNEL, A(0x0101), A(0x0102));
	struct mif_filter f;

	filter_for(&f, A(0x0102));
	KUNIT_EXPECT_TRUE(test, mif_policy_bound(&f, xp));
	/* Tunnel policies are bound by their templates, not selectors. */
	xp->selector.saddr.a4 = A(0x0301);
	xp->selector.prefixlen_s = 32;
	filter_for(&f, A(0x0301));
	KUNIT_EXPECT_FALSE(test, mif_policy_bound(&f, xp));
}

static void policy_transport_selector(struct kunit *test)
{
	struct xfrm_policy *xp = new_policy(test, XFRM_MODE_TRANSPORT, 0, 0);
	struct mif_filter f;

	xp->selector.daddr.a4 = A(0x0102);
	xp->selector.prefixlen_d = 32;
	filter_for(&f, A(0x0102));
	KUNIT_EXPECT_TRUE(test, mif_policy_bound(&f, xp));
	filter_for(&f, A(0x0103));
	KUNIT_EXPECT_FALSE(test, mif_policy_bound(&f, xp));
}

/* A policy's reqid is its first template's. */
static void policy_reqid_block(struct kunit *test)
{
	struct xfrm_policy *xp = new_policy(test, XFRM_MODE_TUNNEL, A(0x0101), A(0x0102));
	struct mif_filter f;

	filter_for(&f, A(0x0101));
	f.has_reqid = true;
	f.reqid = 0x1000;
	f.reqid_mask = 0xfffff000;
	xp->xfrm_vec[0].reqid = 0x1002;
	KUNIT_EXPECT_TRUE(test, mif_policy_bound(&f, xp));
	xp->xfrm_vec[0].reqid = 0x2002;
	KUNIT_EXPECT_FALSE(test, mif_policy_bound(&f, xp));
	xp->xfrm_nr = 2;
	xp->xfrm_vec[1] = xp->xfrm_vec[0];
	xp->xfrm_vec[1].reqid = 0x1002;
	KUNIT_EXPECT_FALSE(test, mif_policy_bound(&f, xp));
}

static void policy_without_template(struct kunit *test)
{
	struct xfrm_policy *xp = new_policy(test, XFRM_MODE_TUNNEL, A(0x0101), A(0x0102));
	struct mif_filter f;

	xp->xfrm_nr = 0;	/* a plain allow or block policy */
	filter_for(&f, A(0x0101));
	KUNIT_EXPECT_FALSE(test, mif_policy_bound(&f, xp));
}

static struct kunit_case mif_match_cases[] = {
	KUNIT_CASE(state_tunnel_endpoints),
	KUNIT_CASE(state_tunnel_ignores_selector),
	KUNIT_CASE(state_transport_selector),
	KUNIT_CASE(state_family_must_match),
	KUNIT_CASE(state_filters),
	KUNIT_CASE(state_reqid_block),
	KUNIT_CASE(policy_tunnel_template),
	KUNIT_CASE(policy_transport_selector),
	KUNIT_CASE(policy_reqid_block),
	KUNIT_CASE(policy_without_template),
	{}
};

static struct kunit_suite mif_match_suite = {
	.name = "xfrm_mif_match",
	.test_cases = mif_match_cases,
};

kunit_test_suite(mif_match_suite);
