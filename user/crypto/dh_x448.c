// SPDX-License-Identifier: GPL-2.0
/*
 * Diffie-Hellman over Curve448 (RFC 7748 X448, RFC 8031 for IKEv2), with
 * Nettle. Nettle clamps the scalar as RFC 7748 §5 asks; u coordinates
 * are 56 bytes, little-endian.
 */
#include <errno.h>
#include <nettle/curve448.h>

#include "crypto/dh.h"
#include "crypto/random.h"

int dh_x448_keygen(struct dh *dh)
{
	int err;

	if (!dh->priv_len) {
		err = random_key(dh->priv, CURVE448_SIZE);
		if (err)
			return err;
		dh->priv_len = CURVE448_SIZE;
	}
	if (dh->priv_len != CURVE448_SIZE)
		return -EINVAL;
	curve448_mul_g(dh->pub, dh->priv);
	return 0;
}

int dh_x448_shared(const struct dh *dh, const uint8_t *peer, uint8_t *out)
{
	curve448_mul(out, dh->priv, peer);
	return dh_check_nonzero(out, CURVE448_SIZE);
}
