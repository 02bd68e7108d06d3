/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IKEv2 key schedule (RFC 7296 §2.13-2.18) and the AUTH payload
 * computations that use its keys (§2.15).
 *
 * IKE SA (§2.14):
 *	SKEYSEED = prf(Ni | Nr, g^ir)
 *	{SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *		= prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
 * Rekeyed IKE SA (§2.18), with the old SA's PRF for SKEYSEED:
 *	SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr)
 * Child SA (§2.17):
 *	KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr)
 *
 * With an AEAD cipher there is no integrity transform, so no SK_ai/SK_ar
 * (nor child integrity keys), and each encryption key carries its salt
 * at the end. Only HMAC PRFs are supported, so the AES-XCBC/CMAC special
 * cases for the SKEYSEED key do not arise.
 *
 * Nonces are the Nonce payload data; SPIs are 8 bytes as on the wire.
 * Every function returns 0 or a negative errno; on failure the output
 * struct is wiped. Each *_destroy() wipes its struct.
 */
#ifndef MIF_CRYPTO_KEYS_H
#define MIF_CRYPTO_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/transforms.h"

struct ike_keys {
	const struct transform *prf;
	const struct transform *encr;
	const struct transform *integ;	/* NULL with an AEAD cipher */
	uint8_t sk_d[TRANSFORM_PRF_MAX];
	uint8_t sk_ai[TRANSFORM_INTEG_KEY_MAX];
	uint8_t sk_ar[TRANSFORM_INTEG_KEY_MAX];
	uint8_t sk_ei[TRANSFORM_ENCR_KEY_MAX];	/* key | salt */
	uint8_t sk_er[TRANSFORM_ENCR_KEY_MAX];
	uint8_t sk_pi[TRANSFORM_PRF_MAX];
	uint8_t sk_pr[TRANSFORM_PRF_MAX];
};

/* The lengths actually used in the arrays above. */
static inline size_t ike_keys_prf_len(const struct ike_keys *k)
{
	return k->prf->key_len;
}

static inline size_t ike_keys_integ_len(const struct ike_keys *k)
{
	return transform_keymat_len(k->integ);
}

static inline size_t ike_keys_encr_len(const struct ike_keys *k)
{
	return transform_keymat_len(k->encr);
}

/* Keys of a new IKE SA from IKE_SA_INIT. */
int ike_keys_derive(struct ike_keys *k, const struct transform *prf,
		    const struct transform *encr, const struct transform *integ,
		    const uint8_t *g_ir, size_t g_ir_len,
		    const uint8_t *ni, size_t ni_len,
		    const uint8_t *nr, size_t nr_len,
		    const uint8_t spi_i[8], const uint8_t spi_r[8]);

/*
 * Keys of an IKE SA rekeyed by CREATE_CHILD_SA: old is the SA being
 * replaced, the transforms are the new SA's, the SPIs the new SA's.
 * k and old may not be the same struct.
 */
int ike_keys_rekey(struct ike_keys *k, const struct ike_keys *old,
		   const struct transform *prf, const struct transform *encr,
		   const struct transform *integ,
		   const uint8_t *g_ir, size_t g_ir_len,
		   const uint8_t *ni, size_t ni_len,
		   const uint8_t *nr, size_t nr_len,
		   const uint8_t spi_i[8], const uint8_t spi_r[8]);

void ike_keys_destroy(struct ike_keys *k);

/*
 * Keys of one Child SA pair (ESP). "i" keys protect traffic from the
 * initiator of the exchange that created the SA to the responder, "r"
 * keys the reverse direction. Encryption keys include the salt for AEAD
 * ciphers, ready for the kernel.
 */
struct child_keys {
	const struct transform *encr;
	const struct transform *integ;	/* NULL with an AEAD cipher */
	uint8_t encr_i[TRANSFORM_ENCR_KEY_MAX];
	uint8_t integ_i[TRANSFORM_INTEG_KEY_MAX];
	uint8_t encr_r[TRANSFORM_ENCR_KEY_MAX];
	uint8_t integ_r[TRANSFORM_INTEG_KEY_MAX];
};

/*
 * Child SA keys from the IKE SA's SK_d. g_ir is the shared secret of a
 * CREATE_CHILD_SA KE exchange (PFS), or NULL/0 when there is none.
 */
int child_keys_derive(struct child_keys *c, const struct ike_keys *ike,
		      const struct transform *encr,
		      const struct transform *integ,
		      const uint8_t *g_ir, size_t g_ir_len,
		      const uint8_t *ni, size_t ni_len,
		      const uint8_t *nr, size_t nr_len);

/*
 * Keys of the j-th Child SA derived by a MIF_ADD_INTERFACE exchange
 * (docs/protocol/crypto.md): KEYMAT = prf+(SK_d, "MIF" | Ni | Nr | j),
 * j as 4 octets, Ni and Nr the nonces of that exchange, split as
 * child_keys_derive() does ("i": the exchange's requester).
 */
int child_keys_derive_mif(struct child_keys *c, const struct ike_keys *ike,
			  const struct transform *encr,
			  const struct transform *integ,
			  const uint8_t *ni, size_t ni_len,
			  const uint8_t *nr, size_t nr_len, uint32_t j);
void child_keys_destroy(struct child_keys *c);

/*
 * AUTH payload inputs (RFC 7296 §2.15). "initiator" names whose AUTH is
 * computed: for the initiator's AUTH, msg is the initiator's IKE_SA_INIT
 * message, nonce is Nr and the ID is IDi, keyed with SK_pi; for the
 * responder's, msg is its IKE_SA_INIT reply, nonce Ni, ID IDr, SK_pr.
 * id is the ID payload body after the generic payload header (ID Type,
 * three reserved bytes, identification data).
 */

/* out (prf output length) = prf(SK_px, id): the MACedIDForI/R. */
int auth_maced_id(const struct ike_keys *k, bool initiator,
		  const uint8_t *id, size_t id_len, uint8_t *out);

/*
 * The octets to sign: msg | nonce | prf(SK_px, id), in a buffer
 * allocated with malloc() that the caller releases with
 * auth_octets_free().
 */
int auth_signed_octets(const struct ike_keys *k, bool initiator,
		       const uint8_t *msg, size_t msg_len,
		       const uint8_t *nonce, size_t nonce_len,
		       const uint8_t *id, size_t id_len,
		       uint8_t **out, size_t *out_len);

/*
 * Wipe and free signed octets. prf(SK_px, id) is keyed material, and
 * with it and a shared-key AUTH value anyone could try guesses of the
 * shared key offline: no copy stays in freed memory.
 */
void auth_octets_free(uint8_t *octets, size_t len);

/*
 * Shared-key AUTH data (prf output length):
 *	prf(prf(Shared Secret, "Key Pad for IKEv2"), <signed octets>)
 */
int auth_psk(const struct transform *prf, const uint8_t *psk, size_t psk_len,
	     const uint8_t *octets, size_t octets_len, uint8_t *out);

#endif
