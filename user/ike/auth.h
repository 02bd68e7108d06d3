/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Authentication payload (RFC 7296 §3.8): method and authentication data.
 */
#ifndef MIF_IKE_AUTH_H
#define MIF_IKE_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "ike/payload.h"

struct ike_auth {
	uint8_t method;		/* IKE_AUTH_* */
	const uint8_t *data;	/* parsed: points into input */
	size_t len;
};

/* The data must not be empty. */
int ike_auth_parse(struct ike_auth *auth, struct ike_reader *r,
		   struct ike_error *err);
int ike_auth_build(struct ike_writer *w, const struct ike_auth *auth,
		   struct ike_error *err);

#endif
