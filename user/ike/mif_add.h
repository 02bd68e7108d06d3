/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MIF_ADD_INTERFACE (docs/protocol/mif.md, "Adding an interface"): the
 * requester's new interface, the interfaces whose Child SAs it derives
 * and its inbound SPIs of the derived Child SAs; the responder's
 * answer carries its own SPIs. This file decodes and encodes the notify
 * data and checks what one payload can be checked for alone.
 */
#ifndef MIF_IKE_MIF_ADD_H
#define MIF_IKE_MIF_ADD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/buf.h"
#include "ike/error.h"

/* The most source interfaces one request names (the module's FROM list). */
#define MIF_ADD_MAX_FROM	16
/* The most Child SAs one request derives (8 octets each on the wire). */
#define MIF_ADD_MAX_SAS		1024

/* Flags of the request. */
#define MIF_ADD_PEER		0x01	/* a Peer Address follows */
#define MIF_ADD_FLAGS_KNOWN	MIF_ADD_PEER

#define MIF_ADD_HDR_LEN		8
#define MIF_ADD_REPLY_HDR_LEN	4
#define MIF_ADD_SA_LEN		8

/* One derived Child SA: its source, and the sender's new inbound SPI. */
struct mif_add_sa {
	uint32_t src_spi;	/* the requester's inbound SPI of the source */
	uint32_t new_spi;	/* the sender's inbound SPI of the copy */
};

/* The request. */
struct mif_add {
	uint16_t id;		/* the new interface, 1..65535 */
	uint8_t prio;		/* as in MIF_INTERFACES */
	uint8_t flags;		/* MIF_ADD_PEER; unknown bits cleared */
	uint8_t family;		/* MIF_AF_* of both addresses */
	uint8_t addr[16];	/* the requester's new outer address */
	uint8_t peer[16];	/* the responder's, with MIF_ADD_PEER */
	unsigned int n_from;	/* 0: every other interface, in list order */
	uint16_t from[MIF_ADD_MAX_FROM];
	unsigned int n_sas;
	struct mif_add_sa sa[MIF_ADD_MAX_SAS];
};

/* The response: the responder's SPIs, in the request's order. */
struct mif_add_reply {
	unsigned int n_sas;
	struct mif_add_sa sa[MIF_ADD_MAX_SAS];
};

/*
 * Parse and check notify data. -1 with err (payload Notify, notify
 * MIF_UNACCEPTABLE_ADD) when it is malformed; the struct is then
 * zeroed.
 */
int mif_add_parse(struct mif_add *a, const uint8_t *data, size_t len,
		  struct ike_error *err);
int mif_add_build(struct ike_writer *w, const struct mif_add *a,
		  struct ike_error *err);
int mif_add_reply_parse(struct mif_add_reply *r, const uint8_t *data,
			size_t len, struct ike_error *err);
int mif_add_reply_build(struct ike_writer *w, const struct mif_add_reply *r,
			struct ike_error *err);

#endif
