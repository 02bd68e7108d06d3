// SPDX-License-Identifier: GPL-2.0
/*
 * XFRM acquires as kernel events: see xfrm_acquire.h.
 *
 * struct xfrm_user_acquire carries the flow's selector (sel) and the
 * policy that matched; the template the kernel could not fill comes in
 * XFRMA_TMPL, and its reqid names the trap (engine/trap.h).
 */
#include <errno.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <string.h>

#include "backend/xfrm_acquire.h"

struct nl_sock *xfrm_acquire_open(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int err;

	if (!sk) {
		errno = ENOMEM;
		return NULL;
	}
	err = nl_connect(sk, NETLINK_XFRM);
	if (!err)
		err = nl_socket_add_membership(sk, XFRMNLGRP_ACQUIRE);
	if (!err)
		err = nl_socket_set_nonblocking(sk);
	if (err) {
		nl_socket_free(sk);
		errno = EPROTO;
		return NULL;
	}
	return sk;
}

void xfrm_acquire_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
}

struct acquire_read {
	kernel_event_fn fn;
	void *arg;
};

static void addr_of(struct ip_addr *a, uint16_t family,
		    const xfrm_address_t *x)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		a->family = AF_INET;
		memcpy(a->bytes, &x->a4, 4);
	} else if (family == AF_INET6) {
		a->family = AF_INET6;
		memcpy(a->bytes, x->a6, 16);
	}
}

/* Group messages carry no sequence number of ours. */
static int no_seq_check(struct nl_msg *msg, void *data)
{
	(void)msg;
	(void)data;
	return NL_OK;
}

/* One message of the group; anything but a well-formed acquire is skipped. */
static int on_msg(struct nl_msg *msg, void *data)
{
	const struct acquire_read *rd = data;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *attrs[XFRMA_MAX + 1];
	const struct xfrm_user_acquire *ua;
	const struct xfrm_user_tmpl *t;
	struct kernel_event ev = { .type = KERNEL_EV_ACQUIRE };

	if (h->nlmsg_type != XFRM_MSG_ACQUIRE ||
	    !nlmsg_valid_hdr(h, sizeof(*ua)) ||
	    nlmsg_parse(h, sizeof(*ua), attrs, XFRMA_MAX, NULL) < 0 ||
	    !attrs[XFRMA_TMPL] ||
	    nla_len(attrs[XFRMA_TMPL]) < (int)sizeof(*t))
		return NL_OK;
	ua = nlmsg_data(h);
	t = nla_data(attrs[XFRMA_TMPL]);
	ev.reqid = t->reqid;
	ev.sel.proto = ua->sel.proto;
	addr_of(&ev.sel.src, ua->sel.family, &ua->sel.saddr);
	addr_of(&ev.sel.dst, ua->sel.family, &ua->sel.daddr);
	ev.sel.src_len = ua->sel.prefixlen_s;
	ev.sel.dst_len = ua->sel.prefixlen_d;
	ev.sel.sport = ntohs(ua->sel.sport);
	ev.sel.dport = ntohs(ua->sel.dport);
	ev.sel.sport_mask = ntohs(ua->sel.sport_mask);
	ev.sel.dport_mask = ntohs(ua->sel.dport_mask);
	rd->fn(&ev, rd->arg);
	return NL_OK;
}

int xfrm_acquire_read(struct nl_sock *sk, kernel_event_fn fn, void *arg)
{
	struct acquire_read rd = { .fn = fn, .arg = arg };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_CUSTOM);
	int err;

	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_msg, &rd);
	/* Until the socket is empty (-NLE_AGAIN); an overrun lost some. */
	do {
		err = nl_recvmsgs_report(sk, cb);
	} while (err > 0);
	nl_cb_put(cb);
	if (err == -NLE_AGAIN || !err)
		return 0;
	return err == -NLE_NOMEM ? -ENOBUFS : -EIO;
}
