// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's extended acknowledgement, taken from an error reply: after
 * struct nlmsgerr and the echoed request (or only its header, when the
 * kernel capped it), NLMSGERR_ATTR_* attributes.
 */
#include <netlink/attr.h>
#include <stdio.h>
#include <string.h>

#include "extack.h"

void extack_parse(const struct nlmsghdr *nlh, const struct nlmsgerr *e,
		  struct extack *ack)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*e);
	int len;

	memset(ack, 0, sizeof(*ack));
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)off;
	if (len <= 0)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)e + off), len, NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(ack->msg, sizeof(ack->msg), "%s",
			 nla_get_string(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_OFFS] &&
	    nla_len(tb[NLMSGERR_ATTR_OFFS]) == sizeof(uint32_t))
		ack->offs = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
	if (tb[NLMSGERR_ATTR_MISS_TYPE] &&
	    nla_len(tb[NLMSGERR_ATTR_MISS_TYPE]) == sizeof(uint32_t))
		ack->miss_type = (uint16_t)nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	if (tb[NLMSGERR_ATTR_MISS_NEST] &&
	    nla_len(tb[NLMSGERR_ATTR_MISS_NEST]) == sizeof(uint32_t))
		ack->miss_nest = nla_get_u32(tb[NLMSGERR_ATTR_MISS_NEST]);
	if (tb[NLMSGERR_ATTR_COOKIE] &&
	    nla_len(tb[NLMSGERR_ATTR_COOKIE]) == sizeof(ack->cookie)) {
		memcpy(&ack->cookie, nla_data(tb[NLMSGERR_ATTR_COOKIE]),
		       sizeof(ack->cookie));
		ack->has_cookie = true;
	}
}
