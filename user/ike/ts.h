/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Traffic Selector payloads TSi and TSr (RFC 7296 §3.13): a list of
 * address ranges, each with an IP protocol and a port range.
 */
#ifndef MIF_IKE_TS_H
#define MIF_IKE_TS_H

#include <stddef.h>
#include <stdint.h>

#include "ike/payload.h"

/* Most selectors in one TS payload. */
#define IKE_TS_MAX	32

struct ike_selector {
	uint8_t type;		/* IKE_TS_IPV4_ADDR_RANGE or _IPV6_ */
	uint8_t ip_proto;	/* 0: any */
	uint16_t start_port;	/* 0..65535 is any; start > end is OPAQUE */
	uint16_t end_port;
	uint8_t start[16];	/* IPv4 uses the first 4 bytes */
	uint8_t end[16];
};

/*
 * The selectors: parsed, an array of n allocated by the codec (freed
 * with ike_ts_free()); built, the caller's.
 */
struct ike_ts {
	unsigned int n;
	struct ike_selector *sel;
};

/* Address length for a selector type: 4, 16, or 0 if unknown. */
size_t ike_selector_addr_len(uint8_t type);

/*
 * At least one selector; only the IPv4 (length 16) and IPv6 (length 40)
 * types are accepted, and the count must match the selectors present.
 */
int ike_ts_parse(struct ike_ts *ts, struct ike_reader *r,
		 struct ike_error *err);
/* Free what ike_ts_parse() allocated. */
void ike_ts_free(struct ike_ts *ts);
int ike_ts_build(struct ike_writer *w, const struct ike_ts *ts,
		 struct ike_error *err);

#endif
