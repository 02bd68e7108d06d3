// SPDX-License-Identifier: GPL-2.0
/*
 * IKEv2 key schedule: SKEYSEED, the SK_* keys, Child SA KEYMAT, and the
 * AUTH payload computations.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <gnutls/gnutls.h>

#include "crypto/keys.h"
#include "crypto/prf.h"

#define IKE_SPI_BYTES	8
#define KEY_PAD		"Key Pad for IKEv2"
#define NONCE_MAX	256	/* RFC 7296 §3.9 */

/* The ENCR/INTEG pair is usable together: AEAD exactly when no INTEG. */
static int check_ciphers(const struct transform *encr,
			 const struct transform *integ)
{
	if (!encr || encr->type != IKE_XF_ENCR)
		return -EINVAL;
	if (encr->aead)
		return integ ? -EINVAL : 0;
	return integ && integ->type == IKE_XF_INTEG ? 0 : -EINVAL;
}

static int check_prf(const struct transform *prf)
{
	return prf && prf->type == IKE_XF_PRF ? 0 : -EINVAL;
}

/* Take len bytes of KEYMAT into dst. */
static const uint8_t *take(uint8_t *dst, const uint8_t *src, size_t len)
{
	memcpy(dst, src, len);
	return src + len;
}

/*
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *	= prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
 */
static int derive_sk(struct ike_keys *k,
		     const uint8_t *skeyseed, size_t skeyseed_len,
		     const uint8_t *ni, size_t ni_len,
		     const uint8_t *nr, size_t nr_len,
		     const uint8_t *spi_i, const uint8_t *spi_r)
{
	const struct prf_chunk seed[] = {
		{ ni, ni_len }, { nr, nr_len },
		{ spi_i, IKE_SPI_BYTES }, { spi_r, IKE_SPI_BYTES },
	};
	size_t prf_len = ike_keys_prf_len(k);
	size_t integ_len = ike_keys_integ_len(k);
	size_t encr_len = ike_keys_encr_len(k);
	size_t total = 3 * prf_len + 2 * integ_len + 2 * encr_len;
	uint8_t keymat[3 * TRANSFORM_PRF_MAX + 2 * TRANSFORM_INTEG_KEY_MAX +
		       2 * TRANSFORM_ENCR_KEY_MAX];
	const uint8_t *p = keymat;
	int err;

	err = prf_plus(k->prf, skeyseed, skeyseed_len, seed, 4,
		       keymat, total);
	if (!err) {
		p = take(k->sk_d, p, prf_len);
		p = take(k->sk_ai, p, integ_len);
		p = take(k->sk_ar, p, integ_len);
		p = take(k->sk_ei, p, encr_len);
		p = take(k->sk_er, p, encr_len);
		p = take(k->sk_pi, p, prf_len);
		take(k->sk_pr, p, prf_len);
	}
	gnutls_memset(keymat, 0, sizeof(keymat));
	return err;
}

static int setup(struct ike_keys *k, const struct transform *prf,
		 const struct transform *encr, const struct transform *integ)
{
	memset(k, 0, sizeof(*k));
	if (check_prf(prf) || check_ciphers(encr, integ))
		return -EINVAL;
	k->prf = prf;
	k->encr = encr;
	k->integ = integ;
	return 0;
}

int ike_keys_derive(struct ike_keys *k, const struct transform *prf_t,
		    const struct transform *encr, const struct transform *integ,
		    const uint8_t *g_ir, size_t g_ir_len,
		    const uint8_t *ni, size_t ni_len,
		    const uint8_t *nr, size_t nr_len,
		    const uint8_t spi_i[8], const uint8_t spi_r[8])
{
	uint8_t skeyseed[TRANSFORM_PRF_MAX];
	uint8_t nonces[2 * NONCE_MAX];
	const struct prf_chunk secret = { g_ir, g_ir_len };
	int err;

	err = setup(k, prf_t, encr, integ);
	if (err)
		return err;
	if (ni_len > NONCE_MAX || nr_len > NONCE_MAX) {
		ike_keys_destroy(k);
		return -EINVAL;
	}

	/* SKEYSEED = prf(Ni | Nr, g^ir): the nonces are the key. */
	memcpy(nonces, ni, ni_len);
	memcpy(nonces + ni_len, nr, nr_len);
	err = prf(prf_t, nonces, ni_len + nr_len, &secret, 1, skeyseed);
	gnutls_memset(nonces, 0, sizeof(nonces));

	if (!err)
		err = derive_sk(k, skeyseed, prf_t->out_len, ni, ni_len,
				nr, nr_len, spi_i, spi_r);
	gnutls_memset(skeyseed, 0, sizeof(skeyseed));
	if (err)
		ike_keys_destroy(k);
	return err;
}

int ike_keys_rekey(struct ike_keys *k, const struct ike_keys *old,
		   const struct transform *prf_t, const struct transform *encr,
		   const struct transform *integ,
		   const uint8_t *g_ir, size_t g_ir_len,
		   const uint8_t *ni, size_t ni_len,
		   const uint8_t *nr, size_t nr_len,
		   const uint8_t spi_i[8], const uint8_t spi_r[8])
{
	uint8_t skeyseed[TRANSFORM_PRF_MAX];
	const struct prf_chunk in[] = {
		{ g_ir, g_ir_len }, { ni, ni_len }, { nr, nr_len },
	};
	int err;

	if (k == old || !old->prf)
		return -EINVAL;
	err = setup(k, prf_t, encr, integ);
	if (err)
		return err;

	/*
	 * SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr). The exchange
	 * belongs to the old SA, so the old SA's PRF computes SKEYSEED
	 * (§2.18); the new SA's PRF then keys prf+ with it.
	 */
	err = prf(old->prf, old->sk_d, ike_keys_prf_len(old), in, 3,
		  skeyseed);
	if (!err)
		err = derive_sk(k, skeyseed, old->prf->out_len, ni, ni_len,
				nr, nr_len, spi_i, spi_r);
	gnutls_memset(skeyseed, 0, sizeof(skeyseed));
	if (err)
		ike_keys_destroy(k);
	return err;
}

void ike_keys_destroy(struct ike_keys *k)
{
	gnutls_memset(k, 0, sizeof(*k));
}

/*
 * KEYMAT = prf+(SK_d, seed), split as §2.17 says: all i->r keys first,
 * encryption before integrity, then the r->i keys.
 */
static int keymat_split(struct child_keys *c, const struct ike_keys *ike,
			const struct transform *encr,
			const struct transform *integ,
			const struct prf_chunk *seed, unsigned int n_seed)
{
	uint8_t keymat[2 * TRANSFORM_ENCR_KEY_MAX + 2 * TRANSFORM_INTEG_KEY_MAX];
	size_t encr_len = transform_keymat_len(encr);
	size_t integ_len = transform_keymat_len(integ);
	const uint8_t *p = keymat;
	int err;

	memset(c, 0, sizeof(*c));
	if (!ike->prf || check_ciphers(encr, integ))
		return -EINVAL;
	c->encr = encr;
	c->integ = integ;
	err = prf_plus(ike->prf, ike->sk_d, ike_keys_prf_len(ike), seed,
		       n_seed, keymat, 2 * (encr_len + integ_len));
	if (!err) {
		p = take(c->encr_i, p, encr_len);
		p = take(c->integ_i, p, integ_len);
		p = take(c->encr_r, p, encr_len);
		take(c->integ_r, p, integ_len);
	} else {
		child_keys_destroy(c);
	}
	gnutls_memset(keymat, 0, sizeof(keymat));
	return err;
}

int child_keys_derive(struct child_keys *c, const struct ike_keys *ike,
		      const struct transform *encr,
		      const struct transform *integ,
		      const uint8_t *g_ir, size_t g_ir_len,
		      const uint8_t *ni, size_t ni_len,
		      const uint8_t *nr, size_t nr_len)
{
	const struct prf_chunk seed[] = {
		{ g_ir, g_ir_len }, { ni, ni_len }, { nr, nr_len },
	};

	return keymat_split(c, ike, encr, integ, seed, 3);
}

int child_keys_derive_mif(struct child_keys *c, const struct ike_keys *ike,
			  const struct transform *encr,
			  const struct transform *integ,
			  const uint8_t *ni, size_t ni_len,
			  const uint8_t *nr, size_t nr_len, uint32_t j)
{
	const uint8_t idx[4] = {
		(uint8_t)(j >> 24), (uint8_t)(j >> 16), (uint8_t)(j >> 8),
		(uint8_t)j,
	};
	const struct prf_chunk seed[] = {
		{ "MIF", 3 }, { ni, ni_len }, { nr, nr_len }, { idx, 4 },
	};

	return keymat_split(c, ike, encr, integ, seed, 4);
}

void child_keys_destroy(struct child_keys *c)
{
	gnutls_memset(c, 0, sizeof(*c));
}

int auth_maced_id(const struct ike_keys *k, bool initiator,
		  const uint8_t *id, size_t id_len, uint8_t *out)
{
	const struct prf_chunk in = { id, id_len };

	if (!k->prf)
		return -EINVAL;
	return prf(k->prf, initiator ? k->sk_pi : k->sk_pr,
		   ike_keys_prf_len(k), &in, 1, out);
}

int auth_signed_octets(const struct ike_keys *k, bool initiator,
		       const uint8_t *msg, size_t msg_len,
		       const uint8_t *nonce, size_t nonce_len,
		       const uint8_t *id, size_t id_len,
		       uint8_t **out, size_t *out_len)
{
	size_t len, mac_len;
	uint8_t *p;
	int err;

	*out = NULL;
	*out_len = 0;
	if (!k->prf)
		return -EINVAL;
	mac_len = k->prf->out_len;
	len = msg_len + nonce_len + mac_len;
	p = malloc(len);
	if (!p)
		return -ENOMEM;
	memcpy(p, msg, msg_len);
	memcpy(p + msg_len, nonce, nonce_len);
	err = auth_maced_id(k, initiator, id, id_len, p + msg_len + nonce_len);
	if (err) {
		auth_octets_free(p, len);
		return err;
	}
	*out = p;
	*out_len = len;
	return 0;
}

void auth_octets_free(uint8_t *octets, size_t len)
{
	if (!octets)
		return;
	gnutls_memset(octets, 0, len);
	free(octets);
}

int auth_psk(const struct transform *prf_t, const uint8_t *psk, size_t psk_len,
	     const uint8_t *octets, size_t octets_len, uint8_t *out)
{
	const struct prf_chunk pad = { KEY_PAD, sizeof(KEY_PAD) - 1 };
	const struct prf_chunk data = { octets, octets_len };
	uint8_t key[TRANSFORM_PRF_MAX];
	int err;

	if (check_prf(prf_t))
		return -EINVAL;
	err = prf(prf_t, psk, psk_len, &pad, 1, key);
	if (!err)
		err = prf(prf_t, key, prf_t->out_len, &data, 1, out);
	gnutls_memset(key, 0, sizeof(key));
	return err;
}
