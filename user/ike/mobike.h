/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data of the MOBIKE notifies (RFC 4555 §4): ADDITIONAL_IP4_ADDRESS
 * and ADDITIONAL_IP6_ADDRESS carry one address each (4 and 16 octets);
 * COOKIE2 carries 8 to 64 octets the responder echoes; MOBIKE_SUPPORTED,
 * NO_ADDITIONAL_ADDRESSES and UPDATE_SA_ADDRESSES carry nothing (data
 * is ignored, as §4 asks of a receiver). NO_NATS_ALLOWED (§4.2.6)
 * carries the addresses and ports its message was sent from and to:
 * source address, destination address (4 or 16 octets each, one
 * family), source port, destination port (2 octets each): 12 or 36
 * octets.
 */
#ifndef MIF_IKE_MOBIKE_H
#define MIF_IKE_MOBIKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "ike/error.h"

#define MOBIKE_COOKIE2_MIN	8
#define MOBIKE_COOKIE2_MAX	64
#define MOBIKE_NO_NATS_MAX	(2 * 16 + 2 * 2)

/* The path a NO_NATS_ALLOWED names: from src:sport to dst:dport. */
struct mobike_path {
	struct ip_addr src, dst;
	uint16_t sport, dport;		/* host order */
};

/*
 * The address of an ADDITIONAL_IP4_ADDRESS or ADDITIONAL_IP6_ADDRESS
 * (type) of len bytes into *a: the length of its family, and an address
 * one may send to (not unspecified, loopback, multicast, broadcast or
 * IPv4-mapped). 0, or -EINVAL with err filled (IKE_ERR_LENGTH or
 * IKE_ERR_SYNTAX): the caller leaves the address out, as RFC 4555
 * answers no error for it).
 */
int mobike_addr_parse(uint16_t type, const uint8_t *data, size_t len,
		      struct ip_addr *a, struct ike_error *err);
/* The notify type that carries a (0 for no family). */
uint16_t mobike_addr_type(const struct ip_addr *a);
/* Whether len is a COOKIE2's (RFC 4555 §4.8). */
bool mobike_cookie2_len_ok(size_t len);
/*
 * NO_NATS_ALLOWED's data for p into out (MOBIKE_NO_NATS_MAX octets): its
 * length, or 0 for addresses of no family or of two.
 */
size_t mobike_no_nats_build(const struct mobike_path *p, uint8_t *out);
/* NO_NATS_ALLOWED's data of len octets into *p: 0, or -EINVAL with err. */
int mobike_no_nats_parse(const uint8_t *data, size_t len,
			 struct mobike_path *p, struct ike_error *err);

#endif
