/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Protection of the Encrypted (SK) payload (RFC 7296 §3.14), the body
 * that follows its generic payload header:
 *
 *	IV | ciphertext of (payloads | padding | pad length) | ICV
 *
 * AES-CBC with HMAC (RFC 7296): a random 16-byte IV, plaintext padded to
 * the block size, ICV = the truncated HMAC of the message from the IKE
 * header to the end of the ciphertext.
 *
 * AES-GCM-16 (RFC 5282) and ChaCha20-Poly1305 (RFC 7634): an 8-byte
 * explicit IV, nonce = salt | IV, AAD = the message from the IKE header
 * up to the IV (IKE header, any unencrypted payloads, SK payload header),
 * a 16-byte ICV. Only the pad length byte is added (zero padding).
 *
 * "aad" below is always that message prefix, from the IKE header to the
 * end of the SK payload's generic header, with its length fields already
 * set to their final values. Errors: -EINVAL for bad sizes or keys,
 * -ENOSPC for a short output buffer, -EBADMSG for a message that fails
 * its integrity check or has bad padding, -EIO for library failures.
 */
#ifndef MIF_CRYPTO_SK_H
#define MIF_CRYPTO_SK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/keys.h"
#include "crypto/transforms.h"

/* The keys protecting one direction of an IKE SA. */
struct sk_keys {
	const struct transform *encr;
	const struct transform *integ;	/* NULL with an AEAD cipher */
	uint8_t encr_key[TRANSFORM_ENCR_KEY_MAX];	/* key | salt */
	uint8_t integ_key[TRANSFORM_INTEG_KEY_MAX];
};

/*
 * Set up from explicit keys: encr_key holds transform_keymat_len(encr)
 * bytes (salt last), integ_key transform_keymat_len(integ) bytes, or is
 * NULL with integ for an AEAD cipher.
 */
int sk_keys_init(struct sk_keys *sk, const struct transform *encr,
		 const uint8_t *encr_key, const struct transform *integ,
		 const uint8_t *integ_key);

/*
 * Set up from an IKE SA's keys: the original initiator's direction
 * (SK_ei, SK_ai) if initiator, else the responder's (SK_er, SK_ar).
 */
int sk_keys_from_ike(struct sk_keys *sk, const struct ike_keys *k,
		     bool initiator);

void sk_keys_destroy(struct sk_keys *sk);

/* Bytes the SK body adds to plain_len payload bytes: IV, padding, ICV. */
size_t sk_overhead(const struct sk_keys *sk, size_t plain_len);

/*
 * Protect plain (the inner payloads) into out: *out_len is out's size
 * on entry (at least plain_len + sk_overhead()) and the body's length on
 * return. out must not overlap aad or plain.
 */
int sk_encrypt(const struct sk_keys *sk, const uint8_t *aad, size_t aad_len,
	       const uint8_t *plain, size_t plain_len,
	       uint8_t *out, size_t *out_len);

/* The same with a given IV of encr->iv_len bytes (known-answer tests). */
int sk_encrypt_with_iv(const struct sk_keys *sk, const uint8_t *iv,
		       const uint8_t *aad, size_t aad_len,
		       const uint8_t *plain, size_t plain_len,
		       uint8_t *out, size_t *out_len);

/*
 * Check and decrypt an SK body into out, padding removed: *out_len is
 * out's size on entry (at least the ciphertext length, which is below
 * body_len) and the payloads' length on return. out may be the body
 * itself. On failure nothing is left in out.
 */
int sk_decrypt(const struct sk_keys *sk, const uint8_t *aad, size_t aad_len,
	       const uint8_t *body, size_t body_len,
	       uint8_t *out, size_t *out_len);

#endif
