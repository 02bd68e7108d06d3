// SPDX-License-Identifier: GPL-2.0
/*
 * mifctl monitor: print the module's events as they happen.
 */
#include <errno.h>
#include <linux/xfrm_mif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mifctl.h"

struct monitor {
	struct mifctl *ctl;
	unsigned long left;		/* events to go; 0: no limit */
};

static const char *event_name(uint8_t cmd)
{
	switch (cmd) {
	case XFRM_MIF_CMD_REWRITE:
		return "rewrite";
	case XFRM_MIF_CMD_CLONE:
		return "clone";
	case XFRM_MIF_CMD_DELETE:
		return "delete";
	case XFRM_MIF_CMD_FAILOVER:
		return "failover";
	default:
		return "unknown";
	}
}

static int on_event(struct nlattr **attrs, uint8_t cmd, void *arg)
{
	struct monitor *m = arg;
	struct ip_addr addr = { 0 }, to;
	struct json_object *o;
	struct counts c;

	if (attrs[XFRM_MIF_A_ADDR])
		mifnl_get_addr(attrs[XFRM_MIF_A_ADDR], &addr);
	read_counts(attrs, &c);
	o = json_object_new_object();
	json_object_object_add(o, "event", json_object_new_string(event_name(cmd)));
	if (attrs[XFRM_MIF_A_NEW_ADDR] &&
	    !mifnl_get_addr(attrs[XFRM_MIF_A_NEW_ADDR], &to))
		print_move(m->ctl, o, event_name(cmd), &addr, &to, &c);
	else
		print_counts(m->ctl, o, event_name(cmd), &addr, &c);
	fflush(stdout);
	if (m->left && --m->left == 0)
		return 1;
	return 0;
}

int cmd_monitor(struct mifctl *ctl, int argc, char **argv)
{
	struct monitor m = { .ctl = ctl };
	char *end;
	int rc, err;

	if (argc == 3 && !strcmp(argv[1], "count")) {
		errno = 0;
		m.left = strtoul(argv[2], &end, 10);
		if (errno || *end || !m.left || argv[2][0] == '-')
			return usage_error("monitor: count needs a positive number");
	} else if (argc != 1) {
		return usage_error("usage: mifctl monitor [count N]");
	}
	rc = connect_module(ctl);
	if (rc)
		return rc;
	err = mifnl_monitor(&ctl->nl, on_event, &m);
	if (err)
		return kernel_error(ctl, "monitor", err);
	return EXIT_OK;
}
