/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IKEv2 pseudorandom function (RFC 7296 §2.13): prf(K, S) is the
 * negotiated HMAC, and prf+ stretches it to any length:
 *
 *	prf+ (K,S) = T1 | T2 | T3 | ...
 *	T1 = prf (K, S | 0x01)
 *	Tn = prf (K, Tn-1 | S | n)
 *
 * S is usually a concatenation (Ni | Nr | SPIi | SPIr); callers pass it
 * as a list of pieces instead of building it.
 */
#ifndef MIF_CRYPTO_PRF_H
#define MIF_CRYPTO_PRF_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/transforms.h"

/* One piece of a PRF input; a NULL p with len 0 is allowed. */
struct prf_chunk {
	const void *p;
	size_t len;
};

/* prf+ stops after 255 blocks (the counter is one byte). */
#define PRF_PLUS_MAX_BLOCKS	255

/*
 * out = prf(key, in[0] | ... | in[n-1]); out holds prf->out_len bytes.
 * Returns 0, -EINVAL (not a PRF transform) or -EIO (GnuTLS failure).
 */
int prf(const struct transform *prf, const uint8_t *key, size_t key_len,
	const struct prf_chunk *in, size_t n, uint8_t *out);

/*
 * out = the first out_len bytes of prf+(key, in[0] | ... | in[n-1]).
 * Returns 0, -EINVAL (not a PRF, or out_len over 255 blocks) or -EIO.
 */
int prf_plus(const struct transform *prf, const uint8_t *key, size_t key_len,
	     const struct prf_chunk *in, size_t n, uint8_t *out,
	     size_t out_len);

#endif
