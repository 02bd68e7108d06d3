// SPDX-License-Identifier: GPL-2.0
/*
 * The local interface table (iface.h): a small array kept in id order,
 * and the names ever seen, whose index gives each name its id; then the
 * engine's events about it (engine.h), which log what they ignore.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/engine.h"
#include "engine/iface.h"
#include "engine/ike_sa.h"
#include "engine/mif.h"
#include "engine/mif_failover.h"
#include "engine/mif_add.h"
#include "engine/mobike.h"

void iface_table_init(struct iface_table *t)
{
	memset(t, 0, sizeof(*t));
}

void iface_table_free(struct iface_table *t)
{
	free(t->names);
	iface_table_init(t);
}

uint16_t iface_id_of(const struct iface_table *t, const char *name)
{
	for (unsigned int i = 0; i < t->n_names; i++)
		if (!strcmp(t->names[i], name))
			return (uint16_t)(i + 1);
	return 0;
}

/* name's id, given now if it has none; 0 with *err if none can be. */
static uint16_t id_for(struct iface_table *t, const char *name, int *err)
{
	uint16_t id = iface_id_of(t, name);

	if (id)
		return id;
	if (t->n_names == IFACE_ID_MAX) {
		t->ignored_names++;
		*err = -EOVERFLOW;
		return 0;
	}
	if (t->n_names == t->max_names) {
		unsigned int max = t->max_names ? t->max_names * 2 : IFACE_MAX;
		char (*names)[IFACE_NAME_MAX];

		if (max > IFACE_ID_MAX)
			max = IFACE_ID_MAX;
		names = realloc(t->names, max * sizeof(*names));
		if (!names) {
			*err = -ENOMEM;
			return 0;
		}
		t->names = names;
		t->max_names = max;
	}
	memset(t->names[t->n_names], 0, IFACE_NAME_MAX);
	strcpy(t->names[t->n_names], name);
	return (uint16_t)++t->n_names;
}

static unsigned int index_of(const struct iface_table *t,
			     const struct iface *ifc)
{
	return (unsigned int)(ifc - t->ifaces);
}

/* Move entry i to where id order puts it. */
static struct iface *resort(struct iface_table *t, unsigned int i)
{
	struct iface tmp = t->ifaces[i];

	while (i > 0 && t->ifaces[i - 1].id > tmp.id) {
		t->ifaces[i] = t->ifaces[i - 1];
		i--;
	}
	while (i + 1 < t->n && t->ifaces[i + 1].id < tmp.id) {
		t->ifaces[i] = t->ifaces[i + 1];
		i++;
	}
	t->ifaces[i] = tmp;
	return &t->ifaces[i];
}

struct iface *iface_table_update(struct iface_table *t,
				 const struct iface *ifc, int *err)
{
	struct iface *cur;
	uint16_t id;

	*err = 0;
	if (ifc->ifindex <= 0 || !ifc->name[0] ||
	    !memchr(ifc->name, '\0', sizeof(ifc->name))) {
		*err = -EINVAL;
		return NULL;
	}
	cur = iface_by_ifindex(t, ifc->ifindex);
	if (!cur && t->n == IFACE_MAX) {
		t->ignored_ifaces++;
		*err = -ENOSPC;
		return NULL;
	}
	id = id_for(t, ifc->name, err);
	if (!id)
		return NULL;
	if (!cur) {
		cur = &t->ifaces[t->n++];
		memset(cur, 0, sizeof(*cur));
		cur->ifindex = ifc->ifindex;
	}
	strcpy(cur->name, ifc->name);
	cur->up = ifc->up;
	if (cur->id == id)
		return cur;
	cur->id = id;
	return resort(t, index_of(t, cur));
}

int iface_table_del(struct iface_table *t, int ifindex)
{
	struct iface *ifc = iface_by_ifindex(t, ifindex);
	unsigned int i;

	if (!ifc)
		return -ENOENT;
	i = index_of(t, ifc);
	memmove(&t->ifaces[i], &t->ifaces[i + 1],
		(t->n - i - 1) * sizeof(t->ifaces[0]));
	t->n--;
	t->full_warned = false;
	return 0;
}

int iface_table_addr(struct iface_table *t, int ifindex,
		     const struct ip_addr *addr, bool add)
{
	struct iface *ifc = iface_by_ifindex(t, ifindex);
	struct ip_addr *a;
	unsigned int *n;

	if (addr->family == AF_INET) {
		if (!ifc)
			return -ENOENT;
		a = ifc->v4;
		n = &ifc->n_v4;
	} else if (addr->family == AF_INET6) {
		if (!ifc)
			return -ENOENT;
		a = ifc->v6;
		n = &ifc->n_v6;
	} else {
		return -EAFNOSUPPORT;
	}
	for (unsigned int i = 0; i < *n; i++) {
		if (!ip_addr_equal(&a[i], addr))
			continue;
		if (add)
			return 0;
		memmove(&a[i], &a[i + 1], (*n - i - 1) * sizeof(*a));
		(*n)--;
		ifc->addrs_warned = false;
		return 0;
	}
	if (!add)
		return -ENOENT;
	if (*n == IFACE_MAX_ADDRS) {
		ifc->ignored_addrs++;
		return -ENOSPC;
	}
	memset(&a[*n], 0, sizeof(*a));
	a[*n].family = addr->family;
	memcpy(a[*n].bytes, addr->bytes, ip_addr_len(addr));
	(*n)++;
	return 0;
}

struct iface *iface_by_id(const struct iface_table *t, uint16_t id)
{
	for (unsigned int i = 0; i < t->n; i++)
		if (t->ifaces[i].id == id)
			return (struct iface *)&t->ifaces[i];
	return NULL;
}

struct iface *iface_by_ifindex(const struct iface_table *t, int ifindex)
{
	for (unsigned int i = 0; i < t->n; i++)
		if (t->ifaces[i].ifindex == ifindex)
			return (struct iface *)&t->ifaces[i];
	return NULL;
}

struct iface *iface_by_addr(const struct iface_table *t,
			    const struct ip_addr *addr)
{
	for (unsigned int i = 0; i < t->n; i++) {
		const struct iface *ifc = &t->ifaces[i];
		const struct ip_addr *a = addr->family == AF_INET ? ifc->v4 :
					  ifc->v6;
		unsigned int n = addr->family == AF_INET ? ifc->n_v4 :
				 addr->family == AF_INET6 ? ifc->n_v6 : 0;

		for (unsigned int j = 0; j < n; j++)
			if (ip_addr_equal(&a[j], addr))
				return (struct iface *)ifc;
	}
	return NULL;
}

int iface_pattern_priority(const struct iface_pattern *p, unsigned int n,
			   const char *name)
{
	for (unsigned int i = 0; i < n; i++)
		if (!fnmatch(p[i].pattern, name, 0))
			return p[i].priority;
	return IFACE_PRIO_NONE;
}

/*
 * The engine's side: its table, with every refusal logged: the first at
 * level warning, the next ones at level debug until room is made (a
 * host with many interfaces would otherwise log each of their changes).
 */

static void iface_log(struct engine *e, enum engine_log_level level,
		      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void iface_log(struct engine *e, enum engine_log_level level,
		      const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!e->log.fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e->log.fn(e->log.ctx, level, NULL, msg);
}

static int conns_priority(const struct engine *e, const char *name)
{
	int prio = IFACE_PRIO_NONE;

	for (unsigned int i = 0; i < e->n_conns; i++) {
		const struct conn *c = e->conns[i];
		int p = iface_pattern_priority(c->ifaces, c->n_ifaces, name);

		if (p > prio)
			prio = p;
	}
	return prio;
}

void iface_conn_added(struct engine *e, const struct conn *c)
{
	for (unsigned int i = 0; i < e->ifaces.n; i++) {
		struct iface *ifc = &e->ifaces.ifaces[i];
		int p = iface_pattern_priority(c->ifaces, c->n_ifaces,
					       ifc->name);

		if (p > ifc->priority)
			ifc->priority = p;
	}
}

void iface_conns_cleared(struct engine *e)
{
	for (unsigned int i = 0; i < e->ifaces.n; i++)
		e->ifaces.ifaces[i].priority = IFACE_PRIO_NONE;
}

int engine_iface_update(struct engine *e, const struct iface *ifc)
{
	struct iface *cur = iface_by_ifindex(&e->ifaces, ifc->ifindex);
	bool was_up = cur && cur->up;
	int err;

	/* Announcements, failovers, failbacks: any IKE SA may change. */
	engine_touch_all(e);
	cur = iface_table_update(&e->ifaces, ifc, &err);
	switch (err) {
	case 0:
		break;
	case -ENOSPC:
		iface_log(e, e->ifaces.full_warned ? ENGINE_LOG_DEBUG :
			  ENGINE_LOG_WARNING, "interface %.*s (index %d) "
			  "ignored: %u interfaces already (%lu ignored so far)",
			  IFACE_NAME_MAX - 1, ifc->name, ifc->ifindex,
			  IFACE_MAX, e->ifaces.ignored_ifaces);
		e->ifaces.full_warned = true;
		return err;
	case -EOVERFLOW:
		/* Ids are never given back: warned once for good. */
		iface_log(e, e->ifaces.ignored_names > 1 ? ENGINE_LOG_DEBUG :
			  ENGINE_LOG_WARNING, "interface %.*s (index %d) "
			  "ignored: %u interface names have had an id already",
			  IFACE_NAME_MAX - 1, ifc->name, ifc->ifindex,
			  IFACE_ID_MAX);
		return err;
	default:
		iface_log(e, ENGINE_LOG_ERR, "interface %.*s (index %d) "
			  "ignored: %s", IFACE_NAME_MAX - 1, ifc->name,
			  ifc->ifindex, strerror(-err));
		return err;
	}
	cur->priority = conns_priority(e, cur->name);
	mif_ifaces_changed(e);
	if (was_up && !cur->up)
		mif_failover_iface_lost(e, cur);
	if (!was_up && cur->up) {
		mif_failback_iface(e, cur);
		mobike_addrs_added(e, cur->v4, cur->n_v4);
		mobike_addrs_added(e, cur->v6, cur->n_v6);
	}
	mif_failover_changed(e);
	return 0;
}

int engine_iface_del(struct engine *e, int ifindex)
{
	const struct iface *ifc = iface_by_ifindex(&e->ifaces, ifindex);
	int ret;

	engine_touch_all(e);
	if (ifc && ifc->up)
		mif_failover_iface_lost(e, ifc);
	ret = iface_table_del(&e->ifaces, ifindex);
	if (!ret) {
		mif_ifaces_changed(e);
		mif_failover_changed(e);
	}
	return ret;
}

int engine_iface_addr(struct engine *e, int ifindex,
		      const struct ip_addr *addr, bool add)
{
	struct iface *ifc = iface_by_ifindex(&e->ifaces, ifindex);
	bool lost = !add && ifc && ifc->up;	/* a failover's business */
	/* Not one already held, told again (an IPv6 lifetime renewed). */
	bool fresh = add && !iface_by_addr(&e->ifaces, addr);
	char a[IP_ADDR_STRLEN];
	int ret;

	engine_touch_all(e);
	ret = iface_table_addr(&e->ifaces, ifindex, addr, add);
	if (!ret)
		mif_ifaces_changed(e);
	if (!ret && lost)
		mif_failover_addr_lost(e, addr);
	if (!ret && fresh)
		mobike_addrs_added(e, addr, 1);
	if (!ret)
		mif_failover_changed(e);
	if (!ret && add && iface_by_ifindex(&e->ifaces, ifindex) &&
	    iface_by_ifindex(&e->ifaces, ifindex)->up)
		mif_failback_addr(e, addr, true);
	if (!ret && add)
		mif_add_address(e, addr);
	if (ret != -ENOSPC)
		return ret;
	ifc = iface_by_ifindex(&e->ifaces, ifindex);
	iface_log(e, ifc->addrs_warned ? ENGINE_LOG_DEBUG : ENGINE_LOG_WARNING,
		  "interface %s: address %s ignored: "
		  "%u %s addresses already (%lu ignored so far)", ifc->name,
		  ip_addr_str(addr, a, sizeof(a)), IFACE_MAX_ADDRS,
		  addr->family == AF_INET ? "IPv4" : "IPv6",
		  ifc->ignored_addrs);
	ifc->addrs_warned = true;
	return ret;
}

const struct iface *engine_iface_by_id(const struct engine *e, uint16_t id)
{
	return iface_by_id(&e->ifaces, id);
}

const struct iface *engine_iface_by_ifindex(const struct engine *e,
					    int ifindex)
{
	return iface_by_ifindex(&e->ifaces, ifindex);
}

const struct iface *engine_iface_by_addr(const struct engine *e,
					 const struct ip_addr *addr)
{
	return iface_by_addr(&e->ifaces, addr);
}
