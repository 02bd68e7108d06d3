// SPDX-License-Identifier: GPL-2.0
/*
 * MIF negotiation (docs/protocol/mif.md, MIF_SUPPORTED): the initiator
 * offers it in its IKE_AUTH request when its connection has mif = yes;
 * the responder answers when the connection it chose has it too. Both
 * then announce their interfaces in the same exchange (mif_announce.c).
 * Otherwise the IKE SA is plain IKEv2 and each side says why, once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/mif.h"
#include "engine/mif_add.h"
#include "engine/notify_table.h"
#include "ike/constants.h"

const char *mif_status_name(enum mif_status s)
{
	switch (s) {
	case MIF_UNKNOWN:
		return "unknown";
	case MIF_ON:
		return "negotiated";
	case MIF_OFF_PEER:
		return "peer_not_offered";
	case MIF_OFF_LOCAL:
		return "local_disabled";
	case MIF_OFF_FAILED:
		return "failed";
	}
	return "?";
}

const char *mif_status_why(enum mif_status s)
{
	switch (s) {
	case MIF_UNKNOWN:
		return "IKE_AUTH not done";
	case MIF_ON:
		return "negotiated";
	case MIF_OFF_PEER:
		return "the peer did not offer it";
	case MIF_OFF_LOCAL:
		return "our connection disables it (mif = no)";
	case MIF_OFF_FAILED:
		return "out of memory";
	}
	return "?";
}

void mif_payloads_free(struct mif_payloads *p)
{
	ike_writer_free(&p->w);
	mif_add_out_free(p->add);
	p->add = NULL;
}

/* Read by the IKE_AUTH handlers below. */
const struct notify_entry notify_mif_supported = {
	.type = IKE_N_MIF_SUPPORTED,
	.where = NOTIFY_IN_AUTH_REQ | NOTIFY_IN_AUTH_RESP,
};

/*
 * The peer's MIF_SUPPORTED in ch, parsed into *s: false if absent or
 * malformed (logged: treated as absent).
 */
static bool peer_supports(struct ikesa *sa, const struct ike_chain *ch,
			  struct mif_supported *s)
{
	const struct ike_payload *pl;
	struct ike_error err;

	pl = ike_chain_find_notify(ch, IKE_N_MIF_SUPPORTED);
	if (!pl)
		return false;
	if (mif_supported_parse(s, pl->notify->data, pl->notify->len, &err)) {
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "IKE_AUTH: "
			    "MIF_SUPPORTED malformed (%s): treated as absent",
			    err.reason);
		return false;
	}
	return true;
}

static void add_supported(struct mif_payloads *p, struct ike_chain *out)
{
	struct mif_supported s = { .version = MIF_PROTO_VERSION };
	struct ike_writer w;
	struct ike_error err;

	ike_writer_init(&w);
	if (!mif_supported_build(&w, &s, &err) && ike_writer_ok(&w) &&
	    w.len == sizeof(p->supported_data)) {
		memcpy(p->supported_data, w.p, w.len);
		ikesa_notify(&p->supported, IKE_N_MIF_SUPPORTED,
			     p->supported_data, sizeof(p->supported_data));
		ike_chain_add(out, IKE_PL_NOTIFY, &p->supported, &err);
	}
	ike_writer_free(&w);
}

/* MIF is off for sa: record why, and say it once. */
static void off(struct ikesa *sa, enum mif_status why)
{
	sa->mif_status = why;
	mif_sa_free(sa);
	engine_logf(sa->engine, why == MIF_OFF_FAILED ? ENGINE_LOG_ERR :
		    ENGINE_LOG_NOTICE, sa, "MIF not negotiated: %s",
		    mif_status_why(why));
}

static void on(struct ikesa *sa, const struct mif_supported *peer)
{
	sa->mif_status = MIF_ON;
	sa->mif->peer_version = peer->version;
	sa->mif->version = peer->version < MIF_PROTO_VERSION ?
			   peer->version : MIF_PROTO_VERSION;
	engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "MIF negotiated, "
		    "version %u", sa->mif->version);
}

/* sa's MIF state, its lists empty; 0 or -ENOMEM. */
static int mif_sa_new(struct ikesa *sa)
{
	struct mif_sa *m = calloc(1, sizeof(*m));

	if (m) {
		m->peer = calloc(1, mif_list_size(0));
		m->ours = calloc(1, mif_list_size(0));
	}
	sa->mif = m;
	if (m && m->peer && m->ours)
		return 0;
	mif_sa_free(sa);
	return -ENOMEM;
}

void mif_auth_offer(struct ikesa *sa, struct mif_payloads *p,
		    struct ike_chain *out, uint64_t now)
{
	if (!sa->conn->mif) {
		sa->mif_status = MIF_OFF_LOCAL;
		return;
	}
	if (!sa->mif && mif_sa_new(sa)) {
		sa->mif_status = MIF_OFF_FAILED;
		return;
	}
	add_supported(p, out);
	mif_add_ours(sa, p, out, now);
}

void mif_auth_response(struct ikesa *sa, const struct ike_chain *resp)
{
	const struct ike_payload *pl;
	struct mif_supported s;

	notify_check(sa, resp, IKE_EXCH_IKE_AUTH, true, false);
	if (!sa->mif) {
		/* Not offered: MIF_OFF_LOCAL or _FAILED since the request. */
		off(sa, sa->mif_status);
		return;
	}
	if (!peer_supports(sa, resp, &s)) {
		off(sa, MIF_OFF_PEER);
		return;
	}
	on(sa, &s);
	/* Refused, there is no response to answer in: no list yet. */
	pl = ike_chain_find_notify(resp, IKE_N_MIF_INTERFACES);
	if (pl)
		mif_take_peer(sa, pl->notify, "IKE_AUTH response");
	if (ike_chain_find_notify(resp, IKE_N_MIF_INVALID_INTERFACES))
		mif_refused(sa, "IKE_AUTH");
}

void mif_auth_request(struct ikesa *sa, const struct ike_chain *req,
		      struct mif_payloads *p, struct ike_chain *out,
		      uint64_t now)
{
	const struct ike_payload *pl;
	struct mif_supported s;
	bool offered;

	notify_check(sa, req, IKE_EXCH_IKE_AUTH, false, false);
	offered = peer_supports(sa, req, &s);
	if (!sa->conn->mif) {
		off(sa, MIF_OFF_LOCAL);
		return;
	}
	if (!offered) {
		off(sa, MIF_OFF_PEER);
		return;
	}
	if (mif_sa_new(sa)) {
		off(sa, MIF_OFF_FAILED);
		return;
	}
	on(sa, &s);
	add_supported(p, out);
	mif_add_ours(sa, p, out, now);
	pl = ike_chain_find_notify(req, IKE_N_MIF_INTERFACES);
	if (pl && mif_take_peer(sa, pl->notify, "IKE_AUTH request"))
		mif_add_invalid(p, out);
}

int mif_inherit(struct ikesa *sa, struct ikesa *old)
{
	if (old->mif) {
		sa->mif = malloc(sizeof(*sa->mif));
		if (!sa->mif)
			return -ENOMEM;
	}
	sa->mif_status = old->mif_status;
	if (!old->mif)
		return 0;
	*sa->mif = *old->mif;
	sa->mif->move = NULL;
	if (old->mif->move) {
		sa->mif->move = malloc(sizeof(*sa->mif->move));
		if (sa->mif->move)
			*sa->mif->move = *old->mif->move;
	}
	sa->mif->peer = mif_list_dup(old->mif->peer);
	sa->mif->ours = mif_list_dup(old->mif->ours);
	sa->mif->places = NULL;
	if (old->mif->n_places) {
		sa->mif->places = calloc(old->mif->n_places,
					 sizeof(*sa->mif->places));
		if (sa->mif->places)
			memcpy(sa->mif->places, old->mif->places,
			       old->mif->n_places * sizeof(*sa->mif->places));
	}
	if (mif_alt_copy(&sa->mif->alt, &old->mif->alt) ||
	    (old->mif->move && !sa->mif->move) ||
	    !sa->mif->peer || !sa->mif->ours ||
	    (old->mif->n_places && !sa->mif->places)) {
		mif_sa_free(sa);
		return -ENOMEM;
	}
	/*
	 * The peer may have stored an announcement of ours in flight on
	 * old in old only: make it again on the new IKE SA.
	 */
	sa->mif->pending = old->mif->pending || old->mif->in_flight;
	sa->mif->in_flight = false;
	old->mif->pending = false;
	return 0;
}

void mif_sa_free(struct ikesa *sa)
{
	if (sa->mif) {
		mif_alt_free(&sa->mif->alt);
		free(sa->mif->peer);
		free(sa->mif->ours);
		free(sa->mif->places);
		free(sa->mif->move);
	}
	free(sa->mif);
	sa->mif = NULL;
}
