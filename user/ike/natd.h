/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NAT detection data (RFC 7296 §2.23): the SHA-1 digest of the IKE SPIs
 * as the message's header carries them (SPIr zero in the IKE_SA_INIT
 * request), an IP address and a UDP port, both in network order, that
 * NAT_DETECTION_SOURCE_IP and NAT_DETECTION_DESTINATION_IP carry.
 */
#ifndef MIF_IKE_NATD_H
#define MIF_IKE_NATD_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "ike/notify.h"

/* The hash into out; 0, or -EINVAL for an address of no family. */
int ike_natd_hash(uint64_t spi_i, uint64_t spi_r, const struct ip_addr *addr,
		  uint16_t port, uint8_t out[IKE_NAT_DETECTION_LEN]);

/* Whether data (a notify's, len bytes) is the hash of these inputs. */
bool ike_natd_match(const uint8_t *data, size_t len, uint64_t spi_i,
		    uint64_t spi_r, const struct ip_addr *addr, uint16_t port);

#endif
