/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Diffie-Hellman key exchange for the IKE KE payload: MODP groups 14, 15
 * and 16 (RFC 3526), ECP groups 19, 20 and 21 (RFC 5903), Curve25519 and
 * Curve448 (RFC 8031).
 *
 * A struct dh holds our key pair for one exchange. Public values and
 * shared secrets use the IKEv2 encodings:
 *	MODP	big-endian, left-padded to the prime's length (256, 384 or
 *		512 bytes)
 *	ECP	x | y, each left-padded to the field length (32, 48 or 66
 *		bytes); the shared secret is the x coordinate alone
 *	X25519	the 32-byte little-endian u coordinate
 *	X448	the 56-byte little-endian u coordinate
 * Peer values are checked before use: MODP 1 < y < p-1, ECP a point on
 * the curve, X25519 and X448 a result other than all zeroes.
 *
 * The per-group code is in dh_modp.c, dh_ecp.c, dh_x25519.c and
 * dh_x448.c.
 */
#ifndef MIF_CRYPTO_DH_H
#define MIF_CRYPTO_DH_H

#include <stddef.h>
#include <stdint.h>
#include <gmp.h>

#include "crypto/transforms.h"

#define DH_PUBLIC_MAX	512	/* MODP 4096 */
#define DH_SHARED_MAX	512
#define DH_PRIVATE_MAX	512

struct dh {
	const struct transform *group;
	uint8_t priv[DH_PRIVATE_MAX];	/* exponent or scalar, big-endian
					 * (X25519, X448: as RFC 7748
					 * encodes it) */
	size_t priv_len;
	uint8_t pub[DH_PUBLIC_MAX];	/* KE payload data */
};

/*
 * Make a fresh key pair for a DH group (IANA transform ID).
 * Returns 0, -EINVAL (unsupported group) or -EIO.
 */
int dh_generate(struct dh *dh, unsigned int group);

/*
 * Use a given private key instead (known-answer tests): a MODP exponent
 * of 1 byte up to the prime's length, an ECP scalar 0 < d < n of the
 * group's length, or a 32-byte X25519 or 56-byte X448 scalar. Returns 0
 * or -EINVAL.
 */
int dh_set_private(struct dh *dh, unsigned int group,
		   const uint8_t *priv, size_t len);

/* Our public value, for the KE payload. */
static inline const uint8_t *dh_public(const struct dh *dh, size_t *len)
{
	*len = dh->group->dh_public_len;
	return dh->pub;
}

static inline size_t dh_shared_len(const struct dh *dh)
{
	return dh->group->dh_shared_len;
}

/*
 * g^ir from the peer's KE payload data into out (dh_shared_len bytes).
 * Returns 0, or -EINVAL when the peer value has the wrong length or is
 * not acceptable; out is then zeroed.
 */
int dh_shared(const struct dh *dh, const uint8_t *peer, size_t peer_len,
	      uint8_t *out);

/* Wipe the key pair. */
void dh_destroy(struct dh *dh);

/*
 * Back ends, one per family, used by dh.c only. keygen fills pub (and
 * priv when priv_len is 0 on entry, making a random private key);
 * shared gets a peer value of the right length.
 */
int dh_modp_keygen(struct dh *dh);
int dh_modp_shared(const struct dh *dh, const uint8_t *peer, uint8_t *out);
int dh_ecp_keygen(struct dh *dh);
int dh_ecp_shared(const struct dh *dh, const uint8_t *peer, uint8_t *out);
int dh_x25519_keygen(struct dh *dh);
int dh_x25519_shared(const struct dh *dh, const uint8_t *peer, uint8_t *out);
int dh_x448_keygen(struct dh *dh);
int dh_x448_shared(const struct dh *dh, const uint8_t *peer, uint8_t *out);

/* Big-integer helpers for the back ends. */
/* z as big-endian, left-padded to len bytes; -EINVAL if it does not fit. */
int dh_mpz_export(const mpz_t z, uint8_t *out, size_t len);
/* Zero the limbs of z, then mpz_clear() it. */
void dh_mpz_wipe(mpz_t z);
/*
 * -EINVAL if a Montgomery-curve secret is all zeroes (a low-order peer
 * point: RFC 7748 §6, RFC 8031 §2.2), else 0; without early exit.
 */
int dh_check_nonzero(const uint8_t *secret, size_t len);

#endif
