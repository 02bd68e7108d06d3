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

static const char *reason_name(uint32_t reason)
{
	switch (reason) {
	case XFRM_MIF_FAILOVER_NO_ALTERNATE:
		return "no-alternate";
	case XFRM_MIF_FAILOVER_REFUSED:
		return "refused";
	default:
		return "unknown";
	}
}

/*
 * A failover: where to, the counts (what moved, or for a failure, what
 * stays), the scope of the alternate set, and why a failure failed.
 */
static void print_failover(struct mifctl *ctl, struct nlattr **attrs,
			   const struct ip_addr *addr, const struct counts *c)
{
	static const struct {
		const char *name;
		int attr;
	} scope[] = {
		{ "mark", XFRM_MIF_A_MARK },
		{ "mask", XFRM_MIF_A_MARK_MASK },
		{ "if_id", XFRM_MIF_A_IF_ID },
		{ "reqid", XFRM_MIF_A_REQID },
		{ "reqid_mask", XFRM_MIF_A_REQID_MASK },
	};
	struct nlattr *reason = attrs[XFRM_MIF_A_REASON];
	struct nlattr *error = attrs[XFRM_MIF_A_ERROR];
	struct nlattr *msg = attrs[XFRM_MIF_A_MESSAGE];
	char buf[IP_ADDR_STRLEN], tbuf[IP_ADDR_STRLEN] = "";
	struct json_object *o;
	struct ip_addr to;
	size_t k;

	if (attrs[XFRM_MIF_A_NEW_ADDR] &&
	    !mifnl_get_addr(attrs[XFRM_MIF_A_NEW_ADDR], &to))
		ip_addr_str(&to, tbuf, sizeof(tbuf));
	ip_addr_str(addr, buf, sizeof(buf));
	if (!ctl->json) {
		printf("failover %s", buf);
		if (tbuf[0])
			printf(" to %s", tbuf);
		if (reason)
			printf(" failed (%s: %s%s%s)",
			       reason_name(nla_get_u32(reason)),
			       msg ? nla_get_string(msg) : "",
			       error ? ", " : "",
			       error ? strerror(-(int32_t)nla_get_u32(error)) : "");
		printf(": %u states, %u policies%s", c->states, c->policies,
		       reason ? " stay" : "");
		if (attrs[XFRM_MIF_A_MARK] && attrs[XFRM_MIF_A_MARK_MASK])
			printf(" mark 0x%x/0x%x", nla_get_u32(attrs[XFRM_MIF_A_MARK]),
			       nla_get_u32(attrs[XFRM_MIF_A_MARK_MASK]));
		if (attrs[XFRM_MIF_A_IF_ID])
			printf(" if_id %u", nla_get_u32(attrs[XFRM_MIF_A_IF_ID]));
		if (attrs[XFRM_MIF_A_REQID] && attrs[XFRM_MIF_A_REQID_MASK])
			printf(" reqid 0x%x/0x%x", nla_get_u32(attrs[XFRM_MIF_A_REQID]),
			       nla_get_u32(attrs[XFRM_MIF_A_REQID_MASK]));
		printf("\n");
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "event", json_object_new_string("failover"));
	if (tbuf[0])
		json_object_object_add(o, "new_address", json_object_new_string(tbuf));
	json_object_object_add(o, "address", json_object_new_string(buf));
	json_object_object_add(o, "states", json_object_new_int64(c->states));
	json_object_object_add(o, "policies", json_object_new_int64(c->policies));
	for (k = 0; k < sizeof(scope) / sizeof(scope[0]); k++)
		if (attrs[scope[k].attr])
			json_object_object_add(o, scope[k].name,
					       json_object_new_int64(nla_get_u32(attrs[scope[k].attr])));
	if (reason)
		json_object_object_add(o, "reason",
				       json_object_new_string(reason_name(nla_get_u32(reason))));
	if (error)
		json_object_object_add(o, "error",
				       json_object_new_string(strerror(-(int32_t)nla_get_u32(error))));
	if (msg)
		json_object_object_add(o, "message",
				       json_object_new_string(nla_get_string(msg)));
	print_json(ctl, o);
	json_object_put(o);
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
	if (cmd == XFRM_MIF_CMD_FAILOVER) {
		print_failover(m->ctl, attrs, &addr, &c);
		goto printed;
	}
	o = json_object_new_object();
	json_object_object_add(o, "event", json_object_new_string(event_name(cmd)));
	if (attrs[XFRM_MIF_A_NEW_ADDR] &&
	    !mifnl_get_addr(attrs[XFRM_MIF_A_NEW_ADDR], &to))
		print_move(m->ctl, o, event_name(cmd), &addr, &to, &c);
	else
		print_counts(m->ctl, o, event_name(cmd), &addr, &c);
printed:
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
