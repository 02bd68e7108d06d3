/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MIF part two: multihoming and failover (docs/protocol/mif.md,
 * "Multihoming and failover"), and mifd's one view of the kernel.
 *
 * For each IKE SA with MIF, the kernel holds the alternates of every
 * local address its Child SAs use (backend set_alts, scoped to the IKE
 * SA), so that xfrm_mif fails over at once when the address or its link
 * goes. Without the module (set_alts -EOPNOTSUPP) the engine fails over
 * itself (move_addr) when the interface table says the address went.
 * Either way the peer is told (mif_move_start()). What the kernel did
 * outside our own calls comes back through engine_kernel_event().
 */
#ifndef MIF_ENGINE_MIF_FAILOVER_H
#define MIF_ENGINE_MIF_FAILOVER_H

#include <stdint.h>

#include "addr.h"

struct engine;
struct conn;

/* The most alternates of one address, as the kernel takes them. */
#define MIF_FAILOVER_MAX_ALTS	8

/*
 * The default alternates of our address addr for connection c, best
 * first: of each other interface c lists that is up, its first usable
 * address of addr's family, by priority (higher first), then interface
 * ID (lower first). Returns how many were written (at most max).
 */
unsigned int mif_failover_alts(const struct engine *e, const struct conn *c,
			       const struct ip_addr *addr,
			       struct ip_addr *alts, unsigned int max);

/*
 * Set the kernel's alternates of every local address of sa's installed
 * Child SAs (sa: established with MIF), as the default rule gives them
 * now: when it gets a Child SA, moves, or the interface table changes
 * (mif_failover_changed(), for every IKE SA).
 */
struct ikesa;
void mif_failover_refresh(struct ikesa *sa);
void mif_failover_changed(struct engine *e);
/*
 * Our address a went (removed, or its interface down or gone), or every
 * address of ifc: without the kernel's failover, the engine moves the
 * SAs bound to it to the best alternate at the next engine_tick()
 * (mif_failover_tick(); engine_next_deadline() asks for it at once).
 */
struct iface;
void mif_failover_addr_lost(struct engine *e, const struct ip_addr *a);
void mif_failover_iface_lost(struct engine *e, const struct iface *ifc);
void mif_failover_tick(struct engine *e, uint64_t now);

#endif
