/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's acquires: XFRM_MSG_ACQUIRE, sent to the XFRMNLGRP_ACQUIRE
 * group when a packet matches a policy whose template no SA fills (a
 * trap policy, engine/trap.h). One socket of its own, non-blocking, so
 * that the acquires never mix with the answers to our requests.
 */
#ifndef MIF_BACKEND_XFRM_ACQUIRE_H
#define MIF_BACKEND_XFRM_ACQUIRE_H

#include "backend/backend.h"

struct nl_sock;

/* A socket in the acquire group, or NULL (errno set). */
struct nl_sock *xfrm_acquire_open(void);
void xfrm_acquire_close(struct nl_sock *sk);

/*
 * Pass each pending acquire to fn as a KERNEL_EV_ACQUIRE, until none is
 * left. 0, or -ENOBUFS if the kernel dropped some (the socket's buffer
 * overran: a packet of the flow asks again), or -EIO.
 */
int xfrm_acquire_read(struct nl_sock *sk, kernel_event_fn fn, void *arg);

#endif
