// SPDX-License-Identifier: GPL-2.0
/*
 * Failover: when an address that has alternates disappears, or the link
 * that carries it loses its carrier or goes down, every SA and policy
 * bound to it moves to the first alternate that is present on a working
 * link, and the events group hears what moved. Nothing moves back when the
 * address returns: that is the key manager's call.
 *
 * The notifiers only queue work (the inet6addr chain is atomic, and a
 * rewrite sleeps); an ordered workqueue runs failovers one at a time.
 */
#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <linux/xfrm_mif.h>
#include <net/addrconf.h>

#include "mif.h"

struct mif_loss {
	struct work_struct work;
	struct net *net;		/* held */
	struct mif_addr addr;		/* an address went away, or */
	int ifindex;			/* a link went down (addr unset) */
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

/* Is a a local address on a link that is up and has carrier? */
static bool mif_addr_usable(struct net *net, const struct mif_addr *a)
{
	struct net_device *dev;
	bool ok;

	rcu_read_lock();
	dev = mif_addr_dev(net, a);
	ok = dev && netif_running(dev) && netif_carrier_ok(dev);
	rcu_read_unlock();
	return ok;
}

/* Has a been lost: gone, or on link loss, carried by that link? */
static bool mif_addr_lost(struct net *net, const struct mif_addr *a,
			  int ifindex)
{
	struct net_device *dev;
	bool lost;

	rcu_read_lock();
	dev = mif_addr_dev(net, a);
	if (ifindex)
		lost = dev && dev->ifindex == ifindex &&
		       !(netif_running(dev) && netif_carrier_ok(dev));
	else
		lost = !dev;
	rcu_read_unlock();
	return lost;
}

static void mif_fail_over(struct net *net, struct mif_alt *e)
{
	struct mif_filter f = { .addr = e->addr };
	struct mif_counts counts;
	struct mif_move m = { };
	unsigned int i;

	for (i = 0; i < e->n; i++) {
		if (mif_addr_usable(net, &e->alts[i]))
			break;
	}
	if (i == e->n)
		return;		/* none usable: the SAs stay, dormant */
	m.to = e->alts[i];
	if (mif_rewrite(net, &f, &m, false, &counts, NULL))
		return;
	if (counts.states || counts.policies)
		mif_event_moved(net, XFRM_MIF_CMD_FAILOVER, &e->addr, &m.to,
				&counts);
}

static void mif_loss_work(struct work_struct *work)
{
	struct mif_loss *l = container_of(work, struct mif_loss, work);
	struct mif_net *mn = mif_pernet(l->net);
	struct mif_alt *e;

	mutex_lock(&mn->lock);
	list_for_each_entry(e, &mn->alts, list) {
		if (l->addr.family &&
		    !mif_addr_equal(&l->addr, &e->addr.a, e->addr.family))
			continue;
		if (mif_addr_lost(l->net, &e->addr, l->ifindex))
			mif_fail_over(l->net, e);
	}
	mutex_unlock(&mn->lock);
	put_net(l->net);
	kfree(l);
}

static void mif_loss_queue(struct net *net, const struct mif_addr *addr,
			   int ifindex, gfp_t gfp)
{
	struct mif_loss *l;

	if (READ_ONCE(mif_stopping) || list_empty(&mif_pernet(net)->alts))
		return;
	l = kzalloc(sizeof(*l), gfp);
	if (!l)
		return;
	l->net = maybe_get_net(net);
	if (!l->net) {			/* the namespace is going away */
		kfree(l);
		return;
	}
	if (addr)
		l->addr = *addr;
	l->ifindex = ifindex;
	INIT_WORK(&l->work, mif_loss_work);
	queue_work(mif_wq, &l->work);
}

static int mif_inetaddr_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct in_ifaddr *ifa = ptr;
	struct mif_addr a = { .family = AF_INET };

	if (event != NETDEV_DOWN)
		return NOTIFY_DONE;
	a.a.a4 = ifa->ifa_local;
	mif_loss_queue(dev_net(ifa->ifa_dev->dev), &a, 0, GFP_KERNEL);
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
	mif_loss_queue(dev_net(ifa->idev->dev), &a, 0, GFP_ATOMIC);
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
		mif_loss_queue(dev_net(dev), NULL, dev->ifindex, GFP_KERNEL);
	return NOTIFY_DONE;
}

static struct notifier_block mif_netdev_nb = {
	.notifier_call = mif_netdev_event,
};

int __init mif_failover_init(void)
{
	int err;

	mif_wq = alloc_ordered_workqueue("xfrm_mif", 0);
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
