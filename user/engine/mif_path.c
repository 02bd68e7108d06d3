// SPDX-License-Identifier: GPL-2.0
/*
 * Per-Child SA outer addresses (docs/protocol/mif.md, MIF_CHILD_PATH):
 * the placement of a connection's children on the interfaces of both
 * peers, the path a requester names, and the responder's rules.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cfg.h"
#include "engine/children.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/mif.h"
#include "engine/mif_path.h"
#include "engine/notify_table.h"
#include "ike/constants.h"

/* Read by the Child SA negotiation below (child_exchange.c). */
const struct notify_entry notify_mif_child_path = {
	.type = IKE_N_MIF_CHILD_PATH,
	.where = NOTIFY_IN_AUTH_REQ | NOTIFY_IN_AUTH_RESP |
		 NOTIFY_IN_CHILD_REQ | NOTIFY_IN_CHILD_RESP,
};

/* The responder's refusal of a path: the Child SA fails. */
const struct notify_entry notify_mif_unacceptable_path = {
	.type = IKE_N_MIF_UNACCEPTABLE_PATH,
	.where = NOTIFY_IN_AUTH_RESP | NOTIFY_IN_CHILD_RESP,
};

static uint8_t mif_family(int family)
{
	return family == AF_INET6 ? MIF_AF_IPV6 : MIF_AF_IPV4;
}

static void path_addr(struct ip_addr *a, uint8_t family, const uint8_t *b)
{
	ip_addr_from_bytes(a, b, mif_addr_len(family));
}

/* One interface as a candidate for a rank: its address, priority, id. */
struct cand {
	int prio;
	uint16_t id;
	int ifindex;
	struct ip_addr addr;
};

/* Higher priority first, then the lower id (mif.md). */
static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->prio != y->prio)
		return x->prio > y->prio ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* The address to use of an interface's list: want if listed, else the first. */
static bool pick_addr(const struct ip_addr *list, unsigned int n,
		      const struct ip_addr *want, struct ip_addr *out)
{
	for (unsigned int i = 0; i < n; i++)
		if (ip_addr_equal(&list[i], want)) {
			*out = list[i];
			return true;
		}
	for (unsigned int i = 0; i < n; i++)
		if (mif_addr_usable(mif_family(list[i].family),
				    list[i].bytes)) {
			*out = list[i];
			return true;
		}
	return false;
}

/* Our usable interfaces for sa, best first. */
static unsigned int local_cands(const struct ikesa *sa, struct cand *out)
{
	const struct iface_table *t = &sa->engine->ifaces;
	const struct conn *conn = sa->conn;
	bool v6 = sa->local.family == AF_INET6;
	unsigned int n = 0;

	for (unsigned int i = 0; i < t->n && n < MIF_PLACES_MAX; i++) {
		const struct iface *f = &t->ifaces[i];
		int prio = iface_pattern_priority(conn->ifaces, conn->n_ifaces,
						  f->name);

		if (prio == IFACE_PRIO_NONE || !f->up)
			continue;
		if (!pick_addr(v6 ? f->v6 : f->v4, v6 ? f->n_v6 : f->n_v4,
			       &sa->local, &out[n].addr))
			continue;
		out[n].prio = prio;
		out[n].id = f->id;
		out[n].ifindex = f->ifindex;
		n++;
	}
	qsort(out, n, sizeof(*out), cand_cmp);
	return n;
}

/* The peer's announced interfaces, up with an address, best first. */
static unsigned int peer_cands(const struct ikesa *sa, struct cand *out)
{
	const struct mif_interfaces *m = sa->mif->peer;
	uint8_t fam = mif_family(sa->remote.family);
	unsigned int n = 0;

	if (!sa->mif->have_peer)
		return 0;
	for (unsigned int i = 0; i < m->n; i++) {
		const struct mif_iface *f = &m->iface[i];
		unsigned int na = fam == MIF_AF_IPV6 ? f->n6 : f->n4;
		struct ip_addr list[MIF_MAX_ADDRS];

		if (f->flags & MIF_IFACE_DOWN || !na)
			continue;
		for (unsigned int j = 0; j < na; j++)
			path_addr(&list[j], fam, fam == MIF_AF_IPV6 ?
				  f->addr6[j] : f->addr4[j]);
		if (!pick_addr(list, na, &sa->remote, &out[n].addr))
			continue;
		out[n].prio = f->prio;
		out[n].id = f->id;
		out[n].ifindex = 0;
		n++;
	}
	qsort(out, n, sizeof(*out), cand_cmp);
	return n;
}

unsigned int mif_path_places(const struct ikesa *sa, struct mif_place *out,
			     unsigned int max)
{
	struct cand mine[MIF_PLACES_MAX], theirs[MIF_MAX_IFACES];
	unsigned int nl, np, n;

	if (!sa->conn->per_interface || sa->mif_status != MIF_ON || !sa->mif)
		return 0;
	nl = local_cands(sa, mine);
	np = peer_cands(sa, theirs);
	n = nl < max ? nl : max;
	for (unsigned int i = 0; i < n; i++) {
		struct mif_place *p = &out[i];

		memset(p, 0, sizeof(*p));
		p->local = mine[i].addr;
		p->local_id = mine[i].id;
		p->ifindex = mine[i].ifindex;
		if (np) {
			const struct cand *r = &theirs[i < np ? i : 0];

			p->remote = r->addr;
			p->remote_id = r->id;
		} else {
			p->remote = sa->remote;
		}
	}
	return n;
}

static void set_path(struct childsa *c)
{
	struct mif_child_path *p = &c->path;

	memset(p, 0, sizeof(*p));
	p->req_id = c->local_iface;
	p->resp_id = c->remote_iface;
	p->family = mif_family(c->local.family);
	memcpy(p->req_addr, c->local.bytes, ip_addr_len(&c->local));
	memcpy(p->resp_addr, c->remote.bytes, ip_addr_len(&c->remote));
	c->has_path = true;
}

/* Transport mode: the traffic is that of the pair itself (use case 3). */
static void host_sel(struct ike_selector *s, const struct ip_addr *a)
{
	size_t len = ip_addr_len(a);

	memset(s, 0, sizeof(*s));
	s->type = a->family == AF_INET6 ? IKE_TS_IPV6_ADDR_RANGE :
					  IKE_TS_IPV4_ADDR_RANGE;
	s->end_port = 65535;
	memcpy(s->start, a->bytes, len);
	memcpy(s->end, a->bytes, len);
}

static void pair_selectors(const struct ikesa *sa, struct childsa *c)
{
	struct conn_child own;

	if (conn_child(sa->conn, c->tmpl, &own)->mode !=
	    KERNEL_MODE_TRANSPORT)
		return;
	c->n_local_ts = c->n_remote_ts = 1;
	host_sel(&c->local_ts[0], &c->local);
	host_sel(&c->remote_ts[0], &c->remote);
}

/*
 * Tunnel mode, no local_ts, inner addresses: the Child SA on placement k
 * carries the inner addresses of rank k (mif.md, "Inner addresses"), or
 * all of them when a family has fewer or more addresses than placements.
 */
static void rank_selectors(const struct ikesa *sa, struct childsa *c,
			   const struct mif_place *p)
{
	struct conn_child own;
	const struct conn_child *t = conn_child(sa->conn, c->tmpl, &own);
	unsigned int n;

	if (t->mode != KERNEL_MODE_TUNNEL || t->n_local_ts || !sa->mif ||
	    p < sa->mif->places || p >= sa->mif->places + sa->mif->n_places)
		return;
	n = cfg_rank_ts(sa, (unsigned int)(p - sa->mif->places),
			sa->mif->n_places, c->local_ts, CONN_MAX_TS);
	if (!n)
		return;
	c->n_local_ts = n;
	c->n_remote_ts = t->n_remote_ts;
	memcpy(c->remote_ts, t->remote_ts, sizeof(c->remote_ts));
}

void mif_path_bind(struct ikesa *sa, struct childsa *c,
		   const struct mif_place *p)
{
	c->local = p->local;
	c->remote = p->remote;
	c->local_iface = p->local_id;
	c->remote_iface = p->remote_id;
	c->ifindex = p->ifindex;
	set_path(c);
	pair_selectors(sa, c);
	rank_selectors(sa, c, p);
}

void mif_path_auth_bind(struct ikesa *sa, struct childsa *c)
{
	const struct iface *f;

	if (!sa->conn->mif || !sa->conn->per_interface)
		return;
	f = engine_iface_by_addr(sa->engine, &sa->local);
	if (!f || iface_pattern_priority(sa->conn->ifaces, sa->conn->n_ifaces,
					 f->name) == IFACE_PRIO_NONE)
		return;
	c->local_iface = f->id;
	c->remote_iface = 0;
	c->ifindex = f->ifindex;
	set_path(c);
	pair_selectors(sa, c);
}

void mif_path_inherit(struct childsa *c, const struct childsa *old,
		      bool name)
{
	c->local = old->local;
	c->remote = old->remote;
	c->local_port = old->local_port;
	c->remote_port = old->remote_port;
	c->encap = old->encap;
	c->local_iface = old->local_iface;
	c->remote_iface = old->remote_iface;
	c->ifindex = old->ifindex;
	c->has_path = false;
	memset(&c->path, 0, sizeof(c->path));
	if (name && old->has_path)
		set_path(c);
}

int mif_path_add(const struct childsa *c, struct mif_path_msg *m,
		 struct ike_chain *out)
{
	struct ike_writer w;
	struct ike_error err;
	int ret = -1;

	if (!c->has_path)
		return 0;
	ike_writer_init(&w);
	if (!mif_child_path_build(&w, &c->path, &err) && ike_writer_ok(&w) &&
	    w.len <= sizeof(m->data)) {
		memcpy(m->data, w.p, w.len);
		ikesa_notify(&m->n, IKE_N_MIF_CHILD_PATH, m->data, w.len);
		ret = ike_chain_add(out, IKE_PL_NOTIFY, &m->n, &err);
	}
	ike_writer_free(&w);
	return ret;
}

/*
 * A peer that follows no path: c goes on the IKE SA's pair, as the peer
 * put it. Our SPI was reserved for c's local address: that must be the
 * IKE SA's.
 */
static uint16_t ike_pair(struct ikesa *sa, struct childsa *c, const char *why)
{
	char a[IP_ADDR_STRLEN];

	if (!ip_addr_equal(&c->local, &sa->local)) {
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "Child SA "
			    "%08x: %s, but its SPI is for %s: deleting it",
			    c->spi_in, why, ip_addr_str(&c->local, a,
							sizeof(a)));
		return IKE_N_INVALID_SYNTAX;
	}
	engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "Child SA %08x: %s: on "
		    "the IKE SA's addresses", c->spi_in, why);
	c->remote = sa->remote;
	c->remote_iface = 0;
	c->has_path = false;
	return 0;
}

uint16_t mif_path_response(struct ikesa *sa, struct childsa *c,
			   const struct ike_chain *resp)
{
	const struct ike_payload *pl;
	struct mif_child_path got;
	struct ike_error err;

	if (!c->has_path)
		return 0;
	if (sa->mif_status != MIF_ON)
		return ike_pair(sa, c, "MIF not negotiated");
	pl = ike_chain_find_notify(resp, IKE_N_MIF_CHILD_PATH);
	if (!pl)
		return ike_pair(sa, c, "no MIF_CHILD_PATH in the answer");
	if (mif_child_path_parse(&got, pl->notify->data, pl->notify->len,
				 &err)) {
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "Child SA "
			    "%08x: MIF_CHILD_PATH of the answer malformed "
			    "(%s): deleting it", c->spi_in, err.reason);
		return IKE_N_INVALID_SYNTAX;
	}
	if (!mif_child_path_equal(&got, &c->path)) {
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "Child SA "
			    "%08x: MIF_CHILD_PATH of the answer is not the one "
			    "sent: deleting it", c->spi_in);
		return IKE_N_INVALID_SYNTAX;
	}
	return 0;
}

/* Rule 3: the requester's address, under its announced interface. */
static const char *check_peer(const struct ikesa *sa,
			      const struct mif_child_path *p,
			      const struct ip_addr *addr)
{
	const struct mif_iface *f;

	if (!p->req_id)
		return ip_addr_equal(addr, &sa->remote) ? NULL :
		       "requester address with ID 0 is not the IKE SA's";
	f = sa->mif->have_peer ? mif_iface_find(sa->mif->peer, p->req_id) :
				 NULL;
	if (!f)
		return "requester interface ID not announced";
	if (f->flags & MIF_IFACE_DOWN)
		return "requester interface is down";
	if (!mif_iface_has_addr(f, p->family, p->req_addr))
		return "requester address not listed under its interface";
	return NULL;
}

/* Rules 4 and 5: our address, current, announced, allowed. */
static const char *check_local(const struct ikesa *sa,
			       const struct mif_child_path *p,
			       const struct ip_addr *addr,
			       const struct iface **fp)
{
	const struct iface *f = engine_iface_by_addr(sa->engine, addr);
	const struct mif_iface *ours;

	*fp = f;
	if (!p->resp_id)
		return ip_addr_equal(addr, &sa->local) ? NULL :
		       "responder address with ID 0 is not the IKE SA's";
	ours = mif_iface_find(sa->mif->ours, p->resp_id);
	if (!ours)
		return "responder interface ID not announced";
	if (!mif_iface_has_addr(ours, p->family, p->resp_addr))
		return "responder address not listed under its interface";
	if (!f || f->id != p->resp_id)
		return "responder address not a current local address of "
		       "that interface";
	if (iface_pattern_priority(sa->conn->ifaces, sa->conn->n_ifaces,
				   f->name) == IFACE_PRIO_NONE)
		return "responder interface not allowed by the connection";
	return NULL;
}

int mif_path_request(struct ikesa *sa, const struct ike_chain *req,
		     struct childsa *c)
{
	const struct ike_payload *pl;
	struct ip_addr ra, la;
	const struct iface *f = NULL;
	struct ike_error err;
	const char *bad;

	pl = ike_chain_find_notify(req, IKE_N_MIF_CHILD_PATH);
	/* Rule 1: without MIF the payload is ignored. */
	if (!pl || sa->mif_status != MIF_ON || !sa->mif)
		return 0;
	/* Rule 2. */
	if (mif_child_path_parse(&c->path, pl->notify->data, pl->notify->len,
				 &err)) {
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa,
			    "MIF_CHILD_PATH malformed (%s): sending "
			    "MIF_UNACCEPTABLE_PATH", err.reason);
		return -1;
	}
	path_addr(&ra, c->path.family, c->path.req_addr);
	path_addr(&la, c->path.family, c->path.resp_addr);
	bad = check_peer(sa, &c->path, &ra);
	if (!bad)
		bad = check_local(sa, &c->path, &la, &f);
	if (bad) {
		char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];

		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa,
			    "MIF_CHILD_PATH %s[%u] - %s[%u] refused: %s: "
			    "sending MIF_UNACCEPTABLE_PATH",
			    ip_addr_str(&ra, a, sizeof(a)), c->path.req_id,
			    ip_addr_str(&la, b, sizeof(b)), c->path.resp_id,
			    bad);
		memset(&c->path, 0, sizeof(c->path));
		return -1;
	}
	c->local = la;
	c->remote = ra;
	c->local_iface = c->path.resp_id;
	c->remote_iface = c->path.req_id;
	c->ifindex = f ? f->ifindex : 0;
	c->has_path = true;
	return 0;
}

void mif_path_pair_ts(const struct childsa *c, struct ike_selector *local,
		      struct ike_selector *remote)
{
	host_sel(local, &c->local);
	host_sel(remote, &c->remote);
}

const char *mif_path_ifname(const struct ikesa *sa, const struct childsa *c)
{
	const struct iface_table *t = &sa->engine->ifaces;
	const struct iface *f;

	if (c->local_iface && c->local_iface <= t->n_names)
		return t->names[c->local_iface - 1];
	f = c->ifindex ? iface_by_ifindex(t, c->ifindex) : NULL;
	return f ? f->name : NULL;
}

/* The placements after IKE_AUTH. */

static bool same_pair(const struct mif_place *a, const struct mif_place *b)
{
	return ip_addr_equal(&a->local, &b->local) &&
	       ip_addr_equal(&a->remote, &b->remote);
}

void mif_path_queue(struct ikesa *sa)
{
	struct mif_place all[MIF_PLACES_MAX], placed[MIF_PLACES_MAX], *first;
	const struct iface *f;
	char peer[IP_ADDR_STRLEN];
	unsigned int n, n_placed;

	if (!sa->conn->per_interface)
		return;
	if (sa->mif_status != MIF_ON || !sa->mif) {
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "MIF not "
			    "negotiated with %s: Child SAs on the IKE SA's "
			    "addresses", ip_addr_str(&sa->remote, peer,
						     sizeof(peer)));
		return;
	}
	n = mif_path_places(sa, all, MIF_PLACES_MAX);
	if (!n)
		return;
	/* First the IKE SA's pair, as IKE_AUTH's Child SA took it. */
	first = &placed[0];
	memset(first, 0, sizeof(*first));
	first->local = sa->local;
	first->remote = sa->remote;
	f = engine_iface_by_addr(sa->engine, &sa->local);
	if (f && iface_pattern_priority(sa->conn->ifaces, sa->conn->n_ifaces,
					f->name) != IFACE_PRIO_NONE) {
		first->local_id = f->id;
		first->ifindex = f->ifindex;
	}
	n_placed = 1;
	for (unsigned int i = 0; i < n && n_placed < MIF_PLACES_MAX; i++) {
		if (same_pair(&all[i], first))
			*first = all[i];
		else
			placed[n_placed++] = all[i];
	}
	free(sa->mif->places);
	sa->mif->n_places = 0;
	sa->mif->places = malloc(n_placed * sizeof(*placed));
	if (!sa->mif->places) {
		engine_logf(sa->engine, ENGINE_LOG_ERR, sa, "Child SAs on "
			    "the IKE SA's addresses only: out of memory");
		return;
	}
	memcpy(sa->mif->places, placed, n_placed * sizeof(*placed));
	sa->mif->n_places = n_placed;
}

unsigned int mif_path_n_places(const struct ikesa *sa)
{
	return sa->mif ? sa->mif->n_places : 0;
}

const struct mif_place *mif_path_place(const struct ikesa *sa,
				       unsigned int i)
{
	return &sa->mif->places[i];
}
