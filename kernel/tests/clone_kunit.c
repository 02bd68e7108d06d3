// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for clone.c: a copy's UDP encapsulation on the new path, and
 * the rule that no copy shares a key with another copy or a source SA.
 */
#include <kunit/test.h>
#include <net/xfrm.h>

#include "../clone.h"

static struct xfrm_state *new_state(struct kunit *test)
{
	struct xfrm_state *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, x);
	return x;
}

static const struct mif_ports both = {
	.port = htons(4500), .peer_port = htons(4501),
	.has_port = true, .has_peer_port = true,
};

static void encap_untouched_without_ports(struct kunit *test)
{
	struct xfrm_state *x = new_state(test);
	struct mif_ports none = { };
	enum mif_encap_err why = MIF_ENCAP_OK;

	KUNIT_EXPECT_EQ(test, mif_clone_encap(x, true, &none, &why), 0);
	KUNIT_EXPECT_NULL(test, x->encap);
}

static void encap_gained_with_both_ports(struct kunit *test)
{
	struct xfrm_state *out = new_state(test), *in = new_state(test);
	enum mif_encap_err why = MIF_ENCAP_OK;

	KUNIT_EXPECT_EQ(test, mif_clone_encap(out, true, &both, &why), 0);
	KUNIT_ASSERT_NOT_NULL(test, out->encap);
	KUNIT_EXPECT_EQ(test, out->encap->encap_type, UDP_ENCAP_ESPINUDP);
	KUNIT_EXPECT_EQ(test, out->encap->encap_sport, htons(4500));
	KUNIT_EXPECT_EQ(test, out->encap->encap_dport, htons(4501));
	kfree(out->encap);
	KUNIT_EXPECT_EQ(test, mif_clone_encap(in, false, &both, &why), 0);
	KUNIT_ASSERT_NOT_NULL(test, in->encap);
	KUNIT_EXPECT_EQ(test, in->encap->encap_sport, htons(4501));
	KUNIT_EXPECT_EQ(test, in->encap->encap_dport, htons(4500));
	kfree(in->encap);
}

static void encap_one_port_needs_encap(struct kunit *test)
{
	struct mif_ports one = { .port = htons(4500), .has_port = true };
	struct xfrm_encap_tmpl *e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);
	struct xfrm_state *x = new_state(test);
	enum mif_encap_err why = MIF_ENCAP_OK;

	KUNIT_EXPECT_EQ(test, mif_clone_encap(x, true, &one, &why), -EINVAL);
	KUNIT_EXPECT_NE(test, why, MIF_ENCAP_OK);
	KUNIT_EXPECT_NULL(test, x->encap);

	/* with encapsulation, one port changes one side only */
	KUNIT_ASSERT_NOT_NULL(test, e);
	e->encap_type = UDP_ENCAP_ESPINUDP;
	e->encap_sport = htons(1000);
	e->encap_dport = htons(2000);
	x->encap = e;
	KUNIT_EXPECT_EQ(test, mif_clone_encap(x, false, &one, &why), 0);
	KUNIT_EXPECT_EQ(test, e->encap_sport, htons(1000));
	KUNIT_EXPECT_EQ(test, e->encap_dport, htons(4500));
}

static void encap_dropped_with_both_zero(struct kunit *test)
{
	struct mif_ports zero = { .has_port = true, .has_peer_port = true };
	struct mif_ports half = { .peer_port = htons(4501), .has_port = true,
				  .has_peer_port = true };
	struct xfrm_state *x = new_state(test);
	enum mif_encap_err why = MIF_ENCAP_OK;

	x->encap = kzalloc(sizeof(*x->encap), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x->encap);
	KUNIT_EXPECT_EQ(test, mif_clone_encap(x, true, &half, &why), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, x->encap);
	KUNIT_EXPECT_EQ(test, mif_clone_encap(x, true, &zero, &why), 0);
	KUNIT_EXPECT_NULL(test, x->encap);
}

static const struct mif_clone_ent ent_a = { .spi = htonl(0x1001) };
static const struct mif_clone_ent ent_b = { .spi = htonl(0x2001) };

static void keys_unique(struct kunit *test)
{
	static const u8 k1[20] = { 1 }, k2[20] = { 2 }, k3[16] = { 1 };
	struct mif_key k[] = {
		{ k1, sizeof(k1), &ent_a, NULL },
		{ k2, sizeof(k2), &ent_b, NULL },
		{ k3, sizeof(k3), &ent_b, NULL },	/* a prefix of k1 */
	};
	const struct mif_key *other = NULL;

	KUNIT_EXPECT_NULL(test, mif_key_reused(k, ARRAY_SIZE(k), &other));
}

static void keys_two_copies(struct kunit *test)
{
	static const u8 k1[20] = { 1 }, k2[20] = { 2 }, same[20] = { 1 };
	struct mif_key k[] = {
		{ k2, sizeof(k2), NULL, NULL },
		{ k1, sizeof(k1), &ent_a, NULL },
		{ same, sizeof(same), &ent_b, NULL },
	};
	const struct mif_key *dup, *other = NULL;

	dup = mif_key_reused(k, ARRAY_SIZE(k), &other);
	KUNIT_ASSERT_NOT_NULL(test, dup);
	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_EXPECT_NOT_NULL(test, dup->ent);
	KUNIT_EXPECT_NOT_NULL(test, other->ent);
	KUNIT_EXPECT_TRUE(test, dup->ent != other->ent);
}

static void keys_copy_and_source(struct kunit *test)
{
	static const u8 src[20] = { 7 }, copy[20] = { 7 }, k2[20] = { 2 };
	struct mif_key k[] = {
		{ src, sizeof(src), NULL, NULL },
		{ k2, sizeof(k2), &ent_a, NULL },
		{ copy, sizeof(copy), &ent_b, NULL },
	};
	const struct mif_key *dup, *other = NULL;

	dup = mif_key_reused(k, ARRAY_SIZE(k), &other);
	KUNIT_ASSERT_NOT_NULL(test, dup);
	KUNIT_EXPECT_PTR_EQ(test, dup->ent, &ent_b);
	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_EXPECT_NULL(test, other->ent);
}

static void keys_sources_alone_not_checked(struct kunit *test)
{
	static const u8 s1[20] = { 3 }, s2[20] = { 3 }, c[20] = { 4 };
	struct mif_key k[] = {
		{ s1, sizeof(s1), NULL, NULL },
		{ s2, sizeof(s2), NULL, NULL },
		{ c, sizeof(c), &ent_a, NULL },
	};
	const struct mif_key *other = NULL;

	/* two source SAs that share a key are not the clone's doing */
	KUNIT_EXPECT_NULL(test, mif_key_reused(k, ARRAY_SIZE(k), &other));
}

static struct kunit_case mif_clone_cases[] = {
	KUNIT_CASE(encap_untouched_without_ports),
	KUNIT_CASE(encap_gained_with_both_ports),
	KUNIT_CASE(encap_one_port_needs_encap),
	KUNIT_CASE(encap_dropped_with_both_zero),
	KUNIT_CASE(keys_unique),
	KUNIT_CASE(keys_two_copies),
	KUNIT_CASE(keys_copy_and_source),
	KUNIT_CASE(keys_sources_alone_not_checked),
	{}
};

static struct kunit_suite mif_clone_suite = {
	.name = "xfrm_mif_clone",
	.test_cases = mif_clone_cases,
};

kunit_test_suite(mif_clone_suite);
