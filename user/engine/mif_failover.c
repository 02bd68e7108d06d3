// SPDX-License-Identifier: GPL-2.0
/*
 * MIF part two: multihoming and failover, and what the kernel did
 * outside our calls. See mif_failover.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/mif.h"
#include "engine/mif_failover.h"
#include "engine/mif_move.h"
#include "engine/mobike.h"

static int addr_family_mif(const struct ip_addr *a)
{
	return a->family == AF_INET ? MIF_AF_IPV4 : MIF_AF_IPV6;
}

/* The first usable address of ifc in family, or NULL. */
static const struct ip_addr *first_addr(const struct iface *ifc, int family)
{
	const struct ip_addr *list = family == AF_INET ? ifc->v4 : ifc->v6;
	unsigned int n = family == AF_INET ? ifc->n_v4 : ifc->n_v6;

	for (unsigned int i = 0; i < n; i++)
		if (mif_addr_usable(addr_family_mif(&list[i]), list[i].bytes))
			return &list[i];
	return NULL;
}

/* Whether a is before b among alternates: priority, then lower id. */
static bool better(int pa, uint16_t ida, int pb, uint16_t idb)
{
	return pa != pb ? pa > pb : ida < idb;
}

unsigned int mif_failover_alts(const struct engine *e, const struct conn *c,
			       const struct ip_addr *addr,
			       struct ip_addr *alts, unsigned int max)
{
	const struct iface_table *t = &e->ifaces;
	const struct iface *own = iface_by_addr(t, addr);
	const struct iface *pick[IFACE_MAX];
	int prio[IFACE_MAX];
	unsigned int n = 0;

	for (unsigned int i = 0; i < t->n; i++) {
		const struct iface *ifc = &t->ifaces[i];
		int p = iface_pattern_priority(c->ifaces, c->n_ifaces,
					       ifc->name);
		unsigned int j;

		if (ifc == own || !ifc->up || p == IFACE_PRIO_NONE ||
		    !first_addr(ifc, addr->family))
			continue;
		/* Insertion: the list is at most IFACE_MAX long. */
		for (j = n; j > 0 && better(p, ifc->id, prio[j - 1],
					    pick[j - 1]->id); j--) {
			pick[j] = pick[j - 1];
			prio[j] = prio[j - 1];
		}
		pick[j] = ifc;
		prio[j] = p;
		n++;
	}
	if (n > max)
		n = max;
	for (unsigned int i = 0; i < n; i++)
		alts[i] = *first_addr(pick[i], addr->family);
	return n;
}

/*
 * The alternates of our address addr on sa: its list by hand (mifctl ike
 * iface alt, mif_alt.c) if it has one, else the default rule.
 */
static unsigned int sa_alts(const struct ikesa *sa, const struct ip_addr *addr,
			    struct ip_addr *alts, unsigned int max)
{
	int n = mif_alt_ours(sa, addr, alts, max);

	if (n >= 0)
		return (unsigned int)n;
	return mif_failover_alts(sa->engine, sa->conn, addr, alts, max);
}

/* Whether a is on an interface of the table that is up. */
static bool addr_usable(const struct engine *e, const struct ip_addr *a)
{
	const struct iface *ifc = iface_by_addr(&e->ifaces, a);

	return ifc && ifc->up;
}

/* Whether sa takes part: established with MIF, not on its way out. */
static bool failover_sa(const struct ikesa *sa)
{
	return sa->state == IKESA_ESTABLISHED && sa->mif_status == MIF_ON &&
	       !sa->replaced;
}

/* Whether an installed Child SA of sa has the local address a. */
static bool addr_in_use(const struct ikesa *sa, const struct ip_addr *a)
{
	for (const struct childsa *c = sa->children; c; c = c->next)
		if (c->installed && ip_addr_equal(&c->local, a))
			return true;
	return false;
}

/*
 * Give the kernel the alternates of a, one of our addresses that is up;
 * false when the kernel cannot keep them (mifd then fails over by itself).
 */
static bool refresh_addr(struct ikesa *sa, const struct ip_addr *a,
			 const struct kernel_scope *scope)
{
	struct engine *e = sa->engine;
	struct backend *b = e->backend;
	struct ip_addr alts[MIF_FAILOVER_MAX_ALTS];
	char s[IP_ADDR_STRLEN];
	unsigned int n;
	int ret;

	n = sa_alts(sa, a, alts, MIF_FAILOVER_MAX_ALTS);
	ret = b->ops->set_alts(b, a, alts, n, scope);
	if (ret == -EOPNOTSUPP) {
		e->kernel_failover = false;
		return false;
	}
	if (ret) {
		engine_logf(e, ENGINE_LOG_WARNING, sa, "alternates of %s not "
			    "set in the kernel: %s; mifd fails over by itself",
			    ip_addr_str(a, s, sizeof(s)), strerror(-ret));
		e->kernel_failover = false;
		return false;
	}
	e->kernel_failover = true;
	return true;
}

/*
 * Set the kernel's alternates of every local address of sa's SAs: a walk
 * of our addresses that are up, each looked for among the Child SAs, so a
 * refresh costs the Child SAs times our few addresses (it runs at each
 * Child SA installed: an add of s of them stays linear per SA).
 */
void mif_failover_refresh(struct ikesa *sa)
{
	const struct iface_table *t = &sa->engine->ifaces;
	struct kernel_scope scope;

	if (!failover_sa(sa))
		return;
	if (!sa->engine->backend->ops->set_alts) {
		sa->engine->kernel_failover = false;
		return;
	}
	ikesa_kernel_scope(sa, &scope);
	for (unsigned int i = 0; i < t->n; i++) {
		const struct iface *ifc = &t->ifaces[i];

		if (!ifc->up)
			continue;
		for (unsigned int j = 0; j < ifc->n_v4 + ifc->n_v6; j++) {
			const struct ip_addr *a = j < ifc->n_v4 ?
				&ifc->v4[j] : &ifc->v6[j - ifc->n_v4];

			if (addr_in_use(sa, a) && !refresh_addr(sa, a, &scope))
				return;
		}
	}
}

/* c's local address is now addr: its interface follows. */
static void child_local(struct engine *e, struct childsa *c,
			const struct ip_addr *addr)
{
	const struct iface *ifc = iface_by_addr(&e->ifaces, addr);

	c->local = *addr;
	c->ifindex = ifc ? ifc->ifindex : 0;
	if (ifc && c->local_iface)
		c->local_iface = ifc->id;
}

/*
 * Our address old is gone and new replaces it: request r of sa in
 * flight from old (the IKE SA's own address, or one sent away from
 * it) is sent again from new, so that its retransmissions, and the
 * MIF_MOVE queued behind it, reach the peer.
 */
static void request_from(struct ikesa *sa, struct ikesa_request *r,
			 const struct ip_addr *old, const struct ip_addr *new)
{
	if (!r->active)
		return;
	if (r->away) {
		if (!ip_addr_equal(&r->local, old))
			return;
	} else {
		if (!ip_addr_equal(&sa->local, old))
			return;
		r->away = true;
		r->remote = sa->remote;
	}
	r->local = *new;
	/*
	 * What was sent from old went into a failed link: send it again
	 * now rather than at its retransmission time (its schedule is
	 * kept), or everything queued behind it waits that long.
	 */
	ikesa_resend(sa, r);
}

/* The same of every request in flight, those of the window too. */
static void requests_from(struct ikesa *sa, const struct ip_addr *old,
			  const struct ip_addr *new)
{
	request_from(sa, &sa->req, old, new);
	for (unsigned int i = 0; i < sa->n_parked; i++)
		request_from(sa, &sa->parked[i], old, new);
}

/* Tell the peer that sa's SAs on old are on new now. */
static void tell_peer(struct ikesa *sa, const struct ip_addr *old,
		      const struct ip_addr *new, bool local, uint64_t now)
{
	char o[IP_ADDR_STRLEN], n[IP_ADDR_STRLEN];
	int ret = mif_move_start(sa, old, new, local, now);

	if (ret)
		engine_logf(sa->engine, ENGINE_LOG_WARNING, sa, "the peer "
			    "is not told of the move of %s to %s: %s",
			    ip_addr_str(old, o, sizeof(o)),
			    ip_addr_str(new, n, sizeof(n)), strerror(-ret));
}

/*
 * Our address old went without the module to fail over: move sa's SAs
 * to its best alternate ourselves, and tell the peer.
 */
static void fail_over(struct ikesa *sa, const struct ip_addr *old,
		      uint64_t now)
{
	struct engine *e = sa->engine;
	struct backend *b = e->backend;
	struct kernel_iface_result r;
	struct kernel_scope scope;
	struct kernel_move m;
	char o[IP_ADDR_STRLEN], n[IP_ADDR_STRLEN];
	int ret;

	ip_addr_str(old, o, sizeof(o));
	memset(&m, 0, sizeof(m));
	m.old = *old;
	if (!sa_alts(sa, old, &m.new, 1)) {
		engine_logf(e, ENGINE_LOG_WARNING, sa, "address %s lost, "
			    "and no other interface to fail over to", o);
		return;
	}
	ip_addr_str(&m.new, n, sizeof(n));
	ikesa_kernel_scope(sa, &scope);
	ret = b->ops->move_addr ? b->ops->move_addr(b, &m, &scope, &r) :
				  -EOPNOTSUPP;
	if (ret) {
		engine_logf(e, ENGINE_LOG_ERR, sa, "address %s lost; its SAs "
			    "not moved to %s: %s", o, n, strerror(-ret));
		return;
	}
	engine_logf(e, ENGINE_LOG_NOTICE, sa, "address %s lost: %u SAs and "
		    "%u policies moved to %s", o, r.states, r.policies, n);
	for (struct childsa *c = sa->children; c; c = c->next)
		if (ip_addr_equal(&c->local, old)) {
			child_local(e, c, &m.new);
			childsa_point_policies(c, e);
		}
	requests_from(sa, old, &m.new);
	mif_failback_note(sa, old, &m.new);
	tell_peer(sa, old, &m.new, true, now);
}

/* Whether sa has an installed Child SA on our address a. */
static bool uses(const struct ikesa *sa, const struct ip_addr *a)
{
	for (const struct childsa *c = sa->children; c; c = c->next)
		if (c->installed && ip_addr_equal(&c->local, a))
			return true;
	return false;
}

void mif_failover_changed(struct engine *e)
{
	for (struct ikesa *sa = e->sas; sa; sa = sa->next)
		mif_failover_refresh(sa);
}

void mif_failover_tick(struct engine *e, uint64_t now)
{
	unsigned int n_lost = e->n_failover_lost;

	e->n_failover_lost = 0;
	/* IKE SAs without MIF: their own address moves by MOBIKE. */
	if (n_lost)
		mobike_addrs_lost(e, e->failover_lost, n_lost, now);
	if (!n_lost || e->kernel_failover)
		return;		/* the kernel's MOVED events will come */
	for (struct ikesa *sa = e->sas; sa; sa = sa->next) {
		if (!failover_sa(sa))
			continue;
		for (unsigned int i = 0; i < n_lost; i++) {
			const struct ip_addr *a = &e->failover_lost[i];

			if (!addr_usable(e, a) && uses(sa, a))
				fail_over(sa, a, now);
		}
	}
}

/* Address or link changes from the interface table (iface.c). */

void mif_failover_addr_lost(struct engine *e, const struct ip_addr *a)
{
	char s[IP_ADDR_STRLEN];

	mif_failback_addr(e, a, false);
	for (unsigned int i = 0; i < e->n_failover_lost; i++)
		if (ip_addr_equal(&e->failover_lost[i], a))
			return;
	if (e->n_failover_lost == ENGINE_FAILOVER_LOST_MAX) {
		engine_logf(e, ENGINE_LOG_WARNING, NULL, "address %s lost: "
			    "%u losses wait already, not failed over",
			    ip_addr_str(a, s, sizeof(s)),
			    ENGINE_FAILOVER_LOST_MAX);
		return;
	}
	e->failover_lost[e->n_failover_lost++] = *a;
}

void mif_failover_iface_lost(struct engine *e, const struct iface *ifc)
{
	for (unsigned int i = 0; i < ifc->n_v4; i++)
		mif_failover_addr_lost(e, &ifc->v4[i]);
	for (unsigned int i = 0; i < ifc->n_v6; i++)
		mif_failover_addr_lost(e, &ifc->v6[i]);
}

/* The kernel's events: one view of the SAs. */

/*
 * Whether the kernel has the SA of spi (to dst) at addr now: its dst
 * moved with it. Without sa_stats we cannot ask, and believe the event.
 */
static bool sa_at(struct engine *e, const struct ip_addr *addr, uint32_t spi)
{
	struct backend *b = e->backend;
	struct kernel_sa_stats st;

	if (!b->ops->sa_stats)
		return true;
	return !b->ops->sa_stats(b, addr, spi, 0, 0, &st);
}

/* MOVED: the Child SAs the kernel moved get the new addresses. */
static void kernel_moved(struct engine *e, const struct kernel_event *ev,
			 uint64_t now)
{
	for (struct ikesa *sa = e->sas; sa; sa = sa->next) {
		bool local = false, remote = false;

		if (sa->state == IKESA_DEAD)
			continue;
		for (struct childsa *c = sa->children; c; c = c->next) {
			if (!c->installed)
				continue;
			if (ip_addr_equal(&c->local, &ev->addr) &&
			    sa_at(e, &ev->new_addr, c->spi_in)) {
				child_local(e, c, &ev->new_addr);
				local = true;
			} else if (ip_addr_equal(&c->remote, &ev->addr) &&
				   sa_at(e, &ev->new_addr, c->spi_out)) {
				c->remote = ev->new_addr;
				remote = true;
			} else {
				continue;
			}
			childsa_point_policies(c, e);
		}
		if (!local && !remote)
			continue;
		engine_logf(e, ENGINE_LOG_NOTICE, sa, "the kernel moved its "
			    "SAs (%s): the %s address follows",
			    ev->failover ? "failover" : "rewrite",
			    local ? "local" : "peer's");
		if (!failover_sa(sa))
			continue;
		mif_failover_refresh(sa);	/* of the new address */
		if (local)
			requests_from(sa, &ev->addr, &ev->new_addr);
		if (local && ev->failover)
			mif_failback_note(sa, &ev->addr, &ev->new_addr);
		tell_peer(sa, &ev->addr, &ev->new_addr, local, now);
	}
}

/* DELETED: the Child SAs whose SAs the kernel deleted are dropped. */
static void kernel_deleted(struct engine *e, const struct kernel_event *ev,
			   uint64_t now)
{
	for (struct ikesa *sa = e->sas; sa; sa = sa->next) {
		struct childsa *c, *next;

		if (sa->state == IKESA_DEAD)
			continue;
		for (c = sa->children; c; c = next) {
			next = c->next;
			if (!c->installed ||
			    (!ip_addr_equal(&c->local, &ev->addr) &&
			     !ip_addr_equal(&c->remote, &ev->addr)) ||
			    (e->backend->ops->sa_stats &&
			     sa_at(e, &c->local, c->spi_in)))
				continue;
			engine_logf(e, ENGINE_LOG_NOTICE, sa, "Child SA "
				    "%08x deleted in the kernel: dropped, the "
				    "peer told", c->spi_in);
			if (sa->state == IKESA_ESTABLISHED &&
			    !informational_deletes(sa, c->spi_in))
				ikesa_queue_delete(sa, c->spi_in, now);
			ikesa_del_child(sa, c, ENGINE_R_LOCAL);
		}
	}
}

void engine_kernel_event(struct engine *e, const struct kernel_event *ev,
			 uint64_t now)
{
	char a[IP_ADDR_STRLEN];

	/* The Child SAs of any IKE SA may have moved or gone. */
	engine_touch_all(e);
	switch (ev->type) {
	case KERNEL_EV_MOVED:
		kernel_moved(e, ev, now);
		break;
	case KERNEL_EV_DELETED:
		kernel_deleted(e, ev, now);
		break;
	case KERNEL_EV_FAILOVER_FAILED:
		engine_logf(e, ENGINE_LOG_WARNING, NULL, "address %s lost, "
			    "and the kernel had no alternate to fail over to",
			    ip_addr_str(&ev->addr, a, sizeof(a)));
		break;
	case KERNEL_EV_CLONED:
	case KERNEL_EV_ACQUIRE:		/* the daemon's: it starts connections */
		break;
	}
}
