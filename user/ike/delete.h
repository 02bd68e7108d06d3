/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Delete payload (RFC 7296 §3.11): the SAs the sender has deleted.
 * Deleting the IKE SA carries protocol IKE and no SPI (SPI size 0);
 * deleting Child SAs carries protocol AH or ESP and a list of 4-byte
 * SPIs, the ones the sender receives on.
 */
#ifndef MIF_IKE_DELETE_H
#define MIF_IKE_DELETE_H

#include <stdint.h>

#include "ike/payload.h"

#define IKE_DELETE_MAX_SPIS	255
#define IKE_CHILD_SPI_LEN	4

/*
 * The SPIs: parsed, an array of n_spis allocated by the codec (freed
 * with ike_delete_free()); built, the caller's.
 */
struct ike_delete {
	uint8_t protocol;	/* IKE_PROTO_IKE, _AH or _ESP */
	unsigned int n_spis;	/* 0 for IKE */
	uint32_t *spis;
};

int ike_delete_parse(struct ike_delete *del, struct ike_reader *r,
		     struct ike_error *err);
/* Free what ike_delete_parse() allocated. */
void ike_delete_free(struct ike_delete *del);
int ike_delete_build(struct ike_writer *w, const struct ike_delete *del,
		     struct ike_error *err);

#endif
