/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Nonce payload (RFC 7296 §3.9): 16 to 256 random bytes.
 */
#ifndef MIF_IKE_NONCE_H
#define MIF_IKE_NONCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ike/payload.h"

#define IKE_NONCE_MIN	16
#define IKE_NONCE_MAX	256

struct ike_nonce {
	const uint8_t *data;	/* parsed: points into input */
	size_t len;
};

/*
 * RFC 7296 §2.10: a nonce of len bytes is 16 to 256 bytes long and at
 * least half the key size of the negotiated PRF (prf_key_len bytes).
 */
static inline bool ike_nonce_len_ok(size_t len, size_t prf_key_len)
{
	return len >= IKE_NONCE_MIN && len <= IKE_NONCE_MAX &&
	       2 * len >= prf_key_len;
}

/*
 * RFC 7296 §2.8.1 orders nonces as byte strings, a prefix of a longer
 * one first: below, equal to or above 0 as a is below, equal to or
 * above b.
 */
static inline int ike_nonce_cmp(const uint8_t *a, size_t alen,
				const uint8_t *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if (r)
		return r;
	return alen < blen ? -1 : alen > blen;
}

int ike_nonce_parse(struct ike_nonce *nonce, struct ike_reader *r,
		    struct ike_error *err);
int ike_nonce_build(struct ike_writer *w, const struct ike_nonce *nonce,
		    struct ike_error *err);

#endif
