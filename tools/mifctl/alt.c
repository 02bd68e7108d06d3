// SPDX-License-Identifier: GPL-2.0
/*
 * mifctl alt: the alternate sets of an address (set, show, del), each for
 * a scope: the mark, if_id and reqid of the SAs that fail over with it.
 */
#include <errno.h>
#include <linux/xfrm_mif.h>
#include <stdio.h>
#include <string.h>

#include "mifctl.h"

/*
 * A scope keyword (mark N, mask N, if_id N, reqid N[/MASK]: the filters of
 * the operations, dry-run aside) and its number at argv[*i]: 1 (with *i on
 * the number), 0 when argv[*i] is none, or EXIT_USAGE.
 */
static int parse_scope(struct filter *s, const char *cmd, int argc,
		       char **argv, int *i)
{
	int rc = parse_filter_arg(s, cmd, argc, argv, i);

	if (rc == 1 && s->flags)
		return usage_error("%s: an alternate set has no dry-run", cmd);
	return rc;
}

static int alt_set(struct mifctl *ctl, int argc, char **argv)
{
	struct ip_addr addr, alts[XFRM_MIF_MAX_ALTS];
	struct filter scope = { 0 };
	struct nlattr *list;
	struct nl_msg *msg;
	int err, n = 0;

	if (argc < 3)
		return usage_error("usage: mifctl alt set ADDR ALT [ALT...] "
				   "[mark N [mask N]] [if_id N] [reqid N[/MASK]]");
	err = parse_addr_arg(argv[1], &addr);
	for (int i = 2; i < argc && !err; i++) {
		err = parse_scope(&scope, "alt set", argc, argv, &i);
		if (err == 1) {
			err = 0;
			continue;
		}
		if (err)
			break;
		if (n == XFRM_MIF_MAX_ALTS)
			return usage_error("at most %d alternates", XFRM_MIF_MAX_ALTS);
		err = parse_addr_arg(argv[i], &alts[n++]);
	}
	if (!err && !n)
		return usage_error("alt set: no alternate given");
	if (!err)
		err = connect_module(ctl);
	if (err)
		return err;
	msg = mifnl_msg(&ctl->nl, XFRM_MIF_CMD_ALT_SET, 0);
	if (!msg || mifnl_put_addr(msg, XFRM_MIF_A_ADDR, &addr) ||
	    put_filter(msg, &scope))
		return kernel_error(ctl, "alt set", -ENOMEM);
	list = nla_nest_start(msg, XFRM_MIF_A_ALTS);
	for (int i = 0; i < n; i++) {
		if (!list || mifnl_put_addr(msg, XFRM_MIF_A_ADDR, &alts[i])) {
			nlmsg_free(msg);
			return kernel_error(ctl, "alt set", -ENOMEM);
		}
	}
	nla_nest_end(msg, list);
	err = mifnl_request(&ctl->nl, msg, NULL, NULL);
	return err ? kernel_error(ctl, "alt set", err) : EXIT_OK;
}

static int alt_del(struct mifctl *ctl, int argc, char **argv)
{
	struct filter scope = { 0 };
	struct ip_addr addr;
	struct nl_msg *msg;
	int err;

	if (argc < 2)
		return usage_error("usage: mifctl alt del ADDR [mark N [mask N]] "
				   "[if_id N] [reqid N[/MASK]]");
	err = parse_addr_arg(argv[1], &addr);
	for (int i = 2; i < argc && !err; i++) {
		err = parse_scope(&scope, "alt del", argc, argv, &i);
		if (err == 1)
			err = 0;
		else if (!err)
			return usage_error("alt del: unknown keyword \"%s\"", argv[i]);
	}
	if (!err)
		err = connect_module(ctl);
	if (err)
		return err;
	msg = mifnl_msg(&ctl->nl, XFRM_MIF_CMD_ALT_DEL, 0);
	if (!msg || mifnl_put_addr(msg, XFRM_MIF_A_ADDR, &addr) ||
	    put_filter(msg, &scope))
		return kernel_error(ctl, "alt del", -ENOMEM);
	err = mifnl_request(&ctl->nl, msg, NULL, NULL);
	return err ? kernel_error(ctl, "alt del", err) : EXIT_OK;
}

struct alt_list {
	struct mifctl *ctl;
	struct json_object *list;	/* what -j prints */
};

static int on_alt(struct nlattr **attrs, uint8_t cmd, void *arg)
{
	struct alt_list *al = arg;
	struct mifctl *ctl = al->ctl;
	struct json_object *o = NULL, *alts = NULL;
	struct ip_addr addr, alt;
	char buf[IP_ADDR_STRLEN];
	struct nlattr *nla;
	int rem;

	if (!attrs[XFRM_MIF_A_ADDR] || !attrs[XFRM_MIF_A_ALTS] ||
	    mifnl_get_addr(attrs[XFRM_MIF_A_ADDR], &addr))
		return -EBADMSG;
	if (ctl->json) {
		o = json_object_new_object();
		alts = json_object_new_array();
		json_object_array_add(al->list, o);
	}
	print_str(ctl, o, "address", "%s", ip_addr_str(&addr, buf, sizeof(buf)));
	if (attrs[XFRM_MIF_A_MARK]) {
		print_u32(ctl, o, "mark", " mark 0x%x",
			  nla_get_u32(attrs[XFRM_MIF_A_MARK]));
		print_u32(ctl, o, "mask", "/0x%x", attrs[XFRM_MIF_A_MARK_MASK] ?
			  nla_get_u32(attrs[XFRM_MIF_A_MARK_MASK]) : UINT32_MAX);
	}
	if (attrs[XFRM_MIF_A_IF_ID])
		print_u32(ctl, o, "if_id", " if_id %u",
			  nla_get_u32(attrs[XFRM_MIF_A_IF_ID]));
	if (attrs[XFRM_MIF_A_REQID]) {
		print_u32(ctl, o, "reqid", " reqid 0x%x",
			  nla_get_u32(attrs[XFRM_MIF_A_REQID]));
		print_u32(ctl, o, "reqid_mask", "/0x%x",
			  attrs[XFRM_MIF_A_REQID_MASK] ?
			  nla_get_u32(attrs[XFRM_MIF_A_REQID_MASK]) : UINT32_MAX);
	}
	if (!ctl->json)
		printf(" alternates");
	nla_for_each_nested(nla, attrs[XFRM_MIF_A_ALTS], rem)
		if (!mifnl_get_addr(nla, &alt))
			print_str(ctl, alts, NULL, " %s",
				  ip_addr_str(&alt, buf, sizeof(buf)));
	if (ctl->json)
		json_object_object_add(o, "alternates", alts);
	else
		printf("\n");
	return 0;
}

static int alt_show(struct mifctl *ctl, int argc, char **argv)
{
	struct alt_list al = { .ctl = ctl };
	struct nl_msg *msg;
	int err;

	if (argc != 1)
		return usage_error("usage: mifctl alt show");
	err = connect_module(ctl);
	if (err)
		return err;
	msg = mifnl_msg(&ctl->nl, XFRM_MIF_CMD_ALT_GET, NLM_F_DUMP);
	if (!msg)
		return kernel_error(ctl, "alt show", -ENOMEM);
	al.list = json_object_new_array();
	err = mifnl_request(&ctl->nl, msg, on_alt, &al);
	if (!err && ctl->json)
		print_json(ctl, al.list);
	json_object_put(al.list);
	return err ? kernel_error(ctl, "alt show", err) : EXIT_OK;
}

int cmd_alt(struct mifctl *ctl, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(struct mifctl *ctl, int argc, char **argv);
	} subs[] = {
		{ "set", alt_set }, { "show", alt_show }, { "del", alt_del },
		{ "delete", alt_del },
	};
	if (argc < 2)
		return usage_error("usage: mifctl alt set|show|del ...");
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].run(ctl, argc - 1, argv + 1);
	}
	return usage_error("alt: unknown subcommand \"%s\"", argv[1]);
}
