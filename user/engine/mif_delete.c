// SPDX-License-Identifier: GPL-2.0
/*
 * MIF part two: deleting an interface. See mif_delete.h; the rules are
 * docs/protocol/mif.md, "Deleting an interface".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/mif.h"
#include "engine/mif_delete.h"
#include "engine/notify_table.h"
#include "ike/constants.h"
#include "ike/delete.h"
#include "ike/mif_delete.h"

/* Our MIF_DELETE_INTERFACE in flight: the address it withdraws. */
struct del_request {
	struct request_state rs;	/* first: request_free_plain() */
	struct ip_addr addr;
};

static const struct request_ops del_request_ops = {
	.free = request_free_plain,
};

static uint8_t mif_family(const struct ip_addr *a)
{
	return a->family == AF_INET ? MIF_AF_IPV4 : MIF_AF_IPV6;
}

/* Whether the selector is the one host a. */
static bool sel_host(const struct ike_selector *s, const struct ip_addr *a)
{
	size_t len = ip_addr_len(a);
	uint8_t type = a->family == AF_INET ? IKE_TS_IPV4_ADDR_RANGE :
					      IKE_TS_IPV6_ADDR_RANGE;

	return s->type == type && !memcmp(s->start, a->bytes, len) &&
	       !memcmp(s->end, a->bytes, len);
}

bool mif_delete_bound(const struct childsa *c, const struct ip_addr *a)
{
	if (ip_addr_equal(&c->local, a) || ip_addr_equal(&c->remote, a))
		return true;
	if (c->mode != KERNEL_MODE_TRANSPORT)
		return false;
	for (unsigned int i = 0; i < c->n_local_ts; i++)
		if (sel_host(&c->local_ts[i], a))
			return true;
	for (unsigned int i = 0; i < c->n_remote_ts; i++)
		if (sel_host(&c->remote_ts[i], a))
			return true;
	return false;
}

static unsigned int count_bound(const struct ikesa *sa,
				const struct ip_addr *a)
{
	unsigned int n = 0;

	for (const struct childsa *c = sa->children; c; c = c->next)
		n += mif_delete_bound(c, a);
	return n;
}

/*
 * Whether c is on our address a: its local outer address, or in
 * transport mode a local selector naming it. What "iface del" withdraws
 * is an address of ours: the peer's, which each Child SA has as its
 * remote one, names none.
 */
static bool ours_bound(const struct childsa *c, const struct ip_addr *a)
{
	if (ip_addr_equal(&c->local, a))
		return true;
	if (c->mode != KERNEL_MODE_TRANSPORT)
		return false;
	for (unsigned int i = 0; i < c->n_local_ts; i++)
		if (sel_host(&c->local_ts[i], a))
			return true;
	return false;
}

static unsigned int count_ours(const struct ikesa *sa,
			       const struct ip_addr *a)
{
	unsigned int n = 0;

	for (const struct childsa *c = sa->children; c; c = c->next)
		n += ours_bound(c, a);
	return n;
}

/*
 * Our side of a delete: every Child SA of sa bound to a goes, with one
 * interface-wide kernel call scoped to sa, which removes their SAs and
 * the policies bound to a; the policies they share with Child SAs
 * elsewhere are handed to those (policy_table_forget()). Without the
 * call (a backend that cannot), each Child SA is removed on its own,
 * with the same result. Nothing bound: no kernel call. 0, or the
 * kernel's error: nothing changed. force: the peer has deleted its side
 * already, so a refused call is followed by the removal one by one.
 */
static void delete_each(struct ikesa *sa, const struct ip_addr *a,
			enum engine_reason why)
{
	struct childsa *c, *next;

	for (c = sa->children; c; c = next) {
		next = c->next;
		if (mif_delete_bound(c, a))
			ikesa_del_child(sa, c, why);
	}
}

static int delete_local(struct ikesa *sa, const struct ip_addr *a,
			enum engine_reason why, bool force)
{
	struct backend *b = sa->engine->backend;
	struct kernel_iface_result r;
	struct kernel_scope scope;
	struct childsa *c, *next;
	char buf[IP_ADDR_STRLEN];
	unsigned int n = count_bound(sa, a);
	int ret;

	if (!n)
		return 0;
	ip_addr_str(a, buf, sizeof(buf));
	if (!b->ops->delete_addr) {
		delete_each(sa, a, why);
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "%s deleted: %u "
			    "Child SAs, one by one (no interface-wide delete)",
			    buf, n);
		return 0;
	}
	ikesa_kernel_scope(sa, &scope);
	ret = b->ops->delete_addr(b, a, &scope, &r);
	if (ret) {
		engine_logf(sa->engine, ENGINE_LOG_ERR, sa, "%s: the kernel "
			    "refuses to delete what is bound to it: %s%s", buf,
			    strerror(-ret), force ? "; deleting its Child SAs "
			    "one by one" : "");
		if (!force)
			return ret;
		delete_each(sa, a, why);
		return 0;
	}
	for (c = sa->children; c; c = next) {
		next = c->next;
		if (!mif_delete_bound(c, a))
			continue;
		ikesa_take_child(sa, c, why);
		if (childsa_forget(c, sa->engine, a, &scope))
			engine_logf(sa->engine, ENGINE_LOG_ERR, sa, "%s: a "
				    "policy shared with another Child SA could "
				    "not be added again", buf);
		childsa_free(c);
	}
	engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "%s deleted: %u Child "
		    "SAs (%u kernel SAs, %u policies)", buf, n, r.states,
		    r.policies);
	return 0;
}

/* Remove a from an announced list (the whole entry with all). */
static void unlist(struct mif_interfaces *m, uint16_t id,
		   const struct ip_addr *a)
{
	for (unsigned int i = 0; i < m->n; i++) {
		struct mif_iface *f = &m->iface[i];

		if (id && f->id != id)
			continue;
		if (!a) {
			memmove(f, f + 1, (m->n - i - 1) * sizeof(*f));
			memset(&m->iface[--m->n], 0, sizeof(*f));
			return;
		}
		for (unsigned int j = 0; a->family == AF_INET && j < f->n4; j++)
			if (!memcmp(f->addr4[j], a->bytes, 4)) {
				memmove(f->addr4[j], f->addr4[j + 1],
					(f->n4 - j - 1) * 4u);
				memset(f->addr4[--f->n4], 0, 4);
				return;
			}
		for (unsigned int j = 0; a->family == AF_INET6 && j < f->n6;
		     j++)
			if (!memcmp(f->addr6[j], a->bytes, 16)) {
				memmove(f->addr6[j], f->addr6[j + 1],
					(f->n6 - j - 1) * 16u);
				memset(f->addr6[--f->n6], 0, 16);
				return;
			}
	}
}

/* Our interface ID of a in the list we announced, 0 if not there. */
static uint16_t our_id(const struct ikesa *sa, const struct ip_addr *a)
{
	const struct mif_interfaces *m = sa->mif->ours;

	for (unsigned int i = 0; i < m->n; i++)
		if (mif_iface_has_addr(&m->iface[i], mif_family(a), a->bytes))
			return m->iface[i].id;
	return 0;
}

/* Without MIF: a plain Delete of the Child SAs bound to a (RFC 7296). */
static int delete_plain(struct ikesa *sa, const struct ip_addr *a,
			unsigned int n, uint64_t now)
{
	struct childsa **cs;
	unsigned int k = 0;
	int ret;

	if (sa->req.active)
		return -EBUSY;
	if (n > IKE_DELETE_MAX_SPIS)
		n = IKE_DELETE_MAX_SPIS;
	cs = calloc(n, sizeof(*cs));
	if (!cs)
		return -ENOMEM;
	for (struct childsa *c = sa->children; c && k < n; c = c->next)
		if (mif_delete_bound(c, a) && c->spi_in)
			cs[k++] = c;
	ret = k ? informational_delete_children(sa, cs, k, now) : -ENOENT;
	free(cs);
	if (!ret)
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "deleting the %u "
			    "Child SAs on an address (no MIF with this peer: "
			    "INFORMATIONAL Delete)", k);
	return ret;
}

int mif_delete_start(struct ikesa *sa, const struct ip_addr *addr,
		     unsigned int *n, uint64_t now)
{
	*n = 0;
	if (sa->state != IKESA_ESTABLISHED || sa->replaced)
		return -EINVAL;
	if (ip_addr_equal(addr, &sa->local))
		return -EADDRINUSE;
	*n = count_ours(sa, addr);
	if (sa->mif_status != MIF_ON)
		return *n ? delete_plain(sa, addr, *n, now) : -ENOENT;
	if (!*n && !our_id(sa, addr))
		return -ENOENT;
	if (sa->mif->del_pending)
		return -EBUSY;
	sa->mif->del_pending = true;
	sa->mif->del_addr = *addr;
	mif_delete_tick(sa, now);
	return 0;
}

uint64_t mif_delete_deadline(const struct ikesa *sa)
{
	if (sa->mif_status != MIF_ON || !sa->mif->del_pending ||
	    sa->state != IKESA_ESTABLISHED || sa->replaced || sa->req.active)
		return 0;
	return 1;	/* due now */
}

bool mif_delete_tick(struct ikesa *sa, uint64_t now)
{
	struct mif_delete d = { 0 };
	struct del_request *dr;
	struct ike_chain *chain;
	struct ike_notify n;
	struct ike_writer w;
	struct ike_error err;
	bool sent = false;

	if (!mif_delete_deadline(sa))
		return false;
	sa->mif->del_pending = false;
	d.id = our_id(sa, &sa->mif->del_addr);
	d.family = mif_family(&sa->mif->del_addr);
	memcpy(d.addr, sa->mif->del_addr.bytes,
	       ip_addr_len(&sa->mif->del_addr));
	ike_writer_init(&w);
	chain = calloc(1, sizeof(*chain));
	dr = calloc(1, sizeof(*dr));
	if (chain && dr && !mif_delete_build(&w, &d, &err) &&
	    ike_writer_ok(&w)) {
		dr->rs.ops = &del_request_ops;
		dr->addr = sa->mif->del_addr;
		ikesa_notify(&n, IKE_N_MIF_DELETE_INTERFACE, w.p, w.len);
		ike_chain_add(chain, IKE_PL_NOTIFY, &n, &err);
		if (!ikesa_request(sa, now, IKE_EXCH_INFORMATIONAL, chain)) {
			request_set(sa, &dr->rs);
			dr = NULL;
			sent = true;
		}
	}
	if (sent)
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "deleting an "
			    "interface (MIF_DELETE_INTERFACE, interface %u)",
			    d.id);
	else
		engine_logf(sa->engine, ENGINE_LOG_ERR, sa, "MIF_DELETE_"
			    "INTERFACE not sent (out of memory): nothing "
			    "deleted");
	free(dr);
	if (chain)
		ike_chain_free(chain);
	free(chain);
	ike_writer_free(&w);
	return sent;
}

void mif_delete_response(struct ikesa *sa, const struct ike_chain *resp)
{
	struct del_request *dr = request_get_as(sa, &del_request_ops,
						struct del_request);
	char buf[IP_ADDR_STRLEN];

	if (!dr)
		return;
	ip_addr_str(&dr->addr, buf, sizeof(buf));
	if (ike_chain_find_notify(resp, IKE_N_MIF_UNACCEPTABLE_MOVE)) {
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "the peer "
			    "refused to delete %s (MIF_UNACCEPTABLE_MOVE): "
			    "nothing deleted", buf);
		return;
	}
	if (!delete_local(sa, &dr->addr, ENGINE_R_LOCAL, true) && sa->mif)
		unlist(sa->mif->ours, 0, &dr->addr);
}

/*
 * The answer to a refused request: an error notify without data, one
 * payload for every answer (a response is built and sent before the
 * next request is read).
 */
static struct ike_notify unacceptable;

static void refuse(struct notify_ctx *ctx, const char *why)
{
	struct ike_error err;

	engine_logf(ctx->sa->engine, ENGINE_LOG_WARNING, ctx->sa,
		    "MIF_DELETE_INTERFACE refused: %s", why);
	ikesa_notify(&unacceptable, IKE_N_MIF_UNACCEPTABLE_MOVE, NULL, 0);
	ike_chain_add(ctx->out, IKE_PL_NOTIFY, &unacceptable, &err);
}

/*
 * The addresses the peer withdraws (d's address, or every address of
 * its interface d->id), checked against its announcement: NULL, or why
 * the request is refused.
 */
static const char *peer_addrs(const struct ikesa *sa,
			      const struct mif_delete *d,
			      struct ip_addr *out, unsigned int *n)
{
	const struct mif_interfaces *m = sa->mif->peer;
	const struct mif_iface *f = NULL;

	*n = 0;
	if (!sa->mif->have_peer)
		return "the peer has announced no interface";
	if (d->id) {
		f = mif_iface_find(m, d->id);
		if (!f)
			return "an interface ID the peer has not announced";
	}
	if (d->family != MIF_AF_ALL) {
		bool listed = false;

		for (unsigned int i = 0; i < m->n && !listed; i++)
			listed = (!f || f == &m->iface[i]) &&
				 mif_iface_has_addr(&m->iface[i], d->family,
						    d->addr);
		if (!listed)
			return f ? "an address not listed under its interface" :
				   "an address the peer has not announced";
		ip_addr_from_bytes(&out[(*n)++], d->addr,
				   mif_addr_len(d->family));
		return NULL;
	}
	for (unsigned int i = 0; i < f->n4; i++)
		ip_addr_from_bytes(&out[(*n)++], f->addr4[i], 4);
	for (unsigned int i = 0; i < f->n6; i++)
		ip_addr_from_bytes(&out[(*n)++], f->addr6[i], 16);
	return NULL;
}

/* INFORMATIONAL request: the peer withdraws an address or an interface. */
static void delete_request(struct notify_ctx *ctx, const struct ike_notify *n)
{
	struct ip_addr addrs[2 * MIF_MAX_ADDRS];
	struct ikesa *sa = ctx->sa;
	struct mif_delete d;
	struct ike_error err;
	unsigned int k, bound = 0;
	const char *why;

	if (sa->mif_status != MIF_ON) {
		engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "INFORMATIONAL: "
			    "MIF_DELETE_INTERFACE without MIF negotiated: "
			    "ignored");
		return;
	}
	if (mif_delete_parse(&d, n->data, n->len, &err)) {
		refuse(ctx, err.reason);
		return;
	}
	why = peer_addrs(sa, &d, addrs, &k);
	for (unsigned int i = 0; !why && i < k; i++) {
		if (ip_addr_equal(&addrs[i], &sa->remote))
			why = "the IKE SA's own address (delete the IKE SA "
			      "instead)";
		bound += count_bound(sa, &addrs[i]);
	}
	if (why) {
		refuse(ctx, why);
		return;
	}
	for (unsigned int i = 0; i < k; i++) {
		if (delete_local(sa, &addrs[i], ENGINE_R_PEER, false)) {
			refuse(ctx, "the kernel refused the delete");
			return;
		}
		if (d.family != MIF_AF_ALL)
			unlist(sa->mif->peer, d.id, &addrs[i]);
	}
	if (d.family == MIF_AF_ALL)
		unlist(sa->mif->peer, d.id, NULL);
	engine_logf(sa->engine, ENGINE_LOG_INFO, sa, "the peer deletes %s "
		    "(interface %u): %u Child SAs", d.family == MIF_AF_ALL ?
		    "an interface" : "an address", d.id, bound);
}

const struct notify_entry notify_mif_delete_interface = {
	.type = IKE_N_MIF_DELETE_INTERFACE,
	.where = NOTIFY_IN_INFO_REQ,
	.handle = delete_request,
};

int engine_mif_delete(struct engine *e, const char *conn,
		      const struct ip_addr *addr, uint64_t now,
		      struct engine_mif_delete *r)
{
	unsigned int n;
	int ret, err = -ENOENT;

	memset(r, 0, sizeof(*r));
	for (struct ikesa *sa = e->sas; sa; sa = sa->next) {
		if (!ikesa_of_conn(sa, conn))
			continue;
		if (sa->state != IKESA_ESTABLISHED || sa->replaced)
			continue;
		ikesa_touch(sa);
		ret = mif_delete_start(sa, addr, &n, now);
		if (ret == -ENOENT)
			continue;
		if (ret) {
			r->refused++;
			err = ret;
			continue;
		}
		if (sa->mif_status == MIF_ON)
			r->sent++;
		else
			r->plain++;
		r->children += n;
	}
	return r->sent || r->plain ? 0 : err;
}
