// SPDX-License-Identifier: GPL-2.0
/*
 * mifctl: command-line tool for the xfrm_mif kernel module.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/xfrm_mif.h>

#include "mifctl.h"
#include "netns.h"

/* The verbs of the sa object: what the module does to SAs and policies. */
static const struct command sa_verbs[] = {
	{ "show", cmd_show, "show [ADDR]",
	  "The SAs and policies, grouped by the address they are bound to." },
	{ "delete", cmd_delete,
	  "delete ADDR [reqid N[/MASK]] [if_id N] [mark N [mask N]] [dry-run]",
	  "Delete every SA and policy bound to ADDR." },
	{ "rewrite", cmd_rewrite,
	  "rewrite OLD NEW [port P] [peer-port P] [reqid N[/MASK]] [if_id N]\n"
	  "           [mark N [mask N]] [dry-run]",
	  "Move every SA and policy bound to OLD to NEW." },
	{ "clone", cmd_clone,
	  "clone NEWADDR from ADDR [ADDR...] [peer ADDR] [inner ADDR] [peer-inner ADDR]\n"
	  "           [port P] [peer-port P] [reqid N[/MASK]] [if_id N] [mark N [mask N]]\n"
	  "           [dry-run]\n"
	  "           keys-file FILE|- [sa SPI NEWSPI [proto esp|ah|comp] [dst ADDR]\n"
	  "              [port P] [peer-port P] [sa ...]]\n"
	  "           FILE: sa SPI NEWSPI [proto P] [dst ADDR] [enc HEXKEY] [auth HEXKEY]\n"
	  "              [port P] [peer-port P], one a line",
	  "Copy the SAs and policies bound to the ADDRs onto NEWADDR." },
};

#define N_SA_VERBS (sizeof(sa_verbs) / sizeof(sa_verbs[0]))

static int cmd_sa(struct mifctl *ctl, int argc, char **argv);

/* The objects, as ip's: mifctl OBJECT [VERB] [ARGS]. */
static const struct command commands[] = {
	{ "info", cmd_info, "info",
	  "The module's netlink API version and the operations it supports." },
	{ "sa", cmd_sa, NULL,
	  "The SAs and policies bound to an address: show, delete, move\n"
	  "(rewrite) or copy (clone) them in one call." },
	{ "alt", cmd_alt,
	  "alt set ADDR ALT [ALT...] [mark N [mask N]] [if_id N] [reqid N[/MASK]]\n"
	  "  mifctl alt show\n"
	  "  mifctl alt del ADDR [mark N [mask N]] [if_id N] [reqid N[/MASK]]",
	  "The alternate addresses the module fails over to when ADDR goes." },
	{ "monitor", cmd_monitor, "monitor [count N]",
	  "Print the module's events as they come." },
	{ "ike", cmd_ike,
	  "ike [-s SOCKET] list [NAME] | status | up NAME [-w SECS] | down NAME\n"
	  "        | rekey NAME | reload | interfaces | raw LINE",
	  "Ask mifd, over its control socket; needs no kernel module." },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find(const struct command *t, size_t n,
				  const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(name, t[i].name))
			return &t[i];
	return NULL;
}

/* The usage of one command, the sa object's a verb a line. */
static void print_usage(FILE *f, const char *indent, const struct command *c)
{
	if (c->usage) {
		fprintf(f, "%smifctl %s\n", indent, c->usage);
		return;
	}
	for (size_t i = 0; i < N_SA_VERBS; i++)
		fprintf(f, "%smifctl sa %s\n", indent, sa_verbs[i].usage);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: mifctl [-j] [-p] [-n NETNS] OBJECT [VERB] [ARGS]\n"
		   "       mifctl [-j] [-p] [-n NETNS] [-f] -b FILE|-\n"
		   "       mifctl help [OBJECT [VERB]]\n"
		   "       mifctl -V | --version | -h | --help\n\nObjects and verbs:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		print_usage(f, "  ", &commands[i]);
	fprintf(f, "\nmifctl show|delete|rewrite|clone ARGS, without sa, is still\n"
		   "mifctl sa show|delete|rewrite|clone ARGS.\n\nSee mifctl(8).\n");
}

/*
 * mifctl sa VERB ARGS; and the verbs alone, mifctl VERB ARGS, as mifctl
 * had them before the sa object: the same command then.
 */
static int cmd_sa(struct mifctl *ctl, int argc, char **argv)
{
	const struct command *v;

	if (argc < 2)
		return usage_error("sa needs a verb: show, delete, rewrite, clone");
	v = find(sa_verbs, N_SA_VERBS, argv[1]);
	if (!v)
		return usage_error("sa: unknown verb \"%s\" (show, delete, "
				   "rewrite, clone)", argv[1]);
	return v->run(ctl, argc - 1, argv + 1);
}

/* mifctl help [OBJECT [VERB]]: the usage of all commands or of one. */
static int help(int argc, char **argv)
{
	const struct command *c, *v = NULL;

	if (argc == 1) {
		usage(stdout);
		return EXIT_OK;
	}
	c = find(commands, N_COMMANDS, argv[1]);
	if (!c)
		v = find(sa_verbs, N_SA_VERBS, argv[1]);	/* old form */
	if (c == &commands[1] && argc == 3) {
		v = find(sa_verbs, N_SA_VERBS, argv[2]);
		if (!v)
			return usage_error("help: sa has no verb \"%s\" (show, "
					   "delete, rewrite, clone)", argv[2]);
	} else if (argc > 2) {
		return usage_error("help takes at most one command");
	}
	if (v) {
		printf("Usage: mifctl sa %s\n\n%s\n\nSee mifctl(8).\n", v->usage,
		       v->summary);
		return EXIT_OK;
	}
	if (!c)
		return usage_error("help: unknown command \"%s\" (try mifctl help)",
				   argv[1]);
	print_usage(stdout, c == &commands[1] ? "" : "Usage: ", c);
	printf("\n%s\n\nSee mifctl(8).\n", c->summary);
	return EXIT_OK;
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

/* The attribute of each F_* number; the reqid mask has no keyword. */
static const struct {
	const char *kw;
	int attr;
} filter_kws[FILTER_NUMS] = {
	[F_REQID] = { "reqid", XFRM_MIF_A_REQID },
	[F_IF_ID] = { "if_id", XFRM_MIF_A_IF_ID },
	[F_MARK] = { "mark", XFRM_MIF_A_MARK },
	[F_MASK] = { "mask", XFRM_MIF_A_MARK_MASK },
	[F_REQID_MASK] = { NULL, XFRM_MIF_A_REQID_MASK },
};

/* "N" or "N/MASK", each as parse_u32 reads it: 0 or -EINVAL. */
static int parse_u32_masked(const char *s, uint32_t *v, uint32_t *mask,
			    bool *has_mask)
{
	const char *slash = strchr(s, '/');
	char num[32];

	*has_mask = slash != NULL;
	if (!slash)
		return parse_u32(s, v);
	if ((size_t)(slash - s) >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, (size_t)(slash - s));
	num[slash - s] = '\0';
	if (parse_u32(num, v) || parse_u32(slash + 1, mask))
		return -EINVAL;
	return 0;
}

/*
 * The filter keywords shared by the operations (reqid N[/MASK], if_id,
 * mark, mask, dry-run), at argv[*i]. Returns 1 when one was read into @f
 * (with *i on its last word), 0 when argv[*i] is not one, or EXIT_USAGE.
 */
int parse_filter_arg(struct filter *f, const char *cmd, int argc, char **argv,
		     int *i)
{
	const char *kw = argv[*i];
	int k;

	if (!strcmp(kw, "dry-run")) {
		f->flags |= XFRM_MIF_OPF_DRY_RUN;
		return 1;
	}
	for (k = 0; k < FILTER_NUMS; k++)
		if (filter_kws[k].kw && !strcmp(kw, filter_kws[k].kw))
			break;
	if (k == FILTER_NUMS)
		return 0;
	if (k == F_REQID) {
		if (*i + 1 >= argc ||
		    parse_u32_masked(argv[*i + 1], &f->num[k],
				     &f->num[F_REQID_MASK],
				     &f->has_num[F_REQID_MASK]))
			return usage_error("%s: reqid needs a number from 0 to %u, "
					   "or NUMBER/MASK", cmd, UINT32_MAX);
	} else if (*i + 1 >= argc || parse_u32(argv[*i + 1], &f->num[k])) {
		return usage_error("%s: %s needs a number from 0 to %u", cmd, kw,
				   UINT32_MAX);
	}
	f->has_num[k] = true;
	(*i)++;
	return 1;
}

/* What parse_filter_arg read, into the request: 0 or -ENOMEM. */
int put_filter(struct nl_msg *msg, const struct filter *f)
{
	for (int k = 0; k < FILTER_NUMS; k++)
		if (f->has_num[k] && nla_put_u32(msg, filter_kws[k].attr, f->num[k]))
			return -ENOMEM;
	if (f->flags && nla_put_u32(msg, XFRM_MIF_A_FLAGS, f->flags))
		return -ENOMEM;
	return 0;
}

void print_json(struct mifctl *ctl, struct json_object *obj)
{
	int flags = ctl->pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN;

	puts(json_object_to_json_string_ext(obj, flags | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* One command, its words in argv[0..argc); the module's socket closed
 * after it, so that a batch opens one per command as a process would. */
int run_command(struct mifctl *ctl, int argc, char **argv)
{
	const struct command *c;
	int rc;

	if (!strcmp(argv[0], "help"))
		return help(argc, argv);
	c = find(commands, N_COMMANDS, argv[0]);
	if (!c)
		c = find(sa_verbs, N_SA_VERBS, argv[0]);
	if (!c)
		return usage_error("unknown command \"%s\" (try mifctl help)",
				   argv[0]);
	rc = c->run(ctl, argc, argv);
	mifnl_close(&ctl->nl);
	return rc;
}

/* -n NETNS: into that network namespace, as ip -n does, before any
 * socket is opened. */
static int enter_netns(const char *name)
{
	int err = netns_enter(name);

	if (err) {
		fprintf(stderr, "mifctl: network namespace %s: %s\n", name,
			strerror(-err));
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "batch", required_argument, NULL, 'b' },
		{ "force", no_argument, NULL, 'f' },
		{ "netns", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *batch = NULL, *netns = NULL;
	struct mifctl ctl = { 0 };
	bool force = false;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "+jpb:fn:Vh", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			ctl.json = true;
			break;
		case 'p':
			ctl.pretty = true;
			break;
		case 'b':
			batch = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'n':
			netns = optarg;
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
	if (batch && argc > 0)
		return usage_error("-b FILE takes its commands from FILE, not "
				   "from the command line");
	if (force && !batch)
		return usage_error("-f goes with -b FILE");
	if (!batch && argc < 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (netns) {
		rc = enter_netns(netns);
		if (rc)
			return rc;
	}
	if (batch)
		return run_batch(&ctl, batch, force);
	return run_command(&ctl, argc, argv);
}
