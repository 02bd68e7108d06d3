/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trap policies: strongSwan's start_action = trap (mifd.conf's start =
 * trap), and what dpd_action = trap and close_action = trap leave
 * behind.
 *
 * A trap is one child of a connection made into policies without SAs:
 * the child's selectors each way, its mode, and a template to the
 * connection's peer with a reqid of its own. A packet that matches the
 * outbound one finds no SA: the kernel holds or drops it and sends
 * XFRM_MSG_ACQUIRE with the template's reqid (backend.h's
 * KERNEL_EV_ACQUIRE), which engine_trap_conn() maps back to the connection.
 *
 * The trap shares its policies with the Child SAs of the same selectors
 * through the policy table (policy_table.h): a Child SA takes a trapped
 * policy over, and when the last Child SA goes the policy falls back to
 * the trap instead of being deleted, so that no packet of the flow goes
 * out in clear between an SA and the next. Removing the trap (unload)
 * deletes the policies that no Child SA still needs.
 *
 * A drop (engine_drop_install()) is the same policies, whose acquires
 * start nothing: the kernel finds no SA for the template and drops the
 * packets (net.core.xfrm_larval_drop), so a connection whose Child SAs
 * failed without a trap leaks nothing in clear (daemon/on_demand.h).
 * A trap without the acquire, in short, sharing the trap's owner count.
 *
 * Trap reqids come from reqid block 0, which no IKE SA has
 * (ike_sa.h), so no interface-wide operation of an IKE SA touches a
 * trap's policy.
 */
#ifndef MIF_ENGINE_TRAP_H
#define MIF_ENGINE_TRAP_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/child_sa.h"
#include "engine/conn.h"
#include "engine/ike_sa.h"

struct engine;

struct trap {
	struct trap *next;
	const struct conn *conn;
	unsigned int child;	/* its conn_child's index */
	bool retired;		/* of a replaced configuration */
	bool drop;		/* a drop: its acquires start nothing */
	/* The policies' template: selectors, mode, addresses, reqid. */
	struct childsa tmpl;
};

/*
 * engine_trap_install(), engine_trap_remove(), engine_trap_installed(),
 * engine_trap_conn(), engine_traps_retire() and
 * engine_traps_remove_retired(): the daemon's, in engine.h.
 */

/* The trap of reqid (an acquire's), or NULL. */
const struct trap *trap_find(const struct engine *e, uint32_t reqid);
/* Remove every trap (the engine's end). */
void trap_remove_all(struct engine *e);

/* The lowest and highest trap reqid. */
#define TRAP_REQID_MIN	1u
#define TRAP_REQID_MAX	((1u << IKESA_REQID_BITS) - 1)

#endif
