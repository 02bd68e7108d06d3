// SPDX-License-Identifier: GPL-2.0
/*
 * mifd.conf: parsing and validation (see docs/mifd.conf.5).
 *
 * inih does the INI syntax. It does not tell the handler the line number,
 * so the reader we give it counts lines, and also notes every section
 * header itself (inih only reports sections through their keys).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>

#include "conf/conf.h"
#include "crypto/sign.h"
#include "crypto/transforms.h"
#include "engine/selector.h"
#include "ike/constants.h"

/* The keys of a [conn] section, as bits of conn_ctx.seen. */
enum conn_key {
	K_LOCAL, K_REMOTE, K_LOCAL_PORT, K_REMOTE_PORT, K_LOCAL_ID,
	K_REMOTE_ID, K_AUTH, K_PSK, K_IKE, K_ESP, K_LOCAL_TS, K_REMOTE_TS,
	K_MODE, K_DPD, K_IKE_LIFETIME, K_CHILD_LIFETIME, K_RETRANS_BASE,
	K_RETRANS_TRIES, K_START, K_CERT, K_KEY, K_CA_DIR, K_CACERT,
	K_RSA_PSS, K_UNIQUE, K_IKE_REAUTH, K_RSA_SHA1, K_INTERFACES, K_MIF,
	K_PER_INTERFACE, K_N
};

static const char *const conn_keys[K_N] = {
	[K_LOCAL] = "local", [K_REMOTE] = "remote",
	[K_LOCAL_PORT] = "local_port", [K_REMOTE_PORT] = "remote_port",
	[K_LOCAL_ID] = "local_id", [K_REMOTE_ID] = "remote_id",
	[K_AUTH] = "auth", [K_PSK] = "psk", [K_IKE] = "ike", [K_ESP] = "esp",
	[K_LOCAL_TS] = "local_ts", [K_REMOTE_TS] = "remote_ts",
	[K_MODE] = "mode", [K_DPD] = "dpd",
	[K_IKE_LIFETIME] = "ike_lifetime",
	[K_CHILD_LIFETIME] = "child_lifetime",
	[K_RETRANS_BASE] = "retransmit_base",
	[K_RETRANS_TRIES] = "retransmit_tries", [K_START] = "start",
	[K_CERT] = "cert", [K_KEY] = "key", [K_CA_DIR] = "ca_dir",
	[K_CACERT] = "cacert", [K_RSA_PSS] = "rsa_pss",
	[K_UNIQUE] = "unique", [K_IKE_REAUTH] = "ike_reauth",
	[K_RSA_SHA1] = "rsa_sha1", [K_INTERFACES] = "interfaces",
	[K_MIF] = "mif", [K_PER_INTERFACE] = "per_interface",
};

enum mifd_key {
	M_LOG_LEVEL, M_SOCKET, M_COOKIE_THRESHOLD, M_COOKIE_MODP,
	M_HALF_OPEN_MAX, M_HALF_OPEN_MAX_PEER, M_CONTROL_GROUP, M_N
};

static const char *const mifd_keys[M_N] = {
	[M_LOG_LEVEL] = "log_level", [M_SOCKET] = "socket",
	[M_COOKIE_THRESHOLD] = "cookie_threshold",
	[M_COOKIE_MODP] = "cookie_modp",
	[M_HALF_OPEN_MAX] = "half_open_max",
	[M_HALF_OPEN_MAX_PEER] = "half_open_max_peer",
	[M_CONTROL_GROUP] = "control_group",
};

enum section_kind { SEC_NONE, SEC_MIFD, SEC_CONN, SEC_BAD };

struct ctx {
	const char *path;
	FILE *f;
	unsigned int line;
	struct conf *conf;
	char *err;
	size_t errlen, errpos;
	unsigned int n_errors;

	/* The section being read. */
	enum section_kind kind;
	char section[CONF_NAME_MAX + 8];
	unsigned int section_line;
	struct conf_conn *cc;		/* SEC_CONN */
	unsigned int seen;		/* keys given, bits */
	unsigned int bad;		/* keys given a value not parsed */
	unsigned int key_line[K_N];
	bool mifd_seen;
	bool peer_any;			/* remote = %any */
	bool auto_local_id, auto_remote_id, any_remote_id;
};

static void __attribute__((format(printf, 3, 4)))
error_at(struct ctx *x, unsigned int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	x->n_errors++;
	if (!x->err || x->errpos + 1 >= x->errlen)
		return;
	n = snprintf(x->err + x->errpos, x->errlen - x->errpos, "%s:%u: ",
		     x->path, line);
	if (n > 0)
		x->errpos = x->errpos + (size_t)n < x->errlen ?
			    x->errpos + (size_t)n : x->errlen - 1;
	va_start(ap, fmt);
	n = vsnprintf(x->err + x->errpos, x->errlen - x->errpos, fmt, ap);
	va_end(ap);
	if (n > 0)
		x->errpos = x->errpos + (size_t)n < x->errlen ?
			    x->errpos + (size_t)n : x->errlen - 1;
	if (x->errpos + 1 < x->errlen) {
		x->err[x->errpos++] = '\n';
		x->err[x->errpos] = '\0';
	}
}

#define error(x, ...) error_at(x, (x)->line, __VA_ARGS__)

/* Values. */

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int parse_bool(const char *v, bool *out)
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

static int parse_ulong(const char *v, unsigned long long max,
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
static int parse_duration(const char *v, uint64_t unit_ms, uint64_t *ms)
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
static int parse_hex(const char *v, uint8_t *out, size_t max, size_t *len)
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

/* A minimal DER encoder for "CN=x, O=y, ..." (RFC 4514 order as written). */
static const struct {
	const char *name;
	uint8_t oid[3];		/* 2.5.4.x: 55 04 x */
} dn_attrs[] = {
	{ "CN", { 0x55, 0x04, 0x03 } }, { "SN", { 0x55, 0x04, 0x04 } },
	{ "serialNumber", { 0x55, 0x04, 0x05 } },
	{ "C", { 0x55, 0x04, 0x06 } }, { "L", { 0x55, 0x04, 0x07 } },
	{ "ST", { 0x55, 0x04, 0x08 } }, { "O", { 0x55, 0x04, 0x0a } },
	{ "OU", { 0x55, 0x04, 0x0b } },
};

static size_t der_len(uint8_t *p, size_t len)
{
	if (len < 128) {
		if (p)
			p[0] = (uint8_t)len;
		return 1;
	}
	if (p) {
		p[0] = 0x81;
		p[1] = (uint8_t)len;
	}
	return 2;
}

static int parse_dn(const char *text, struct conn_id *id)
{
	uint8_t body[CONN_MAX_ID];
	size_t blen = 0, hdr;
	char buf[CONN_MAX_ID * 2];
	char *save = NULL, *rdn;

	if (strlen(text) >= sizeof(buf))
		return -E2BIG;
	strcpy(buf, text);
	for (rdn = strtok_r(buf, ",", &save); rdn;
	     rdn = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(rdn, '='), *attr, *val;
		size_t vlen, i, atv, set;

		if (!eq)
			return -EINVAL;
		*eq = '\0';
		attr = trim(rdn);
		val = trim(eq + 1);
		vlen = strlen(val);
		for (i = 0; i < sizeof(dn_attrs) / sizeof(dn_attrs[0]); i++)
			if (!strcasecmp(attr, dn_attrs[i].name))
				break;
		if (i == sizeof(dn_attrs) / sizeof(dn_attrs[0]) || !vlen ||
		    vlen > 64)
			return -EINVAL;
		/* SET { SEQUENCE { OID, UTF8String } } */
		atv = 2 + 3 + 1 + der_len(NULL, vlen) + vlen;
		set = 1 + der_len(NULL, atv) + atv;
		if (blen + 1 + der_len(NULL, set) + set > sizeof(body) - 4)
			return -E2BIG;
		body[blen++] = 0x31;
		blen += der_len(body + blen, set);
		body[blen++] = 0x30;
		blen += der_len(body + blen, atv);
		body[blen++] = 0x06;
		body[blen++] = 3;
		memcpy(body + blen, dn_attrs[i].oid, 3);
		blen += 3;
		body[blen++] = 0x0c;
		blen += der_len(body + blen, vlen);
		memcpy(body + blen, val, vlen);
		blen += vlen;
	}
	if (!blen)
		return -EINVAL;
	hdr = 1 + der_len(NULL, blen);
	if (hdr + blen > sizeof(id->data))
		return -E2BIG;
	id->data[0] = 0x30;
	der_len(id->data + 1, blen);
	memcpy(id->data + hdr, body, blen);
	id->len = hdr + blen;
	id->type = IKE_ID_DER_ASN1_DN;
	return 0;
}

static void id_from_addr(struct conn_id *id, const struct ip_addr *a)
{
	id->type = a->family == AF_INET ? IKE_ID_IPV4_ADDR : IKE_ID_IPV6_ADDR;
	id->len = ip_addr_len(a);
	memcpy(id->data, a->bytes, id->len);
}

static int parse_id(struct ctx *x, const char *key, const char *v,
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
		int ret = parse_dn(v + 3, id);

		if (ret)
			error(x, "%s: \"%s\" is not a distinguished name "
			      "(ATTR=VALUE, ... with ATTR one of CN, SN, "
			      "serialNumber, C, L, ST, O, OU)%s", key, v + 3,
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
	char buf[512];
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

static int parse_proposals(struct ctx *x, const char *key, const char *v,
			   bool esp, struct conn_proposal *out,
			   unsigned int *n)
{
	struct proposals_arg pa = { .esp = esp, .out = out };

	return parse_list(x, key, v, CONN_MAX_PROPOSALS, "proposals",
			  "proposal", proposal_item, &pa, n);
}

/* Traffic selectors. */

static void sel_from_prefix(struct ike_selector *s, const struct ip_addr *a,
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

static int parse_ts(struct ctx *x, const char *key, const char *v,
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

static int parse_ifaces(struct ctx *x, const char *key, const char *v,
			struct iface_pattern *out, unsigned int *n)
{
	return parse_list(x, key, v, CONN_MAX_IFACES, "interfaces",
			  "interface", iface_item, out, n);
}

/* Sections. */

static void conn_defaults(struct conf_conn *cc)
{
	struct conn *c = &cc->conn;

	memset(cc, 0, sizeof(*cc));
	c->local_port = c->remote_port = 500;
	c->auth_method = IKE_AUTH_SHARED_KEY_MIC;
	c->mode = KERNEL_MODE_TUNNEL;
	c->dpd_ms = 30000;
	c->ike_lifetime_s = 14400;
	c->child_lifetime_s = 3600;
	c->retrans_base_ms = 2000;
	c->retrans_tries = 5;
	c->mif = true;
}

static const char default_ike[] =
	"aes256gcm16-prfsha256-x25519, aes128-sha256-modp2048";
static const char default_esp[] = "aes256gcm16, aes128-sha256";

static struct conf_creds *creds_find(struct conf *c,
				     const struct conf_conn *cc)
{
	for (unsigned int i = 0; i < c->n_creds; i++) {
		struct conf_creds *k = &c->creds[i];

		if (!strcmp(k->cert_file, cc->cert_file) &&
		    !strcmp(k->key_file, cc->key_file) &&
		    !strcmp(k->ca_dir, cc->ca_dir))
			return k;
	}
	return NULL;
}

static struct conf_creds *creds_add(struct conf *c,
				    const struct conf_conn *cc)
{
	struct conf_creds *k;
	unsigned int max;

	if (c->n_creds == c->max_creds) {
		max = c->max_creds ? c->max_creds * 2 : 4;
		k = realloc(c->creds, max * sizeof(*k));
		if (!k)
			return NULL;
		c->creds = k;
		c->max_creds = max;
	}
	k = &c->creds[c->n_creds++];
	memset(k, 0, sizeof(*k));
	snprintf(k->cert_file, sizeof(k->cert_file), "%s", cc->cert_file);
	snprintf(k->key_file, sizeof(k->key_file), "%s", cc->key_file);
	snprintf(k->ca_dir, sizeof(k->ca_dir), "%s", cc->ca_dir);
	k->ret = sig_creds_load(&k->creds, cc->cert_file[0] ? cc->cert_file :
				NULL, cc->key_file[0] ? cc->key_file : NULL,
				cc->ca_dir[0] ? cc->ca_dir : NULL);
	if (k->ret)
		k->creds = NULL;
	return k;
}

/*
 * The credentials for cc's files: loaded by an earlier connection
 * naming the same files, or now. 0 or -errno.
 */
static int creds_get(struct conf *c, const struct conf_conn *cc,
		     struct sig_creds **out)
{
	struct conf_creds *k = creds_find(c, cc);

	*out = NULL;
	if (!k)
		k = creds_add(c, cc);
	if (!k)
		return -ENOMEM;
	if (k->ret)
		return k->ret;
	k->refs++;
	*out = k->creds;
	return 0;
}

/* Drop a connection's reference; the last one frees. */
static void creds_put(struct conf *c, struct sig_creds *creds)
{
	for (unsigned int i = 0; creds && i < c->n_creds; i++) {
		struct conf_creds *k = &c->creds[i];

		if (k->creds != creds)
			continue;
		if (!--k->refs) {
			sig_creds_free(k->creds);
			k->creds = NULL;
		}
		return;
	}
}

/* Certificates: check the keys go together, load the files. */
static void conn_certs(struct ctx *x, unsigned int line)
{
	struct conf_conn *cc = x->cc;
	struct conn *c = &cc->conn;
	bool sig = c->auth_method != IKE_AUTH_SHARED_KEY_MIC;
	int ret;

	if (sig && (!cc->cert_file[0] || !cc->key_file[0])) {
		error_at(x, x->key_line[K_AUTH] ? x->key_line[K_AUTH] : line,
			 "[conn %s]: auth with signatures needs \"cert\" and "
			 "\"key\"", cc->name);
		return;
	}
	if (sig && !cc->ca_dir[0]) {
		error_at(x, x->key_line[K_AUTH], "[conn %s]: auth with "
			 "signatures needs \"ca_dir\" to check the peer",
			 cc->name);
		return;
	}
	if (!sig && (cc->cert_file[0] || cc->key_file[0])) {
		error_at(x, cc->cert_line, "[conn %s]: cert and key are for "
			 "auth = pubkey, rsa, ecdsa256 or ecdsa384", cc->name);
		return;
	}
	if (c->auth_method == IKE_AUTH_RSA_SIG && !c->rsa_sha1) {
		error_at(x, x->key_line[K_AUTH], "[conn %s]: auth = rsa signs "
			 "with SHA-1; set rsa_sha1 = yes to allow it, or use "
			 "auth = pubkey", cc->name);
		return;
	}
	if (!cc->cert_file[0] && !cc->ca_dir[0])
		return;
	if (!x->err && x->n_errors)
		return;
	c->cert_file = cc->cert_file[0] ? cc->cert_file : NULL;
	c->key_file = cc->key_file[0] ? cc->key_file : NULL;
	c->ca_dir = cc->ca_dir[0] ? cc->ca_dir : NULL;
	ret = creds_get(x->conf, cc, &c->sig_creds);
	if (ret) {
		error_at(x, cc->cert_line, "[conn %s]: cannot load the "
			 "certificates (cert %s, key %s, ca_dir %s): %s",
			 cc->name, c->cert_file ? c->cert_file : "-",
			 c->key_file ? c->key_file : "-",
			 c->ca_dir ? c->ca_dir : "-",
			 ret == -ENOENT ? "a file is missing, or ca_dir "
			 "holds no certificate" : ret == -EINVAL ?
			 "bad contents, or the key is not the certificate's" :
			 strerror(-ret));
	}
}

/* Key k was given, and its value parsed. */
static bool addr_parsed(const struct ctx *x, enum conn_key k)
{
	return (x->seen & (1u << k)) && !(x->bad & (1u << k));
}

/* The end of a [conn] section: required keys and defaults. */
static void conn_finish(struct ctx *x)
{
	struct conf_conn *cc = x->cc;
	struct conn *c = &cc->conn;
	char buf[sizeof(default_ike)];
	unsigned int line = x->section_line;

	if (!(x->seen & (1u << K_LOCAL)))
		error_at(x, line, "[conn %s]: missing required key \"local\"",
			 cc->name);
	if (!(x->seen & (1u << K_REMOTE)))
		error_at(x, line, "[conn %s]: missing required key \"remote\"",
			 cc->name);
	if (c->auth_method == IKE_AUTH_SHARED_KEY_MIC &&
	    !(x->seen & (1u << K_PSK)))
		error_at(x, line, "[conn %s]: auth = psk needs a \"psk\" key",
			 cc->name);
	conn_certs(x, line);
	if (addr_parsed(x, K_LOCAL) && addr_parsed(x, K_REMOTE) &&
	    !x->peer_any && c->local.family != c->remote.family)
		error_at(x, line, "[conn %s]: local and remote are not of the "
			 "same address family", cc->name);
	if (x->peer_any && cc->start)
		error_at(x, x->key_line[K_START], "[conn %s]: start = yes "
			 "needs a remote address, not %%any", cc->name);
	if (!(x->seen & (1u << K_IKE))) {
		struct ctx quiet = *x;

		strcpy(buf, default_ike);
		quiet.err = NULL;
		parse_proposals(&quiet, "ike", buf, false, c->ike, &c->n_ike);
		snprintf(cc->ike_text, sizeof(cc->ike_text), "%s", default_ike);
	}
	if (!(x->seen & (1u << K_ESP))) {
		struct ctx quiet = *x;

		strcpy(buf, default_esp);
		quiet.err = NULL;
		parse_proposals(&quiet, "esp", buf, true, c->esp, &c->n_esp);
		snprintf(cc->esp_text, sizeof(cc->esp_text), "%s", default_esp);
	}
	if (!(x->seen & (1u << K_LOCAL_ID)) && c->local.family)
		id_from_addr(&c->local_id, &c->local);
	if (!(x->seen & (1u << K_REMOTE_ID)) && c->remote.family)
		id_from_addr(&c->remote_id, &c->remote);
	if (!c->n_local_ts && c->local.family) {
		sel_from_prefix(&c->local_ts[0], &c->local,
				c->local.family == AF_INET ? 32 : 128);
		c->n_local_ts = 1;
	}
	if (!c->n_remote_ts && !x->peer_any && c->remote.family) {
		sel_from_prefix(&c->remote_ts[0], &c->remote,
				c->remote.family == AF_INET ? 32 : 128);
		c->n_remote_ts = 1;
	}
	if (!c->n_remote_ts && x->peer_any &&
	    (x->seen & (1u << K_REMOTE)))
		error_at(x, line, "[conn %s]: remote = %%any needs remote_ts",
			 cc->name);
}

static void section_end(struct ctx *x)
{
	if (x->kind == SEC_CONN && x->cc)
		conn_finish(x);
	x->kind = SEC_NONE;
	x->cc = NULL;
	x->seen = 0;
	x->bad = 0;
	x->peer_any = false;
}

static bool valid_name(const char *s)
{
	if (!*s || strlen(s) >= CONF_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

/*
 * Room for one more connection. The array moves as it grows: pointers
 * into it are set once it is complete (fix_pointers). It holds the
 * shared keys: the old one is wiped, not left to realloc().
 */
static int more_conns(struct conf *c)
{
	struct conf_conn *p;
	unsigned int max;

	if (c->n_conns < c->max_conns)
		return 0;
	max = c->max_conns ? c->max_conns * 2 : 16;
	if (max > CONF_MAX_CONNS)
		max = CONF_MAX_CONNS;
	p = malloc(max * sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (c->conns) {
		memcpy(p, c->conns, c->n_conns * sizeof(*p));
		gnutls_memset(c->conns, 0, c->max_conns * sizeof(*p));
		free(c->conns);
	}
	c->conns = p;
	c->max_conns = max;
	return 0;
}

/* Point each connection at its own strings, where they are now. */
static void fix_pointers(struct conf *c)
{
	for (unsigned int i = 0; i < c->n_conns; i++) {
		struct conf_conn *cc = &c->conns[i];

		cc->conn.name = cc->name;
		if (!cc->conn.sig_creds)
			continue;
		cc->conn.cert_file = cc->cert_file[0] ? cc->cert_file : NULL;
		cc->conn.key_file = cc->key_file[0] ? cc->key_file : NULL;
		cc->conn.ca_dir = cc->ca_dir[0] ? cc->ca_dir : NULL;
	}
}

/* A "[...]" line, seen by the reader before inih. */
static void section_start(struct ctx *x, const char *line)
{
	char name[256];
	const char *close = strchr(line, ']');
	size_t len;
	char *n;

	section_end(x);
	x->section_line = x->line;
	if (!close) {
		/* inih reports this one as a syntax error. */
		x->kind = SEC_BAD;
		return;
	}
	len = (size_t)(close - line - 1);
	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, line + 1, len);
	name[len] = '\0';
	n = trim(name);
	snprintf(x->section, sizeof(x->section), "%s", n);
	if (!strcmp(n, "mifd")) {
		if (x->mifd_seen)
			error(x, "duplicate section [mifd]");
		x->mifd_seen = true;
		x->kind = SEC_MIFD;
		return;
	}
	if (strncmp(n, "conn", 4) || !isspace((unsigned char)n[4])) {
		error(x, "unknown section [%s] (expected [mifd] or [conn NAME])",
		      n);
		x->kind = SEC_BAD;
		return;
	}
	n = trim(n + 4);
	if (!valid_name(n)) {
		error(x, "bad connection name \"%s\" (letters, digits, _ . -; "
		      "at most %d)", n, CONF_NAME_MAX - 1);
		x->kind = SEC_BAD;
		return;
	}
	if (conf_find(x->conf, n)) {
		error(x, "duplicate connection \"%s\" (first defined at "
		      "line %u)", n, conf_find(x->conf, n)->line);
		x->kind = SEC_BAD;
		return;
	}
	if (x->conf->n_conns == CONF_MAX_CONNS) {
		error(x, "more than %d connections", CONF_MAX_CONNS);
		x->kind = SEC_BAD;
		return;
	}
	if (more_conns(x->conf)) {
		error(x, "out of memory");
		x->kind = SEC_BAD;
		return;
	}
	x->cc = &x->conf->conns[x->conf->n_conns++];
	conn_defaults(x->cc);
	snprintf(x->cc->name, sizeof(x->cc->name), "%s", n);
	x->cc->conn.name = x->cc->name;
	x->cc->line = x->line;
	x->kind = SEC_CONN;
}

static int key_index(const char *const *keys, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(keys[i], name))
			return i;
	return -1;
}

static void mifd_key(struct ctx *x, const char *name, const char *v)
{
	int key = key_index(mifd_keys, M_N, name);
	unsigned long long n;

	switch (key) {
	case M_LOG_LEVEL:
		x->conf->log_level = conf_log_level_parse(v);
		if (x->conf->log_level < 0) {
			error(x, "log_level: unknown level \"%s\" (error, "
			      "warning, notice, info or debug)", v);
			x->conf->log_level = CONF_LOG_INFO;
		}
		break;
	case M_SOCKET:
		if (v[0] != '/' || strlen(v) >= sizeof(x->conf->socket))
			error(x, "socket: must be an absolute path shorter "
			      "than %zu bytes", sizeof(x->conf->socket));
		else
			snprintf(x->conf->socket, sizeof(x->conf->socket),
				 "%s", v);
		break;
	case M_COOKIE_THRESHOLD:
	case M_HALF_OPEN_MAX:
	case M_HALF_OPEN_MAX_PEER:
		if (parse_ulong(v, 1000000, &n)) {
			error(x, "%s: \"%s\" is not a number from 0 to "
			      "1000000", name, v);
			break;
		}
		*(key == M_COOKIE_THRESHOLD ? &x->conf->cookie_threshold :
		  key == M_HALF_OPEN_MAX ? &x->conf->half_open_max :
		  &x->conf->half_open_max_peer) = (unsigned int)n;
		break;
	case M_COOKIE_MODP:
		if (parse_bool(v, &x->conf->cookie_modp))
			error(x, "cookie_modp: \"%s\" is neither yes nor no",
			      v);
		break;
	case M_CONTROL_GROUP: {
		const struct group *g = getgrnam(v);

		if (!g) {
			error(x, "control_group: no group \"%s\"", v);
			break;
		}
		x->conf->have_control_group = true;
		x->conf->control_gid = g->gr_gid;
		break;
	}
	default:
		error(x, "unknown key \"%s\" in [mifd]", name);
	}
}

static void conn_key(struct ctx *x, const char *name, const char *v)
{
	struct conf_conn *cc = x->cc;
	struct conn *c = &cc->conn;
	unsigned long long n;
	uint64_t ms;
	int k = key_index(conn_keys, K_N, name);

	if (k < 0) {
		error(x, "unknown key \"%s\" in [conn %s]", name, cc->name);
		return;
	}
	if (x->seen & (1u << k)) {
		error(x, "duplicate key \"%s\" in [conn %s] (first at line %u)",
		      name, cc->name, x->key_line[k]);
		return;
	}
	x->seen |= 1u << k;
	x->key_line[k] = x->line;
	if (!*v) {
		x->bad |= 1u << k;
		error(x, "%s: empty value", name);
		return;
	}
	switch (k) {
	case K_LOCAL:
		if (ip_addr_parse(v, &c->local)) {
			x->bad |= 1u << k;
			error(x, "local: \"%s\" is not an IPv4 or IPv6 address",
			      v);
		}
		break;
	case K_REMOTE:
		if (!strcmp(v, "%any")) {
			x->peer_any = true;
			memset(&c->remote, 0, sizeof(c->remote));
		} else if (ip_addr_parse(v, &c->remote)) {
			x->bad |= 1u << k;
			error(x, "remote: \"%s\" is not an IPv4 or IPv6 "
			      "address (or %%any)", v);
		}
		break;
	case K_LOCAL_PORT:
	case K_REMOTE_PORT:
		if (parse_ulong(v, 65535, &n) || !n)
			error(x, "%s: \"%s\" is not a port (1 to 65535)", name,
			      v);
		else if (k == K_LOCAL_PORT)
			c->local_port = (uint16_t)n;
		else
			c->remote_port = (uint16_t)n;
		break;
	case K_LOCAL_ID:
		parse_id(x, name, v, &c->local_id);
		break;
	case K_REMOTE_ID:
		if (!strcmp(v, "%any")) {
			memset(&c->remote_id, 0, sizeof(c->remote_id));
			break;
		}
		parse_id(x, name, v, &c->remote_id);
		break;
	case K_AUTH:
		if (!strcasecmp(v, "psk"))
			c->auth_method = IKE_AUTH_SHARED_KEY_MIC;
		else if (!strcasecmp(v, "pubkey"))
			c->auth_method = IKE_AUTH_DIGITAL_SIGNATURE;
		else if (!strcasecmp(v, "rsa"))
			c->auth_method = IKE_AUTH_RSA_SIG;
		else if (!strcasecmp(v, "ecdsa256"))
			c->auth_method = IKE_AUTH_ECDSA_256;
		else if (!strcasecmp(v, "ecdsa384"))
			c->auth_method = IKE_AUTH_ECDSA_384;
		else
			error(x, "auth: unknown method \"%s\" (psk, pubkey, "
			      "rsa, ecdsa256, ecdsa384)", v);
		break;
	case K_CERT:
	case K_KEY:
	case K_CA_DIR: {
		char *dst = k == K_CERT ? cc->cert_file :
			    k == K_KEY ? cc->key_file : cc->ca_dir;

		if (v[0] != '/' || strlen(v) >= sizeof(cc->cert_file)) {
			error(x, "%s: must be an absolute path shorter than "
			      "%zu bytes", name, sizeof(cc->cert_file));
			break;
		}
		snprintf(dst, sizeof(cc->cert_file), "%s", v);
		cc->cert_line = x->line;
		break;
	}
	case K_CACERT:
		error(x, "cacert: not supported; use ca_dir = a directory "
		      "holding the CA certificates (PEM)");
		break;
	case K_RSA_PSS:
		if (parse_bool(v, &c->rsa_pss))
			error(x, "rsa_pss: \"%s\" is neither yes nor no", v);
		break;
	case K_IKE_REAUTH:
		if (parse_bool(v, &c->ike_reauth))
			error(x, "ike_reauth: \"%s\" is neither yes nor no",
			      v);
		break;
	case K_RSA_SHA1:
		if (parse_bool(v, &c->rsa_sha1))
			error(x, "rsa_sha1: \"%s\" is neither yes nor no", v);
		break;
	case K_MIF:
		if (parse_bool(v, &c->mif))
			error(x, "mif: \"%s\" is neither yes nor no", v);
		break;
	case K_PER_INTERFACE:
		if (parse_bool(v, &c->per_interface))
			error(x, "per_interface: \"%s\" is neither yes nor "
			      "no", v);
		break;
	case K_PSK:
		if (!strncasecmp(v, "0x", 2)) {
			int ret = parse_hex(v + 2, c->psk, sizeof(c->psk),
					    &c->psk_len);

			if (ret == -E2BIG)
				error(x, "psk: longer than %zu bytes",
				      sizeof(c->psk));
			else if (ret || !c->psk_len)
				error(x, "psk: \"0x\" must be followed by an "
				      "even number of hex digits");
		} else {
			size_t len = strlen(v);

			if (len > sizeof(c->psk)) {
				error(x, "psk: longer than %zu bytes",
				      sizeof(c->psk));
				break;
			}
			memcpy(c->psk, v, len);
			c->psk_len = len;
		}
		if (c->psk_len && c->psk_len < CONF_PSK_MIN)
			error(x, "psk: shorter than %d bytes; use a random "
			      "key of 128 bits or more (0x and 32 random hex "
			      "digits)", CONF_PSK_MIN);
		break;
	case K_IKE:
		parse_proposals(x, name, v, false, c->ike, &c->n_ike);
		snprintf(cc->ike_text, sizeof(cc->ike_text), "%s", v);
		break;
	case K_ESP:
		parse_proposals(x, name, v, true, c->esp, &c->n_esp);
		snprintf(cc->esp_text, sizeof(cc->esp_text), "%s", v);
		break;
	case K_LOCAL_TS:
		parse_ts(x, name, v, c->local_ts, &c->n_local_ts);
		break;
	case K_REMOTE_TS:
		parse_ts(x, name, v, c->remote_ts, &c->n_remote_ts);
		break;
	case K_MODE:
		if (!strcasecmp(v, "tunnel"))
			c->mode = KERNEL_MODE_TUNNEL;
		else if (!strcasecmp(v, "transport"))
			c->mode = KERNEL_MODE_TRANSPORT;
		else
			error(x, "mode: \"%s\" is neither tunnel nor "
			      "transport", v);
		break;
	case K_DPD:
		if (parse_duration(v, 1000, &ms) || ms > UINT32_MAX)
			error(x, "dpd: \"%s\" is not a duration (seconds, "
			      "or with unit ms, s, m, h)", v);
		else
			c->dpd_ms = (uint32_t)ms;
		break;
	case K_IKE_LIFETIME:
	case K_CHILD_LIFETIME:
		if (parse_duration(v, 1000, &ms) || (ms && ms < 1000)) {
			error(x, "%s: \"%s\" is not a duration of at least "
			      "1 s (or 0 for unlimited)", name, v);
			break;
		}
		if (k == K_IKE_LIFETIME)
			c->ike_lifetime_s = ms / 1000;
		else
			c->child_lifetime_s = ms / 1000;
		break;
	case K_RETRANS_BASE:
		if (parse_duration(v, 1000, &ms) || ms < 10 ||
		    ms > 600000)
			error(x, "retransmit_base: \"%s\" is not a duration "
			      "from 10ms to 600s", v);
		else
			c->retrans_base_ms = (uint32_t)ms;
		break;
	case K_RETRANS_TRIES:
		if (parse_ulong(v, 20, &n))
			error(x, "retransmit_tries: \"%s\" is not a number "
			      "from 0 to 20", v);
		else
			c->retrans_tries = (unsigned int)n;
		break;
	case K_START:
		if (parse_bool(v, &cc->start))
			error(x, "start: \"%s\" is neither yes nor no", v);
		break;
	case K_UNIQUE:
		if (!strcasecmp(v, "replace"))
			c->unique = CONN_UNIQUE_REPLACE;
		else if (!strcasecmp(v, "no"))
			c->unique = CONN_UNIQUE_NO;
		else if (!strcasecmp(v, "never"))
			c->unique = CONN_UNIQUE_NEVER;
		else
			error(x, "unique: \"%s\" is none of replace, no, "
			      "never", v);
		break;
	case K_INTERFACES:
		if (parse_ifaces(x, name, v, c->ifaces, &c->n_ifaces))
			c->n_ifaces = 0;
		break;
	}
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct ctx *x = user;
	char v[512];

	snprintf(v, sizeof(v), "%s", value ? value : "");
	switch (x->kind) {
	case SEC_NONE:
		error(x, "key \"%s\" outside of a section", name);
		break;
	case SEC_MIFD:
		mifd_key(x, name, trim(v));
		break;
	case SEC_CONN:
		conn_key(x, name, trim(v));
		break;
	case SEC_BAD:
		break;		/* already reported */
	}
	gnutls_memset(v, 0, sizeof(v));	/* a psk, maybe */
	return 1;
}

/*
 * inih's line reader: count lines, spot section headers. The line buffer
 * is wiped before each line, so that no psk stays in it after the last.
 */
static char *reader(char *str, int num, void *stream)
{
	struct ctx *x = stream;
	char *s;
	size_t len;

	if (num > 0)
		gnutls_memset(str, 0, (size_t)num);
	s = fgets(str, num, x->f);
	if (!s)
		return NULL;
	x->line++;
	len = strlen(s);
	if (len && s[len - 1] != '\n' && !feof(x->f)) {
		int ch;

		error(x, "line longer than %d characters", num - 2);
		while ((ch = fgetc(x->f)) != EOF && ch != '\n')
			;
		/* Make inih ignore the rest: a comment. */
		s[0] = ';';
		return s;
	}
	s = str;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '[')
		section_start(x, s);
	return str;
}

int conf_load(const char *path, struct conf **out, char *err, size_t errlen)
{
	struct ctx x = {
		.path = path, .err = err, .errlen = errlen,
	};
	char *iobuf;
	struct conf *c;
	int ret;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->log_level = CONF_LOG_INFO;
	snprintf(c->socket, sizeof(c->socket), "%s", CONF_DEFAULT_SOCKET);
	c->cookie_threshold = ENGINE_COOKIE_THRESHOLD;
	c->cookie_modp = true;
	c->half_open_max = ENGINE_HALF_OPEN_MAX;
	c->half_open_max_peer = ENGINE_HALF_OPEN_MAX_PEER;
	x.conf = c;
	/* stdio's buffer would keep the file, keys and all: ours is wiped. */
	iobuf = malloc(BUFSIZ);
	x.f = iobuf ? fopen(path, "r") : NULL;
	if (!x.f) {
		ret = iobuf ? -errno : -ENOMEM;
		if (err && errlen)
			snprintf(err, errlen, "%s: %s\n", path, strerror(-ret));
		free(iobuf);
		free(c);
		return ret;
	}
	setvbuf(x.f, iobuf, _IOFBF, BUFSIZ);
	ret = ini_parse_stream(reader, &x, handler, &x);
	fclose(x.f);
	gnutls_memset(iobuf, 0, BUFSIZ);
	free(iobuf);
	section_end(&x);
	if (ret > 0)
		error_at(&x, (unsigned int)ret, "syntax error (expected "
			 "[section] or key = value)");
	else if (ret < 0)
		error_at(&x, 0, "cannot parse the file");
	if (x.n_errors) {
		conf_free(c);
		return -EINVAL;
	}
	fix_pointers(c);
	*out = c;
	return 0;
}

void conf_free(struct conf *c)
{
	if (!c)
		return;
	for (unsigned int i = 0; i < c->n_conns; i++) {
		gnutls_memset(c->conns[i].conn.psk, 0,
			      sizeof(c->conns[i].conn.psk));
		creds_put(c, c->conns[i].conn.sig_creds);
		c->conns[i].conn.sig_creds = NULL;
	}
	/* Those no connection took (failed, or never handed out). */
	for (unsigned int i = 0; i < c->n_creds; i++)
		if (c->creds[i].creds)
			sig_creds_free(c->creds[i].creds);
	free(c->creds);
	free(c->conns);
	free(c);
}

struct conf_conn *conf_find(struct conf *c, const char *name)
{
	for (unsigned int i = 0; i < c->n_conns; i++)
		if (!strcmp(c->conns[i].name, name))
			return &c->conns[i];
	return NULL;
}

bool conf_conn_equal(const struct conf_conn *a, const struct conf_conn *b)
{
	size_t off = offsetof(struct conn, local);
	size_t end = offsetof(struct conn, cert_file);

	/*
	 * Both were zeroed before filling in: padding compares equal. The
	 * certificate pointers differ between loads: compare the paths (a
	 * changed file under the same name is seen on restart only).
	 */
	return !strcmp(a->name, b->name) && a->start == b->start &&
	       !memcmp((const char *)&a->conn + off,
		       (const char *)&b->conn + off, end - off) &&
	       !strcmp(a->cert_file, b->cert_file) &&
	       !strcmp(a->key_file, b->key_file) &&
	       !strcmp(a->ca_dir, b->ca_dir) &&
	       a->conn.rsa_pss == b->conn.rsa_pss &&
	       a->conn.rsa_sha1 == b->conn.rsa_sha1;
}

static const char *const level_names[] = {
	[CONF_LOG_ERR] = "error", [CONF_LOG_WARNING] = "warning",
	[CONF_LOG_NOTICE] = "notice", [CONF_LOG_INFO] = "info",
	[CONF_LOG_DEBUG] = "debug",
};

const char *conf_log_level_name(int level)
{
	if (level < CONF_LOG_ERR || level > CONF_LOG_DEBUG)
		return "?";
	return level_names[level];
}

int conf_log_level_parse(const char *name)
{
	for (int i = CONF_LOG_ERR; i <= CONF_LOG_DEBUG; i++)
		if (!strcasecmp(name, level_names[i]))
			return i;
	if (!strcasecmp(name, "err"))
		return CONF_LOG_ERR;
	if (!strcasecmp(name, "warn"))
		return CONF_LOG_WARNING;
	return -1;
}
