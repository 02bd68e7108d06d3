// SPDX-License-Identifier: GPL-2.0
/*
 * Links and addresses from rtnetlink into the engine's interface table
 * (iface_watch.h). Each change is fed as it comes; the whole of both
 * caches is fed at the start, after a lost notification (the socket
 * overran: the caches are read anew), and when an interface or address
 * went away while others were ignored for lack of room.
 */
#include <errno.h>
#include <linux/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "daemon/iface_watch.h"
#include "daemon/log.h"
#include "engine/engine.h"

#ifndef IFA_F_DADFAILED
#define IFA_F_DADFAILED	0x08
#endif
#ifndef IFA_F_TENTATIVE
#define IFA_F_TENTATIVE	0x40
#endif

static bool link_skipped(struct rtnl_link *link)
{
	return rtnl_link_get_flags(link) & IFF_LOOPBACK;
}

static void feed_link(struct iface_watch *w, struct rtnl_link *link)
{
	unsigned int flags = rtnl_link_get_flags(link);
	const char *name = rtnl_link_get_name(link);
	const struct iface *old;
	struct iface ifc;

	if (link_skipped(link) || !name)
		return;
	memset(&ifc, 0, sizeof(ifc));
	snprintf(ifc.name, sizeof(ifc.name), "%s", name);
	ifc.ifindex = rtnl_link_get_ifindex(link);
	ifc.up = (flags & IFF_UP) && (flags & IFF_LOWER_UP);
	old = engine_iface_by_ifindex(w->engine, ifc.ifindex);
	if (old && old->up == ifc.up && !strcmp(old->name, ifc.name))
		return;
	if (old && strcmp(old->name, ifc.name))
		mlog(LOG_INFO, "interface %s (index %d) is now %s", old->name,
		     ifc.ifindex, ifc.name);
	if (engine_iface_update(w->engine, &ifc))
		return;		/* the engine said why */
	old = engine_iface_by_ifindex(w->engine, ifc.ifindex);
	mlog(LOG_INFO, "interface %s (index %d, id %u): %s", old->name,
	     old->ifindex, old->id, old->up ? "up" : "down");
}

static void drop_link(struct iface_watch *w, int ifindex)
{
	const struct iface *ifc = engine_iface_by_ifindex(w->engine, ifindex);

	if (!ifc)
		return;
	mlog(LOG_INFO, "interface %s (index %d, id %u): gone", ifc->name,
	     ifindex, ifc->id);
	engine_iface_del(w->engine, ifindex);
	if (w->engine->ifaces.ignored_ifaces)
		w->resync = true;
}

/* The address of a, if mifd takes it into account. */
static bool usable_addr(struct rtnl_addr *a, struct ip_addr *out)
{
	struct nl_addr *local = rtnl_addr_get_local(a);

	if (!local || rtnl_addr_get_flags(a) &
		      (IFA_F_TENTATIVE | IFA_F_DADFAILED))
		return false;
	if (ip_addr_from_bytes(out, nl_addr_get_binary_addr(local),
			       nl_addr_get_len(local)))
		return false;
	return out->family == AF_INET ||
	       !IN6_IS_ADDR_LINKLOCAL(&out->v6);
}

static bool has_addr(const struct iface *ifc, const struct ip_addr *a)
{
	const struct ip_addr *list = a->family == AF_INET ? ifc->v4 : ifc->v6;
	unsigned int n = a->family == AF_INET ? ifc->n_v4 : ifc->n_v6;

	for (unsigned int i = 0; i < n; i++)
		if (ip_addr_equal(&list[i], a))
			return true;
	return false;
}

static void log_addr(const struct iface_watch *w, int ifindex,
		     const struct ip_addr *a, bool add)
{
	const struct iface *ifc = engine_iface_by_ifindex(w->engine, ifindex);
	char buf[IP_ADDR_STRLEN];

	mlog(LOG_INFO, "interface %s (id %u): address %s %s", ifc->name,
	     ifc->id, ip_addr_str(a, buf, sizeof(buf)),
	     add ? "added" : "removed");
}

static void drop_addr(struct iface_watch *w, int ifindex,
		      const struct ip_addr *a)
{
	const struct iface *ifc = engine_iface_by_ifindex(w->engine, ifindex);
	bool ignored = ifc && ifc->ignored_addrs;

	if (engine_iface_addr(w->engine, ifindex, a, false))
		return;		/* not one of the table's */
	log_addr(w, ifindex, a, false);
	if (ignored)
		w->resync = true;
}

/* A new or changed address: in the table if usable, else not. */
static void feed_addr(struct iface_watch *w, struct rtnl_addr *ra,
		      bool gone)
{
	int ifindex = rtnl_addr_get_ifindex(ra);
	struct nl_addr *local = rtnl_addr_get_local(ra);
	const struct iface *ifc;
	struct ip_addr a;

	if (!local || ip_addr_from_bytes(&a, nl_addr_get_binary_addr(local),
					 nl_addr_get_len(local)))
		return;
	if (gone || !usable_addr(ra, &a)) {
		drop_addr(w, ifindex, &a);
		return;
	}
	ifc = engine_iface_by_ifindex(w->engine, ifindex);
	if (!ifc || has_addr(ifc, &a))
		return;		/* an interface left out, or known */
	if (!engine_iface_addr(w->engine, ifindex, &a, true))
		log_addr(w, ifindex, &a, true);
}

static void on_change(struct nl_cache *cache, struct nl_object *obj,
		      int action, void *arg)
{
	struct iface_watch *w = arg;
	const char *type = nl_object_get_type(obj);

	if (!strcmp(type, "route/link")) {
		struct rtnl_link *link = (struct rtnl_link *)obj;

		if (action == NL_ACT_DEL)
			drop_link(w, rtnl_link_get_ifindex(link));
		else
			feed_link(w, link);
	} else if (!strcmp(type, "route/addr")) {
		feed_addr(w, (struct rtnl_addr *)obj, action == NL_ACT_DEL);
	}
}

/* Whether ifindex has a as a usable address in the cache. */
static bool cache_has_addr(struct iface_watch *w, int ifindex,
			   const struct ip_addr *a)
{
	for (struct nl_object *o = nl_cache_get_first(w->addrs); o;
	     o = nl_cache_get_next(o)) {
		struct rtnl_addr *ra = (struct rtnl_addr *)o;
		struct ip_addr b;

		if (rtnl_addr_get_ifindex(ra) == ifindex &&
		    usable_addr(ra, &b) && ip_addr_equal(a, &b))
			return true;
	}
	return false;
}

/* Make the engine's table what the caches say. */
static void feed_all(struct iface_watch *w)
{
	const struct iface_table *t = &w->engine->ifaces;
	struct ip_addr gone[2 * IFACE_MAX_ADDRS];
	int ifindex[IFACE_MAX];
	unsigned int n = t->n;

	for (unsigned int i = 0; i < n; i++)
		ifindex[i] = t->ifaces[i].ifindex;
	for (unsigned int i = 0; i < n; i++) {
		struct rtnl_link *link = rtnl_link_get(w->links, ifindex[i]);

		if (!link || link_skipped(link))
			drop_link(w, ifindex[i]);
		if (link)
			rtnl_link_put(link);
	}
	for (struct nl_object *o = nl_cache_get_first(w->links); o;
	     o = nl_cache_get_next(o))
		feed_link(w, (struct rtnl_link *)o);
	for (unsigned int i = 0; i < t->n; i++) {
		const struct iface *ifc = &t->ifaces[i];
		unsigned int ng = 0;

		for (unsigned int j = 0; j < ifc->n_v4; j++)
			if (!cache_has_addr(w, ifc->ifindex, &ifc->v4[j]))
				gone[ng++] = ifc->v4[j];
		for (unsigned int j = 0; j < ifc->n_v6; j++)
			if (!cache_has_addr(w, ifc->ifindex, &ifc->v6[j]))
				gone[ng++] = ifc->v6[j];
		for (unsigned int j = 0; j < ng; j++)
			drop_addr(w, ifc->ifindex, &gone[j]);
	}
	for (struct nl_object *o = nl_cache_get_first(w->addrs); o;
	     o = nl_cache_get_next(o))
		feed_addr(w, (struct rtnl_addr *)o, false);
	/* What was fed now, as much as fits: no need to go again. */
	w->resync = false;
}

static void close_mngr(struct iface_watch *w)
{
	if (w->mngr)
		nl_cache_mngr_free(w->mngr);	/* and its caches */
	w->mngr = NULL;
	w->links = w->addrs = NULL;
}

static int open_mngr(struct iface_watch *w)
{
	int ret;

	ret = nl_cache_mngr_alloc(NULL, NETLINK_ROUTE, 0, &w->mngr);
	if (ret < 0) {
		w->mngr = NULL;
		mlog(LOG_ERR, "interfaces: rtnetlink: %s", nl_geterror(ret));
		return -ENOMEM;
	}
	ret = nl_cache_mngr_add(w->mngr, "route/link", on_change, w,
				&w->links);
	if (ret >= 0)
		ret = nl_cache_mngr_add(w->mngr, "route/addr", on_change, w,
					&w->addrs);
	if (ret < 0) {
		mlog(LOG_ERR, "interfaces: cannot read links and addresses: "
		     "%s", nl_geterror(ret));
		close_mngr(w);
		return -EIO;
	}
	return 0;
}

int iface_watch_open(struct iface_watch *w, struct engine *e)
{
	int ret;

	memset(w, 0, sizeof(*w));
	w->engine = e;
	ret = open_mngr(w);
	if (ret)
		return ret;
	feed_all(w);
	mlog(LOG_INFO, "interfaces: %u in the table", e->ifaces.n);
	return 0;
}

void iface_watch_close(struct iface_watch *w)
{
	close_mngr(w);
}

int iface_watch_fd(const struct iface_watch *w)
{
	return w->mngr ? nl_cache_mngr_get_fd(w->mngr) : -1;
}

void iface_watch_process(struct iface_watch *w)
{
	int ret;

	if (!w->mngr)
		return;
	ret = nl_cache_mngr_data_ready(w->mngr);
	if (ret < 0) {
		/* Notifications lost (or worse): read everything anew. */
		mlog(LOG_WARNING, "interfaces: rtnetlink: %s; reading all "
		     "links and addresses again", nl_geterror(ret));
		close_mngr(w);
		if (open_mngr(w))
			return;	/* logged; the table stays as it is */
		w->resync = true;
	}
	if (w->resync)
		feed_all(w);
}
