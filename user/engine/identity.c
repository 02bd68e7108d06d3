// SPDX-License-Identifier: GPL-2.0
/*
 * Identities: DNs encoded from text and compared by meaning with
 * GnuTLS's DN parser, FQDN and RFC822 IDs compared as their RFCs say,
 * IDs as text, and the check that a certificate vouches for an ID.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "addr.h"
#include "engine/identity.h"
#include "ike/constants.h"

/* The attributes a DN may name in the configuration. */
struct dn_attr {
	const char *name;
	const char *oid;		/* dotted, as GnuTLS gives it */
	uint8_t der[10];		/* the OID's DER contents */
	uint8_t der_len;
	bool ia5;			/* IA5String only */
};

static const struct dn_attr dn_attrs[] = {
	{ "CN", "2.5.4.3", { 0x55, 0x04, 0x03 }, 3, false },
	{ "SN", "2.5.4.4", { 0x55, 0x04, 0x04 }, 3, false },
	{ "serialNumber", "2.5.4.5", { 0x55, 0x04, 0x05 }, 3, false },
	{ "C", "2.5.4.6", { 0x55, 0x04, 0x06 }, 3, false },
	{ "L", "2.5.4.7", { 0x55, 0x04, 0x07 }, 3, false },
	{ "ST", "2.5.4.8", { 0x55, 0x04, 0x08 }, 3, false },
	{ "O", "2.5.4.10", { 0x55, 0x04, 0x0a }, 3, false },
	{ "OU", "2.5.4.11", { 0x55, 0x04, 0x0b }, 3, false },
	{ "title", "2.5.4.12", { 0x55, 0x04, 0x0c }, 3, false },
	{ "GN", "2.5.4.42", { 0x55, 0x04, 0x2a }, 3, false },
	{ "UID", "0.9.2342.19200300.100.1.1",
	  { 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01 }, 10,
	  false },
	{ "DC", "0.9.2342.19200300.100.1.25",
	  { 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19 }, 10,
	  true },
	{ "E", "1.2.840.113549.1.9.1",
	  { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01 }, 9, true },
};

#define N_ATTRS (sizeof(dn_attrs) / sizeof(dn_attrs[0]))

static const struct dn_attr *attr_by_name(const char *name)
{
	for (size_t i = 0; i < N_ATTRS; i++)
		if (!strcasecmp(name, dn_attrs[i].name))
			return &dn_attrs[i];
	if (!strcasecmp(name, "emailAddress"))
		return &dn_attrs[N_ATTRS - 1];
	return NULL;
}

/* The dotted OID's length: GnuTLS counts the NUL in the datum's size. */
static size_t oid_len(const gnutls_datum_t *oid)
{
	return strnlen((const char *)oid->data, oid->size);
}

static const struct dn_attr *attr_by_oid(const gnutls_datum_t *oid)
{
	size_t n = oid_len(oid);

	for (size_t i = 0; i < N_ATTRS; i++)
		if (strlen(dn_attrs[i].oid) == n &&
		    !memcmp(dn_attrs[i].oid, oid->data, n))
			return &dn_attrs[i];
	return NULL;
}

/* ASN.1 universal tags of the string types. */
enum {
	TAG_UTF8 = 12, TAG_PRINTABLE = 19, TAG_TELETEX = 20, TAG_IA5 = 22,
	TAG_VISIBLE = 26, TAG_UNIVERSAL = 28, TAG_BMP = 30,
};

/* X.680 §41.4: A-Z a-z 0-9 space ' ( ) + , - . / : = ? */
static bool printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || strchr(" '()+,-./:=?", ch)))
			return false;
	}
	return true;
}

static size_t put_len(uint8_t *p, size_t len)
{
	if (len < 128) {
		p[0] = (uint8_t)len;
		return 1;
	}
	p[0] = 0x81;
	p[1] = (uint8_t)len;
	return 2;
}

static size_t len_size(size_t len)
{
	return len < 128 ? 1 : 2;
}

/*
 * The next RDN of text at *at: attribute name and value, unescaped into
 * the buffers, spaces around both trimmed. Returns 1, 0 at the end, or
 * -EINVAL.
 */
static int next_rdn(const char **at, char *name, size_t name_size,
		    char *val, size_t val_size, size_t *val_len)
{
	const char *p = *at;
	size_t n = 0, keep = 0;
	bool in_val = false;

	while (*p == ' ')
		p++;
	if (!*p)
		return 0;
	for (; *p && *p != ','; p++) {
		bool escaped = *p == '\\';

		if (escaped && !*++p)
			return -EINVAL;
		if (!in_val && *p == '=' && !escaped) {
			while (n && name[n - 1] == ' ')
				n--;
			name[n] = '\0';
			in_val = true;
			n = keep = 0;
			while (p[1] == ' ')
				p++;
			continue;
		}
		if (n + 1 >= (in_val ? val_size : name_size))
			return -EINVAL;
		if (in_val) {
			val[n++] = *p;
			if (*p != ' ' || escaped)
				keep = n;
		} else {
			name[n++] = *p;
		}
	}
	*at = *p ? p + 1 : p;
	if (!in_val || !keep)
		return -EINVAL;
	*val_len = keep;
	return 1;
}

int identity_dn_parse(const char *text, struct conn_id *id)
{
	uint8_t body[CONN_MAX_ID];
	char name[32], val[CONN_MAX_ID];
	size_t blen = 0, vlen, atv, set, hdr;
	const struct dn_attr *a;
	int ret;

	while ((ret = next_rdn(&text, name, sizeof(name), val, sizeof(val),
			       &vlen)) > 0) {
		uint8_t tag;

		a = attr_by_name(name);
		if (!a || vlen > 64)
			return -EINVAL;
		if (a->ia5) {
			for (size_t i = 0; i < vlen; i++)
				if ((unsigned char)val[i] > 0x7f)
					return -EINVAL;
			tag = TAG_IA5;
		} else {
			tag = printable(val, vlen) ? TAG_PRINTABLE : TAG_UTF8;
		}
		/* SET { SEQUENCE { OID, string } } */
		atv = 2 + a->der_len + 1 + len_size(vlen) + vlen;
		set = 1 + len_size(atv) + atv;
		if (blen + 1 + len_size(set) + set > sizeof(body) - 3)
			return -E2BIG;
		body[blen++] = 0x31;
		blen += put_len(body + blen, set);
		body[blen++] = 0x30;
		blen += put_len(body + blen, atv);
		body[blen++] = 0x06;
		body[blen++] = a->der_len;
		memcpy(body + blen, a->der, a->der_len);
		blen += a->der_len;
		body[blen++] = tag;
		blen += put_len(body + blen, vlen);
		memcpy(body + blen, val, vlen);
		blen += vlen;
	}
	if (ret < 0 || !blen)
		return -EINVAL;
	hdr = 1 + len_size(blen);
	if (hdr + blen > sizeof(id->data))
		return -E2BIG;
	id->data[0] = 0x30;
	put_len(id->data + 1, blen);
	memcpy(id->data + hdr, body, blen);
	id->len = hdr + blen;
	id->type = IKE_ID_DER_ASN1_DN;
	return 0;
}

/* An attribute value decoded to UTF-8, for comparison or display. */
struct dn_value {
	bool string;			/* a string type, decoded */
	size_t len;
	char s[4 * 256];
};

static void put_utf8(struct dn_value *v, uint32_t cp)
{
	char *o = v->s + v->len;

	if (v->len + 4 > sizeof(v->s))
		return;
	if (cp < 0x80) {
		o[0] = (char)cp;
		v->len += 1;
	} else if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		v->len += 2;
	} else if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		v->len += 3;
	} else {
		o[0] = (char)(0xf0 | cp >> 18);
		o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[3] = (char)(0x80 | (cp & 0x3f));
		v->len += 4;
	}
}

/* -EINVAL for a value too long or not of its type's size. */
static int decode(const gnutls_x509_ava_st *ava, struct dn_value *v)
{
	const uint8_t *p = ava->value.data;
	size_t n = ava->value.size, w;

	v->len = 0;
	v->string = true;
	switch (ava->value_tag) {
	case TAG_BMP:
	case TAG_UNIVERSAL:
		w = ava->value_tag == TAG_BMP ? 2 : 4;
		if (n % w || n / w > 256)
			return -EINVAL;
		for (size_t i = 0; i < n; i += w) {
			uint32_t cp = 0;

			for (size_t k = 0; k < w; k++)
				cp = cp << 8 | p[i + k];
			if (cp > 0x10ffff)
				return -EINVAL;
			put_utf8(v, cp);
		}
		return 0;
	case TAG_UTF8:
	case TAG_PRINTABLE:
	case TAG_TELETEX:
	case TAG_IA5:
	case TAG_VISIBLE:
		break;
	default:
		v->string = false;
		break;
	}
	if (n > sizeof(v->s))
		return -EINVAL;
	memcpy(v->s, p, n);
	v->len = n;
	return 0;
}

/*
 * RFC 4518 §2.6, insignificant space handling, and caseIgnoreMatch's
 * folding (ASCII letters; others compare as they are).
 */
static void prepare(struct dn_value *v)
{
	size_t i = 0, o = 0;

	while (i < v->len && v->s[i] == ' ')
		i++;
	for (; i < v->len; i++) {
		char ch = v->s[i];

		if (ch == ' ' && (i + 1 == v->len || v->s[i + 1] == ' '))
			continue;
		v->s[o++] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') :
						     ch;
	}
	while (o && v->s[o - 1] == ' ')
		o--;
	v->len = o;
}

static bool ava_match(const gnutls_x509_ava_st *want,
		      const gnutls_x509_ava_st *got, bool wild)
{
	struct dn_value a, b;

	if (oid_len(&want->oid) != oid_len(&got->oid) ||
	    memcmp(want->oid.data, got->oid.data, oid_len(&got->oid)))
		return false;
	if (decode(want, &a) || decode(got, &b))
		return false;
	if (wild && a.string && a.len == 1 && a.s[0] == '*')
		return true;
	if (!a.string || !b.string)
		return want->value_tag == got->value_tag && a.len == b.len &&
		       !memcmp(a.s, b.s, a.len);
	/* Known attributes are caseIgnoreMatch; others exact. */
	if (attr_by_oid(&want->oid)) {
		prepare(&a);
		prepare(&b);
	}
	return a.len == b.len && !memcmp(a.s, b.s, a.len);
}

/*
 * Longer DNs than any real one are refused unread: GnuTLS finds each
 * attribute from the start, so a DN of n RDNs costs n^2 to compare, and
 * a peer's ID reaches here before it is authenticated.
 */
#define DN_MAX_LEN	2048

static int dn_import(gnutls_x509_dn_t *dn, const uint8_t *der, size_t len)
{
	gnutls_datum_t d = { (unsigned char *)der, (unsigned int)len };

	if (!len || len > DN_MAX_LEN || gnutls_x509_dn_init(dn) < 0)
		return -EINVAL;
	if (gnutls_x509_dn_import(*dn, &d) < 0) {
		gnutls_x509_dn_deinit(*dn);
		return -EINVAL;
	}
	return 0;
}

static bool dn_match(const uint8_t *want, size_t want_len,
		     const uint8_t *dn, size_t len, bool wild)
{
	gnutls_x509_dn_t a, b;
	gnutls_x509_ava_st va, vb;
	bool ok = false;
	int ra, rb;

	if (dn_import(&a, want, want_len))
		return false;
	if (dn_import(&b, dn, len)) {
		gnutls_x509_dn_deinit(a);
		return false;
	}
	for (int i = 0;; i++) {
		for (int j = 0;; j++) {
			ra = gnutls_x509_dn_get_rdn_ava(a, i, j, &va);
			rb = gnutls_x509_dn_get_rdn_ava(b, i, j, &vb);
			if (ra == GNUTLS_E_ASN1_ELEMENT_NOT_FOUND &&
			    rb == GNUTLS_E_ASN1_ELEMENT_NOT_FOUND)
				break;
			if (ra < 0 || rb < 0 || !ava_match(&va, &vb, wild))
				goto out;
		}
		if (ra == GNUTLS_E_ASN1_ELEMENT_NOT_FOUND &&
		    gnutls_x509_dn_get_rdn_ava(a, i, 0, &va) ==
		    GNUTLS_E_ASN1_ELEMENT_NOT_FOUND) {
			ok = true;
			break;
		}
	}
out:
	gnutls_x509_dn_deinit(a);
	gnutls_x509_dn_deinit(b);
	return ok;
}

bool identity_dn_match(const uint8_t *want, size_t want_len,
		       const uint8_t *dn, size_t len)
{
	return dn_match(want, want_len, dn, len, true);
}

/* local@domain: the local part exactly, the domain without case. */
static bool email_match(const uint8_t *a, const uint8_t *b, size_t len)
{
	const uint8_t *at = memrchr(a, '@', len);
	size_t local = at ? (size_t)(at - a) : len;

	if (memcmp(a, b, local))
		return false;
	return !strncasecmp((const char *)a + local, (const char *)b + local,
			    len - local) &&
	       !memchr(a, 0, len) && !memchr(b, 0, len);
}

bool identity_match(const struct conn_id *want, uint8_t type,
		    const uint8_t *data, size_t len)
{
	if (!want->len)
		return true;
	if (type != want->type)
		return false;
	switch (type) {
	case IKE_ID_DER_ASN1_DN:
		return identity_dn_match(want->data, want->len, data, len);
	case IKE_ID_FQDN:
		return len == want->len && !memchr(data, 0, len) &&
		       !strncasecmp((const char *)want->data,
				    (const char *)data, len);
	case IKE_ID_RFC822_ADDR:
		return len == want->len && email_match(want->data, data, len);
	default:
		return len == want->len && !memcmp(want->data, data, len);
	}
}

bool identity_is_wildcard(const struct conn_id *id)
{
	gnutls_x509_ava_st ava;
	gnutls_x509_dn_t dn;
	bool wild = false;

	if (id->type != IKE_ID_DER_ASN1_DN || dn_import(&dn, id->data,
							id->len))
		return false;
	for (int i = 0; !wild; i++) {
		for (int j = 0;; j++) {
			if (gnutls_x509_dn_get_rdn_ava(dn, i, j, &ava) < 0)
				break;
			if (ava.value.size == 1 && ava.value.data[0] == '*')
				wild = true;
		}
		if (gnutls_x509_dn_get_rdn_ava(dn, i, 0, &ava) < 0)
			break;
	}
	gnutls_x509_dn_deinit(dn);
	return wild;
}

/* A bounded text being written: appends never overflow. */
struct text {
	char *s;
	size_t size, len;
};

static void put(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->len + 1 >= t->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->s + t->len, t->size - t->len, fmt, ap);
	va_end(ap);
	t->len = n < 0 || (size_t)n >= t->size - t->len ? t->size - 1 :
							 t->len + (size_t)n;
}

/* Printable ASCII as it is, others '?'; esc: ',' '+' '\' escaped. */
static void put_bytes(struct text *t, const void *data, size_t n, bool esc)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		if (esc && (p[i] == ',' || p[i] == '+' || p[i] == '\\'))
			put(t, "\\");
		put(t, "%c", p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?');
	}
}

/* "C=CH, O=mif, CN=gw"; -EINVAL when der is no DN. */
static int put_dn(struct text *t, const uint8_t *der, size_t len)
{
	struct dn_value v;
	gnutls_x509_ava_st ava;
	const struct dn_attr *a;
	gnutls_x509_dn_t dn;

	if (dn_import(&dn, der, len))
		return -EINVAL;
	for (int i = 0;; i++) {
		int j;

		for (j = 0; gnutls_x509_dn_get_rdn_ava(dn, i, j, &ava) >= 0;
		     j++) {
			put(t, "%s", j ? " + " : i ? ", " : "");
			a = attr_by_oid(&ava.oid);
			if (a)
				put(t, "%s=", a->name);
			else
				put(t, "%.*s=", (int)oid_len(&ava.oid),
				    (const char *)ava.oid.data);
			if (decode(&ava, &v) || !v.string)
				put(t, "#%u:%u", (unsigned int)ava.value_tag,
				    ava.value.size);
			else
				put_bytes(t, v.s, v.len, true);
		}
		if (!j)
			break;
	}
	gnutls_x509_dn_deinit(dn);
	return 0;
}

const char *identity_text(uint8_t type, const uint8_t *data, size_t len,
			  char *out, size_t out_len)
{
	struct text t = { out, out_len, 0 };
	char buf[IP_ADDR_STRLEN];
	struct ip_addr a;

	if (!out_len)
		return out;
	out[0] = '\0';
	switch (type) {
	case IKE_ID_FQDN:
		put(&t, "fqdn:");
		put_bytes(&t, data, len, false);
		return out;
	case IKE_ID_RFC822_ADDR:
		put(&t, "email:");
		put_bytes(&t, data, len, false);
		return out;
	case IKE_ID_IPV4_ADDR:
	case IKE_ID_IPV6_ADDR:
		if (ip_addr_from_bytes(&a, data, len))
			break;
		put(&t, "ip:%s", ip_addr_str(&a, buf, sizeof(buf)));
		return out;
	case IKE_ID_DER_ASN1_DN:
		put(&t, "dn:");
		if (!put_dn(&t, data, len))
			return out;
		t.len = 0;
		break;
	}
	put(&t, "(ID type %u, %zu bytes)", type, len);
	return out;
}

/* The certificate's subject and SANs, for the log. */
static void put_names(struct text *t, gnutls_x509_crt_t crt)
{
	gnutls_datum_t dn = { NULL, 0 };
	char buf[256], ip[IP_ADDR_STRLEN];
	struct ip_addr a;
	size_t size;
	int type;

	if (gnutls_x509_crt_get_raw_dn(crt, &dn) < 0 ||
	    put_dn(t, dn.data, dn.size))
		put(t, "(no subject)");
	gnutls_free(dn.data);
	put(t, ", SANs:");
	for (unsigned int i = 0;; i++) {
		size = sizeof(buf);
		type = gnutls_x509_crt_get_subject_alt_name(crt, i, buf, &size,
							    NULL);
		if (type == GNUTLS_E_SHORT_MEMORY_BUFFER)
			continue;
		if (type < 0)
			break;
		put(t, "%s ", i ? "," : "");
		switch (type) {
		case GNUTLS_SAN_DNSNAME:
			put(t, "fqdn:");
			put_bytes(t, buf, size, false);
			break;
		case GNUTLS_SAN_RFC822NAME:
			put(t, "email:");
			put_bytes(t, buf, size, false);
			break;
		case GNUTLS_SAN_IPADDRESS:
			if (!ip_addr_from_bytes(&a, buf, size)) {
				put(t, "ip:%s", ip_addr_str(&a, ip,
							    sizeof(ip)));
				break;
			}
			/* fall through */
		default:
			put(t, "(type %d)", type);
			break;
		}
	}
	if (!t->len || t->s[t->len - 1] == ':')
		put(t, " none");
}

/* Whether the certificate has a subjectAltName of the type. */
static bool has_san_type(gnutls_x509_crt_t crt,
			 gnutls_x509_subject_alt_name_t san)
{
	char buf[256];
	size_t size;
	int type;

	for (unsigned int i = 0;; i++) {
		size = sizeof(buf);
		type = gnutls_x509_crt_get_subject_alt_name(crt, i, buf, &size,
							    NULL);
		if (type == GNUTLS_E_SHORT_MEMORY_BUFFER)
			continue;
		if (type < 0)
			return false;
		if ((gnutls_x509_subject_alt_name_t)type == san)
			return true;
	}
}

static bool in_cert(gnutls_x509_crt_t crt, uint8_t type, const uint8_t *id,
		    size_t len)
{
	gnutls_datum_t dn = { NULL, 0 };
	char name[CONN_MAX_ID + 1];
	bool ok;

	switch (type) {
	case IKE_ID_IPV4_ADDR:
	case IKE_ID_IPV6_ADDR:
		return gnutls_x509_crt_check_ip(crt, id, (unsigned int)len,
						0) != 0;
	case IKE_ID_DER_ASN1_DN:
		if (gnutls_x509_crt_get_raw_dn(crt, &dn) < 0)
			return false;
		ok = dn_match(dn.data, dn.size, id, len, false);
		gnutls_free(dn.data);
		return ok;
	case IKE_ID_FQDN:
	case IKE_ID_RFC822_ADDR:
		/* No NUL inside; a SAN of the kind, so that not the CN or
		 * the subject's emailAddress stands in for it.
		 */
		if (len >= sizeof(name) || memchr(id, 0, len))
			return false;
		memcpy(name, id, len);
		name[len] = '\0';
		if (type == IKE_ID_FQDN)
			return has_san_type(crt, GNUTLS_SAN_DNSNAME) &&
			       gnutls_x509_crt_check_hostname2(crt, name,
					GNUTLS_VERIFY_DO_NOT_ALLOW_WILDCARDS |
					GNUTLS_VERIFY_DO_NOT_ALLOW_IP_MATCHES);
		return has_san_type(crt, GNUTLS_SAN_RFC822NAME) &&
		       gnutls_x509_crt_check_email(crt, name, 0);
	default:
		return false;
	}
}

int identity_in_cert(const struct sig_peer *p, uint8_t type,
		     const uint8_t *data, size_t len, char *why,
		     size_t why_len)
{
	struct text t = { why, why_len, 0 };
	char id[IDENTITY_TEXT_MAX];

	if (p->n && len && in_cert(p->certs[0], type, data, len))
		return 0;
	if (why_len) {
		why[0] = '\0';
		put(&t, "peer ID %s not in certificate ",
		    identity_text(type, data, len, id, sizeof(id)));
		if (p->n)
			put_names(&t, p->certs[0]);
	}
	return -EACCES;
}
