// SPDX-License-Identifier: GPL-2.0
/*
 * Failover: when an address that has alternates disappears, or the link
 * that carries it loses its carrier or goes down, the SAs and policies
 * bound to it move to the first alternate that is present on a working
 * link, and the events group hears what moved. Each alternate set moves
 * only the SAs of its scope (mark, if_id, reqid); scoped sets go first, the
 * unscoped set of the address, if any, moves what is left. A failover that
 * cannot move anything (no alternate usable, or the move refused) is
 * announced too, with its reason. Nothing moves back when the address
 * returns: that is the key manager's call.
 *
 * The notifiers only record the loss and queue work (the inet6addr chain
 * is atomic, and a rewrite sleeps). Each network namespace has its own
 * work item and its own bounded list of pending losses: failovers of one
 * namespace run one at a time, in order, and never wait for another
 * namespace's.
 */
#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <linux/xfrm_mif.h>
#include <net/addrconf.h>
#include <net/net_namespace.h>

#include "mif.h"

/* Losses pending per namespace; past that, one check of every set. */
#define MIF_LOSSES	16

/*
 * What was lost: an address (addr set), or the link ifindex; neither: any
 * address of a set may be lost (the pending list overflowed).
 */
struct mif_loss {
	struct mif_addr addr;
	int ifindex;
};

struct mif_failover {
	struct work_struct work;
	struct net *net;		/* whose mif_net holds this */
	spinlock_t lock;		/* n, pending, rescan */
	unsigned int n;
	struct mif_loss pending[MIF_LOSSES];
	bool rescan;
};

static struct workqueue_struct *mif_wq;
static bool mif_stopping;

/* The device carrying local address a, or NULL. Under RCU. */
static struct net_device *mif_addr_dev(struct net *net,
				       const struct mif_addr *a)
{
	if (a->family == AF_INET)
		return __ip_dev_find(net, a->a.a4, false);
#if IS_ENABLED(CONFIG_IPV6)
	return ipv6_dev_find(net, &a->a.in6, NULL);
#else
	return NULL;
#endif
}

static bool mif_dev_up(const struct net_device *dev)
{
	return netif_running(dev) && netif_carrier_ok(dev);
}

/* Is a a local address on a link that is up and has carrier? */
static bool mif_addr_usable(struct net *net, const struct mif_addr *a)
{
	struct net_device *dev;
	bool ok;

	rcu_read_lock();
	dev = mif_addr_dev(net, a);
	ok = dev && mif_dev_up(dev);
	rcu_read_unlock();
	return ok;
}

/* Has a been lost, as far as loss l tells? */
static bool mif_addr_lost(struct net *net, const struct mif_addr *a,
			  const struct mif_loss *l)
{
	struct net_device *dev;
	bool lost;

	rcu_read_lock();
	dev = mif_addr_dev(net, a);
	if (l->ifindex)
		lost = dev && dev->ifindex == l->ifindex && !mif_dev_up(dev);
	else if (l->addr.family)
		lost = !dev;
	else
		lost = !dev || !mif_dev_up(dev);
	rcu_read_unlock();
	return lost;
}

static void mif_failover_log(const struct mif_alt *e, const char *why)
{
	if (e->f.addr.family == AF_INET)
		net_info_ratelimited("xfrm_mif: no failover for %pI4: %s\n",
				     &e->f.addr.a.a4, why);
	else
		net_info_ratelimited("xfrm_mif: no failover for %pI6c: %s\n",
				     &e->f.addr.a.in6, why);
}

/*
 * Tell the events group about a failover of set e: the alternate it moved
 * to (or tried), the counts, and for a failure its reason, error and
 * message, the counts then being what stays bound to the lost address.
 */
static void mif_failover_event(struct net *net, const struct mif_alt *e,
			       const struct mif_addr *to,
			       const struct mif_counts *counts, u32 reason,
			       int err, const char *msg)
{
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&mif_genl_family, net, 0))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &mif_genl_family, 0,
			  XFRM_MIF_CMD_FAILOVER);
	if (!hdr || mif_addr_put(skb, XFRM_MIF_A_ADDR, &e->f.addr) ||
	    (to && mif_addr_put(skb, XFRM_MIF_A_NEW_ADDR, to)) ||
	    nla_put_u32(skb, XFRM_MIF_A_STATES, counts->states) ||
	    nla_put_u32(skb, XFRM_MIF_A_POLICIES, counts->policies) ||
	    mif_alt_put_scope(skb, e) ||
	    (reason && nla_put_u32(skb, XFRM_MIF_A_REASON, reason)) ||
	    (err && nla_put_s32(skb, XFRM_MIF_A_ERROR, err)) ||
	    (msg && nla_put_string(skb, XFRM_MIF_A_MESSAGE, msg))) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&mif_genl_family, net, skb, 0, 0, GFP_KERNEL);
}

/* A failover of e that moved nothing: said, if anything is left behind. */
static void mif_failover_failed(struct net *net, const struct mif_alt *e,
				const struct mif_addr *to, u32 reason,
				int err, const char *msg)
{
	struct mif_counts left;

	if (mif_delete(net, &e->f, true, &left) ||
	    (!left.states && !left.policies))
		return;
	mif_failover_log(e, msg);
	mif_failover_event(net, e, to, &left, reason, err, msg);
}

static void mif_fail_over(struct net *net, const struct mif_alt *e)
{
	struct netlink_ext_ack extack = { };
	struct mif_counts counts;
	struct mif_move m = { };
	unsigned int i;
	int err;

	for (i = 0; i < e->n; i++) {
		if (mif_addr_usable(net, &e->alts[i]))
			break;
	}
	if (i == e->n) {	/* the SAs stay, dormant */
		mif_failover_failed(net, e, NULL,
				    XFRM_MIF_FAILOVER_NO_ALTERNATE, 0,
				    "no alternate is up with carrier");
		return;
	}
	m.to = e->alts[i];
	err = mif_rewrite(net, &e->f, &m, false, &counts, &extack);
	if (err) {
		mif_failover_failed(net, e, &m.to, XFRM_MIF_FAILOVER_REFUSED,
				    err, extack._msg ?: "the move failed");
		return;
	}
	if (counts.states || counts.policies)
		mif_failover_event(net, e, &m.to, &counts, 0, 0, NULL);
}

/* Fail over the sets that l lost: the scoped ones first. */
static void mif_loss_handle(struct net *net, struct mif_net *mn,
			    const struct mif_loss *l)
{
	struct mif_alt *e;
	int scoped;

	for (scoped = 1; scoped >= 0; scoped--) {
		list_for_each_entry(e, &mn->alts, list) {
			if (mif_alt_scoped(e) != scoped)
				continue;
			if (l->addr.family &&
			    !mif_addr_equal(&l->addr, &e->f.addr.a,
					    e->f.addr.family))
				continue;
			if (mif_addr_lost(net, &e->f.addr, l))
				mif_fail_over(net, e);
		}
	}
}

/* The oldest pending loss, or a rescan, which covers them all. */
static bool mif_loss_pop(struct mif_failover *fo, struct mif_loss *l)
{
	bool found = true;

	spin_lock_bh(&fo->lock);
	if (fo->rescan) {
		memset(l, 0, sizeof(*l));
		fo->rescan = false;
		fo->n = 0;
	} else if (fo->n) {
		*l = fo->pending[0];
		fo->n--;
		memmove(&fo->pending[0], &fo->pending[1],
			fo->n * sizeof(fo->pending[0]));
	} else {
		found = false;
	}
	spin_unlock_bh(&fo->lock);
	return found;
}

static void mif_failover_work(struct work_struct *work)
{
	struct mif_failover *fo = container_of(work, struct mif_failover, work);
	struct mif_net *mn = mif_pernet(fo->net);
	struct mif_loss l;

	while (mif_loss_pop(fo, &l)) {
		mutex_lock(&mn->lock);
		mif_loss_handle(fo->net, mn, &l);
		mutex_unlock(&mn->lock);
	}
}

static bool mif_loss_equal(const struct mif_loss *a, const struct mif_loss *b)
{
	return a->ifindex == b->ifindex && a->addr.family == b->addr.family &&
	       (!a->addr.family ||
		mif_addr_equal(&a->addr, &b->addr.a, b->addr.family));
}

/* Record a loss in net and queue its work. Any context but hard IRQ. */
static void mif_loss_queue(struct net *net, const struct mif_addr *addr,
			   int ifindex)
{
	struct mif_loss l = { .ifindex = ifindex };
	struct mif_failover *fo;
	struct mif_net *mn;
	unsigned int i;

	/* a namespace on its way out has nothing left to move */
	if (READ_ONCE(mif_stopping) || !check_net(net))
		return;
	mn = mif_pernet(net);
	if (list_empty(&mn->alts))
		return;
	if (addr)
		l.addr = *addr;
	fo = mn->fo;
	spin_lock_bh(&fo->lock);
	for (i = 0; i < fo->n; i++)
		if (mif_loss_equal(&fo->pending[i], &l))
			break;
	if (i == fo->n) {
		if (fo->n < MIF_LOSSES)
			fo->pending[fo->n++] = l;
		else
			fo->rescan = true;
	}
	spin_unlock_bh(&fo->lock);
	queue_work(mif_wq, &fo->work);
}

static int mif_inetaddr_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct in_ifaddr *ifa = ptr;
	struct mif_addr a = { .family = AF_INET };

	if (event != NETDEV_DOWN)
		return NOTIFY_DONE;
	a.a.a4 = ifa->ifa_local;
	mif_loss_queue(dev_net(ifa->ifa_dev->dev), &a, 0);
	return NOTIFY_DONE;
}

static struct notifier_block mif_inetaddr_nb = {
	.notifier_call = mif_inetaddr_event,
};

#if IS_ENABLED(CONFIG_IPV6)
static int mif_inet6addr_event(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	struct inet6_ifaddr *ifa = ptr;
	struct mif_addr a = { .family = AF_INET6 };

	if (event != NETDEV_DOWN)
		return NOTIFY_DONE;
	a.a.in6 = ifa->addr;
	mif_loss_queue(dev_net(ifa->idev->dev), &a, 0);
	return NOTIFY_DONE;
}

static struct notifier_block mif_inet6addr_nb = {
	.notifier_call = mif_inet6addr_event,
};
#endif

static int mif_netdev_event(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (event == NETDEV_DOWN ||
	    (event == NETDEV_CHANGE && !netif_carrier_ok(dev)))
		mif_loss_queue(dev_net(dev), NULL, dev->ifindex);
	return NOTIFY_DONE;
}

static struct notifier_block mif_netdev_nb = {
	.notifier_call = mif_netdev_event,
};

/* Before the notifiers: every namespace has its mif_failover. */
int mif_failover_net_init(struct net *net)
{
	struct mif_failover *fo;

	fo = kzalloc(sizeof(*fo), GFP_KERNEL_ACCOUNT);
	if (!fo)
		return -ENOMEM;
	fo->net = net;
	spin_lock_init(&fo->lock);
	INIT_WORK(&fo->work, mif_failover_work);
	mif_pernet(net)->fo = fo;
	return 0;
}

/*
 * The namespace's devices are gone (their exits run before this one), so
 * nothing queues more: wait for a failover that runs, drop the pending.
 */
void mif_failover_net_exit(struct net *net)
{
	struct mif_net *mn = mif_pernet(net);

	cancel_work_sync(&mn->fo->work);
	kfree(mn->fo);
	mn->fo = NULL;
}

int __init mif_failover_init(void)
{
	int err;

	/* unbound: namespaces fail over side by side */
	mif_wq = alloc_workqueue("xfrm_mif", WQ_UNBOUND, 0);
	if (!mif_wq)
		return -ENOMEM;
	err = register_inetaddr_notifier(&mif_inetaddr_nb);
	if (err)
		goto err_wq;
#if IS_ENABLED(CONFIG_IPV6)
	err = register_inet6addr_notifier(&mif_inet6addr_nb);
	if (err)
		goto err_inet;
#endif
	err = register_netdevice_notifier(&mif_netdev_nb);
	if (err)
		goto err_inet6;
	return 0;

err_inet6:
#if IS_ENABLED(CONFIG_IPV6)
	unregister_inet6addr_notifier(&mif_inet6addr_nb);
err_inet:
#endif
	unregister_inetaddr_notifier(&mif_inetaddr_nb);
err_wq:
	destroy_workqueue(mif_wq);
	return err;
}

/*
 * Unregistering the netdevice notifier replays DOWN for every device: the
 * stopping flag keeps that from failing anything over. Queued failovers
 * still run to the end before the workqueue goes.
 */
void mif_failover_exit(void)
{
	WRITE_ONCE(mif_stopping, true);
	unregister_netdevice_notifier(&mif_netdev_nb);
#if IS_ENABLED(CONFIG_IPV6)
	unregister_inet6addr_notifier(&mif_inet6addr_nb);
#endif
	unregister_inetaddr_notifier(&mif_inetaddr_nb);
	destroy_workqueue(mif_wq);
}
