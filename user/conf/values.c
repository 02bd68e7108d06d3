// SPDX-License-Identifier: GPL-2.0
/*
 * mifd.conf: the values of keys (see docs/mifd.conf.5): numbers,
 * durations, hex, identities, proposals, traffic selectors and
 * interfaces. conf.c reads the file and hands each key's value to these,
 * which report a bad one through conf_error().
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/conf.h"
#include "conf/values.h"
#include "crypto/transforms.h"
#include "engine/identity.h"
#include "engine/selector.h"
#include "ike/constants.h"

#define error(x, ...) conf_error(x, __VA_ARGS__)

/* Values. */

char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") ||
	    !strcmp(v, "1") || !strcasecmp(v, "on")) {
		*out = true;
		return 0;
	}
	if (!strcasecmp(v, "no") || !strcasecmp(v, "false") ||
	    !strcmp(v, "0") || !strcasecmp(v, "off")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

int parse_ulong(const char *v, unsigned long long max,
		unsigned long long *out)
{
	char *end;
	unsigned long long n;

	if (!isdigit((unsigned char)*v))
		return -EINVAL;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end || n > max)
		return -EINVAL;
	*out = n;
	return 0;
}

/*
 * A duration: decimal digits, with a fraction after a point if any
 * ("0.5"), then an optional unit ms, s, m, h or d (the default unit is
 * unit_ms). No sign, spaces, exponent or hexadecimal. Into milliseconds.
 */
int parse_duration(const char *v, uint64_t unit_ms, uint64_t *ms)
{
	const char *p = v;
	char *end;
	double d;
	uint64_t mult = unit_ms;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return -EINVAL;
		while (isdigit((unsigned char)*p))
			p++;
	}
	errno = 0;
	d = strtod(v, &end);
	if (errno || d < 0 || end != p)
		return -EINVAL;
	if (!strcmp(end, "ms"))
		mult = 1;
	else if (!strcmp(end, "s"))
		mult = 1000;
	else if (!strcmp(end, "m"))
		mult = 60000;
	else if (!strcmp(end, "h"))
		mult = 3600000;
	else if (!strcmp(end, "d"))
		mult = 86400000;
	else if (*end)
		return -EINVAL;
	d *= (double)mult;
	if (d > 1e15)
		return -EINVAL;
	*ms = (uint64_t)(d + 0.5);
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "0x..." into bytes; -EINVAL if not hex, -E2BIG if longer than max. */
int parse_hex(const char *v, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(v);

	if (n % 2)
		return -EINVAL;
	if (n / 2 > max)
		return -E2BIG;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval((unsigned char)v[i]);
		int lo = hexval((unsigned char)v[i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

/* Identities. */

void id_from_addr(struct conn_id *id, const struct ip_addr *a)
{
	id->type = a->family == AF_INET ? IKE_ID_IPV4_ADDR : IKE_ID_IPV6_ADDR;
	id->len = ip_addr_len(a);
	memcpy(id->data, a->bytes, id->len);
}

int parse_id(struct ctx *x, const char *key, const char *v,
	     struct conn_id *id)
{
	const char *colon = strchr(v, ':');
	struct ip_addr a;
	size_t len;

	memset(id, 0, sizeof(*id));
	if (!strncmp(v, "ip:", 3)) {
		if (ip_addr_parse(v + 3, &a)) {
			error(x, "%s: \"%s\" is not an IP address", key, v + 3);
			return -EINVAL;
		}
		id_from_addr(id, &a);
		return 0;
	}
	if (!strncmp(v, "dn:", 3)) {
		int ret = identity_dn_parse(v + 3, id);

		if (ret)
			error(x, "%s: \"%s\" is not a distinguished name "
			      "(ATTR=VALUE, ... with ATTR one of C, ST, L, O, "
			      "OU, CN, SN, GN, title, serialNumber, UID, DC, "
			      "E)%s", key, v + 3,
			      ret == -E2BIG ? ", or it is too long" : "");
		return ret;
	}
	if (!strncmp(v, "fqdn:", 5)) {
		id->type = IKE_ID_FQDN;
		v += 5;
	} else if (!strncmp(v, "email:", 6)) {
		id->type = IKE_ID_RFC822_ADDR;
		v += 6;
	} else if (!ip_addr_parse(v, &a)) {
		id_from_addr(id, &a);
		return 0;
	} else if (colon && !strchr(v, '@')) {
		error(x, "%s: unknown identity type \"%.*s:\" (ip:, fqdn:, "
		      "email: or dn:)", key, (int)(colon - v), v);
		return -EINVAL;
	} else {
		id->type = strchr(v, '@') ? IKE_ID_RFC822_ADDR : IKE_ID_FQDN;
	}
	len = strlen(v);
	if (!len || len > sizeof(id->data)) {
		error(x, "%s: identity must be 1 to %zu characters", key,
		      sizeof(id->data));
		return -EINVAL;
	}
	memcpy(id->data, v, len);
	id->len = len;
	return 0;
}

/* Proposals. */

struct alias {
	const char *name;
	const char *canon;
};

static const struct alias aliases[] = {
	{ "aes128gcm", "aes128gcm16" }, { "aes256gcm", "aes256gcm16" },
	{ "aes128gcm128", "aes128gcm16" }, { "aes256gcm128", "aes256gcm16" },
	{ "prf_sha256", "prfsha256" }, { "prf_sha384", "prfsha384" },
	{ "prf_sha512", "prfsha512" }, { "prfsha2_256", "prfsha256" },
	{ "sha2_256", "sha256" }, { "sha2_384", "sha384" },
	{ "sha2_512", "sha512" }, { "x25519", "curve25519" },
	{ "x448", "curve448" },
	{ "ecp256", "ecp256" }, { "modp2048", "modp2048" },
};

static const struct transform *find_transform(const char *name)
{
	size_t n;
	const struct transform *t = transform_table(&n);

	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcasecmp(name, aliases[i].name)) {
			name = aliases[i].canon;
			break;
		}
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(t[i].name, name))
			return &t[i];
	return NULL;
}

static const struct transform *prf_for_integ(const struct transform *integ)
{
	unsigned int id;

	switch (integ->id) {
	case IKE_INTEG_HMAC_SHA2_384_192:
		id = IKE_PRF_HMAC_SHA2_384;
		break;
	case IKE_INTEG_HMAC_SHA2_512_256:
		id = IKE_PRF_HMAC_SHA2_512;
		break;
	default:
		id = IKE_PRF_HMAC_SHA2_256;
	}
	return transform_find(IKE_XF_PRF, id, 0);
}

static int add_xf(struct ctx *x, const char *key, struct conn_proposal *p,
		  uint8_t type, uint16_t id, uint16_t bits)
{
	for (unsigned int i = 0; i < p->n; i++)
		if (p->xf[i].type == type && p->xf[i].id == id &&
		    p->xf[i].key_len == bits)
			return 0;
	if (p->n == CONN_MAX_TRANSFORMS) {
		error(x, "%s: more than %d algorithms in one proposal", key,
		      CONN_MAX_TRANSFORMS);
		return -E2BIG;
	}
	p->xf[p->n].type = type;
	p->xf[p->n].id = id;
	p->xf[p->n].key_len = bits;
	p->xf[p->n].unknown_attr = false;
	p->n++;
	return 0;
}

static bool has_type(const struct conn_proposal *p, uint8_t type)
{
	for (unsigned int i = 0; i < p->n; i++)
		if (p->xf[i].type == type)
			return true;
	return false;
}

/* One proposal "alg-alg-...", for IKE or ESP. */
static int parse_proposal(struct ctx *x, const char *key, char *text,
			  bool esp, struct conn_proposal *p)
{
	const struct transform *ts[CONN_MAX_TRANSFORMS];
	unsigned int n = 0, n_aead = 0, n_cipher = 0, n_integ = 0;
	unsigned int n_prf = 0, n_dh = 0;
	int esn = -1;
	char *save = NULL, *tok;

	memset(p, 0, sizeof(*p));
	for (tok = strtok_r(text, "-", &save); tok;
	     tok = strtok_r(NULL, "-", &save)) {
		const struct transform *t;

		tok = trim(tok);
		if (esp && (!strcasecmp(tok, "esn") || !strcasecmp(tok, "noesn"))) {
			if (esn >= 0 && esn != !strcasecmp(tok, "esn"))
				esn = 2;	/* both */
			else
				esn = !strcasecmp(tok, "esn");
			continue;
		}
		t = find_transform(tok);
		if (!t) {
			error(x, "%s: unknown algorithm \"%s\"", key, tok);
			return -EINVAL;
		}
		if (esp && t->type == IKE_XF_PRF) {
			error(x, "%s: \"%s\" is a PRF, which ESP does not use",
			      key, tok);
			return -EINVAL;
		}
		if (n == CONN_MAX_TRANSFORMS) {
			error(x, "%s: too many algorithms in one proposal", key);
			return -E2BIG;
		}
		ts[n++] = t;
		switch (t->type) {
		case IKE_XF_ENCR:
			if (t->aead)
				n_aead++;
			else
				n_cipher++;
			break;
		case IKE_XF_INTEG:
			n_integ++;
			break;
		case IKE_XF_PRF:
			n_prf++;
			break;
		case IKE_XF_DH:
			n_dh++;
			break;
		default:
			break;
		}
	}
	if (!n_aead && !n_cipher) {
		error(x, "%s: proposal without an encryption algorithm", key);
		return -EINVAL;
	}
	if (n_aead && n_cipher) {
		error(x, "%s: a proposal cannot mix AEAD (GCM, ChaCha20-Poly1305) "
		      "and plain ciphers; write two proposals", key);
		return -EINVAL;
	}
	if (n_aead && n_integ) {
		error(x, "%s: an AEAD cipher takes no integrity algorithm", key);
		return -EINVAL;
	}
	if (n_cipher && !n_integ) {
		error(x, "%s: a cipher without AEAD needs an integrity "
		      "algorithm (e.g. aes128-sha256)", key);
		return -EINVAL;
	}
	if (!esp && !n_dh) {
		error(x, "%s: an IKE proposal needs a Diffie-Hellman group "
		      "(e.g. x25519, ecp256, modp2048)", key);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < n; i++)
		if (ts[i]->type == IKE_XF_ENCR &&
		    add_xf(x, key, p, IKE_XF_ENCR, ts[i]->id, ts[i]->key_bits))
			return -E2BIG;
	if (!esp) {
		for (unsigned int i = 0; i < n; i++)
			if (ts[i]->type == IKE_XF_PRF &&
			    add_xf(x, key, p, IKE_XF_PRF, ts[i]->id, 0))
				return -E2BIG;
		if (!n_prf) {
			/* As strongSwan: the PRF follows the integrity
			 * algorithm, or is HMAC-SHA-256 for an AEAD. */
			for (unsigned int i = 0; i < n; i++)
				if (ts[i]->type == IKE_XF_INTEG &&
				    add_xf(x, key, p, IKE_XF_PRF,
					   prf_for_integ(ts[i])->id, 0))
					return -E2BIG;
			if (!has_type(p, IKE_XF_PRF) &&
			    add_xf(x, key, p, IKE_XF_PRF,
				   IKE_PRF_HMAC_SHA2_256, 0))
				return -E2BIG;
		}
	}
	for (unsigned int i = 0; i < n; i++)
		if (ts[i]->type == IKE_XF_INTEG &&
		    add_xf(x, key, p, IKE_XF_INTEG, ts[i]->id, 0))
			return -E2BIG;
	for (unsigned int i = 0; i < n; i++)
		if (ts[i]->type == IKE_XF_DH &&
		    add_xf(x, key, p, IKE_XF_DH, ts[i]->id, 0))
			return -E2BIG;
	if (esp) {
		if (esn == 1 || esn == 2) {
			if (add_xf(x, key, p, IKE_XF_ESN, IKE_ESN_YES, 0))
				return -E2BIG;
		}
		if (esn != 1 && add_xf(x, key, p, IKE_XF_ESN, IKE_ESN_NO, 0))
			return -E2BIG;
	}
	return 0;
}

/*
 * A comma-separated list: each item, trimmed, to item(); empty items are
 * skipped; at most max items (many names them), at least one (one does).
 */
static int parse_list(struct ctx *x, const char *key, const char *v,
		      unsigned int max, const char *many, const char *one,
		      int (*item)(struct ctx *x, const char *key, char *text,
				  unsigned int i, void *arg),
		      void *arg, unsigned int *n)
{
	char buf[CONF_LINE_MAX + 1];
	char *save = NULL, *tok;

	if (strlen(v) >= sizeof(buf)) {
		error(x, "%s: value too long", key);
		return -E2BIG;
	}
	strcpy(buf, v);
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		tok = trim(tok);
		if (!*tok)
			continue;
		if (*n == max) {
			error(x, "%s: more than %u %s", key, max, many);
			return -E2BIG;
		}
		if (item(x, key, tok, *n, arg))
			return -EINVAL;
		(*n)++;
	}
	if (!*n) {
		error(x, "%s: no %s", key, one);
		return -EINVAL;
	}
	return 0;
}

struct proposals_arg {
	bool esp;
	struct conn_proposal *out;
};

static int proposal_item(struct ctx *x, const char *key, char *text,
			 unsigned int i, void *arg)
{
	struct proposals_arg *pa = arg;

	return parse_proposal(x, key, text, pa->esp, &pa->out[i]);
}

int parse_proposals(struct ctx *x, const char *key, const char *v,
		    bool esp, struct conn_proposal *out, unsigned int *n)
{
	struct proposals_arg pa = { .esp = esp, .out = out };

	return parse_list(x, key, v, CONN_MAX_PROPOSALS, "proposals",
			  "proposal", proposal_item, &pa, n);
}

/* Traffic selectors. */

void sel_from_prefix(struct ike_selector *s, const struct ip_addr *a,
		     unsigned int plen)
{
	size_t alen = ip_addr_len(a);

	memset(s, 0, sizeof(*s));
	s->type = a->family == AF_INET ? IKE_TS_IPV4_ADDR_RANGE :
					 IKE_TS_IPV6_ADDR_RANGE;
	s->end_port = 65535;
	for (size_t i = 0; i < alen; i++) {
		unsigned int bits = plen > i * 8 ? plen - i * 8 : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));

		s->start[i] = a->bytes[i] & mask;
		s->end[i] = a->bytes[i] | (uint8_t)~mask;
	}
}

static int parse_proto(const char *p, uint8_t *proto)
{
	unsigned long long n;

	if (!strcasecmp(p, "any") || !*p)
		*proto = 0;
	else if (!strcasecmp(p, "tcp"))
		*proto = 6;
	else if (!strcasecmp(p, "udp"))
		*proto = 17;
	else if (!strcasecmp(p, "icmp"))
		*proto = 1;
	else if (!strcasecmp(p, "ipv6-icmp") || !strcasecmp(p, "icmp6"))
		*proto = 58;
	else if (!strcasecmp(p, "sctp"))
		*proto = 132;
	else if (!parse_ulong(p, 255, &n))
		*proto = (uint8_t)n;
	else
		return -EINVAL;
	return 0;
}

/* "PREFIX[/LEN][[PROTO[/PORT[-PORT]]]]" */
static int parse_selector(struct ctx *x, const char *key, char *text,
			  struct ike_selector *s)
{
	struct port_block blocks[SEL_PORT_BLOCKS];
	char *br = strchr(text, '['), *slash;
	struct ip_addr a;
	unsigned long long plen, lo = 0, hi = 65535;
	uint8_t proto = 0;

	if (br) {
		char *close = strchr(br, ']'), *port;

		if (!close || close[1]) {
			error(x, "%s: \"%s\": expected PREFIX[PROTO/PORT]", key,
			      text);
			return -EINVAL;
		}
		*close = '\0';
		*br = '\0';
		port = strchr(br + 1, '/');
		if (port)
			*port++ = '\0';
		if (parse_proto(trim(br + 1), &proto)) {
			error(x, "%s: unknown protocol \"%s\"", key, br + 1);
			return -EINVAL;
		}
		if (port && *port && strcasecmp(port, "any")) {
			char *dash = strchr(port, '-');

			if (dash)
				*dash = '\0';
			if (parse_ulong(port, 65535, &lo) ||
			    (dash && parse_ulong(dash + 1, 65535, &hi)) ||
			    (dash && hi < lo)) {
				error(x, "%s: bad port or port range", key);
				return -EINVAL;
			}
			if (!dash)
				hi = lo;
			if (proto != 6 && proto != 17 && proto != 132) {
				error(x, "%s: ports need protocol tcp, udp "
				      "or sctp", key);
				return -EINVAL;
			}
			if (!port_blocks((uint16_t)lo, (uint16_t)hi, blocks,
					 SEL_PORT_BLOCKS)) {
				error(x, "%s: port range %llu-%llu takes more "
				      "than %u kernel policies (aligned "
				      "blocks)", key, lo, hi,
				      SEL_PORT_BLOCKS);
				return -EINVAL;
			}
		}
		text = trim(text);
	}
	slash = strchr(text, '/');
	if (slash)
		*slash = '\0';
	if (ip_addr_parse(text, &a)) {
		error(x, "%s: \"%s\" is not an IP address", key, text);
		return -EINVAL;
	}
	plen = a.family == AF_INET ? 32 : 128;
	if (slash && parse_ulong(slash + 1, plen, &plen)) {
		error(x, "%s: bad prefix length \"%s\"", key, slash + 1);
		return -EINVAL;
	}
	sel_from_prefix(s, &a, (unsigned int)plen);
	s->ip_proto = proto;
	s->start_port = (uint16_t)lo;
	s->end_port = (uint16_t)hi;
	return 0;
}

static int ts_item(struct ctx *x, const char *key, char *text,
		   unsigned int i, void *arg)
{
	struct ike_selector *out = arg;

	return parse_selector(x, key, text, &out[i]);
}

int parse_ts(struct ctx *x, const char *key, const char *v,
	     struct ike_selector *out, unsigned int *n)
{
	return parse_list(x, key, v, CONN_MAX_TS, "selectors",
			  "traffic selector", ts_item, out, n);
}

/* Interfaces: NAME[:PRIO], a name or fnmatch(3) pattern. */

static int iface_item(struct ctx *x, const char *key, char *text,
		      unsigned int i, void *arg)
{
	struct iface_pattern *out = arg;
	char *colon = strchr(text, ':');
	unsigned long long prio = IFACE_PRIO_DEFAULT;

	if (colon) {
		*colon = '\0';
		if (parse_ulong(trim(colon + 1), IFACE_PRIO_MAX, &prio)) {
			error(x, "%s: \"%s\": priority \"%s\" is not a number "
			      "from 0 to %d", key, text, trim(colon + 1),
			      IFACE_PRIO_MAX);
			return -EINVAL;
		}
		text = trim(text);
	}
	if (!*text || strlen(text) >= IFACE_NAME_MAX ||
	    strpbrk(text, "/ \t")) {
		error(x, "%s: \"%s\" is not an interface name or pattern "
		      "(1 to %d characters, no '/' or space)", key, text,
		      IFACE_NAME_MAX - 1);
		return -EINVAL;
	}
	for (unsigned int j = 0; j < i; j++)
		if (!strcmp(out[j].pattern, text)) {
			error(x, "%s: \"%s\" listed twice", key, text);
			return -EINVAL;
		}
	strcpy(out[i].pattern, text);
	out[i].priority = (int)prio;
	return 0;
}

int parse_ifaces(struct ctx *x, const char *key, const char *v,
		 struct iface_pattern *out, unsigned int *n)
{
	return parse_list(x, key, v, CONN_MAX_IFACES, "interfaces",
			  "interface", iface_item, out, n);
}

/* Inner addresses: pool, dns, vips (engine/cfg.h). */

static int pool_item(struct ctx *x, const char *key, char *text,
		     unsigned int i, void *arg)
{
	struct pool_range *out = arg;
	const char *why;

	if (pool_range_parse(text, &out[i], &why)) {
		error(x, "%s: \"%s\" %s", key, text, why);
		return -EINVAL;
	}
	return 0;
}

int parse_pools(struct ctx *x, const char *key, const char *v,
		struct pool_range *out, unsigned int *n)
{
	return parse_list(x, key, v, CONN_MAX_POOLS, "ranges", "range",
			  pool_item, out, n);
}

static int dns_item(struct ctx *x, const char *key, char *text,
		    unsigned int i, void *arg)
{
	struct ip_addr *out = arg;

	if (ip_addr_parse(text, &out[i])) {
		error(x, "%s: \"%s\" is not an IP address", key, text);
		return -EINVAL;
	}
	return 0;
}

int parse_dns(struct ctx *x, const char *key, const char *v,
	      struct ip_addr *out, unsigned int *n)
{
	return parse_list(x, key, v, CONN_MAX_DNS, "addresses", "address",
			  dns_item, out, n);
}

/* "0.0.0.0" asks for an IPv4 address, "::" for an IPv6 one. */
static int vip_item(struct ctx *x, const char *key, char *text,
		    unsigned int i, void *arg)
{
	static const uint8_t zero[16];
	struct conn *c = arg;
	struct ip_addr a;

	if (ip_addr_parse(text, &a) ||
	    memcmp(a.bytes, zero, ip_addr_len(&a))) {
		error(x, "%s: \"%s\" is neither 0.0.0.0 nor :: (one "
		      "address of that family from the peer)", key, text);
		return -EINVAL;
	}
	if (a.family == AF_INET)
		c->vips4++;
	else
		c->vips6++;
	return 0;
}

int parse_vips(struct ctx *x, const char *key, const char *v,
	       struct conn *c)
{
	unsigned int n;

	c->vips4 = c->vips6 = 0;
	if (!parse_list(x, key, v, CONN_MAX_VIPS, "addresses", "address",
			vip_item, c, &n))
		return 0;
	c->vips4 = c->vips6 = 0;
	return -EINVAL;
}
