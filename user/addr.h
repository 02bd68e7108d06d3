/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An IP address (IPv4 or IPv6), as the daemon and mifctl handle them.
 */
#ifndef MIF_ADDR_H
#define MIF_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ip_addr {
	int family;			/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	};
};

/* Longest text form, with the terminating NUL. */
#define IP_ADDR_STRLEN INET6_ADDRSTRLEN

/* Parse "192.0.2.1" or "2001:db8::1"; returns 0 or -EINVAL. */
int ip_addr_parse(const char *text, struct ip_addr *addr);
/* Format into buf (at least IP_ADDR_STRLEN bytes); returns buf. */
const char *ip_addr_str(const struct ip_addr *addr, char *buf, size_t len);
/* Address length in bytes for its family: 4, 16, or 0 if unset. */
size_t ip_addr_len(const struct ip_addr *addr);
bool ip_addr_equal(const struct ip_addr *a, const struct ip_addr *b);
/* Build from raw bytes of length 4 or 16; returns 0 or -EINVAL. */
int ip_addr_from_bytes(struct ip_addr *addr, const void *bytes, size_t len);

#endif
