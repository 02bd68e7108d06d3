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
#define KEYS_FILE_MAX (64u << 20)	/* 300,000 entries with two keys */
#define LINE_WORDS 32

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
	struct filter f;		/* reqid, if_id, mark, mask, dry-run */
	int port, peer_port;		/* for every ESP SA; -1: not given */
	const char *keys_file;		/* "-": standard input */
	bool stdin_taken;		/* -b -: the batch reads it */
	struct sa_arg *sa;		/* nsa of cap, keys wiped before freed */
	int nsa, cap;
};

/* An address after keyword argv[i]: EXIT_OK or EXIT_USAGE. */
static int addr_after(const char *where, int argc, char **argv, int i,
		      struct ip_addr *a)
{
	if (i + 1 >= argc)
		return usage_error("%s: %s needs an address", where, argv[i]);
	return parse_addr_arg(argv[i + 1], a);
}

/* "sa SPI NEWSPI" at argv[*i]: a new entry, *i on NEWSPI. */
static int new_sa(struct clone_args *a, const char *where, int argc,
		  char **argv, int *i, struct sa_arg **out)
{
	struct sa_arg *sa;

	if (a->nsa == a->cap)
		return usage_error("%s: too many sa entries", where);
	sa = &a->sa[a->nsa++];
	sa->proto = IPPROTO_ESP;
	sa->enc_len = sa->auth_len = -1;
	sa->port = sa->peer_port = -1;
	if (*i + 2 >= argc || parse_num(argv[*i + 1], &sa->spi) ||
	    parse_num(argv[*i + 2], &sa->new_spi))
		return usage_error("%s: sa needs an SPI and a new SPI", where);
	*i += 2;
	*out = sa;
	return EXIT_OK;
}

/*
 * A keyword of an sa entry at argv[*i] (proto, dst, enc, auth, port,
 * peer-port): 1 with *i on its value, 0 if argv[*i] is none, or
 * EXIT_USAGE. Keys only where @keys (in the keys file).
 */
static int sa_keyword(struct sa_arg *sa, const char *where, bool keys,
		      int argc, char **argv, int *i)
{
	const char *kw = argv[*i], *v;
	int *len, rc;

	if (strcmp(kw, "proto") && strcmp(kw, "dst") && strcmp(kw, "enc") &&
	    strcmp(kw, "auth") && strcmp(kw, "port") && strcmp(kw, "peer-port"))
		return 0;
	if ((!strcmp(kw, "enc") || !strcmp(kw, "auth")) && !keys)
		return usage_error("%s: no keys on the command line, where ps "
				   "and the shell's history show them: put the "
				   "sa entries with their keys in a file, "
				   "keys-file FILE (- for standard input)", where);
	if (!sa)
		return usage_error("%s: %s belongs to an sa", where, kw);
	if (*i + 1 >= argc)
		return usage_error("%s: %s needs a value", where, kw);
	v = argv[++*i];
	if (!strcmp(kw, "dst")) {
		rc = parse_addr_arg(v, &sa->dst);
		if (rc)
			return rc;
		sa->has_dst = true;
	} else if (!strcmp(kw, "proto")) {
		if (parse_proto(v, &sa->proto))
			return usage_error("%s: proto is esp, ah or comp", where);
	} else if (!strcmp(kw, "port") || !strcmp(kw, "peer-port")) {
		if (parse_port(v, kw[1] == 'e' ? &sa->peer_port : &sa->port))
			return usage_error("%s: %s needs a UDP port from 0 to 65535",
					   where, kw);
	} else {
		len = kw[0] == 'e' ? &sa->enc_len : &sa->auth_len;
		*len = parse_hex(v, kw[0] == 'e' ? sa->enc : sa->auth);
		if (*len < 0)
			return usage_error("%s: %s needs a key of hexadecimal "
					   "digits, at most %d bytes", where, kw,
					   KEY_MAX);
	}
	return 1;
}

static int parse_args(struct clone_args *a, int argc, char **argv)
{
	struct sa_arg *sa = NULL;
	int i, rc;

	if (argc < 2)
		return usage_error("clone needs the new address");
	rc = parse_addr_arg(argv[1], &a->to);
	if (rc)
		return rc;
	for (i = 2; i < argc; i++) {
		const char *kw = argv[i];

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
			rc = addr_after("clone", argc, argv, i++, x);
			if (rc)
				return rc;
			*has = true;
			continue;
		}
		if (!strcmp(kw, "keys-file")) {
			if (a->keys_file)
				return usage_error("clone: keys-file given twice");
			if (i + 1 >= argc)
				return usage_error("clone: keys-file needs a file, "
						   "or - for standard input");
			a->keys_file = argv[++i];
			continue;
		}
		if (!strcmp(kw, "sa")) {
			rc = new_sa(a, "clone", argc, argv, &i, &sa);
			if (rc)
				return rc;
			continue;
		}
		if (!sa && (!strcmp(kw, "port") || !strcmp(kw, "peer-port"))) {
			/* before the first sa: every SA's; after one: its own */
			int *port = kw[1] == 'e' ? &a->peer_port : &a->port;

			if (i + 1 >= argc || parse_port(argv[i + 1], port))
				return usage_error("clone: %s needs a UDP port from 0 to 65535",
						   kw);
			i++;
			continue;
		}
		rc = sa_keyword(sa, "clone", false, argc, argv, &i);
		if (rc == 1)
			continue;
		if (rc)
			return rc;
		rc = parse_filter_arg(&a->f, "clone", argc, argv, &i);
		if (rc == 1)
			continue;
		if (rc)
			return rc;
		return usage_error("clone: unknown keyword \"%s\"", kw);
	}
	if (!a->nfrom)
		return usage_error("clone: from needs at least one address");
	return EXIT_OK;
}

/*
 * The whole of @f, NUL-terminated, in *buf (wipe and free it), its length
 * in *len: 0, -EFBIG, -ENOMEM or -errno. A grown buffer is copied and the
 * old one wiped, never realloc()ed: no copy of a key is left behind.
 */
static int read_secret(FILE *f, char **buf, size_t *len)
{
	size_t cap = 4096, n = 0, r;
	char *b = malloc(cap), *nb;

	if (!b)
		return -ENOMEM;
	while ((r = fread(b + n, 1, cap - 1 - n, f)) > 0) {
		n += r;
		if (n < cap - 1)
			continue;
		if (cap >= KEYS_FILE_MAX) {
			explicit_bzero(b, cap);
			free(b);
			return -EFBIG;
		}
		nb = malloc(cap * 2);
		if (!nb) {
			explicit_bzero(b, cap);
			free(b);
			return -ENOMEM;
		}
		memcpy(nb, b, n);
		explicit_bzero(b, cap);
		free(b);
		b = nb;
		cap *= 2;
	}
	if (ferror(f)) {
		explicit_bzero(b, cap);
		free(b);
		return -EIO;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* One line of the keys file: "sa SPI NEWSPI [keyword value]...". */
static int keys_line(struct clone_args *a, char *line, const char *where)
{
	char *argv[LINE_WORDS], *save = NULL, *w;
	struct sa_arg *sa = NULL;
	int argc = 0, i, rc;

	*strchrnul(line, '#') = '\0';
	for (w = strtok_r(line, " \t\r", &save); w;
	     w = strtok_r(NULL, " \t\r", &save)) {
		if (argc == LINE_WORDS)
			return usage_error("%s: more than %d words", where,
					   LINE_WORDS);
		argv[argc++] = w;
	}
	if (!argc)
		return EXIT_OK;
	if (strcmp(argv[0], "sa"))
		return usage_error("%s: \"%s\": a line is one sa entry, "
				   "sa SPI NEWSPI ...", where, argv[0]);
	i = 0;
	rc = new_sa(a, where, argc, argv, &i, &sa);
	for (i++; !rc && i < argc; i++) {
		rc = sa_keyword(sa, where, true, argc, argv, &i);
		if (!rc)
			return usage_error("%s: unknown keyword \"%s\" in an sa "
					   "entry", where, argv[i]);
		if (rc == 1)
			rc = EXIT_OK;
	}
	return rc;
}

/*
 * keys-file FILE: its sa entries, one a line, after those of the command
 * line; the file is wiped once read.
 */
static int read_keys_file(struct clone_args *a)
{
	const char *name = a->keys_file;
	bool std = !strcmp(name, "-");
	char where[256], *buf, *line, *next;
	struct sa_arg *sa;
	size_t len;
	int n = 1, rc = EXIT_OK, err;
	FILE *f;

	if (std && a->stdin_taken)
		return usage_error("clone: keys-file -: standard input holds the "
				   "batch; name a file");
	f = std ? stdin : fopen(name, "re");
	if (!f)
		return usage_error("clone: keys-file %s: %s", name,
				   strerror(errno));
	err = read_secret(f, &buf, &len);
	if (!std)
		fclose(f);
	if (err)
		return usage_error("clone: keys-file %s: %s", name,
				   err == -EFBIG ? "larger than 64 MiB" :
				   strerror(-err));
	/* Room for every line, as an sa entry at most. */
	for (line = buf; line; line = strchr(line + 1, '\n'))
		n++;
	sa = calloc((size_t)(a->cap + n), sizeof(*sa));
	if (!sa) {
		rc = usage_error("clone: keys-file %s: %s", name,
				 strerror(ENOMEM));
		goto out;
	}
	memcpy(sa, a->sa, (size_t)a->nsa * sizeof(*sa));	/* no keys yet */
	free(a->sa);
	a->sa = sa;
	a->cap += n;
	for (line = buf, n = 1; line && !rc; line = next, n++) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		snprintf(where, sizeof(where), "clone: keys-file %s line %d",
			 std ? "(standard input)" : name, n);
		rc = keys_line(a, line, where);
	}
out:
	explicit_bzero(buf, len);
	free(buf);
	return rc;
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

static struct nl_msg *build_msg(struct mifctl *ctl, const struct clone_args *a)
{
	struct mifnl_clones clones = { 0 };
	struct nlattr *list;
	struct nl_msg *msg;
	int i;

	msg = mifnl_msg_size(&ctl->nl, XFRM_MIF_CMD_CLONE, msg_size(a));
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
	if (put_filter(msg, &a->f))
		goto nomem;
	if (put_port(msg, XFRM_MIF_A_ENCAP_PORT, a->port) ||
	    put_port(msg, XFRM_MIF_A_ENCAP_PEER_PORT, a->peer_port))
		goto nomem;
	for (i = 0; i < a->nsa; i++)
		if (mifnl_clones_next(msg, &clones) || put_sa(msg, &a->sa[i]))
			goto nomem;
	if (mifnl_clones_end(msg, &clones))
		goto nomem;
	return msg;

nomem:
	nlmsg_free(msg);
	return NULL;
}

int cmd_clone(struct mifctl *ctl, int argc, char **argv)
{
	struct clone_args a = { .port = -1, .peer_port = -1,
				.stdin_taken = ctl->stdin_taken };
	struct clone_reply r = { 0 };
	char buf[IP_ADDR_STRLEN];
	struct json_object *o;
	struct nl_msg *msg;
	bool dry_run;
	int rc, err;

	a.cap = argc;
	a.sa = calloc(a.cap, sizeof(*a.sa));
	if (!a.sa)
		return kernel_error(ctl, "clone", -ENOMEM);
	rc = parse_args(&a, argc, argv);
	if (!rc && a.keys_file)
		rc = read_keys_file(&a);
	if (!rc)
		rc = connect_module(ctl);
	if (rc) {
		explicit_bzero(a.sa, (size_t)a.cap * sizeof(*a.sa));
		free(a.sa);
		return rc;
	}
	msg = build_msg(ctl, &a);
	explicit_bzero(a.sa, (size_t)a.cap * sizeof(*a.sa));	/* keys */
	free(a.sa);
	if (!msg)
		return kernel_error(ctl, "clone", -ENOMEM);
	err = mifnl_request(&ctl->nl, msg, on_reply, &r);
	if (err)
		return kernel_error(ctl, "clone", err);

	dry_run = a.f.flags & XFRM_MIF_OPF_DRY_RUN;
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
