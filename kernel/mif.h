/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal declarations shared by the files of the xfrm_mif module.
 */
#ifndef _XFRM_MIF_H
#define _XFRM_MIF_H

#include <linux/types.h>
#include <linux/xfrm_mif.h>
#include <net/genetlink.h>
#include <net/xfrm.h>

/*
 * Locking. Each network namespace has one mutex, mif_net.lock, which
 * serialises what the module does to that namespace: the requests that
 * walk or change its XFRM state or its alternates hold it (the family's
 * pre_doit takes it for the operations marked MIF_NL_LOCKED in netlink.c,
 * post_doit drops it; a dump takes it in each call), and so does failover
 * work. The family is parallel_ops: no operation holds the host-wide
 * genl_mutex, so a long operation in one namespace delays no other
 * namespace and no other generic netlink family.
 *
 * Lock order:
 *
 *   mif_net.lock
 *     net->xfrm.xfrm_cfg_mutex	(rewrite, clone, delete; as xfrm_user)
 *       XFRM's spinlocks		(the walkers, x->lock, xp->lock)
 *
 * The module takes RTNL under neither mutex, and neither mutex under RTNL:
 * the address and device notifiers, called under RTNL (or atomically),
 * take no lock of the module's and only queue failover work, which takes
 * mif_net.lock from a workqueue, without RTNL.
 */

/* addr.c: one outer address, as carried in XFRM_MIF_ADDR_A_* nests. */
struct mif_addr {
	xfrm_address_t a;
	unsigned short family;		/* AF_INET or AF_INET6 */
};

/* The policy of an address nest, for the policies of nests that hold one. */
extern const struct nla_policy mif_addr_policy[XFRM_MIF_ADDR_A_MAX + 1];

int mif_addr_parse(const struct nlattr *nla, struct mif_addr *addr,
		   struct netlink_ext_ack *extack);
int mif_addr_put(struct sk_buff *skb, int attrtype,
		 const struct mif_addr *addr);
bool mif_addr_equal(const struct mif_addr *x, const xfrm_address_t *a,
		    unsigned short family);

/*
 * match.c: which SAs and policies an operation touches. A reqid matches
 * when it equals f->reqid in the bits of f->reqid_mask (all ones: exactly),
 * so that one call can select a block of reqids, those of one IKE SA.
 */
struct mif_filter {
	struct mif_addr addr;
	u32 mark, mark_mask, if_id, reqid, reqid_mask;
	bool has_mark, has_if_id, has_reqid;
};

bool mif_state_bound(const struct mif_filter *f, const struct xfrm_state *x);
bool mif_policy_bound(const struct mif_filter *f, const struct xfrm_policy *xp);

/*
 * walk.c: the SAs and policies an operation touches, each handed to a
 * callback outside XFRM's locks. Embed in the operation's own context;
 * the match callbacks (NULL: bound to f) run under a spinlock.
 */
struct mif_walk {
	struct net *net;
	const struct mif_filter *f;
	bool (*state_match)(struct mif_walk *w, const struct xfrm_state *x);
	bool (*policy_match)(struct mif_walk *w, const struct xfrm_policy *xp);
	int (*state_fn)(struct mif_walk *w, struct xfrm_state *x);
	int (*policy_fn)(struct mif_walk *w, struct xfrm_policy *xp, int dir);
};

int mif_walk_states(struct mif_walk *w);
int mif_walk_policies(struct mif_walk *w);

struct mif_counts {
	u32 states;
	u32 policies;
	u32 skipped;		/* clone: policy copies not made, selector taken */
};

/* state.c: copies of SAs, for rewrite and clone. */
struct xfrm_state *mif_state_copy(struct xfrm_state *x,
				  struct netlink_ext_ack *extack);
void mif_state_take_counters(struct xfrm_state *to,
			     const struct xfrm_state *from);
void mif_state_reset_counters(struct xfrm_state *x);
void mif_state_discard(struct xfrm_state *x);

/* notify.c: XFRM's own SA and policy messages, when anyone listens. */
void mif_notify_state(struct xfrm_state *x, int event);
void mif_notify_policy(struct xfrm_policy *xp, int dir, int event);

/* policy.c: copies of policies, for selectors that must be re-hashed. */
struct xfrm_policy *mif_policy_copy(const struct xfrm_policy *xp);
void mif_policy_discard(struct xfrm_policy *xp);

/* rewrite.c: move every SA and policy bound to an address to another. */
struct mif_move {
	struct mif_addr to;
	__be16 port, peer_port;		/* UDP encap; 0: unchanged */
};

int mif_rewrite(struct net *net, const struct mif_filter *f,
		const struct mif_move *m, bool dry_run,
		struct mif_counts *counts, struct netlink_ext_ack *extack);
/*
 * The steps of a rewrite's commit at which a test may act (KUnit only),
 * with the object concerned; a non-zero return makes a step that can fail
 * fail.
 */
enum mif_rw_step {
	MIF_RW_QUIESCED,	/* an old SA (xfrm_state), just quiesced */
	MIF_RW_PUBLISH,		/* an SA copy, about to be published */
	MIF_RW_INSERT,		/* a policy copy (xfrm_policy), about to be inserted */
};

#if IS_ENABLED(CONFIG_KUNIT)
void mif_rewrite_set_hook(int (*hook)(enum mif_rw_step step, void *obj));
bool mif_swap(xfrm_address_t *a, unsigned short family,
	      const struct mif_addr *from, const struct mif_addr *to);
void mif_swap_selector(struct xfrm_selector *sel, const struct mif_addr *from,
		       const struct mif_addr *to);
int mif_move_encap(struct xfrm_state *xc, bool src_moved,
		   const struct mif_move *m);
bool mif_selector_moves(const struct xfrm_policy *xp,
			const struct mif_addr *from, const struct mif_addr *to,
			struct xfrm_selector *moved);
#endif

/* clone.c, clone_nl.c: copies of the SAs of some addresses, on a new one. */
int mif_nl_clone(struct sk_buff *skb, struct genl_info *info);

/* delete.c: remove every SA and policy bound to an address. */

int mif_delete(struct net *net, const struct mif_filter *f, bool dry_run,
	       struct mif_counts *counts);

/*
 * alt.c: alternate sets. An address, the scope of the SAs its owner moves
 * (mark, if_id, reqid; none: every SA), and where they go.
 */
struct mif_alt {
	struct list_head list;		/* in mif_net.alts */
	struct mif_filter f;		/* the address and the scope */
	unsigned int n;
	struct mif_addr alts[XFRM_MIF_MAX_ALTS];
};

struct mif_net;
int mif_nl_alt_set(struct sk_buff *skb, struct genl_info *info);
int mif_nl_alt_del(struct sk_buff *skb, struct genl_info *info);
int mif_nl_alt_dump(struct sk_buff *skb, struct netlink_callback *cb);
void mif_alt_flush(struct mif_net *mn);
bool mif_alt_scoped(const struct mif_alt *e);
int mif_alt_put_scope(struct sk_buff *skb, const struct mif_alt *e);
#if IS_ENABLED(CONFIG_KUNIT)
bool mif_alt_same(const struct mif_filter *a, const struct mif_filter *b);
#endif

/* failover.c: moving SAs off lost addresses, one work item per netns. */
struct mif_failover;
int mif_failover_init(void);
void mif_failover_exit(void);
int mif_failover_net_init(struct net *net);
void mif_failover_net_exit(struct net *net);

/* netns.c: per network namespace state. */
struct mif_net {
	struct mutex lock;		/* see "Locking" above */
	struct list_head alts;		/* struct mif_alt, in the order set */
	unsigned int nalts;
	struct mif_failover *fo;	/* lost addresses, and their work */
};

struct mif_net *mif_pernet(const struct net *net);
int mif_netns_init(void);
void mif_netns_exit(void);

/* dump.c: SAs and policies, without keys. */
int mif_nl_dump_start(struct netlink_callback *cb);
int mif_nl_dump(struct sk_buff *skb, struct netlink_callback *cb);
int mif_nl_dump_done(struct netlink_callback *cb);

/* netlink.c: the generic netlink family. */
extern struct genl_family mif_genl_family;

/*
 * True if the request lacks attribute attr: the extended ack then names
 * the missing attribute and says msg, a string literal.
 */
#define MIF_REQ_ATTR_CHECK(info, attr, msg) ({				\
	struct genl_info *__mif_info = (info);				\
	bool __missing = GENL_REQ_ATTR_CHECK(__mif_info, attr);		\
									\
	if (__missing)							\
		NL_SET_ERR_MSG(__mif_info->extack, msg);		\
	__missing;							\
})

int mif_filter_parse(struct genl_info *info, struct mif_filter *f);
int mif_narrow_parse(struct genl_info *info, struct mif_filter *f);
bool mif_dry_run(struct genl_info *info);
int mif_reply_counts(struct genl_info *info, u8 cmd,
		     const struct mif_addr *addr,
		     const struct mif_counts *counts);
struct sk_buff *mif_reply_new(struct genl_info *info, u8 cmd);
void mif_reply_send(struct sk_buff *msg, struct genl_info *info, u8 cmd,
		    const struct mif_addr *addr,
		    const struct mif_counts *counts);
void mif_event(struct net *net, u8 cmd, const struct mif_addr *addr,
	       const struct mif_counts *counts);
void mif_event_moved(struct net *net, u8 cmd, const struct mif_addr *from,
		     const struct mif_addr *to, const struct mif_counts *counts);
int mif_genl_init(void);
void mif_genl_exit(void);

#endif /* _XFRM_MIF_H */
