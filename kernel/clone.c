// SPDX-License-Identifier: GPL-2.0
/*
 * Clone for a new interface: not implemented yet.
 */
#include "mif.h"

int mif_nl_clone(struct sk_buff *skb, struct genl_info *info)
{
	NL_SET_ERR_MSG(info->extack, "clone is not implemented yet");
	return -EOPNOTSUPP;
}
