// SPDX-License-Identifier: GPL-2.0
/*
 * The return-routability check of a new address of the peer: see
 * rr_check.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/random.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/mif.h"
#include "engine/notify_table.h"
#include "engine/rr_check.h"
#include "ike/constants.h"

int rr_check_start(struct ikesa *sa, struct rr_check *ck,
		   const struct rr_check_ops *ops, const struct engine_msg *m,
		   const struct ip_addr *from, uint16_t from_port,
		   const struct ip_addr *to, uint16_t to_port)
{
	struct ike_chain *chain = calloc(1, sizeof(*chain));
	struct ike_notify n;
	struct ike_error err;
	int ret = -ENOMEM;

	if (!chain || random_key(ck->cookie, sizeof(ck->cookie)))
		goto out;
	ck->ops = ops;
	ck->msg_id = m->hdr->msg_id;
	ck->req_local = *m->local;
	ck->req_remote = *m->remote;
	ck->req_lport = m->local_port;
	ck->req_rport = m->remote_port;
	ck->to = *to;
	ck->to_port = to_port;
	ck->done = false;
	ikesa_notify(&n, IKE_N_COOKIE2, ck->cookie, sizeof(ck->cookie));
	ike_chain_add(chain, IKE_PL_NOTIFY, &n, &err);
	ret = ikesa_request_to(sa, m->now, IKE_EXCH_INFORMATIONAL, chain,
			       from, from_port, to, to_port);
out:
	if (chain)
		ike_chain_free(chain);
	free(chain);
	return ret;
}

bool rr_check_follow(struct ikesa *sa, struct rr_check *ck,
		     const struct engine_msg *m)
{
	if (ck->done || m->hdr->msg_id != ck->msg_id ||
	    ck->follows >= RR_CHECK_FOLLOWS || !sa->req.active ||
	    !sa->req.away || m->remote->family != ck->to.family ||
	    (ip_addr_equal(m->remote, &ck->to) &&
	     m->remote_port == ck->to_port))
		return false;
	ck->follows++;
	ck->req_local = *m->local;
	ck->req_lport = m->local_port;
	ck->req_remote = *m->remote;
	ck->req_rport = m->remote_port;
	ck->to = *m->remote;
	ck->to_port = m->remote_port;
	sa->req.local = *m->local;
	sa->req.lport = m->local_port;
	sa->req.remote = *m->remote;
	sa->req.rport = m->remote_port;
	sa->req.tries = 0;
	sa->req.deadline = m->now + sa->conn->retrans_base_ms;
	ikesa_touch(sa);
	ikesa_resend_request(sa);
	return true;
}

void rr_check_response(struct ikesa *sa, struct rr_check *ck,
		       const struct engine_msg *m)
{
	const struct ike_payload *pl = ike_chain_find_notify(m->chain,
							     IKE_N_COOKIE2);
	char from[IP_ADDR_STRLEN], why[192];

	if (ck->done)
		return;
	ck->done = true;	/* answered, one way or the other */
	if (!pl || pl->notify->len != sizeof(ck->cookie) ||
	    memcmp(pl->notify->data, ck->cookie, sizeof(ck->cookie)) ||
	    !ip_addr_equal(m->remote, &ck->to) ||
	    m->remote_port != ck->to_port) {
		snprintf(why, sizeof(why), "the return-routability check "
			 "failed: the answer came from %s port %u, or without "
			 "our COOKIE2", ip_addr_str(m->remote, from,
						    sizeof(from)),
			 m->remote_port);
		ck->ops->failed(sa, ck, why);
		return;
	}
	ck->ops->routable(sa, ck, m->now);
}

bool rr_check_timeout(struct ikesa *sa, struct rr_check *ck, uint64_t now)
{
	if (ck->done || (sa->req.tries + 1 < RR_CHECK_SENDS &&
			 sa->req.tries < sa->conn->retrans_tries))
		return false;
	ck->done = true;
	ck->ops->failed(sa, ck, "the new address did not answer the "
			"return-routability check");
	/* The message ID must still be answered: on the IKE SA's pair. */
	sa->req.away = false;
	sa->req.tries = 0;
	sa->req.deadline = now + sa->conn->retrans_base_ms;
	ikesa_resend_request(sa);
	return true;
}

void rr_check_answer(struct ikesa *sa, const struct rr_check *ck,
		     const struct ike_chain *chain)
{
	ikesa_respond_to(sa, IKE_EXCH_INFORMATIONAL, ck->msg_id, chain,
			 &ck->req_local, ck->req_lport, &ck->req_remote,
			 ck->req_rport);
}

/*
 * COOKIE2 in a request: echo it (RFC 4555 §3.5), from where the request
 * came. In a response: read by rr_check_response(), and by MOBIKE for
 * the echo of its own (mobike.c).
 */
static void cookie2_request(struct notify_ctx *ctx,
			    const struct ike_notify *n)
{
	struct ike_error err;

	if (n->len > sizeof(ctx->mif->cookie2_data))
		return;
	memcpy(ctx->mif->cookie2_data, n->data, n->len);
	ikesa_notify(&ctx->mif->cookie2, IKE_N_COOKIE2,
		     ctx->mif->cookie2_data, n->len);
	ike_chain_add(ctx->out, IKE_PL_NOTIFY, &ctx->mif->cookie2, &err);
}

static void cookie2_notify(struct notify_ctx *ctx, const struct ike_notify *n)
{
	if (!ctx->response)
		cookie2_request(ctx, n);
}

const struct notify_entry notify_cookie2 = {
	.type = IKE_N_COOKIE2,
	.where = NOTIFY_IN_INFO_REQ | NOTIFY_IN_INFO_RESP,
	.handle = cookie2_notify,
};
