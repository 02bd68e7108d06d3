// SPDX-License-Identifier: GPL-2.0
/*
 * MIF part two: moving an interface. See mif_move.h.
 */
#include <errno.h>

#include "engine/mif_move.h"

int mif_move_start(struct ikesa *sa, const struct ip_addr *old,
		   const struct ip_addr *new, bool local, uint64_t now)
{
	return -EOPNOTSUPP;
}
