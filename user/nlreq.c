// SPDX-License-Identifier: GPL-2.0
/*
 * One netlink request and its answer. See nlreq.h.
 */
#include <errno.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <string.h>

#include "nlreq.h"

struct request {
	nlreq_fn fn;
	void *arg;
	struct nlreq_result *res;
	int err;
	int done;
};

int nlreq_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_INVAL:
	case NLE_MISSING_ATTR:
	case NLE_AF_MISMATCH:
		return -EINVAL;
	case NLE_PERM:
		return -EPERM;
	default:
		return -EIO;
	}
}

void nlreq_msg_free(struct nl_msg *msg)
{
	if (!msg)
		return;
	explicit_bzero(nlmsg_hdr(msg), nlmsg_get_max_size(msg));
	nlmsg_free(msg);
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;
	int err;

	if (!req->fn || req->err)
		return NL_SKIP;
	req->res->replies++;
	err = req->fn(nlmsg_hdr(msg), req->arg);
	if (err) {
		req->err = err;
		req->res->refused = true;
	}
	return NL_OK;
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct request *req = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)e - 1;

	(void)who;
	if (!req->err)
		req->err = e->error;
	req->done = 1;
	if (e->error)
		extack_parse(nlh, e, &req->res->ack);
	return NL_STOP;
}

/* The end of a dump (NLMSG_DONE) or the acknowledgement of a request. */
static int on_done(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;

	(void)msg;
	req->done = 1;
	return NL_STOP;
}

int nlreq_run(struct nl_sock *sk, struct nl_msg *msg, nlreq_fn fn,
	      void *arg, struct nlreq_result *res)
{
	struct nlreq_result dummy;
	struct request req = { .fn = fn, .arg = arg, .res = res ? res : &dummy };
	struct nl_cb *cb;
	int err;

	memset(req.res, 0, sizeof(*req.res));
	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!cb) {
		nlreq_msg_free(msg);
		req.res->why = "out of memory";
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, &req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_done, &req);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &req);

	err = nl_send_auto(sk, msg);
	nlreq_msg_free(msg);
	if (err < 0) {
		nl_cb_put(cb);
		req.res->why = "netlink send failed";
		return nlreq_errno(err);
	}
	while (!req.done) {
		err = nl_recvmsgs(sk, cb);
		if (err < 0) {
			if (!req.err) {
				req.err = nlreq_errno(err);
				req.res->why = "netlink receive failed";
			}
			break;
		}
	}
	nl_cb_put(cb);
	return req.err;
}
