// SPDX-License-Identifier: GPL-2.0
/*
 * Diffie-Hellman: the group-independent part, dispatching to the
 * per-family back ends.
 */
#include <errno.h>
#include <string.h>
#include <gnutls/gnutls.h>

#include "crypto/dh.h"

static int keygen(struct dh *dh)
{
	switch (dh->group->id) {
	case IKE_DH_MODP_2048:
	case IKE_DH_MODP_3072:
	case IKE_DH_MODP_4096:
		return dh_modp_keygen(dh);
	case IKE_DH_ECP_256:
	case IKE_DH_ECP_384:
	case IKE_DH_ECP_521:
		return dh_ecp_keygen(dh);
	case IKE_DH_CURVE25519:
		return dh_x25519_keygen(dh);
	case IKE_DH_CURVE448:
		return dh_x448_keygen(dh);
	default:
		return -EINVAL;
	}
}

static int init(struct dh *dh, unsigned int group,
		const uint8_t *priv, size_t len)
{
	int err;

	memset(dh, 0, sizeof(*dh));
	dh->group = transform_find(IKE_XF_DH, group, 0);
	if (!dh->group || len > sizeof(dh->priv))
		return -EINVAL;
	if (len)
		memcpy(dh->priv, priv, len);
	dh->priv_len = len;
	err = keygen(dh);
	if (err)
		dh_destroy(dh);
	return err;
}

int dh_generate(struct dh *dh, unsigned int group)
{
	return init(dh, group, NULL, 0);
}

int dh_set_private(struct dh *dh, unsigned int group,
		   const uint8_t *priv, size_t len)
{
	if (!len)
		return -EINVAL;
	return init(dh, group, priv, len);
}

int dh_shared(const struct dh *dh, const uint8_t *peer, size_t peer_len,
	      uint8_t *out)
{
	int err;

	if (!dh->group)
		return -EINVAL;
	if (peer_len != dh->group->dh_public_len) {
		memset(out, 0, dh_shared_len(dh));
		return -EINVAL;
	}
	switch (dh->group->id) {
	case IKE_DH_MODP_2048:
	case IKE_DH_MODP_3072:
	case IKE_DH_MODP_4096:
		err = dh_modp_shared(dh, peer, out);
		break;
	case IKE_DH_ECP_256:
	case IKE_DH_ECP_384:
	case IKE_DH_ECP_521:
		err = dh_ecp_shared(dh, peer, out);
		break;
	case IKE_DH_CURVE25519:
		err = dh_x25519_shared(dh, peer, out);
		break;
	case IKE_DH_CURVE448:
		err = dh_x448_shared(dh, peer, out);
		break;
	default:
		err = -EINVAL;
	}
	if (err)
		gnutls_memset(out, 0, dh_shared_len(dh));
	return err;
}

void dh_destroy(struct dh *dh)
{
	gnutls_memset(dh, 0, sizeof(*dh));
}

int dh_mpz_export(const mpz_t z, uint8_t *out, size_t len)
{
	size_t n = mpz_sgn(z) ? (mpz_sizeinbase(z, 2) + 7) / 8 : 0;

	if (mpz_sgn(z) < 0 || n > len)
		return -EINVAL;
	memset(out, 0, len - n);
	if (n)
		mpz_export(out + len - n, NULL, 1, 1, 1, 0, z);
	return 0;
}

void dh_mpz_wipe(mpz_t z)
{
	size_t n = mpz_size(z);

	if (n)
		gnutls_memset(mpz_limbs_modify(z, n), 0, n * sizeof(mp_limb_t));
	mpz_clear(z);
}

int dh_check_nonzero(const uint8_t *secret, size_t len)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < len; i++)
		acc |= secret[i];
	return acc ? 0 : -EINVAL;
}
