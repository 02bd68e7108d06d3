// SPDX-License-Identifier: GPL-2.0
/*
 * The data of the MOBIKE notifies (RFC 4555 §4): see mobike.h.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "ike/constants.h"
#include "ike/mif.h"
#include "ike/mobike.h"

int mobike_addr_parse(uint16_t type, const uint8_t *data, size_t len,
		      struct ip_addr *a, struct ike_error *err)
{
	size_t want = type == IKE_N_ADDITIONAL_IP4_ADDRESS ? 4 :
		      type == IKE_N_ADDITIONAL_IP6_ADDRESS ? 16 : 0;

	memset(a, 0, sizeof(*a));
	if (!want) {
		ike_fail_syntax(err, "not an ADDITIONAL_*_ADDRESS");
		return -EINVAL;
	}
	if (len != want) {
		ike_fail_length(err, want == 4 ? "ADDITIONAL_IP4_ADDRESS is "
				"not 4 octets" : "ADDITIONAL_IP6_ADDRESS is not "
				"16 octets");
		return -EINVAL;
	}
	if (!mif_addr_usable(want == 4 ? MIF_AF_IPV4 : MIF_AF_IPV6, data)) {
		ike_fail_syntax(err, "an additional address one cannot send "
				"to (unspecified, loopback, multicast, "
				"broadcast or IPv4-mapped)");
		return -EINVAL;
	}
	ip_addr_from_bytes(a, data, len);
	return 0;
}

uint16_t mobike_addr_type(const struct ip_addr *a)
{
	if (a->family == AF_INET)
		return IKE_N_ADDITIONAL_IP4_ADDRESS;
	if (a->family == AF_INET6)
		return IKE_N_ADDITIONAL_IP6_ADDRESS;
	return 0;
}

bool mobike_cookie2_len_ok(size_t len)
{
	return len >= MOBIKE_COOKIE2_MIN && len <= MOBIKE_COOKIE2_MAX;
}

size_t mobike_no_nats_build(const struct mobike_path *p, uint8_t *out)
{
	size_t alen = ip_addr_len(&p->src);

	if (!alen || p->src.family != p->dst.family)
		return 0;
	memcpy(out, p->src.bytes, alen);
	memcpy(out + alen, p->dst.bytes, alen);
	out[2 * alen] = (uint8_t)(p->sport >> 8);
	out[2 * alen + 1] = (uint8_t)p->sport;
	out[2 * alen + 2] = (uint8_t)(p->dport >> 8);
	out[2 * alen + 3] = (uint8_t)p->dport;
	return 2 * alen + 4;
}

int mobike_no_nats_parse(const uint8_t *data, size_t len,
			 struct mobike_path *p, struct ike_error *err)
{
	size_t alen = len == 2 * 4 + 4 ? 4 : len == 2 * 16 + 4 ? 16 : 0;

	memset(p, 0, sizeof(*p));
	if (!alen) {
		ike_fail_length(err, "NO_NATS_ALLOWED is neither 12 (IPv4) "
				"nor 36 (IPv6) octets");
		return -EINVAL;
	}
	ip_addr_from_bytes(&p->src, data, alen);
	ip_addr_from_bytes(&p->dst, data + alen, alen);
	p->sport = (uint16_t)(data[2 * alen] << 8 | data[2 * alen + 1]);
	p->dport = (uint16_t)(data[2 * alen + 2] << 8 | data[2 * alen + 3]);
	return 0;
}
