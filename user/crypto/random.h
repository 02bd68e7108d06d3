/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Random values for IKE: nonces and keys from GnuTLS's key-grade
 * generator, IVs and SPIs from its nonce-grade one (unpredictable but not
 * secret). Each returns 0 or -EIO.
 */
#ifndef MIF_CRYPTO_RANDOM_H
#define MIF_CRYPTO_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Nonce length mif sends: RFC 7296 §2.10 wants 16..256 bytes and at
 * least half the PRF key size (64 bytes for PRF_HMAC_SHA2_512).
 */
#define RANDOM_NONCE_LEN	32

/* Secret material: Ni/Nr and private keys. */
int random_nonce(uint8_t *p, size_t len);
int random_key(uint8_t *p, size_t len);
/* Public but unpredictable: explicit IVs. */
int random_iv(uint8_t *p, size_t len);
/* An IKE SPI (8 bytes, never zero). */
int random_ike_spi(uint8_t spi[8]);
/* An ESP SPI, host order, outside the reserved range 0..255. */
int random_esp_spi(uint32_t *spi);

#endif
