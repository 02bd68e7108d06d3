// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the commit of a rewrite (rewrite.c): real SAs and
 * policies in init_net, marked so that nothing else matches, moved by
 * mif_rewrite() while the test acts at the steps of the commit: an SA that
 * hard-expires, a failure to publish or insert, traffic on an SA.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/random.h>
#include <net/xfrm.h>

#include "../mif.h"

#define MARK	0x6d6966		/* this suite's SAs and policies only */
#define OLD	htonl(0xc0000201)	/* 192.0.2.1 */
#define NEW	htonl(0xc000020b)	/* 192.0.2.11 */
#define PEER	htonl(0xc0000202)	/* 192.0.2.2 */
#define SPI_OUT	0x1001			/* OLD -> PEER */
#define SPI_IN	0x1002			/* PEER -> OLD */

/* One case: its SAs and policies, and what it does at which step. */
struct rw_case {
	struct kunit *test;
	struct xfrm_state *out, *in;
	struct xfrm_policy *transport, *tunnel;
	struct xfrm_state *expire;	/* hard-expire this SA... */
	enum mif_rw_step expire_at;	/* ...at this step */
	bool fail;			/* fail the first... */
	enum mif_rw_step fail_at;	/* ...publication or insertion */
	struct xfrm_state *advance;	/* a packet lands as it is quiesced */
	unsigned long gp;		/* RCU state when SAs were quiesced */
	bool grace_period;		/* one has passed before publishing */
	struct xfrm_state *copies[2];	/* the copies published */
	unsigned int n_copies;
};

static struct rw_case *running;

static struct mif_addr v4(__be32 a)
{
	struct mif_addr m = { .family = AF_INET };

	m.a.a4 = a;
	return m;
}

static struct xfrm_selector host_sel(__be32 s, __be32 d)
{
	struct xfrm_selector sel = {
		.family = AF_INET, .prefixlen_s = 32, .prefixlen_d = 32,
	};

	sel.saddr.a4 = s;
	sel.daddr.a4 = d;
	return sel;
}

/* A valid transport-mode ESP SA in init_net; the test holds a reference. */
static struct xfrm_state *add_sa(struct kunit *test, __be32 src, __be32 dst,
				 u32 spi)
{
	struct xfrm_algo_aead *aead;
	struct xfrm_state *x;

	x = xfrm_state_alloc(&init_net);
	KUNIT_ASSERT_NOT_NULL(test, x);
	aead = kzalloc(sizeof(*aead) + 20, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, aead);
	strscpy(aead->alg_name, "rfc4106(gcm(aes))", sizeof(aead->alg_name));
	aead->alg_key_len = 160;
	aead->alg_icv_len = 128;
	get_random_bytes(aead->alg_key, 20);
	x->aead = aead;
	x->geniv = "seqiv";	/* as XFRM's algorithm table says */
	x->id.proto = IPPROTO_ESP;
	x->id.spi = htonl(spi);
	x->id.daddr.a4 = dst;
	x->props.saddr.a4 = src;
	x->props.family = AF_INET;
	x->props.mode = XFRM_MODE_TRANSPORT;
	x->props.reqid = 7;
	x->mark.v = MARK;
	x->mark.m = ~0U;
	x->sel = host_sel(src, dst);
	KUNIT_ASSERT_EQ(test, xfrm_init_state(x), 0);
	xfrm_state_hold(x);
	KUNIT_ASSERT_EQ(test, xfrm_state_add(x), 0);
	return x;
}

/* A policy in init_net with one template; the test holds a reference. */
static struct xfrm_policy *add_policy(struct kunit *test,
				      const struct xfrm_selector *sel, u8 mode,
				      __be32 tsrc, __be32 tdst)
{
	struct xfrm_policy *xp;
	struct xfrm_tmpl *t;

	xp = xfrm_policy_alloc(&init_net, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, xp);
	xp->selector = *sel;
	xp->family = AF_INET;
	xp->mark.v = MARK;
	xp->mark.m = ~0U;
	xp->type = XFRM_POLICY_TYPE_MAIN;
	xp->action = XFRM_POLICY_ALLOW;
	xp->xfrm_nr = 1;
	t = &xp->xfrm_vec[0];
	t->id.proto = IPPROTO_ESP;
	t->id.daddr.a4 = tdst;
	t->saddr.a4 = tsrc;
	t->mode = mode;
	t->reqid = 7;
	t->encap_family = AF_INET;
	t->aalgos = ~0U;
	t->ealgos = ~0U;
	t->calgos = ~0U;
	KUNIT_ASSERT_EQ(test, xfrm_policy_insert(XFRM_POLICY_OUT, xp, 1), 0);
	return xp;
}

/* The SA with this SPI at dst, held, or NULL. */
static struct xfrm_state *find_sa(__be32 dst, u32 spi)
{
	xfrm_address_t a = { .a4 = dst };

	return xfrm_state_lookup(&init_net, MARK, &a, htonl(spi), IPPROTO_ESP,
				 AF_INET);
}

/* The outbound policy with this selector, held, or NULL; deleted if del. */
static struct xfrm_policy *find_policy(__be32 s, __be32 d, int del)
{
	struct xfrm_mark mark = { .v = MARK, .m = ~0U };
	struct xfrm_selector sel = host_sel(s, d);
	int err;

	return xfrm_policy_bysel_ctx(&init_net, &mark, 0, XFRM_POLICY_TYPE_MAIN,
				     XFRM_POLICY_OUT, &sel, NULL, del, &err);
}

/*
 * Two transport-mode SAs between OLD and PEER, a transport policy whose
 * selector names OLD (replaced by a copy when OLD moves), and a tunnel
 * policy whose template does (edited in place).
 */
static void setup(struct kunit *test, struct rw_case *c)
{
	struct xfrm_selector inner = {
		.family = AF_INET, .prefixlen_s = 24, .prefixlen_d = 24,
	};
	struct xfrm_selector sel = host_sel(OLD, PEER);

	inner.saddr.a4 = htonl(0x0a000100);
	inner.daddr.a4 = htonl(0x0a000200);
	c->test = test;
	c->out = add_sa(test, OLD, PEER, SPI_OUT);
	c->in = add_sa(test, PEER, OLD, SPI_IN);
	c->transport = add_policy(test, &sel, XFRM_MODE_TRANSPORT, 0, 0);
	c->tunnel = add_policy(test, &inner, XFRM_MODE_TUNNEL, OLD, PEER);
}

static void drop_sas(__be32 dst, u32 spi)
{
	struct xfrm_state *x;

	while ((x = find_sa(dst, spi))) {
		xfrm_state_delete(x);
		xfrm_state_put(x);
	}
}

static void drop_policies(__be32 s, __be32 d)
{
	struct xfrm_policy *xp;

	while ((xp = find_policy(s, d, 1)))
		xfrm_pol_put(xp);
}

static void teardown(struct rw_case *c)
{
	drop_sas(PEER, SPI_OUT);
	drop_sas(OLD, SPI_IN);
	drop_sas(NEW, SPI_IN);
	drop_policies(OLD, PEER);
	drop_policies(NEW, PEER);
	xfrm_policy_delete(c->tunnel, XFRM_POLICY_OUT);
	xfrm_pol_put(c->tunnel);
	xfrm_pol_put(c->transport);
	xfrm_state_put(c->out);
	xfrm_state_put(c->in);
}

/* Hard-expire x through XFRM's own lifetime timer, and wait for it. */
static void expire(struct kunit *test, struct xfrm_state *x)
{
	int i;

	spin_lock_bh(&x->lock);
	x->lft.hard_add_expires_seconds = 1;
	x->curlft.add_time = ktime_get_real_seconds() - 10;
	spin_unlock_bh(&x->lock);
	hrtimer_start(&x->mtimer, 0, HRTIMER_MODE_REL_SOFT);
	for (i = 0; i < 150 && READ_ONCE(x->km.state) != XFRM_STATE_DEAD; i++)
		msleep(20);
	KUNIT_EXPECT_EQ(test, READ_ONCE(x->km.state), (u8)XFRM_STATE_DEAD);
}

/*
 * What XFRM's input does for a packet that passed x's state check before
 * x was quiesced: after decryption, it advances the replay window and
 * counts the packet, without looking at the state again.
 */
static void land_packet(struct xfrm_state *x)
{
	spin_lock_bh(&x->lock);
	x->replay.seq = 77;
	x->replay.bitmap |= 1;
	x->curlft.packets++;
	spin_unlock_bh(&x->lock);
}

static int hook(enum mif_rw_step step, void *obj)
{
	struct rw_case *c = running;
	unsigned int i;

	if (c->expire && step == c->expire_at &&
	    (step != MIF_RW_QUIESCED || obj == c->expire)) {
		expire(c->test, c->expire);
		c->expire = NULL;
	}
	if (step == MIF_RW_QUIESCED && obj == c->advance) {
		land_packet(c->advance);
		c->gp = get_state_synchronize_rcu();
	}
	if (step == MIF_RW_PUBLISH) {
		c->grace_period = poll_state_synchronize_rcu(c->gp);
		if (c->n_copies < ARRAY_SIZE(c->copies))
			c->copies[c->n_copies++] = obj;
	}
	if (step == MIF_RW_INSERT) {
		/* the published copies carried traffic meanwhile */
		for (i = 0; i < c->n_copies; i++) {
			spin_lock_bh(&c->copies[i]->lock);
			c->copies[i]->replay.oseq += 5;
			spin_unlock_bh(&c->copies[i]->lock);
		}
	}
	if (c->fail && step == c->fail_at) {
		c->fail = false;
		return -ENOMEM;
	}
	return 0;
}

static int run(struct rw_case *c, struct mif_counts *counts)
{
	struct mif_filter f = {
		.addr = v4(OLD), .has_mark = true, .mark = MARK,
		.mark_mask = ~0U,
	};
	struct mif_move m = { .to = v4(NEW) };
	int err;

	running = c;
	mif_rewrite_set_hook(hook);
	/* What the family's pre_doit takes for every request. */
	mutex_lock(&mif_pernet(&init_net)->lock);
	err = mif_rewrite(&init_net, &f, &m, false, counts, NULL);
	mutex_unlock(&mif_pernet(&init_net)->lock);
	mif_rewrite_set_hook(NULL);
	running = NULL;
	return err;
}

/* Nothing moved: no copy at NEW, policies as they were. */
static void expect_unmoved(struct kunit *test, struct rw_case *c)
{
	struct xfrm_policy *xp;
	struct xfrm_state *x;

	x = find_sa(NEW, SPI_IN);
	KUNIT_EXPECT_NULL(test, x);
	if (x)
		xfrm_state_put(x);
	x = find_sa(PEER, SPI_OUT);
	if (x) {
		KUNIT_EXPECT_EQ(test, x->props.saddr.a4, OLD);
		xfrm_state_put(x);
	}
	xp = find_policy(NEW, PEER, 0);
	KUNIT_EXPECT_NULL(test, xp);
	if (xp)
		xfrm_pol_put(xp);
	xp = find_policy(OLD, PEER, 0);
	KUNIT_EXPECT_PTR_EQ(test, xp, c->transport);
	if (xp)
		xfrm_pol_put(xp);
	KUNIT_EXPECT_EQ(test, c->tunnel->xfrm_vec[0].saddr.a4, OLD);
}

/* An SA that hard-expires while quiesced stays dead when the commit fails. */
static void expired_while_quiesced_stays_dead(struct kunit *test)
{
	struct rw_case c = { };
	struct mif_counts counts;

	setup(test, &c);
	c.expire = c.out;
	c.expire_at = MIF_RW_QUIESCED;
	c.fail = true;
	c.fail_at = MIF_RW_PUBLISH;
	KUNIT_EXPECT_EQ(test, run(&c, &counts), -ENOMEM);
	KUNIT_EXPECT_EQ(test, c.out->km.state, (u8)XFRM_STATE_DEAD);
	KUNIT_EXPECT_EQ(test, c.in->km.state, (u8)XFRM_STATE_VALID);
	expect_unmoved(test, &c);
	teardown(&c);
}

/* The same for one that expires after its copy was published. */
static void expired_after_publishing_stays_dead(struct kunit *test)
{
	struct rw_case c = { };
	struct mif_counts counts;

	setup(test, &c);
	c.expire = c.out;
	c.expire_at = MIF_RW_INSERT;
	c.fail = true;
	c.fail_at = MIF_RW_INSERT;
	KUNIT_EXPECT_EQ(test, run(&c, &counts), -ENOMEM);
	KUNIT_EXPECT_EQ(test, c.out->km.state, (u8)XFRM_STATE_DEAD);
	KUNIT_EXPECT_EQ(test, c.in->km.state, (u8)XFRM_STATE_VALID);
	expect_unmoved(test, &c);
	teardown(&c);
}

/*
 * A policy copy that cannot be inserted, after the SAs have their copies:
 * the copies go, and the old SAs carry on with what their copies counted.
 */
static void failed_insert_changes_nothing(struct kunit *test)
{
	struct rw_case c = { };
	struct mif_counts counts;

	setup(test, &c);
	c.fail = true;
	c.fail_at = MIF_RW_INSERT;
	KUNIT_EXPECT_EQ(test, run(&c, &counts), -ENOMEM);
	KUNIT_EXPECT_EQ(test, c.n_copies, 2U);
	KUNIT_EXPECT_EQ(test, c.out->km.state, (u8)XFRM_STATE_VALID);
	KUNIT_EXPECT_EQ(test, c.in->km.state, (u8)XFRM_STATE_VALID);
	KUNIT_EXPECT_EQ(test, c.out->replay.oseq, 5U);
	KUNIT_EXPECT_EQ(test, c.in->replay.oseq, 5U);
	expect_unmoved(test, &c);
	teardown(&c);
}

/*
 * A packet that passed its SA's state check just before the SA was
 * quiesced advances the replay window just after. The copy takes the
 * counters once such packets are done, so it counts that packet too, and
 * would refuse a replay of it.
 */
static void copy_counts_packets_in_flight(struct kunit *test)
{
	struct rw_case c = { };
	struct mif_counts counts;
	struct xfrm_state *xc;

	setup(test, &c);
	c.advance = c.in;
	KUNIT_EXPECT_EQ(test, run(&c, &counts), 0);
	xc = find_sa(NEW, SPI_IN);
	KUNIT_ASSERT_NOT_NULL(test, xc);
	/* KUnit keeps 512 bytes of a case's log: the first failure says it */
	KUNIT_ASSERT_EQ(test, xc->replay.seq, 77U);
	KUNIT_EXPECT_EQ(test, xc->replay.bitmap, 1U);
	KUNIT_EXPECT_EQ(test, xc->curlft.packets, 1ULL);
	xfrm_state_put(xc);
	KUNIT_EXPECT_TRUE(test, c.grace_period);
	KUNIT_EXPECT_EQ(test, counts.states, 2U);
	KUNIT_EXPECT_EQ(test, counts.policies, 2U);
	KUNIT_EXPECT_EQ(test, c.in->km.state, (u8)XFRM_STATE_DEAD);
	KUNIT_EXPECT_EQ(test, c.tunnel->xfrm_vec[0].saddr.a4, NEW);
	teardown(&c);
}

static struct kunit_case mif_rewrite_commit_cases[] = {
	KUNIT_CASE(expired_while_quiesced_stays_dead),
	KUNIT_CASE(expired_after_publishing_stays_dead),
	KUNIT_CASE(failed_insert_changes_nothing),
	KUNIT_CASE(copy_counts_packets_in_flight),
	{}
};

static struct kunit_suite mif_rewrite_commit_suite = {
	.name = "xfrm_mif_rewrite_commit",
	.test_cases = mif_rewrite_commit_cases,
};

kunit_test_suite(mif_rewrite_commit_suite);
