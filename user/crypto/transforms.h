/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IKEv2 transforms mif supports (IANA "IKEv2 Parameters" registry),
 * with everything the rest of the daemon needs to know about each: key,
 * salt, block, IV and ICV sizes, the GnuTLS algorithm that implements it,
 * and the name the kernel's XFRM layer knows it by.
 *
 * One table (transforms.c) holds them all; look entries up by
 * (transform type, transform ID, Key Length attribute).
 */
#ifndef MIF_CRYPTO_TRANSFORMS_H
#define MIF_CRYPTO_TRANSFORMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <gnutls/gnutls.h>

#include "ike/constants.h"

/* Upper bounds over the table, for fixed-size key buffers. */
#define TRANSFORM_PRF_MAX	64	/* PRF output and key, bytes */
#define TRANSFORM_INTEG_KEY_MAX	64	/* integrity key, bytes */
#define TRANSFORM_ICV_MAX	32	/* truncated HMAC or AEAD tag */
#define TRANSFORM_ENCR_KEY_MAX	36	/* cipher key plus salt */
#define TRANSFORM_IV_MAX	16
#define TRANSFORM_BLOCK_MAX	16

struct transform {
	enum ike_transform_type type;	/* IKE_XF_ENCR, _PRF, _INTEG, _DH */
	uint16_t id;			/* IANA transform ID */
	uint16_t key_bits;		/* Key Length attribute, 0 if none */
	const char *name;		/* for logs and configuration */

	/*
	 * ENCR: cipher key without salt. PRF: preferred key length (the
	 * length of SK_d, SK_pi, SK_pr). INTEG: HMAC key length.
	 */
	uint8_t key_len;
	uint8_t salt_len;	/* ENCR AEAD: implicit nonce part from KEYMAT */
	uint8_t block_len;	/* ENCR: plaintext is padded to this */
	uint8_t iv_len;		/* ENCR: explicit IV sent in each message */
	uint8_t icv_len;	/* ENCR AEAD tag, or INTEG truncated HMAC */
	uint8_t out_len;	/* PRF output; INTEG full HMAC output */
	bool aead;		/* ENCR: combined mode, no INTEG transform */

	gnutls_cipher_algorithm_t cipher;	/* ENCR */
	gnutls_mac_algorithm_t mac;		/* PRF, INTEG */

	/* DH: public value and shared secret lengths on the wire. */
	uint16_t dh_public_len;
	uint16_t dh_shared_len;

	/*
	 * Kernel XFRM algorithm name, for ESP SAs (ENCR, INTEG): an AEAD
	 * ("rfc4106(gcm(aes))"), a cipher ("cbc(aes)") or an auth algorithm
	 * ("hmac(sha256)"). xfrm_icv_bits is the AEAD ICV length or the
	 * auth truncation length, in bits. The kernel key for an AEAD is
	 * key_len + salt_len bytes, salt last.
	 */
	const char *xfrm_name;
	uint16_t xfrm_icv_bits;
};

/*
 * The transform with this type and ID, or NULL if mif does not support
 * it. key_bits is the Key Length attribute from the proposal: required
 * for AES (128 or 256), absent (0) for everything else.
 */
const struct transform *transform_find(unsigned int type, unsigned int id,
				       unsigned int key_bits);

/* The whole table, in order of preference within each type. */
const struct transform *transform_table(size_t *count);

/* Bytes of KEYMAT a transform consumes: key plus salt (0 for DH). */
static inline size_t transform_keymat_len(const struct transform *t)
{
	return t ? (size_t)t->key_len + t->salt_len : 0;
}

#endif
