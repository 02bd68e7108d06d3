/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Identification payloads IDi and IDr (RFC 7296 §3.5).
 *
 * The AUTH computation signs the payload body (ID type, reserved bytes
 * and data: "RestOfIDPayload"); after parsing it is struct ike_payload's
 * body span.
 */
#ifndef MIF_IKE_ID_H
#define MIF_IKE_ID_H

#include <stddef.h>
#include <stdint.h>

#include "ike/payload.h"

struct ike_id {
	uint8_t type;		/* IKE_ID_* */
	const uint8_t *data;	/* parsed: points into input */
	size_t len;
};

/* IPV4_ADDR must be 4 bytes, IPV6_ADDR 16, any other type non-empty. */
int ike_id_parse(struct ike_id *id, struct ike_reader *r,
		 struct ike_error *err);
int ike_id_build(struct ike_writer *w, const struct ike_id *id,
		 struct ike_error *err);

#endif
