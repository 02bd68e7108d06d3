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

int cmd_delete(struct mifctl *ctl, int argc, char **argv)
{
	struct counts c = { 0 };
	struct ip_addr addr;
	struct filter f = { 0 };
	struct nl_msg *msg;
	struct json_object *o;
	bool dry_run;
	int rc, err, i;

	if (argc < 2)
		return usage_error("delete needs an address");
	rc = parse_addr_arg(argv[1], &addr);
	if (rc)
		return rc;
	for (i = 2; i < argc; i++) {
		rc = parse_filter_arg(&f, "delete", argc, argv, &i);
		if (rc != 1)
			return rc ? rc : usage_error("delete: unknown keyword \"%s\"",
						     argv[i]);
	}
	rc = connect_module(ctl);
	if (rc)
		return rc;
	msg = mifnl_msg(&ctl->nl, XFRM_MIF_CMD_DELETE, 0);
	if (!msg || mifnl_put_addr(msg, XFRM_MIF_A_ADDR, &addr) ||
	    put_filter(msg, &f)) {
		nlmsg_free(msg);
		return kernel_error(ctl, "delete", -ENOMEM);
	}
	err = mifnl_request(&ctl->nl, msg, on_counts, &c);
	if (err)
		return kernel_error(ctl, "delete", err);

	dry_run = f.flags & XFRM_MIF_OPF_DRY_RUN;
	o = json_object_new_object();
	json_object_object_add(o, "dry_run", json_object_new_boolean(dry_run));
	print_counts(ctl, o, dry_run ? "would delete" : "deleted", &addr, &c);
	return EXIT_OK;
}
