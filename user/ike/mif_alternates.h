/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data of MIF_ALTERNATES (41004, docs/protocol/mif.md, "Multihoming
 * and failover"): for one of the sender's addresses, the ordered list of
 * its alternates. As ike/mif.h: the Notify payload is parsed by
 * ike_notify_parse(), these decode and encode its data only; the struct
 * has a fixed size and keeps nothing of the input. A failure fills
 * struct ike_error with MIF_UNACCEPTABLE_MOVE.
 */
#ifndef MIF_IKE_MIF_ALTERNATES_H
#define MIF_IKE_MIF_ALTERNATES_H

#include <stddef.h>
#include <stdint.h>

#include "ike/buf.h"
#include "ike/error.h"

/* Most alternates of one address (what the kernel takes). */
#define MIF_MAX_ALTS		8
#define MIF_ALTERNATES_HDR_LEN	4

struct mif_alternates {
	uint8_t family;		/* MIF_AF_IPV4 or MIF_AF_IPV6 */
	uint8_t n;		/* 0 (back to the default rule) .. 8 */
	uint8_t addr[16];	/* the sender's address; IPv4: 4 bytes */
	uint8_t alts[MIF_MAX_ALTS][16];	/* best first */
};

/*
 * A known family, 0 to 8 alternates exactly filling the data, every
 * address usable (mif_addr_usable()), none twice, the address not among
 * its alternates. On failure *a is zeroed.
 */
int mif_alternates_parse(struct mif_alternates *a, const uint8_t *data,
			 size_t len, struct ike_error *err);
int mif_alternates_build(struct ike_writer *w, const struct mif_alternates *a,
			 struct ike_error *err);

#endif
