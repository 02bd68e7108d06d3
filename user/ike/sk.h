/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Encrypted and Authenticated payload SK (RFC 7296 §3.14), and its
 * fragment SKF (RFC 7383 §2.5).
 *
 * To the codec the body is opaque: IV || ciphertext || ICV, split and
 * processed by the crypto code. Either payload must be the last in the
 * message. Its Next Payload field (struct ike_payload's next) is the type
 * of the first payload inside the plaintext (for SKF: in fragment 1 only,
 * 0 in the others); after decryption, hand it to ike_chain_parse().
 */
#ifndef MIF_IKE_SK_H
#define MIF_IKE_SK_H

#include <stddef.h>
#include <stdint.h>

#include "ike/payload.h"

struct ike_sk {
	/*
	 * Parsed: points into the input. Building: copied; NULL writes len
	 * zero bytes for the caller to encrypt in place (they are the last
	 * len bytes of the built message).
	 */
	const uint8_t *body;
	size_t len;
};

struct ike_skf {
	uint16_t number;	/* 1..total */
	uint16_t total;
	const uint8_t *body;	/* as in struct ike_sk */
	size_t len;
};

/* The body must not be empty. */
int ike_sk_parse(struct ike_sk *sk, struct ike_reader *r,
		 struct ike_error *err);
int ike_sk_build(struct ike_writer *w, const struct ike_sk *sk,
		 struct ike_error *err);
int ike_skf_parse(struct ike_skf *skf, struct ike_reader *r,
		  struct ike_error *err);
int ike_skf_build(struct ike_writer *w, const struct ike_skf *skf,
		  struct ike_error *err);

#endif
