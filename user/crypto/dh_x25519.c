// SPDX-License-Identifier: GPL-2.0
/*
 * Diffie-Hellman over Curve25519 (RFC 7748 X25519, RFC 8031 for IKEv2),
 * with Nettle. Nettle clamps the scalar and ignores the top bit of the
 * peer's u coordinate, as RFC 7748 §5 asks.
 */
#include <errno.h>
#include <nettle/curve25519.h>

#include "crypto/dh.h"
#include "crypto/random.h"

int dh_x25519_keygen(struct dh *dh)
{
	int err;

	if (!dh->priv_len) {
		err = random_key(dh->priv, CURVE25519_SIZE);
		if (err)
			return err;
		dh->priv_len = CURVE25519_SIZE;
	}
	if (dh->priv_len != CURVE25519_SIZE)
		return -EINVAL;
	curve25519_mul_g(dh->pub, dh->priv);
	return 0;
}

int dh_x25519_shared(const struct dh *dh, const uint8_t *peer, uint8_t *out)
{
	curve25519_mul(out, dh->priv, peer);
	return dh_check_nonzero(out, CURVE25519_SIZE);
}
