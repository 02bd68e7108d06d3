// SPDX-License-Identifier: GPL-2.0
/*
 * MOBIKE (RFC 4555): see mobike.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto/random.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/mif_failover.h"
#include "engine/mif_move.h"
#include "engine/mobike.h"
#include "engine/nat.h"
#include "engine/notify_table.h"
#include "engine/rr_check.h"
#include "ike/constants.h"
#include "ike/mobike.h"

/* Negotiation. */

/* Whether a is ours on an interface up that the connection allows. */
static bool allowed_iface(const struct conn *c, const struct iface *ifc)
{
	return ifc->up && (!c->n_ifaces ||
			   iface_pattern_priority(c->ifaces, c->n_ifaces,
						  ifc->name) != IFACE_PRIO_NONE);
}

static bool usable(const struct ip_addr *a)
{
	return mif_addr_usable(a->family == AF_INET6 ? MIF_AF_IPV6 :
			       MIF_AF_IPV4, a->bytes);
}

/*
 * Our addresses besides the IKE SA's own (RFC 4555 §3.6): those of the
 * interfaces the connection lists, up; none if it lists none (it uses
 * its local address only).
 */
static unsigned int our_addrs(const struct ikesa *sa, struct ip_addr *out,
			      unsigned int max)
{
	const struct iface_table *t = &sa->engine->ifaces;
	unsigned int n = 0;

	if (!sa->conn->n_ifaces)
		return 0;
	for (unsigned int i = 0; i < t->n; i++) {
		const struct iface *ifc = &t->ifaces[i];
		const struct ip_addr *lists[2] = { ifc->v4, ifc->v6 };
		unsigned int counts[2] = { ifc->n_v4, ifc->n_v6 };

		if (!allowed_iface(sa->conn, ifc))
			continue;
		for (unsigned int f = 0; f < 2; f++)
			for (unsigned int j = 0; j < counts[f]; j++) {
				const struct ip_addr *a = &lists[f][j];

				if (n == max)
					return n;
				if (usable(a) && !ip_addr_equal(a, &sa->local))
					out[n++] = *a;
			}
	}
	return n;
}

/*
 * Our list (§3.6) into out: ADDITIONAL_IP4/IP6_ADDRESS for each of our
 * other addresses, or NO_ADDITIONAL_ADDRESSES; n and addrs (room for
 * MOBIKE_MAX_ADDRS each) hold the notifies and their data.
 */
static void add_list(struct ikesa *sa, struct ike_notify *n,
		     struct ip_addr *addrs, struct ike_chain *out)
{
	unsigned int k = our_addrs(sa, addrs, MOBIKE_MAX_ADDRS);
	struct ike_error err;

	if (!k) {
		ikesa_notify(&n[0], IKE_N_NO_ADDITIONAL_ADDRESSES, NULL, 0);
		ike_chain_add(out, IKE_PL_NOTIFY, &n[0], &err);
		return;
	}
	for (unsigned int i = 0; i < k; i++) {
		ikesa_notify(&n[i], mobike_addr_type(&addrs[i]),
			     addrs[i].bytes, ip_addr_len(&addrs[i]));
		ike_chain_add(out, IKE_PL_NOTIFY, &n[i], &err);
	}
}

static void add_ours(struct ikesa *sa, struct mobike_payloads *p,
		     struct ike_chain *out)
{
	struct ike_error err;

	ikesa_notify(&p->n[0], IKE_N_MOBIKE_SUPPORTED, NULL, 0);
	ike_chain_add(out, IKE_PL_NOTIFY, &p->n[0], &err);
	add_list(sa, &p->n[1], p->addrs, out);
}

/*
 * The peer's list in ch, if ch has one: it replaces the one we had;
 * true if it had one.
 */
static bool take_peer_list(struct ikesa *sa, const struct ike_chain *ch)
{
	struct mobike_sa *mb = &sa->mobike;
	const struct ike_payload *pl = NULL;
	struct ip_addr list[MOBIKE_MAX_ADDRS], *copy = NULL;
	unsigned int n = 0;
	bool any = false;

	while ((pl = ike_chain_find(ch, IKE_PL_NOTIFY, pl))) {
		const struct ike_notify *nt = pl->notify;
		struct ike_error err;
		struct ip_addr a;

		if (nt->type == IKE_N_NO_ADDITIONAL_ADDRESSES) {
			any = true;
			continue;
		}
		if (nt->type != IKE_N_ADDITIONAL_IP4_ADDRESS &&
		    nt->type != IKE_N_ADDITIONAL_IP6_ADDRESS)
			continue;
		any = true;
		if (mobike_addr_parse(nt->type, nt->data, nt->len, &a, &err)) {
			engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "MOBIKE: "
				    "%s: %s: left out", ike_notify_name(nt->type),
				    err.reason);
			continue;
		}
		if (n < MOBIKE_MAX_ADDRS)
			list[n++] = a;
	}
	if (!any)
		return false;
	if (n) {
		copy = malloc(n * sizeof(list[0]));
		if (!copy) {
			engine_logf(sa->engine, ENGINE_LOG_ERR, sa, "MOBIKE: "
				    "no memory for the peer's list: the one "
				    "before stays");
			return false;
		}
		memcpy(copy, list, n * sizeof(list[0]));
	}
	free(mb->peer);
	mb->peer_listed = true;
	mb->n_peer = n;
	mb->peer = copy;
	return true;
}

int mobike_inherit(struct ikesa *sa, const struct ikesa *old)
{
	const struct mobike_sa *o = &old->mobike;
	struct ip_addr *copy = NULL;

	if (o->n_peer) {
		copy = malloc(o->n_peer * sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		memcpy(copy, o->peer, o->n_peer * sizeof(*copy));
	}
	mobike_free(sa);
	sa->mobike = *o;
	sa->mobike.peer = copy;
	sa->mobike.pending = false;
	sa->mobike.updated = false;
	return 0;
}

void mobike_free(struct ikesa *sa)
{
	free(sa->mobike.peer);
	sa->mobike.peer = NULL;
	sa->mobike.n_peer = 0;
}

static void negotiated(struct ikesa *sa, const struct ike_chain *ch)
{
	sa->mobike.on = true;
	take_peer_list(sa, ch);
	engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "MOBIKE negotiated, the "
		    "peer lists %u other address%s", sa->mobike.n_peer,
		    sa->mobike.n_peer == 1 ? "" : "es");
}

void mobike_auth_offer(struct ikesa *sa, struct mobike_payloads *p,
		       struct ike_chain *out)
{
	if (sa->conn->mobike)
		add_ours(sa, p, out);
}

void mobike_auth_request(struct ikesa *sa, const struct ike_chain *req,
			 struct mobike_payloads *p, struct ike_chain *out)
{
	if (!sa->conn->mobike ||
	    !ike_chain_find_notify(req, IKE_N_MOBIKE_SUPPORTED))
		return;
	add_ours(sa, p, out);
	negotiated(sa, req);
}

void mobike_auth_response(struct ikesa *sa, const struct ike_chain *resp)
{
	if (sa->conn->mobike &&
	    ike_chain_find_notify(resp, IKE_N_MOBIKE_SUPPORTED))
		negotiated(sa, resp);
}


/* NAT detection (RFC 4555 §3.5), over the IKE SA's SPIs. */

static int natd_add(const struct ikesa *sa, struct ike_chain *out,
		    struct nat_notifies *nn, const struct ip_addr *src,
		    uint16_t sport, const struct ip_addr *dst, uint16_t dport)
{
	struct ike_error err;

	if (ike_natd_hash(sa->spi_i, sa->spi_r, src, sport, nn->hash[0]) ||
	    ike_natd_hash(sa->spi_i, sa->spi_r, dst, dport, nn->hash[1]))
		return -EINVAL;
	ikesa_notify(&nn->n[0], IKE_N_NAT_DETECTION_SOURCE_IP, nn->hash[0],
		     IKE_NAT_DETECTION_LEN);
	ikesa_notify(&nn->n[1], IKE_N_NAT_DETECTION_DESTINATION_IP,
		     nn->hash[1], IKE_NAT_DETECTION_LEN);
	ike_chain_add(out, IKE_PL_NOTIFY, &nn->n[0], &err);
	ike_chain_add(out, IKE_PL_NOTIFY, &nn->n[1], &err);
	return 0;
}

static bool has_natd(const struct ike_chain *ch)
{
	return ike_chain_find_notify(ch, IKE_N_NAT_DETECTION_SOURCE_IP) &&
	       ike_chain_find_notify(ch, IKE_N_NAT_DETECTION_DESTINATION_IP);
}

/* What the NAT detection of a message says of the path it came on. */
struct path_nat {
	bool natd;		/* it had NAT detection */
	bool local;		/* we are behind a NAT on that path */
	bool remote;		/* the peer is (or fakes it: encap = yes) */
};

static void natd_read(const struct ikesa *sa, const struct engine_msg *m,
		      struct path_nat *pn)
{
	const struct ike_payload *pl = NULL;
	uint8_t src[IKE_NAT_DETECTION_LEN], dst[IKE_NAT_DETECTION_LEN];
	bool src_ok = false, dst_ok = false;

	memset(pn, 0, sizeof(*pn));
	if (!has_natd(m->chain) ||
	    ike_natd_hash(sa->spi_i, sa->spi_r, m->remote, m->remote_port,
			  src) ||
	    ike_natd_hash(sa->spi_i, sa->spi_r, m->local, m->local_port, dst))
		return;
	while ((pl = ike_chain_find(m->chain, IKE_PL_NOTIFY, pl))) {
		const struct ike_notify *n = pl->notify;
		bool len_ok = n->len == IKE_NAT_DETECTION_LEN;

		if (n->type == IKE_N_NAT_DETECTION_SOURCE_IP)
			src_ok |= len_ok && !memcmp(n->data, src, sizeof(src));
		else if (n->type == IKE_N_NAT_DETECTION_DESTINATION_IP)
			dst_ok |= len_ok && !memcmp(n->data, dst, sizeof(dst));
	}
	pn->natd = true;
	pn->remote = !src_ok;
	pn->local = !dst_ok;
}

/* Port 4500 for 500 (RFC 7296 §2.23: IKE moves there with a NAT). */
static uint16_t natt_port(uint16_t port)
{
	return port == NAT_IKE_PORT ? NAT_NATT_PORT : port;
}

/*
 * The Child SAs' UDP encapsulation on the new path of a move (RFC 4555
 * §3.5): into enc, and enc, when the path has NAT detection and the
 * encapsulation is or becomes ESP in UDP (its ports may change with the
 * path), or goes; NULL when it stays plain ESP, or without NAT
 * detection (kept as it is). lport, rport: the IKE SA's ports on the
 * new path, 500 standing for 4500.
 */
static const struct mif_move_encap *
encap_after(const struct ikesa *sa, const struct path_nat *pn,
	    uint16_t lport, uint16_t rport, struct mif_move_encap *enc)
{
	bool was = nat_encap(sa);

	if (!pn->natd)
		return NULL;
	enc->on = pn->local || pn->remote || sa->nat.fake;
	enc->port = natt_port(lport);
	enc->peer_port = natt_port(rport);
	return enc->on || was ? enc : NULL;
}

/*
 * The move is done: sa's NAT state is the new path's, logged when it
 * changed; keepalives from now if we are behind a NAT (nat_deadline()
 * stops them otherwise); the initiator on port 4500 with a NAT (RFC 7296
 * §2.23), and a second UPDATE_SA_ADDRESSES due from there (mobike_tick())
 * that the responder follows to the NAT's mapping of that port (ours by
 * nat_follow(), charon's by its update).
 */
static void nat_moved(struct ikesa *sa, const struct path_nat *pn,
		      uint64_t now)
{
	struct nat_state *s = &sa->nat;
	bool was = nat_encap(sa), was_local = s->local;

	if (!pn->natd)
		return;
	s->natd = true;
	s->local = pn->local;
	s->remote = pn->remote;
	if (s->local && !was_local && sa->conn->nat_keepalive_ms)
		s->keepalive_at = now + sa->conn->nat_keepalive_ms;
	if (!s->local)
		s->keepalive_at = 0;
	if (nat_encap(sa) && sa->initiator &&
	    (sa->local_port == NAT_IKE_PORT || sa->remote_port == NAT_IKE_PORT)) {
		sa->local_port = natt_port(sa->local_port);
		sa->remote_port = natt_port(sa->remote_port);
		sa->mobike.floated = true;
	}
	if (was == nat_encap(sa) && was_local == s->local)
		return;
	engine_logf(sa->engine, ENGINE_LOG_NOTICE, sa, "MOBIKE: the new path "
		    "has %s NAT (we %s behind one, the peer %s): the Child "
		    "SAs carry %s", s->local || s->remote ? "a" : "no",
		    s->local ? "are" : "are not", s->remote ? "is" : "is not",
		    nat_encap(sa) ? "ESP in UDP" : "plain ESP");
}

/*
 * NO_NATS_ALLOWED (RFC 4555 §3.9) in m, if any: whether the addresses
 * and ports it names are those m came from and to. A malformed one
 * names none.
 */
static bool no_nats_ok(struct ikesa *sa, const struct engine_msg *m)
{
	const struct ike_payload *pl = ike_chain_find_notify(
		m->chain, IKE_N_NO_NATS_ALLOWED);
	struct mobike_path p;
	struct ike_error err;

	if (!pl)
		return true;
	if (mobike_no_nats_parse(pl->notify->data, pl->notify->len, &p,
				 &err)) {
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "MOBIKE: %s",
			    err.reason);
		return false;
	}
	return ip_addr_equal(&p.src, m->remote) && p.sport == m->remote_port &&
	       ip_addr_equal(&p.dst, m->local) && p.dport == m->local_port;
}

/* Initiator. */

struct update_req {
	struct request_state rs;	/* first: request_free_plain() */
	struct ip_addr old, new;
	/* The peer's address, new if path probing moves it (§3.5). */
	struct ip_addr old_remote, new_remote;
	uint8_t cookie[MOBIKE_COOKIE2_LEN];
};

static const struct request_ops update_req_ops = {
	.free = request_free_plain,
};

static void log_pair(struct ikesa *sa, int level, const char *what,
		     const struct ip_addr *old, const struct ip_addr *new,
		     const char *why)
{
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];

	engine_logf(sa->engine, level, sa, "MOBIKE: %s %s -> %s%s%s", what,
		    ip_addr_str(old, a, sizeof(a)),
		    ip_addr_str(new, b, sizeof(b)), why ? ": " : "",
		    why ? why : "");
}

static int send_update(struct ikesa *sa, const struct ip_addr *new,
		       const struct ip_addr *remote, uint64_t now)
{
	struct ike_chain *chain = calloc(1, sizeof(*chain));
	struct update_req *u = calloc(1, sizeof(*u));
	struct nat_notifies nn;
	struct ike_notify n[3];
	struct mobike_path path = {
		.src = *new, .dst = sa->remote,
		.sport = sa->local_port, .dport = sa->remote_port,
	};
	uint8_t no_nats[MOBIKE_NO_NATS_MAX];
	size_t no_nats_len;
	struct ike_error err;
	int ret = -ENOMEM;

	if (!chain || !u || random_nonce(u->cookie, sizeof(u->cookie)))
		goto out;
	u->rs.ops = &update_req_ops;
	u->old = sa->local;
	u->new = *new;
	u->old_remote = sa->remote;
	u->new_remote = *remote;
	ikesa_notify(&n[0], IKE_N_UPDATE_SA_ADDRESSES, NULL, 0);
	ike_chain_add(chain, IKE_PL_NOTIFY, &n[0], &err);
	ret = natd_add(sa, chain, &nn, new, sa->local_port, remote,
		       sa->remote_port);
	if (ret)
		goto out;
	ikesa_notify(&n[1], IKE_N_COOKIE2, u->cookie, sizeof(u->cookie));
	ike_chain_add(chain, IKE_PL_NOTIFY, &n[1], &err);
	/* §3.9: the path as we send it; a NAT on the way changes it. */
	no_nats_len = sa->conn->mobike_no_nats ?
		      mobike_no_nats_build(&path, no_nats) : 0;
	if (no_nats_len) {
		ikesa_notify(&n[2], IKE_N_NO_NATS_ALLOWED, no_nats,
			     no_nats_len);
		ike_chain_add(chain, IKE_PL_NOTIFY, &n[2], &err);
	}
	/* Sent, and resent, from the new address (§3.5). */
	ret = ikesa_request_away(sa, now, IKE_EXCH_INFORMATIONAL, chain, new,
				 remote);
	if (!ret) {
		if (!ip_addr_equal(&u->old_remote, remote))
			log_pair(sa, ENGINE_LOG_INFO, "updating the peer's "
				 "address", &u->old_remote, remote,
				 "UPDATE_SA_ADDRESSES sent");
		else if (!ip_addr_equal(&u->old, new))
			log_pair(sa, ENGINE_LOG_INFO, "updating our address",
				 &u->old, new, "UPDATE_SA_ADDRESSES sent");
		else
			log_pair(sa, ENGINE_LOG_INFO, "our port moves to "
				 "4500", &u->old, new, "UPDATE_SA_ADDRESSES "
				 "sent");
		request_set(sa, &u->rs);
		u = NULL;
	}
out:
	if (chain)
		ike_chain_free(chain);
	free(chain);
	free(u);
	return ret;
}

int mobike_update(struct ikesa *sa, const struct ip_addr *old,
		  const struct ip_addr *new, uint64_t now)
{
	const struct iface *ifc = iface_by_addr(&sa->engine->ifaces, new);
	struct mobike_sa *mb = &sa->mobike;

	if (!mb->on || !sa->initiator)
		return -EOPNOTSUPP;
	if (sa->state != IKESA_ESTABLISHED || sa->replaced)
		return -EAGAIN;
	if (!ip_addr_equal(old, &sa->local) || old->family != new->family ||
	    ip_addr_equal(old, new))
		return -EINVAL;
	if (!ifc || !ifc->up || !usable(new)) {
		log_pair(sa, ENGINE_LOG_WARNING, "cannot move", old, new,
			 "the new address is not ours on an interface up");
		return -EADDRNOTAVAIL;
	}
	if (!sa->req.active)
		return send_update(sa, new, &sa->remote, now);
	/*
	 * The window is busy: the request in flight goes on from the new
	 * address (so that its answer can come), the update after it.
	 */
	if (!sa->req.away) {
		sa->req.away = true;
		sa->req.local = *new;
		sa->req.remote = sa->remote;
	} else if (ip_addr_equal(&sa->req.local, old)) {
		sa->req.local = *new;
	}
	if (!mb->pending)
		mb->pending_remote = sa->remote;
	mb->pending = true;
	mb->pending_new = *new;
	log_pair(sa, ENGINE_LOG_INFO, "updating our address", old, new,
		 "after the request in flight");
	return 0;
}

int mobike_update_path(struct ikesa *sa, const struct ip_addr *local,
		       const struct ip_addr *remote, uint64_t now)
{
	if (!sa->mobike.on || !sa->initiator)
		return -EOPNOTSUPP;
	if (sa->state != IKESA_ESTABLISHED || sa->replaced)
		return -EAGAIN;
	if (sa->req.active)
		return -EBUSY;
	if (remote->family != sa->remote.family ||
	    local->family != sa->local.family ||
	    (ip_addr_equal(remote, &sa->remote) &&
	     ip_addr_equal(local, &sa->local)))
		return -EINVAL;
	return send_update(sa, local, remote, now);
}

/* Our list for the peer, from our address now (§3.6). */
static int send_list(struct ikesa *sa, uint64_t now)
{
	struct ike_chain *chain = calloc(1, sizeof(*chain));
	struct mobike_payloads *p = calloc(1, sizeof(*p));
	int ret = -ENOMEM;

	if (chain && p) {
		add_list(sa, p->n, p->addrs, chain);
		ret = ikesa_request(sa, now, IKE_EXCH_INFORMATIONAL, chain);
	}
	if (!ret) {
		char a[IP_ADDR_STRLEN];

		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "MOBIKE: our "
			    "address list sent from %s",
			    ip_addr_str(&sa->local, a, sizeof(a)));
	}
	if (chain)
		ike_chain_free(chain);
	free(chain);
	free(p);
	return ret;
}

uint64_t mobike_deadline(const struct ikesa *sa)
{
	const struct mobike_sa *mb = &sa->mobike;

	return (mb->pending || mb->floated || mb->list_due) &&
	       !sa->req.active && sa->state == IKESA_ESTABLISHED &&
	       !sa->replaced ? 1 : 0;
}

bool mobike_tick(struct ikesa *sa, uint64_t now)
{
	struct mobike_sa *mb = &sa->mobike;

	if (!mobike_deadline(sa) || sa->replaced)
		return false;
	if (mb->floated) {
		mb->floated = false;
		if (!send_update(sa, &sa->local, &sa->remote, now))
			return true;
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "MOBIKE: cannot "
			    "send UPDATE_SA_ADDRESSES from port 4500: the peer "
			    "learns it from our next request");
	}
	if (mb->list_due) {
		mb->list_due = false;
		if (!send_list(sa, now))
			return true;
		engine_logf(sa->engine, ENGINE_LOG_ERR, sa, "MOBIKE: cannot "
			    "send our address list: the peer keeps the old "
			    "one");
	}
	if (!mb->pending)
		return false;
	mb->pending = false;
	if (ip_addr_equal(&mb->pending_new, &sa->local) &&
	    ip_addr_equal(&mb->pending_remote, &sa->remote))
		return false;
	if (send_update(sa, &mb->pending_new, &mb->pending_remote, now)) {
		engine_logf(sa->engine, ENGINE_LOG_ERR, sa, "MOBIKE: cannot "
			    "send UPDATE_SA_ADDRESSES: update dropped");
		return false;
	}
	return true;
}

void mobike_info_addrs(struct ikesa *sa, const struct engine_msg *m)
{
	struct mobike_sa *mb = &sa->mobike;

	if (!mb->on || !take_peer_list(sa, m->chain))
		return;
	if (!sa->initiator || sa->state != IKESA_ESTABLISHED ||
	    sa->replaced || ip_addr_equal(m->remote, &sa->remote) ||
	    m->remote->family != sa->remote.family)
		return;
	for (unsigned int i = 0; i < mb->n_peer; i++)
		if (ip_addr_equal(&mb->peer[i], &sa->remote))
			return;		/* it keeps the IKE SA's: the list only */
	/*
	 * The responder lost the address the IKE SA uses, and wrote from
	 * another (§3.6): that pair answers one way; the update with its
	 * COOKIE2 checks the other, once this request is answered.
	 */
	log_pair(sa, ENGINE_LOG_NOTICE, "the peer's list leaves out its "
		 "address", &sa->remote, m->remote, "updating to where the "
		 "list came from");
	mb->pending = true;
	mb->pending_new = *m->local;
	mb->pending_remote = *m->remote;
}

/* The addresses of ifc of family f: their number, the list in *l. */
static unsigned int iface_addrs(const struct iface *ifc, int f,
				const struct ip_addr **l)
{
	*l = f == AF_INET ? ifc->v4 : ifc->v6;
	return f == AF_INET ? ifc->n_v4 : ifc->n_v6;
}

unsigned int mobike_local_alts(const struct ikesa *sa,
			       const struct ip_addr *a, struct ip_addr *out,
			       unsigned int max)
{
	const struct iface_table *t = &sa->engine->ifaces;
	unsigned int k = 0;

	if (sa->conn->n_ifaces)
		return mif_failover_alts(sa->engine, sa->conn, a, out, max);
	for (unsigned int i = 0; i < t->n && k < max; i++) {
		const struct iface *ifc = &t->ifaces[i];
		const struct ip_addr *l;
		unsigned int n = iface_addrs(ifc, a->family, &l);

		/* The loopback device holds inner addresses, no path. */
		if (!ifc->up || !strcmp(ifc->name, "lo"))
			continue;
		for (unsigned int j = 0; j < n && k < max; j++)
			if (usable(&l[j]) && !ip_addr_equal(&l[j], a))
				out[k++] = l[j];
	}
	return k;
}

/*
 * Responder: our address old, the IKE SA's, is gone. Our side moves to
 * new at once (the peer's packets to old reach nothing), the request in
 * flight with it, and the initiator gets our list from there.
 */
static void responder_moves(struct ikesa *sa, const struct ip_addr *new,
			    uint64_t now)
{
	struct ip_addr old = sa->local;

	if (mif_move_carry_out_encap(sa, &old, new, true, 0, NULL)) {
		log_pair(sa, ENGINE_LOG_ERR, "our address lost", &old, new,
			 "our kernel refused the move: the Child SAs stay on "
			 "the old address");
		sa->local = *new;	/* IKE goes on from there */
	} else {
		log_pair(sa, ENGINE_LOG_NOTICE, "our address lost", &old, new,
			 "IKE SA and Child SAs moved, the initiator gets our "
			 "list from there");
	}
	if (sa->req.active && !sa->req.away) {
		sa->req.away = true;
		sa->req.local = *new;
		sa->req.remote = sa->remote;
	} else if (sa->req.active && ip_addr_equal(&sa->req.local, &old)) {
		sa->req.local = *new;
	}
	sa->mobike.list_due = true;
	mobike_tick(sa, now);
}

void mobike_addrs_lost(struct engine *e, const struct ip_addr *lost,
		       unsigned int n, uint64_t now)
{
	for (struct ikesa *sa = e->sas; sa; sa = sa->next) {
		const struct iface *ifc;
		struct ip_addr new;
		char o[IP_ADDR_STRLEN];
		bool gone = false;

		if (!sa->mobike.on || sa->mif_status == MIF_ON ||
		    sa->state != IKESA_ESTABLISHED || sa->replaced)
			continue;
		for (unsigned int i = 0; i < n; i++)
			gone |= ip_addr_equal(&lost[i], &sa->local);
		ifc = iface_by_addr(&e->ifaces, &sa->local);
		if (gone && ifc && ifc->up)
			gone = false;	/* back, or on another interface */
		if (!gone) {
			/* Another of ours: the responder's list changed. */
			if (!sa->initiator && sa->conn->n_ifaces) {
				sa->mobike.list_due = true;
				mobike_tick(sa, now);
			}
			continue;
		}
		ip_addr_str(&sa->local, o, sizeof(o));
		if (!mobike_local_alts(sa, &sa->local, &new, 1)) {
			engine_logf(e, ENGINE_LOG_WARNING, sa, "MOBIKE: our "
				    "address %s lost, and no other to move "
				    "to", o);
			continue;
		}
		if (sa->initiator)
			mobike_update(sa, &sa->local, &new, now);
		else
			responder_moves(sa, &new, now);
	}
}

/* Whether sa's list for the peer (our_addrs()) holds one of added. */
static bool lists_any(const struct ikesa *sa, const struct ip_addr *added,
		      unsigned int n)
{
	struct ip_addr l[MOBIKE_MAX_ADDRS];
	unsigned int k = our_addrs(sa, l, MOBIKE_MAX_ADDRS);

	for (unsigned int i = 0; i < k; i++)
		for (unsigned int j = 0; j < n; j++)
			if (ip_addr_equal(&l[i], &added[j]))
				return true;
	return false;
}

void mobike_addrs_added(struct engine *e, const struct ip_addr *added,
			unsigned int n)
{
	for (struct ikesa *sa = e->sas; sa; sa = sa->next) {
		if (!n || !sa->mobike.on || sa->mif_status == MIF_ON ||
		    sa->initiator || sa->state != IKESA_ESTABLISHED ||
		    sa->replaced || !sa->conn->n_ifaces ||
		    sa->mobike.list_due || !lists_any(sa, added, n))
			continue;
		sa->mobike.list_due = true;
		ikesa_touch(sa);
	}
}

bool mobike_update_elsewhere(const struct ikesa *sa,
			     const struct engine_msg *m,
			     const struct ike_chain *inner)
{
	return sa->mobike.on && !sa->initiator &&
	       !ip_addr_equal(&sa->remote, m->remote) &&
	       ike_chain_find_notify(inner, IKE_N_UPDATE_SA_ADDRESSES);
}

/* Responder: the return-routability check of a new address. */

struct update_check {
	struct request_state rs;	/* first: request_free_plain() */
	struct rr_check rr;	/* of the UPDATE_SA_ADDRESSES it holds */
	uint8_t echo[MOBIKE_COOKIE2_MAX];	/* the initiator's COOKIE2 */
	size_t echo_len;
	bool natd;		/* the request had NAT detection */
	struct path_nat pn;	/* what it said of the new path */
};

static const struct request_ops update_check_ops = {
	.free = request_free_plain,
};

/* Answer the UPDATE_SA_ADDRESSES of ck: done, or UNACCEPTABLE_ADDRESSES. */
static void answer(struct ikesa *sa, struct update_check *ck, bool ok)
{
	const struct rr_check *rr = &ck->rr;
	struct ike_chain *chain = calloc(1, sizeof(*chain));
	struct nat_notifies nn;
	struct ike_notify n[2];
	struct ike_error err;

	if (!chain)
		return;
	if (!ok) {
		ikesa_notify(&n[0], IKE_N_UNACCEPTABLE_ADDRESSES, NULL, 0);
		ike_chain_add(chain, IKE_PL_NOTIFY, &n[0], &err);
	}
	if (ck->natd)
		natd_add(sa, chain, &nn, &rr->req_local, rr->req_lport,
			 &rr->req_remote, rr->req_rport);
	if (ck->echo_len) {
		ikesa_notify(&n[1], IKE_N_COOKIE2, ck->echo, ck->echo_len);
		ike_chain_add(chain, IKE_PL_NOTIFY, &n[1], &err);
	}
	rr_check_answer(sa, rr, chain);
	ike_chain_free(chain);
	free(chain);
}

static const struct rr_check_ops update_rr_ops;

/* Send the COOKIE2 check to where the update came from; defer. */
static int start_check(struct notify_ctx *ctx)
{
	struct ikesa *sa = ctx->sa;
	const struct engine_msg *m = ctx->msg;
	const struct ike_payload *pl;
	struct update_check *ck = calloc(1, sizeof(*ck));
	int ret;

	if (!ck)
		return -ENOMEM;
	ck->rs.ops = &update_check_ops;
	ck->natd = has_natd(m->chain);
	natd_read(sa, m, &ck->pn);
	pl = ike_chain_find_notify(m->chain, IKE_N_COOKIE2);
	if (pl && mobike_cookie2_len_ok(pl->notify->len)) {
		memcpy(ck->echo, pl->notify->data, pl->notify->len);
		ck->echo_len = pl->notify->len;
	}
	/* Where it came from, address and port (a NAT's new mapping). */
	ret = rr_check_start(sa, &ck->rr, &update_rr_ops, m, m->local,
			     m->local_port, m->remote, m->remote_port);
	if (ret) {
		free(ck);
		return ret;
	}
	request_set(sa, &ck->rs);
	ctx->defer = true;
	log_pair(sa, ENGINE_LOG_INFO, "the peer moves", &sa->remote,
		 m->remote, "checking the new address (COOKIE2)");
	return 0;
}

void mobike_update_again(struct ikesa *sa, const struct engine_msg *m)
{
	struct update_check *ck = request_get_as(sa, &update_check_ops,
						 struct update_check);
	struct ip_addr to;

	if (!ck)
		return;
	to = ck->rr.to;
	if (!rr_check_follow(sa, &ck->rr, m))
		return;
	/* What this copy's NAT detection says of the path it took. */
	ck->natd = has_natd(m->chain);
	natd_read(sa, m, &ck->pn);
	log_pair(sa, ENGINE_LOG_INFO, "the peer's update came again", &to,
		 m->remote, "checking where it came from now (COOKIE2)");
}

static void refuse(struct notify_ctx *ctx, const char *why)
{
	struct ike_error err;

	log_pair(ctx->sa, ENGINE_LOG_WARNING, "the peer's update refused",
		 &ctx->sa->remote, ctx->msg->remote, why);
	ikesa_notify(&ctx->mif->unacceptable, IKE_N_UNACCEPTABLE_ADDRESSES,
		     NULL, 0);
	ike_chain_add(ctx->out, IKE_PL_NOTIFY, &ctx->mif->unacceptable, &err);
}

/* INFORMATIONAL request with UPDATE_SA_ADDRESSES. */
static void update_request(struct notify_ctx *ctx, const struct ike_notify *n)
{
	struct ikesa *sa = ctx->sa;
	const struct engine_msg *m = ctx->msg;
	struct mobike_sa *mb = &sa->mobike;
	uint32_t id = m->hdr->msg_id;

	(void)n;
	if (!mb->on || sa->initiator) {
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "INFORMATIONAL: "
			    "UPDATE_SA_ADDRESSES %s: ignored", !mb->on ?
			    "without MOBIKE negotiated" : "from the responder "
			    "of the IKE SA");
		return;
	}
	/* §3.11: an older request than one processed moves nothing. */
	if (mb->updated && id < mb->update_id) {
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "INFORMATIONAL: "
			    "UPDATE_SA_ADDRESSES %u older than %u, processed: "
			    "ignored", id, mb->update_id);
		return;
	}
	mb->updated = true;
	mb->update_id = id;
	if (!no_nats_ok(sa, m)) {
		struct ike_error err;

		log_pair(sa, ENGINE_LOG_WARNING, "the peer's update refused",
			 &sa->remote, m->remote, "NO_NATS_ALLOWED names "
			 "another path than the one it came on "
			 "(UNEXPECTED_NAT_DETECTED)");
		ikesa_notify(&ctx->mif->unacceptable,
			     IKE_N_UNEXPECTED_NAT_DETECTED, NULL, 0);
		ike_chain_add(ctx->out, IKE_PL_NOTIFY, &ctx->mif->unacceptable,
			      &err);
		return;
	}
	if (ip_addr_equal(m->remote, &sa->remote) &&
	    ip_addr_equal(m->local, &sa->local)) {
		/* Same pair (a new port behind a NAT: nat_follow() took it). */
		sa->remote_port = m->remote_port;
		if (has_natd(m->chain))
			natd_add(sa, ctx->out, &ctx->mif->natd, m->local,
				 m->local_port, m->remote, m->remote_port);
		return;
	}
	if (m->remote->family != sa->remote.family) {
		refuse(ctx, "another address family");
		return;
	}
	if (sa->req.active) {
		refuse(ctx, "our own request is in flight: cannot check the "
		       "new address now");
		return;
	}
	if (start_check(ctx))
		refuse(ctx, "cannot send the return-routability check");
}

const struct notify_entry notify_update_sa_addresses = {
	.type = IKE_N_UPDATE_SA_ADDRESSES,
	.where = NOTIFY_IN_INFO_REQ,
	.handle = update_request,
};

/* Read by mobike_auth_*() and take_peer_list(). */
const struct notify_entry notify_mobike_supported = {
	.type = IKE_N_MOBIKE_SUPPORTED,
	.where = NOTIFY_IN_AUTH_REQ | NOTIFY_IN_AUTH_RESP,
};

/* Read by update_request(). */
const struct notify_entry notify_no_nats_allowed = {
	.type = IKE_N_NO_NATS_ALLOWED,
	.where = NOTIFY_IN_INFO_REQ,
};

const struct notify_entry notify_no_additional_addresses = {
	.type = IKE_N_NO_ADDITIONAL_ADDRESSES,
	.where = NOTIFY_IN_AUTH_REQ | NOTIFY_IN_AUTH_RESP | NOTIFY_IN_INFO_REQ,
};

/* The new address answered: move the IKE SA and its Child SAs, answer. */
static void check_routable(struct ikesa *sa, struct rr_check *rr,
			   uint64_t now)
{
	struct update_check *ck = rr_check_owner(rr, struct update_check,
						 rr);
	struct ip_addr old_remote = sa->remote, old_local = sa->local;
	bool peer_moves = !ip_addr_equal(&old_remote, &rr->req_remote);
	struct mif_move_encap e;
	const struct mif_move_encap *enc = encap_after(sa, &ck->pn,
						       rr->req_lport,
						       rr->req_rport, &e);

	/* The port the initiator sent from is its own: no 500 for 4500. */
	e.peer_port = rr->req_rport;
	if (peer_moves &&
	    mif_move_carry_out_encap(sa, &old_remote, &rr->req_remote, false,
				     0, enc)) {
		log_pair(sa, ENGINE_LOG_WARNING, "the peer's update refused",
			 &old_remote, &rr->req_remote, "the kernel refused");
		answer(sa, ck, false);
		return;
	}
	/* It may have written to another address of ours, too. */
	if (!ip_addr_equal(&old_local, &rr->req_local) &&
	    mif_move_carry_out_encap(sa, &old_local, &rr->req_local, true, 0,
				     peer_moves ? NULL : enc))
		log_pair(sa, ENGINE_LOG_WARNING, "our address not moved",
			 &old_local, &rr->req_local, "the kernel refused");
	sa->remote_port = rr->req_rport;
	sa->local_port = rr->req_lport;
	nat_moved(sa, &ck->pn, now);
	log_pair(sa, ENGINE_LOG_NOTICE, "the peer moved", &old_remote,
		 &rr->req_remote, "IKE SA and Child SAs follow");
	answer(sa, ck, true);
}

static void check_failed(struct ikesa *sa, struct rr_check *rr,
			 const char *why)
{
	struct update_check *ck = rr_check_owner(rr, struct update_check,
						 rr);

	log_pair(sa, ENGINE_LOG_WARNING, "the peer's update refused",
		 &sa->remote, &rr->req_remote, why);
	answer(sa, ck, false);
}

static const struct rr_check_ops update_rr_ops = {
	.routable = check_routable,
	.failed = check_failed,
};

/* Our update answered: move our side. */
static void update_response(struct ikesa *sa, struct update_req *u,
			    const struct engine_msg *m)
{
	const struct ike_payload *pl = ike_chain_find_notify(m->chain,
							     IKE_N_COOKIE2);
	uint16_t n = engine_error_notify(m->chain);
	const struct mif_move_encap *enc;
	struct mif_move_encap e;
	struct path_nat pn;
	int ret;

	if (n) {
		log_pair(sa, ENGINE_LOG_WARNING, "update", &u->old, &u->new, n ==
			 IKE_N_UNACCEPTABLE_ADDRESSES ? "refused by the peer "
			 "(UNACCEPTABLE_ADDRESSES): nothing moved" :
			 n == IKE_N_UNEXPECTED_NAT_DETECTED ? "refused by the "
			 "peer: a NAT on the new path, and mobike_no_nats = "
			 "yes (UNEXPECTED_NAT_DETECTED): nothing moved" :
			 "refused by the peer: nothing moved");
		return;
	}
	/* §3.5: the answer must echo our COOKIE2. */
	if (!pl || pl->notify->len != sizeof(u->cookie) ||
	    memcmp(pl->notify->data, u->cookie, sizeof(u->cookie))) {
		log_pair(sa, ENGINE_LOG_WARNING, "update", &u->old, &u->new,
			 "the answer does not echo our COOKIE2: nothing "
			 "moved");
		return;
	}
	natd_read(sa, m, &pn);
	enc = encap_after(sa, &pn, sa->local_port, sa->remote_port, &e);
	if (!ip_addr_equal(&u->old_remote, &u->new_remote)) {
		/* Path probing (§3.5): the peer's address moves. */
		ret = mif_move_carry_out_encap(sa, &u->old_remote,
					       &u->new_remote, false, 0,
					       ip_addr_equal(&u->old, &u->new) ?
					       enc : NULL);
		if (ret) {
			log_pair(sa, ENGINE_LOG_ERR, "update", &u->old_remote,
				 &u->new_remote, "the peer moved, but our "
				 "kernel refused: the Child SAs stay on its "
				 "old address");
			sa->remote = u->new_remote;
			return;
		}
		log_pair(sa, ENGINE_LOG_NOTICE, "moved to the peer's address",
			 &u->old_remote, &u->new_remote, "IKE SA and Child "
			 "SAs");
		if (ip_addr_equal(&u->old, &u->new)) {
			nat_moved(sa, &pn, m->now);
			return;
		}
	} else if (ip_addr_equal(&u->old, &u->new)) {
		/* The update from port 4500 (nat_moved()): nothing else moves. */
		log_pair(sa, ENGINE_LOG_INFO, "IKE on port 4500", &u->old,
			 &u->new, "the peer follows");
		return;
	}
	ret = mif_move_carry_out_encap(sa, &u->old, &u->new, true, 0, enc);
	if (ret) {
		log_pair(sa, ENGINE_LOG_ERR, "update", &u->old, &u->new, "the "
			 "peer moved, but our kernel refused: the Child SAs "
			 "stay on the old address");
		sa->local = u->new;	/* the peer talks to the new one */
		return;
	}
	nat_moved(sa, &pn, m->now);
	log_pair(sa, ENGINE_LOG_NOTICE, "moved our side", &u->old, &u->new,
		 "IKE SA and Child SAs");
}

void mobike_info_response(struct ikesa *sa, const struct engine_msg *m)
{
	struct update_req *u = request_get_as(sa, &update_req_ops,
					      struct update_req);
	struct update_check *ck = request_get_as(sa, &update_check_ops,
						 struct update_check);

	if (u)
		update_response(sa, u, m);
	else if (ck)
		rr_check_response(sa, &ck->rr, m);
}

bool mobike_check_timeout(struct ikesa *sa, uint64_t now)
{
	struct update_check *ck = request_get_as(sa, &update_check_ops,
						 struct update_check);

	return ck && rr_check_timeout(sa, &ck->rr, now);
}
