// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for engine/identity.c: DNs from the configuration and from
 * real certificates compared by meaning, FQDN and RFC822 IDs, IDs as
 * text, and which IDs a certificate vouches for.
 *
 * user/tests/data holds two certificates made by OpenSSL (C= as
 * PrintableString, the other attributes as UTF8String):
 *
 *	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256
 *	  -nodes -days 36500 -subj "/C=CH/O=strongSwan/CN=moon.strongswan.org"
 *	  -addext "subjectAltName=DNS:moon.strongswan.org,
 *		   email:Moon@strongswan.org,IP:192.0.2.1,IP:2001:db8::1"
 *
 *	sun.pem: -subj "/C=CH/O=strongSwan/CN=sun.strongswan.org/
 *		 emailAddress=sun@strongswan.org"
 *		 -addext "subjectAltName=DNS:*.strongswan.org"
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "addr.h"
#include "engine/identity.h"
#include "ike/constants.h"

static char data_dir[512];

static struct conn_id dn(const char *text)
{
	struct conn_id id;

	memset(&id, 0, sizeof(id));
	assert_int_equal(identity_dn_parse(text, &id), 0);
	return id;
}

static struct conn_id name(uint8_t type, const char *s)
{
	struct conn_id id = { .type = type, .len = strlen(s) };

	memcpy(id.data, s, id.len);
	return id;
}

static bool dn_eq(const struct conn_id *a, const struct conn_id *b)
{
	return identity_dn_match(a->data, a->len, b->data, b->len);
}

/* A certificate of user/tests/data as the end entity of p. */
static void load(struct sig_peer *p, const char *file)
{
	gnutls_datum_t d;
	char path[600];

	memset(p, 0, sizeof(*p));
	snprintf(path, sizeof(path), "%s/%s", data_dir, file);
	assert_int_equal(gnutls_load_file(path, &d), 0);
	assert_int_equal(gnutls_x509_crt_init(&p->certs[0]), 0);
	assert_int_equal(gnutls_x509_crt_import(p->certs[0], &d,
						GNUTLS_X509_FMT_PEM), 0);
	p->n = 1;
	gnutls_free(d.data);
}

static struct conn_id subject(const struct sig_peer *p)
{
	struct conn_id id = { .type = IKE_ID_DER_ASN1_DN };
	gnutls_datum_t d;

	assert_int_equal(gnutls_x509_crt_get_raw_dn(p->certs[0], &d), 0);
	assert_true(d.size <= sizeof(id.data));
	memcpy(id.data, d.data, d.size);
	id.len = d.size;
	gnutls_free(d.data);
	return id;
}

/* The tag of the value of the RDN with the 2.5.4.x attribute. */
static int value_tag(const struct conn_id *id, uint8_t x)
{
	for (size_t i = 0; i + 4 < id->len; i++)
		if (!memcmp(id->data + i, "\x06\x03\x55\x04", 4) &&
		    id->data[i + 4] == x)
			return id->data[i + 5];
	return -1;
}

static void dn_encoding(void **state)
{
	/* PrintableString throughout, as strongSwan's pki writes it. */
	static const uint8_t want[] = {
		0x30, 0x40, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04,
		0x06, 0x13, 0x02, 'C', 'H', 0x31, 0x13, 0x30, 0x11, 0x06,
		0x03, 0x55, 0x04, 0x0a, 0x13, 0x0a, 's', 't', 'r', 'o', 'n',
		'g', 'S', 'w', 'a', 'n', 0x31, 0x1c, 0x30, 0x1a, 0x06, 0x03,
		0x55, 0x04, 0x03, 0x13, 0x13, 'm', 'o', 'o', 'n', '.', 's',
		't', 'r', 'o', 'n', 'g', 's', 'w', 'a', 'n', '.', 'o', 'r',
		'g',
	};
	struct conn_id id = dn("C=CH, O=strongSwan, CN=moon.strongswan.org");
	struct conn_id bad;

	assert_int_equal(id.type, IKE_ID_DER_ASN1_DN);
	assert_int_equal(id.len, sizeof(want));
	assert_memory_equal(id.data, want, sizeof(want));
	id = dn("C=CH,O=strongSwan,CN=moon.strongswan.org");
	assert_memory_equal(id.data, want, sizeof(want));
	/* Not printable: UTF8String; E and DC are IA5String. */
	id = dn("C=CH, O=Z\xc3\xbcrich_Net, CN=a");
	assert_int_equal(value_tag(&id, 6), 0x13);
	assert_int_equal(value_tag(&id, 10), 0x0c);
	id = dn("CN=a, E=a@example.org, DC=example");
	assert_non_null(memmem(id.data, id.len, "\x16\x0d" "a@example.org",
			       15));
	assert_non_null(memmem(id.data, id.len, "\x16\x07" "example", 9));
	/* An escaped comma is part of the value; spaces around trimmed. */
	id = dn("  O = a\\, b ,CN=x\\ ");
	assert_non_null(memmem(id.data, id.len, "\x13\x04" "a, b", 6));
	assert_non_null(memmem(id.data, id.len, "\x13\x02" "x ", 4));

	assert_int_equal(identity_dn_parse("", &bad), -EINVAL);
	assert_int_equal(identity_dn_parse("CN", &bad), -EINVAL);
	assert_int_equal(identity_dn_parse("CN=", &bad), -EINVAL);
	assert_int_equal(identity_dn_parse("CN= ,O=x", &bad), -EINVAL);
	assert_int_equal(identity_dn_parse("XX=y", &bad), -EINVAL);
	assert_int_equal(identity_dn_parse("CN=a\\", &bad), -EINVAL);
	assert_int_equal(identity_dn_parse("E=\xc3\xbc@x", &bad), -EINVAL);
	assert_int_equal(identity_dn_parse("CN=0123456789, O=0123456789, "
					   "OU=0123456789, OU=0123456789, "
					   "OU=0123456789, OU=0123456789, "
					   "OU=0123456789", &bad), -E2BIG);
}

/* OpenSSL's UTF8String O and CN against our PrintableString. */
static void dn_string_types(void **state)
{
	struct conn_id id = dn("C=CH, O=strongSwan, CN=moon.strongswan.org");
	struct conn_id s;
	struct sig_peer p;
	/* CN as BMPString "ab", UniversalString "ab", IA5String "ab". */
	static const uint8_t bmp[] = {
		0x30, 0x0f, 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55, 0x04,
		0x03, 0x1e, 0x04, 0x00, 'a', 0x00, 'b',
	};
	static const uint8_t univ[] = {
		0x30, 0x13, 0x31, 0x11, 0x30, 0x0f, 0x06, 0x03, 0x55, 0x04,
		0x03, 0x1c, 0x08, 0, 0, 0, 'a', 0, 0, 0, 'b',
	};
	static const uint8_t ia5[] = {
		0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04,
		0x03, 0x16, 0x02, 'a', 'b',
	};
	/* CN as OCTET STRING "ab": not a string type, never equal to one. */
	static const uint8_t octets[] = {
		0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04,
		0x03, 0x04, 0x02, 'a', 'b',
	};
	struct conn_id ab = dn("CN=AB");

	load(&p, "moon.pem");
	s = subject(&p);
	assert_int_equal(value_tag(&s, 6), 0x13);
	assert_int_equal(value_tag(&s, 10), 0x0c);
	assert_false(s.len == id.len && !memcmp(s.data, id.data, s.len));
	assert_true(dn_eq(&id, &s));
	assert_true(dn_eq(&s, &id));
	assert_true(identity_match(&id, IKE_ID_DER_ASN1_DN, s.data, s.len));

	assert_true(identity_dn_match(ab.data, ab.len, bmp, sizeof(bmp)));
	assert_true(identity_dn_match(ab.data, ab.len, univ, sizeof(univ)));
	assert_true(identity_dn_match(ab.data, ab.len, ia5, sizeof(ia5)));
	assert_true(identity_dn_match(bmp, sizeof(bmp), univ, sizeof(univ)));
	assert_false(identity_dn_match(ab.data, ab.len, octets,
				       sizeof(octets)));
	assert_true(identity_dn_match(octets, sizeof(octets), octets,
				      sizeof(octets)));
	sig_peer_free(&p);
}

static void dn_case_spaces_order(void **state)
{
	struct conn_id a = dn("C=CH, O=strongSwan, CN=moon.strongswan.org");
	struct conn_id b = dn("c=ch, o=STRONGSWAN, cn=Moon.StrongSwan.Org");
	struct conn_id c = dn("O=strongSwan, C=CH, CN=moon.strongswan.org");
	struct conn_id d = dn("C=CH, O=strongSwan");
	struct conn_id e = dn("C=CH, O=strongSwan, CN=sun.strongswan.org");
	struct conn_id f = dn("O=strong Swan");
	struct conn_id g = dn("O=  strong\\ \\ \\  Swan\\ ");
	struct conn_id h = dn("OU=strongSwan");

	assert_true(dn_eq(&a, &b));
	assert_false(dn_eq(&a, &c));	/* attribute order differs */
	assert_false(dn_eq(&a, &d));	/* one RDN fewer */
	assert_false(dn_eq(&d, &a));
	assert_false(dn_eq(&a, &e));
	assert_true(dn_eq(&f, &g));	/* insignificant spaces */
	assert_false(dn_eq(&f, &h));	/* other attribute, same value */
}

static void dn_wildcard(void **state)
{
	struct conn_id w = dn("C=CH, O=strongSwan, CN=*");
	struct conn_id a = dn("C=CH, O=strongSwan, CN=moon.strongswan.org");
	struct conn_id o = dn("C=CH, O=other, CN=moon.strongswan.org");
	struct conn_id s;
	struct sig_peer p;
	char why[512];

	load(&p, "moon.pem");
	s = subject(&p);
	assert_true(identity_is_wildcard(&w));
	assert_false(identity_is_wildcard(&a));
	assert_true(dn_eq(&w, &a));
	assert_true(dn_eq(&w, &s));
	assert_false(dn_eq(&w, &o));
	assert_false(dn_eq(&a, &w));	/* only the configured side's */
	/* "*" needs an RDN to stand for. */
	assert_false(dn_eq(&w, &(struct conn_id){ 0 }));
	o = dn("C=CH, O=strongSwan");
	assert_false(dn_eq(&w, &o));
	/* A peer does not get in by sending a wildcard ID. */
	assert_int_equal(identity_in_cert(&p, IKE_ID_DER_ASN1_DN, w.data,
					  w.len, why, sizeof(why)), -EACCES);
	sig_peer_free(&p);
}

static void dn_malformed(void **state)
{
	struct conn_id a = dn("C=CH, O=strongSwan, CN=moon");
	static const uint8_t garbage[] = { 0x30, 0x05, 0x31, 0x03, 0x30 };
	static const uint8_t not_seq[] = { 0x04, 0x02, 'a', 'b' };
	char text[IDENTITY_TEXT_MAX];
	struct conn_id cut = a;

	cut.len -= 3;
	assert_false(dn_eq(&a, &cut));
	assert_false(dn_eq(&cut, &a));
	assert_false(identity_dn_match(a.data, a.len, garbage,
				       sizeof(garbage)));
	assert_false(identity_dn_match(a.data, a.len, not_seq,
				       sizeof(not_seq)));
	assert_false(identity_dn_match(a.data, a.len, NULL, 0));
	assert_false(identity_match(&a, IKE_ID_DER_ASN1_DN, garbage,
				    sizeof(garbage)));
	assert_string_equal(identity_text(IKE_ID_DER_ASN1_DN, garbage,
					  sizeof(garbage), text, sizeof(text)),
			    "(ID type 9, 5 bytes)");
}

/* A DN of n RDNs "CN=" in big; returns its length. */
static size_t many_rdns(uint8_t *big, size_t n)
{
	static const uint8_t rdn[] = {
		0x31, 0x09, 0x30, 0x07, 0x06, 0x03, 0x55, 0x04, 0x03, 0x13,
		0x00,
	};
	size_t body = n * sizeof(rdn);

	big[0] = 0x30;
	big[1] = 0x82;
	big[2] = (uint8_t)(body >> 8);
	big[3] = (uint8_t)body;
	for (size_t i = 0; i < n; i++)
		memcpy(big + 4 + i * sizeof(rdn), rdn, sizeof(rdn));
	return 4 + body;
}

/* 300 RDNs (3304 bytes), well-formed, are refused unread; 100 are not. */
static void dn_too_long(void **state)
{
	uint8_t *big = malloc(4 + 300 * 11);
	char text[IDENTITY_TEXT_MAX];
	size_t len;

	assert_non_null(big);
	len = many_rdns(big, 100);
	assert_true(identity_dn_match(big, len, big, len));
	len = many_rdns(big, 300);
	assert_false(identity_dn_match(big, len, big, len));
	assert_string_equal(identity_text(IKE_ID_DER_ASN1_DN, big, len, text,
					  sizeof(text)),
			    "(ID type 9, 3304 bytes)");
	free(big);
}

static void names_match(void **state)
{
	struct conn_id f = name(IKE_ID_FQDN, "Moon.StrongSwan.org");
	struct conn_id m = name(IKE_ID_RFC822_ADDR, "Moon@StrongSwan.org");
	struct conn_id any = { 0 };
	struct conn_id ip = { .type = IKE_ID_IPV4_ADDR, .len = 4 };

	memcpy(ip.data, "\xc0\x00\x02\x01", 4);
	assert_true(identity_match(&f, IKE_ID_FQDN,
				   (const uint8_t *)"moon.strongswan.ORG", 19));
	assert_false(identity_match(&f, IKE_ID_FQDN,
				    (const uint8_t *)"moon.strongswan.or", 18));
	assert_false(identity_match(&f, IKE_ID_FQDN,
				    (const uint8_t *)"moon.strongswan.o\0", 19));
	assert_false(identity_match(&f, IKE_ID_RFC822_ADDR,
				    (const uint8_t *)"moon.strongswan.org", 19));
	/* The domain without regard to case, the local part exactly. */
	assert_true(identity_match(&m, IKE_ID_RFC822_ADDR,
				   (const uint8_t *)"Moon@strongswan.ORG", 19));
	assert_false(identity_match(&m, IKE_ID_RFC822_ADDR,
				    (const uint8_t *)"moon@strongswan.org", 19));
	assert_false(identity_match(&m, IKE_ID_RFC822_ADDR,
				    (const uint8_t *)"Moon@strongswan.or\0", 19));
	assert_true(identity_match(&ip, IKE_ID_IPV4_ADDR,
				   (const uint8_t *)"\xc0\x00\x02\x01", 4));
	assert_false(identity_match(&ip, IKE_ID_IPV4_ADDR,
				    (const uint8_t *)"\xc0\x00\x02\x02", 4));
	assert_true(identity_match(&any, IKE_ID_KEY_ID,
				   (const uint8_t *)"x", 1));
}

static void text(void **state)
{
	struct conn_id a = dn("C=CH, O=a\\, b, CN=moon, E=m@x");
	char t[IDENTITY_TEXT_MAX];
	struct ip_addr ip;
	struct sig_peer p;
	struct conn_id s;

	assert_string_equal(identity_text(a.type, a.data, a.len, t, sizeof(t)),
			    "dn:C=CH, O=a\\, b, CN=moon, E=m@x");
	load(&p, "moon.pem");
	s = subject(&p);
	assert_string_equal(identity_text(s.type, s.data, s.len, t, sizeof(t)),
			    "dn:C=CH, O=strongSwan, CN=moon.strongswan.org");
	sig_peer_free(&p);
	assert_string_equal(identity_text(IKE_ID_FQDN,
					  (const uint8_t *)"a.b\n", 4, t,
					  sizeof(t)), "fqdn:a.b?");
	assert_string_equal(identity_text(IKE_ID_RFC822_ADDR,
					  (const uint8_t *)"a@b", 3, t,
					  sizeof(t)), "email:a@b");
	assert_int_equal(ip_addr_parse("2001:db8::1", &ip), 0);
	assert_string_equal(identity_text(IKE_ID_IPV6_ADDR, ip.bytes, 16, t,
					  sizeof(t)), "ip:2001:db8::1");
	assert_string_equal(identity_text(IKE_ID_KEY_ID,
					  (const uint8_t *)"k", 1, t,
					  sizeof(t)), "(ID type 11, 1 bytes)");
	/* Cut short, never overrun. */
	assert_string_equal(identity_text(a.type, a.data, a.len, t, 8),
			    "dn:C=CH");
}

static int in_cert(const struct sig_peer *p, uint8_t type, const void *id,
		   size_t len, char *why)
{
	return identity_in_cert(p, type, id, len, why, 512);
}

static void cert_names(void **state)
{
	struct conn_id a = dn("C=CH, O=strongSwan, CN=moon.strongswan.org");
	struct conn_id b = dn("C=ch, o=StrongSwan, CN=MOON.strongswan.org");
	struct conn_id c = dn("C=CH, O=strongSwan, CN=sun.strongswan.org");
	struct sig_peer p;
	struct ip_addr ip;
	char why[512] = "";

	load(&p, "moon.pem");
	assert_int_equal(in_cert(&p, a.type, a.data, a.len, why), 0);
	assert_int_equal(in_cert(&p, b.type, b.data, b.len, why), 0);
	assert_int_equal(in_cert(&p, c.type, c.data, c.len, why), -EACCES);
	assert_string_equal(why, "peer ID dn:C=CH, O=strongSwan, "
			    "CN=sun.strongswan.org not in certificate C=CH, "
			    "O=strongSwan, CN=moon.strongswan.org, SANs: "
			    "fqdn:moon.strongswan.org, email:Moon@strongswan.org, "
			    "ip:192.0.2.1, ip:2001:db8::1");
	assert_int_equal(in_cert(&p, IKE_ID_FQDN, "MOON.strongswan.org", 19,
				 why), 0);
	assert_int_equal(in_cert(&p, IKE_ID_FQDN, "strongswan.org", 14, why),
			 -EACCES);
	assert_string_equal(why, "peer ID fqdn:strongswan.org not in "
			    "certificate C=CH, O=strongSwan, "
			    "CN=moon.strongswan.org, SANs: "
			    "fqdn:moon.strongswan.org, email:Moon@strongswan.org, "
			    "ip:192.0.2.1, ip:2001:db8::1");
	assert_int_equal(in_cert(&p, IKE_ID_FQDN, "moon.strongswan.org\0", 20,
				 why), -EACCES);
	assert_int_equal(in_cert(&p, IKE_ID_RFC822_ADDR, "Moon@strongswan.org",
				 19, why), 0);
	assert_int_equal(in_cert(&p, IKE_ID_RFC822_ADDR, "sun@strongswan.org",
				 18, why), -EACCES);
	/* A name of the right kind only. */
	assert_int_equal(in_cert(&p, IKE_ID_FQDN, "Moon@strongswan.org", 19,
				 why), -EACCES);
	assert_int_equal(in_cert(&p, IKE_ID_FQDN, "192.0.2.1", 9, why),
			 -EACCES);
	assert_int_equal(ip_addr_parse("192.0.2.1", &ip), 0);
	assert_int_equal(in_cert(&p, IKE_ID_IPV4_ADDR, ip.bytes, 4, why), 0);
	assert_int_equal(ip_addr_parse("192.0.2.2", &ip), 0);
	assert_int_equal(in_cert(&p, IKE_ID_IPV4_ADDR, ip.bytes, 4, why),
			 -EACCES);
	assert_string_equal(why, "peer ID ip:192.0.2.2 not in certificate "
			    "C=CH, O=strongSwan, CN=moon.strongswan.org, SANs: "
			    "fqdn:moon.strongswan.org, email:Moon@strongswan.org, "
			    "ip:192.0.2.1, ip:2001:db8::1");
	assert_int_equal(ip_addr_parse("2001:db8::1", &ip), 0);
	assert_int_equal(in_cert(&p, IKE_ID_IPV6_ADDR, ip.bytes, 16, why), 0);
	assert_int_equal(in_cert(&p, IKE_ID_KEY_ID, "moon", 4, why), -EACCES);
	sig_peer_free(&p);
}

/* Neither a wildcard dNSName nor the CN or the subject's E vouch. */
static void cert_no_stand_ins(void **state)
{
	struct sig_peer p;
	char why[512];

	load(&p, "sun.pem");
	assert_int_equal(in_cert(&p, IKE_ID_FQDN, "sun.strongswan.org", 18,
				 why), -EACCES);
	assert_string_equal(why, "peer ID fqdn:sun.strongswan.org not in "
			    "certificate C=CH, O=strongSwan, "
			    "CN=sun.strongswan.org, E=sun@strongswan.org, "
			    "SANs: fqdn:*.strongswan.org");
	assert_int_equal(in_cert(&p, IKE_ID_RFC822_ADDR, "sun@strongswan.org",
				 18, why), -EACCES);
	sig_peer_free(&p);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dn_encoding),
		cmocka_unit_test(dn_string_types),
		cmocka_unit_test(dn_case_spaces_order),
		cmocka_unit_test(dn_wildcard),
		cmocka_unit_test(dn_malformed),
		cmocka_unit_test(dn_too_long),
		cmocka_unit_test(names_match),
		cmocka_unit_test(text),
		cmocka_unit_test(cert_names),
		cmocka_unit_test(cert_no_stand_ins),
	};
	char self[512];

	/* From the top of the tree (tools/check), or next to build/tests. */
	snprintf(data_dir, sizeof(data_dir), "user/tests/data");
	if (access(data_dir, R_OK) && argc) {
		snprintf(self, sizeof(self), "%s", argv[0]);
		snprintf(data_dir, sizeof(data_dir), "%s/../../user/tests/data",
			 dirname(self));
	}
	return cmocka_run_group_tests_name("identity", tests, NULL, NULL);
}
