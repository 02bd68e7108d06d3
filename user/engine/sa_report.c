// SPDX-License-Identifier: GPL-2.0
/*
 * What the engine's caller sees of its SAs for reports and commands
 * (mifctl): views of them, the iterators that find them, and names and
 * texts made from engine internals (engine.h).
 */
#include <string.h>

#include "engine/children.h"
#include "engine/engine.h"
#include "engine/identity.h"
#include "engine/ike_sa.h"
#include "engine/mif.h"
#include "engine/mif_path.h"
#include "engine/nat.h"

_Static_assert(ENGINE_ID_TEXT_MAX >= IDENTITY_TEXT_MAX,
	       "an ID's text fits");

struct ikesa *engine_sa_next(const struct engine *e, const struct ikesa *sa)
{
	return sa ? sa->next : e->sas;
}

struct ikesa *engine_conn_sa_next(const struct engine *e, const struct conn *c,
				  const struct ikesa *sa)
{
	return sa ? conn_sas_next(&e->conn_sas, sa) :
		    conn_sas_first(&e->conn_sas, c);
}

const struct childsa *engine_child_next(const struct ikesa *sa,
					const struct childsa *c)
{
	return c ? c->next : sa->children;
}

static const char *xf_name(const struct transform *t)
{
	return t ? t->name : NULL;
}

static void mif_view(const struct ikesa *sa, struct engine_mif_view *v)
{
	const struct mif_sa *m = sa->mif_status == MIF_ON ? sa->mif : NULL;

	*v = (struct engine_mif_view){ .on = m != NULL };
	if (!m) {
		v->why = mif_status_name(sa->mif_status);
		return;
	}
	v->version = m->version;
	v->ours = m->sent ? m->ours : NULL;
	v->refused = m->refused;
	v->pending = m->pending || m->in_flight;
	v->peer = m->have_peer ? m->peer : NULL;
	v->n_alt_ours = m->alt.n_ours;
	v->n_alt_peer = m->alt.n_peer;
	v->n_failback = m->alt.n_failback;
}

bool engine_mif_alt(const struct ikesa *sa, bool ours, unsigned int i,
		    struct ip_addr *addr, struct ip_addr *alts,
		    unsigned int *n)
{
	const struct mif_alt_sa *as;
	const struct mif_alt_list *l;

	if (sa->mif_status != MIF_ON)
		return false;
	as = &sa->mif->alt;
	if (i >= (ours ? as->n_ours : as->n_peer))
		return false;
	l = ours ? &as->ours[i] : &as->peer[i];
	*addr = l->addr;
	*n = l->n;
	memcpy(alts, l->alts, l->n * sizeof(*alts));
	return true;
}

bool engine_mif_failback(const struct ikesa *sa, unsigned int i,
			 struct ip_addr *from, struct ip_addr *to, bool *back)
{
	const struct mif_failback *f;

	if (sa->mif_status != MIF_ON || i >= sa->mif->alt.n_failback)
		return false;
	f = &sa->mif->alt.failback[i];
	*from = f->from;
	*to = f->to;
	*back = f->back;
	return true;
}

void engine_ike_view(const struct ikesa *sa, struct engine_ike_view *v)
{
	*v = (struct engine_ike_view){
		.conn = sa->conn,
		.state = sa->state,
		.initiator = sa->initiator,
		.spi_i = sa->spi_i,
		.spi_r = sa->spi_r,
		.local = sa->local,
		.remote = sa->remote,
		.local_port = sa->local_port,
		.remote_port = sa->remote_port,
		.nat = nat_name(sa),
		.encr = xf_name(sa->ike.encr),
		.integ = xf_name(sa->ike.integ),
		.prf = xf_name(sa->ike.prf),
		.dh = xf_name(sa->ike.dh),
		.established_at = sa->established_at,
		.last_heard = sa->last_heard,
		.rekey_at = sa->rekey_at,
		.pool = sa->pool ? pool_name(sa->pool) : NULL,
		.n_vips = sa->n_vips,
		.vips = sa->vips,
		.mobike = sa->mobike.on,
		.n_mobike_peer = sa->mobike.n_peer,
		.mobike_peer = sa->mobike.peer,
	};
	mif_view(sa, &v->mif);
	for (const struct childsa *c = sa->children; c; c = c->next)
		v->n_installed += c->installed;
}

void engine_child_view(const struct ikesa *sa, const struct childsa *c,
		       struct engine_child_view *v)
{
	*v = (struct engine_child_view){
		.name = engine_child_name(sa, c),
		.ifname = engine_child_ifname(sa, c),
		.spi_in = c->spi_in,
		.spi_out = c->spi_out,
		.reqid = c->reqid,
		.mode = c->mode,
		.installed = c->installed,
		.local = c->local,
		.remote = c->remote,
		.local_iface = c->local_iface,
		.remote_iface = c->remote_iface,
		.encr = xf_name(c->encr),
		.integ = xf_name(c->integ),
		.esn = c->esn,
		.n_local_ts = c->n_local_ts,
		.n_remote_ts = c->n_remote_ts,
		.local_ts = c->local_ts,
		.remote_ts = c->remote_ts,
	};
}

void engine_sa_set_conn(struct ikesa *sa, const struct conn *c)
{
	ikesa_touch(sa);	/* its DPD and keepalive intervals */
	ikesa_set_conn(sa, c);
}

void engine_drop_sa(struct ikesa *sa, enum engine_reason why)
{
	ikesa_kill_why(sa, why);
}

const char *engine_child_name(const struct ikesa *sa,
			      const struct childsa *c)
{
	struct conn_child own;
	const struct conn_child *t = conn_child(sa->conn, c->tmpl, &own);

	/* own.name is the connection's name, which outlives the call. */
	return t->name;
}

const char *engine_child_ifname(const struct ikesa *sa,
				const struct childsa *c)
{
	return mif_path_ifname(sa, c);
}

const char *engine_local_id_text(const struct ikesa *sa, char *out,
				 size_t len)
{
	const struct conn_id *l = &sa->conn->local_id;

	if (!l->len)
		return NULL;
	return identity_text(l->type, l->data, l->len, out, len);
}

const char *engine_peer_id_text(const struct ikesa *sa, char *out,
				size_t len)
{
	if (!sa->peer_id || !sa->peer_id_len)
		return NULL;
	return identity_text(sa->peer_id[0], sa->peer_id + 1,
			     sa->peer_id_len - 1, out, len);
}

unsigned int engine_n_established(const struct engine *e)
{
	/* Counted as they come and go (ike_sa.c): no walk per loop pass. */
	return e->n_established;
}
