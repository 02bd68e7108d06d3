/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The XFRM netlink backend: struct backend over a NETLINK_XFRM socket
 * (libnl-3, libnl-xfrm-3), in the caller's network namespace.
 */
#ifndef MIF_BACKEND_XFRM_H
#define MIF_BACKEND_XFRM_H

#include "backend/backend.h"

/*
 * Open the socket and fill @b; 0 or -errno. b->ops->destroy undoes it.
 * The interface-wide operations go through the xfrm_mif module when it is
 * loaded at that time (backend/module.c), else per SA and policy
 * (backend/xfrm_iface.c, which neither clones nor sets alternates).
 */
int xfrm_backend_open(struct backend *b);

/*
 * Whether the interface-wide operations go through the xfrm_mif module
 * (loaded when the backend was opened), or per SA and policy through XFRM.
 */
bool xfrm_backend_uses_module(const struct backend *b);

/*
 * The kernel's extended-ack message for the last failed operation on @b
 * (or a short reason of our own), "" if there was none. Valid until the
 * next operation.
 */
const char *xfrm_backend_error(const struct backend *b);

#endif
