// SPDX-License-Identifier: GPL-2.0
/*
 * mifctl rewrite: move every SA and policy bound to one address to another.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/xfrm_mif.h>
#include <stdio.h>
#include <string.h>

#include "mifctl.h"

static int on_counts(struct nlattr **attrs, uint8_t cmd, void *arg)
{
	read_counts(attrs, arg);
	return 0;
}

static int put_port(struct nl_msg *msg, int attr, int argc, char **argv,
		    int *i)
{
	uint32_t port;

	if (*i + 1 >= argc || parse_u32(argv[*i + 1], &port) || !port ||
	    port > 65535)
		return usage_error("rewrite: %s needs a UDP port from 1 to 65535",
				   argv[*i]);
	nla_put_u16(msg, attr, htons((uint16_t)port));
	(*i)++;
	return EXIT_OK;
}

int cmd_rewrite(struct mifctl *ctl, int argc, char **argv)
{
	struct ip_addr from, to;
	struct counts c = { 0 };
	struct json_object *o;
	struct nl_msg *msg;
	uint32_t flags = 0;
	bool dry_run;
	int rc, err, i;

	if (argc < 3)
		return usage_error("rewrite needs the old and the new address");
	rc = parse_addr_arg(argv[1], &from);
	if (!rc)
		rc = parse_addr_arg(argv[2], &to);
	if (rc)
		return rc;
	if (from.family != to.family)
		return usage_error("rewrite: %s and %s are not of one family",
				   argv[1], argv[2]);
	rc = connect_module(ctl);
	if (rc)
		return rc;
	msg = mifnl_msg(&ctl->nl, XFRM_MIF_CMD_REWRITE, 0);
	if (!msg || mifnl_put_addr(msg, XFRM_MIF_A_ADDR, &from) ||
	    mifnl_put_addr(msg, XFRM_MIF_A_NEW_ADDR, &to))
		return kernel_error(ctl, "rewrite", -ENOMEM);
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "port"))
			rc = put_port(msg, XFRM_MIF_A_ENCAP_PORT, argc, argv, &i);
		else if (!strcmp(argv[i], "peer-port"))
			rc = put_port(msg, XFRM_MIF_A_ENCAP_PEER_PORT, argc, argv, &i);
		else if ((rc = put_filter_arg(msg, "rewrite", argc, argv, &i,
					      &flags)) == 1)
			rc = EXIT_OK;
		else if (!rc)
			rc = usage_error("rewrite: unknown keyword \"%s\"", argv[i]);
		if (rc) {
			nlmsg_free(msg);
			return rc;
		}
	}
	if (flags)
		nla_put_u32(msg, XFRM_MIF_A_FLAGS, flags);
	err = mifnl_request(&ctl->nl, msg, on_counts, &c);
	if (err)
		return kernel_error(ctl, "rewrite", err);

	dry_run = flags & XFRM_MIF_OPF_DRY_RUN;
	o = json_object_new_object();
	json_object_object_add(o, "dry_run", json_object_new_boolean(dry_run));
	print_move(ctl, o, dry_run ? "would move" : "moved", &from, &to, &c);
	return EXIT_OK;
}
