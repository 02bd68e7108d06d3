/* SPDX-License-Identifier: GPL-2.0 */
/*
 * EAP payload (RFC 7296 §3.16): one EAP message (RFC 3748). The codec
 * decodes its header only; the whole message, as an EAP method wants
 * it, is struct ike_payload's body span.
 */
#ifndef MIF_IKE_EAP_H
#define MIF_IKE_EAP_H

#include <stddef.h>
#include <stdint.h>

#include "ike/payload.h"

#define IKE_EAP_HEADER_LEN	4

struct ike_eap {
	uint8_t code;		/* IKE_EAP_* */
	uint8_t ident;
	uint8_t type;		/* Request and Response only */
	const uint8_t *data;	/* type data; parsed: points into input */
	size_t len;
};

/*
 * The EAP length must equal the payload body; Request and Response carry
 * a type, Success and Failure nothing beyond the 4-byte header.
 */
int ike_eap_parse(struct ike_eap *eap, struct ike_reader *r,
		  struct ike_error *err);
int ike_eap_build(struct ike_writer *w, const struct ike_eap *eap,
		  struct ike_error *err);

#endif
