// SPDX-License-Identifier: GPL-2.0
/*
 * Random values for IKE, from GnuTLS's generator.
 */
#include <errno.h>
#include <string.h>
#include <gnutls/crypto.h>

#include "crypto/random.h"

static int rnd(gnutls_rnd_level_t level, uint8_t *p, size_t len)
{
	if (!len)
		return 0;
	return gnutls_rnd(level, p, len) < 0 ? -EIO : 0;
}

int random_nonce(uint8_t *p, size_t len)
{
	return rnd(GNUTLS_RND_RANDOM, p, len);
}

int random_key(uint8_t *p, size_t len)
{
	return rnd(GNUTLS_RND_RANDOM, p, len);
}

int random_iv(uint8_t *p, size_t len)
{
	return rnd(GNUTLS_RND_NONCE, p, len);
}

int random_ike_spi(uint8_t spi[8])
{
	static const uint8_t zero[8];
	int err;

	do {
		err = rnd(GNUTLS_RND_NONCE, spi, 8);
	} while (!err && !memcmp(spi, zero, 8));
	return err;
}

int random_esp_spi(uint32_t *spi)
{
	uint8_t b[4];
	int err;

	do {
		err = rnd(GNUTLS_RND_NONCE, b, sizeof(b));
		*spi = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		       (uint32_t)b[2] << 8 | b[3];
	} while (!err && *spi < 256);
	return err;
}
