// SPDX-License-Identifier: GPL-2.0
/*
 * mifctl delete: remove every SA and policy bound to an address.
 */
#include <errno.h>
#include <linux/xfrm_mif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mifctl.h"

struct counts {
	uint32_t states;
	uint32_t policies;
};

static int on_counts(struct nlattr **attrs, uint8_t cmd, void *arg)
{
	struct counts *c = arg;

	if (attrs[XFRM_MIF_A_STATES])
		c->states = nla_get_u32(attrs[XFRM_MIF_A_STATES]);
	if (attrs[XFRM_MIF_A_POLICIES])
		c->policies = nla_get_u32(attrs[XFRM_MIF_A_POLICIES]);
	return 0;
}

static int parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(s, &end, 0);
	if (errno || end == s || *end || n > UINT32_MAX || s[0] == '-')
		return -EINVAL;
	*v = (uint32_t)n;
	return 0;
}

int cmd_delete(struct mifctl *ctl, int argc, char **argv)
{
	struct counts c = { 0 };
	struct ip_addr addr;
	struct nl_msg *msg;
	uint32_t flags = 0, v;
	char buf[IP_ADDR_STRLEN];
	int rc, err, i;

	if (argc < 2)
		return usage_error("delete needs an address");
	if (ip_addr_parse(argv[1], &addr))
		return usage_error("\"%s\" is not an IPv4 or IPv6 address", argv[1]);
	rc = connect_module(ctl);
	if (rc)
		return rc;
	msg = mifnl_msg(&ctl->nl, XFRM_MIF_CMD_DELETE, 0);
	if (!msg || mifnl_put_addr(msg, XFRM_MIF_A_ADDR, &addr))
		return kernel_error(ctl, "delete", -ENOMEM);
	for (i = 2; i < argc; i++) {
		const char *kw = argv[i];
		int attr;

		if (!strcmp(kw, "dry-run")) {
			flags |= XFRM_MIF_OPF_DRY_RUN;
			continue;
		}
		if (!strcmp(kw, "reqid"))
			attr = XFRM_MIF_A_REQID;
		else if (!strcmp(kw, "if_id"))
			attr = XFRM_MIF_A_IF_ID;
		else if (!strcmp(kw, "mark"))
			attr = XFRM_MIF_A_MARK;
		else if (!strcmp(kw, "mask"))
			attr = XFRM_MIF_A_MARK_MASK;
		else {
			nlmsg_free(msg);
			return usage_error("delete: unknown keyword \"%s\"", kw);
		}
		if (i + 1 >= argc || parse_u32(argv[i + 1], &v)) {
			nlmsg_free(msg);
			return usage_error("delete: %s needs a number from 0 to %u",
					   kw, UINT32_MAX);
		}
		nla_put_u32(msg, attr, v);
		i++;
	}
	if (flags)
		nla_put_u32(msg, XFRM_MIF_A_FLAGS, flags);
	err = mifnl_request(&ctl->nl, msg, on_counts, &c);
	if (err)
		return kernel_error(ctl, "delete", err);

	if (ctl->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "address",
				       json_object_new_string(ip_addr_str(&addr, buf, sizeof(buf))));
		json_object_object_add(o, "dry_run",
				       json_object_new_boolean(flags & XFRM_MIF_OPF_DRY_RUN));
		json_object_object_add(o, "states", json_object_new_int64(c.states));
		json_object_object_add(o, "policies", json_object_new_int64(c.policies));
		print_json(ctl, o);
		json_object_put(o);
	} else {
		printf("%s %s: %u states, %u policies\n",
		       flags & XFRM_MIF_OPF_DRY_RUN ? "would delete" : "deleted",
		       ip_addr_str(&addr, buf, sizeof(buf)), c.states, c.policies);
	}
	return EXIT_OK;
}
