// SPDX-License-Identifier: GPL-2.0
/*
 * Elliptic-curve Diffie-Hellman over NIST P-256, P-384 and P-521
 * (RFC 5903), with Nettle's ecc_point/ecc_scalar interface.
 */
#include <errno.h>
#include <nettle/ecc.h>
#include <nettle/ecc-curve.h>
#include <gnutls/gnutls.h>

#include "crypto/dh.h"
#include "crypto/random.h"

/* Draws of a random scalar before giving up (each fails with p < 2^-32). */
#define SCALAR_TRIES	16

static const struct ecc_curve *curve_of(const struct dh *dh, size_t *len)
{
	*len = dh->group->dh_shared_len;
	switch (dh->group->id) {
	case IKE_DH_ECP_256:
		return nettle_get_secp_256r1();
	case IKE_DH_ECP_384:
		return nettle_get_secp_384r1();
	default:
		return nettle_get_secp_521r1();
	}
}

static void scalar_wipe(struct ecc_scalar *s, const struct ecc_curve *ecc)
{
	gnutls_memset(s->p, 0, ecc_size(ecc) * sizeof(mp_limb_t));
	ecc_scalar_clear(s);
}

/* The point holds secret coordinates (the shared value). */
static void point_wipe(struct ecc_point *pt, const struct ecc_curve *ecc)
{
	gnutls_memset(pt->p, 0, 2 * ecc_size(ecc) * sizeof(mp_limb_t));
	ecc_point_clear(pt);
}

/* s = dh->priv; -EINVAL unless 0 < priv < n. */
static int scalar_load(struct ecc_scalar *s, const struct dh *dh)
{
	mpz_t z;
	int ok;

	mpz_init(z);
	mpz_import(z, dh->priv_len, 1, 1, 1, 0, dh->priv);
	ok = ecc_scalar_set(s, z);
	dh_mpz_wipe(z);
	return ok ? 0 : -EINVAL;
}

/*
 * A random private scalar in [1, n-1], by rejection sampling over the
 * bit length of n (P-521's 66 bytes hold 7 bits more).
 */
static int scalar_random(struct ecc_scalar *s, struct dh *dh, size_t len)
{
	unsigned int excess = 8 * len - ecc_bit_size(s->ecc);

	for (int i = 0; i < SCALAR_TRIES; i++) {
		int err = random_key(dh->priv, len);

		if (err)
			return err;
		dh->priv[0] &= 0xff >> excess;
		dh->priv_len = len;
		if (!scalar_load(s, dh))
			return 0;
	}
	return -EIO;
}

/* x | y of a point, each padded to len bytes. */
static int point_export(const struct ecc_point *pt, uint8_t *out, size_t len)
{
	mpz_t x, y;
	int err;

	mpz_inits(x, y, NULL);
	ecc_point_get(pt, x, y);
	err = dh_mpz_export(x, out, len);
	if (!err)
		err = dh_mpz_export(y, out + len, len);
	mpz_clears(x, y, NULL);
	return err;
}

int dh_ecp_keygen(struct dh *dh)
{
	size_t len;
	const struct ecc_curve *ecc = curve_of(dh, &len);
	struct ecc_scalar s;
	struct ecc_point pub;
	int err;

	ecc_scalar_init(&s, ecc);
	ecc_point_init(&pub, ecc);
	if (!dh->priv_len)
		err = scalar_random(&s, dh, len);
	else if (dh->priv_len != len)
		err = -EINVAL;
	else
		err = scalar_load(&s, dh);
	if (!err) {
		ecc_point_mul_g(&pub, &s);
		err = point_export(&pub, dh->pub, len);
	}
	ecc_point_clear(&pub);
	scalar_wipe(&s, ecc);
	return err;
}

int dh_ecp_shared(const struct dh *dh, const uint8_t *peer, uint8_t *out)
{
	size_t len;
	const struct ecc_curve *ecc = curve_of(dh, &len);
	struct ecc_scalar s;
	struct ecc_point pt, r;
	mpz_t x, y;
	int err;

	ecc_scalar_init(&s, ecc);
	ecc_point_init(&pt, ecc);
	ecc_point_init(&r, ecc);
	mpz_inits(x, y, NULL);

	mpz_import(x, len, 1, 1, 1, 0, peer);
	mpz_import(y, len, 1, 1, 1, 0, peer + len);
	/* ecc_point_set() refuses coordinates >= p and points off the curve. */
	if (!ecc_point_set(&pt, x, y)) {
		err = -EINVAL;
		goto out;
	}
	err = scalar_load(&s, dh);
	if (err)
		goto out;
	ecc_point_mul(&r, &s, &pt);
	/* The shared secret is the x coordinate alone (RFC 5903 §7). */
	ecc_point_get(&r, x, NULL);
	err = dh_mpz_export(x, out, len);
out:
	dh_mpz_wipe(x);
	mpz_clear(y);
	point_wipe(&r, ecc);
	ecc_point_clear(&pt);
	scalar_wipe(&s, ecc);
	return err;
}
