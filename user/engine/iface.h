/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The local interface table: the network interfaces of this host that
 * IKE SAs may use, with their addresses, as the daemon reads them from
 * the kernel (daemon/iface_watch.c) and hands them to the engine
 * (engine_iface_update and friends in engine.h). No I/O here.
 *
 * Each interface has a small id, 1 to IFACE_ID_MAX, given to its name
 * the first time the name is seen and kept for the life of the table:
 * through address changes, down and up, deletion and re-creation. An id
 * is never given to another name; once IFACE_ID_MAX names have been
 * seen, new names are ignored.
 *
 * Bounds: at most IFACE_MAX interfaces and IFACE_MAX_ADDRS addresses of
 * each family per interface are taken into account; more are ignored,
 * and counted (iface_table.ignored_ifaces, iface.ignored_addrs). The
 * names seen are kept: IFACE_ID_MAX of IFACE_NAME_MAX bytes at most.
 */
#ifndef MIF_ENGINE_IFACE_H
#define MIF_ENGINE_IFACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define IFACE_MAX		32
#define IFACE_MAX_ADDRS		8	/* of each family */
#define IFACE_NAME_MAX		16	/* IFNAMSIZ, with the NUL */
#define IFACE_ID_MAX		65535

/* A priority: 0 to IFACE_PRIO_MAX, higher preferred; NONE: unlisted. */
#define IFACE_PRIO_MAX		255
#define IFACE_PRIO_DEFAULT	128
#define IFACE_PRIO_NONE		(-1)

struct iface {
	char name[IFACE_NAME_MAX];
	int ifindex;
	uint16_t id;			/* set by the table */
	/*
	 * The highest priority a connection's "interfaces" list gives this
	 * name, IFACE_PRIO_NONE if none lists it; set by the engine.
	 */
	int priority;
	bool up;			/* administratively up, with carrier */
	unsigned int n_v4, n_v6;
	struct ip_addr v4[IFACE_MAX_ADDRS], v6[IFACE_MAX_ADDRS];
	unsigned long ignored_addrs;	/* beyond IFACE_MAX_ADDRS, ever */
	bool addrs_warned;		/* logged; until one is removed */
};

struct iface_table {
	unsigned int n;
	struct iface ifaces[IFACE_MAX];
	/* Every name ever seen: names[id - 1]; malloc'ed, room for max. */
	char (*names)[IFACE_NAME_MAX];
	unsigned int n_names, max_names;
	unsigned long ignored_ifaces;	/* updates refused: table full */
	unsigned long ignored_names;	/* updates refused: ids used up */
	bool full_warned;		/* logged; until one is deleted */
};

void iface_table_init(struct iface_table *t);
void iface_table_free(struct iface_table *t);

/*
 * Add or change the interface with ifc->ifindex: its name, up; its
 * addresses are kept (a new interface starts with none). A new name for
 * an ifindex (a rename) takes that name's id. Returns the entry, or
 * NULL with *err: -EINVAL (no name or ifindex), -ENOSPC (IFACE_MAX
 * interfaces already), -EOVERFLOW (IFACE_ID_MAX names already),
 * -ENOMEM.
 */
struct iface *iface_table_update(struct iface_table *t,
				 const struct iface *ifc, int *err);
/* Remove the interface; 0 or -ENOENT. Its name keeps its id. */
int iface_table_del(struct iface_table *t, int ifindex);
/*
 * Add or remove an address of ifindex. Returns 0 (also when adding one
 * there already), -ENOENT (no such interface, or removing an address it
 * does not have), -ENOSPC (IFACE_MAX_ADDRS of its family already:
 * ignored, counted), -EAFNOSUPPORT.
 */
int iface_table_addr(struct iface_table *t, int ifindex,
		     const struct ip_addr *addr, bool add);

struct iface *iface_by_id(const struct iface_table *t, uint16_t id);
struct iface *iface_by_ifindex(const struct iface_table *t, int ifindex);
/* The interface that has addr, NULL if none. */
struct iface *iface_by_addr(const struct iface_table *t,
			    const struct ip_addr *addr);
/* The id name has had, 0 if it was never seen. */
uint16_t iface_id_of(const struct iface_table *t, const char *name);

/*
 * One entry of a connection's "interfaces" list: an interface name or a
 * shell pattern (fnmatch(3)), and the priority it gives.
 */
struct iface_pattern {
	char pattern[IFACE_NAME_MAX];
	int priority;
};

/*
 * The priority the first of n patterns matching name gives it,
 * IFACE_PRIO_NONE if none matches.
 */
int iface_pattern_priority(const struct iface_pattern *p, unsigned int n,
			   const char *name);

struct engine;
struct conn;

/* The engine's connections changed: the priorities follow (engine.c). */
void iface_conn_added(struct engine *e, const struct conn *c);
void iface_conns_cleared(struct engine *e);

#endif
