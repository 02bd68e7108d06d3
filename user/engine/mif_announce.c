// SPDX-License-Identifier: GPL-2.0
/*
 * MIF interface announcements (docs/protocol/mif.md, MIF_INTERFACES):
 * the list a connection announces, built from the engine's interface
 * table; the peer's list, taken or refused whole; and the INFORMATIONAL
 * request that announces ours again whenever it changes, at most once
 * per MIF_ANNOUNCE_INTERVAL_MS per IKE SA, changes in between coalesced.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/mif.h"
#include "engine/mif_add.h"
#include "engine/notify_table.h"
#include "ike/constants.h"

_Static_assert(IFACE_MAX <= MIF_MAX_IFACES, "a table fits a list");
_Static_assert(IFACE_MAX_ADDRS <= MIF_MAX_ADDRS, "addresses fit an entry");

/* Whether a of family (MIF_AF_*) is already somewhere in the list. */
static bool listed(const struct mif_interfaces *m, uint8_t family,
		   const uint8_t *a)
{
	for (unsigned int i = 0; i < m->n; i++)
		if (mif_iface_has_addr(&m->iface[i], family, a))
			return true;
	return false;
}

/* The usable addresses of ifc not listed yet, into f. */
static void add_addrs(struct mif_interfaces *m, struct mif_iface *f,
		      const struct iface *ifc)
{
	for (unsigned int i = 0; i < ifc->n_v4; i++) {
		const uint8_t *a = ifc->v4[i].bytes;

		if (mif_addr_usable(MIF_AF_IPV4, a) &&
		    !listed(m, MIF_AF_IPV4, a) &&
		    !mif_iface_has_addr(f, MIF_AF_IPV4, a))
			memcpy(f->addr4[f->n4++], a, 4);
	}
	for (unsigned int i = 0; i < ifc->n_v6; i++) {
		const uint8_t *a = ifc->v6[i].bytes;

		if (mif_addr_usable(MIF_AF_IPV6, a) &&
		    !listed(m, MIF_AF_IPV6, a) &&
		    !mif_iface_has_addr(f, MIF_AF_IPV6, a))
			memcpy(f->addr6[f->n6++], a, 16);
	}
}

void mif_local_list(const struct engine *e, const struct conn *c,
		    struct mif_interfaces *out)
{
	const struct iface_table *t = &e->ifaces;

	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < t->n && out->n < MIF_MAX_IFACES; i++) {
		const struct iface *ifc = &t->ifaces[i];
		int prio = iface_pattern_priority(c->ifaces, c->n_ifaces,
						  ifc->name);
		struct mif_iface *f;

		if (prio == IFACE_PRIO_NONE)
			continue;
		/* Not in out->n yet: its own addresses are checked apart. */
		f = &out->iface[out->n];
		f->id = ifc->id;
		f->prio = (uint8_t)prio;
		f->flags = ifc->up ? 0 : MIF_IFACE_DOWN;
		add_addrs(out, f, ifc);
		out->n++;
	}
}

int mif_add_ours(struct ikesa *sa, struct mif_payloads *p,
		 struct ike_chain *out, uint64_t now)
{
	struct mif_sa *m = sa->mif;
	struct mif_interfaces *l = malloc(sizeof(*l));
	struct ike_error err = { .reason = NULL };

	if (l)
		mif_local_list(sa->engine, sa->conn, l);
	ike_writer_init(&p->w);
	if (!l || mif_list_set(&m->ours, l) ||
	    mif_interfaces_build(&p->w, m->ours, &err) ||
	    !ike_writer_ok(&p->w)) {
		free(l);
		engine_logf(sa->engine, ENGINE_LOG_ERR, sa, "MIF_INTERFACES: "
			    "cannot build our list: %s", err.reason ?
			    err.reason : "out of memory");
		ike_writer_free(&p->w);
		m->sent = false;
		return -1;
	}
	free(l);
	ikesa_notify(&p->ifaces, IKE_N_MIF_INTERFACES, p->w.p, p->w.len);
	ike_chain_add(out, IKE_PL_NOTIFY, &p->ifaces, &err);
	m->sent = true;
	m->refused = false;
	m->pending = false;
	m->sent_at = now;
	return 0;
}

int mif_take_peer(struct ikesa *sa, const struct ike_notify *n,
		  const char *where)
{
	struct mif_interfaces *l = malloc(sizeof(*l));
	struct ike_error err;

	if (!l) {
		engine_logf(sa->engine, ENGINE_LOG_ERR, sa, "%s: "
			    "MIF_INTERFACES ignored: out of memory", where);
		return 0;
	}
	if (mif_interfaces_parse(l, n->data, n->len, &err)) {
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "%s: the "
			    "peer's MIF_INTERFACES refused (%s)", where,
			    err.reason);
		free(l);
		return -1;
	}
	if (mif_list_set(&sa->mif->peer, l)) {
		engine_logf(sa->engine, ENGINE_LOG_ERR, sa, "%s: "
			    "MIF_INTERFACES ignored: out of memory", where);
		free(l);
		return 0;
	}
	sa->mif->have_peer = true;
	mif_alt_peer_announced(sa);
	engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "%s: the peer "
		    "announces %u interfaces", where, l->n);
	free(l);
	return 0;
}

void mif_add_invalid(struct mif_payloads *p, struct ike_chain *out)
{
	struct ike_error err;

	ikesa_notify(&p->invalid, IKE_N_MIF_INVALID_INTERFACES, NULL, 0);
	ike_chain_add(out, IKE_PL_NOTIFY, &p->invalid, &err);
}

void mif_refused(struct ikesa *sa, const char *where)
{
	engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "%s: the peer "
		    "refused our MIF_INTERFACES (MIF_INVALID_INTERFACES)",
		    where);
	sa->mif->refused = true;
}

/* Whether sa announces its list, now or later (MIF on or offered). */
static bool announcing(const struct ikesa *sa)
{
	return sa->mif && sa->state != IKESA_DEAD && !sa->replaced;
}

void mif_ifaces_changed(struct engine *e)
{
	struct mif_interfaces *l = malloc(sizeof(*l));

	if (!l)
		return;
	for (struct ikesa *sa = e->sas; sa; sa = sa->next) {
		if (!announcing(sa) || sa->mif->pending)
			continue;
		mif_local_list(e, sa->conn, l);
		if (!mif_list_equal(l, sa->mif->ours))
			sa->mif->pending = true;
	}
	free(l);
}

uint64_t mif_announce_deadline(const struct ikesa *sa)
{
	if (mif_add_due(sa))
		return 1;	/* at once */
	if (sa->mif_status != MIF_ON || !sa->mif->pending ||
	    sa->state != IKESA_ESTABLISHED || sa->replaced || sa->req.active)
		return 0;
	return sa->mif->sent_at + MIF_ANNOUNCE_INTERVAL_MS;
}

bool mif_announce_tick(struct ikesa *sa, uint64_t now)
{
	uint64_t due = mif_announce_deadline(sa);
	struct mif_interfaces *now_l, *old;
	struct mif_payloads *p;
	struct ike_chain *chain;
	bool sent = false;

	/* A new interface to add announces itself: first. */
	if (mif_add_due(sa))
		return mif_add_tick(sa, now);
	if (!due || now < due)
		return false;
	/* Changed back meanwhile: nothing to say. */
	now_l = malloc(sizeof(*now_l));
	if (now_l)
		mif_local_list(sa->engine, sa->conn, now_l);
	if (now_l && mif_list_equal(now_l, sa->mif->ours) &&
	    !sa->mif->refused) {
		free(now_l);
		sa->mif->pending = false;
		return false;
	}
	free(now_l);
	/* mif_add_ours() replaces ours: kept to restore if not sent. */
	old = sa->mif->ours;
	sa->mif->ours = mif_list_dup(old);
	if (!sa->mif->ours) {
		sa->mif->ours = old;
		sa->mif->sent_at = now;
		return false;
	}
	p = calloc(1, sizeof(*p));
	chain = calloc(1, sizeof(*chain));
	if (p && chain && !mif_add_ours(sa, p, chain, now) &&
	    !ikesa_request(sa, now, IKE_EXCH_INFORMATIONAL, chain)) {
		sa->mif->in_flight = true;
		sa->mif->msg_id = sa->req.msg_id;
		sent = true;
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "announcing %u "
			    "interfaces (INFORMATIONAL)", sa->mif->ours->n);
		free(old);
	} else {
		/* Not sent: try again after the interval. */
		free(sa->mif->ours);
		sa->mif->ours = old;
		sa->mif->pending = true;
		sa->mif->sent_at = now;
	}
	if (chain)
		ike_chain_free(chain);
	free(chain);
	if (p)
		mif_payloads_free(p);
	free(p);
	return sent;
}

/* INFORMATIONAL request: the peer's new list, or a refusal. */
static void interfaces_request(struct notify_ctx *ctx,
			       const struct ike_notify *n)
{
	struct ikesa *sa = ctx->sa;

	if (sa->mif_status != MIF_ON) {
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "INFORMATIONAL: "
			    "MIF_INTERFACES without MIF negotiated: ignored");
		return;
	}
	if (mif_take_peer(sa, n, "INFORMATIONAL"))
		mif_add_invalid(ctx->mif, ctx->out);
}

const struct notify_entry notify_mif_interfaces = {
	.type = IKE_N_MIF_INTERFACES,
	.where = NOTIFY_IN_AUTH_REQ | NOTIFY_IN_AUTH_RESP |
		 NOTIFY_IN_INFO_REQ,
	.handle = interfaces_request,
};

/* Whether our INFORMATIONAL request in flight carries our list. */
static bool announced(const struct ikesa *sa)
{
	return sa->mif && sa->mif->in_flight &&
	       sa->mif->msg_id == sa->req.msg_id;
}

/* INFORMATIONAL response: the peer refuses the list we announced. */
static void invalid_response(struct notify_ctx *ctx,
			     const struct ike_notify *n)
{
	struct ikesa *sa = ctx->sa;

	if (announced(sa))
		mif_refused(sa, "INFORMATIONAL");
	else
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "INFORMATIONAL: "
			    "MIF_INVALID_INTERFACES answers no announcement: "
			    "ignored");
}

const struct notify_entry notify_mif_invalid_interfaces = {
	.type = IKE_N_MIF_INVALID_INTERFACES,
	.where = NOTIFY_IN_AUTH_RESP | NOTIFY_IN_INFO_RESP,
	.informs = true,
	.handle = invalid_response,
};

void mif_info_response(struct ikesa *sa)
{
	if (announced(sa))
		sa->mif->in_flight = false;
}
