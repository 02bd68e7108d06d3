// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel selectors from traffic selectors: see selector.h.
 */
#include <string.h>

#include "engine/selector.h"

/*
 * The largest block at lo that stays within hi: lo aligned to it, and
 * its end at most hi. As a number of low bits (0: one port, 16: all).
 */
static unsigned int block_bits(uint32_t lo, uint32_t hi)
{
	unsigned int k = 0;

	while (k < 16 && !(lo & (1u << k)) && lo + (2u << k) - 1 <= hi)
		k++;
	return k;
}

unsigned int port_blocks(uint16_t start, uint16_t end,
			 struct port_block *out, unsigned int max)
{
	uint32_t lo = start, hi = end;
	unsigned int n = 0, k;

	if (start > end)
		return 0;
	while (lo <= hi) {
		if (n == max)
			return 0;
		k = block_bits(lo, hi);
		out[n].port = (uint16_t)lo;
		out[n].mask = (uint16_t)(0xffffu << k);
		n++;
		lo += 1u << k;
	}
	return n;
}

uint16_t port_range_fit(uint16_t start, uint16_t end, unsigned int max)
{
	uint32_t lo = start, hi = end;

	for (unsigned int n = 0; n < max && lo <= hi; n++)
		lo += 1u << block_bits(lo, hi);
	return (uint16_t)(lo - 1);
}

bool sel_ports_fit(const struct ike_selector *s)
{
	struct port_block b[SEL_PORT_BLOCKS];

	return port_blocks(s->start_port, s->end_port, b,
			   SEL_PORT_BLOCKS) != 0;
}

void sel_ports_narrow(struct ike_selector *s)
{
	if (s->start_port <= s->end_port)
		s->end_port = port_range_fit(s->start_port, s->end_port,
					     SEL_PORT_BLOCKS);
}

/* The smallest prefix covering a selector's address range. */
static void sel_prefix(const struct ike_selector *s, struct ip_addr *a,
		       uint8_t *plen)
{
	size_t len = ike_selector_addr_len(s->type);
	unsigned int bits = 0;
	uint8_t b[16] = { 0 };

	while (bits < len * 8) {
		unsigned int byte = bits / 8, bit = 7 - bits % 8;

		if (((s->start[byte] ^ s->end[byte]) >> bit) & 1)
			break;
		bits++;
	}
	for (unsigned int i = 0; i < bits; i++)
		b[i / 8] |= s->start[i / 8] & (0x80 >> (i % 8));
	ip_addr_from_bytes(a, b, len);
	*plen = (uint8_t)bits;
}

void sel_kernel(struct kernel_sel *k, const struct ike_selector *src,
		const struct port_block *sport,
		const struct ike_selector *dst,
		const struct port_block *dport)
{
	memset(k, 0, sizeof(*k));
	sel_prefix(src, &k->src, &k->src_len);
	sel_prefix(dst, &k->dst, &k->dst_len);
	k->proto = src->ip_proto ? src->ip_proto : dst->ip_proto;
	k->sport_mask = sport->mask;
	k->sport = sport->port & sport->mask;
	k->dport_mask = dport->mask;
	k->dport = dport->port & dport->mask;
}

/* The leading one bits of a port mask. */
static unsigned int mask_bits(uint16_t mask)
{
	unsigned int n = 0;

	while (n < 16 && (mask & (0x8000u >> n)))
		n++;
	return n;
}

uint32_t sel_priority(const struct kernel_sel *s)
{
	return SEL_PRIO_BASE - 512u * (s->src_len + s->dst_len) -
	       (s->proto ? 256u : 0) -
	       4u * (mask_bits(s->sport_mask) + mask_bits(s->dport_mask));
}
