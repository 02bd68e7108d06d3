// SPDX-License-Identifier: GPL-2.0
/*
 * nlraw: send one xfrm_mif request built from the command line, well formed
 * or not, and print the kernel's answer. The kselftests use it to feed the
 * module what mifctl would never send.
 *
 *   nlraw [-d] CMD [ATTR=TYPE:VALUE ...]
 *
 * CMD: get_info rewrite clone delete alt_set alt_get alt_del dump, or a
 * number. ATTR: addr new_addr new_peer new_inner from alts mark mark_mask
 * if_id reqid flags port peer_port clones, or a number. TYPE:VALUE is one
 * of u8:N u16:N u32:N hex:HEX zeros:LEN ip:ADDR (a well-formed address
 * nest) ips:ADDR,ADDR... (a nest of address nests) flag: (no payload).
 * -d sends a dump request. Prints "ok" or "error: MESSAGE (errno text)";
 * exits 0, 1 on a refusal, 2 on a bad command line.
 */
#include <errno.h>
#include <linux/xfrm_mif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mifnl.h"

struct name {
	const char *name;
	int value;
};

static const struct name cmds[] = {
	{ "get_info", XFRM_MIF_CMD_GET_INFO }, { "rewrite", XFRM_MIF_CMD_REWRITE },
	{ "clone", XFRM_MIF_CMD_CLONE }, { "delete", XFRM_MIF_CMD_DELETE },
	{ "alt_set", XFRM_MIF_CMD_ALT_SET }, { "alt_get", XFRM_MIF_CMD_ALT_GET },
	{ "alt_del", XFRM_MIF_CMD_ALT_DEL }, { "dump", XFRM_MIF_CMD_DUMP },
	{ NULL, 0 }
};

static const struct name attrs[] = {
	{ "addr", XFRM_MIF_A_ADDR }, { "new_addr", XFRM_MIF_A_NEW_ADDR },
	{ "new_peer", XFRM_MIF_A_NEW_PEER }, { "new_inner", XFRM_MIF_A_NEW_INNER },
	{ "from", XFRM_MIF_A_FROM }, { "alts", XFRM_MIF_A_ALTS },
	{ "mark", XFRM_MIF_A_MARK }, { "mark_mask", XFRM_MIF_A_MARK_MASK },
	{ "if_id", XFRM_MIF_A_IF_ID }, { "reqid", XFRM_MIF_A_REQID },
	{ "flags", XFRM_MIF_A_FLAGS }, { "port", XFRM_MIF_A_ENCAP_PORT },
	{ "peer_port", XFRM_MIF_A_ENCAP_PEER_PORT }, { "clones", XFRM_MIF_A_CLONES },
	{ NULL, 0 }
};

static int lookup(const struct name *t, const char *s)
{
	char *end;
	long v;

	for (; t->name; t++)
		if (!strcmp(t->name, s))
			return t->value;
	v = strtol(s, &end, 0);
	return (*s && !*end && v >= 0 && v < 65536) ? (int)v : -1;
}

static int put_ips(struct nl_msg *msg, int type, char *list)
{
	struct nlattr *nest = nla_nest_start(msg, type);
	char *tok, *save = NULL;
	struct ip_addr a;

	if (!nest)
		return -1;
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (ip_addr_parse(tok, &a) || mifnl_put_addr(msg, XFRM_MIF_A_ADDR, &a))
			return -1;
	nla_nest_end(msg, nest);
	return 0;
}

static int put_hex(struct nl_msg *msg, int type, const char *hex)
{
	size_t n = strlen(hex) / 2, i;
	unsigned char *b;
	int err;

	if (strlen(hex) % 2)
		return -1;
	b = calloc(1, n + 1);
	if (!b)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned int v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
			free(b);
			return -1;
		}
		b[i] = (unsigned char)v;
	}
	err = nla_put(msg, type, (int)n, b);
	free(b);
	return err;
}

static int put_attr(struct nl_msg *msg, char *spec)
{
	char *eq = strchr(spec, '='), *colon, *val;
	unsigned long long n;
	struct ip_addr a;
	int type;

	if (!eq || !(colon = strchr(eq, ':')))
		return -1;
	*eq = *colon = '\0';
	val = colon + 1;
	type = lookup(attrs, spec);
	if (type < 0)
		return -1;
	n = strtoull(val, NULL, 0);
	if (!strcmp(eq + 1, "u8"))
		return nla_put_u8(msg, type, (uint8_t)n);
	if (!strcmp(eq + 1, "u16"))
		return nla_put_u16(msg, type, (uint16_t)n);
	if (!strcmp(eq + 1, "u32"))
		return nla_put_u32(msg, type, (uint32_t)n);
	if (!strcmp(eq + 1, "hex"))
		return put_hex(msg, type, val);
	if (!strcmp(eq + 1, "flag"))
		return nla_put_flag(msg, type);
	if (!strcmp(eq + 1, "zeros")) {
		void *z = calloc(1, n ? n : 1);
		int err = z ? nla_put(msg, type, (int)n, z) : -1;

		free(z);
		return err;
	}
	if (!strcmp(eq + 1, "ip"))
		return ip_addr_parse(val, &a) ? -1 : mifnl_put_addr(msg, type, &a);
	if (!strcmp(eq + 1, "ips"))
		return put_ips(msg, type, val);
	return -1;
}

static int on_reply(struct nlattr **a, uint8_t cmd, void *arg)
{
	return 0;
}

int main(int argc, char **argv)
{
	struct mifnl nl = { 0 };
	struct nl_msg *msg;
	int i = 1, flags = 0, cmd, err;

	if (argc > 1 && !strcmp(argv[1], "-d")) {
		flags = NLM_F_DUMP;
		i++;
	}
	if (i >= argc || (cmd = lookup(cmds, argv[i])) < 0 || cmd > 255) {
		fprintf(stderr, "usage: nlraw [-d] CMD [ATTR=TYPE:VALUE ...]\n");
		return 2;
	}
	err = mifnl_open(&nl);
	if (err) {
		fprintf(stderr, "nlraw: %s\n", strerror(-err));
		return 1;
	}
	msg = mifnl_msg(&nl, (uint8_t)cmd, flags);
	if (!msg)
		return 1;
	for (i++; i < argc; i++) {
		if (put_attr(msg, argv[i])) {
			fprintf(stderr, "nlraw: bad attribute \"%s\"\n", argv[i]);
			nlmsg_free(msg);
			return 2;
		}
	}
	err = mifnl_request(&nl, msg, on_reply, NULL);
	if (err) {
		printf("error: %s (%s)\n", nl.err[0] ? nl.err : "-", strerror(-err));
		mifnl_close(&nl);
		return 1;
	}
	puts("ok");
	mifnl_close(&nl);
	return 0;
}
