/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Certificate and Certificate Request payloads (RFC 7296 §3.6, §3.7):
 * both are an encoding byte followed by data.
 */
#ifndef MIF_IKE_CERT_H
#define MIF_IKE_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "ike/payload.h"

/* SHA-1 hash of a trusted CA's public key, listed in a CERTREQ. */
#define IKE_CERTREQ_HASH_LEN	20

struct ike_cert {
	uint8_t encoding;	/* IKE_CERT_* */
	const uint8_t *data;	/* parsed: points into input */
	size_t len;
};

/*
 * CERT data must not be empty. CERTREQ data is a (possibly empty) list
 * of 20-byte hashes for X.509 encodings; other encodings are opaque.
 */
int ike_cert_parse(struct ike_cert *cert, struct ike_reader *r,
		   struct ike_error *err);
int ike_cert_build(struct ike_writer *w, const struct ike_cert *cert,
		   struct ike_error *err);
int ike_certreq_parse(struct ike_cert *req, struct ike_reader *r,
		      struct ike_error *err);
int ike_certreq_build(struct ike_writer *w, const struct ike_cert *req,
		      struct ike_error *err);

#endif
