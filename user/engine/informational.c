// SPDX-License-Identifier: GPL-2.0
/*
 * INFORMATIONAL (RFC 7296 §1.4): Delete of Child SAs and of the IKE SA,
 * and the empty request that checks the peer is alive (§2.4).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "engine/exchange.h"
#include "engine/mif.h"
#include "engine/mif_delete.h"
#include "engine/mif_add.h"
#include "engine/mobike.h"
#include "engine/notify_table.h"
#include "engine/window.h"
#include "ike/delete.h"

struct info_msg {
	struct ike_chain chain;
	struct ike_delete del;
	uint32_t spis[IKE_DELETE_MAX_SPIS];
	struct mif_payloads mif;	/* MIF_INVALID_INTERFACES */
};

/* Our INFORMATIONAL request: the Child SAs it deletes. */
struct info_request {
	struct request_state rs;	/* first: request_free_plain() */
	unsigned int n_spis;
	uint32_t spis[IKE_DELETE_MAX_SPIS];	/* their spi_in */
};

static const struct request_ops info_request_ops = {
	.free = request_free_plain,
};

static struct info_request *info_request(const struct ikesa *sa)
{
	return request_get_as(sa, &info_request_ops, struct info_request);
}

bool informational_deletes(const struct ikesa *sa, uint32_t spi)
{
	const struct info_request *ir;

	/* Any of the window's: a Delete may go beside others (window.h). */
	for (unsigned int k = 0; k <= sa->n_parked; k++) {
		ir = request_around(request_get_nth(sa, &info_request_ops, k),
				    offsetof(struct info_request, rs));
		for (unsigned int i = 0; ir && i < ir->n_spis; i++)
			if (!spi || ir->spis[i] == spi)
				return true;
	}
	return false;
}

static struct info_msg *info_msg_new(void)
{
	struct info_msg *im = calloc(1, sizeof(*im));

	if (im)
		im->del.spis = im->spis;
	return im;
}

static void info_msg_free(struct info_msg *im)
{
	ike_chain_free(&im->chain);
	mif_payloads_free(&im->mif);
	free(im);
}

int informational_delete_children(struct ikesa *sa,
				  struct childsa *const *cs, unsigned int n,
				  uint64_t now)
{
	struct info_msg *im;
	struct info_request *ir;
	struct ike_error err;
	int ret = -ENOMEM;

	if (!n || n > IKE_DELETE_MAX_SPIS)
		return -EINVAL;
	if (sa->req.active && !window_room(sa))
		return -EBUSY;
	im = info_msg_new();
	ir = calloc(1, sizeof(*ir));
	if (!im || !ir)
		goto out;
	/*
	 * Child SAs' Deletes go side by side with the Child SAs' requests
	 * in the peer's window (window.h): the request there makes way.
	 */
	ret = window_open(sa);
	if (ret)
		goto out;
	ret = -ENOMEM;
	ir->rs.ops = &info_request_ops;
	im->del.protocol = IKE_PROTO_ESP;
	for (unsigned int i = 0; i < n; i++)
		im->del.spis[i] = ir->spis[i] = cs[i]->spi_in;
	im->del.n_spis = ir->n_spis = n;
	ike_chain_add(&im->chain, IKE_PL_DELETE, &im->del, &err);
	ret = ikesa_request(sa, now, IKE_EXCH_INFORMATIONAL, &im->chain);
	if (!ret) {
		request_set(sa, &ir->rs);
		sa->req.parallel = true;
		ir = NULL;
	}
out:
	window_pop(sa);		/* made way for nothing: it comes back */
	free(ir);
	if (im)
		info_msg_free(im);
	return ret;
}

int informational_start(struct ikesa *sa, struct childsa *del_child,
			bool del_ike, uint64_t now)
{
	struct info_msg *im;
	struct ike_error err;
	int ret;

	if (del_child && !del_ike)
		return informational_delete_children(sa, &del_child, 1, now);
	im = info_msg_new();
	if (!im)
		return -ENOMEM;
	if (del_ike) {
		im->del.protocol = IKE_PROTO_IKE;
		ike_chain_add(&im->chain, IKE_PL_DELETE, &im->del, &err);
	}
	ret = ikesa_request(sa, now, IKE_EXCH_INFORMATIONAL, &im->chain);
	if (!ret && del_ike) {
		ikesa_leave_established(sa);
		sa->state = IKESA_DELETING;
		sa->engine->sa_gone++;
	}
	info_msg_free(im);
	return ret;
}

int informational_delete_pending(struct ikesa *sa, uint64_t now)
{
	struct info_msg *im = info_msg_new();
	struct ike_error err;
	int ret = -ENOMEM;

	if (im) {
		im->del.protocol = IKE_PROTO_ESP;
		im->del.n_spis = sa->n_del_pending;
		memcpy(im->del.spis, sa->del_pending,
		       sa->n_del_pending * sizeof(sa->del_pending[0]));
		ike_chain_add(&im->chain, IKE_PL_DELETE, &im->del, &err);
		ret = ikesa_request(sa, now, IKE_EXCH_INFORMATIONAL,
				    &im->chain);
		info_msg_free(im);
	}
	/*
	 * Sent, the request buffer retransmits it; not sent, the peer
	 * finds out from its own expiry: either way, no second try.
	 */
	sa->n_del_pending = 0;
	sa->del_pending_at = 0;
	return ret;
}

int informational_notify(struct ikesa *sa, uint16_t type)
{
	struct ike_chain *chain = calloc(1, sizeof(*chain));
	struct ike_notify n;
	struct ike_error err;
	uint8_t *buf;
	size_t len;
	int ret = -ENOMEM;

	if (!chain)
		return ret;
	ikesa_notify(&n, type, NULL, 0);
	ike_chain_add(chain, IKE_PL_NOTIFY, &n, &err);
	ret = ikesa_build(sa, IKE_EXCH_INFORMATIONAL, false, sa->req_next,
			  chain, &buf, &len);
	if (!ret) {
		sa->req_next++;
		ikesa_send(sa, buf, len);
		free(buf);
	}
	ike_chain_free(chain);
	free(chain);
	return ret;
}

static void request(struct engine *e, struct ikesa *sa,
		    const struct engine_msg *m)
{
	struct notify_ctx ctx = {
		.sa = sa, .exchange = IKE_EXCH_INFORMATIONAL, .response = false,
	};
	const struct ike_payload *pl = NULL;
	struct info_msg *im;
	struct ikesa *owner;
	struct childsa *c;
	struct ike_error err;
	bool del_ike = false;

	im = info_msg_new();
	if (!im)
		return;
	if (ike_chain_find_notify(m->chain, IKE_N_AUTHENTICATION_FAILED)) {
		/* The initiator refused our AUTH after all (§2.21.2). */
		engine_failed(e, sa, NULL, IKE_N_AUTHENTICATION_FAILED,
			      ENGINE_FAIL_FINAL, "received "
			      "AUTHENTICATION_FAILED: the peer refused our "
			      "authentication (pre-shared key, certificate, "
			      "ID)");
		ikesa_respond(sa, IKE_EXCH_INFORMATIONAL, m->hdr->msg_id,
			      &im->chain);
		ikesa_kill_why(sa, ENGINE_R_AUTH_FAILED);
		free(im);
		return;
	}
	if (sa->state != IKESA_ESTABLISHED && sa->state != IKESA_DELETING) {
		/* Nothing to act on before IKE_AUTH (§1.4): answer empty. */
		ikesa_respond(sa, IKE_EXCH_INFORMATIONAL, m->hdr->msg_id,
			      &im->chain);
		info_msg_free(im);
		return;
	}
	im->del.protocol = IKE_PROTO_ESP;
	while ((pl = ike_chain_find(m->chain, IKE_PL_DELETE, pl))) {
		const struct ike_delete *d = pl->del;

		if (d->protocol == IKE_PROTO_IKE) {
			del_ike = true;
			continue;
		}
		if (d->protocol != IKE_PROTO_ESP)
			continue;
		for (unsigned int i = 0; i < d->n_spis; i++) {
			/* The peer names its inbound SPI: our outbound. */
			owner = sa;
			c = ikesa_find_child(sa, d->spis[i], false);
			if (!c && sa->rekey_of) {
				/*
				 * sa is the peer's new IKE SA of crossed
				 * rekeys, held until ours is answered
				 * (ike_rekey.c): the peer won, moved the
				 * Child SAs to it and deletes one there; ours
				 * are still on the old IKE SA. Ignored, the
				 * Delete would leave ours installed for good.
				 */
				owner = sa->rekey_of;
				c = ikesa_find_child(owner, d->spis[i], false);
			}
			if (!c)
				create_child_sa_deleted_ahead(sa, d->spis[i]);
			if (!c || im->del.n_spis == IKE_DELETE_MAX_SPIS)
				continue;
			/* We are deleting it too: leave it out (§1.4.1). */
			if (!informational_deletes(owner, c->spi_in))
				im->del.spis[im->del.n_spis++] = c->spi_in;
			create_child_sa_deleted(owner, c);
			ikesa_del_child(owner, c, ENGINE_R_PEER);
		}
	}
	if (!del_ike && im->del.n_spis)
		ike_chain_add(&im->chain, IKE_PL_DELETE, &im->del, &err);
	/* The peer's other addresses, if it lists them anew (MOBIKE). */
	mobike_info_addrs(sa, m);
	/* The notifies of the table (notify_table.h), answered in im. */
	ctx.out = &im->chain;
	ctx.mif = &im->mif;
	ctx.in = m->chain;
	ctx.now = m->now;
	ctx.msg = m;
	notify_dispatch(&ctx, m->chain);
	if (ctx.defer) {
		/* Answered later: a retransmission meanwhile gets nothing. */
		ikesa_response_forget(sa, m->hdr->msg_id);
	} else {
		/* Where the request came from (a check reaches a new address). */
		ikesa_respond_to(sa, IKE_EXCH_INFORMATIONAL, m->hdr->msg_id,
				 &im->chain, m->local, m->local_port,
				 m->remote, m->remote_port);
	}
	if (del_ike) {
		ike_rekey_deleted(sa, m->now);
		ikesa_kill_why(sa, ENGINE_R_PEER);
	}
	info_msg_free(im);
}

static void response(struct engine *e, struct ikesa *sa,
		     const struct engine_msg *m)
{
	struct notify_ctx ctx = {
		.sa = sa, .exchange = IKE_EXCH_INFORMATIONAL, .response = true,
	};
	const struct info_request *ir;
	struct childsa *c;

	ctx.msg = m;
	ctx.in = m->chain;
	ctx.now = m->now;
	notify_dispatch(&ctx, m->chain);
	/* Our announcement, if it rode on this request, is answered. */
	mif_info_response(sa);
	/* Our MIF_DELETE_INTERFACE, if this answers it. */
	mif_delete_response(sa, m->chain);
	/* So is our add of an interface, if it was one. */
	mif_add_response(sa, m->chain, m->now);
	/* So is our move, or our return-routability check. */
	mif_move_info_response(sa, m);
	/* Our UPDATE_SA_ADDRESSES, or our check of the peer's (MOBIKE). */
	mobike_info_response(sa, m);
	/* Our check of the peer's alternate (its address went silent). */
	peer_alt_info_response(sa, m);
	/* Or our MIF_ALTERNATES. */
	mif_alt_response(sa, m->chain);
	if (sa->state == IKESA_DELETING) {
		ikesa_kill_why(sa, ENGINE_R_LOCAL);
		engine_reauth(sa, m->now);
		return;
	}
	ir = info_request(sa);
	for (unsigned int i = 0; ir && i < ir->n_spis; i++) {
		c = ikesa_find_child(sa, ir->spis[i], true);
		if (c)
			ikesa_del_child(sa, c, ENGINE_R_LOCAL);
	}
	ikesa_request_done(sa);
}

const struct exchange_ops xchg_informational = {
	.exchange = IKE_EXCH_INFORMATIONAL,
	.request = request,
	.response = response,
};
