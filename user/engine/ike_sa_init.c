// SPDX-License-Identifier: GPL-2.0
/*
 * IKE_SA_INIT (RFC 7296 §1.2): proposals, Diffie-Hellman and nonces,
 * with the COOKIE (§2.6) and INVALID_KE_PAYLOAD (§1.2) detours.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "crypto/prf.h"
#include "crypto/random.h"
#include "engine/auth_sig.h"
#include "engine/exchange.h"
#include "ike/ke.h"
#include "ike/nonce.h"
#include "ike/notify.h"
#include "ike/sa.h"

/* Detours an initiator follows before giving up. */
#define MAX_RETRIES	4
#define COOKIE_LEN	32

/* The key pair is not needed once the keys are derived. */
static void drop_dh(struct ikesa *sa)
{
	if (sa->have_dh)
		dh_destroy(&sa->dh);
	sa->have_dh = false;
}

/* Build and send our request (again, after a detour). */
int ike_sa_init_start(struct ikesa *sa, uint64_t now)
{
	const struct conn *c = sa->conn;
	struct ike_chain *chain = calloc(1, sizeof(*chain));
	struct ike_sa *sap = calloc(1, sizeof(*sap));
	struct sig_payloads sig;
	struct ike_notify cookie;
	struct ike_nonce nonce;
	struct ike_ke ke;
	struct ike_error err;
	int ret = -ENOMEM;

	if (!chain || !sap)
		goto out;
	if (!sa->ke_group)
		sa->ke_group = proposal_first_dh(c->ike, c->n_ike);
	drop_dh(sa);
	ret = dh_generate(&sa->dh, sa->ke_group);
	if (ret)
		goto out;
	sa->have_dh = true;
	if (!sa->ni_len) {
		ret = random_nonce(sa->ni, RANDOM_NONCE_LEN);
		if (ret)
			goto out;
		sa->ni_len = RANDOM_NONCE_LEN;
	}

	if (sa->cookie_len) {
		ikesa_notify(&cookie, IKE_N_COOKIE, sa->cookie,
			     sa->cookie_len);
		ike_chain_add(chain, IKE_PL_NOTIFY, &cookie, &err);
	}
	proposal_offer(sap, c->ike, c->n_ike, IKE_PROTO_IKE, NULL, 0,
		       sa->ke_group);
	ike_chain_add(chain, IKE_PL_SA, sap, &err);
	ke.group = sa->ke_group;
	ke.data = dh_public(&sa->dh, &ke.len);
	ike_chain_add(chain, IKE_PL_KE, &ke, &err);
	nonce.data = sa->ni;
	nonce.len = sa->ni_len;
	ike_chain_add(chain, IKE_PL_NONCE, &nonce, &err);
	auth_sig_add_payloads(c, IKE_EXCH_IKE_SA_INIT, true, chain, &sig);

	sa->req_next = 0;
	sa->spi_r = 0;
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
	free(chain);
	free(sap);
	return ret;
}

/* Responder: a COOKIE bound to the peer (§2.6). */
static int make_cookie(struct engine *e, const struct engine_msg *m,
		       const struct ike_nonce *ni, uint8_t *out)
{
	const struct transform *t =
		transform_find(IKE_XF_PRF, IKE_PRF_HMAC_SHA2_256, 0);
	uint8_t spi[8];
	struct prf_chunk in[3] = {
		{ ni->data, ni->len },
		{ m->remote->bytes, ip_addr_len(m->remote) },
		{ spi, sizeof(spi) },
	};

	ikesa_spi_bytes(m->hdr->spi_i, spi);
	return prf(t, e->cookie_secret, sizeof(e->cookie_secret), in, 3, out);
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
	free(msg);
}

static bool cookie_ok(struct engine *e, const struct engine_msg *m,
		      const struct ike_nonce *ni)
{
	const struct ike_payload *pl;
	uint8_t want[COOKIE_LEN];
	bool ok;

	if (!e->cookie_required &&
	    !(e->cookie_threshold &&
	      e->n_half_open >= e->cookie_threshold))
		return true;
	if (make_cookie(e, m, ni, want))
		return false;
	pl = ike_chain_find_notify(m->chain, IKE_N_COOKIE);
	ok = pl && pl->notify->len == COOKIE_LEN &&
	     gnutls_memcmp(pl->notify->data, want, COOKIE_LEN) == 0;
	if (!ok)
		reply_stateless(e, m, IKE_N_COOKIE, want, COOKIE_LEN);
	return ok;
}

static int respond(struct ikesa *sa, const struct proposal_choice *pc)
{
	struct ike_chain *chain = calloc(1, sizeof(*chain));
	struct ike_sa *sap = calloc(1, sizeof(*sap));
	struct ike_nonce nonce = { sa->nr, sa->nr_len };
	struct sig_payloads sig;
	struct ike_ke ke;
	struct ike_error err;
	int ret = -ENOMEM;

	if (!chain || !sap)
		goto out;
	sap->n_proposals = 1;
	sap->proposals[0] = pc->prop;
	ike_chain_add(chain, IKE_PL_SA, sap, &err);
	ke.group = sa->ke_group;
	ke.data = dh_public(&sa->dh, &ke.len);
	ike_chain_add(chain, IKE_PL_KE, &ke, &err);
	ike_chain_add(chain, IKE_PL_NONCE, &nonce, &err);
	auth_sig_add_payloads(sa->conn, IKE_EXCH_IKE_SA_INIT, false, chain,
			      &sig);
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
	free(chain);
	free(sap);
	return ret;
}

/* Shared secret and keys. */
static int agree(struct ikesa *sa, const struct ike_ke *ke)
{
	uint8_t g_ir[DH_SHARED_MAX];
	size_t len = dh_shared_len(&sa->dh);
	int ret;

	ret = dh_shared(&sa->dh, ke->data, ke->len, g_ir);
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
 */
static const struct conn *choose_conn(struct engine *e,
				      const struct engine_msg *m,
				      const struct ike_sa *offer,
				      uint16_t ke_group,
				      struct proposal_choice *pc,
				      uint16_t *notify, uint16_t *group)
{
	struct engine_match it = { 0, 0 };
	const struct conn *c;

	*notify = IKE_N_NO_PROPOSAL_CHOSEN;
	while ((c = engine_match_next(e, m->local, m->remote, &it))) {
		if (proposal_select(offer, c->ike, c->n_ike, IKE_PROTO_IKE,
				    ke_group, pc))
			continue;
		if (pc->dh->id == ke_group)
			return c;
		if (*notify != IKE_N_INVALID_KE_PAYLOAD) {
			*notify = IKE_N_INVALID_KE_PAYLOAD;
			*group = pc->dh->id;
		}
	}
	return NULL;
}

static void request(struct engine *e, struct ikesa *unused,
		    const struct engine_msg *m)
{
	const struct ike_payload *psa, *pke, *pni;
	struct proposal_choice *pc;
	const struct conn *c;
	struct ikesa *sa;
	uint16_t notify, g = 0;
	uint8_t group[2];

	psa = ike_chain_find(m->chain, IKE_PL_SA, NULL);
	pke = ike_chain_find(m->chain, IKE_PL_KE, NULL);
	pni = ike_chain_find(m->chain, IKE_PL_NONCE, NULL);
	if (!engine_match_conn(e, m->local, m->remote, NULL) || !psa ||
	    !pke || !pni || m->hdr->spi_i == 0)
		return;		/* §2.21.1: drop malformed IKE_SA_INIT */
	if (!cookie_ok(e, m, pni->nonce))
		return;
	pc = calloc(1, sizeof(*pc));
	if (!pc)
		return;
	c = choose_conn(e, m, psa->sa, pke->ke->group, pc, &notify, &g);
	if (!c && notify == IKE_N_INVALID_KE_PAYLOAD) {
		group[0] = (uint8_t)(g >> 8);
		group[1] = (uint8_t)g;
		reply_stateless(e, m, IKE_N_INVALID_KE_PAYLOAD, group, 2);
		goto out;
	}
	if (!c) {
		reply_stateless(e, m, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		goto out;
	}
	/*
	 * §2.10: Ni too short for the PRF chosen. INVALID_SYNTAX is only
	 * for encrypted messages (§3.10.1): the suite is not acceptable
	 * with this nonce.
	 */
	if (!ike_nonce_len_ok(pni->nonce->len, pc->prf->key_len)) {
		engine_refused(e, c, m->remote, "IKE_SA_INIT: Ni of %zu "
			       "bytes, less than half the key of %s (RFC "
			       "7296 2.10)", pni->nonce->len, pc->prf->name);
		reply_stateless(e, m, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		goto out;
	}

	sa = ikesa_new(e, c, false, m->local, m->local_port, m->remote,
		       m->remote_port);
	if (!sa)
		goto out;
	sa->spi_i = m->hdr->spi_i;
	if (engine_hash_peer(e, sa)) {
		ikesa_kill(sa);
		goto out;
	}
	sa->ike = *pc;
	sa->ke_group = pke->ke->group;
	memcpy(sa->ni, pni->nonce->data, pni->nonce->len);
	sa->ni_len = pni->nonce->len;
	sa->nr_len = RANDOM_NONCE_LEN;
	sa->last_heard = m->now;
	sa->expire = m->now + ENGINE_HALF_OPEN_MS;
	if (random_nonce(sa->nr, sa->nr_len) ||
	    dh_generate(&sa->dh, sa->ke_group)) {
		ikesa_kill(sa);
		goto out;
	}
	sa->have_dh = true;
	/* A bad public value: forget the SA, the peer will time out. */
	if (agree(sa, pke->ke) || respond(sa, pc)) {
		ikesa_kill(sa);
		goto out;
	}
	drop_dh(sa);
	sa->init_req = malloc(m->len);
	if (!sa->init_req) {
		ikesa_kill(sa);
		goto out;
	}
	memcpy(sa->init_req, m->buf, m->len);
	sa->init_req_len = m->len;
	ikesa_half_open(sa);
	sa->resp_next = 1;
out:
	free(pc);
}

static void response(struct engine *e, struct ikesa *sa,
		     const struct engine_msg *m)
{
	const struct ike_payload *psa, *pke, *pnr, *pl;
	const struct ike_notify *n;
	struct proposal_choice *pc;
	uint16_t g;

	if (sa->state != IKESA_INIT)
		return;
	pl = NULL;
	while ((pl = ike_chain_find(m->chain, IKE_PL_NOTIFY, pl))) {
		n = pl->notify;
		if (n->type == IKE_N_COOKIE ||
		    n->type == IKE_N_INVALID_KE_PAYLOAD) {
			if (++sa->init_retries > MAX_RETRIES) {
				ikesa_kill(sa);
				return;
			}
		}
		if (n->type == IKE_N_COOKIE) {
			if (n->len > sizeof(sa->cookie)) {
				ikesa_kill(sa);
				return;
			}
			memcpy(sa->cookie, n->data, n->len);
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
				ikesa_kill(sa);
				return;
			}
			sa->ke_group = g;
			sa->cookie_len = 0;
			if (ike_sa_init_start(sa, m->now))
				ikesa_kill(sa);
			return;
		}
		if (n->type < IKE_N_FIRST_STATUS) {
			/* NO_PROPOSAL_CHOSEN and the like: give up. */
			ikesa_kill(sa);
			return;
		}
	}

	psa = ike_chain_find(m->chain, IKE_PL_SA, NULL);
	pke = ike_chain_find(m->chain, IKE_PL_KE, NULL);
	pnr = ike_chain_find(m->chain, IKE_PL_NONCE, NULL);
	if (!psa || !pke || !pnr || m->hdr->spi_r == 0)
		return;		/* not a valid answer: keep waiting */
	pc = calloc(1, sizeof(*pc));
	if (!pc)
		return;
	if (proposal_check_reply(psa->sa, sa->conn->ike, sa->conn->n_ike,
				 IKE_PROTO_IKE, 0, pc) ||
	    pc->dh->id != sa->ke_group || pke->ke->group != sa->ke_group) {
		ikesa_kill(sa);
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
	memcpy(sa->nr, pnr->nonce->data, pnr->nonce->len);
	sa->nr_len = pnr->nonce->len;
	sa->init_resp = malloc(m->len);
	if (!sa->init_resp || agree(sa, pke->ke)) {
		ikesa_kill(sa);
		goto out;
	}
	drop_dh(sa);
	memcpy(sa->init_resp, m->buf, m->len);
	sa->init_resp_len = m->len;
	sa->last_heard = m->now;
	ikesa_request_done(sa);
	sa->state = IKESA_AUTH;
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
