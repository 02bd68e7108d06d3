/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Notify payload (RFC 7296 §3.10): protocol, optional SPI, notify type
 * and type-specific data.
 */
#ifndef MIF_IKE_NOTIFY_H
#define MIF_IKE_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "ike/payload.h"

#define IKE_NOTIFY_MAX_SPI	8
#define IKE_NAT_DETECTION_LEN	20	/* SHA-1 digest */
#define IKE_COOKIE_MAX		64

struct ike_notify {
	uint8_t protocol;	/* IKE_PROTO_*, 0 when no SPI applies */
	uint8_t spi_size;	/* 0, 4 (AH/ESP) or 8 (IKE) */
	uint8_t spi[IKE_NOTIFY_MAX_SPI];
	uint16_t type;		/* IKE_N_* */
	const uint8_t *data;	/* parsed: points into input */
	size_t len;
};

/*
 * Besides the SPI size, the data length of the types whose data has a
 * fixed shape is checked: NAT detection hashes (20), COOKIE (1..64),
 * COOKIE2 (8..64), INVALID_KE_PAYLOAD (2), ADDITIONAL_IP4/IP6_ADDRESS
 * (4/16), UNSUPPORTED_CRITICAL_PAYLOAD (1) and SIGNATURE_HASH_ALGORITHMS
 * (a list of 16-bit identifiers). SET_WINDOW_SIZE's is its reader's
 * (ike/window.h): a malformed one is ignored, not the message.
 */
int ike_notify_parse(struct ike_notify *n, struct ike_reader *r,
		     struct ike_error *err);
int ike_notify_build(struct ike_writer *w, const struct ike_notify *n,
		     struct ike_error *err);

#endif
