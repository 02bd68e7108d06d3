/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface-wide operations without the xfrm_mif module: per SA and
 * policy through XFRM netlink, with the module's result (backend/xfrm.c
 * calls them when the module is not loaded).
 */
#ifndef MIF_BACKEND_XFRM_IFACE_H
#define MIF_BACKEND_XFRM_IFACE_H

#include <linux/netlink.h>

#include "backend/backend.h"

int xfrm_iface_move(struct backend *b, const struct kernel_move *m,
		    const struct kernel_scope *s, struct kernel_iface_result *r);
int xfrm_iface_delete(struct backend *b, const struct ip_addr *addr,
		      const struct kernel_scope *s,
		      struct kernel_iface_result *r);

/* From backend/xfrm.c: one request on the backend's XFRM socket. */
typedef int (*xfrm_reply_fn)(struct nlmsghdr *nlh, void *arg);
int xfrm_request(struct backend *b, const struct nlmsghdr *nlh,
		 xfrm_reply_fn fn, void *arg);
void xfrm_set_error(struct backend *b, const char *why);

#endif
