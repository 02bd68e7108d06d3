// SPDX-License-Identifier: GPL-2.0
/*
 * The transform table: every algorithm mif negotiates, in one place.
 *
 * Sources: RFC 3602 (AES-CBC), RFC 4106 and RFC 5282 (AES-GCM in ESP and
 * IKEv2), RFC 7634 (ChaCha20-Poly1305 in IKEv2 and ESP), RFC 4868
 * (HMAC-SHA2 PRFs and integrity), RFC 3526 (MODP groups 14, 15 and 16),
 * RFC 5903 (ECP groups 19, 20 and 21), RFC 8031 (Curve25519 and Curve448).
 */
#include <stddef.h>

#include "crypto/transforms.h"

#define ENCR_CBC(bits, alg)						\
	{ .type = IKE_XF_ENCR, .id = IKE_ENCR_AES_CBC, .key_bits = bits,	\
	  .name = "aes" #bits, .key_len = (bits) / 8, .block_len = 16,	\
	  .iv_len = 16, .cipher = alg, .xfrm_name = "cbc(aes)" }

#define ENCR_GCM(bits, alg)						\
	{ .type = IKE_XF_ENCR, .id = IKE_ENCR_AES_GCM_16, .key_bits = bits,	\
	  .name = "aes" #bits "gcm16", .key_len = (bits) / 8,		\
	  .salt_len = 4, .block_len = 1, .iv_len = 8, .icv_len = 16,	\
	  .aead = true, .cipher = alg, .xfrm_name = "rfc4106(gcm(aes))",	\
	  .xfrm_icv_bits = 128 }

#define PRF(xid, nm, alg, len)						\
	{ .type = IKE_XF_PRF, .id = xid, .name = nm, .key_len = len,	\
	  .out_len = len, .mac = alg }

#define INTEG(xid, nm, alg, len, xfrm)					\
	{ .type = IKE_XF_INTEG, .id = xid, .name = nm, .key_len = len,	\
	  .out_len = len, .icv_len = (len) / 2, .mac = alg,		\
	  .xfrm_name = xfrm, .xfrm_icv_bits = (len) * 4 }

#define DH(xid, nm, pub, shared)					\
	{ .type = IKE_XF_DH, .id = xid, .name = nm,			\
	  .dh_public_len = pub, .dh_shared_len = shared }

static const struct transform table[] = {
	ENCR_GCM(256, GNUTLS_CIPHER_AES_256_GCM),
	ENCR_GCM(128, GNUTLS_CIPHER_AES_128_GCM),
	{
		.type = IKE_XF_ENCR, .id = IKE_ENCR_CHACHA20_POLY1305,
		.name = "chacha20poly1305", .key_len = 32, .salt_len = 4,
		.block_len = 1, .iv_len = 8, .icv_len = 16, .aead = true,
		.cipher = GNUTLS_CIPHER_CHACHA20_POLY1305,
		.xfrm_name = "rfc7539esp(chacha20,poly1305)",
		.xfrm_icv_bits = 128,
	},
	ENCR_CBC(256, GNUTLS_CIPHER_AES_256_CBC),
	ENCR_CBC(128, GNUTLS_CIPHER_AES_128_CBC),

	PRF(IKE_PRF_HMAC_SHA2_256, "prfsha256", GNUTLS_MAC_SHA256, 32),
	PRF(IKE_PRF_HMAC_SHA2_384, "prfsha384", GNUTLS_MAC_SHA384, 48),
	PRF(IKE_PRF_HMAC_SHA2_512, "prfsha512", GNUTLS_MAC_SHA512, 64),

	INTEG(IKE_INTEG_HMAC_SHA2_256_128, "sha256", GNUTLS_MAC_SHA256, 32,
	      "hmac(sha256)"),
	INTEG(IKE_INTEG_HMAC_SHA2_384_192, "sha384", GNUTLS_MAC_SHA384, 48,
	      "hmac(sha384)"),
	INTEG(IKE_INTEG_HMAC_SHA2_512_256, "sha512", GNUTLS_MAC_SHA512, 64,
	      "hmac(sha512)"),

	DH(IKE_DH_CURVE25519, "curve25519", 32, 32),
	DH(IKE_DH_ECP_256, "ecp256", 64, 32),
	DH(IKE_DH_ECP_384, "ecp384", 96, 48),
	DH(IKE_DH_CURVE448, "curve448", 56, 56),
	DH(IKE_DH_ECP_521, "ecp521", 132, 66),
	DH(IKE_DH_MODP_2048, "modp2048", 256, 256),
	DH(IKE_DH_MODP_3072, "modp3072", 384, 384),
	DH(IKE_DH_MODP_4096, "modp4096", 512, 512),
};

#define TABLE_LEN (sizeof(table) / sizeof(table[0]))

const struct transform *transform_find(unsigned int type, unsigned int id,
				       unsigned int key_bits)
{
	for (size_t i = 0; i < TABLE_LEN; i++) {
		const struct transform *t = &table[i];

		if (t->type == type && t->id == id && t->key_bits == key_bits)
			return t;
	}
	return NULL;
}

const struct transform *transform_table(size_t *count)
{
	*count = TABLE_LEN;
	return table;
}
