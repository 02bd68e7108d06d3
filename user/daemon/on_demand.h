/* SPDX-License-Identifier: GPL-2.0 */
/*
 * On-demand connections, as strongSwan's start_action, dpd_action and
 * close_action = trap: when mifd puts trap policies (engine/trap.h) in
 * place, and what an acquire of one starts.
 *
 * - start = trap: the connection's children are trapped when the
 *   configuration is loaded, and again whenever an IKE SA of it comes
 *   up (after ike down removed them).
 * - dpd_action = trap, close_action = trap: the trap is put behind the
 *   Child SAs when an IKE SA of the connection comes up, so that when
 *   DPD declares the peer dead, or the peer deletes the IKE SA, its
 *   policies fall back to the trap without a moment in clear. The trap
 *   is removed when the IKE SA goes for another reason (we deleted it,
 *   or the other action is not trap), unless start = trap.
 * - An acquire of a trap starts its connection as ike up does (retry.h,
 *   keyingtries), unless an IKE SA of it exists (coming up, or up) or
 *   an attempt is under way or waiting: the acquires of every packet
 *   held meanwhile do nothing. If an IKE SA of it is up, the trapped
 *   child is brought up on it with one CREATE_CHILD_SA
 *   (engine_child_up()), unless a Child SA of that child is up or on
 *   its way already.
 * - Drops (engine_drop_install()): a connection with no trap and
 *   failure_shunt = drop (the default) gets drop policies behind its
 *   Child SAs when an IKE SA of it comes up. When the IKE SA goes for
 *   DPD, a failed rekey or any other failure, they stay, and its
 *   traffic is dropped, not sent in clear, until the connection comes
 *   up again (its Child SAs take the policies over) or is unloaded;
 *   when we or the peer delete it, they go. Their acquires start
 *   nothing. failure_shunt = pass leaves the traffic to the routing
 *   table instead.
 * - ike down and a reload that removes or replaces the connection
 *   remove its traps and drops; mifd's exit removes all
 *   (engine_free()).
 */
#ifndef MIF_DAEMON_ON_DEMAND_H
#define MIF_DAEMON_ON_DEMAND_H

#include <stdint.h>

#include "backend/backend.h"
#include "conf/conf.h"
#include "daemon/retry.h"
#include "engine/engine.h"

/*
 * nc is the configuration now (start-up or reload; its connections in
 * e, the SAs moved over): the traps it wants, the others removed.
 */
void on_demand_apply(struct engine *e, struct conf *nc);

/* An engine event (IKE_UP, IKE_DOWN), on a connection of conf or older. */
void on_demand_event(struct engine *e, struct conf *conf,
		     const struct engine_event *ev);

/*
 * An acquire (KERNEL_EV_ACQUIRE): start the trap's connection through
 * r if nothing of it is under way, or its child on the IKE SA that is
 * up. Returns the IKE SA started or used, or NULL.
 */
struct ikesa *on_demand_acquire(struct engine *e, struct conf *conf,
				struct retries *r,
				const struct kernel_event *ev, uint64_t now);

/* ike down of cc: its traps go. */
void on_demand_down(struct engine *e, const struct conf_conn *cc);

#endif
