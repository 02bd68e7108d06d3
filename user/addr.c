// SPDX-License-Identifier: GPL-2.0
/*
 * IP addresses: parsing, formatting, comparison.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

int ip_addr_parse(const char *text, struct ip_addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	if (!text)
		return -EINVAL;
	if (inet_pton(AF_INET, text, &addr->v4) == 1) {
		addr->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, &addr->v6) == 1) {
		addr->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

const char *ip_addr_str(const struct ip_addr *addr, char *buf, size_t len)
{
	if (!addr->family || !inet_ntop(addr->family, addr->bytes, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

size_t ip_addr_len(const struct ip_addr *addr)
{
	switch (addr->family) {
	case AF_INET:
		return sizeof(struct in_addr);
	case AF_INET6:
		return sizeof(struct in6_addr);
	default:
		return 0;
	}
}

bool ip_addr_equal(const struct ip_addr *a, const struct ip_addr *b)
{
	return a->family == b->family &&
	       !memcmp(a->bytes, b->bytes, ip_addr_len(a));
}

int ip_addr_from_bytes(struct ip_addr *addr, const void *bytes, size_t len)
{
	memset(addr, 0, sizeof(*addr));
	if (len == sizeof(struct in_addr))
		addr->family = AF_INET;
	else if (len == sizeof(struct in6_addr))
		addr->family = AF_INET6;
	else
		return -EINVAL;
	memcpy(addr->bytes, bytes, len);
	return 0;
}
