/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal declarations shared by the files of the xfrm_mif module.
 */
#ifndef _XFRM_MIF_H
#define _XFRM_MIF_H

#include <linux/types.h>
#include <net/genetlink.h>
#include <net/xfrm.h>

/* addr.c: one outer address, as carried in XFRM_MIF_ADDR_A_* nests. */
struct mif_addr {
	xfrm_address_t a;
	unsigned short family;		/* AF_INET or AF_INET6 */
};

int mif_addr_parse(const struct nlattr *nla, struct mif_addr *addr,
		   struct netlink_ext_ack *extack);
int mif_addr_put(struct sk_buff *skb, int attrtype,
		 const struct mif_addr *addr);
bool mif_addr_equal(const struct mif_addr *x, const xfrm_address_t *a,
		    unsigned short family);

/* netns.c: per network namespace state. */
struct mif_net {
	struct net *net;
	struct mutex lock;		/* serialises this module's writers */
	struct list_head alts;		/* struct mif_alt, by address */
	atomic_t ops;			/* operations performed, for GET_INFO */
};

struct mif_net *mif_pernet(const struct net *net);
int mif_netns_init(void);
void mif_netns_exit(void);

/* netlink.c: the generic netlink family. */
int mif_genl_init(void);
void mif_genl_exit(void);

#endif /* _XFRM_MIF_H */
