/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MIF part two: moving an interface (docs/protocol/mif.md, MIF_MOVE).
 */
#ifndef MIF_ENGINE_MIF_MOVE_H
#define MIF_ENGINE_MIF_MOVE_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"

struct ikesa;

/*
 * Move every SA and policy of sa bound to the address old (ours when
 * local, else the peer's) to new: one INFORMATIONAL exchange with the
 * peer, one kernel call on each side. Our side may have moved already
 * (the kernel's own failover): the call then moves nothing and the peer
 * is told all the same. 0: started (or queued), else -errno.
 */
int mif_move_start(struct ikesa *sa, const struct ip_addr *old,
		   const struct ip_addr *new, bool local, uint64_t now);

#endif
