// SPDX-License-Identifier: GPL-2.0
/*
 * Client of the xfrm_mif generic netlink family.
 */
#include <errno.h>
#include <limits.h>
#include <linux/netlink.h>
#include <linux/xfrm_mif.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "extack.h"
#include "mifnl.h"
#include "nlreq.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int mifnl_open(struct mifnl *nl)
{
	int one = 1, err;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return -ENOMEM;
	err = genl_connect(nl->sk);
	if (err < 0)
		goto fail;
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	nl->family = genl_ctrl_resolve(nl->sk, XFRM_MIF_GENL_NAME);
	if (nl->family < 0) {
		err = -NLE_OBJ_NOTFOUND;
		goto fail;
	}
	return 0;

fail:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return err == -NLE_OBJ_NOTFOUND ? -ENOENT : -ECONNREFUSED;
}

void mifnl_close(struct mifnl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

struct nl_msg *mifnl_msg(struct mifnl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			 flags, cmd, XFRM_MIF_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct nl_msg *mifnl_msg_size(struct mifnl *nl, uint8_t cmd, size_t size)
{
	int buf = size > INT_MAX / 2 ? INT_MAX / 2 : (int)size;
	struct nl_msg *msg = nlmsg_alloc_size(size);

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, 0,
			 cmd, XFRM_MIF_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	/* The kernel doubles it, and refuses a message above it less 32. */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_SOCKET, SO_SNDBUF, &buf,
		   sizeof(buf));
	return msg;
}

int mifnl_clones_next(struct nl_msg *msg, struct mifnl_clones *l)
{
	if (l->nest && l->n < MIFNL_CLONES_PER_NEST) {
		l->n++;
		return 0;
	}
	if (l->nest)
		nla_nest_end(msg, l->nest);
	l->nest = nla_nest_start(msg, XFRM_MIF_A_CLONES);
	l->n = 1;
	return l->nest ? 0 : -EMSGSIZE;
}

int mifnl_clones_end(struct nl_msg *msg, struct mifnl_clones *l)
{
	if (l->nest && nla_nest_end(msg, l->nest) < 0)
		return -EMSGSIZE;
	l->nest = NULL;
	return 0;
}

/* A reply or an event: its attributes parsed for the caller's fn. */
struct reply {
	mifnl_reply_fn fn;
	void *arg;
	int err;
};

static int parse_reply(struct nlmsghdr *nlh, mifnl_reply_fn fn, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *attrs[XFRM_MIF_A_MAX + 1];

	if (genlmsg_parse(nlh, 0, attrs, XFRM_MIF_A_MAX, NULL) < 0)
		return -EBADMSG;
	return fn ? fn(attrs, gh->cmd, arg) : 0;
}

static int on_reply(struct nlmsghdr *nlh, void *arg)
{
	struct reply *r = arg;

	return parse_reply(nlh, r->fn, r->arg);
}

/*
 * Take the kernel's extended-ack message from an error reply. An error
 * about one SA carries its SPI (be32) as the cookie.
 */
static void take_extack(struct mifnl *nl, const struct extack *ack)
{
	size_t n;

	nl->ack = *ack;
	if (ack->msg[0])
		snprintf(nl->err, sizeof(nl->err), "%s", ack->msg);
	if (ack->has_cookie) {
		n = strlen(nl->err);
		snprintf(nl->err + n, sizeof(nl->err) - n, "%sSA 0x%08x",
			 n ? ": " : "", ntohl(ack->cookie));
	}
}

int mifnl_request(struct mifnl *nl, struct nl_msg *msg, mifnl_reply_fn fn,
		  void *arg)
{
	struct reply r = { .fn = fn, .arg = arg };
	struct nlreq_result res;
	int err;

	nl->err[0] = '\0';
	memset(&nl->ack, 0, sizeof(nl->ack));
	/* A request may carry keys (clone): nlreq_run wipes what it sends. */
	err = nlreq_run(nl->sk, msg, on_reply, &r, &res);
	take_extack(nl, &res.ack);
	return err;
}

static int no_seq_check(struct nl_msg *msg, void *arg)
{
	return NL_OK;
}

static int join(struct mifnl *nl)
{
	int grp, err;

	grp = genl_ctrl_resolve_grp(nl->sk, XFRM_MIF_GENL_NAME,
				    XFRM_MIF_MCGRP_EVENTS);
	if (grp < 0)
		return -ENOENT;
	err = nl_socket_add_membership(nl->sk, grp);
	if (err < 0)
		return err == -NLE_PERM ? -EPERM : -EIO;
	return 0;
}

/* A callback set for events: they are not answers, with no sequence of ours. */
static int on_event(struct nl_msg *msg, void *arg)
{
	struct reply *r = arg;
	int err;

	/* A message that does not parse is dropped; the next ones are read. */
	if (r->err)
		return NL_SKIP;
	err = parse_reply(nlmsg_hdr(msg), r->fn, r->arg);
	if (err && err != -EBADMSG)
		r->err = err;
	return NL_OK;
}

static struct nl_cb *events_cb(struct reply *req)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_CUSTOM);

	if (!cb)
		return NULL;
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_event, req);
	return cb;
}

int mifnl_monitor(struct mifnl *nl, mifnl_reply_fn fn, void *arg)
{
	struct reply req = { .fn = fn, .arg = arg };
	struct nl_cb *cb;
	int err;

	err = join(nl);
	if (err)
		return err;
	cb = events_cb(&req);
	if (!cb)
		return -ENOMEM;
	while (!req.err) {
		err = nl_recvmsgs(nl->sk, cb);
		if (err < 0 && !req.err)
			req.err = -EIO;
	}
	nl_cb_put(cb);
	return req.err == 1 ? 0 : req.err;
}

int mifnl_join_events(struct mifnl *nl)
{
	int err = join(nl);

	if (err)
		return err;
	return nl_socket_set_nonblocking(nl->sk) < 0 ? -EIO : 0;
}

int mifnl_read_events(struct mifnl *nl, mifnl_reply_fn fn, void *arg)
{
	struct reply req = { .fn = fn, .arg = arg };
	struct nl_cb *cb = events_cb(&req);
	int err = 0;

	if (!cb)
		return -ENOMEM;
	/*
	 * Until the socket is empty (-NLE_AGAIN, or nothing read with an
	 * older libnl). A message that does not parse is dropped, not an
	 * end: the next ones are read. An overrun (ENOBUFS, which libnl
	 * calls -NLE_NOMEM) lost events: -ENOBUFS.
	 */
	do {
		req.err = 0;
		err = nl_recvmsgs_report(nl->sk, cb);
	} while (err > 0);
	if (err == -NLE_AGAIN)
		err = 0;
	else if (err == -NLE_NOMEM)
		err = -ENOBUFS;
	else if (err < 0)
		err = -EIO;
	nl_cb_put(cb);
	return err;
}

int mifnl_put_addr(struct nl_msg *msg, int attrtype, const struct ip_addr *a)
{
	struct nlattr *nest = nla_nest_start(msg, attrtype);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put(msg, a->family == AF_INET ? XFRM_MIF_ADDR_A_INET :
		    XFRM_MIF_ADDR_A_INET6, (int)ip_addr_len(a), a->bytes) < 0)
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

int mifnl_get_addr(struct nlattr *nla, struct ip_addr *a)
{
	struct nlattr *tb[XFRM_MIF_ADDR_A_MAX + 1];

	if (nla_parse_nested(tb, XFRM_MIF_ADDR_A_MAX, nla, NULL) < 0)
		return -EBADMSG;
	if (tb[XFRM_MIF_ADDR_A_INET])
		return ip_addr_from_bytes(a, nla_data(tb[XFRM_MIF_ADDR_A_INET]),
					  (size_t)nla_len(tb[XFRM_MIF_ADDR_A_INET]));
	if (tb[XFRM_MIF_ADDR_A_INET6])
		return ip_addr_from_bytes(a, nla_data(tb[XFRM_MIF_ADDR_A_INET6]),
					  (size_t)nla_len(tb[XFRM_MIF_ADDR_A_INET6]));
	return -EBADMSG;
}
