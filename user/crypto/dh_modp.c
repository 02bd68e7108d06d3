// SPDX-License-Identifier: GPL-2.0
/*
 * Diffie-Hellman over the 2048-bit MODP group 14 (RFC 3526 §3), with GMP.
 * The private exponent is as long as the prime and is used through
 * mpz_powm_sec(), GMP's side-channel silent modular exponentiation.
 */
#include <errno.h>
#include <gnutls/gnutls.h>

#include "crypto/dh.h"
#include "crypto/random.h"

#define MODP_LEN	256
#define MODP_GENERATOR	2

/* p = 2^2048 - 2^1984 - 1 + 2^64 * { [2^1918 pi] + 124476 } */
static const char modp2048_p[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
	"29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
	"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
	"E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D"
	"C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
	"83655D23DCA3AD961C62F356208552BB9ED529077096966D"
	"670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9"
	"DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
	"15728E5A8AACAA68FFFFFFFFFFFFFFFF";

/* out = base^x mod p, padded to the prime's length. */
static int modp_pow(const struct dh *dh, const mpz_t base, const mpz_t p,
		    uint8_t *out)
{
	mpz_t x, r;
	int err;

	mpz_inits(x, r, NULL);
	mpz_import(x, dh->priv_len, 1, 1, 1, 0, dh->priv);
	if (!mpz_sgn(x)) {
		err = -EINVAL;
	} else {
		mpz_powm_sec(r, base, x, p);
		err = dh_mpz_export(r, out, MODP_LEN);
	}
	dh_mpz_wipe(x);
	dh_mpz_wipe(r);
	return err;
}

int dh_modp_keygen(struct dh *dh)
{
	mpz_t p, g;
	int err;

	if (!dh->priv_len) {
		err = random_key(dh->priv, MODP_LEN);
		if (err)
			return err;
		dh->priv_len = MODP_LEN;
	}
	mpz_init_set_str(p, modp2048_p, 16);
	mpz_init_set_ui(g, MODP_GENERATOR);
	err = modp_pow(dh, g, p, dh->pub);
	mpz_clears(p, g, NULL);
	return err;
}

int dh_modp_shared(const struct dh *dh, const uint8_t *peer, uint8_t *out)
{
	mpz_t p, y, limit;
	int err;

	mpz_init_set_str(p, modp2048_p, 16);
	mpz_inits(y, limit, NULL);
	mpz_import(y, MODP_LEN, 1, 1, 1, 0, peer);

	/* 1 < y < p-1: refuse 0, 1, p-1 and anything not reduced mod p. */
	mpz_sub_ui(limit, p, 1);
	if (mpz_cmp_ui(y, 1) <= 0 || mpz_cmp(y, limit) >= 0)
		err = -EINVAL;
	else
		err = modp_pow(dh, y, p, out);
	mpz_clears(p, y, limit, NULL);
	return err;
}
