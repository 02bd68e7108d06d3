// SPDX-License-Identifier: GPL-2.0
/*
 * NAT detection hashes (RFC 7296 §2.23).
 */
#include <errno.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "ike/natd.h"

int ike_natd_hash(uint64_t spi_i, uint64_t spi_r, const struct ip_addr *addr,
		  uint16_t port, uint8_t out[IKE_NAT_DETECTION_LEN])
{
	uint8_t in[8 + 8 + 16 + 2];
	size_t alen = ip_addr_len(addr), n = 0;

	if (!alen)
		return -EINVAL;
	for (int i = 0; i < 8; i++)
		in[n++] = (uint8_t)(spi_i >> (56 - 8 * i));
	for (int i = 0; i < 8; i++)
		in[n++] = (uint8_t)(spi_r >> (56 - 8 * i));
	memcpy(in + n, addr->bytes, alen);
	n += alen;
	in[n++] = (uint8_t)(port >> 8);
	in[n++] = (uint8_t)port;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA1, in, n, out) < 0)
		return -EIO;
	return 0;
}

bool ike_natd_match(const uint8_t *data, size_t len, uint64_t spi_i,
		    uint64_t spi_r, const struct ip_addr *addr, uint16_t port)
{
	uint8_t h[IKE_NAT_DETECTION_LEN];

	return len == sizeof(h) &&
	       !ike_natd_hash(spi_i, spi_r, addr, port, h) &&
	       !memcmp(h, data, sizeof(h));
}
