// SPDX-License-Identifier: GPL-2.0
/*
 * mifctl show: SAs and policies grouped by the addresses they are bound to.
 */
#include <errno.h>
#include <linux/xfrm.h>
#include <linux/xfrm_mif.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mifctl.h"

#define MAX_BOUND 4		/* addresses one object is listed under */

struct item {
	bool is_policy;
	struct json_object *obj;	/* what -j prints */
	char line[256];			/* what text mode prints */
	struct ip_addr bound[MAX_BOUND];
	int nbound;
};

struct show {
	struct item *items;
	size_t n, cap;
	int err;
};

static const char *mode_name(uint8_t mode)
{
	switch (mode) {
	case XFRM_MODE_TRANSPORT:
		return "transport";
	case XFRM_MODE_TUNNEL:
		return "tunnel";
	case XFRM_MODE_BEET:
		return "beet";
	default:
		return "other";
	}
}

static const char *dir_name(uint8_t dir)
{
	static const char *const names[] = { "in", "out", "fwd" };

	return dir < 3 ? names[dir] : "?";
}

static const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_ESP:
		return "esp";
	case IPPROTO_AH:
		return "ah";
	case IPPROTO_COMP:
		return "comp";
	default:
		return "?";
	}
}

static void bind_addr(struct item *it, const struct ip_addr *a)
{
	for (int i = 0; i < it->nbound; i++)
		if (ip_addr_equal(&it->bound[i], a))
			return;
	if (it->nbound < MAX_BOUND)
		it->bound[it->nbound++] = *a;
}

static void json_addr(struct json_object *o, const char *key,
		      const struct ip_addr *a)
{
	char buf[IP_ADDR_STRLEN];

	json_object_object_add(o, key, json_object_new_string(ip_addr_str(a, buf, sizeof(buf))));
}

static int sa_item(struct item *it, struct nlattr *nest)
{
	struct nlattr *tb[XFRM_MIF_SA_A_MAX + 1];
	struct ip_addr src = { 0 }, dst = { 0 };
	char s[IP_ADDR_STRLEN], d[IP_ADDR_STRLEN], spi_hex[11];
	uint32_t spi, reqid;
	uint8_t proto, mode;

	if (nla_parse_nested(tb, XFRM_MIF_SA_A_MAX, nest, NULL) < 0 ||
	    !tb[XFRM_MIF_SA_A_SPI] || !tb[XFRM_MIF_SA_A_SRC] || !tb[XFRM_MIF_SA_A_DST] ||
	    mifnl_get_addr(tb[XFRM_MIF_SA_A_SRC], &src) ||
	    mifnl_get_addr(tb[XFRM_MIF_SA_A_DST], &dst))
		return -EBADMSG;
	spi = ntohl(nla_get_u32(tb[XFRM_MIF_SA_A_SPI]));
	proto = tb[XFRM_MIF_SA_A_PROTO] ? nla_get_u8(tb[XFRM_MIF_SA_A_PROTO]) : 0;
	mode = tb[XFRM_MIF_SA_A_MODE] ? nla_get_u8(tb[XFRM_MIF_SA_A_MODE]) : 0;
	reqid = tb[XFRM_MIF_SA_A_REQID] ? nla_get_u32(tb[XFRM_MIF_SA_A_REQID]) : 0;

	/* As ip xfrm prints an SPI, and as mifctl ike list does. */
	snprintf(spi_hex, sizeof(spi_hex), "0x%08x", spi);
	it->obj = json_object_new_object();
	json_object_object_add(it->obj, "proto", json_object_new_string(proto_name(proto)));
	json_object_object_add(it->obj, "spi", json_object_new_string(spi_hex));
	json_object_object_add(it->obj, "mode", json_object_new_string(mode_name(mode)));
	json_addr(it->obj, "src", &src);
	json_addr(it->obj, "dst", &dst);
	json_object_object_add(it->obj, "reqid", json_object_new_int64(reqid));
	snprintf(it->line, sizeof(it->line), "sa %s spi %s %s %s -> %s reqid %u",
		 proto_name(proto), spi_hex, mode_name(mode),
		 ip_addr_str(&src, s, sizeof(s)), ip_addr_str(&dst, d, sizeof(d)), reqid);
	bind_addr(it, &src);
	bind_addr(it, &dst);
	return 0;
}

static int policy_item(struct item *it, struct nlattr *nest)
{
	struct nlattr *tb[XFRM_MIF_POL_A_MAX + 1];
	struct ip_addr ss = { 0 }, sd = { 0 }, ts = { 0 }, td = { 0 };
	char b1[IP_ADDR_STRLEN], b2[IP_ADDR_STRLEN], b3[IP_ADDR_STRLEN], b4[IP_ADDR_STRLEN];
	uint8_t dir, slen, dlen, mode = 0xff;
	bool tmpl;

	if (nla_parse_nested(tb, XFRM_MIF_POL_A_MAX, nest, NULL) < 0 ||
	    !tb[XFRM_MIF_POL_A_DIR] || !tb[XFRM_MIF_POL_A_SEL_SRC] ||
	    !tb[XFRM_MIF_POL_A_SEL_DST] ||
	    mifnl_get_addr(tb[XFRM_MIF_POL_A_SEL_SRC], &ss) ||
	    mifnl_get_addr(tb[XFRM_MIF_POL_A_SEL_DST], &sd))
		return -EBADMSG;
	dir = nla_get_u8(tb[XFRM_MIF_POL_A_DIR]);
	slen = tb[XFRM_MIF_POL_A_SEL_SRC_LEN] ? nla_get_u8(tb[XFRM_MIF_POL_A_SEL_SRC_LEN]) : 0;
	dlen = tb[XFRM_MIF_POL_A_SEL_DST_LEN] ? nla_get_u8(tb[XFRM_MIF_POL_A_SEL_DST_LEN]) : 0;
	if (tb[XFRM_MIF_POL_A_MODE])
		mode = nla_get_u8(tb[XFRM_MIF_POL_A_MODE]);
	tmpl = tb[XFRM_MIF_POL_A_TMPL_SRC] && tb[XFRM_MIF_POL_A_TMPL_DST] &&
	       !mifnl_get_addr(tb[XFRM_MIF_POL_A_TMPL_SRC], &ts) &&
	       !mifnl_get_addr(tb[XFRM_MIF_POL_A_TMPL_DST], &td);

	it->is_policy = true;
	it->obj = json_object_new_object();
	json_object_object_add(it->obj, "dir", json_object_new_string(dir_name(dir)));
	json_addr(it->obj, "src", &ss);
	json_object_object_add(it->obj, "src_len", json_object_new_int(slen));
	json_addr(it->obj, "dst", &sd);
	json_object_object_add(it->obj, "dst_len", json_object_new_int(dlen));
	if (mode != 0xff)
		json_object_object_add(it->obj, "mode", json_object_new_string(mode_name(mode)));
	if (tmpl) {
		json_addr(it->obj, "tmpl_src", &ts);
		json_addr(it->obj, "tmpl_dst", &td);
		bind_addr(it, &ts);
		bind_addr(it, &td);
	}
	if (mode == XFRM_MODE_TRANSPORT) {
		if (slen == ip_addr_len(&ss) * 8)
			bind_addr(it, &ss);
		if (dlen == ip_addr_len(&sd) * 8)
			bind_addr(it, &sd);
	}
	snprintf(it->line, sizeof(it->line), "policy %s %s/%u -> %s/%u %s",
		 dir_name(dir), ip_addr_str(&ss, b1, sizeof(b1)), slen,
		 ip_addr_str(&sd, b2, sizeof(b2)), dlen,
		 mode == 0xff ? "" : mode_name(mode));
	if (tmpl) {
		size_t l = strlen(it->line);

		snprintf(it->line + l, sizeof(it->line) - l, " %s -> %s",
			 ip_addr_str(&ts, b3, sizeof(b3)),
			 ip_addr_str(&td, b4, sizeof(b4)));
	}
	return 0;
}

static int on_object(struct nlattr **attrs, uint8_t cmd, void *arg)
{
	struct show *sh = arg;
	struct item *it;
	int err;

	if (sh->n == sh->cap) {
		size_t cap = sh->cap ? sh->cap * 2 : 64;
		struct item *p = realloc(sh->items, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		sh->items = p;
		sh->cap = cap;
	}
	it = &sh->items[sh->n];
	memset(it, 0, sizeof(*it));
	if (attrs[XFRM_MIF_A_STATE])
		err = sa_item(it, attrs[XFRM_MIF_A_STATE]);
	else if (attrs[XFRM_MIF_A_POLICY])
		err = policy_item(it, attrs[XFRM_MIF_A_POLICY]);
	else
		return 0;
	if (err) {
		json_object_put(it->obj);
		return err;
	}
	sh->n++;
	return 0;
}

static void print_groups(struct mifctl *ctl, struct show *sh, const struct ip_addr *only)
{
	struct ip_addr *keys = calloc(sh->n * MAX_BOUND + 1, sizeof(*keys));
	struct json_object *root = json_object_new_array();
	char buf[IP_ADDR_STRLEN];
	size_t nkeys = 0;

	for (size_t i = 0; keys && i < sh->n; i++) {
		for (int b = 0; b < sh->items[i].nbound; b++) {
			const struct ip_addr *a = &sh->items[i].bound[b];
			size_t k;

			if (only && !ip_addr_equal(only, a))
				continue;
			for (k = 0; k < nkeys && !ip_addr_equal(&keys[k], a); k++)
				;
			if (k == nkeys)
				keys[nkeys++] = *a;
		}
	}
	for (size_t k = 0; k < nkeys; k++) {
		struct json_object *g = json_object_new_object();
		struct json_object *sas = json_object_new_array();
		struct json_object *pols = json_object_new_array();

		if (!ctl->json)
			printf("%s\n", ip_addr_str(&keys[k], buf, sizeof(buf)));
		for (size_t i = 0; i < sh->n; i++) {
			struct item *it = &sh->items[i];
			bool bound = false;

			for (int b = 0; b < it->nbound; b++)
				bound |= ip_addr_equal(&it->bound[b], &keys[k]);
			if (!bound)
				continue;
			json_object_array_add(it->is_policy ? pols : sas, json_object_get(it->obj));
			if (!ctl->json)
				printf("    %s\n", it->line);
		}
		json_addr(g, "address", &keys[k]);
		json_object_object_add(g, "states", sas);
		json_object_object_add(g, "policies", pols);
		json_object_array_add(root, g);
	}
	if (ctl->json)
		print_json(ctl, root);
	json_object_put(root);
	free(keys);
}

int cmd_show(struct mifctl *ctl, int argc, char **argv)
{
	struct show sh = { 0 };
	struct ip_addr addr;
	struct nl_msg *msg;
	int rc, err;

	if (argc > 2)
		return usage_error("usage: mifctl sa show [ADDR]");
	if (argc == 2) {
		rc = parse_addr_arg(argv[1], &addr);
		if (rc)
			return rc;
	}
	rc = connect_module(ctl);
	if (rc)
		return rc;
	msg = mifnl_msg(&ctl->nl, XFRM_MIF_CMD_DUMP, NLM_F_DUMP);
	if (!msg || (argc == 2 && mifnl_put_addr(msg, XFRM_MIF_A_ADDR, &addr)))
		return kernel_error(ctl, "show", -ENOMEM);
	err = mifnl_request(&ctl->nl, msg, on_object, &sh);
	if (!err)
		print_groups(ctl, &sh, argc == 2 ? &addr : NULL);
	for (size_t i = 0; i < sh.n; i++)
		json_object_put(sh.items[i].obj);
	free(sh.items);
	return err ? kernel_error(ctl, "show", err) : EXIT_OK;
}
