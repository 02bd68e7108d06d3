/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Configuration payload (RFC 7296 §3.15): a CFG type and a list of
 * attributes such as an internal address or DNS server. Attributes in a
 * CFG_REQUEST are usually empty ("please assign one").
 */
#ifndef MIF_IKE_CP_H
#define MIF_IKE_CP_H

#include <stdint.h>

#include "ike/payload.h"

#define IKE_CP_MAX_ATTRS	32

struct ike_cp_attr {
	uint16_t type;		/* IKE_CP_*, reserved bit cleared */
	uint16_t len;
	const uint8_t *value;	/* parsed: points into input */
};

/*
 * The attributes: parsed, an array of n allocated by the codec (freed
 * with ike_cp_free()); built, the caller's.
 */
struct ike_cp {
	uint8_t type;		/* IKE_CFG_* */
	unsigned int n;
	struct ike_cp_attr *attrs;
};

/*
 * Each attribute must fit in the payload; the attributes of RFC 7296
 * with a fixed size (addresses, netmasks, subnets) must have it or be
 * empty, SUPPORTED_ATTRIBUTES must be a list of 16-bit types. Unknown
 * attribute types are kept as they are.
 */
int ike_cp_parse(struct ike_cp *cp, struct ike_reader *r,
		 struct ike_error *err);
/* Free what ike_cp_parse() allocated. */
void ike_cp_free(struct ike_cp *cp);
int ike_cp_build(struct ike_writer *w, const struct ike_cp *cp,
		 struct ike_error *err);

#endif
