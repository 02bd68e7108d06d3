// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state of the module.
 */
#include <kunit/visibility.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "mif.h"

static unsigned int mif_net_id __read_mostly;

struct mif_net *mif_pernet(const struct net *net)
{
	return net_generic(net, mif_net_id);
}
EXPORT_SYMBOL_IF_KUNIT(mif_pernet);

static int __net_init mif_net_init(struct net *net)
{
	struct mif_net *mn = mif_pernet(net);

	mutex_init(&mn->lock);
	INIT_LIST_HEAD(&mn->alts);
	return mif_failover_net_init(net);
}

static void __net_exit mif_net_exit(struct net *net)
{
	mif_failover_net_exit(net);
	mif_alt_flush(mif_pernet(net));
}

static struct pernet_operations mif_net_ops = {
	.init = mif_net_init,
	.exit = mif_net_exit,
	.id = &mif_net_id,
	.size = sizeof(struct mif_net),
};

int mif_netns_init(void)
{
	return register_pernet_subsys(&mif_net_ops);
}

void mif_netns_exit(void)
{
	unregister_pernet_subsys(&mif_net_ops);
}
