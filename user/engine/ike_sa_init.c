// SPDX-License-Identifier: GPL-2.0
/*
 * IKE_SA_INIT (RFC 7296 §1.2): proposals, Diffie-Hellman and nonces,
 * with the COOKIE (§2.6) and INVALID_KE_PAYLOAD (§1.2) detours.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "crypto/random.h"
#include "engine/auth_sig.h"
#include "engine/exchange.h"
#include "engine/fragment.h"
#include "engine/notify_table.h"
#include "ike/ke.h"
#include "ike/nonce.h"
#include "ike/notify.h"
#include "ike/sa.h"

/* Detours an initiator follows before giving up. */
#define MAX_RETRIES	4

/* The key pair is not needed once the keys are derived. */
static void drop_dh(struct ikesa *sa)
{
	if (sa->dh) {
		dh_destroy(sa->dh);
		free(sa->dh);
	}
	sa->dh = NULL;
}

/* A fresh key pair of sa->ke_group in place of any other. 0 or -errno. */
static int new_dh(struct ikesa *sa)
{
	int ret;

	drop_dh(sa);
	sa->dh = calloc(1, sizeof(*sa->dh));
	if (!sa->dh)
		return -ENOMEM;
	ret = dh_generate(sa->dh, sa->ke_group);
	if (ret)
		drop_dh(sa);
	return ret;
}

/* Build and send our request (again, after a detour). */
int ike_sa_init_start(struct ikesa *sa, uint64_t now)
{
	const struct conn *c = sa->conn;
	struct ike_chain *chain = calloc(1, sizeof(*chain));
	struct ike_sa_payload *sap = calloc(1, sizeof(*sap));
	struct sig_payloads sig;
	struct ike_notify cookie, frag;
	struct nat_notifies natd;
	struct ike_nonce nonce;
	struct ike_ke ke;
	struct ike_error err;
	int ret = -ENOMEM;

	if (!chain || !sap)
		goto out;
	if (!sa->ke_group)
		sa->ke_group = proposal_first_dh(c->ike, c->n_ike);
	ret = new_dh(sa);
	if (ret)
		goto out;
	if (!sa->ni_len) {
		ret = ikesa_set_nonce(sa, false, NULL, RANDOM_NONCE_LEN);
		if (ret)
			goto out;
	}

	if (sa->cookie_len) {
		ikesa_notify(&cookie, IKE_N_COOKIE, sa->cookie,
			     sa->cookie_len);
		ike_chain_add(chain, IKE_PL_NOTIFY, &cookie, &err);
	}
	ret = proposal_offer(sap, c->ike, c->n_ike, IKE_PROTO_IKE, NULL, 0,
			     sa->ke_group);
	if (ret)
		goto out;
	ike_chain_add(chain, IKE_PL_SA, sap, &err);
	ke.group = sa->ke_group;
	ke.data = dh_public(sa->dh, &ke.len);
	ike_chain_add(chain, IKE_PL_KE, &ke, &err);
	nonce.data = sa->ni;
	nonce.len = sa->ni_len;
	ike_chain_add(chain, IKE_PL_NONCE, &nonce, &err);
	sa->spi_r = 0;
	ret = nat_add_notifies(sa, chain, &natd);
	if (ret)
		goto out;
	auth_sig_add_payloads(c, IKE_EXCH_IKE_SA_INIT, true, chain, &sig);
	fragment_add_notify(sa, chain, &frag);

	sa->req_next = 0;
	ret = ikesa_request(sa, now, IKE_EXCH_IKE_SA_INIT, chain);
	if (ret)
		goto out;
	free(sa->init_req);
	sa->init_req = malloc(sa->req.len);
	if (!sa->init_req) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(sa->init_req, sa->req.buf, sa->req.len);
	sa->init_req_len = sa->req.len;
out:
	if (chain)
		ike_chain_free(chain);
	if (sap)
		ike_sa_payload_free(sap);
	free(chain);
	free(sap);
	return ret;
}

/* An answer that keeps no state: one notify. */
static void reply_stateless(struct engine *e, const struct engine_msg *m,
			    uint16_t type, const void *data, size_t len)
{
	struct ike_message *msg = calloc(1, sizeof(*msg));
	struct ike_notify n;
	struct ike_writer w;
	struct ike_error err;

	if (!msg)
		return;
	msg->hdr.spi_i = m->hdr->spi_i;
	msg->hdr.exchange = IKE_EXCH_IKE_SA_INIT;
	msg->hdr.flags = IKE_FLAG_RESPONSE;
	ikesa_notify(&n, type, data, len);
	ike_chain_add(&msg->chain, IKE_PL_NOTIFY, &n, &err);
	ike_writer_init(&w);
	if (!ike_message_build(&w, msg, &err) && e->send.fn)
		e->send.fn(e->send.ctx, m->local, m->local_port, m->remote,
			   m->remote_port, w.p, w.len);
	ike_writer_free(&w);
	ike_message_free(msg);
	free(msg);
}

/* Whether we answer requests from this peer at all. */
static bool known_peer(const struct engine *e, const struct engine_msg *m)
{
	return engine_match_conn(e, m->local, m->remote, NULL) != NULL;
}

void ike_sa_init_malformed(struct engine *e, const struct engine_msg *m,
			   const struct ike_error *err)
{
	uint8_t type = err->payload;

	if (err->code == IKE_ERR_CRITICAL && known_peer(e, m))
		reply_stateless(e, m, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD,
				&type, 1);
}

void ike_sa_init_version(struct engine *e, const struct engine_msg *m)
{
	const struct ike_header *h = m->hdr;

	/* IKEv1 and the like are not answered: only later versions. */
	if (h->version >> 4 <= IKE_MAJOR_VERSION ||
	    h->exchange != IKE_EXCH_IKE_SA_INIT ||
	    (h->flags & IKE_FLAG_RESPONSE) || h->msg_id || h->spi_r ||
	    !h->spi_i || !known_peer(e, m))
		return;
	engine_refuse(e, m, ENGINE_REF_VERSION, h->version >> 4);
	reply_stateless(e, m, IKE_N_INVALID_MAJOR_VERSION, NULL, 0);
}

/* The finite-field groups (RFC 3526, RFC 5114): costly exponentiations. */
static bool modp(uint16_t group)
{
	switch (group) {
	case 1: case 2: case 5:
	case 14: case 15: case 16: case 17: case 18:
	case 22: case 23: case 24:
		return true;
	}
	return false;
}

/*
 * Whether the request may go on: no COOKIE wanted (for a KE payload of
 * group), or the one we would make for it sent back. Otherwise it is
 * answered with one, keeping no state.
 */
static bool cookie_ok(struct engine *e, const struct engine_msg *m,
		      const struct ike_nonce *ni, uint16_t group)
{
	const struct cookie_input in = {
		m->remote, m->hdr->spi_i, ni->data, ni->len,
	};
	const struct ike_payload *pl;
	uint8_t cookie[COOKIE_LEN];

	if (!e->cookie_required && !(e->cookie_modp && modp(group)) &&
	    !(e->cookie_threshold && e->n_half_open >= e->cookie_threshold))
		return true;
	pl = ike_chain_find_notify(m->chain, IKE_N_COOKIE);
	if (pl && cookie_check(&e->cookies, m->now, &in, pl->notify->data,
			       pl->notify->len))
		return true;
	if (!cookie_make(&e->cookies, m->now, &in, cookie))
		reply_stateless(e, m, IKE_N_COOKIE, cookie, COOKIE_LEN);
	engine_refuse(e, m, ENGINE_REF_COOKIE, 0);
	return false;
}

/*
 * Our certificate payloads: for every connection that IKE_AUTH may
 * still choose, which holds the proposal agreed here (auth_sig.h).
 */
static void add_sig_payloads(struct ikesa *sa, struct ike_chain *chain,
			     struct sig_payloads *sig)
{
	struct engine_match it = { 0 };
	const struct conn *c;

	while ((c = engine_match_next(sa->engine, &sa->local, &sa->remote,
				      &it)))
		if (c->sig_creds &&
		    proposal_contains(&sa->ike.prop, c->ike, c->n_ike,
				      IKE_PROTO_IKE, sa->ike.dh->id))
			auth_sig_merge(sig, c);
	auth_sig_add_merged(sig, chain);
}

static int respond(struct ikesa *sa, const struct proposal_choice *pc)
{
	struct ike_chain *chain = calloc(1, sizeof(*chain));
	struct ike_sa_payload *sap = calloc(1, sizeof(*sap));
	struct sig_payloads *sig = calloc(1, sizeof(*sig));
	struct ike_nonce nonce = { sa->nr, sa->nr_len };
	struct ike_notify frag;
	struct nat_notifies natd;
	struct ike_ke ke;
	struct ike_error err;
	int ret = -ENOMEM;

	if (!chain || !sap || !sig)
		goto out;
	ret = proposal_reply(sap, pc, NULL, 0);
	if (ret)
		goto out;
	ike_chain_add(chain, IKE_PL_SA, sap, &err);
	ke.group = sa->ke_group;
	ke.data = dh_public(sa->dh, &ke.len);
	ike_chain_add(chain, IKE_PL_KE, &ke, &err);
	ike_chain_add(chain, IKE_PL_NONCE, &nonce, &err);
	ret = nat_add_notifies(sa, chain, &natd);
	if (ret)
		goto out;
	add_sig_payloads(sa, chain, sig);
	fragment_add_notify(sa, chain, &frag);
	ret = ikesa_respond(sa, IKE_EXCH_IKE_SA_INIT, 0, chain);
	if (!ret) {
		sa->init_resp = malloc(sa->resp_len);
		if (!sa->init_resp) {
			ret = -ENOMEM;
			goto out;
		}
		memcpy(sa->init_resp, sa->resp_buf, sa->resp_len);
		sa->init_resp_len = sa->resp_len;
	}
out:
	if (chain)
		ike_chain_free(chain);
	if (sap)
		ike_sa_payload_free(sap);
	free(chain);
	free(sap);
	free(sig);
	return ret;
}

/* Shared secret and keys. */
static int agree(struct ikesa *sa, const struct ike_ke *ke)
{
	uint8_t g_ir[DH_SHARED_MAX];
	size_t len = dh_shared_len(sa->dh);
	int ret;

	ret = dh_shared(sa->dh, ke->data, ke->len, g_ir);
	if (!ret)
		ret = ikesa_derive_keys(sa, NULL, g_ir, len);
	gnutls_memset(g_ir, 0, sizeof(g_ir));
	return ret;
}

/*
 * The connection for a request: of those for the addresses, most
 * specific first, the first whose proposals accept the offer with the
 * group of the KE payload; its choice in pc. NULL when none does, with
 * *notify the error to answer: INVALID_KE_PAYLOAD naming in *group the
 * group of the first connection that accepts the offer with another
 * group, else NO_PROPOSAL_CHOSEN.
 *
 * The offer is read once, within the limits of proposal.h, and matched
 * once per distinct proposal list: connections that share one share its
 * verdict.
 */
static const struct conn *choose_conn(struct engine *e,
				      const struct engine_msg *m,
				      const struct proposal_peer *offer,
				      uint16_t ke_group,
				      struct proposal_choice *pc,
				      uint16_t *notify, uint16_t *group)
{
	uint32_t stamp = proposal_sets_new_offer(&e->psets);
	struct engine_match it = { 0 };
	struct proposal_set *s;
	const struct conn *c;

	*notify = IKE_N_NO_PROPOSAL_CHOSEN;
	while ((c = engine_match_next(e, m->local, m->remote, &it))) {
		s = &e->psets.s[engine_match_set(e, &it)];
		if (s->stamp != stamp) {
			s->stamp = stamp;
			s->verdict = PROPOSAL_NONE;
			if (proposal_peer_select(offer, s->conn->ike,
						 s->conn->n_ike, IKE_PROTO_IKE,
						 ke_group, pc))
				continue;
			if (pc->dh->id == ke_group)
				return c;
			s->verdict = PROPOSAL_OTHER_DH;
			s->dh = pc->dh->id;
		}
		if (s->verdict == PROPOSAL_OTHER_DH &&
		    *notify != IKE_N_INVALID_KE_PAYLOAD) {
			*notify = IKE_N_INVALID_KE_PAYLOAD;
			*group = s->dh;
		}
	}
	return NULL;
}

bool ike_sa_init_admit(struct engine *e, const struct engine_msg *m)
{
	enum engine_refusal_reason why;

	if (!engine_match_conn(e, m->local, m->remote, NULL))
		why = ENGINE_REF_NO_CONN;
	else if (e->half_open_max && e->n_half_open >= e->half_open_max)
		why = ENGINE_REF_HALF_OPEN;
	else if (e->half_open_max_peer &&
		 ikesa_half_open_from(e, m->remote, e->half_open_max_peer) >=
		 e->half_open_max_peer)
		why = ENGINE_REF_HALF_OPEN_PEER;
	else
		return true;
	engine_refuse(e, m, why, 0);
	return false;
}

/*
 * NO_PROPOSAL_CHOSEN answered: what the peer offered, and what the first
 * connection for its address accepts. Only when someone listens: a
 * stranger causes this at will (the text stops at its buffer).
 */
static void no_proposal(struct engine *e, const struct engine_msg *m,
			const struct ike_sa_payload *offer)
{
	const struct conn *c = engine_match_conn(e, m->local, m->remote,
						 NULL);
	char why[256], peer[112], ours[112];

	if (!e->refusals.fn || !c) {
		engine_refuse(e, m, ENGINE_REF_NO_PROPOSAL, 0);
		return;
	}
	snprintf(why, sizeof(why), "peer offered %s, we accept %s",
		 engine_offer_text(offer, peer, sizeof(peer)),
		 engine_conf_proposals_text(c->ike, c->n_ike, ours,
					    sizeof(ours)));
	engine_refuse_conn(e, m, ENGINE_REF_NO_PROPOSAL, 0, c, why);
}

static void request(struct engine *e, struct ikesa *unused,
		    const struct engine_msg *m)
{
	const struct ike_payload *psa, *pke, *pni;
	struct proposal_choice *pc;
	struct proposal_peer offer;
	const struct conn *c;
	struct ikesa *sa;
	uint16_t notify, g = 0;
	uint8_t group[2];

	psa = ike_chain_find(m->chain, IKE_PL_SA, NULL);
	pke = ike_chain_find(m->chain, IKE_PL_KE, NULL);
	pni = ike_chain_find(m->chain, IKE_PL_NONCE, NULL);
	if (!psa || !pke || !pni || m->hdr->spi_i == 0) {
		/* §2.21.1: drop malformed IKE_SA_INIT */
		engine_refuse(e, m, ENGINE_REF_MALFORMED, 0);
		return;
	}
	if (!cookie_ok(e, m, pni->nonce, pke->ke->group))
		return;
	pc = calloc(1, sizeof(*pc));
	if (!pc || proposal_peer_read(&offer, psa->sa, IKE_PROTO_IKE)) {
		engine_refuse(e, m, ENGINE_REF_FAILED, 0);
		free(pc);
		return;
	}
	if (offer.ignored)
		engine_refuse(e, m, ENGINE_REF_OFFER_LIMIT, offer.ignored);
	c = choose_conn(e, m, &offer, pke->ke->group, pc, &notify, &g);
	if (!c && notify == IKE_N_INVALID_KE_PAYLOAD) {
		group[0] = (uint8_t)(g >> 8);
		group[1] = (uint8_t)g;
		reply_stateless(e, m, IKE_N_INVALID_KE_PAYLOAD, group, 2);
		engine_refuse(e, m, ENGINE_REF_INVALID_KE, g);
		goto out;
	}
	if (!c) {
		reply_stateless(e, m, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		no_proposal(e, m, psa->sa);
		goto out;
	}
	/*
	 * §2.10: Ni too short for the PRF chosen. INVALID_SYNTAX is only
	 * for encrypted messages (§3.10.1): the suite is not acceptable
	 * with this nonce.
	 */
	if (!ike_nonce_len_ok(pni->nonce->len, pc->prf->key_len)) {
		reply_stateless(e, m, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		engine_refuse(e, m, ENGINE_REF_SHORT_NONCE,
			      (unsigned int)pni->nonce->len);
		goto out;
	}

	sa = ikesa_new(e, c, false, m->local, m->local_port, m->remote,
		       m->remote_port);
	if (!sa) {
		engine_refuse(e, m, ENGINE_REF_FAILED, 0);
		goto out;
	}
	sa->spi_i = m->hdr->spi_i;
	if (engine_hash_peer(e, sa))
		goto fail;
	nat_check(sa, m);
	sa->ike = *pc;
	sa->ke_group = pke->ke->group;
	sa->last_heard = m->now;
	sa->expire = m->now + ENGINE_HALF_OPEN_MS;
	if (ikesa_set_nonce(sa, false, pni->nonce->data, pni->nonce->len) ||
	    ikesa_set_nonce(sa, true, NULL, RANDOM_NONCE_LEN) || new_dh(sa))
		goto fail;
	fragment_check_notify(sa, m->chain);
	/* A bad public value: forget the SA, the peer will time out. */
	if (agree(sa, pke->ke) || respond(sa, pc))
		goto fail;
	drop_dh(sa);
	sa->init_req = malloc(m->len);
	if (!sa->init_req)
		goto fail;
	memcpy(sa->init_req, m->buf, m->len);
	sa->init_req_len = m->len;
	ikesa_half_open(sa);
	sa->resp_next = 1;
	notify_check(sa, m->chain, IKE_EXCH_IKE_SA_INIT, false, true);
out:
	proposal_peer_free(&offer);
	free(pc);
	return;
fail:
	ikesa_kill(sa);
	engine_refuse(e, m, ENGINE_REF_FAILED, 0);
	proposal_peer_free(&offer);
	free(pc);
}

/* A DH group's name, or its number. */
static const char *dh_text(uint16_t g, char *out, size_t len)
{
	const struct transform *t = transform_find(IKE_XF_DH, g, 0);

	if (t)
		snprintf(out, len, "%s (%u)", t->name, g);
	else
		snprintf(out, len, "%u", g);
	return out;
}

/*
 * An error in an answer to IKE_SA_INIT is not protected: anyone on the
 * path can forge one (§2.21.1). Only COOKIE and INVALID_KE_PAYLOAD have
 * a remedy, which is taken at once; for the others, and for an answer
 * that does not fit our request, we keep waiting for a valid answer
 * while the request is retransmitted, and give up when the
 * retransmissions run out (engine.c), naming the last error heard.
 */
static void not_yet(struct ikesa *sa, uint16_t type, const char *what)
{
	char offer[160];

	if (type == IKE_N_NO_PROPOSAL_CHOSEN) {
		sa->init_error = type;
		engine_failed(sa->engine, sa, NULL, type, 0, "IKE_SA_INIT: "
			      "received %s, unauthenticated: waiting for a "
			      "valid answer; we offered %s",
			      ike_notify_name(type),
			      engine_conf_proposals_text(sa->conn->ike,
							 sa->conn->n_ike,
							 offer,
							 sizeof(offer)));
	} else if (type) {
		sa->init_error = type;
		engine_failed(sa->engine, sa, NULL, type, 0, "IKE_SA_INIT: "
			      "received %s%s, unauthenticated: waiting for a "
			      "valid answer", ike_notify_name(type), what);
	} else {
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa,
			    "IKE_SA_INIT: an answer %s, unauthenticated: "
			    "waiting for a valid one", what);
	}
}

static void response(struct engine *e, struct ikesa *sa,
		     const struct engine_msg *m)
{
	const struct ike_payload *psa, *pke, *pnr, *pl;
	const struct ike_notify *n;
	struct proposal_choice *pc;
	char what[80], gname[24];
	uint16_t g;

	if (sa->state != IKESA_INIT)
		return;
	pl = NULL;
	while ((pl = ike_chain_find(m->chain, IKE_PL_NOTIFY, pl))) {
		n = pl->notify;
		/*
		 * The COOKIE we already sent back: an answer to a
		 * retransmission of the request before it. Starting again
		 * would make a second key pair for a request the responder
		 * takes as a retransmission of our first with this cookie.
		 */
		if (n->type == IKE_N_COOKIE && sa->cookie_len &&
		    n->len == sa->cookie_len &&
		    !memcmp(n->data, sa->cookie, n->len))
			return;
		if (n->type == IKE_N_COOKIE ||
		    n->type == IKE_N_INVALID_KE_PAYLOAD) {
			if (++sa->init_retries > MAX_RETRIES) {
				engine_failed(e, sa, NULL, n->type,
					      ENGINE_FAIL_FINAL, "IKE_SA_INIT: "
					      "still %s after %d tries: giving "
					      "up", ike_notify_name(n->type),
					      MAX_RETRIES);
				ikesa_kill(sa);
				return;
			}
		}
		if (n->type == IKE_N_COOKIE) {
			uint8_t *cookie = n->len <= IKE_COOKIE_MAX ?
					  malloc(n->len) : NULL;

			if (!cookie) {
				ikesa_kill(sa);
				return;
			}
			memcpy(cookie, n->data, n->len);
			free(sa->cookie);
			sa->cookie = cookie;
			sa->cookie_len = n->len;
			if (ike_sa_init_start(sa, m->now))
				ikesa_kill(sa);
			return;
		}
		if (n->type == IKE_N_INVALID_KE_PAYLOAD) {
			g = (uint16_t)(n->data[0] << 8 | n->data[1]);
			if (g == sa->ke_group ||
			    !proposal_has_dh(sa->conn->ike, sa->conn->n_ike,
					     g)) {
				snprintf(what, sizeof(what), " asking for DH "
					 "group %s, which we do not offer",
					 dh_text(g, gname, sizeof(gname)));
				not_yet(sa, n->type, what);
				return;
			}
			engine_logf(e, ENGINE_LOG_INFO, sa,
				    "IKE_SA_INIT: the peer asks for DH group "
				    "%u instead of %u", g, sa->ke_group);
			sa->ke_group = g;
			free(sa->cookie);
			sa->cookie = NULL;
			sa->cookie_len = 0;
			if (ike_sa_init_start(sa, m->now))
				ikesa_kill(sa);
			return;
		}
		if (n->type < IKE_N_FIRST_STATUS) {
			not_yet(sa, n->type, "");
			return;
		}
	}

	psa = ike_chain_find(m->chain, IKE_PL_SA, NULL);
	pke = ike_chain_find(m->chain, IKE_PL_KE, NULL);
	pnr = ike_chain_find(m->chain, IKE_PL_NONCE, NULL);
	if (!psa || !pke || !pnr || m->hdr->spi_r == 0) {
		not_yet(sa, 0, "without SA, KE or Nonce");
		return;
	}
	pc = calloc(1, sizeof(*pc));
	if (!pc)
		return;
	if (proposal_check_reply(psa->sa, sa->conn->ike, sa->conn->n_ike,
				 IKE_PROTO_IKE, 0, pc) ||
	    pc->dh->id != sa->ke_group || pke->ke->group != sa->ke_group) {
		not_yet(sa, 0, "with a proposal we did not offer");
		goto out;
	}
	if (!ike_nonce_len_ok(pnr->nonce->len, pc->prf->key_len)) {
		engine_refused(e, sa->conn, &sa->remote, "IKE_SA_INIT: Nr of "
			       "%zu bytes, less than half the key of %s (RFC "
			       "7296 2.10)", pnr->nonce->len, pc->prf->name);
		ikesa_kill(sa);
		goto out;
	}
	sa->ike = *pc;
	sa->spi_r = m->hdr->spi_r;
	if (ikesa_set_nonce(sa, true, pnr->nonce->data, pnr->nonce->len)) {
		ikesa_kill(sa);
		goto out;
	}
	if (agree(sa, pke->ke)) {
		sa->spi_r = 0;
		free(sa->nr);
		sa->nr = NULL;
		sa->nr_len = 0;
		not_yet(sa, 0, "with an unusable KE payload");
		goto out;
	}
	sa->init_resp = malloc(m->len);
	if (!sa->init_resp) {
		ikesa_kill(sa);
		goto out;
	}
	drop_dh(sa);
	memcpy(sa->init_resp, m->buf, m->len);
	sa->init_resp_len = m->len;
	sa->last_heard = m->now;
	ikesa_request_done(sa);
	sa->state = IKESA_AUTH;
	fragment_check_notify(sa, m->chain);
	notify_check(sa, m->chain, IKE_EXCH_IKE_SA_INIT, true, true);
	nat_check(sa, m);
	nat_float(sa);
	if (ike_auth_start(sa, m->now))
		ikesa_kill(sa);
out:
	free(pc);
}

const struct exchange_ops xchg_ike_sa_init = {
	.exchange = IKE_EXCH_IKE_SA_INIT,
	.plain = true,
	.request = request,
	.response = response,
};
