// SPDX-License-Identifier: GPL-2.0
/*
 * mifctl clone: copy the SAs and policies of some addresses onto a new
 * one, each SA with a new SPI and new keys.
 */
#include <errno.h>
#include <linux/xfrm_mif.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mifctl.h"

#define KEY_MAX 512

struct sa_arg {
	uint32_t spi, new_spi;
	uint8_t proto;
	bool has_dst;
	struct ip_addr dst;
	uint8_t enc[KEY_MAX], auth[KEY_MAX];
	int enc_len, auth_len;		/* -1: not given */
	int port, peer_port;		/* UDP encapsulation; -1: not given */
};

struct clone_reply {
	struct counts c;
	uint32_t skipped;
};

static int on_reply(struct nlattr **attrs, uint8_t cmd, void *arg)
{
	struct clone_reply *r = arg;

	read_counts(attrs, &r->c);
	r->skipped = attrs[XFRM_MIF_A_SKIPPED] ?
		     nla_get_u32(attrs[XFRM_MIF_A_SKIPPED]) : 0;
	return 0;
}

static int parse_num(const char *s, uint32_t *v)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(s, &end, 0);
	if (errno || end == s || *end || n > UINT32_MAX || s[0] == '-')
		return -EINVAL;
	*v = (uint32_t)n;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "0x0011..." or "0011...": bytes into key; length, or -1. */
static int parse_hex(const char *s, uint8_t *key)
{
	size_t len;
	int n = 0;

	if (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2))
		s += 2;
	len = strlen(s);
	if (len % 2 || len / 2 > KEY_MAX)
		return -1;
	for (; *s; s += 2) {
		int hi = hex_digit(s[0]), lo = hex_digit(s[1]);

		if (hi < 0 || lo < 0)
			return -1;
		key[n++] = (uint8_t)(hi << 4 | lo);
	}
	return n;
}

static int parse_proto(const char *s, uint8_t *proto)
{
	if (!strcmp(s, "esp"))
		*proto = IPPROTO_ESP;
	else if (!strcmp(s, "ah"))
		*proto = IPPROTO_AH;
	else if (!strcmp(s, "comp"))
		*proto = IPPROTO_COMP;
	else
		return -EINVAL;
	return 0;
}

/* A UDP port, 0 included (both 0: no encapsulation on the new path). */
static int parse_port(const char *s, int *port)
{
	uint32_t v;

	if (parse_num(s, &v) || v > 65535)
		return -EINVAL;
	*port = (int)v;
	return 0;
}

static int put_port(struct nl_msg *msg, int attr, int port)
{
	return port < 0 ? 0 : nla_put_u16(msg, attr, htons((uint16_t)port));
}

static int put_sa(struct nl_msg *msg, const struct sa_arg *sa)
{
	struct nlattr *e = nla_nest_start(msg, XFRM_MIF_A_CLONE);

	if (!e || nla_put_u32(msg, XFRM_MIF_CLONE_A_SPI, htonl(sa->spi)) ||
	    nla_put_u32(msg, XFRM_MIF_CLONE_A_NEW_SPI, htonl(sa->new_spi)) ||
	    nla_put_u8(msg, XFRM_MIF_CLONE_A_PROTO, sa->proto) ||
	    (sa->has_dst && mifnl_put_addr(msg, XFRM_MIF_CLONE_A_DST, &sa->dst)) ||
	    (sa->enc_len >= 0 &&
	     nla_put(msg, XFRM_MIF_CLONE_A_ENC_KEY, sa->enc_len, sa->enc)) ||
	    (sa->auth_len >= 0 &&
	     nla_put(msg, XFRM_MIF_CLONE_A_AUTH_KEY, sa->auth_len, sa->auth)) ||
	    put_port(msg, XFRM_MIF_CLONE_A_ENCAP_PORT, sa->port) ||
	    put_port(msg, XFRM_MIF_CLONE_A_ENCAP_PEER_PORT, sa->peer_port))
		return -ENOMEM;
	nla_nest_end(msg, e);
	return 0;
}

struct clone_args {
	struct ip_addr to, from[XFRM_MIF_MAX_FROM], peer, inner, peer_inner;
	int nfrom;
	bool has_peer, has_inner, has_peer_inner;
	uint32_t num[4];		/* reqid, if_id, mark, mask */
	bool has_num[4];
	uint32_t flags;
	int port, peer_port;		/* for every ESP SA; -1: not given */
	struct sa_arg *sa;
	int nsa;
};

static const struct {
	const char *kw;
	int attr;
} num_kws[4] = {
	{ "reqid", XFRM_MIF_A_REQID },
	{ "if_id", XFRM_MIF_A_IF_ID },
	{ "mark", XFRM_MIF_A_MARK },
	{ "mask", XFRM_MIF_A_MARK_MASK },
};

/* An address after keyword argv[i]: EXIT_OK or EXIT_USAGE. */
static int addr_after(int argc, char **argv, int i, struct ip_addr *a)
{
	if (i + 1 >= argc)
		return usage_error("clone: %s needs an address", argv[i]);
	return parse_addr_arg(argv[i + 1], a);
}

static int parse_args(struct clone_args *a, int argc, char **argv)
{
	struct sa_arg *sa = NULL;
	int i, k, rc;

	if (argc < 2)
		return usage_error("clone needs the new address");
	rc = parse_addr_arg(argv[1], &a->to);
	if (rc)
		return rc;
	for (i = 2; i < argc; i++) {
		const char *kw = argv[i];

		if (!strcmp(kw, "dry-run")) {
			a->flags |= XFRM_MIF_OPF_DRY_RUN;
			continue;
		}
		if (!strcmp(kw, "from")) {
			struct ip_addr x;

			while (i + 1 < argc && !ip_addr_parse(argv[i + 1], &x)) {
				if (a->nfrom == XFRM_MIF_MAX_FROM)
					return usage_error("clone: at most %d source addresses",
							   XFRM_MIF_MAX_FROM);
				a->from[a->nfrom++] = x;
				i++;
			}
			continue;
		}
		if (!strcmp(kw, "peer") || !strcmp(kw, "inner") ||
		    !strcmp(kw, "peer-inner")) {
			struct ip_addr *x = &a->peer;
			bool *has = &a->has_peer;

			if (!strcmp(kw, "inner")) {
				x = &a->inner;
				has = &a->has_inner;
			} else if (!strcmp(kw, "peer-inner")) {
				x = &a->peer_inner;
				has = &a->has_peer_inner;
			}
			rc = addr_after(argc, argv, i++, x);
			if (rc)
				return rc;
			*has = true;
			continue;
		}
		if (!strcmp(kw, "sa")) {
			sa = &a->sa[a->nsa++];
			sa->proto = IPPROTO_ESP;
			sa->enc_len = sa->auth_len = -1;
			sa->port = sa->peer_port = -1;
			if (i + 2 >= argc || parse_num(argv[i + 1], &sa->spi) ||
			    parse_num(argv[i + 2], &sa->new_spi))
				return usage_error("clone: sa needs an SPI and a new SPI");
			i += 2;
			continue;
		}
		if (!strcmp(kw, "port") || !strcmp(kw, "peer-port")) {
			/* before the first sa: every SA's; after one: its own */
			int *port = sa ? &sa->port : &a->port;

			if (kw[1] == 'e')
				port = sa ? &sa->peer_port : &a->peer_port;
			if (i + 1 >= argc || parse_port(argv[i + 1], port))
				return usage_error("clone: %s needs a UDP port from 0 to 65535",
						   kw);
			i++;
			continue;
		}
		if (!strcmp(kw, "enc") || !strcmp(kw, "auth") ||
		    !strcmp(kw, "dst") || !strcmp(kw, "proto")) {
			if (!sa)
				return usage_error("clone: %s belongs to an sa", kw);
			if (i + 1 >= argc)
				return usage_error("clone: %s needs a value", kw);
			i++;
			if (kw[0] == 'd') {
				rc = parse_addr_arg(argv[i], &sa->dst);
				if (rc)
					return rc;
				sa->has_dst = true;
			} else if (kw[0] == 'p') {
				if (parse_proto(argv[i], &sa->proto))
					return usage_error("clone: proto is esp, ah or comp");
			} else {
				int *len = kw[0] == 'e' ? &sa->enc_len : &sa->auth_len;

				*len = parse_hex(argv[i], kw[0] == 'e' ? sa->enc : sa->auth);
				if (*len < 0)
					return usage_error("clone: \"%s\" is not a hex key", argv[i]);
			}
			continue;
		}
		for (k = 0; k < 4; k++)
			if (!strcmp(kw, num_kws[k].kw))
				break;
		if (k == 4)
			return usage_error("clone: unknown keyword \"%s\"", kw);
		if (i + 1 >= argc || parse_num(argv[i + 1], &a->num[k]))
			return usage_error("clone: %s needs a number from 0 to %u",
					   kw, UINT32_MAX);
		a->has_num[k] = true;
		i++;
	}
	if (!a->nfrom)
		return usage_error("clone: from needs at least one address");
	return EXIT_OK;
}

static struct nl_msg *build_msg(struct mifctl *ctl, const struct clone_args *a)
{
	struct nlattr *list;
	struct nl_msg *msg;
	int i;

	msg = mifnl_msg(&ctl->nl, XFRM_MIF_CMD_CLONE, 0);
	if (!msg || mifnl_put_addr(msg, XFRM_MIF_A_NEW_ADDR, &a->to) ||
	    (a->has_peer && mifnl_put_addr(msg, XFRM_MIF_A_NEW_PEER, &a->peer)) ||
	    (a->has_inner && mifnl_put_addr(msg, XFRM_MIF_A_NEW_INNER, &a->inner)) ||
	    (a->has_peer_inner &&
	     mifnl_put_addr(msg, XFRM_MIF_A_NEW_PEER_INNER, &a->peer_inner)))
		goto nomem;
	list = nla_nest_start(msg, XFRM_MIF_A_FROM);
	for (i = 0; list && i < a->nfrom; i++)
		if (mifnl_put_addr(msg, XFRM_MIF_A_ADDR, &a->from[i]))
			goto nomem;
	if (!list)
		goto nomem;
	nla_nest_end(msg, list);
	for (i = 0; i < 4; i++)
		if (a->has_num[i] && nla_put_u32(msg, num_kws[i].attr, a->num[i]))
			goto nomem;
	if (a->flags && nla_put_u32(msg, XFRM_MIF_A_FLAGS, a->flags))
		goto nomem;
	if (put_port(msg, XFRM_MIF_A_ENCAP_PORT, a->port) ||
	    put_port(msg, XFRM_MIF_A_ENCAP_PEER_PORT, a->peer_port))
		goto nomem;
	if (a->nsa) {
		list = nla_nest_start(msg, XFRM_MIF_A_CLONES);
		if (!list)
			goto nomem;
		for (i = 0; i < a->nsa; i++)
			if (put_sa(msg, &a->sa[i]))
				goto nomem;
		nla_nest_end(msg, list);
	}
	return msg;

nomem:
	nlmsg_free(msg);
	return NULL;
}

/*
 * Room for the request: a clone of an interface's SAs is one message,
 * larger than libnl's default message and socket buffer of 32 KiB. The
 * kernel takes what fits its socket's limit (net.core.wmem_max).
 */
static size_t msg_size(const struct clone_args *a)
{
	size_t size = 1024;

	for (int i = 0; i < a->nsa; i++)
		size += 96 + (size_t)(a->sa[i].enc_len > 0 ? a->sa[i].enc_len : 0) +
			(size_t)(a->sa[i].auth_len > 0 ? a->sa[i].auth_len : 0);
	return size;
}

int cmd_clone(struct mifctl *ctl, int argc, char **argv)
{
	size_t size;
	struct clone_args a = { .port = -1, .peer_port = -1 };
	struct clone_reply r = { 0 };
	char buf[IP_ADDR_STRLEN];
	struct json_object *o;
	struct nl_msg *msg;
	bool dry_run;
	int rc, err;

	a.sa = calloc(argc, sizeof(*a.sa));
	if (!a.sa)
		return kernel_error(ctl, "clone", -ENOMEM);
	rc = parse_args(&a, argc, argv);
	if (!rc)
		rc = connect_module(ctl);
	if (rc) {
		free(a.sa);
		return rc;
	}
	size = msg_size(&a);
	if (size > 32768) {
		nlmsg_set_default_size(size);
		nl_socket_set_buffer_size(ctl->nl.sk, 0, (int)size);
	}
	msg = build_msg(ctl, &a);
	memset(a.sa, 0, argc * sizeof(*a.sa));	/* keys */
	free(a.sa);
	if (!msg)
		return kernel_error(ctl, "clone", -ENOMEM);
	err = mifnl_request(&ctl->nl, msg, on_reply, &r);
	if (err)
		return kernel_error(ctl, "clone", err);

	dry_run = a.flags & XFRM_MIF_OPF_DRY_RUN;
	if (!ctl->json) {
		printf("%s %s: %u states, %u policies, %u policies skipped\n",
		       dry_run ? "would clone onto" : "cloned onto",
		       ip_addr_str(&a.to, buf, sizeof(buf)), r.c.states,
		       r.c.policies, r.skipped);
		return EXIT_OK;
	}
	o = json_object_new_object();
	json_object_object_add(o, "dry_run", json_object_new_boolean(dry_run));
	json_object_object_add(o, "skipped", json_object_new_int64(r.skipped));
	print_counts(ctl, o, "cloned onto", &a.to, &r.c);
	return EXIT_OK;
}
