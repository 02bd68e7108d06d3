/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data of MIF_DELETE_INTERFACE (docs/protocol/mif.md, "Deleting an
 * interface"): the requester withdraws one of its addresses, or every
 * address of one of its interfaces, and with it every Child SA bound
 * there. The Notify payload itself is parsed by ike_notify_parse();
 * these functions decode and encode its data only.
 *
 * A failed parse fills struct ike_error with MIF_UNACCEPTABLE_MOVE, the
 * answer to a refused MIF_DELETE_INTERFACE; builders check the same
 * rules and fail with IKE_ERR_INVAL.
 */
#ifndef MIF_IKE_MIF_DELETE_H
#define MIF_IKE_MIF_DELETE_H

#include <stddef.h>
#include <stdint.h>

#include "ike/buf.h"
#include "ike/error.h"

#define MIF_DELETE_HDR_LEN	4
/* Address Family 0: no address, every address of the interface. */
#define MIF_AF_ALL		0

struct mif_delete {
	uint16_t id;		/* requester's interface; 0: any */
	uint8_t family;		/* MIF_AF_IPV4, _IPV6 or MIF_AF_ALL */
	uint8_t addr[16];	/* IPv4 uses the first 4 bytes */
};

/*
 * 4 octets (family 0, an interface ID not 0), 8 (IPv4) or 20 (IPv6),
 * the address usable. On failure *d is zeroed.
 */
int mif_delete_parse(struct mif_delete *d, const uint8_t *data, size_t len,
		     struct ike_error *err);
int mif_delete_build(struct ike_writer *w, const struct mif_delete *d,
		     struct ike_error *err);

#endif
