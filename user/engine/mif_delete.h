/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MIF part two: deleting an interface (docs/protocol/mif.md,
 * MIF_DELETE_INTERFACE). The requester withdraws one of its addresses:
 * every Child SA of the IKE SA bound to it goes, on both sides, each
 * side with one interface-wide kernel call (backend delete_addr) and
 * without a Delete payload per SA. Towards a peer without MIF, the
 * same Child SAs go with a plain INFORMATIONAL Delete (RFC 7296).
 */
#ifndef MIF_ENGINE_MIF_DELETE_H
#define MIF_ENGINE_MIF_DELETE_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"

struct ikesa;
struct childsa;
struct ike_chain;

/*
 * Whether c is bound to a, as the kernel's interface-wide calls see it
 * (docs/netlink.md, "What an address binds"): a is one of its outer
 * addresses, or, in transport mode, one of its selectors names a as a
 * host.
 */
bool mif_delete_bound(const struct childsa *c, const struct ip_addr *a);

/*
 * Withdraw our address addr from sa. With MIF: a MIF_DELETE_INTERFACE
 * request, now or as soon as the request window is free; our side is
 * deleted when the peer accepts. Without: an INFORMATIONAL Delete of
 * the Child SAs bound to addr. 0: started (or queued); -EINVAL: sa not
 * established; -EADDRINUSE: addr is sa's own address (delete the IKE SA
 * instead); -ENOENT: nothing of sa is on addr; -EBUSY: a delete of ours
 * is waiting already, or (without MIF) a request is in flight; -errno.
 * *n: the Child SAs bound to addr now.
 */
int mif_delete_start(struct ikesa *sa, const struct ip_addr *addr,
		     unsigned int *n, uint64_t now);

/* When a delete of ours waits for the window: 0 for none, else now. */
uint64_t mif_delete_deadline(const struct ikesa *sa);
/* Send it if the window is free: true if a request went out. */
bool mif_delete_tick(struct ikesa *sa, uint64_t now);
/*
 * INFORMATIONAL response to sa's request in flight: if it is our
 * MIF_DELETE_INTERFACE, carry it out (an empty answer) or log the
 * refusal (MIF_UNACCEPTABLE_MOVE, nothing deleted).
 */
void mif_delete_response(struct ikesa *sa, const struct ike_chain *resp);

#endif
