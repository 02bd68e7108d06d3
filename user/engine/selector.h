/* SPDX-License-Identifier: GPL-2.0 */
/*
 * From negotiated traffic selectors (RFC 7296 §3.13.1) to XFRM's: an
 * address prefix each way, and a port range as the aligned port blocks
 * that cover it exactly, one kernel policy each; and the priority that
 * orders overlapping policies by how specific they are.
 *
 * XFRM matches a port under a mask, so a range such as 1024-65535 takes
 * several selectors (1024/6, 2048/5, 4096/4, 8192/3, 16384/2, 32768/1 in
 * prefix notation): a range never widens to "any port". Address ranges
 * that are not prefixes still widen to the smallest prefix covering
 * them (mifd's configuration only has prefixes; a peer's range narrowed
 * against them rarely is not one).
 */
#ifndef MIF_ENGINE_SELECTOR_H
#define MIF_ENGINE_SELECTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "ike/ts.h"
#include "backend/backend.h"

/*
 * At most this many blocks (kernel policies) for the port range of one
 * traffic selector: a responder narrows a range that needs more to its
 * first SEL_PORT_BLOCKS blocks, an initiator refuses one with
 * TS_UNACCEPTABLE, and the configuration refuses one.
 */
#define SEL_PORT_BLOCKS		8

/* Ports p with (p & mask) == port; mask 0: every port. */
struct port_block {
	uint16_t port, mask;
};

/*
 * The fewest aligned blocks covering start..end exactly, in order, into
 * out. Returns their number, 0 when start > end or more than max would
 * be needed.
 */
unsigned int port_blocks(uint16_t start, uint16_t end,
			 struct port_block *out, unsigned int max);
/*
 * The last port of the longest range start..x, x <= end, that max
 * blocks cover (start <= end, max >= 1).
 */
uint16_t port_range_fit(uint16_t start, uint16_t end, unsigned int max);
/* Whether a selector's port range takes at most SEL_PORT_BLOCKS blocks. */
bool sel_ports_fit(const struct ike_selector *s);
/* Narrow a selector's port range to SEL_PORT_BLOCKS blocks (responder). */
void sel_ports_narrow(struct ike_selector *s);

/*
 * The kernel selector for traffic from src to dst (a pair of the same
 * address family), with one port block of each.
 */
void sel_kernel(struct kernel_sel *k, const struct ike_selector *src,
		const struct port_block *sport,
		const struct ike_selector *dst,
		const struct port_block *dport);

/*
 * The priority of a policy with selector s: the more specific, the
 * lower (XFRM tries lower values first), as strongSwan ranks them:
 * every bit of address prefix outweighs a protocol, which outweighs
 * every bit of port mask. A /32 beats a /24; at equal prefixes, a
 * protocol beats any; at equal protocols, one port beats a block,
 * which beats any port.
 */
#define SEL_PRIO_BASE		200000u
uint32_t sel_priority(const struct kernel_sel *s);

#endif
