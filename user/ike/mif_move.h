/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data of MIF_MOVE (docs/protocol/mif.md, "Moving an interface"):
 * one move of an outer address, named explicitly. Like ike/mif.h, on a
 * Notify's data/len only; the struct has a fixed size, keeps nothing
 * that points into the input, and is zeroed by a failed parse. A
 * failure fills struct ike_error with MIF_UNACCEPTABLE_MOVE, the notify
 * that answers it; a builder checks the same rules (IKE_ERR_INVAL).
 */
#ifndef MIF_IKE_MIF_MOVE_H
#define MIF_IKE_MIF_MOVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/buf.h"
#include "ike/error.h"

/* Flags: the addresses are the responder's (else the requester's). */
#define MIF_MOVE_RESPONDER	0x01
#define MIF_MOVE_FLAGS_KNOWN	MIF_MOVE_RESPONDER

#define MIF_MOVE_HDR_LEN	8
#define MIF_MOVE_MAX_LEN	(MIF_MOVE_HDR_LEN + 2 * 16)

struct mif_move {
	uint8_t flags;		/* MIF_MOVE_RESPONDER; unknown bits cleared */
	uint8_t family;		/* MIF_AF_IPV4 or MIF_AF_IPV6 */
	uint16_t old_id;	/* the owner's interface; 0: none announced */
	uint16_t new_id;	/* the owner's announced interface, not 0 */
	uint8_t old_addr[16];	/* IPv4 uses the first 4 bytes */
	uint8_t new_addr[16];
};

/*
 * 8 + 2 * 4 octets (IPv4) or 8 + 2 * 16 (IPv6); New Interface ID not 0;
 * both addresses usable and different. On failure *mv is zeroed.
 */
int mif_move_parse(struct mif_move *mv, const uint8_t *data, size_t len,
		   struct ike_error *err);
int mif_move_build(struct ike_writer *w, const struct mif_move *mv,
		   struct ike_error *err);

/* Same flags, IDs, family and addresses (the response echoes the request). */
bool mif_move_equal(const struct mif_move *a, const struct mif_move *b);

#endif
