// SPDX-License-Identifier: GPL-2.0
/*
 * nlraw: send one xfrm_mif request built from the command line, well formed
 * or not, and print the kernel's answer. The kselftests use it to feed the
 * module what mifctl would never send.
 *
 *   nlraw [-d] CMD [ATTR=TYPE:VALUE ...]
 *   nlraw -          the same, one request per line of standard input
 *
 * CMD: get_info rewrite clone delete alt_set alt_get alt_del dump, or a
 * number. ATTR: the name of an XFRM_MIF_A_* attribute in lower case
 * without the prefix (addr, states, ...; encap ports as port, peer_port),
 * or a number. TYPE:VALUE is one of u8:N u16:N u32:N hex:HEX nest:HEX (HEX
 * as the payload of a nest, NLA_F_NESTED set) zeros:LEN ip:ADDR (a
 * well-formed address nest) ips:ADDR,ADDR... (a nest of address nests)
 * flag: (no payload). -d sends a dump request.
 *
 * Prints "ok", or "error: MESSAGE (errno text)" followed by what the
 * acknowledgement names: " [attr PATH]" for the attribute at fault and
 * " [missing attr TYPE in PATH]" for a missing one, where PATH is the
 * attribute's name at the top level and the types of the nests that hold
 * it below, joined by dots ("clones.22.3"). Exits 0, 1 on a refusal, 2 on
 * a bad command line. With -, prints a result line per request and exits
 * 0 once all were sent, 2 on a line that names no request (or no line).
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
	{ "version", XFRM_MIF_A_VERSION }, { "features", XFRM_MIF_A_FEATURES },
	{ "addr", XFRM_MIF_A_ADDR }, { "new_addr", XFRM_MIF_A_NEW_ADDR },
	{ "new_peer", XFRM_MIF_A_NEW_PEER }, { "new_inner", XFRM_MIF_A_NEW_INNER },
	{ "from", XFRM_MIF_A_FROM }, { "alts", XFRM_MIF_A_ALTS },
	{ "mark", XFRM_MIF_A_MARK }, { "mark_mask", XFRM_MIF_A_MARK_MASK },
	{ "if_id", XFRM_MIF_A_IF_ID }, { "reqid", XFRM_MIF_A_REQID },
	{ "flags", XFRM_MIF_A_FLAGS }, { "port", XFRM_MIF_A_ENCAP_PORT },
	{ "peer_port", XFRM_MIF_A_ENCAP_PEER_PORT }, { "states", XFRM_MIF_A_STATES },
	{ "policies", XFRM_MIF_A_POLICIES }, { "state", XFRM_MIF_A_STATE },
	{ "policy", XFRM_MIF_A_POLICY }, { "clones", XFRM_MIF_A_CLONES },
	{ "pad", XFRM_MIF_A_PAD }, { "clone", XFRM_MIF_A_CLONE },
	{ "new_peer_inner", XFRM_MIF_A_NEW_PEER_INNER },
	{ "skipped", XFRM_MIF_A_SKIPPED }, { "reqid_mask", XFRM_MIF_A_REQID_MASK },
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

static int put_hex(struct nl_msg *msg, int type, const char *hex, int nested)
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
	err = nla_put(msg, nested ? type | NLA_F_NESTED : type, (int)n, b);
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
		return put_hex(msg, type, val, 0);
	if (!strcmp(eq + 1, "nest"))
		return put_hex(msg, type, val, 1);
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

/*
 * Append to path the attribute that starts at offset off of the request
 * req (from its nlmsghdr), or that contains it: its name at the top level,
 * the nests' types below. Returns 0 if found.
 */
static int attr_path(const struct nlmsghdr *req, uint32_t off, char *path,
		     size_t size)
{
	const struct nlattr *nla = (const void *)((const char *)req +
						  NLMSG_HDRLEN + GENL_HDRLEN);
	int rem = (int)req->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	size_t n = 0;
	int depth = 0;

	if (off >= req->nlmsg_len)
		return -1;
	while (nla_ok(nla, rem)) {
		uint32_t at = (uint32_t)((const char *)nla - (const char *)req);
		const char *name = NULL;
		const struct name *t;

		if (off < at || off >= at + nla->nla_len) {
			nla = nla_next(nla, &rem);
			continue;
		}
		for (t = attrs; depth == 0 && t->name; t++)
			if (t->value == nla_type(nla))
				name = t->name;
		if (name)
			n += (size_t)snprintf(path + n, size - n, "%s%s",
					      depth ? "." : "", name);
		else
			n += (size_t)snprintf(path + n, size - n, "%s%d",
					      depth ? "." : "", nla_type(nla));
		if (n >= size)
			return -1;
		if (off == at)
			return 0;
		rem = nla_len(nla);
		nla = nla_data(nla);
		depth++;
	}
	return -1;
}

/* What the acknowledgement of refused request req names, if anything. */
static void print_ack(const struct nlmsghdr *req, const struct extack *ack)
{
	char path[128] = "";

	if (ack->offs && !attr_path(req, ack->offs, path, sizeof(path)))
		printf(" [attr %s]", path);
	if (ack->miss_type) {
		const struct name *t;

		if (!ack->miss_nest) {
			for (t = attrs; t->name; t++)
				if (t->value == ack->miss_type)
					break;
			if (t->name) {
				printf(" [missing attr %s]", t->name);
				return;
			}
		}
		printf(" [missing attr %u", ack->miss_type);
		if (ack->miss_nest &&
		    !attr_path(req, ack->miss_nest, path, sizeof(path)))
			printf(" in %s", path);
		printf("]");
	}
}

/*
 * Send the request argv[0..argc) names ([-d] CMD ATTR...) on nl and print
 * its result line. Returns 0 if it was answered with success, 1 if
 * refused, 2 if the words name no request.
 */
static int send_one(struct mifnl *nl, int argc, char **argv)
{
	struct nlmsghdr *req;
	struct nl_msg *msg;
	int i = 0, flags = 0, cmd, err;

	if (argc > 0 && !strcmp(argv[0], "-d")) {
		flags = NLM_F_DUMP;
		i++;
	}
	if (i >= argc || (cmd = lookup(cmds, argv[i])) < 0 || cmd > 255) {
		fprintf(stderr, "usage: nlraw [-d] CMD [ATTR=TYPE:VALUE ...]\n");
		return 2;
	}
	msg = mifnl_msg(nl, (uint8_t)cmd, flags);
	if (!msg)
		return 1;
	for (i++; i < argc; i++) {
		if (put_attr(msg, argv[i])) {
			fprintf(stderr, "nlraw: bad attribute \"%s\"\n", argv[i]);
			nlmsg_free(msg);
			return 2;
		}
	}
	/* a copy, to name the attributes the acknowledgement points at */
	req = malloc(nlmsg_hdr(msg)->nlmsg_len);
	if (!req) {
		nlmsg_free(msg);
		return 1;
	}
	memcpy(req, nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	err = mifnl_request(nl, msg, on_reply, NULL);
	if (err) {
		printf("error: %s (%s)", nl->err[0] ? nl->err : "-", strerror(-err));
		print_ack(req, &nl->ack);
		printf("\n");
	} else {
		puts("ok");
	}
	fflush(stdout);
	free(req);
	return err ? 1 : 0;
}

/*
 * nlraw -: one request per line of standard input, its words split at
 * blanks, one result line each. A process start costs a great deal in the
 * debug kernel; a script's dozens of requests share this one.
 */
static int send_lines(struct mifnl *nl)
{
	char line[8192], *words[64], *save, *w;
	int n, sent = 0;

	while (fgets(line, sizeof(line), stdin)) {
		if (!strchr(line, '\n') && !feof(stdin)) {
			fprintf(stderr, "nlraw: request line too long\n");
			return 2;
		}
		n = 0;
		for (w = strtok_r(line, " \t\n", &save); w && n < 64;
		     w = strtok_r(NULL, " \t\n", &save))
			words[n++] = w;
		if (w) {
			fprintf(stderr, "nlraw: more than 64 words in a request\n");
			return 2;
		}
		if (!n)
			continue;
		if (send_one(nl, n, words) == 2)
			return 2;
		sent++;
	}
	return sent ? 0 : 2;
}

int main(int argc, char **argv)
{
	struct mifnl nl = { 0 };
	int err, rc;

	if (argc < 2) {
		fprintf(stderr, "usage: nlraw [-d] CMD [ATTR=TYPE:VALUE ...] | nlraw -\n");
		return 2;
	}
	err = mifnl_open(&nl);
	if (err) {
		fprintf(stderr, "nlraw: %s\n", strerror(-err));
		return 1;
	}
	if (argc == 2 && !strcmp(argv[1], "-"))
		rc = send_lines(&nl);
	else
		rc = send_one(&nl, argc - 1, argv + 1);
	mifnl_close(&nl);
	return rc;
}
