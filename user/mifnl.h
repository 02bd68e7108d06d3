/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Client of the kernel's xfrm_mif generic netlink family (libnl-genl-3).
 * The one place in userspace that speaks to the module.
 */
#ifndef MIF_MIFNL_H
#define MIF_MIFNL_H

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <stdint.h>

#include "addr.h"
#include "extack.h"

struct mifnl {
	struct nl_sock *sk;
	int family;
	char err[256];			/* kernel's extack message, if any */
	struct extack ack;		/* the last error's whole extack */
};

/* Called for every reply message; return 0 to go on, <0 to stop. */
typedef int (*mifnl_reply_fn)(struct nlattr **attrs, uint8_t cmd, void *arg);

/* 0, or -errno (-ENOENT: the module is not loaded). */
int mifnl_open(struct mifnl *nl);
void mifnl_close(struct mifnl *nl);
/* A request for @cmd; NLM_F_DUMP in @flags for a dump. NULL on ENOMEM. */
struct nl_msg *mifnl_msg(struct mifnl *nl, uint8_t cmd, int flags);
/*
 * A request of @size bytes or more, for a clone of many SAs: libnl's
 * default message and socket buffer are 32 KiB. The socket's send buffer
 * grows to match, within net.core.wmem_max. NULL on ENOMEM.
 */
struct nl_msg *mifnl_msg_size(struct mifnl *nl, uint8_t cmd, size_t size);
/*
 * A clone request's entries, XFRM_MIF_A_CLONES: an attribute holds at most
 * 64 KiB, so the entries go in nests of MIFNL_CLONES_PER_NEST, the module
 * taking them in order as one list. Call mifnl_clones_next() before each
 * entry and mifnl_clones_end() after the last; each 0 or -EMSGSIZE.
 */
#define MIFNL_CLONES_PER_NEST	256
struct mifnl_clones {
	struct nlattr *nest;
	unsigned int n;
};
int mifnl_clones_next(struct nl_msg *msg, struct mifnl_clones *l);
int mifnl_clones_end(struct nl_msg *msg, struct mifnl_clones *l);
/* Send @msg (consumed), wait for the acknowledgement, pass each reply to
 * @fn. Returns 0 or -errno, with the kernel's message in nl->err. */
int mifnl_request(struct mifnl *nl, struct nl_msg *msg, mifnl_reply_fn fn,
		  void *arg);
/* Join the events group and pass each event to @fn until it returns < 0
 * (that value is returned; 1 from @fn means "stop, success"). */
int mifnl_monitor(struct mifnl *nl, mifnl_reply_fn fn, void *arg);
/* Join the events group, the socket made non-blocking for
 * mifnl_read_events(): 0 or -errno. */
int mifnl_join_events(struct mifnl *nl);
/* Pass each pending event to @fn without blocking; 0 when none is left,
 * or -errno. */
int mifnl_read_events(struct mifnl *nl, mifnl_reply_fn fn, void *arg);
int mifnl_put_addr(struct nl_msg *msg, int attrtype, const struct ip_addr *a);
int mifnl_get_addr(struct nlattr *nla, struct ip_addr *a);

#endif
