/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's extended acknowledgement (NLM_F_ACK_TLVS): the message,
 * cookie and attribute at fault that a netlink error reply carries.
 */
#ifndef MIF_EXTACK_H
#define MIF_EXTACK_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct extack {
	char msg[256];		/* empty: the kernel said nothing */
	bool has_cookie;
	uint32_t cookie;	/* a 4-byte cookie, as sent */
	uint32_t offs;		/* the attribute at fault: its offset in the
				 * request, from its nlmsghdr; 0: none */
	uint16_t miss_type;	/* a required attribute missing; 0: none */
	uint32_t miss_nest;	/* the nest it is missing from (offset, as
				 * offs); 0: the top level */
};

/* Fill ack from the error reply nlh, whose payload is e. */
void extack_parse(const struct nlmsghdr *nlh, const struct nlmsgerr *e,
		  struct extack *ack);

#endif
