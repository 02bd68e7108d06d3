/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The backend's interface-wide operations through the xfrm_mif module: one
 * generic netlink request each (user/mifnl.c), scoped by the module's
 * filters. Used by backend/xfrm.c when the module is loaded.
 */
#ifndef MIF_BACKEND_MODULE_H
#define MIF_BACKEND_MODULE_H

#include "backend/backend.h"
#include "mifnl.h"

/*
 * Each returns 0 or -errno; the kernel's message of a failure is in
 * nl->err. The counts come from the module's reply.
 */
int module_move(struct mifnl *nl, const struct kernel_move *m,
		const struct kernel_scope *s, struct kernel_iface_result *r);
int module_delete(struct mifnl *nl, const struct ip_addr *addr,
		  const struct kernel_scope *s, struct kernel_iface_result *r);
int module_clone(struct mifnl *nl, const struct kernel_clone *c,
		 const struct kernel_scope *s, struct kernel_iface_result *r);
int module_set_alts(struct mifnl *nl, const struct ip_addr *addr,
		    const struct ip_addr *alts, unsigned int n,
		    const struct kernel_scope *s);

/*
 * Join the module's events group on @nl (a socket of its own, made
 * non-blocking): 0 or -errno.
 */
int module_events_open(struct mifnl *nl);
/* Read what is pending on @nl without blocking, each event to @fn. */
int module_events_read(struct mifnl *nl, kernel_event_fn fn, void *arg);

#endif
