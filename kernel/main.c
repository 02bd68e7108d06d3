// SPDX-License-Identifier: GPL-2.0
/*
 * xfrm_mif: interface-granular operations on the kernel's XFRM state.
 */
#include <linux/module.h>
#include <linux/xfrm_mif.h>

#include "mif.h"

static int __init mif_init(void)
{
	int err;

	err = mif_netns_init();
	if (err)
		return err;
	err = mif_failover_init();
	if (err)
		goto err_netns;
	err = mif_genl_init();
	if (err)
		goto err_failover;
	pr_info("xfrm_mif: version %d loaded\n", XFRM_MIF_GENL_VERSION);
	return 0;

err_failover:
	mif_failover_exit();
err_netns:
	mif_netns_exit();
	return err;
}

static void __exit mif_exit(void)
{
	mif_failover_exit();	/* no failover runs after this */
	mif_genl_exit();
	mif_netns_exit();
}

module_init(mif_init);
module_exit(mif_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Interface-granular operations on XFRM state");
MODULE_ALIAS_GENL_FAMILY(XFRM_MIF_GENL_NAME);
