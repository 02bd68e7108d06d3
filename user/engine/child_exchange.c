// SPDX-License-Identifier: GPL-2.0
/*
 * Child SA negotiation, shared by IKE_AUTH and CREATE_CHILD_SA: the SA,
 * TSi, TSr payloads and the USE_TRANSPORT_MODE notify (RFC 7296 §1.3,
 * §2.9, §3.13).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "engine/cfg.h"
#include "engine/children.h"
#include "engine/exchange.h"
#include "engine/mif.h"
#include "engine/mif_path.h"
#include "engine/selector.h"
#include "engine/window.h"
#include "ike/notify.h"
#include "ike/sa.h"
#include "ike/ts.h"

static void spi_bytes(uint32_t spi, uint8_t out[4])
{
	out[0] = (uint8_t)(spi >> 24);
	out[1] = (uint8_t)(spi >> 16);
	out[2] = (uint8_t)(spi >> 8);
	out[3] = (uint8_t)spi;
}

static void fill_ts(struct ike_ts *ts, struct ike_selector *s,
		    unsigned int n)
{
	ts->n = n;
	ts->sel = s;
}

int child_request_payloads(struct ikesa *sa, struct childsa *c,
			   struct ike_chain *chain, struct ike_sa_payload *sap,
			   struct ike_ts *tsi, struct ike_ts *tsr,
			   struct ike_notify *mode, uint16_t dh_group)
{
	struct conn_child own;
	const struct conn_child *t = conn_child(sa->conn, c->tmpl, &own);
	struct ike_error err;
	uint8_t spi[4];

	spi_bytes(c->spi_in, spi);
	c->mode = t->mode;
	if (!c->n_local_ts || !c->n_remote_ts) {
		c->n_local_ts = t->n_local_ts;
		c->n_remote_ts = t->n_remote_ts;
		memcpy(c->local_ts, t->local_ts, sizeof(c->local_ts));
		memcpy(c->remote_ts, t->remote_ts, sizeof(c->remote_ts));
		/* No local_ts: our inner addresses (cfg.h), if we ask. */
		if (!c->n_local_ts)
			c->n_local_ts = cfg_local_ts(sa, c->local_ts,
						     CONN_MAX_TS);
	}
	c->lifetime_s = t->lifetime_s;

	if (t->mode == KERNEL_MODE_TRANSPORT) {
		ikesa_notify(mode, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
		ike_chain_add(chain, IKE_PL_NOTIFY, mode, &err);
	}
	if (proposal_offer(sap, t->esp, t->n_esp, IKE_PROTO_ESP, spi,
			   4, dh_group))
		return -ENOMEM;
	fill_ts(tsi, c->local_ts, c->n_local_ts);
	fill_ts(tsr, c->remote_ts, c->n_remote_ts);
	ike_chain_add(chain, IKE_PL_SA, sap, &err);
	ike_chain_add(chain, IKE_PL_TSI, tsi, &err);
	return ike_chain_add(chain, IKE_PL_TSR, tsr, &err);
}

/*
 * Keys (with the PFS shared secret, if the choice holds a group) and
 * installation. peer: the other side's KE payload. -EBADMSG: its value
 * is not acceptable.
 */
static int derive_install(struct ikesa *sa, struct childsa *c,
			  const struct proposal_choice *pc, bool initiator,
			  const struct child_nego *nego,
			  const struct ike_ke *peer)
{
	uint8_t g_ir[DH_SHARED_MAX];
	size_t g_len = 0;
	struct child_keys k;
	int ret = 0;

	if (pc->dh) {
		g_len = dh_shared_len(nego->dh);
		if (dh_shared(nego->dh, peer->data, peer->len, g_ir))
			ret = -EBADMSG;
	}
	if (!ret)
		ret = child_keys_derive(&k, &sa->keys, pc->encr, pc->integ,
					g_len ? g_ir : NULL, g_len,
					nego->ni, nego->ni_len,
					nego->nr, nego->nr_len);
	gnutls_memset(g_ir, 0, sizeof(g_ir));
	if (ret)
		return ret;
	ret = childsa_install(c, sa->engine, pc, &k, initiator);
	child_keys_destroy(&k);
	return ret;
}

/*
 * A rekey replaces prev (NULL: not a rekey) with c for the same traffic
 * (RFC 7296 §2.9.2), in the same mode: what the two sides would install
 * otherwise differs from what both believe is protected.
 */
static bool same_traffic(const struct childsa *h, const struct childsa *c)
{
	return !h || (h->mode == c->mode &&
		      ts_sels_in(c->local_ts, c->n_local_ts, h->local_ts,
			      h->n_local_ts) &&
		      ts_sels_in(h->local_ts, h->n_local_ts, c->local_ts,
			      c->n_local_ts) &&
		      ts_sels_in(c->remote_ts, c->n_remote_ts, h->remote_ts,
			      h->n_remote_ts) &&
		      ts_sels_in(h->remote_ts, h->n_remote_ts, c->remote_ts,
			      c->n_remote_ts));
}

/*
 * Responder: the key exchange the choice asks for. Returns 0 or the
 * notify to answer with.
 */
static uint16_t respond_ke(const struct proposal_choice *pc,
			   const struct ike_payload *pke,
			   struct child_nego *nego)
{
	if (!pc->dh)
		return 0;
	if (!pke || pke->ke->group != pc->dh->id) {
		nego->want_group = pc->dh->id;
		return IKE_N_INVALID_KE_PAYLOAD;
	}
	if (dh_generate(nego->dh, pc->dh->id))
		return IKE_N_TEMPORARY_FAILURE;
	nego->have_dh = true;
	return 0;
}

/* Why an ESP offer was refused: what it held, and what we take. */
static void offer_refused(struct child_nego *nego,
			  const struct ike_sa_payload *offer,
			  const struct conn_child *t)
{
	char peer[96], ours[96];

	snprintf(nego->why, sizeof(nego->why), "; peer offered %s, we "
		 "accept %s", engine_offer_text(offer, peer, sizeof(peer)),
		 engine_conf_proposals_text(t->esp, t->n_esp, ours,
					    sizeof(ours)));
}

/*
 * Responder: the child a request is for, or -1 with nego->why set. A
 * rekey keeps the child of the SA it replaces. With one child, a
 * request that fits it in part only is left to the narrowing, which
 * says which side did not fit. pair: the selectors of the request's MIF
 * path (ours, the peer's), which a transport-mode child carries, or NULL.
 */
static int choose_child(const struct conn *conn, const struct ike_chain *req,
			const struct ike_payload *ptsi,
			const struct ike_payload *ptsr, struct child_nego *nego,
			const struct ike_selector *pair)
{
	bool transport = ike_chain_find_notify(req, IKE_N_USE_TRANSPORT_MODE) !=
			 NULL;
	int i;

	if (nego->prev)
		return (int)nego->prev->tmpl;
	i = children_match(conn, ptsi->ts, ptsr->ts, transport, pair);
	if (i < 0 && conn_n_children(conn) == 1)
		return 0;
	if (i < 0)
		snprintf(nego->why, sizeof(nego->why), "; the peer's TSi and "
			 "TSr fit none of our %u children", conn->n_children);
	return i;
}

/*
 * IKE_AUTH's Child SA placed on an interface (MIF_CHILD_PATH): how many
 * interfaces the peer will place Child SAs on, those it announced up
 * with an address of the IKE SA's family, for cfg_narrow_tsi(); else 0.
 */
static unsigned int auth_ifaces(const struct ikesa *sa,
				const struct childsa *c,
				const struct child_nego *nego)
{
	const struct mif_interfaces *m;
	unsigned int n = 0;

	if (!nego->auth || !c->has_path || !sa->mif || !sa->mif->have_peer)
		return 0;
	m = sa->mif->peer;
	for (unsigned int i = 0; i < m->n; i++)
		n += !(m->iface[i].flags & MIF_IFACE_DOWN) &&
		     (sa->remote.family == AF_INET6 ? m->iface[i].n6 :
						      m->iface[i].n4);
	return n;
}

struct childsa *child_respond(struct ikesa *sa, const struct ike_chain *req,
			      struct child_nego *nego,
			      struct proposal_choice *pc, uint16_t *notify)
{
	const struct ike_payload *psa, *ptsi, *ptsr, *pke;
	const struct ike_selector *mine_l, *mine_r;
	struct ike_selector pair[2];
	const struct conn_child *t;
	struct conn_child own;
	unsigned int n_l, n_r;
	bool leased = false, transport;
	struct childsa *c;
	uint16_t ke_group;
	uint32_t reqid;
	int ret, tmpl;

	psa = ike_chain_find(req, IKE_PL_SA, NULL);
	ptsi = ike_chain_find(req, IKE_PL_TSI, NULL);
	ptsr = ike_chain_find(req, IKE_PL_TSR, NULL);
	if (!psa || !ptsi || !ptsr) {
		*notify = IKE_N_INVALID_SYNTAX;
		return NULL;
	}
	reqid = nego->prev ? nego->prev->reqid : ikesa_reqid(sa);
	if (!reqid) {
		*notify = IKE_N_NO_ADDITIONAL_SAS;
		return NULL;
	}
	c = childsa_new(&sa->local, sa->local_port, &sa->remote,
			sa->remote_port, reqid);
	if (!c) {
		*notify = IKE_N_TEMPORARY_FAILURE;
		return NULL;
	}
	nat_child(sa, c);
	/* Its outer pair: a rekey keeps it, a new one may name it (MIF). */
	if (nego->prev) {
		mif_path_inherit(c, nego->prev, false);
	} else if (mif_path_request(sa, req, c)) {
		childsa_free(c);
		*notify = IKE_N_MIF_UNACCEPTABLE_PATH;
		return NULL;
	}
	/* In transport mode on a path, the pair's traffic (use case 3). */
	if (c->has_path)
		mif_path_pair_ts(c, &pair[0], &pair[1]);
	tmpl = choose_child(sa->conn, req, ptsi, ptsr, nego,
			    c->has_path ? pair : NULL);
	if (tmpl < 0) {
		childsa_free(c);
		*notify = IKE_N_TS_UNACCEPTABLE;
		return NULL;
	}
	t = conn_child(sa->conn, (unsigned int)tmpl, &own);
	c->tmpl = (unsigned int)tmpl;
	pke = nego->pfs ? ike_chain_find(req, IKE_PL_KE, NULL) : NULL;
	ke_group = !nego->pfs ? PROPOSAL_NO_DH : pke ? pke->ke->group : 0;
	if (proposal_select(psa->sa, t->esp, t->n_esp, IKE_PROTO_ESP,
			    ke_group, pc)) {
		childsa_free(c);
		*notify = IKE_N_NO_PROPOSAL_CHOSEN;
		offer_refused(nego, psa->sa, t);
		return NULL;
	}
	transport = t->mode == KERNEL_MODE_TRANSPORT &&
		    ike_chain_find_notify(req, IKE_N_USE_TRANSPORT_MODE);
	mine_l = t->local_ts;
	mine_r = t->remote_ts;
	n_l = t->n_local_ts;
	n_r = t->n_remote_ts;
	if (transport && c->has_path) {
		mine_l = &pair[0];
		mine_r = &pair[1];
		n_l = n_r = 1;
	}
	c->n_remote_ts = ts_narrow(ptsi->ts, mine_r, n_r, c->remote_ts,
				   CONN_MAX_TS);
	/* Only the addresses leased to the peer, if it has a pool. */
	if (c->n_remote_ts) {
		c->n_remote_ts = cfg_narrow_tsi(sa, c->remote_ts,
						c->n_remote_ts,
						auth_ifaces(sa, c, nego));
		leased = !c->n_remote_ts;
	}
	c->n_local_ts = ts_narrow(ptsr->ts, mine_l, n_l, c->local_ts,
				  CONN_MAX_TS);
	if (leased) {
		snprintf(nego->why, sizeof(nego->why), "; the peer's TSi "
			 "holds none of the inner addresses leased to it");
		childsa_free(c);
		*notify = IKE_N_TS_UNACCEPTABLE;
		return NULL;
	}
	if (!c->n_remote_ts || !c->n_local_ts) {
		snprintf(nego->why, sizeof(nego->why), "; the peer's %s fit "
			 "none of our %s", !c->n_remote_ts ? "TSi" : "TSr",
			 !c->n_remote_ts ? "remote_ts" : "local_ts");
		childsa_free(c);
		*notify = IKE_N_TS_UNACCEPTABLE;
		return NULL;
	}
	/* Port ranges the kernel takes in few policies (selector.h). */
	for (unsigned int i = 0; i < c->n_remote_ts; i++)
		sel_ports_narrow(&c->remote_ts[i]);
	for (unsigned int i = 0; i < c->n_local_ts; i++)
		sel_ports_narrow(&c->local_ts[i]);
	c->mode = transport ? KERNEL_MODE_TRANSPORT : KERNEL_MODE_TUNNEL;
	if (!same_traffic(nego->prev, c)) {
		childsa_free(c);
		*notify = IKE_N_TS_UNACCEPTABLE;
		return NULL;
	}
	c->lifetime_s = t->lifetime_s;
	*notify = respond_ke(pc, pke, nego);
	if (*notify) {
		childsa_free(c);
		return NULL;
	}
	ret = childsa_alloc_spi(c, sa->engine->backend);
	if (!ret)
		ret = derive_install(sa, c, pc, false, nego,
				     pke ? pke->ke : NULL);
	if (ret) {
		childsa_uninstall(c, sa->engine);
		childsa_free(c);
		*notify = ret == -EBADMSG ? IKE_N_INVALID_SYNTAX :
					    IKE_N_TEMPORARY_FAILURE;
		return NULL;
	}
	ikesa_add_child(sa, c);
	childsa_timers(c, nego->now, sa->conn->rekey_jitter, false);
	return c;
}

int child_response_payloads(struct childsa *c, struct ike_chain *chain,
			    struct ike_sa_payload *sap,
			    const struct proposal_choice *pc,
			    struct ike_ts *tsi, struct ike_ts *tsr,
			    struct ike_notify *mode)
{
	struct ike_error err;
	uint8_t spi[4];

	if (c->mode == KERNEL_MODE_TRANSPORT) {
		ikesa_notify(mode, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
		ike_chain_add(chain, IKE_PL_NOTIFY, mode, &err);
	}
	spi_bytes(c->spi_in, spi);
	if (proposal_reply(sap, pc, spi, 4))
		return -ENOMEM;
	fill_ts(tsi, c->remote_ts, c->n_remote_ts);
	fill_ts(tsr, c->local_ts, c->n_local_ts);
	ike_chain_add(chain, IKE_PL_SA, sap, &err);
	ike_chain_add(chain, IKE_PL_TSI, tsi, &err);
	return ike_chain_add(chain, IKE_PL_TSR, tsr, &err);
}

uint16_t child_complete(struct ikesa *sa, struct childsa *c,
			const struct ike_chain *resp,
			const struct child_nego *nego)
{
	const struct ike_payload *psa, *ptsi, *ptsr, *pke;
	struct conn_child own;
	const struct conn_child *t = conn_child(sa->conn, c->tmpl, &own);
	struct proposal_choice pc;
	uint16_t n = engine_error_notify(resp);

	if (n)
		return n;
	psa = ike_chain_find(resp, IKE_PL_SA, NULL);
	ptsi = ike_chain_find(resp, IKE_PL_TSI, NULL);
	ptsr = ike_chain_find(resp, IKE_PL_TSR, NULL);
	if (!psa || !ptsi || !ptsr)
		return IKE_N_INVALID_SYNTAX;
	/* The pair it goes on: the one named, if echoed (MIF). */
	n = mif_path_response(sa, c, resp);
	if (n)
		return n;
	if (proposal_check_reply(psa->sa, t->esp, t->n_esp, IKE_PROTO_ESP,
				 nego->pfs ? 0 : PROPOSAL_NO_DH, &pc))
		return IKE_N_NO_PROPOSAL_CHOSEN;
	/* A group must be the one of the KE payload we sent. */
	pke = ike_chain_find(resp, IKE_PL_KE, NULL);
	if (pc.dh && (!nego->dh || nego->dh->group != pc.dh ||
		      !pke || pke->ke->group != pc.dh->id))
		return IKE_N_INVALID_KE_PAYLOAD;
	/* The responder may only narrow what we asked for. */
	if (!ts_within(ptsi->ts, c->local_ts, c->n_local_ts) ||
	    !ts_within(ptsr->ts, c->remote_ts, c->n_remote_ts))
		return IKE_N_TS_UNACCEPTABLE;
	/* Nor a port range the kernel would need too many policies for. */
	for (unsigned int i = 0; i < ptsi->ts->n; i++)
		if (!sel_ports_fit(&ptsi->ts->sel[i]))
			return IKE_N_TS_UNACCEPTABLE;
	for (unsigned int i = 0; i < ptsr->ts->n; i++)
		if (!sel_ports_fit(&ptsr->ts->sel[i]))
			return IKE_N_TS_UNACCEPTABLE;
	c->n_local_ts = ptsi->ts->n;
	memcpy(c->local_ts, ptsi->ts->sel,
	       ptsi->ts->n * sizeof(c->local_ts[0]));
	c->n_remote_ts = ptsr->ts->n;
	memcpy(c->remote_ts, ptsr->ts->sel,
	       ptsr->ts->n * sizeof(c->remote_ts[0]));
	c->mode = KERNEL_MODE_TUNNEL;
	if (ike_chain_find_notify(resp, IKE_N_USE_TRANSPORT_MODE)) {
		if (t->mode != KERNEL_MODE_TRANSPORT)
			return IKE_N_NO_PROPOSAL_CHOSEN;
		c->mode = KERNEL_MODE_TRANSPORT;
	}
	if (!same_traffic(nego->prev, c))
		return IKE_N_TS_UNACCEPTABLE;
	if (derive_install(sa, c, &pc, true, nego, pke ? pke->ke : NULL))
		return IKE_N_TEMPORARY_FAILURE;
	childsa_timers(c, nego->now, sa->conn->rekey_jitter, true);
	return 0;
}

void child_reject(struct ikesa *sa, struct childsa *c,
		  const struct ike_chain *resp, uint64_t now)
{
	bool made = ike_chain_find(resp, IKE_PL_SA, NULL) &&
		    sa->state == IKESA_ESTABLISHED;

	/* Beside the others in flight (window.h), or once they are done. */
	if (made && window_room(sa))
		informational_start(sa, c, false, now);
	else if (made)
		ikesa_queue_delete(sa, c->spi_in, now);
	childsa_uninstall(c, sa->engine);
	childsa_free(c);
}
