/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Key Exchange payload (RFC 7296 §3.4): a Diffie-Hellman group and the
 * sender's public value.
 */
#ifndef MIF_IKE_KE_H
#define MIF_IKE_KE_H

#include <stddef.h>
#include <stdint.h>

#include "ike/payload.h"

struct ike_ke {
	uint16_t group;		/* IKE_DH_* */
	const uint8_t *data;	/* public value; parsed: points into input */
	size_t len;
};

/*
 * The public value must not be empty; whether its length suits the group
 * is checked by the key exchange code, which knows the groups.
 */
int ike_ke_parse(struct ike_ke *ke, struct ike_reader *r,
		 struct ike_error *err);
int ike_ke_build(struct ike_writer *w, const struct ike_ke *ke,
		 struct ike_error *err);

#endif
