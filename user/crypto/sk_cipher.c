// SPDX-License-Identifier: GPL-2.0
/*
 * Encryption and integrity protection of the SK payload body: AES-CBC
 * with HMAC-SHA2, and the AEAD ciphers AES-GCM-16 and ChaCha20-Poly1305,
 * all through GnuTLS.
 */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <gnutls/crypto.h>
#include <nettle/memops.h>

#include "crypto/random.h"
#include "crypto/sk_cipher.h"

#define AEAD_NONCE_MAX	12	/* salt (4) | IV (8) */

int sk_keys_init(struct sk_keys *sk, const struct transform *encr,
		 const uint8_t *encr_key, const struct transform *integ,
		 const uint8_t *integ_key)
{
	memset(sk, 0, sizeof(*sk));
	if (!encr || encr->type != IKE_XF_ENCR)
		return -EINVAL;
	if (encr->aead && integ)
		return -EINVAL;
	if (!encr->aead &&
	    (!integ || integ->type != IKE_XF_INTEG || !integ_key))
		return -EINVAL;
	sk->encr = encr;
	sk->integ = integ;
	memcpy(sk->encr_key, encr_key, transform_keymat_len(encr));
	if (integ)
		memcpy(sk->integ_key, integ_key, transform_keymat_len(integ));
	return 0;
}

int sk_keys_from_ike(struct sk_keys *sk, const struct ike_keys *k,
		     bool initiator)
{
	return sk_keys_init(sk, k->encr, initiator ? k->sk_ei : k->sk_er,
			    k->integ, initiator ? k->sk_ai : k->sk_ar);
}

void sk_keys_destroy(struct sk_keys *sk)
{
	gnutls_memset(sk, 0, sizeof(*sk));
}

/* Ciphertext length for plain_len payload bytes: padding + pad length. */
static size_t padded_len(const struct transform *encr, size_t plain_len)
{
	size_t block = encr->block_len;

	return (plain_len + 1 + block - 1) / block * block;
}

static size_t icv_len(const struct sk_keys *sk)
{
	return sk->encr->aead ? sk->encr->icv_len : sk->integ->icv_len;
}

size_t sk_overhead(const struct sk_keys *sk, size_t plain_len)
{
	return sk->encr->iv_len + padded_len(sk->encr, plain_len) - plain_len +
	       icv_len(sk);
}

/* The full HMAC of aad | iv_and_ct; the caller truncates. */
static int integ_mac(const struct sk_keys *sk, const uint8_t *aad,
		     size_t aad_len, const uint8_t *data, size_t data_len,
		     uint8_t *mac)
{
	gnutls_hmac_hd_t h;
	int ret;

	if (gnutls_hmac_init(&h, sk->integ->mac, sk->integ_key,
			     sk->integ->key_len) < 0)
		return -EIO;
	ret = gnutls_hmac(h, aad, aad_len);
	if (ret >= 0)
		ret = gnutls_hmac(h, data, data_len);
	gnutls_hmac_deinit(h, mac);
	return ret < 0 ? -EIO : 0;
}

static int cbc_crypt(const struct sk_keys *sk, const uint8_t *iv,
		     uint8_t *buf, size_t len, bool encrypt)
{
	gnutls_datum_t key = {
		.data = (uint8_t *)sk->encr_key, .size = sk->encr->key_len,
	};
	gnutls_datum_t ivd = {
		.data = (uint8_t *)iv, .size = sk->encr->iv_len,
	};
	gnutls_cipher_hd_t h;
	int ret;

	if (gnutls_cipher_init(&h, sk->encr->cipher, &key, &ivd) < 0)
		return -EIO;
	ret = encrypt ? gnutls_cipher_encrypt(h, buf, len) :
			gnutls_cipher_decrypt(h, buf, len);
	gnutls_cipher_deinit(h);
	return ret < 0 ? -EIO : 0;
}

/*
 * AEAD in place over buf; the tag goes to (or comes from) tag.
 * Returns -EBADMSG when decryption finds a bad tag.
 */
static int aead_crypt(const struct sk_keys *sk, const uint8_t *iv,
		      const uint8_t *aad, size_t aad_len,
		      uint8_t *buf, size_t len, uint8_t *tag, bool encrypt)
{
	const struct transform *encr = sk->encr;
	gnutls_datum_t key = {
		.data = (uint8_t *)sk->encr_key, .size = encr->key_len,
	};
	const giovec_t auth = { .iov_base = (void *)aad, .iov_len = aad_len };
	const giovec_t data = { .iov_base = buf, .iov_len = len };
	uint8_t nonce[AEAD_NONCE_MAX];
	size_t nonce_len = encr->salt_len + encr->iv_len;
	size_t tag_len = encr->icv_len;
	gnutls_aead_cipher_hd_t h;
	int ret;

	if (nonce_len > sizeof(nonce))
		return -EINVAL;
	memcpy(nonce, sk->encr_key + encr->key_len, encr->salt_len);
	memcpy(nonce + encr->salt_len, iv, encr->iv_len);

	if (gnutls_aead_cipher_init(&h, encr->cipher, &key) < 0) {
		gnutls_memset(nonce, 0, sizeof(nonce));
		return -EIO;
	}
	if (encrypt)
		ret = gnutls_aead_cipher_encryptv2(h, nonce, nonce_len,
						   &auth, 1, &data, 1,
						   tag, &tag_len);
	else
		ret = gnutls_aead_cipher_decryptv2(h, nonce, nonce_len,
						   &auth, 1, &data, 1,
						   tag, tag_len);
	gnutls_aead_cipher_deinit(h);
	/* The salt is part of the key: no copy stays on the stack. */
	gnutls_memset(nonce, 0, sizeof(nonce));
	if (ret == GNUTLS_E_DECRYPTION_FAILED)
		return -EBADMSG;
	return ret < 0 ? -EIO : 0;
}

int sk_encrypt_with_iv(const struct sk_keys *sk, const uint8_t *iv,
		       const uint8_t *aad, size_t aad_len,
		       const uint8_t *plain, size_t plain_len,
		       uint8_t *out, size_t *out_len)
{
	const struct transform *encr = sk->encr;
	size_t ct_len, icv, total;
	uint8_t *ct, mac[TRANSFORM_PRF_MAX];
	int err;

	if (!encr)
		return -EINVAL;
	ct_len = padded_len(encr, plain_len);
	icv = icv_len(sk);
	total = encr->iv_len + ct_len + icv;
	if (ct_len < plain_len || *out_len < total)
		return -ENOSPC;

	/* IV | payloads | zero padding | pad length */
	ct = out + encr->iv_len;
	memcpy(out, iv, encr->iv_len);
	if (plain_len)
		memcpy(ct, plain, plain_len);
	memset(ct + plain_len, 0, ct_len - plain_len - 1);
	ct[ct_len - 1] = (uint8_t)(ct_len - plain_len - 1);

	if (encr->aead) {
		err = aead_crypt(sk, iv, aad, aad_len, ct, ct_len,
				 ct + ct_len, true);
	} else {
		err = cbc_crypt(sk, iv, ct, ct_len, true);
		if (!err)
			err = integ_mac(sk, aad, aad_len, out,
					encr->iv_len + ct_len, mac);
		if (!err)
			memcpy(ct + ct_len, mac, icv);
		gnutls_memset(mac, 0, sizeof(mac));
	}
	if (err) {
		gnutls_memset(out, 0, total);
		return err;
	}
	*out_len = total;
	return 0;
}

int sk_encrypt(const struct sk_keys *sk, const uint8_t *aad, size_t aad_len,
	       const uint8_t *plain, size_t plain_len,
	       uint8_t *out, size_t *out_len)
{
	uint8_t iv[TRANSFORM_IV_MAX];
	int err;

	if (!sk->encr || sk->encr->iv_len > sizeof(iv))
		return -EINVAL;
	err = random_iv(iv, sk->encr->iv_len);
	if (err)
		return err;
	return sk_encrypt_with_iv(sk, iv, aad, aad_len, plain, plain_len,
				  out, out_len);
}

int sk_decrypt(const struct sk_keys *sk, const uint8_t *aad, size_t aad_len,
	       const uint8_t *body, size_t body_len,
	       uint8_t *out, size_t *out_len)
{
	const struct transform *encr = sk->encr;
	uint8_t iv[TRANSFORM_IV_MAX], icv[TRANSFORM_ICV_MAX];
	uint8_t mac[TRANSFORM_PRF_MAX];
	size_t ct_len, icv_n, pad;
	int err;

	if (!encr)
		return -EINVAL;
	icv_n = icv_len(sk);
	if (body_len < encr->iv_len + icv_n + 1)
		return -EBADMSG;
	ct_len = body_len - encr->iv_len - icv_n;
	if (ct_len % encr->block_len)
		return -EBADMSG;
	if (*out_len < ct_len)
		return -ENOSPC;

	/* Copy what the decryption needs, as out may overlap body. */
	memcpy(iv, body, encr->iv_len);
	memcpy(icv, body + encr->iv_len + ct_len, icv_n);

	if (!encr->aead) {
		/* Encrypt-then-MAC: check the ICV before decrypting. */
		err = integ_mac(sk, aad, aad_len, body, encr->iv_len + ct_len,
				mac);
		if (!err && !memeql_sec(mac, icv, icv_n))
			err = -EBADMSG;
		gnutls_memset(mac, 0, sizeof(mac));
		if (err)
			return err;
	}

	memmove(out, body + encr->iv_len, ct_len);
	if (encr->aead)
		err = aead_crypt(sk, iv, aad, aad_len, out, ct_len, icv, false);
	else
		err = cbc_crypt(sk, iv, out, ct_len, false);

	/* The pad length byte may not claim more than the ciphertext. */
	if (!err) {
		pad = out[ct_len - 1];
		if (pad + 1 > ct_len)
			err = -EBADMSG;
	}
	if (err) {
		gnutls_memset(out, 0, ct_len);
		return err;
	}
	*out_len = ct_len - pad - 1;
	return 0;
}
