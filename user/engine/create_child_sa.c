// SPDX-License-Identifier: GPL-2.0
/*
 * CREATE_CHILD_SA (RFC 7296 §1.3): more Child SAs, with a key exchange
 * when our ESP proposals name a DH group (PFS), and the rekeying of a
 * Child SA (REKEY_SA, §1.3.3), by either peer, with simultaneous rekeys
 * of one Child SA resolved by the nonces (§2.8.1). The engine's timers
 * start rekeys (engine.c), as many side by side as the peer's window
 * takes (window.h), each followed by the Delete of the SA it replaced;
 * a rekey the peer answers with CHILD_SA_NOT_FOUND makes a new Child SA
 * in place of the old one (recreate()). Rekeying the IKE SA is in
 * ike_rekey.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "crypto/random.h"
#include "engine/children.h"
#include "engine/create_child_sa.h"
#include "engine/exchange.h"
#include "engine/mif_path.h"
#include "engine/window.h"
#include "ike/delete.h"
#include "ike/ke.h"
#include "ike/nonce.h"
#include "ike/notify.h"
#include "ike/sa.h"
#include "ike/ts.h"

struct ccs_msg {
	struct ike_chain chain;
	struct ike_sa_payload sap;
	struct ike_ts tsi, tsr;
	struct ike_nonce nonce;
	struct ike_ke ke;
	struct ike_notify rekey, mode;
	struct mif_path_msg path;
	uint8_t nr[RANDOM_NONCE_LEN];
	struct dh dh;
};

static void put_spi(struct ike_notify *n, uint32_t spi)
{
	ikesa_notify(n, IKE_N_REKEY_SA, NULL, 0);
	n->protocol = IKE_PROTO_ESP;
	n->spi_size = 4;
	n->spi[0] = (uint8_t)(spi >> 24);
	n->spi[1] = (uint8_t)(spi >> 16);
	n->spi[2] = (uint8_t)(spi >> 8);
	n->spi[3] = (uint8_t)spi;
}

static uint32_t get_spi(const struct ike_notify *n)
{
	return (uint32_t)n->spi[0] << 24 | (uint32_t)n->spi[1] << 16 |
	       (uint32_t)n->spi[2] << 8 | n->spi[3];
}

static void ccs_request_free(struct ikesa *sa, struct request_state *st)
{
	struct ccs_request *cr = request_of(st, struct ccs_request, rs);

	request_children_free(sa, &cr->children);
	if (cr->standin) {
		childsa_uninstall(cr->standin, sa->engine);
		childsa_free(cr->standin);
	}
	if (cr->have_dh)
		dh_destroy(&cr->dh);
	gnutls_memset(cr, 0, sizeof(*cr));
	free(cr);
}

static const struct request_children *
ccs_request_children(const struct request_state *st)
{
	return &request_of(st, const struct ccs_request, rs)->children;
}

static const struct request_ops ccs_request_ops = {
	.free = ccs_request_free,
	.children = ccs_request_children,
};

struct ccs_request *create_child_sa_request(const struct ikesa *sa)
{
	struct request_state *st = request_get(sa, &ccs_request_ops);

	return st ? request_of(st, struct ccs_request, rs) : NULL;
}

bool create_child_sa_in_flight(const struct ikesa *sa)
{
	for (unsigned int k = 0; k <= sa->n_parked; k++)
		if (request_get_nth(sa, &ccs_request_ops, k))
			return true;
	return false;
}

/* Our Ni and, with PFS, our key pair, kept in cr for the answer. */
static int request_keying(struct ccs_request *cr, struct ccs_msg *cm,
			  uint16_t group)
{
	struct ike_error err;
	int ret;

	ret = random_nonce(cr->nonce, RANDOM_NONCE_LEN);
	if (ret)
		return ret;
	cr->nonce_len = RANDOM_NONCE_LEN;
	cm->nonce.data = cr->nonce;
	cm->nonce.len = cr->nonce_len;
	ike_chain_add(&cm->chain, IKE_PL_NONCE, &cm->nonce, &err);
	if (!group)
		return 0;
	ret = dh_generate(&cr->dh, group);
	if (ret)
		return ret;
	cr->have_dh = true;
	cm->ke.group = group;
	cm->ke.data = dh_public(&cr->dh, &cm->ke.len);
	return ike_chain_add(&cm->chain, IKE_PL_KE, &cm->ke, &err);
}

/* The first DH group of the ESP proposals of c's child. */
static uint16_t first_dh(const struct ikesa *sa, unsigned int child)
{
	struct conn_child own;
	const struct conn_child *t = conn_child(sa->conn, child, &own);

	return proposal_first_dh(t->esp, t->n_esp);
}

/* Whether the ESP proposals of the child name group g. */
static bool has_dh(const struct ikesa *sa, unsigned int child, uint16_t g)
{
	struct conn_child own;
	const struct conn_child *t = conn_child(sa->conn, child, &own);

	return proposal_has_dh(t->esp, t->n_esp, g);
}

/*
 * A new Child SA of the connection's child (children.h). tmpl: the one
 * whose child, reqid, traffic selectors and outer pair it takes (§2.8),
 * or NULL for new ones; rekey: it replaces tmpl (REKEY_SA). place: where
 * to put a new one (MIF), or NULL for the IKE SA's pair.
 */
static int start(struct ikesa *sa, const struct childsa *tmpl,
		 unsigned int child, bool rekey, const struct mif_place *place,
		 uint16_t group, uint64_t now)
{
	struct engine *e = sa->engine;
	struct ccs_msg *cm = calloc(1, sizeof(*cm));
	struct ccs_request *cr = calloc(1, sizeof(*cr));
	struct ike_error err;
	struct childsa *c;
	uint32_t reqid;
	int ret = -ENOMEM;

	if (!cm || !cr)
		goto out;
	/*
	 * A Child SA, new or rekeyed, may join others in flight (window.h):
	 * the request there makes way. Should this one not go, it comes
	 * back.
	 */
	ret = sa->req.active && !window_room(sa) ? -EBUSY : window_open(sa);
	if (ret)
		goto out;
	ret = -ENOMEM;
	cr->rs.ops = &ccs_request_ops;
	reqid = tmpl ? tmpl->reqid : ikesa_reqid(sa);
	c = reqid ? childsa_new(&sa->local, sa->local_port, &sa->remote,
				sa->remote_port, reqid) : NULL;
	if (!c)
		goto out;
	nat_child(sa, c);
	c->tmpl = tmpl ? tmpl->tmpl : child;
	if (tmpl) {
		/* The new SA carries the same traffic (§2.8). */
		c->n_local_ts = tmpl->n_local_ts;
		c->n_remote_ts = tmpl->n_remote_ts;
		memcpy(c->local_ts, tmpl->local_ts, sizeof(c->local_ts));
		memcpy(c->remote_ts, tmpl->remote_ts, sizeof(c->remote_ts));
		/* ...on the same pair; named again unless it is a rekey. */
		mif_path_inherit(c, tmpl, !rekey);
	} else if (place) {
		mif_path_bind(sa, c, place);
	}
	if (tmpl && rekey) {
		c->rekey_spi = tmpl->spi_in;
		put_spi(&cm->rekey, tmpl->spi_in);
		ike_chain_add(&cm->chain, IKE_PL_NOTIFY, &cm->rekey, &err);
	}
	ret = childsa_alloc_spi(c, e->backend);
	if (!ret)
		ret = request_keying(cr, cm, group);
	if (!ret) {
		child_request_payloads(sa, c, &cm->chain, &cm->sap, &cm->tsi,
				       &cm->tsr, &cm->mode, group);
		mif_path_add(c, &cm->path, &cm->chain);
		ret = ikesa_request(sa, now, IKE_EXCH_CREATE_CHILD_SA,
				    &cm->chain);
	}
	if (ret) {
		ikesa_request_done(sa);
		childsa_uninstall(c, e);
		childsa_free(c);
		goto out;
	}
	request_children_add(&cr->children, c);
	request_set(sa, &cr->rs);
	if (tmpl && rekey)
		request_count_rekey(sa, &cr->rs);
	sa->req.parallel = true;
	cr = NULL;
out:
	window_pop(sa);		/* made way for nothing: it comes back */
	if (cr)
		ccs_request_free(sa, &cr->rs);
	if (cm) {
		ike_chain_free(&cm->chain);
		ike_sa_payload_free(&cm->sap);
	}
	free(cm);
	return ret;
}

int create_child_sa_start(struct ikesa *sa, struct childsa *old,
			  uint64_t now)
{
	unsigned int child = old ? old->tmpl : 0;

	return start(sa, old, child, true, NULL, first_dh(sa, child), now);
}

int create_child_sa_new(struct ikesa *sa, unsigned int tmpl,
			const struct mif_place *place, uint64_t now)
{
	return start(sa, NULL, tmpl, false, place, first_dh(sa, tmpl), now);
}

static void respond_error(struct ikesa *sa, uint32_t id, uint16_t notify,
			  uint16_t group)
{
	uint8_t data[2] = { (uint8_t)(group >> 8), (uint8_t)group };

	if (notify == IKE_N_INVALID_KE_PAYLOAD)
		ikesa_respond_notify_data(sa, IKE_EXCH_CREATE_CHILD_SA, id,
					  notify, data, sizeof(data));
	else
		ikesa_respond_notify(sa, IKE_EXCH_CREATE_CHILD_SA, id, notify);
}

static void lower_nonce(const uint8_t *a, size_t alen, const uint8_t *b,
			size_t blen, const uint8_t **out, size_t *out_len)
{
	bool first = ike_nonce_cmp(a, alen, b, blen) < 0;

	*out = first ? a : b;
	*out_len = first ? alen : blen;
}

/*
 * A Child SA we have rekeyed already, or are deleting: a request to
 * rekey it gets TEMPORARY_FAILURE (§2.25).
 */
static bool closing(const struct ikesa *sa, const struct childsa *c)
{
	return c->replaced || informational_deletes(sa, c->spi_in);
}

/* Our request in flight that rekeys c, any of the window's, or NULL. */
static struct ccs_request *rekeying(const struct ikesa *sa,
				    const struct childsa *c)
{
	struct request_state *st;
	struct ccs_request *cr;

	for (unsigned int k = 0; k <= sa->n_parked; k++) {
		st = request_get_nth(sa, &ccs_request_ops, k);
		if (!st)
			continue;
		cr = request_of(st, struct ccs_request, rs);
		for (unsigned int i = 0; i < cr->children.n; i++)
			if (cr->children.c[i]->rekey_spi == c->spi_in)
				return cr;
	}
	return NULL;
}

/*
 * The peer's rekey of prev made c. The peer deletes prev; if our own
 * rekey of prev is in flight, remember this exchange's lower nonce for
 * when its answer comes (§2.8.1), which settles which of the two new SAs
 * replaces prev: that is reported then, once.
 */
static void peer_rekeyed(struct ikesa *sa, struct childsa *prev,
			 struct childsa *c, const struct child_nego *nego)
{
	const uint8_t *low;
	struct ccs_request *cr = rekeying(sa, prev);
	size_t len;

	prev->replaced = true;
	if (cr) {
		sa->engine->counts.child_rekey_collisions++;
		lower_nonce(nego->ni, nego->ni_len, nego->nr, nego->nr_len,
			    &low, &len);
		cr->coll_spi = c->spi_in;
		memcpy(cr->coll_nonce, low, len);
		cr->coll_nonce_len = len;
		return;
	}
	ikesa_child_rekeyed(sa, c, prev);
}

/*
 * After a collision, our rekey of old lost or failed: the SA the peer's
 * rekey made (spi_in coll) replaces old.
 */
static void peer_replaces(struct ikesa *sa, uint32_t coll,
			  const struct childsa *old)
{
	const struct childsa *c = coll ? ikesa_find_child(sa, coll, true) :
					 NULL;

	if (c && old)
		ikesa_child_rekeyed(sa, c, old);
}

void create_child_sa_deleted(struct ikesa *sa, const struct childsa *c)
{
	const struct ccs_request *cr = rekeying(sa, c);

	if (cr)
		peer_replaces(sa, cr->coll_spi, c);
}

/* Whether a request of ours below message ID before is in flight. */
static bool in_flight_below(const struct ikesa *sa, uint32_t before)
{
	const struct ikesa_request *r;

	for (unsigned int k = 0; k <= sa->n_parked; k++) {
		r = k ? &sa->parked[k - 1] : &sa->req;
		if (r->active && r->msg_id < before)
			return true;
	}
	return false;
}

/* Forget the Deletes that no request in flight can be of any more. */
static void deleted_ahead_expire(struct ikesa *sa)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < sa->n_del_ahead; i++)
		if (in_flight_below(sa, sa->del_ahead[i].before))
			sa->del_ahead[n++] = sa->del_ahead[i];
	sa->n_del_ahead = n;
	if (!n) {
		free(sa->del_ahead);
		sa->del_ahead = NULL;
	}
}

void create_child_sa_deleted_ahead(struct ikesa *sa, uint32_t spi)
{
	deleted_ahead_expire(sa);
	if (!create_child_sa_in_flight(sa) ||
	    sa->n_del_ahead == IKESA_DEL_AHEAD)
		return;
	if (!sa->del_ahead) {
		sa->del_ahead = calloc(IKESA_DEL_AHEAD, sizeof(*sa->del_ahead));
		/* Not remembered: the Child SA stays until it expires. */
		if (!sa->del_ahead)
			return;
	}
	sa->del_ahead[sa->n_del_ahead].spi = spi;
	sa->del_ahead[sa->n_del_ahead++].before = sa->req_next;
}

/*
 * Whether the peer deleted c, made by our request msg_id, before its
 * answer reached us (create_child_sa_deleted_ahead()).
 */
static bool deleted_ahead(const struct ikesa *sa, const struct childsa *c,
			  uint32_t msg_id)
{
	for (unsigned int i = 0; i < sa->n_del_ahead; i++)
		if (sa->del_ahead[i].spi == c->spi_out &&
		    msg_id < sa->del_ahead[i].before)
			return true;
	return false;
}

static void request(struct engine *e, struct ikesa *sa,
		    const struct engine_msg *m)
{
	const struct ike_payload *pni, *prekey;
	struct child_nego nego = { .pfs = true };
	struct proposal_choice pc;
	struct ccs_msg *cm;
	struct childsa *c = NULL;
	struct ike_error err;
	uint16_t notify = IKE_N_TEMPORARY_FAILURE;
	uint32_t id = m->hdr->msg_id;

	if (sa->state != IKESA_ESTABLISHED || sa->replaced) {
		/* Once rekeyed, an IKE SA only waits for its Delete. */
		respond_error(sa, id, IKE_N_TEMPORARY_FAILURE, 0);
		return;
	}
	if (ike_rekey_requested(m->chain)) {
		ike_rekey_request(e, sa, m);
		return;
	}
	if (ike_rekey_in_flight(sa)) {
		/* Our rekey of the IKE SA would leave it behind (§2.25.2). */
		respond_error(sa, id, IKE_N_TEMPORARY_FAILURE, 0);
		return;
	}
	pni = ike_chain_find(m->chain, IKE_PL_NONCE, NULL);
	if (!pni) {
		respond_error(sa, id, IKE_N_INVALID_SYNTAX, 0);
		return;
	}
	if (!ike_nonce_len_ok(pni->nonce->len, sa->ike.prf->key_len)) {
		engine_refused(e, sa->conn, &sa->remote, "CREATE_CHILD_SA: Ni "
			       "of %zu bytes, less than half the key of %s "
			       "(RFC 7296 2.10)", pni->nonce->len,
			       sa->ike.prf->name);
		respond_error(sa, id, IKE_N_INVALID_SYNTAX, 0);
		return;
	}
	prekey = ike_chain_find_notify(m->chain, IKE_N_REKEY_SA);
	if (prekey && (prekey->notify->protocol != IKE_PROTO_ESP ||
		       prekey->notify->spi_size != 4 ||
		       !ikesa_find_child(sa, get_spi(prekey->notify), false))) {
		respond_error(sa, id, IKE_N_CHILD_SA_NOT_FOUND, 0);
		return;
	}
	if (prekey)
		nego.prev = ikesa_find_child(sa, get_spi(prekey->notify),
					     false);
	if (nego.prev && closing(sa, nego.prev)) {
		respond_error(sa, id, IKE_N_TEMPORARY_FAILURE, 0);
		return;
	}
	cm = calloc(1, sizeof(*cm));
	if (!cm)
		return;
	nego.ni = pni->nonce->data;
	nego.ni_len = pni->nonce->len;
	nego.nr = cm->nr;
	nego.nr_len = sizeof(cm->nr);
	nego.dh = &cm->dh;
	nego.now = m->now;
	if (!random_nonce(cm->nr, sizeof(cm->nr)))
		c = child_respond(sa, m->chain, &nego, &pc, &notify);
	if (!c) {
		if (engine_notify_level(notify) <= ENGINE_LOG_NOTICE)
			engine_failed(sa->engine, sa, NULL, notify,
				      ENGINE_FAIL_SENT | ENGINE_FAIL_FINAL |
				      ENGINE_FAIL_CHILD, "CREATE_CHILD_SA: no "
				      "Child SA: sent %s%s",
				      ike_notify_name(notify), nego.why);
		respond_error(sa, id, notify, nego.want_group);
		goto out;
	}
	if (nego.prev)
		peer_rekeyed(sa, nego.prev, c, &nego);
	cm->nonce.data = cm->nr;
	cm->nonce.len = sizeof(cm->nr);
	ike_chain_add(&cm->chain, IKE_PL_NONCE, &cm->nonce, &err);
	if (nego.have_dh) {
		cm->ke.group = pc.dh->id;
		cm->ke.data = dh_public(&cm->dh, &cm->ke.len);
		ike_chain_add(&cm->chain, IKE_PL_KE, &cm->ke, &err);
	}
	child_response_payloads(c, &cm->chain, &cm->sap, &pc, &cm->tsi,
				&cm->tsr, &cm->mode);
	mif_path_add(c, &cm->path, &cm->chain);
	ikesa_respond(sa, IKE_EXCH_CREATE_CHILD_SA, id, &cm->chain);
out:
	if (nego.have_dh)
		dh_destroy(&cm->dh);
	ike_chain_free(&cm->chain);
	ike_sa_payload_free(&cm->sap);
	free(cm);
}

/*
 * After a rekey collision: whether the lowest of the four nonces is in
 * our exchange (nego), not in the peer's (cr->coll_nonce).
 */
static bool ours_redundant(const struct ccs_request *cr,
			   const struct child_nego *nego)
{
	const uint8_t *low;
	size_t len;

	lower_nonce(nego->ni, nego->ni_len, nego->nr, nego->nr_len, &low,
		    &len);
	return ike_nonce_cmp(low, len, cr->coll_nonce, cr->coll_nonce_len) < 0;
}

/*
 * Done with a stand-in (ccs_request's standin): drop its policy references
 * (after the new Child SA took them, or with nothing to take them).
 */
static void standin_done(struct ikesa *sa, struct childsa *standin)
{
	if (standin) {
		childsa_uninstall(standin, sa->engine);
		childsa_free(standin);
	}
}

/*
 * The peer knows nothing of old, which we asked to rekey with c
 * (§2.25): it deleted old without telling us, or never had it. Remove
 * old here too, and negotiate a new Child SA for its traffic without
 * REKEY_SA. c holds old's reqid and selectors; the new request takes
 * them from it before c goes. (Unless the peer has rekeyed old
 * meanwhile, old->replaced: its successor already carries the traffic.)
 *
 * old's SAs go at once, its policies only when the new Child SA has
 * taken them: old stays behind as the request's stand-in, so that its
 * traffic is dropped meanwhile, never sent in clear.
 */
static void recreate(struct ikesa *sa, struct childsa *old,
		     struct childsa *c, uint64_t now)
{
	struct engine *e = sa->engine;

	ikesa_take_child(sa, old, ENGINE_R_PEER);
	childsa_remove_sas(old, e);
	if (!start(sa, c, c->tmpl, false, NULL, first_dh(sa, c->tmpl), now)) {
		create_child_sa_request(sa)->standin = old;
		old = NULL;
	}
	standin_done(sa, old);
	childsa_uninstall(c, e);
	childsa_free(c);
}

/*
 * Our request for c failed with notify n: the peer's answer (from_peer),
 * or our verdict on an answer we cannot take.
 */
static void log_failed(struct ikesa *sa, const struct childsa *c,
		       uint16_t n, bool from_peer)
{
	struct conn_child own;
	const char *name = conn_child(sa->conn, c->tmpl, &own)->name;
	char what[48 + CONN_MAX_ID];
	int len;

	if (c->rekey_spi)
		len = snprintf(what, sizeof(what), "rekey of Child SA %08x",
			       c->rekey_spi);
	else
		len = snprintf(what, sizeof(what), "new Child SA");
	/* A connection with children says which one. */
	if (sa->conn->n_children && len > 0 && (size_t)len < sizeof(what))
		snprintf(what + len, sizeof(what) - (size_t)len,
			 " of child %s", name);
	/* The routine detours (engine_notify_level()) are no failure. */
	if (engine_notify_level(n) > ENGINE_LOG_NOTICE)
		engine_logf(sa->engine, engine_notify_level(n), sa,
			    from_peer ? "CREATE_CHILD_SA (%s) refused: "
			    "received %s" : "CREATE_CHILD_SA (%s): answer not "
			    "acceptable (%s)", what, ike_notify_name(n));
	else
		engine_failed(sa->engine, sa, NULL, n, ENGINE_FAIL_FINAL |
			      ENGINE_FAIL_CHILD, from_peer ?
			      "CREATE_CHILD_SA (%s) refused: received %s" :
			      "CREATE_CHILD_SA (%s): answer not acceptable "
			      "(%s)", what, ike_notify_name(n));
}

/*
 * The responder asks for another KE group (INVALID_KE_PAYLOAD, g) for
 * c, made by our request cr, whose KE was of group sent: ask again for
 * it with g, unless the peer has rekeyed it meanwhile; c goes. A
 * stand-in passes on to the new request, or is released.
 */
static void retry_group(struct ikesa *sa, struct ccs_request *cr,
			struct childsa *c, struct childsa *old, uint16_t g,
			uint16_t sent, const struct engine_msg *m)
{
	unsigned int child = c->tmpl;
	bool retry = g != sent && !(old && old->replaced) &&
		     has_dh(sa, c->tmpl, g);

	if (retry && cr->standin) {
		/* In place of the stand-in: c's reqid, selectors. */
		if (!start(sa, c, c->tmpl, false, NULL, g, m->now)) {
			create_child_sa_request(sa)->standin = cr->standin;
			cr->standin = NULL;
		}
		retry = false;
	}
	if (retry && !old) {
		/* A new one: c's child, selectors and outer pair. */
		start(sa, c, child, false, NULL, g, m->now);
		retry = false;
	}
	child_reject(sa, c, m->chain, m->now);
	peer_replaces(sa, cr->coll_spi, old);
	if (retry)
		start(sa, old, child, true, NULL, g, m->now);
}

/*
 * Delete c, which a rekey replaced or made redundant, beside the
 * requests still in flight (window.h). Without room there (a request
 * before them still unanswered holds the window, §2.3), the Delete is
 * owed: it goes with the others owed once there is room, and c stays
 * installed meanwhile, for what the peer still sends on it.
 */
static void delete_replaced(struct ikesa *sa, struct childsa *c,
			    uint64_t now)
{
	if (informational_start(sa, c, false, now) != -EBUSY)
		return;
	c->delete_owed = true;
	ikesa_touch(sa);	/* a deadline at once, once there is room */
}

bool create_child_sa_pay(struct ikesa *sa, uint64_t now)
{
	struct childsa *cs[IKE_DELETE_MAX_SPIS];
	unsigned int n = 0;
	int ret;

	if (!window_room(sa))
		return false;
	for (struct childsa *c = sa->children; c && n < IKE_DELETE_MAX_SPIS;
	     c = c->next)
		if (c->delete_owed)
			cs[n++] = c;
	if (!n)
		return false;
	ret = informational_delete_children(sa, cs, n, now);
	if (ret == -EBUSY)
		return false;
	/* Not sent otherwise: the peer learns from its own expiry. */
	for (unsigned int i = 0; i < n; i++)
		cs[i]->delete_owed = false;
	ikesa_touch(sa);
	return !ret;
}

/*
 * c, made by our request cr, has its answer n (0: installed, else the
 * error): keep it, or recreate, reject or delete what it stands for.
 * A rekey deletes old, the SA it replaces.
 */
static void settle(struct ikesa *sa, struct ccs_request *cr,
		   struct childsa *c, struct childsa *old, uint16_t n,
		   const struct child_nego *nego, const struct engine_msg *m)
{
	uint32_t coll = cr->coll_spi;
	bool gone;

	if (n && old && !old->replaced &&
	    ike_chain_find_notify(m->chain, IKE_N_CHILD_SA_NOT_FOUND)) {
		recreate(sa, old, c, m->now);
		return;
	}
	if (n) {
		child_reject(sa, c, m->chain, m->now);
		peer_replaces(sa, coll, old);
		return;
	}
	ikesa_add_child(sa, c);
	/*
	 * The peer deleted c already, its Delete overtaking this answer:
	 * c goes at once, without a Delete of ours (the peer has nothing
	 * left of it); old goes as after any rekey of ours. Kept, c would
	 * stay installed here alone until its lifetime ran out.
	 */
	gone = deleted_ahead(sa, c, m->hdr->msg_id);
	if (coll && ours_redundant(cr, nego)) {
		/*
		 * Both sides rekeyed old, and our exchange had the lowest
		 * nonce: our new SA is the redundant one, we delete it; the
		 * peer deletes old (§2.8.1).
		 */
		c->replaced = true;
		peer_replaces(sa, coll, old);
		if (gone)
			ikesa_del_child(sa, c, ENGINE_R_PEER);
		else
			delete_replaced(sa, c, m->now);
		return;
	}
	/* The initiator of a rekey deletes the old SA (§2.8). */
	if (old) {
		old->replaced = true;
		ikesa_child_rekeyed(sa, c, old);
		delete_replaced(sa, old, m->now);
	}
	if (gone)
		ikesa_del_child(sa, c, ENGINE_R_PEER);
}

static void response(struct engine *e, struct ikesa *sa,
		     const struct engine_msg *m)
{
	const struct ike_payload *pnr, *pinv;
	struct child_nego nego = { .pfs = true, .now = m->now };
	uint16_t n[REQUEST_MAX_CHILDREN];
	struct request_children *kids;
	struct request_state *st;
	struct ccs_request *cr;
	struct childsa *c;
	uint16_t sent, g;

	if (ike_rekey_in_flight(sa)) {
		ike_rekey_response(e, sa, m);
		return;
	}
	/*
	 * The request's Child SAs and stand-in are this handler's now:
	 * whoever ends this exchange releases them, or passes them on.
	 */
	st = request_take(sa, &ccs_request_ops);
	ikesa_request_done(sa);
	if (!st)
		return;
	cr = request_of(st, struct ccs_request, rs);
	kids = &cr->children;
	nego.ni = cr->nonce;
	nego.ni_len = cr->nonce_len;
	nego.dh = cr->have_dh ? &cr->dh : NULL;
	sent = cr->have_dh ? cr->dh.group->id : 0;
	pnr = ike_chain_find(m->chain, IKE_PL_NONCE, NULL);
	if (pnr && !ike_nonce_len_ok(pnr->nonce->len, sa->ike.prf->key_len)) {
		engine_refused(e, sa->conn, &sa->remote, "CREATE_CHILD_SA: Nr "
			       "of %zu bytes, less than half the key of %s "
			       "(RFC 7296 2.10)", pnr->nonce->len,
			       sa->ike.prf->name);
		pnr = NULL;	/* as if missing: the exchange fails */
	}
	if (pnr) {
		nego.nr = pnr->nonce->data;
		nego.nr_len = pnr->nonce->len;
	}
	for (unsigned int i = 0; i < kids->n; i++) {
		c = kids->c[i];
		nego.prev = c->rekey_spi ?
			    ikesa_find_child(sa, c->rekey_spi, true) : NULL;
		if (pnr) {
			n[i] = child_complete(sa, c, m->chain, &nego);
		} else {
			/* An error answer has no Nonce: the peer's notify. */
			n[i] = engine_error_notify(m->chain);
			if (!n[i])
				n[i] = IKE_N_INVALID_SYNTAX;
		}
		if (n[i])
			log_failed(sa, c, n[i],
				   engine_error_notify(m->chain) == n[i]);
	}
	pinv = ike_chain_find_notify(m->chain, IKE_N_INVALID_KE_PAYLOAD);
	if (pinv) {
		/* Once more with the group the responder asks for. */
		g = (uint16_t)(pinv->notify->data[0] << 8 |
			       pinv->notify->data[1]);
		for (unsigned int i = 0; i < kids->n; i++) {
			c = kids->c[i];
			retry_group(sa, cr, c, c->rekey_spi ?
				    ikesa_find_child(sa, c->rekey_spi, true) :
				    NULL, g, sent, m);
		}
	} else {
		/* c took the stand-in's policies, or failed: it goes. */
		standin_done(sa, cr->standin);
		cr->standin = NULL;
		for (unsigned int i = 0; i < kids->n; i++) {
			c = kids->c[i];
			settle(sa, cr, c, c->rekey_spi ?
			       ikesa_find_child(sa, c->rekey_spi, true) : NULL,
			       n[i], &nego, m);
		}
	}
	/* Every Child SA is in, or gone. */
	kids->n = 0;
	request_free(sa, st);
	deleted_ahead_expire(sa);
}

const struct exchange_ops xchg_create_child_sa = {
	.exchange = IKE_EXCH_CREATE_CHILD_SA,
	.request = request,
	.response = response,
};
