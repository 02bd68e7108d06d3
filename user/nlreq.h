/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One netlink request and its answer: send a message, pass each reply
 * to a callback, wait for the acknowledgement (or the end of a dump),
 * and keep the kernel's extended acknowledgement of an error. The one
 * request loop of userspace: the XFRM backend (user/backend/xfrm.c) and
 * the xfrm_mif client (user/mifnl.c) both run their requests through it.
 */
#ifndef MIF_NLREQ_H
#define MIF_NLREQ_H

#include <netlink/msg.h>
#include <stdbool.h>
#include <netlink/socket.h>

#include "extack.h"

/*
 * Called for each reply. 0 to go on; another value is the request's
 * result, and the rest of the answer is read and dropped, so that the
 * acknowledgement does not stay queued for the next request.
 */
typedef int (*nlreq_fn)(struct nlmsghdr *nlh, void *arg);

struct nlreq_result {
	struct extack ack;	/* an error's extended acknowledgement */
	unsigned int replies;	/* reply messages passed to the callback */
	const char *why;	/* a local failure: what failed; else NULL */
	bool refused;		/* the callback refused a reply */
};

/*
 * Send msg on sk with NLM_F_REQUEST | NLM_F_ACK added; msg is consumed,
 * its whole buffer wiped first (a request may carry keys). Each reply
 * goes to fn (may be NULL). Returns 0, the callback's value, the
 * kernel's -errno, or a -errno for a local failure (send, receive,
 * memory). res (may be NULL) gets the extended acknowledgement.
 */
int nlreq_run(struct nl_sock *sk, struct nl_msg *msg, nlreq_fn fn,
	      void *arg, struct nlreq_result *res);

/* -errno for a libnl error code (-NLE_*). */
int nlreq_errno(int nle);

/* Free msg, wiping all of its buffer first. NULL is accepted. */
void nlreq_msg_free(struct nl_msg *msg);

#endif
