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

/* The UDP port after keyword argv[*i] into *port: EXIT_OK or EXIT_USAGE. */
static int parse_port(uint32_t *port, int argc, char **argv, int *i)
{
	if (*i + 1 >= argc || parse_u32(argv[*i + 1], port) || !*port ||
	    *port > 65535)
		return usage_error("rewrite: %s needs a UDP port from 1 to 65535",
				   argv[*i]);
	(*i)++;
	return EXIT_OK;
}

/* A port parse_port read (0: none given) into the request. */
static int put_port(struct nl_msg *msg, int attr, uint32_t port)
{
	return port ? nla_put_u16(msg, attr, htons((uint16_t)port)) : 0;
}

int cmd_rewrite(struct mifctl *ctl, int argc, char **argv)
{
	struct ip_addr from, to;
	struct counts c = { 0 };
	struct json_object *o;
	uint32_t port = 0, peer_port = 0;
	struct filter f = { 0 };
	struct nl_msg *msg;
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
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "port"))
			rc = parse_port(&port, argc, argv, &i);
		else if (!strcmp(argv[i], "peer-port"))
			rc = parse_port(&peer_port, argc, argv, &i);
		else if ((rc = parse_filter_arg(&f, "rewrite", argc, argv,
						&i)) == 1)
			rc = EXIT_OK;
		else if (!rc)
			rc = usage_error("rewrite: unknown keyword \"%s\"", argv[i]);
		if (rc)
			return rc;
	}
	rc = connect_module(ctl);
	if (rc)
		return rc;
	msg = mifnl_msg(&ctl->nl, XFRM_MIF_CMD_REWRITE, 0);
	if (!msg || mifnl_put_addr(msg, XFRM_MIF_A_ADDR, &from) ||
	    mifnl_put_addr(msg, XFRM_MIF_A_NEW_ADDR, &to) ||
	    put_port(msg, XFRM_MIF_A_ENCAP_PORT, port) ||
	    put_port(msg, XFRM_MIF_A_ENCAP_PEER_PORT, peer_port) ||
	    put_filter(msg, &f)) {
		nlmsg_free(msg);
		return kernel_error(ctl, "rewrite", -ENOMEM);
	}
	err = mifnl_request(&ctl->nl, msg, on_counts, &c);
	if (err)
		return kernel_error(ctl, "rewrite", err);

	dry_run = f.flags & XFRM_MIF_OPF_DRY_RUN;
	o = json_object_new_object();
	json_object_object_add(o, "dry_run", json_object_new_boolean(dry_run));
	print_move(ctl, o, dry_run ? "would move" : "moved", &from, &to, &c);
	return EXIT_OK;
}
