// SPDX-License-Identifier: GPL-2.0
/*
 * IKE_AUTH (RFC 7296 §1.2): identities, authentication, and the first
 * Child SA.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "engine/auth_sig.h"
#include "engine/auth_method.h"
#include "engine/cfg.h"
#include "engine/children.h"
#include "engine/exchange.h"
#include "engine/identity.h"
#include "engine/mif.h"
#include "engine/mif_path.h"
#include "engine/proposal.h"
#include "engine/window.h"
#include "ike/auth.h"
#include "ike/id.h"
#include "ike/notify.h"
#include "ike/sa.h"
#include "ike/ts.h"

/* The payloads of one IKE_AUTH message we send. */
struct auth_msg {
	struct ike_chain chain;
	struct ike_sa_payload sap;
	struct ike_ts tsi, tsr;
	struct ike_id id, peer_id;
	struct ike_auth auth;
	struct ike_notify mode, err, contact;
	uint8_t id_body[4 + CONN_MAX_ID];
	uint8_t auth_data[AUTH_DATA_MAX];
	struct sig_payloads sig;	/* CERT, CERTREQ */
	struct mif_payloads mif;	/* MIF_SUPPORTED, MIF_INTERFACES */
	struct cfg_payload cfg;		/* CP: inner addresses */
	struct mif_path_msg path;	/* MIF_CHILD_PATH */
	struct mobike_payloads mobike;	/* MOBIKE_SUPPORTED, addresses */
	struct window_payload window;	/* SET_WINDOW_SIZE */
};

/* Our IKE_AUTH request: the Child SAs it creates. */
struct auth_request {
	struct request_state rs;
	struct request_children children;
};

static void auth_request_free(struct ikesa *sa, struct request_state *st)
{
	struct auth_request *ar = request_of(st, struct auth_request, rs);

	request_children_free(sa, &ar->children);
	free(ar);
}

static const struct request_children *
auth_request_children(const struct request_state *st)
{
	return &request_of(st, const struct auth_request, rs)->children;
}

static const struct request_ops auth_request_ops = {
	.free = auth_request_free,
	.children = auth_request_children,
};

static const struct auth_method *our_method(const struct ikesa *sa)
{
	return auth_method_find(sa->conn->auth_method ? sa->conn->auth_method :
				IKE_AUTH_SHARED_KEY_MIC);
}

/*
 * AUTH over one side's signed octets: "initiator" names the side as in
 * auth_signed_octets(). verify: check data, else sign into data.
 */
static int auth_compute(struct ikesa *sa, bool initiator, bool verify,
			const uint8_t *id_body, size_t id_len,
			uint8_t *data, size_t *data_len)
{
	const struct auth_method *am = our_method(sa);
	uint8_t *octets = NULL;
	size_t olen = 0;
	int ret;

	if (!am)
		return -EINVAL;
	ret = auth_signed_octets(&sa->keys, initiator,
				 initiator ? sa->init_req : sa->init_resp,
				 initiator ? sa->init_req_len :
					     sa->init_resp_len,
				 initiator ? sa->nr : sa->ni,
				 initiator ? sa->nr_len : sa->ni_len,
				 id_body, id_len, &octets, &olen);
	if (ret)
		return ret;
	if (verify)
		ret = am->verify(sa, octets, olen, data, *data_len);
	else
		ret = am->sign(sa, octets, olen, data, data_len);
	auth_octets_free(octets, olen);
	return ret;
}

/* Our ID and AUTH payloads, first in the chain. */
static int add_id_auth(struct ikesa *sa, struct auth_msg *am)
{
	const struct conn *c = sa->conn;
	struct ike_error err;
	size_t len = sizeof(am->auth_data);
	size_t id_len;

	id_len = ikesa_id_body(&c->local_id, am->id_body,
			       sizeof(am->id_body));
	if (!id_len || !c->local_id.len)
		return -EINVAL;
	am->id.type = c->local_id.type;
	am->id.data = c->local_id.data;
	am->id.len = c->local_id.len;
	if (auth_compute(sa, sa->initiator, false, am->id_body, id_len,
			 am->auth_data, &len))
		return -EINVAL;
	am->auth.method = our_method(sa)->method;
	am->auth.data = am->auth_data;
	am->auth.len = len;
	ike_chain_add(&am->chain, sa->initiator ? IKE_PL_IDI : IKE_PL_IDR,
		      &am->id, &err);
	auth_sig_add_payloads(c, IKE_EXCH_IKE_AUTH, sa->initiator, &am->chain,
			      &am->sig);
	/* The ID we want of the responder, unless it names no one. */
	if (sa->initiator && c->remote_id.len &&
	    !identity_is_wildcard(&c->remote_id)) {
		am->peer_id.type = c->remote_id.type;
		am->peer_id.data = c->remote_id.data;
		am->peer_id.len = c->remote_id.len;
		ike_chain_add(&am->chain, IKE_PL_IDR, &am->peer_id, &err);
	}
	return ike_chain_add(&am->chain, IKE_PL_AUTH, &am->auth, &err);
}

static void wipe_free(struct auth_msg *am)
{
	gnutls_memset(am->auth_data, 0, sizeof(am->auth_data));
	ike_chain_free(&am->chain);
	ike_sa_payload_free(&am->sap);
	mif_payloads_free(&am->mif);
	free(am);
}

int ike_auth_start(struct ikesa *sa, uint64_t now)
{
	struct engine *e = sa->engine;
	struct auth_msg *am = calloc(1, sizeof(*am));
	struct auth_request *ar = calloc(1, sizeof(*ar));
	struct ike_error err;
	struct childsa *c;
	int ret = -ENOMEM;

	if (!am || !ar)
		goto out;
	ar->rs.ops = &auth_request_ops;
	c = childsa_new(&sa->local, sa->local_port, &sa->remote,
			sa->remote_port, ikesa_reqid(sa));	/* the first */
	if (!c)
		goto out;
	nat_child(sa, c);
	request_children_add(&ar->children, c);
	c->tmpl = children_start(sa);
	mif_path_auth_bind(sa, c);
	ret = childsa_alloc_spi(c, e->backend);
	if (ret)
		goto out;
	ret = add_id_auth(sa, am);
	if (ret)
		goto out;
	/* No other IKE SA with the peer: it may forget any it has (§2.4). */
	if (unique_initial_contact(sa)) {
		ikesa_notify(&am->contact, IKE_N_INITIAL_CONTACT, NULL, 0);
		ike_chain_add(&am->chain, IKE_PL_NOTIFY, &am->contact, &err);
	}
	cfg_request(sa, &am->cfg, &am->chain);
	child_request_payloads(sa, c, &am->chain, &am->sap, &am->tsi,
			       &am->tsr, &am->mode, PROPOSAL_NO_DH);
	mif_auth_offer(sa, &am->mif, &am->chain, now);
	mobike_auth_offer(sa, &am->mobike, &am->chain);
	window_offer(sa, &am->window, &am->chain);
	mif_path_add(c, &am->path, &am->chain);
	ret = ikesa_request(sa, now, IKE_EXCH_IKE_AUTH, &am->chain);
	if (!ret) {
		request_set(sa, &ar->rs);
		ar = NULL;
	}
out:
	if (ar)
		auth_request_free(sa, &ar->rs);
	if (am)
		wipe_free(am);
	return ret;
}

/*
 * Check the peer's ID and AUTH payloads: NULL when they are good, else
 * why not ("the initiator's ..." follows), in why.
 */
static const char *peer_check(struct ikesa *sa, const struct ike_chain *ch,
			      char *why, size_t len)
{
	const struct conn_id *want = &sa->conn->remote_id;
	const struct ike_payload *pid, *pauth;
	char got[IDENTITY_TEXT_MAX], id[IDENTITY_TEXT_MAX];
	size_t alen;

	pid = ike_chain_find(ch, sa->initiator ? IKE_PL_IDR : IKE_PL_IDI,
			     NULL);
	pauth = ike_chain_find(ch, IKE_PL_AUTH, NULL);
	if (!pid || !pauth)
		return "message has no ID or no AUTH payload";
	if (!engine_id_matches(want, pid->id)) {
		snprintf(why, len, "ID %s is not remote_id %s",
			 identity_text(pid->id->type, pid->id->data,
				       pid->id->len, got, sizeof(got)),
			 identity_text(want->type, want->data, want->len,
				       id, sizeof(id)));
		return why;
	}
	if (sig_method(pauth->auth->method))
		return auth_sig_peer_authentic(sa, ch, pid, pauth, why, len) ?
		       NULL : why;
	if (!our_method(sa) || pauth->auth->method != our_method(sa)->method) {
		snprintf(why, len, "AUTH method %u is not ours",
			 pauth->auth->method);
		return why;
	}
	alen = pauth->auth->len;
	if (auth_compute(sa, !sa->initiator, true, pid->body, pid->body_len,
			 (uint8_t *)pauth->auth->data, &alen))
		return "AUTH does not verify: the pre-shared keys differ";
	return NULL;
}

/*
 * Authenticated: note the peer's ID for the uniqueness checks
 * (unique.c). Without memory for it, sa stays out of them.
 */
static void authenticated(struct ikesa *sa, const struct ike_chain *ch)
{
	const struct ike_payload *pid;

	pid = ike_chain_find(ch, sa->initiator ? IKE_PL_IDR : IKE_PL_IDI,
			     NULL);
	if (pid)
		ikesa_set_peer_id(sa, pid->id->type, pid->id->data,
				  pid->id->len);
}

static bool initial_contact(const struct ike_chain *ch)
{
	return ike_chain_find_notify(ch, IKE_N_INITIAL_CONTACT) != NULL;
}

/*
 * AUTH is done and the first Child SAs keyed: the IKE_SA_INIT messages
 * and the nonces are needed no more.
 */
static void done_init(struct ikesa *sa)
{
	free(sa->init_req);
	free(sa->init_resp);
	sa->init_req = sa->init_resp = NULL;
	sa->init_req_len = sa->init_resp_len = 0;
	ikesa_drop_nonces(sa);
}

/*
 * Whether the peer's AUTH method m is one conn c can check: a signature
 * with c's trusted CAs (whatever c's own method, conn.h), a shared key
 * when c's own method is one.
 */
static bool peer_method_ok(const struct conn *c, uint8_t m)
{
	if (sig_method(m))
		return c->sig_creds && c->sig_creds->trust;
	return m == IKE_AUTH_SHARED_KEY_MIC && !sig_method(c->auth_method);
}

/*
 * Whether conn c could take the peer's IKE_AUTH request: it holds the
 * IKE proposal chosen in IKE_SA_INIT, its remote ID matches IDi, its
 * local ID matches IDr (if the peer sent one), and it can check the
 * peer's AUTH method.
 */
static bool conn_fits(const struct ikesa *sa, const struct conn *c,
		      const struct ike_payload *pidi,
		      const struct ike_payload *pidr,
		      const struct ike_payload *pauth)
{
	if (!proposal_contains(&sa->ike.prop, c->ike, c->n_ike, IKE_PROTO_IKE,
			       sa->ike.dh->id))
		return false;
	if (!engine_id_matches(&c->remote_id, pidi->id))
		return false;
	if (pidr && (!c->local_id.len ||
		     !engine_id_matches(&c->local_id, pidr->id)))
		return false;
	return peer_method_ok(c, pauth->auth->method);
}

/*
 * Responder: the connection for the peer's IKE_AUTH request, which may
 * be another than the one IKE_SA_INIT was matched with (several peers
 * behind one address, peers told apart by the ID they ask for or by how
 * they authenticate). Of the connections for the addresses that fit
 * (conn_fits), one naming the peer's ID beats one taking any ID; then
 * the most specific addresses, then the first configured. NULL: none.
 */
static const struct conn *select_conn(struct engine *e, struct ikesa *sa,
				      const struct ike_chain *ch)
{
	const struct ike_payload *pidi = ike_chain_find(ch, IKE_PL_IDI, NULL);
	const struct ike_payload *pidr = ike_chain_find(ch, IKE_PL_IDR, NULL);
	const struct ike_payload *pauth = ike_chain_find(ch, IKE_PL_AUTH,
							 NULL);
	const struct conn *c, *best = NULL;
	struct engine_match it = { 0 };

	if (!pidi || !pauth)
		return NULL;
	while ((c = engine_match_next(e, &sa->local, &sa->remote, &it))) {
		if (!conn_fits(sa, c, pidi, pidr, pauth))
			continue;
		if (c->remote_id.len)
			return c;
		if (!best)
			best = c;
	}
	return best;
}

/* Why no connection takes an IKE_AUTH request: its IDs, named. */
static const char *no_conn_why(const struct ike_chain *ch, char *why,
			       size_t len)
{
	const struct ike_payload *pidi = ike_chain_find(ch, IKE_PL_IDI, NULL);
	const struct ike_payload *pidr = ike_chain_find(ch, IKE_PL_IDR, NULL);
	char idi[IDENTITY_TEXT_MAX], idr[IDENTITY_TEXT_MAX] = "";

	if (!pidi || !ike_chain_find(ch, IKE_PL_AUTH, NULL))
		return "message has no ID or no AUTH payload";
	if (pidr)
		identity_text(pidr->id->type, pidr->id->data, pidr->id->len,
			      idr, sizeof(idr));
	snprintf(why, len, "ID %s%s%s and AUTH method fit no connection "
		 "(remote_id, local_id, auth)",
		 identity_text(pidi->id->type, pidi->id->data, pidi->id->len,
			       idi, sizeof(idi)),
		 pidr ? ", the ID it asks of us " : "", idr);
	return why;
}

static void request(struct engine *e, struct ikesa *sa,
		    const struct engine_msg *m)
{
	struct child_nego nego = {
		.ni = sa->ni, .ni_len = sa->ni_len,
		.nr = sa->nr, .nr_len = sa->nr_len, .now = m->now,
		.auth = true,
	};
	struct proposal_choice pc;
	const struct conn *conn;
	struct auth_msg *am;
	struct childsa *c;
	struct ike_error err;
	uint16_t notify = 0;
	uint32_t id = m->hdr->msg_id;
	const char *bad;
	char why[2 * IDENTITY_TEXT_MAX + 64];
	bool log;

	if (sa->initiator || sa->state != IKESA_AUTH || id != 1) {
		ikesa_respond_notify(sa, IKE_EXCH_IKE_AUTH, id,
				     IKE_N_INVALID_SYNTAX);
		return;
	}
	conn = select_conn(e, sa, m->chain);
	if (conn)
		ikesa_set_conn(sa, conn);
	bad = conn ? peer_check(sa, m->chain, why, sizeof(why)) :
		     no_conn_why(m->chain, why, sizeof(why));
	if (bad) {
		engine_failed(e, sa, NULL, IKE_N_AUTHENTICATION_FAILED,
			      ENGINE_FAIL_SENT | ENGINE_FAIL_FINAL,
			      "IKE_AUTH: the initiator's %s", bad);
		ikesa_respond_notify(sa, IKE_EXCH_IKE_AUTH, id,
				     IKE_N_AUTHENTICATION_FAILED);
		ikesa_kill(sa);
		return;
	}
	authenticated(sa, m->chain);
	if (id_cap_reached(sa, initial_contact(m->chain), m->now, &log)) {
		if (log)
			engine_failed(e, sa, NULL, IKE_N_AUTHENTICATION_FAILED,
				      ENGINE_FAIL_SENT | ENGINE_FAIL_FINAL,
				      "IKE_AUTH: the initiator's identities "
				      "hold max_ike_sas_per_id = %u IKE SAs "
				      "already", e->max_ike_sas_per_id);
		ikesa_respond_notify(sa, IKE_EXCH_IKE_AUTH, id,
				     IKE_N_AUTHENTICATION_FAILED);
		ikesa_kill(sa);
		return;
	}
	am = calloc(1, sizeof(*am));
	if (!am || add_id_auth(sa, am)) {
		ikesa_respond_notify(sa, IKE_EXCH_IKE_AUTH, id,
				     IKE_N_AUTHENTICATION_FAILED);
		ikesa_kill(sa);
		if (am)
			wipe_free(am);
		return;
	}
	mif_auth_request(sa, m->chain, &am->mif, &am->chain, m->now);
	mobike_auth_request(sa, m->chain, &am->mobike, &am->chain);
	window_offer(sa, &am->window, &am->chain);
	ikesa_established(sa, m->now, NULL);
	/* No inner address to give: no Child SA, the IKE SA stands. */
	notify = cfg_respond(sa, m->chain, &am->cfg, &am->chain);
	c = notify ? NULL : child_respond(sa, m->chain, &nego, &pc, &notify);
	if (c) {
		child_response_payloads(c, &am->chain, &am->sap, &pc,
					&am->tsi, &am->tsr, &am->mode);
		mif_path_add(c, &am->path, &am->chain);
	} else {
		engine_failed(e, sa, NULL, notify, ENGINE_FAIL_SENT |
			      ENGINE_FAIL_FINAL | ENGINE_FAIL_CHILD,
			      "IKE_AUTH: no Child SA: sent %s%s",
			      ike_notify_name(notify), nego.why);
		ikesa_notify(&am->err, notify, NULL, 0);
		ike_chain_add(&am->chain, IKE_PL_NOTIFY, &am->err, &err);
	}
	if (ikesa_respond(sa, IKE_EXCH_IKE_AUTH, id, &am->chain))
		ikesa_kill_why(sa, ENGINE_R_LOCAL);
	else
		/* The Child SA is in: older IKE SAs may go. */
		unique_settle(sa, initial_contact(m->chain), m->now);
	done_init(sa);
	wipe_free(am);
}

/*
 * Initiator: install c, one of the Child SAs of our IKE_AUTH request,
 * from the response; or, if it cannot be had, log why and drop it. The
 * IKE SA stands either way.
 */
static void child_answered(struct ikesa *sa, struct childsa *c,
			   const struct engine_msg *m)
{
	struct child_nego nego = {
		.ni = sa->ni, .ni_len = sa->ni_len,
		.nr = sa->nr, .nr_len = sa->nr_len, .now = m->now,
	};
	struct conn_child own;
	uint16_t n;

	n = child_complete(sa, c, m->chain, &nego);
	if (!n) {
		ikesa_add_child(sa, c);
		return;
	}
	/* The connection's other children follow all the same. */
	engine_failed(sa->engine, sa, NULL, n, ENGINE_FAIL_FINAL |
		      ENGINE_FAIL_CHILD, "IKE_AUTH: no Child SA: %s %s%s%s",
		      engine_error_notify(m->chain) == n ? "received" :
		      "answer not acceptable,", ike_notify_name(n),
		      sa->conn->n_children ? " for child " : "",
		      sa->conn->n_children ?
		      conn_child(sa->conn, c->tmpl, &own)->name : "");
	child_reject(sa, c, m->chain, m->now);
}

static void response(struct engine *e, struct ikesa *sa,
		     const struct engine_msg *m)
{
	struct request_children kids;
	struct auth_request *ar;
	struct request_state *st;
	char why[2 * IDENTITY_TEXT_MAX + 64];
	const char *bad;
	uint16_t n;

	st = request_get(sa, &auth_request_ops);
	if (!sa->initiator || sa->state != IKESA_AUTH || !st)
		return;
	ar = request_of(st, struct auth_request, rs);
	n = engine_error_notify(m->chain);
	if (!ike_chain_find(m->chain, IKE_PL_AUTH, NULL) ||
	    n == IKE_N_AUTHENTICATION_FAILED) {
		/* The responder refused us: nothing to wait for. */
		engine_failed(e, sa, NULL, n, ENGINE_FAIL_FINAL,
			      "IKE_AUTH refused: received %s%s",
			      n ? ike_notify_name(n) : "no AUTH payload",
			      n == IKE_N_AUTHENTICATION_FAILED ?
			      ": the peer does not accept our ID or AUTH "
			      "(pre-shared key, certificate)" : "");
		ikesa_kill(sa);
		return;
	}
	bad = peer_check(sa, m->chain, why, sizeof(why));
	if (bad) {
		/*
		 * A responder we cannot trust. Its answer is in, so the
		 * error goes in an INFORMATIONAL request of its own
		 * (§2.21.2); the IKE SA goes without waiting for the reply.
		 */
		engine_failed(e, sa, NULL, IKE_N_AUTHENTICATION_FAILED,
			      ENGINE_FAIL_SENT | ENGINE_FAIL_FINAL,
			      "IKE_AUTH: the responder's %s, not acceptable: "
			      "sending AUTHENTICATION_FAILED", bad);
		ikesa_request_done(sa);
		informational_notify(sa, IKE_N_AUTHENTICATION_FAILED);
		ikesa_kill(sa);
		return;
	}
	/* The Child SAs are this handler's now. */
	request_children_take(&ar->children, &kids);
	ikesa_request_done(sa);
	authenticated(sa, m->chain);
	mif_auth_response(sa, m->chain);
	mobike_auth_response(sa, m->chain);
	cfg_response(sa, m->chain);
	ikesa_established(sa, m->now, NULL);
	for (unsigned int i = 0; i < kids.n; i++)
		child_answered(sa, kids.c[i], m);
	done_init(sa);
	/* Its Child SAs are in (or not to be had): older IKE SAs may go. */
	unique_settle(sa, initial_contact(m->chain), m->now);
	/* The Child SAs on the other interfaces follow (MIF). */
	mif_path_queue(sa);
}

const struct exchange_ops xchg_ike_auth = {
	.exchange = IKE_EXCH_IKE_AUTH,
	.request = request,
	.response = response,
};
