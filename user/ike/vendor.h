/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Vendor ID payload (RFC 7296 §3.12): an opaque, non-empty identifier.
 */
#ifndef MIF_IKE_VENDOR_H
#define MIF_IKE_VENDOR_H

#include <stddef.h>
#include <stdint.h>

#include "ike/payload.h"

struct ike_vendor {
	const uint8_t *data;	/* parsed: points into input */
	size_t len;
};

int ike_vendor_parse(struct ike_vendor *vid, struct ike_reader *r,
		     struct ike_error *err);
int ike_vendor_build(struct ike_writer *w, const struct ike_vendor *vid,
		     struct ike_error *err);

#endif
