// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for rewrite.c and state.c: what a rewrite changes in an SA
 * and a policy, and what a copy of an SA keeps, takes and resets.
 */
#include <kunit/test.h>
#include <net/xfrm.h>

#include "../mif.h"

#define A(x) htonl(0x0a010000 | (x))	/* 10.1.x.y */

static struct mif_addr v4(__be32 a)
{
	struct mif_addr m = { .family = AF_INET };

	m.a.a4 = a;
	return m;
}

static void swap_only_equal(struct kunit *test)
{
	struct mif_addr from = v4(A(0x0101)), to = v4(A(0x010b));
	xfrm_address_t a = { .a4 = A(0x0101) }, b = { .a4 = A(0x0102) };

	KUNIT_EXPECT_TRUE(test, mif_swap(&a, AF_INET, &from, &to));
	KUNIT_EXPECT_EQ(test, a.a4, A(0x010b));
	KUNIT_EXPECT_FALSE(test, mif_swap(&b, AF_INET, &from, &to));
	KUNIT_EXPECT_EQ(test, b.a4, A(0x0102));
}

static void selector_hosts_only(struct kunit *test)
{
	struct mif_addr from = v4(A(0x0101)), to = v4(A(0x010b));
	struct xfrm_selector sel = {
		.family = AF_INET,
		.saddr.a4 = A(0x0101), .prefixlen_s = 32,
		.daddr.a4 = A(0x0101), .prefixlen_d = 24,
	};

	mif_swap_selector(&sel, &from, &to);
	KUNIT_EXPECT_EQ(test, sel.saddr.a4, A(0x010b));
	/* a /24 that contains the address is a network, not the host */
	KUNIT_EXPECT_EQ(test, sel.daddr.a4, A(0x0101));
}

static void selector_ipv6(struct kunit *test)
{
	struct mif_addr from = { .family = AF_INET6 }, to = { .family = AF_INET6 };
	struct xfrm_selector sel = { .family = AF_INET6, .prefixlen_d = 128 };

	from.a.a6[0] = htonl(0xfd010001);
	to.a.a6[0] = htonl(0xfd010001);
	from.a.a6[3] = htonl(1);
	to.a.a6[3] = htonl(0x11);
	sel.daddr = from.a;
	mif_swap_selector(&sel, &from, &to);
	KUNIT_EXPECT_EQ(test, sel.daddr.a6[3], htonl(0x11));
}

static void encap_ports_follow_the_moved_side(struct kunit *test)
{
	struct xfrm_encap_tmpl *e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);
	struct mif_move m = { .port = htons(4500), .peer_port = htons(4501) };
	struct xfrm_state x = { };

	KUNIT_ASSERT_NOT_NULL(test, e);
	e->encap_type = UDP_ENCAP_ESPINUDP;
	x.encap = e;
	KUNIT_EXPECT_EQ(test, mif_move_encap(&x, true, &m), 0);
	KUNIT_EXPECT_EQ(test, e->encap_sport, htons(4500));
	KUNIT_EXPECT_EQ(test, e->encap_dport, htons(4501));
	KUNIT_EXPECT_EQ(test, mif_move_encap(&x, false, &m), 0);
	KUNIT_EXPECT_EQ(test, e->encap_sport, htons(4501));
	KUNIT_EXPECT_EQ(test, e->encap_dport, htons(4500));
}

static void encap_added_only_with_both_ports(struct kunit *test)
{
	struct mif_move one = { .port = htons(4500) };
	struct mif_move both = { .port = htons(4500), .peer_port = htons(4501) };
	struct xfrm_state x = { .id.proto = IPPROTO_ESP };

	KUNIT_EXPECT_EQ(test, mif_move_encap(&x, true, &one), 0);
	KUNIT_EXPECT_NULL(test, x.encap);
	KUNIT_EXPECT_EQ(test, mif_move_encap(&x, true, &both), 0);
	KUNIT_ASSERT_NOT_NULL(test, x.encap);
	KUNIT_EXPECT_EQ(test, x.encap->encap_type, UDP_ENCAP_ESPINUDP);
	KUNIT_EXPECT_EQ(test, x.encap->encap_sport, htons(4500));
	kfree(x.encap);
}

static void encap_added_only_to_esp(struct kunit *test)
{
	struct mif_move both = { .port = htons(4500), .peer_port = htons(4501) };
	struct xfrm_state comp = { .id.proto = IPPROTO_COMP };

	/* IPcomp travels inside ESP: XFRM would refuse it encapsulation */
	KUNIT_EXPECT_EQ(test, mif_move_encap(&comp, true, &both), 0);
	KUNIT_EXPECT_NULL(test, comp.encap);
}

static void tunnel_selector_stays(struct kunit *test)
{
	struct mif_addr from = v4(A(0x0101)), to = v4(A(0x010b));
	struct xfrm_policy *xp = kunit_kzalloc(test, sizeof(*xp), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, xp);
	xp->family = AF_INET;
	xp->selector.family = AF_INET;
	xp->selector.saddr.a4 = A(0x0101);
	xp->selector.prefixlen_s = 32;
	xp->xfrm_nr = 1;
	xp->xfrm_vec[0].mode = XFRM_MODE_TUNNEL;
	/* a tunnel's selector is inner traffic, even when it names the host */
	KUNIT_EXPECT_FALSE(test, mif_selector_moves(xp, &from, &to, NULL));
	xp->xfrm_vec[0].mode = XFRM_MODE_TRANSPORT;
	KUNIT_EXPECT_TRUE(test, mif_selector_moves(xp, &from, &to, NULL));
}

/* A real SA of init_net, never published. */
static struct xfrm_state *real_state(struct kunit *test)
{
	struct xfrm_state *x = xfrm_state_alloc(&init_net);
	struct xfrm_algo_aead *aead;

	KUNIT_ASSERT_NOT_NULL(test, x);
	aead = kzalloc(sizeof(*aead) + 20, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, aead);
	strscpy(aead->alg_name, "rfc4106(gcm(aes))", sizeof(aead->alg_name));
	aead->alg_key_len = 160;
	aead->alg_icv_len = 128;
	memset(aead->alg_key, 0x5a, 20);
	x->aead = aead;
	x->props.family = AF_INET;
	x->props.mode = XFRM_MODE_TUNNEL;
	x->props.reqid = 7;
	x->props.saddr.a4 = A(0x0101);
	x->id.daddr.a4 = A(0x0102);
	x->id.spi = htonl(0x1001);
	x->id.proto = IPPROTO_ESP;
	x->replay.oseq = 41;
	x->curlft.packets = 41;
	return x;
}

static void copy_keeps_keys_and_counters(struct kunit *test)
{
	struct xfrm_state *x = real_state(test), *xc;

	xc = mif_state_copy(x, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(xc));
	KUNIT_EXPECT_EQ(test, xc->id.spi, x->id.spi);
	KUNIT_EXPECT_EQ(test, xc->props.reqid, 7U);
	KUNIT_ASSERT_NOT_NULL(test, xc->aead);
	KUNIT_EXPECT_PTR_NE(test, xc->aead, x->aead);	/* its own copy */
	KUNIT_EXPECT_EQ(test, memcmp(xc->aead->alg_key, x->aead->alg_key, 20), 0);
	KUNIT_EXPECT_EQ(test, xc->replay.oseq, 41U);

	/* the old SA sent more before it was quiesced: the copy takes it */
	x->replay.oseq = 50;
	mif_state_take_counters(xc, x);
	KUNIT_EXPECT_EQ(test, xc->replay.oseq, 50U);

	/* a clone for a new interface starts afresh */
	mif_state_reset_counters(xc);
	KUNIT_EXPECT_EQ(test, xc->replay.oseq, 0U);
	KUNIT_EXPECT_EQ(test, xc->curlft.packets, 0ULL);
	mif_state_discard(xc);
	mif_state_discard(x);
}

static void copy_keeps_expiry_state(struct kunit *test)
{
	struct xfrm_state *x = real_state(test), *xc;

	/* soft expiry came and went: the key manager is rekeying */
	x->km.dying = 1;
	x->xflags = XFRM_SOFT_EXPIRE | XFRM_TIME_DEFER;
	x->saved_tmo = 30;
	x->stats.replay = 3;
	xc = mif_state_copy(x, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(xc));
	KUNIT_EXPECT_EQ(test, xc->km.dying, (u8)1);
	KUNIT_EXPECT_EQ(test, xc->xflags, (u32)(XFRM_SOFT_EXPIRE | XFRM_TIME_DEFER));
	KUNIT_EXPECT_EQ(test, xc->saved_tmo, 30L);
	KUNIT_EXPECT_EQ(test, xc->stats.replay, 3U);

	/* a clone's lifetime starts afresh: not dying, nothing pending */
	mif_state_reset_counters(xc);
	KUNIT_EXPECT_EQ(test, xc->km.dying, (u8)0);
	KUNIT_EXPECT_EQ(test, xc->xflags, 0U);
	KUNIT_EXPECT_EQ(test, xc->saved_tmo, 0L);
	KUNIT_EXPECT_EQ(test, xc->stats.replay, 0U);
	mif_state_discard(xc);
	mif_state_discard(x);
}

static void copy_refuses_security_context(struct kunit *test)
{
	struct xfrm_state *x = real_state(test), *xc;
	struct xfrm_sec_ctx ctx = { };

	x->security = &ctx;
	xc = mif_state_copy(x, NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(xc), -EOPNOTSUPP);
	x->security = NULL;
	mif_state_discard(x);
}

static struct kunit_case mif_rewrite_cases[] = {
	KUNIT_CASE(swap_only_equal),
	KUNIT_CASE(selector_hosts_only),
	KUNIT_CASE(selector_ipv6),
	KUNIT_CASE(encap_ports_follow_the_moved_side),
	KUNIT_CASE(encap_added_only_with_both_ports),
	KUNIT_CASE(encap_added_only_to_esp),
	KUNIT_CASE(tunnel_selector_stays),
	KUNIT_CASE(copy_keeps_keys_and_counters),
	KUNIT_CASE(copy_keeps_expiry_state),
	KUNIT_CASE(copy_refuses_security_context),
	{}
};

static struct kunit_suite mif_rewrite_suite = {
	.name = "xfrm_mif_rewrite",
	.test_cases = mif_rewrite_cases,
};

kunit_test_suite(mif_rewrite_suite);
