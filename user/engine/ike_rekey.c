// SPDX-License-Identifier: GPL-2.0
/*
 * Rekeying the IKE SA with CREATE_CHILD_SA (RFC 7296 §1.3.2, §2.18):
 * SA (IKE proposals with the new SPI), nonce and KE each way, and our
 * message-ID window above 1 for the new IKE SA (window.h). The new IKE
 * SA takes over the Child SAs, with the initiator of the rekey as its
 * initiator; the initiator then deletes the old one.
 *
 * Both peers may rekey at once (§2.8.2). We answer the peer's rekey
 * while ours is in flight, and hold the new IKE SA it makes apart,
 * until our own is answered: the new IKE SA made with the lowest of
 * the four nonces is redundant, and the side that started its rekey
 * deletes it; the other takes over, and the side that started that
 * one deletes the old IKE SA. The answer to ours may come after the
 * peer deleted the old IKE SA (it saw no collision: its rekey stands),
 * or be TEMPORARY_FAILURE (the same, or a peer that refuses crossed
 * rekeys): the peer's takes over then. Without a rekey of the peer's
 * in hand, TEMPORARY_FAILURE makes ours wait and try again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "crypto/random.h"
#include "engine/cfg.h"
#include "engine/create_child_sa.h"
#include "engine/exchange.h"
#include "engine/window.h"
#include "ike/ke.h"
#include "ike/nonce.h"
#include "ike/notify.h"
#include "ike/sa.h"

struct rekey_msg {
	struct ike_chain chain;
	struct ike_sa_payload sap;
	struct ike_nonce nonce;
	struct ike_ke ke;
	uint8_t nr[RANDOM_NONCE_LEN];
	struct dh dh;
	struct proposal_choice pc;
	struct window_payload win;	/* our window, for the new IKE SA */
};

/* Our rekey request: the new IKE SA's keying inputs. */
struct rekey_request {
	struct request_state rs;
	uint8_t nonce[IKE_NONCE_MAX];	/* Ni */
	size_t nonce_len;
	struct dh dh;			/* our KE */
	bool have_dh;
	uint64_t new_spi;		/* our SPI for the new IKE SA */
};

static void rekey_request_free(struct ikesa *sa, struct request_state *st)
{
	struct rekey_request *rr = request_of(st, struct rekey_request, rs);

	if (rr->have_dh)
		dh_destroy(&rr->dh);
	gnutls_memset(rr, 0, sizeof(*rr));
	free(rr);
}

static const struct request_ops rekey_request_ops = {
	.free = rekey_request_free,
};

bool ike_rekey_in_flight(const struct ikesa *sa)
{
	return request_get(sa, &rekey_request_ops) != NULL;
}

bool ike_rekey_requested(const struct ike_chain *req)
{
	const struct ike_payload *psa = ike_chain_find(req, IKE_PL_SA, NULL);

	return psa && psa->sa->n_proposals &&
	       psa->sa->proposals[0].protocol == IKE_PROTO_IKE;
}

int ike_rekey_start(struct ikesa *sa, uint16_t group, uint64_t now)
{
	const struct conn *c = sa->conn;
	struct rekey_msg *rm = calloc(1, sizeof(*rm));
	struct rekey_request *rr = calloc(1, sizeof(*rr));
	struct ike_error err;
	uint8_t spi[8];
	int ret = -ENOMEM;

	if (!rm || !rr)
		goto out;
	rr->rs.ops = &rekey_request_ops;
	ret = random_ike_spi(spi);
	if (!ret)
		ret = random_nonce(rr->nonce, RANDOM_NONCE_LEN);
	if (!ret)
		ret = dh_generate(&rr->dh, group);
	if (ret)
		goto out;
	rr->have_dh = true;
	rr->nonce_len = RANDOM_NONCE_LEN;
	ret = proposal_offer(&rm->sap, c->ike, c->n_ike, IKE_PROTO_IKE, spi,
			     8, group);
	if (ret)
		goto out;
	rm->nonce.data = rr->nonce;
	rm->nonce.len = rr->nonce_len;
	rm->ke.group = group;
	rm->ke.data = dh_public(&rr->dh, &rm->ke.len);
	ike_chain_add(&rm->chain, IKE_PL_SA, &rm->sap, &err);
	ike_chain_add(&rm->chain, IKE_PL_NONCE, &rm->nonce, &err);
	ike_chain_add(&rm->chain, IKE_PL_KE, &rm->ke, &err);
	window_rekey_offer(sa, &rm->win, &rm->chain);
	ret = ikesa_request(sa, now, IKE_EXCH_CREATE_CHILD_SA, &rm->chain);
	if (!ret) {
		rr->new_spi = ikesa_spi_value(spi);
		request_set(sa, &rr->rs);
		request_count_rekey(sa, &rr->rs);
		rr = NULL;
	}
out:
	if (ret)
		ikesa_request_done(sa);
	if (rr)
		rekey_request_free(sa, &rr->rs);
	if (rm) {
		ike_chain_free(&rm->chain);
		ike_sa_payload_free(&rm->sap);
	}
	free(rm);
	return ret;
}

/*
 * The new IKE SA, keyed from old (§2.18): established, but holding
 * nothing of old yet (take_over()), nor reported.
 */
static struct ikesa *keyed_new(struct ikesa *old, bool initiator,
			       uint64_t spi_i, uint64_t spi_r,
			       const struct proposal_choice *pc,
			       const uint8_t *ni, size_t ni_len,
			       const uint8_t *nr, size_t nr_len,
			       const struct dh *dh, const struct ike_ke *peer,
			       uint64_t now)
{
	uint8_t g_ir[DH_SHARED_MAX];
	struct ikesa *sa;
	int ret;

	sa = ikesa_new(old->engine, old->conn, initiator, &old->local,
		       old->local_port, &old->remote, old->remote_port);
	if (!sa)
		return NULL;
	sa->ike = *pc;
	sa->ke_group = pc->dh->id;
	/* The same path, through the same NATs. */
	sa->nat = old->nat;
	ret = ikesa_set_nonce(sa, false, ni, ni_len);
	if (!ret)
		ret = ikesa_set_nonce(sa, true, nr, nr_len);
	if (!ret)
		ret = ikesa_set_spis(sa, spi_i, spi_r);
	/* The same identities: it stands in old's place (unique.c). */
	if (!ret && old->peer_id)
		ret = ikesa_set_peer_id(sa, old->peer_id[0], old->peer_id + 1,
					old->peer_id_len - 1);
	/* Its fragmentation, negotiated in IKE_SA_INIT (fragment.h). */
	sa->frag = old->frag;
	if (!ret)
		ret = dh_shared(dh, peer->data, peer->len, g_ir);
	if (!ret)
		ret = ikesa_derive_keys(sa, old, g_ir, dh_shared_len(dh));
	gnutls_memset(g_ir, 0, sizeof(g_ir));
	if (ret) {
		ikesa_kill(sa);
		return NULL;
	}
	ikesa_touch(sa);
	ikesa_enter_established(sa);
	sa->last_heard = now;
	return sa;
}

/*
 * sa, made by keyed_new(), takes old's place: its Child SAs, their
 * reqid block, its MIF, MOBIKE and inner address state, what it had
 * still to do; then it is reported, rekeying old. 0 or -ENOMEM (sa
 * is left to be killed, old has all it had).
 */
static int take_over(struct ikesa *sa, struct ikesa *old, uint64_t now)
{
	uint32_t base = sa->reqid_base, next = sa->reqid_next;

	/* MOBIKE and the peer's addresses (RFC 4555 §3.2); no update due. */
	if (mobike_inherit(sa, old))
		return -ENOMEM;
	/* Its MIF negotiation and announcements (mif.md). */
	if (mif_inherit(sa, old))
		return -ENOMEM;
	ikesa_touch(sa);
	ikesa_touch(old);
	/* Its inner addresses, with their leases (cfg.h). */
	cfg_inherit(sa, old);
	sa->children = old->children;
	old->children = NULL;
	/* Its children's reqids are of old's block: swap the blocks. */
	sa->reqid_base = old->reqid_base;
	sa->reqid_next = old->reqid_next;
	old->reqid_base = base;
	old->reqid_next = next;
	/* And creates the children the old one had not come to. */
	sa->next_child = old->next_child;
	old->next_child = 0;
	memcpy(sa->want, old->want, sizeof(sa->want));
	sa->n_want = old->n_want;
	old->n_want = 0;
	memcpy(sa->del_pending, old->del_pending, sizeof(sa->del_pending));
	sa->n_del_pending = old->n_del_pending;
	sa->del_pending_at = old->del_pending_at;
	old->n_del_pending = 0;
	old->del_pending_at = 0;
	/* A newer IKE SA with the peer wanted old gone (unique.c). */
	sa->unique_delete_at = old->unique_delete_at;
	old->unique_delete_at = 0;
	sa->replaced = false;
	sa->delete_at = 0;
	ikesa_why(old, ENGINE_R_REKEYED);
	ikesa_established(sa, now, old);
	/* A collision of rekeys is settled: the nonces have done. */
	ikesa_drop_nonces(sa);
	return 0;
}

/*
 * §2.10 for a nonce of the rekey: long enough for the old SA's PRF (it
 * makes SKEYSEED) and for the new one's (prf+), if chosen; else logged.
 */
static bool nonce_ok(struct ikesa *sa, const struct transform *new_prf,
		     const struct ike_payload *pn, const char *which)
{
	const struct transform *prf = sa->ike.prf;

	if (new_prf && new_prf->key_len > prf->key_len)
		prf = new_prf;
	if (ike_nonce_len_ok(pn->nonce->len, prf->key_len))
		return true;
	engine_refused(sa->engine, sa->conn, &sa->remote, "CREATE_CHILD_SA "
		       "(IKE rekey): %s of %zu bytes, less than half the key "
		       "of %s (RFC 7296 2.10)", which, pn->nonce->len,
		       prf->name);
	return false;
}

static void respond_error(struct ikesa *sa, uint32_t id, uint16_t notify,
			  uint16_t group)
{
	uint8_t data[2] = { (uint8_t)(group >> 8), (uint8_t)group };

	ikesa_respond_notify_data(sa, IKE_EXCH_CREATE_CHILD_SA, id, notify,
				  data, notify == IKE_N_INVALID_KE_PAYLOAD ?
				  sizeof(data) : 0);
}

/* The lower of the two nonces of sa's rekey (§2.8.2). */
static void lower_nonce(const struct ikesa *sa, const uint8_t **out,
			size_t *out_len)
{
	bool ni = ike_nonce_cmp(sa->ni, sa->ni_len, sa->nr, sa->nr_len) < 0;

	*out = ni ? sa->ni : sa->nr;
	*out_len = ni ? sa->ni_len : sa->nr_len;
}

/*
 * Whether the lowest of the four nonces of two crossed rekeys, ours
 * (made mine) and the peer's (made theirs), is in ours: then mine is
 * the redundant one (§2.8.2).
 */
static bool mine_redundant(const struct ikesa *mine,
			   const struct ikesa *theirs)
{
	const uint8_t *a, *b;
	size_t alen, blen;

	lower_nonce(mine, &a, &alen);
	lower_nonce(theirs, &b, &blen);
	return ike_nonce_cmp(a, alen, b, blen) < 0;
}

/*
 * The peer's rekey of old made sa while our own rekey of old is in
 * flight: hold sa, quiet, until ours is answered (or the peer deletes
 * old, or sa). If nothing settles it, sa deletes itself as a replaced
 * IKE SA does.
 */
static void hold(struct ikesa *sa, struct ikesa *old, uint64_t now)
{
	ikesa_replaced(sa, now);
	sa->rekey_of = old;
	old->rekey_coll = sa;
	sa->engine->counts.ike_rekey_collisions++;
	engine_logf(sa->engine, ENGINE_LOG_INFO, old, "IKE SA rekey "
		    "collision: answered the peer's rekey; the nonces settle "
		    "which new IKE SA stays once ours is answered");
}

/* The new IKE SA the peer's crossed rekey of old made, unlinked; or NULL. */
static struct ikesa *collided(struct ikesa *old)
{
	struct ikesa *theirs = old->rekey_coll;

	if (!theirs)
		return NULL;
	old->rekey_coll = NULL;
	theirs->rekey_of = NULL;
	/* The peer deleted it meanwhile: there is no collision left. */
	return theirs->state == IKESA_ESTABLISHED ? theirs : NULL;
}

/*
 * theirs, the peer's new IKE SA, takes old's place; the peer deletes
 * old. If that fails (memory), old stays as it is.
 */
static void adopt(struct ikesa *theirs, struct ikesa *old, uint64_t now)
{
	if (take_over(theirs, old, now)) {
		ikesa_kill(theirs);
		return;
	}
	ikesa_replaced(old, now);
}

/* We delete sa, a new IKE SA that is redundant (§2.8.2), at once. */
static void delete_redundant(struct ikesa *sa, uint64_t now)
{
	ikesa_touch(sa);
	if (informational_start(sa, NULL, true, now))
		ikesa_kill(sa);
}

void ike_rekey_deleted(struct ikesa *sa, uint64_t now)
{
	struct ikesa *theirs = collided(sa);

	if (!theirs)
		return;
	/* The peer saw no collision, or won it: its rekey stands. */
	engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "IKE SA rekey "
		    "collision: the peer deleted the old IKE SA, its rekey "
		    "stands");
	adopt(theirs, sa, now);
}

void ike_rekey_request(struct engine *e, struct ikesa *sa,
		       const struct engine_msg *m)
{
	const struct conn *c = sa->conn;
	const struct ike_payload *psa, *pni, *pke;
	struct rekey_msg *rm;
	struct ikesa *nsa;
	struct ike_error err;
	uint32_t id = m->hdr->msg_id;
	uint8_t spi[8];
	bool crossed;

	psa = ike_chain_find(m->chain, IKE_PL_SA, NULL);
	pni = ike_chain_find(m->chain, IKE_PL_NONCE, NULL);
	pke = ike_chain_find(m->chain, IKE_PL_KE, NULL);
	if (!pni || !pke) {
		respond_error(sa, id, IKE_N_INVALID_SYNTAX, 0);
		return;
	}
	if (!nonce_ok(sa, NULL, pni, "Ni")) {
		respond_error(sa, id, IKE_N_INVALID_SYNTAX, 0);
		return;
	}
	if (sa->rekey_coll || create_child_sa_in_flight(sa) ||
	    informational_deletes(sa, 0)) {
		/*
		 * A second rekey from the peer, or a Child SA of ours being
		 * created, rekeyed or deleted (§2.25.2): let the peer try
		 * later. Our own rekey in flight is no reason (§2.8.2).
		 */
		respond_error(sa, id, IKE_N_TEMPORARY_FAILURE, 0);
		return;
	}
	crossed = ike_rekey_in_flight(sa);
	rm = calloc(1, sizeof(*rm));
	if (!rm)
		return;
	if (proposal_select(psa->sa, c->ike, c->n_ike, IKE_PROTO_IKE,
			    pke->ke->group, &rm->pc) ||
	    rm->pc.prop.spi_size != 8) {
		respond_error(sa, id, IKE_N_NO_PROPOSAL_CHOSEN, 0);
		goto out;
	}
	if (rm->pc.dh->id != pke->ke->group) {
		respond_error(sa, id, IKE_N_INVALID_KE_PAYLOAD,
			      rm->pc.dh->id);
		goto out;
	}
	if (!nonce_ok(sa, rm->pc.prf, pni, "Ni")) {
		respond_error(sa, id, IKE_N_INVALID_SYNTAX, 0);
		goto out;
	}
	if (random_nonce(rm->nr, sizeof(rm->nr)) || random_ike_spi(spi) ||
	    dh_generate(&rm->dh, rm->pc.dh->id)) {
		respond_error(sa, id, IKE_N_TEMPORARY_FAILURE, 0);
		goto out;
	}
	nsa = keyed_new(sa, false, ikesa_spi_value(rm->pc.prop.spi),
			ikesa_spi_value(spi), &rm->pc, pni->nonce->data,
			pni->nonce->len, rm->nr, sizeof(rm->nr), &rm->dh,
			pke->ke, m->now);
	/* The windows the two offered for it, if they did (window.h). */
	if (nsa)
		window_rekeyed(nsa, m->chain);
	/* Crossed with ours, it is held until ours is answered. */
	if (nsa && !crossed && take_over(nsa, sa, m->now)) {
		ikesa_kill(nsa);
		nsa = NULL;
	}
	if (!nsa) {
		respond_error(sa, id, IKE_N_INVALID_SYNTAX, 0);
		goto wipe;
	}
	proposal_reply(&rm->sap, &rm->pc, spi, 8);
	rm->nonce.data = rm->nr;
	rm->nonce.len = sizeof(rm->nr);
	rm->ke.group = rm->pc.dh->id;
	rm->ke.data = dh_public(&rm->dh, &rm->ke.len);
	ike_chain_add(&rm->chain, IKE_PL_SA, &rm->sap, &err);
	ike_chain_add(&rm->chain, IKE_PL_NONCE, &rm->nonce, &err);
	ike_chain_add(&rm->chain, IKE_PL_KE, &rm->ke, &err);
	window_rekey_offer(sa, &rm->win, &rm->chain);
	ikesa_respond(sa, IKE_EXCH_CREATE_CHILD_SA, id, &rm->chain);
	if (crossed)
		hold(nsa, sa, m->now);
	else
		/* The old SA stays until the peer deletes it, for a while. */
		ikesa_replaced(sa, m->now);
wipe:
	dh_destroy(&rm->dh);
out:
	ike_chain_free(&rm->chain);
	ike_sa_payload_free(&rm->sap);
	free(rm);
}

/*
 * Both rekeys of sa are done (§2.8.2): ours made mine (NULL: it failed),
 * the peer's theirs. The new IKE SA with the lowest nonce is redundant,
 * deleted by the side that started its rekey; the other one takes sa's
 * place, and the side that started it deletes sa.
 */
static void settle(struct ikesa *sa, struct ikesa *mine,
		   struct ikesa *theirs, uint64_t now)
{
	if (mine && !mine_redundant(mine, theirs) &&
	    !take_over(mine, sa, now)) {
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "IKE SA rekey "
			    "collision won: waiting for the peer to delete "
			    "its new IKE SA");
		/* As long as the peer may take to delete it, from now. */
		ikesa_replaced(theirs, now);
		if (informational_start(sa, NULL, true, now))
			ikesa_kill(sa);
		return;
	}
	if (mine) {
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "IKE SA rekey "
			    "collision lost: deleting our new IKE SA");
		delete_redundant(mine, now);
	} else {
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "IKE SA rekey "
			    "collision: ours failed, the peer's stands");
	}
	adopt(theirs, sa, now);
}

void ike_rekey_response(struct engine *e, struct ikesa *sa,
			const struct engine_msg *m)
{
	const struct ike_payload *psa, *pnr, *pke, *pinv;
	struct rekey_request *rr = request_of(request_get(sa,
						&rekey_request_ops),
					      struct rekey_request, rs);
	uint16_t sent = rr->dh.group->id, g, n;
	struct ikesa *theirs = collided(sa);
	struct proposal_choice *pc;
	struct ikesa *nsa = NULL;

	pinv = ike_chain_find_notify(m->chain, IKE_N_INVALID_KE_PAYLOAD);
	psa = ike_chain_find(m->chain, IKE_PL_SA, NULL);
	pnr = ike_chain_find(m->chain, IKE_PL_NONCE, NULL);
	pke = ike_chain_find(m->chain, IKE_PL_KE, NULL);
	pc = calloc(1, sizeof(*pc));
	if (pc && !pinv && psa && pnr && pke &&
	    !proposal_check_reply(psa->sa, sa->conn->ike, sa->conn->n_ike,
				  IKE_PROTO_IKE, 0, pc) &&
	    pc->prop.spi_size == 8 && pc->dh->id == sent &&
	    pke->ke->group == sent && nonce_ok(sa, pc->prf, pnr, "Nr"))
		nsa = keyed_new(sa, true, rr->new_spi,
				ikesa_spi_value(pc->prop.spi), pc,
				rr->nonce, rr->nonce_len, pnr->nonce->data,
				pnr->nonce->len, &rr->dh, pke->ke, m->now);
	free(pc);
	if (nsa)
		window_rekeyed(nsa, m->chain);
	/* Crossed with the peer's, it takes over once settled, below. */
	if (nsa && !theirs && take_over(nsa, sa, m->now)) {
		ikesa_kill(nsa);
		nsa = NULL;
	}
	ikesa_request_done(sa);
	n = engine_error_notify(m->chain);
	if (!nsa && n)
		engine_logf(e, engine_notify_level(n), sa,
			    "IKE SA rekey refused: received %s",
			    ike_notify_name(n));
	else if (!nsa)
		engine_logf(e, ENGINE_LOG_WARNING, sa,
			    "IKE SA rekey: answer not acceptable");
	if (theirs) {
		/* Whatever became of ours, the peer's is done: no retry. */
		settle(sa, nsa, theirs, m->now);
		return;
	}
	if (nsa) {
		/* The old SA has handed everything over: delete it. */
		if (informational_start(sa, NULL, true, m->now))
			ikesa_kill(sa);
		return;
	}
	if (pinv) {
		g = (uint16_t)(pinv->notify->data[0] << 8 |
			       pinv->notify->data[1]);
		if (g != sent &&
		    proposal_has_dh(sa->conn->ike, sa->conn->n_ike, g))
			ike_rekey_start(sa, g, m->now);
	} else if (n == IKE_N_TEMPORARY_FAILURE) {
		/*
		 * The peer refused ours while its own was in flight (one
		 * that does not settle crossed rekeys by the nonces), or
		 * something else of the IKE SA was: not in step again.
		 */
		ikesa_rekey_later(sa, m->now);
	}
	/* Otherwise the old SA stays; rekeying may be tried again. */
}
