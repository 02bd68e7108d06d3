// SPDX-License-Identifier: GPL-2.0
/*
 * mifctl: command-line tool for the xfrm_mif kernel module.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/xfrm_mif.h>

#include "mifctl.h"

static const struct command commands[] = {
	{ "info", cmd_info, "info" },
	{ "delete", cmd_delete,
	  "delete ADDR [reqid N] [if_id N] [mark N [mask N]] [dry-run]" },
	{ "rewrite", cmd_rewrite,
	  "rewrite OLD NEW [port P] [peer-port P] [reqid N] [if_id N]\n"
	  "                 [mark N [mask N]] [dry-run]" },
	{ "clone", cmd_clone,
	  "clone NEWADDR from ADDR [ADDR...] [peer ADDR] [inner ADDR] [peer-inner ADDR]\n"
	  "        [port P] [peer-port P] [reqid N] [if_id N] [mark N [mask N]] [dry-run]\n"
	  "        sa SPI NEWSPI [proto esp|ah|comp] [dst ADDR] [enc HEXKEY] [auth HEXKEY]\n"
	  "           [port P] [peer-port P] [sa ...]" },
	{ "show", cmd_show, "show [ADDR]" },
	{ "alt", cmd_alt,
	  "alt set ADDR ALT [ALT...] [mark N [mask N]] [if_id N] | alt show\n"
	  "        | alt del ADDR [mark N [mask N]] [if_id N]" },
	{ "monitor", cmd_monitor, "monitor [count N]" },
	{ "ike", cmd_ike,
	  "ike [-s SOCKET] list [NAME] | status | up NAME [-w SECS] | down NAME\n"
	  "        | reload | interfaces | raw LINE" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: mifctl [-j] [-p] COMMAND [ARGS]\n"
		   "       mifctl -V | -h\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  mifctl %s\n", commands[i].usage);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("mifctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	return EXIT_USAGE;
}

int kernel_error(struct mifctl *ctl, const char *what, int err)
{
	if (ctl->nl.err[0])
		fprintf(stderr, "mifctl: %s: %s (%s)\n", what, ctl->nl.err,
			strerror(-err));
	else
		fprintf(stderr, "mifctl: %s: %s\n", what, strerror(-err));
	return EXIT_FAILED;
}

int connect_module(struct mifctl *ctl)
{
	int err = mifnl_open(&ctl->nl);

	if (err == -ENOENT) {
		fprintf(stderr, "mifctl: the xfrm_mif module is not loaded "
				"(modprobe xfrm_mif)\n");
		return EXIT_NOMODULE;
	}
	if (err) {
		fprintf(stderr, "mifctl: cannot open generic netlink: %s\n",
			strerror(-err));
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

/* An address argument: EXIT_OK, or EXIT_USAGE with a message. */
int parse_addr_arg(const char *arg, struct ip_addr *addr)
{
	if (ip_addr_parse(arg, addr))
		return usage_error("\"%s\" is not an IPv4 or IPv6 address", arg);
	return EXIT_OK;
}

void read_counts(struct nlattr **attrs, struct counts *c)
{
	c->states = attrs[XFRM_MIF_A_STATES] ?
		    nla_get_u32(attrs[XFRM_MIF_A_STATES]) : 0;
	c->policies = attrs[XFRM_MIF_A_POLICIES] ?
		      nla_get_u32(attrs[XFRM_MIF_A_POLICIES]) : 0;
}

/* "LABEL ADDR: N states, M policies", or with -j @obj (which may already
 * hold fields) completed with the address and counts. Consumes @obj. */
void print_counts(struct mifctl *ctl, struct json_object *obj, const char *label,
		  const struct ip_addr *addr, const struct counts *c)
{
	char buf[IP_ADDR_STRLEN];

	ip_addr_str(addr, buf, sizeof(buf));
	if (ctl->json) {
		json_object_object_add(obj, "address", json_object_new_string(buf));
		json_object_object_add(obj, "states", json_object_new_int64(c->states));
		json_object_object_add(obj, "policies", json_object_new_int64(c->policies));
		print_json(ctl, obj);
	} else {
		printf("%s %s: %u states, %u policies\n", label, buf, c->states,
		       c->policies);
	}
	json_object_put(obj);
}

/* As print_counts, for SAs moved from one address to another. */
void print_move(struct mifctl *ctl, struct json_object *obj, const char *label,
		const struct ip_addr *from, const struct ip_addr *to,
		const struct counts *c)
{
	char buf[IP_ADDR_STRLEN], tbuf[IP_ADDR_STRLEN];

	ip_addr_str(to, tbuf, sizeof(tbuf));
	if (ctl->json) {
		json_object_object_add(obj, "new_address", json_object_new_string(tbuf));
		print_counts(ctl, obj, label, from, c);
		return;
	}
	ip_addr_str(from, buf, sizeof(buf));
	printf("%s %s to %s: %u states, %u policies\n", label, buf, tbuf,
	       c->states, c->policies);
	json_object_put(obj);
}

int parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(s, &end, 0);
	if (errno || end == s || *end || n > UINT32_MAX || s[0] == '-')
		return -EINVAL;
	*v = (uint32_t)n;
	return 0;
}

/*
 * The filter keywords shared by the operations (reqid, if_id, mark, mask,
 * dry-run), at argv[*i]. Returns 1 when one was put into msg (with *i on
 * its last word), 0 when argv[*i] is not one, or EXIT_USAGE.
 */
int put_filter_arg(struct nl_msg *msg, const char *cmd, int argc, char **argv,
		   int *i, uint32_t *flags)
{
	const char *kw = argv[*i];
	uint32_t v;
	int attr;

	if (!strcmp(kw, "dry-run")) {
		*flags |= XFRM_MIF_OPF_DRY_RUN;
		return 1;
	}
	if (!strcmp(kw, "reqid"))
		attr = XFRM_MIF_A_REQID;
	else if (!strcmp(kw, "if_id"))
		attr = XFRM_MIF_A_IF_ID;
	else if (!strcmp(kw, "mark"))
		attr = XFRM_MIF_A_MARK;
	else if (!strcmp(kw, "mask"))
		attr = XFRM_MIF_A_MARK_MASK;
	else
		return 0;
	if (*i + 1 >= argc || parse_u32(argv[*i + 1], &v))
		return usage_error("%s: %s needs a number from 0 to %u", cmd, kw,
				   UINT32_MAX);
	nla_put_u32(msg, attr, v);
	(*i)++;
	return 1;
}

void print_json(struct mifctl *ctl, struct json_object *obj)
{
	int flags = ctl->pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN;

	puts(json_object_to_json_string_ext(obj, flags | JSON_C_TO_STRING_NOSLASHESCAPE));
}

int main(int argc, char **argv)
{
	struct mifctl ctl = { 0 };
	int opt, rc;

	while ((opt = getopt(argc, argv, "+jpVh")) != -1) {
		switch (opt) {
		case 'j':
			ctl.json = true;
			break;
		case 'p':
			ctl.pretty = true;
			break;
		case 'V':
			printf("mifctl %s\n", MIF_VERSION);
			return EXIT_OK;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[0], commands[i].name))
			continue;
		rc = commands[i].run(&ctl, argc, argv);
		mifnl_close(&ctl.nl);
		return rc;
	}
	return usage_error("unknown command \"%s\" (try mifctl -h)", argv[0]);
}
