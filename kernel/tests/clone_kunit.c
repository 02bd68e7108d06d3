// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for clone.c: the rule that no copy shares a key with another
 * copy or a source SA.
 */
#include <kunit/test.h>
#include <net/xfrm.h>

#include "../clone.h"

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
