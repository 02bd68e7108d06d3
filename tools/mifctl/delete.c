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

static int on_counts(struct nlattr **attrs, uint8_t cmd, void *arg)
{
	read_counts(attrs, arg);
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
	struct json_object *o;
	bool dry_run;
	int rc, err, i;

	if (argc < 2)
		return usage_error("delete needs an address");
	rc = parse_addr_arg(argv[1], &addr);
	if (rc)
		return rc;
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

	dry_run = flags & XFRM_MIF_OPF_DRY_RUN;
	o = json_object_new_object();
	json_object_object_add(o, "dry_run", json_object_new_boolean(dry_run));
	print_counts(ctl, o, dry_run ? "would delete" : "deleted", &addr, &c);
	return EXIT_OK;
}
