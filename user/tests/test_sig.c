// SPDX-License-Identifier: GPL-2.0
/*
 * Certificate authentication (engine/auth_sig.c, crypto/sign.c): a CA
 * and end-entity certificates made here with GnuTLS in a temporary
 * directory, then IKE_SA_INIT and IKE_AUTH between two engines joined by
 * an in-memory network with fake kernel backends (helpers as in
 * test_engine.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>

#include "crypto/sign.h"
#include "engine/auth_method.h"
#include "engine/conn.h"
#include "engine/engine.h"
#include "engine/identity.h"
#include "engine/ike_sa.h"
#include "ike/auth.h"
#include "ike/cert.h"
#include "ike/id.h"
#include "ike/message.h"
#include "ike/notify.h"
#include "backend/backend.h"

#include "harness.h"

/* The kernel SA of f with this SPI, live. */
static const struct kernel_sa *find_ksa(const struct fake *f, uint32_t spi)
{
	for (unsigned int i = 0; i < f->n_sas; i++)
		if (f->sa_live[i] && f->sas[i].spi == spi)
			return &f->sas[i];
	return NULL;
}

/* One direction: SA spi sent by one side equals the other's inbound. */
static void check_pair(const struct fake *out_f, const struct fake *in_f,
		       uint32_t spi)
{
	const struct kernel_sa *o = find_ksa(out_f, spi);
	const struct kernel_sa *i = find_ksa(in_f, spi);

	assert_non_null(o);
	assert_non_null(i);
	assert_true(ip_addr_equal(&o->src, &i->src));
	assert_true(ip_addr_equal(&o->dst, &i->dst));
	assert_int_equal(o->encr, i->encr);
	assert_int_equal(o->encr_key_bits, i->encr_key_bits);
	assert_int_equal(o->integ, i->integ);
	assert_int_equal(o->mode, i->mode);
	assert_int_equal(o->encr_key_len, i->encr_key_len);
	assert_true(o->encr_key_len > 0);
	assert_memory_equal(o->encr_key, i->encr_key, o->encr_key_len);
	assert_int_equal(o->integ_key_len, i->integ_key_len);
	if (o->integ_key_len)
		assert_memory_equal(o->integ_key, i->integ_key,
				    o->integ_key_len);
}

/* A Child SA on A and its twin on B: SPIs crosswise, keys equal. */
static void check_child(struct world *w, const struct childsa *a)
{
	const struct childsa *b;

	b = ikesa_find_child(only_sa(w, 1), a->spi_out, true);
	assert_non_null(b);
	assert_int_equal(b->spi_out, a->spi_in);
	assert_true(a->installed && b->installed);
	check_pair(&w->f[0], &w->f[1], a->spi_out);	/* A -> B */
	check_pair(&w->f[1], &w->f[0], a->spi_in);	/* B -> A */
	/* Outbound SA uses the child's own outer addresses. */
	assert_true(ip_addr_equal(&find_ksa(&w->f[0], a->spi_out)->dst,
				  &a->remote));
}

/* Certificates, made once for the whole run. */

enum kt { KT_RSA, KT_P256, KT_P384, KT_ED25519, KT_RSA4096, KT_N };

static const char *const kt_name[KT_N] = {
	"rsa", "p256", "p384", "ed25519", "rsa4096",
};

struct names {
	const char *cn, *dns, *email, *ip4, *ip6;
};

static const struct names side_names[2] = {
	{ "a.example", "a.example", "a@example.org", "192.0.2.1",
	  "2001:db8::1" },
	{ "b.example", "b.example", "b@example.org", "198.51.100.2",
	  "2001:db8::2" },
};

#define MAX_FILES	40
#define PATH_LEN	160

static struct {
	char dir[64];
	char ca_dir[PATH_LEN];
	gnutls_x509_privkey_t ca_key;
	gnutls_x509_crt_t ca;
	gnutls_x509_crt_t ee[2][KT_N];	/* for their subject DNs */
	char files[MAX_FILES][PATH_LEN];
	unsigned int n_files;
} pki;

static void pathof(char *out, const char *name, const char *ext)
{
	int n = snprintf(out, PATH_LEN, "%s/%s%s", pki.dir, name, ext);

	assert_true(n > 0 && n < PATH_LEN);
}

static void write_file(const char *path, const gnutls_datum_t *d)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(d->data, 1, d->size, f), d->size);
	assert_int_equal(fclose(f), 0);
	assert_true(pki.n_files < MAX_FILES);
	strcpy(pki.files[pki.n_files++], path);
}

static gnutls_x509_privkey_t genkey(enum kt t)
{
	static const struct {
		gnutls_pk_algorithm_t pk;
		unsigned int bits;
	} p[KT_N] = {
		{ GNUTLS_PK_RSA, 2048 },
		{ GNUTLS_PK_ECDSA,
		  GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1) },
		{ GNUTLS_PK_ECDSA,
		  GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1) },
		{ GNUTLS_PK_EDDSA_ED25519,
		  GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519) },
		{ GNUTLS_PK_RSA, 4096 },
	};
	gnutls_x509_privkey_t k;

	assert_int_equal(gnutls_x509_privkey_init(&k), 0);
	assert_int_equal(gnutls_x509_privkey_generate(k, p[t].pk, p[t].bits,
						      0), 0);
	return k;
}

static void add_ip_san(gnutls_x509_crt_t c, const char *text)
{
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(text, &a), 0);
	assert_int_equal(gnutls_x509_crt_set_subject_alt_name(c,
				GNUTLS_SAN_IPADDRESS, a.bytes,
				(unsigned int)ip_addr_len(&a),
				GNUTLS_FSAN_APPEND), 0);
}

static void add_san(gnutls_x509_crt_t c, gnutls_x509_subject_alt_name_t t,
		    const char *s)
{
	assert_int_equal(gnutls_x509_crt_set_subject_alt_name(c, t, s,
				(unsigned int)strlen(s), GNUTLS_FSAN_APPEND),
			 0);
}

/* A CA (san NULL, self-signed when issuer is NULL) or end entity. */
static gnutls_x509_crt_t mkcert(gnutls_x509_privkey_t key, const char *cn,
				const struct names *san,
				gnutls_x509_crt_t issuer,
				gnutls_x509_privkey_t ikey,
				time_t from, time_t to, unsigned int usage)
{
	static uint8_t serial = 1;
	gnutls_x509_crt_t c;
	const char *err;
	char dn[128];
	uint8_t sn[2] = { 0x10, serial++ };

	assert_int_equal(gnutls_x509_crt_init(&c), 0);
	assert_int_equal(gnutls_x509_crt_set_version(c, 3), 0);
	assert_int_equal(gnutls_x509_crt_set_serial(c, sn, sizeof(sn)), 0);
	assert_int_equal(gnutls_x509_crt_set_activation_time(c, from), 0);
	assert_int_equal(gnutls_x509_crt_set_expiration_time(c, to), 0);
	snprintf(dn, sizeof(dn), "CN=%s,O=mif test", cn);
	assert_int_equal(gnutls_x509_crt_set_dn(c, dn, &err), 0);
	assert_int_equal(gnutls_x509_crt_set_key(c, key), 0);
	assert_int_equal(gnutls_x509_crt_set_basic_constraints(c, !san, -1),
			 0);
	if (!usage)
		usage = san ? GNUTLS_KEY_DIGITAL_SIGNATURE :
			      GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN;
	assert_int_equal(gnutls_x509_crt_set_key_usage(c, usage), 0);
	if (san) {
		add_san(c, GNUTLS_SAN_DNSNAME, san->dns);
		add_san(c, GNUTLS_SAN_RFC822NAME, san->email);
		add_ip_san(c, san->ip4);
		add_ip_san(c, san->ip6);
	}
	assert_int_equal(gnutls_x509_crt_sign2(c, issuer ? issuer : c,
					       issuer ? ikey : key,
					       GNUTLS_DIG_SHA256, 0), 0);
	return c;
}

static void write_crt(const char *name, gnutls_x509_crt_t c)
{
	gnutls_datum_t d;
	char path[PATH_LEN];

	pathof(path, name, ".pem");
	assert_int_equal(gnutls_x509_crt_export2(c, GNUTLS_X509_FMT_PEM, &d),
			 0);
	write_file(path, &d);
	gnutls_free(d.data);
}

static void write_key(const char *name, gnutls_x509_privkey_t k)
{
	gnutls_datum_t d;
	char path[PATH_LEN];

	pathof(path, name, ".key");
	/* PKCS#8, but RSA and P-256 in their own formats too. */
	if (gnutls_x509_privkey_get_pk_algorithm(k) == GNUTLS_PK_RSA ||
	    strncmp(name, "p256", 4) == 0)
		assert_int_equal(gnutls_x509_privkey_export2(k,
					GNUTLS_X509_FMT_PEM, &d), 0);
	else
		assert_int_equal(gnutls_x509_privkey_export2_pkcs8(k,
					GNUTLS_X509_FMT_PEM, NULL,
					GNUTLS_PKCS_PLAIN, &d), 0);
	write_file(path, &d);
	gnutls_memset(d.data, 0, d.size);
	gnutls_free(d.data);
}

/*
 * An end entity of side with key type t, keyUsage usage (0: signatures);
 * returns its certificate. The file has sub after it, if not NULL.
 */
static gnutls_x509_crt_t make_ee(const char *name, int side, enum kt t,
				 gnutls_x509_crt_t ca,
				 gnutls_x509_privkey_t ca_key,
				 time_t from, time_t to, unsigned int usage,
				 gnutls_x509_crt_t sub)
{
	gnutls_x509_privkey_t k = genkey(t);
	gnutls_x509_crt_t c = mkcert(k, side_names[side].cn,
				     &side_names[side], ca, ca_key, from, to,
				     usage);
	gnutls_x509_crt_t both[2] = { c, sub };
	gnutls_datum_t d[2];
	gnutls_datum_t all;
	char path[PATH_LEN];

	if (sub) {
		for (int i = 0; i < 2; i++)
			assert_int_equal(gnutls_x509_crt_export2(both[i],
						GNUTLS_X509_FMT_PEM, &d[i]),
					 0);
		all.size = d[0].size + d[1].size;
		all.data = malloc(all.size);
		assert_non_null(all.data);
		memcpy(all.data, d[0].data, d[0].size);
		memcpy(all.data + d[0].size, d[1].data, d[1].size);
		pathof(path, name, ".pem");
		write_file(path, &all);
		free(all.data);
		gnutls_free(d[0].data);
		gnutls_free(d[1].data);
	} else {
		write_crt(name, c);
	}
	write_key(name, k);
	gnutls_x509_privkey_deinit(k);
	return c;
}

static int pki_setup(void **state)
{
	const time_t now = time(NULL), day = 86400;
	gnutls_x509_privkey_t rogue_key, sub_key;
	gnutls_x509_crt_t rogue, sub, c;
	char name[32];
	int n;

	strcpy(pki.dir, "/tmp/mif-test-sig-XXXXXX");
	assert_non_null(mkdtemp(pki.dir));
	n = snprintf(pki.ca_dir, sizeof(pki.ca_dir), "%s/ca", pki.dir);
	assert_true(n > 0 && n < PATH_LEN);
	assert_int_equal(mkdir(pki.ca_dir, 0700), 0);

	pki.ca_key = genkey(KT_P256);
	pki.ca = mkcert(pki.ca_key, "mif test CA", NULL, NULL, NULL,
			now - day, now + 365 * day, 0);
	write_crt("ca/ca", pki.ca);
	/* Another CA with the same name, which nobody trusts. */
	rogue_key = genkey(KT_P256);
	rogue = mkcert(rogue_key, "mif test CA", NULL, NULL, NULL,
		       now - day, now + 365 * day, 0);
	write_crt("rogue-ca", rogue);
	/* An intermediate CA, not in the CA directory. */
	sub_key = genkey(KT_P384);
	sub = mkcert(sub_key, "mif test sub CA", NULL, pki.ca, pki.ca_key,
		     now - day, now + 365 * day, 0);

	for (int side = 0; side < 2; side++) {
		for (int t = 0; t < KT_N; t++) {
			snprintf(name, sizeof(name), "%s-%c", kt_name[t],
				 'a' + side);
			pki.ee[side][t] = make_ee(name, side, (enum kt)t,
						  pki.ca, pki.ca_key,
						  now - day, now + 30 * day,
						  0, NULL);
		}
		snprintf(name, sizeof(name), "expired-%c", 'a' + side);
		c = make_ee(name, side, KT_P256, pki.ca, pki.ca_key,
			    now - 60 * day, now - day, 0, NULL);
		gnutls_x509_crt_deinit(c);
		snprintf(name, sizeof(name), "rogue-%c", 'a' + side);
		c = make_ee(name, side, KT_P256, rogue, rogue_key,
			    now - day, now + 30 * day, 0, NULL);
		gnutls_x509_crt_deinit(c);
		snprintf(name, sizeof(name), "chain-%c", 'a' + side);
		c = make_ee(name, side, KT_RSA, sub, sub_key,
			    now - day, now + 30 * day, 0, sub);
		gnutls_x509_crt_deinit(c);
		snprintf(name, sizeof(name), "nosign-%c", 'a' + side);
		c = make_ee(name, side, KT_P256, pki.ca, pki.ca_key,
			    now - day, now + 30 * day,
			    GNUTLS_KEY_KEY_ENCIPHERMENT, NULL);
		gnutls_x509_crt_deinit(c);
	}
	gnutls_x509_crt_deinit(sub);
	gnutls_x509_privkey_deinit(sub_key);
	gnutls_x509_crt_deinit(rogue);
	gnutls_x509_privkey_deinit(rogue_key);
	return 0;
}

static int pki_teardown(void **state)
{
	for (unsigned int i = 0; i < pki.n_files; i++)
		unlink(pki.files[i]);
	rmdir(pki.ca_dir);
	rmdir(pki.dir);
	for (int side = 0; side < 2; side++)
		for (int t = 0; t < KT_N; t++)
			gnutls_x509_crt_deinit(pki.ee[side][t]);
	gnutls_x509_crt_deinit(pki.ca);
	gnutls_x509_privkey_deinit(pki.ca_key);
	return 0;
}

static struct sig_creds *load(const char *name, bool trust)
{
	struct sig_creds *c;
	char cert[PATH_LEN], key[PATH_LEN];

	if (name) {
		pathof(cert, name, ".pem");
		pathof(key, name, ".key");
	}
	assert_int_equal(sig_creds_load(&c, name ? cert : NULL,
					name ? key : NULL,
					trust ? pki.ca_dir : NULL), 0);
	return c;
}

/* Two engines with certificates: name is e.g. "rsa-a", method 1..14. */
static struct world *world_new(const char *cert_a, uint8_t method_a,
			       const char *cert_b, uint8_t method_b)
{
	struct world *w = test_world_new(IKE_DH_ECP_256, true);
	const char *cert[2] = { cert_a, cert_b };
	const uint8_t method[2] = { method_a, method_b };

	for (int i = 0; i < 2; i++) {
		w->c[i].psk_len = 0;
		w->c[i].auth_method = method[i];
		w->c[i].sig_creds = load(cert[i], true);
		/* Method 1 is SHA-1: allowed where a test uses it. */
		w->c[i].rsa_sha1 = method_a == IKE_AUTH_RSA_SIG ||
				   method_b == IKE_AUTH_RSA_SIG;
	}
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	return w;
}

static void world_free(struct world *w)
{
	drop_all(w);
	engine_free(&w->e[0]);
	engine_free(&w->e[1]);
	sig_creds_free(w->c[0].sig_creds);
	sig_creds_free(w->c[1].sig_creds);
	free(w);
}

/* What an IKE_AUTH message carries. */
struct seen {
	uint8_t method;
	uint8_t algid[128];
	size_t algid_len;
	unsigned int n_cert, n_certreq;
	uint8_t certreq[IKE_CERTREQ_HASH_LEN];
	size_t certreq_len;
	bool auth_failed;
};

/* Decrypt d, sent to sa (whose keys open it), and look inside. */
static void inspect(struct ikesa *sa, const struct dgram *d, struct seen *s)
{
	struct ike_chain *c = calloc(1, sizeof(*c));
	const struct ike_payload *pl = NULL;
	struct ikesa_plain plain;
	struct ike_error err;

	assert_non_null(c);
	memset(s, 0, sizeof(*s));
	assert_int_equal(ikesa_decrypt(sa, d->buf, d->len, c, &plain, &err),
			 0);
	s->auth_failed = ike_chain_find_notify(c,
				IKE_N_AUTHENTICATION_FAILED) != NULL;
	pl = ike_chain_find(c, IKE_PL_AUTH, NULL);
	if (pl) {
		s->method = pl->auth->method;
		if (s->method == IKE_AUTH_DIGITAL_SIGNATURE) {
			s->algid_len = pl->auth->data[0];
			memcpy(s->algid, pl->auth->data + 1, s->algid_len);
		}
	}
	for (pl = NULL; (pl = ike_chain_find(c, IKE_PL_CERT, pl));) {
		assert_int_equal(pl->cert->encoding, IKE_CERT_X509_SIG);
		s->n_cert++;
	}
	for (pl = NULL; (pl = ike_chain_find(c, IKE_PL_CERTREQ, pl));) {
		s->n_certreq++;
		s->certreq_len = pl->cert->len;
		if (pl->cert->len == IKE_CERTREQ_HASH_LEN)
			memcpy(s->certreq, pl->cert->data, pl->cert->len);
	}
	ike_chain_free(c);
	ikesa_plain_free(&plain);
	free(c);
}

/* The SHA-1 hash of the test CA's SubjectPublicKeyInfo. */
static void ca_hash(uint8_t out[IKE_CERTREQ_HASH_LEN])
{
	gnutls_pubkey_t pub;
	gnutls_datum_t spki;

	assert_int_equal(gnutls_pubkey_init(&pub), 0);
	assert_int_equal(gnutls_pubkey_import_x509(pub, pki.ca, 0), 0);
	assert_int_equal(gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER,
					       &spki), 0);
	assert_int_equal(gnutls_hash_fast(GNUTLS_DIG_SHA1, spki.data,
					  spki.size, out), 0);
	gnutls_free(spki.data);
	gnutls_pubkey_deinit(pub);
}

/* The plain IKE_SA_INIT message d: its notify and CERTREQ. */
static void inspect_init(const struct dgram *d, bool want_certreq)
{
	struct ike_message m;
	struct ike_error err;
	const struct ike_payload *pl;
	static const uint8_t hashes[] = { 0, 2, 0, 3, 0, 4, 0, 5 };
	uint8_t h[IKE_CERTREQ_HASH_LEN];

	assert_int_equal(ike_message_parse(&m, d->buf, d->len, &err), 0);
	pl = ike_chain_find_notify(&m.chain, IKE_N_SIGNATURE_HASH_ALGORITHMS);
	assert_non_null(pl);
	assert_int_equal(pl->notify->len, sizeof(hashes));
	assert_memory_equal(pl->notify->data, hashes, sizeof(hashes));
	pl = ike_chain_find(&m.chain, IKE_PL_CERTREQ, NULL);
	if (want_certreq) {
		assert_non_null(pl);
		assert_int_equal(pl->cert->encoding, IKE_CERT_X509_SIG);
		assert_int_equal(pl->cert->len, IKE_CERTREQ_HASH_LEN);
		ca_hash(h);
		assert_memory_equal(pl->cert->data, h, sizeof(h));
	} else {
		assert_null(pl);
	}
	ike_message_free(&m);
}

/* Nothing authenticated, nothing installed, on either side. */
static void nothing_installed(struct world *w)
{
	for (int i = 0; i < 2; i++) {
		assert_int_equal(w->f[i].n_add_sa, 0);
		assert_int_equal(w->f[i].n_add_pol, 0);
		assert_int_equal(live_sas(&w->f[i]), 0);
		assert_int_equal(live_pols(&w->f[i]), 0);
		assert_int_equal(live_allocs(&w->f[i]), 0);
	}
}

/*
 * A full IKE_SA_INIT and IKE_AUTH, message by message; the AlgorithmIdentifier
 * of method 14 is checked by its length and last byte (hash OID).
 */
struct expect {
	size_t algid_len;
	uint8_t algid_last;
};

static void run(const char *cert_a, uint8_t ma, const char *cert_b,
		uint8_t mb, bool pss, struct expect ea, struct expect eb)
{
	struct world *w = world_new(cert_a, ma, cert_b, mb);
	uint8_t h[IKE_CERTREQ_HASH_LEN];
	struct ikesa *sa;
	struct seen s;

	w->c[0].rsa_pss = w->c[1].rsa_pss = pss;
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	assert_non_null(sa);
	inspect_init(&w->q[0], false);
	deliver_next(w, 0);	/* INIT request */
	inspect_init(&w->q[0], true);
	deliver_next(w, 0);	/* INIT response */
	inspect(only_sa(w, 1), &w->q[0], &s);	/* AUTH request */
	assert_int_equal(s.method, ma);
	assert_int_equal(s.n_cert, w->c[0].sig_creds->n_certs);
	assert_int_equal(s.n_certreq, 1);
	assert_int_equal(s.certreq_len, IKE_CERTREQ_HASH_LEN);
	ca_hash(h);
	assert_memory_equal(s.certreq, h, sizeof(h));
	if (ma == IKE_AUTH_DIGITAL_SIGNATURE) {
		assert_int_equal(s.algid_len, ea.algid_len);
		assert_int_equal(s.algid[s.algid_len - 1], ea.algid_last);
	}
	deliver_next(w, 0);
	inspect(sa, &w->q[0], &s);	/* AUTH response */
	assert_false(s.auth_failed);
	assert_int_equal(s.method, mb);
	assert_int_equal(s.n_cert, w->c[1].sig_creds->n_certs);
	assert_int_equal(s.n_certreq, 0);
	if (mb == IKE_AUTH_DIGITAL_SIGNATURE) {
		assert_int_equal(s.algid_len, eb.algid_len);
		assert_int_equal(s.algid[s.algid_len - 1], eb.algid_last);
	}
	deliver_next(w, 0);
	assert_int_equal(w->n, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	assert_int_equal(n_children(sa), 1);
	check_child(w, sa->children);
	world_free(w);
}

#define DS	IKE_AUTH_DIGITAL_SIGNATURE
/* AlgorithmIdentifier length, last byte. */
static const struct expect rsa256 = { 15, 0x00 };
static const struct expect pss256 = { 67, 32 };
static const struct expect ec256 = { 12, 0x02 };
static const struct expect ec384 = { 12, 0x03 };
static const struct expect eddsa = { 7, 0x70 };
static const struct expect none = { 0, 0 };

static void ds_rsa(void **state)
{
	run("rsa-a", DS, "rsa-b", DS, false, rsa256, rsa256);
}

static void ds_rsa_pss(void **state)
{
	run("rsa-a", DS, "rsa-b", DS, true, pss256, pss256);
}

/* A 512-byte signature and its AlgorithmIdentifier: more than 512 bytes. */
static void ds_rsa4096(void **state)
{
	run("rsa4096-a", DS, "rsa4096-b", DS, false, rsa256, rsa256);
	run("rsa4096-a", DS, "rsa4096-b", DS, true, pss256, pss256);
}

static void ds_p256(void **state)
{
	run("p256-a", DS, "p256-b", DS, false, ec256, ec256);
}

static void ds_p384(void **state)
{
	run("p384-a", DS, "p384-b", DS, false, ec384, ec384);
}

static void ds_ed25519(void **state)
{
	run("ed25519-a", DS, "ed25519-b", DS, false, eddsa, eddsa);
}

static void classic_rsa(void **state)
{
	run("rsa-a", IKE_AUTH_RSA_SIG, "rsa-b", IKE_AUTH_RSA_SIG, false,
	    none, none);
}

static void classic_p256(void **state)
{
	run("p256-a", IKE_AUTH_ECDSA_256, "p256-b", IKE_AUTH_ECDSA_256,
	    false, none, none);
}

static void classic_p384(void **state)
{
	run("p384-a", IKE_AUTH_ECDSA_384, "p384-b", IKE_AUTH_ECDSA_384,
	    false, none, none);
}

/* Each side its own key type and method. */
static void mixed(void **state)
{
	run("ed25519-a", DS, "rsa-b", IKE_AUTH_RSA_SIG, false, eddsa, none);
	run("p384-a", IKE_AUTH_ECDSA_384, "rsa-b", DS, true, none, pss256);
	run("rsa-a", DS, "p256-b", IKE_AUTH_ECDSA_256, false, rsa256, none);
}

/*
 * B's connection for A's IKE_SA_INIT (the first for the addresses) is
 * not the one IKE_AUTH chooses for A's ID: what B sends in IKE_AUTH,
 * its CERT payloads, AUTH method and signature, is of the connection
 * finally chosen, and it signs with a hash of A's
 * SIGNATURE_HASH_ALGORITHMS. The IKE_SA_INIT answer offered the CAs of
 * both (init_certreq_candidates in test_engine.c).
 */
static void final_conn_payloads(void **state)
{
	struct world *w = world_new("p256-a", DS, "p256-b", DS);
	struct conn *first = malloc(sizeof(*first));
	struct ikesa *sa;
	struct seen s;

	assert_non_null(first);
	*first = w->c[1];
	first->name = "first";
	first->sig_creds = load("rsa-b", true);
	first->auth_method = IKE_AUTH_RSA_SIG;
	first->rsa_sha1 = true;
	set_id(&first->remote_id, "c.example");	/* not A */
	engine_clear_conns(&w->e[1]);
	assert_int_equal(engine_add_conn(&w->e[1], first), 0);
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	assert_non_null(sa);
	deliver_next(w, 0);	/* INIT request */
	assert_ptr_equal(only_sa(w, 1)->conn, first);
	inspect_init(&w->q[0], true);
	deliver_next(w, 0);	/* INIT response */
	deliver_next(w, 0);	/* AUTH request */
	assert_ptr_equal(only_sa(w, 1)->conn, &w->c[1]);
	inspect(sa, &w->q[0], &s);	/* AUTH response */
	assert_false(s.auth_failed);
	assert_int_equal(s.method, DS);
	assert_int_equal(s.algid_len, ec256.algid_len);
	assert_int_equal(s.algid[s.algid_len - 1], ec256.algid_last);
	assert_int_equal(s.n_cert, w->c[1].sig_creds->n_certs);
	assert_int_equal(s.n_certreq, 0);
	deliver_next(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	check_child(w, sa->children);
	world_free(w);
	sig_creds_free(first->sig_creds);
	free(first);
}

/*
 * Make the SIGNATURE_HASH_ALGORITHMS notify in an IKE_SA_INIT message
 * list hash h only (four times). The sender's own copy is patched too,
 * as AUTH signs the message.
 */
static void patch_hashes(uint8_t *buf, size_t len, uint16_t h)
{
	static const uint8_t ours[] = { 0, 2, 0, 3, 0, 4, 0, 5 };
	uint8_t *p = memmem(buf, len, ours, sizeof(ours));

	assert_non_null(p);
	for (int i = 0; i < 4; i++) {
		p[2 * i] = (uint8_t)(h >> 8);
		p[2 * i + 1] = (uint8_t)h;
	}
}

/* Each side signs with the one hash the other offers. */
static void peer_hashes_honoured(void **state)
{
	struct world *w = world_new("rsa-a", DS, "p256-b", DS);
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);
	struct seen s;

	patch_hashes(w->q[0].buf, w->q[0].len, SIG_HASH_SHA2_384);
	patch_hashes(sa->init_req, sa->init_req_len, SIG_HASH_SHA2_384);
	deliver_next(w, 0);
	patch_hashes(w->q[0].buf, w->q[0].len, SIG_HASH_SHA2_512);
	patch_hashes(only_sa(w, 1)->init_resp, only_sa(w, 1)->init_resp_len,
		     SIG_HASH_SHA2_512);
	deliver_next(w, 0);
	inspect(only_sa(w, 1), &w->q[0], &s);
	assert_int_equal(s.algid_len, 15);
	assert_int_equal(s.algid[12], 0x0d);	/* sha512WithRSAEncryption */
	deliver_next(w, 0);
	inspect(sa, &w->q[0], &s);
	assert_int_equal(s.algid_len, 12);
	assert_int_equal(s.algid[11], 0x03);	/* ecdsa-with-SHA384 */
	deliver_next(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	world_free(w);
}

/* The initiator can not verify Ed25519: the responder can not sign. */
static void no_common_hash(void **state)
{
	struct world *w = world_new("p256-a", DS, "ed25519-b", DS);
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);

	patch_hashes(w->q[0].buf, w->q[0].len, SIG_HASH_SHA2_256);
	patch_hashes(sa->init_req, sa->init_req_len, SIG_HASH_SHA2_256);
	deliver_next(w, 0);
	deliver_next(w, 0);
	deliver_next(w, 0);
	assert_null(w->e[1].sas);
	assert_true(deliver_next_notify(w, sa, IKE_N_AUTHENTICATION_FAILED, 0));
	assert_null(w->e[0].sas);
	nothing_installed(w);
	world_free(w);
}

/* EE, intermediate CA: two CERT payloads each way. */
static void intermediate(void **state)
{
	run("chain-a", DS, "chain-b", IKE_AUTH_RSA_SIG, false, rsa256, none);
}

static void set_id_raw(struct conn_id *id, uint8_t type, const void *data,
		       size_t len)
{
	assert_true(len <= sizeof(id->data));
	id->type = type;
	memcpy(id->data, data, len);
	id->len = len;
}

/* Establish with A's ID set to type/data (B expects exactly that). */
static void id_type(uint8_t type, const void *data, size_t len)
{
	struct world *w = world_new("p256-a", DS, "ed25519-b", DS);
	struct ikesa *sa;

	set_id_raw(&w->c[0].local_id, type, data, len);
	set_id_raw(&w->c[1].remote_id, type, data, len);
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	assert_non_null(sa);
	pump(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	check_child(w, sa->children);
	world_free(w);
}

static void id_ipv4(void **state)
{
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(side_names[0].ip4, &a), 0);
	id_type(IKE_ID_IPV4_ADDR, a.bytes, 4);
}

static void id_ipv6(void **state)
{
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(side_names[0].ip6, &a), 0);
	id_type(IKE_ID_IPV6_ADDR, a.bytes, 16);
}

static void id_rfc822(void **state)
{
	id_type(IKE_ID_RFC822_ADDR, "A@Example.org", 13);
}

static void id_dn(void **state)
{
	gnutls_datum_t dn;

	assert_int_equal(gnutls_x509_crt_get_raw_dn(pki.ee[0][KT_P256], &dn),
			 0);
	id_type(IKE_ID_DER_ASN1_DN, dn.data, dn.size);
	gnutls_free(dn.data);
}

/*
 * The initiator's AUTH is refused: the responder answers
 * AUTHENTICATION_FAILED and forgets the SA, the initiator too.
 */
static void refused_by_responder(struct world *w)
{
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);

	assert_non_null(sa);
	deliver_next(w, 0);
	deliver_next(w, 0);
	deliver_next(w, 0);	/* AUTH request */
	assert_null(w->e[1].sas);
	assert_true(deliver_next_notify(w, sa, IKE_N_AUTHENTICATION_FAILED, 0));
	assert_null(w->e[0].sas);
	assert_int_equal(w->n, 0);
	nothing_installed(w);
	world_free(w);
}

/* side's subject DN (GnuTLS's encoding: UTF8String) into id. */
static void subject_id(struct conn_id *id, int side)
{
	gnutls_datum_t dn;

	assert_int_equal(gnutls_x509_crt_get_raw_dn(pki.ee[side][KT_P256],
						    &dn), 0);
	set_id_raw(id, IKE_ID_DER_ASN1_DN, dn.data, dn.size);
	gnutls_free(dn.data);
}

/* A configured DN, as a user writes it, into id. */
static void dn_id(struct conn_id *id, const char *text)
{
	memset(id, 0, sizeof(*id));
	assert_int_equal(identity_dn_parse(text, id), 0);
}

/*
 * remote_id = dn:... written by hand (PrintableString, other case) for
 * a certificate whose subject GnuTLS encoded (UTF8String), and with
 * CN=* on both sides; the initiator sends no IDr for a wildcard.
 */
static void id_dn_by_meaning(void **state)
{
	struct world *w = world_new("p256-a", DS, "p256-b", DS);
	struct ikesa *sa;

	subject_id(&w->c[0].local_id, 0);
	dn_id(&w->c[1].remote_id, "o=MIF Test, CN=A.Example");
	assert_false(w->c[1].remote_id.len == w->c[0].local_id.len &&
		     !memcmp(w->c[1].remote_id.data, w->c[0].local_id.data,
			     w->c[0].local_id.len));
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	assert_non_null(sa);
	pump(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	world_free(w);

	w = world_new("p256-a", DS, "p256-b", DS);
	subject_id(&w->c[0].local_id, 0);
	subject_id(&w->c[1].local_id, 1);
	dn_id(&w->c[0].remote_id, "O=mif test, CN=*");
	dn_id(&w->c[1].remote_id, "O=mif test, CN=*");
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	assert_non_null(sa);
	pump(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	world_free(w);

	/* Another O: refused. */
	w = world_new("p256-a", DS, "p256-b", DS);
	subject_id(&w->c[0].local_id, 0);
	dn_id(&w->c[1].remote_id, "O=other, CN=*");
	refused_by_responder(w);
}

static void untrusted_ca(void **state)
{
	refused_by_responder(world_new("rogue-a", DS, "p256-b", DS));
}

static void expired_cert(void **state)
{
	refused_by_responder(world_new("expired-a", DS, "p256-b", DS));
}

static void key_usage(void **state)
{
	refused_by_responder(world_new("nosign-a", DS, "p256-b", DS));
}

static void id_not_in_cert(void **state)
{
	struct world *w = world_new("p256-a", DS, "p256-b", DS);

	set_id(&w->c[0].local_id, "c.example");
	w->c[1].remote_id.len = 0;	/* any: only the cert can refuse */
	refused_by_responder(w);

	w = world_new("p256-a", DS, "p256-b", DS);
	set_id_raw(&w->c[0].local_id, IKE_ID_IPV4_ADDR, "\xc0\x00\x02\x09",
		   4);
	w->c[1].remote_id.len = 0;
	refused_by_responder(w);

	/* B's name in A's ID: in B's certificate, not in A's. */
	w = world_new("p256-a", DS, "p256-b", DS);
	set_id(&w->c[0].local_id, "b.example");
	w->c[1].remote_id.len = 0;
	refused_by_responder(w);
}

static void remote_id_mismatch(void **state)
{
	struct world *w = world_new("p256-a", DS, "p256-b", DS);

	set_id(&w->c[1].remote_id, "x.example");
	refused_by_responder(w);
}

/* No CA directory on B: it can not check any certificate. */
static void no_trust(void **state)
{
	struct world *w = world_new("p256-a", DS, "p256-b", DS);

	sig_creds_free(w->c[1].sig_creds);
	w->c[1].sig_creds = load("p256-b", false);
	refused_by_responder(w);
}

/* What the engines refused, and why they failed, as the daemon logs it. */
static char refused[512], failed[512];

static void on_event(void *ctx, const struct engine_event *ev)
{
	if (ev->type == ENGINE_EV_REFUSED)
		snprintf(refused, sizeof(refused), "%s", ev->why);
	if (ev->type == ENGINE_EV_FAILED && ctx)	/* the responder's */
		snprintf(failed, sizeof(failed), "%s", ev->failure->why);
}

static void watch_refusals(struct world *w)
{
	struct engine_events ev = { on_event, NULL };
	struct engine_events responder = { on_event, failed };

	refused[0] = failed[0] = '\0';
	engine_set_events(&w->e[0], &ev);
	engine_set_events(&w->e[1], &responder);
}

/* An ID the certificate does not vouch for: the log line names both. */
static void id_not_in_cert_why(void **state)
{
	struct world *w = world_new("p256-a", DS, "p256-b", DS);

	set_id_raw(&w->c[0].local_id, IKE_ID_FQDN, "c.example", 9);
	w->c[1].remote_id.len = 0;
	watch_refusals(w);
	refused_by_responder(w);
	assert_non_null(strstr(failed, "peer ID fqdn:c.example not in "
			       "certificate O=mif test, CN=a.example, SANs: "
			       "fqdn:a.example, email:a@example.org, "
			       "ip:192.0.2.1, ip:2001:db8::1"));
}

/*
 * RSA with SHA-1, the peer's method 1, is refused unless the connection
 * allows it (rsa_sha1), and the refusal is reported.
 */
static void sha1_refused(void **state)
{
	struct world *w = world_new("rsa-a", IKE_AUTH_RSA_SIG, "p256-b", DS);
	struct ikesa *sa;

	w->c[1].rsa_sha1 = false;
	watch_refusals(w);
	refused_by_responder(w);
	assert_non_null(strstr(refused, "SHA-1 (AUTH method 1)"));

	/* The responder's method 1, refused by the initiator. */
	w = world_new("p256-a", DS, "rsa-b", IKE_AUTH_RSA_SIG);
	w->c[0].rsa_sha1 = false;
	watch_refusals(w);
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	assert_non_null(sa);
	pump(w, 0);
	assert_null(w->e[0].sas);
	assert_non_null(strstr(refused, "SHA-1 (AUTH method 1)"));
	world_free(w);

	/* Allowed on both sides, as in classic_rsa: up. */
	w = world_new("rsa-a", IKE_AUTH_RSA_SIG, "p256-b", DS);
	watch_refusals(w);
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	pump(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_string_equal(refused, "");
	world_free(w);
}

/* Nor do we sign with method 1 unless allowed. */
static void sha1_not_signed(void **state)
{
	struct world *w = world_new("rsa-a", IKE_AUTH_RSA_SIG, "p256-b", DS);
	struct ikesa *sa;

	w->c[0].rsa_sha1 = false;
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	assert_non_null(sa);
	deliver_next(w, 0);
	deliver_next(w, 0);	/* INIT response: no AUTH follows */
	assert_int_equal(w->n, 0);
	assert_true(!w->e[0].sas || w->e[0].sas->state == IKESA_DEAD);
	nothing_installed(w);
	world_free(w);
}

/* Method 14 with sha1WithRSAEncryption: as method 1. */
static void sha1_in_method14(void **state)
{
	static const uint8_t msg[] = "signed octets";
	static const uint8_t algid[] = {
		0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
		0x01, 0x01, 0x05, 0x05, 0x00,
	};
	struct sig_creds *c = load("rsa-a", false);
	struct sig_creds *t = load(NULL, true);
	gnutls_datum_t data = { (unsigned char *)msg, sizeof(msg) };
	gnutls_datum_t sig;
	uint8_t out[AUTH_DATA_MAX];
	struct sig_peer p;
	size_t len;

	assert_int_equal(gnutls_privkey_sign_data2(c->key, GNUTLS_SIGN_RSA_SHA1,
						   0, &data, &sig), 0);
	out[0] = sizeof(algid);
	memcpy(out + 1, algid, sizeof(algid));
	memcpy(out + 1 + sizeof(algid), sig.data, sig.size);
	len = 1 + sizeof(algid) + sig.size;
	gnutls_free(sig.data);
	assert_int_equal(sig_peer_load(&p, t, c->der, c->n_certs), 0);
	assert_int_equal(sig_peer_verify(&p, IKE_AUTH_DIGITAL_SIGNATURE, false,
					 msg, sizeof(msg), out, len), -EPERM);
	assert_int_equal(sig_peer_verify(&p, IKE_AUTH_DIGITAL_SIGNATURE, true,
					 msg, sizeof(msg), out, len), 0);
	out[len - 1] ^= 1;
	assert_int_equal(sig_peer_verify(&p, IKE_AUTH_DIGITAL_SIGNATURE, true,
					 msg, sizeof(msg), out, len), -EACCES);
	sig_peer_free(&p);
	sig_creds_free(c);
	sig_creds_free(t);
}

/*
 * Re-encrypt the AUTH request at the head of the queue, its last
 * signature byte flipped when flip.
 */
static void reseal_auth_request(struct world *w, bool flip)
{
	struct ike_chain *c = calloc(1, sizeof(*c));
	const struct ike_payload *pl;
	struct ikesa_plain plain;
	struct ike_error err;
	struct dgram d = pop(w);
	uint8_t *out;
	size_t len;

	assert_non_null(c);
	assert_int_equal(ikesa_decrypt(only_sa(w, 1), d.buf, d.len, c, &plain,
				       &err), 0);
	pl = ike_chain_find(c, IKE_PL_AUTH, NULL);
	assert_non_null(pl);
	if (flip)
		((uint8_t *)pl->auth->data)[pl->auth->len - 1] ^= 1;
	assert_int_equal(ikesa_build(only_sa(w, 0), IKE_EXCH_IKE_AUTH, false,
				     1, c, &out, &len), 0);
	ike_chain_free(c);
	ikesa_plain_free(&plain);
	free(c);
	free(d.buf);
	d.buf = out;
	d.len = len;
	deliver(w, &d, 0);
	free(out);
}

static void tampered(const char *cert, uint8_t method)
{
	struct world *w;
	struct ikesa *sa;

	/* Re-encrypted as it was, it passes: the harness is sound. */
	w = world_new(cert, method, "p256-b", DS);
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	deliver_next(w, 0);
	deliver_next(w, 0);
	reseal_auth_request(w, false);
	pump(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	world_free(w);

	w = world_new(cert, method, "p256-b", DS);
	sa = engine_initiate(&w->e[0], &w->c[0], 0);
	deliver_next(w, 0);
	deliver_next(w, 0);
	reseal_auth_request(w, true);
	assert_null(w->e[1].sas);
	assert_true(deliver_next_notify(w, sa, IKE_N_AUTHENTICATION_FAILED, 0));
	assert_null(w->e[0].sas);
	nothing_installed(w);
	world_free(w);
}

static void tampered_signature(void **state)
{
	tampered("ed25519-a", DS);
	tampered("rsa-a", DS);
	tampered("p384-a", DS);
	tampered("p256-a", IKE_AUTH_ECDSA_256);
	tampered("rsa-a", IKE_AUTH_RSA_SIG);
}

/* The responder's certificate is refused: the initiator gives up. */
static void responder_untrusted(void **state)
{
	struct world *w = world_new("p256-a", DS, "rogue-b", DS);
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);

	deliver_next(w, 0);
	deliver_next(w, 0);
	deliver_next(w, 0);	/* B accepts A and answers */
	assert_int_equal(only_sa(w, 1)->state, IKESA_ESTABLISHED);
	deliver_next(w, 0);	/* A refuses B */
	assert_true(sa != NULL);
	assert_null(w->e[0].sas);
	assert_int_equal(w->f[0].n_add_sa, 0);
	assert_int_equal(w->f[0].n_add_pol, 0);
	assert_int_equal(live_allocs(&w->f[0]), 0);
	world_free(w);
}

/* Unit tests of crypto/sign.c. */

/* Method 14 AUTH data over "octets" with the peer's hashes. */
static int sign14(const struct sig_creds *c, bool pss, const uint16_t *h,
		  int n, uint8_t *out, size_t *len)
{
	static const uint8_t msg[] = "signed octets";

	*len = AUTH_DATA_MAX;
	return sig_sign(c, IKE_AUTH_DIGITAL_SIGNATURE, pss, h, n, msg,
			sizeof(msg), out, len);
}

static void hash_choice(void **state)
{
	struct sig_creds *rsa = load("rsa-a", false);
	struct sig_creds *ed = load("ed25519-a", false);
	struct sig_creds *p256 = load("p256-a", false);
	struct sig_creds *p384 = load("p384-a", false);
	static const uint16_t sha384[] = { 3 }, sha512[] = { 4 },
		identity[] = { 5 }, sha2[] = { 1, 2, 3, 4 };
	uint8_t out[AUTH_DATA_MAX];
	size_t len;

	/* sha384WithRSAEncryption: OID ends in 0x0c, then NULL. */
	assert_int_equal(sign14(rsa, false, sha384, 1, out, &len), 0);
	assert_int_equal(out[0], 15);
	assert_int_equal(out[13], 0x0c);
	assert_int_equal(len, 1 + 15 + 256);
	assert_int_equal(sign14(rsa, true, sha512, 1, out, &len), 0);
	assert_int_equal(out[0], 67);
	assert_int_equal(out[67], 64);		/* salt length */
	assert_int_equal(sign14(rsa, false, identity, 1, out, &len),
			 -ENOTSUP);
	assert_int_equal(sign14(ed, false, sha2, 4, out, &len), -ENOTSUP);
	assert_int_equal(sign14(ed, false, identity, 1, out, &len), 0);
	assert_int_equal(len, 1 + 7 + 64);
	assert_int_equal(sign14(ed, false, NULL, -1, out, &len), 0);
	/* ECDSA: the curve's hash first, else another one offered. */
	assert_int_equal(sign14(p384, false, NULL, -1, out, &len), 0);
	assert_int_equal(out[12], 0x03);
	assert_int_equal(sign14(p384, false, sha2, 4, out, &len), 0);
	assert_int_equal(out[12], 0x03);
	assert_int_equal(sign14(p256, false, sha512, 1, out, &len), 0);
	assert_int_equal(out[12], 0x04);
	assert_int_equal(sign14(p256, false, identity, 1, out, &len),
			 -ENOTSUP);
	/* Classic methods only with the matching key. */
	len = sizeof(out);
	assert_int_equal(sig_sign(p384, IKE_AUTH_ECDSA_256, false, NULL, -1,
				  out, 1, out, &len), -ENOTSUP);
	assert_int_equal(sig_sign(ed, IKE_AUTH_RSA_SIG, false, NULL, -1,
				  out, 1, out, &len), -ENOTSUP);
	assert_int_equal(sig_sign(rsa, IKE_AUTH_ECDSA_384, false, NULL, -1,
				  out, 1, out, &len), -ENOTSUP);
	assert_int_equal(sig_sign(p256, IKE_AUTH_ECDSA_256, false, NULL, -1,
				  out, 1, out, &len), 0);
	assert_int_equal(len, 64);
	len = 10;
	assert_int_equal(sig_sign(p256, IKE_AUTH_ECDSA_256, false, NULL, -1,
				  out, 1, out, &len), -ENOSPC);
	sig_creds_free(rsa);
	sig_creds_free(ed);
	sig_creds_free(p256);
	sig_creds_free(p384);
}

/*
 * The AlgorithmIdentifiers we send are those GnuTLS writes into a
 * certificate it signs with the same algorithm.
 */
/*
 * GnuTLS leaves out the NULL parameters of the hashes in the RSASSA-PSS
 * parameters, RFC 7427 A.4.3 has them: we send the latter, and accept
 * both. AUTH data (ours in out) with GnuTLS's AlgorithmIdentifier, from
 * certificate der, verifies.
 */
static void pss_as_gnutls(const struct sig_creds *c, const gnutls_datum_t *der,
			  const uint8_t *out, size_t len)
{
	static const uint8_t oid[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
				       0xf7, 0x0d, 0x01, 0x01, 0x0a };
	static const uint8_t msg[] = "signed octets";
	struct sig_creds *t = load(NULL, true);
	uint8_t data[AUTH_DATA_MAX];
	const uint8_t *algid;
	struct sig_peer p;
	size_t alen, slen = len - 1 - out[0];

	algid = memmem(der->data, der->size, oid, sizeof(oid));
	assert_non_null(algid);
	algid -= 2;
	alen = 2u + algid[1];
	assert_int_equal(algid[0], 0x30);
	assert_int_not_equal(alen, out[0]);
	data[0] = (uint8_t)alen;
	memcpy(data + 1, algid, alen);
	memcpy(data + 1 + alen, out + 1 + out[0], slen);
	assert_int_equal(sig_peer_load(&p, t, c->der, c->n_certs), 0);
	assert_int_equal(sig_peer_verify(&p, IKE_AUTH_DIGITAL_SIGNATURE, false,
					 msg, sizeof(msg), data,
					 1 + alen + slen), 0);
	assert_int_equal(sig_peer_verify(&p, IKE_AUTH_DIGITAL_SIGNATURE, false,
					 msg, sizeof(msg), out, len), 0);
	sig_peer_free(&p);
	sig_creds_free(t);
}

static void algid_as_gnutls(const char *name, bool pss, uint16_t hash,
			    gnutls_digest_algorithm_t dig)
{
	struct sig_creds *c = load(name, false);
	gnutls_x509_crt_t crt;
	gnutls_pubkey_t pub;
	gnutls_datum_t der;
	uint8_t out[AUTH_DATA_MAX];
	uint8_t sn = 7;
	size_t len;

	assert_int_equal(sign14(c, pss, &hash, 1, out, &len), 0);
	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	assert_int_equal(gnutls_pubkey_init(&pub), 0);
	assert_int_equal(gnutls_pubkey_import_privkey(pub, c->key, 0, 0), 0);
	assert_int_equal(gnutls_x509_crt_set_pubkey(crt, pub), 0);
	assert_int_equal(gnutls_x509_crt_set_version(crt, 3), 0);
	assert_int_equal(gnutls_x509_crt_set_serial(crt, &sn, 1), 0);
	assert_int_equal(gnutls_x509_crt_set_activation_time(crt, 0), 0);
	assert_int_equal(gnutls_x509_crt_set_expiration_time(crt, 86400), 0);
	assert_int_equal(gnutls_x509_crt_privkey_sign(crt, c->certs[0], c->key,
				dig, pss ? GNUTLS_PRIVKEY_SIGN_FLAG_RSA_PSS :
					   0), 0);
	assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER,
						 &der), 0);
	if (pss)
		pss_as_gnutls(c, &der, out, len);
	else if (!memmem(der.data, der.size, out + 1, out[0]))
		fail_msg("%s hash %u: AlgorithmIdentifier not found", name,
			 hash);
	gnutls_free(der.data);
	gnutls_pubkey_deinit(pub);
	gnutls_x509_crt_deinit(crt);
	sig_creds_free(c);
}

static void algids(void **state)
{
	algid_as_gnutls("rsa-a", false, 2, GNUTLS_DIG_SHA256);
	algid_as_gnutls("rsa-a", false, 3, GNUTLS_DIG_SHA384);
	algid_as_gnutls("rsa-a", false, 4, GNUTLS_DIG_SHA512);
	algid_as_gnutls("rsa-a", true, 2, GNUTLS_DIG_SHA256);
	algid_as_gnutls("rsa-a", true, 3, GNUTLS_DIG_SHA384);
	algid_as_gnutls("rsa-a", true, 4, GNUTLS_DIG_SHA512);
	algid_as_gnutls("p256-a", false, 2, GNUTLS_DIG_SHA256);
	algid_as_gnutls("p384-a", false, 3, GNUTLS_DIG_SHA384);
	algid_as_gnutls("p256-a", false, 4, GNUTLS_DIG_SHA512);
	algid_as_gnutls("ed25519-a", false, 5, GNUTLS_DIG_SHA512);
}

/* Sign with name's key, verify as its peer; then with a flipped byte. */
static void round_trip(const char *name, uint8_t method)
{
	static const uint8_t msg[] = "signed octets";
	struct sig_creds *c = load(name, false);
	struct sig_creds *t = load(NULL, true);
	struct sig_peer p;
	uint8_t out[AUTH_DATA_MAX];
	size_t len = sizeof(out);

	assert_int_equal(sig_sign(c, method, false, NULL, -1, msg,
				  sizeof(msg), out, &len), 0);
	assert_int_equal(sig_peer_load(&p, t, c->der, c->n_certs), 0);
	assert_int_equal(sig_peer_verify(&p, method, true, msg, sizeof(msg),
					 out, len), 0);
	assert_int_not_equal(sig_peer_verify(&p, method, true, msg,
					     sizeof(msg) - 1, out, len), 0);
	out[len / 2] ^= 0x40;
	assert_int_not_equal(sig_peer_verify(&p, method, true, msg,
					     sizeof(msg), out, len), 0);
	out[len / 2] ^= 0x40;
	assert_int_not_equal(sig_peer_verify(&p, method, true, msg,
					     sizeof(msg), out, len - 1), 0);
	sig_peer_free(&p);
	sig_creds_free(c);
	sig_creds_free(t);
}

static void sign_verify(void **state)
{
	round_trip("rsa-a", IKE_AUTH_DIGITAL_SIGNATURE);
	round_trip("rsa-b", IKE_AUTH_RSA_SIG);
	round_trip("p256-a", IKE_AUTH_DIGITAL_SIGNATURE);
	round_trip("p256-b", IKE_AUTH_ECDSA_256);
	round_trip("p384-a", IKE_AUTH_DIGITAL_SIGNATURE);
	round_trip("p384-b", IKE_AUTH_ECDSA_384);
	round_trip("ed25519-a", IKE_AUTH_DIGITAL_SIGNATURE);
	/* Many ECDSA signatures: r or s with leading zero bytes. */
	for (int i = 0; i < 200; i++)
		round_trip("p256-a", IKE_AUTH_ECDSA_256);
}

/* Method 14 data from a key that does not match the certificate's. */
static void wrong_key(void **state)
{
	static const uint8_t msg[] = "signed octets";
	struct sig_creds *a = load("p256-a", false);
	struct sig_creds *b = load("p256-b", false);
	struct sig_creds *t = load(NULL, true);
	struct sig_peer p;
	uint8_t out[AUTH_DATA_MAX];
	size_t len = sizeof(out);

	assert_int_equal(sig_sign(b, IKE_AUTH_DIGITAL_SIGNATURE, false, NULL,
				  -1, msg, sizeof(msg), out, &len), 0);
	assert_int_equal(sig_peer_load(&p, t, a->der, a->n_certs), 0);
	assert_int_equal(sig_peer_verify(&p, IKE_AUTH_DIGITAL_SIGNATURE, false,
					 msg, sizeof(msg), out, len), -EACCES);
	/* Right key, wrong method for it. */
	assert_int_equal(sig_peer_verify(&p, IKE_AUTH_ECDSA_384, false, msg,
					 sizeof(msg), out, len), -EACCES);
	sig_peer_free(&p);
	sig_creds_free(a);
	sig_creds_free(b);
	sig_creds_free(t);
}

/* Whether the peer's certificate vouches for the ID (identity.c). */
static int cert_id_ok(const struct sig_peer *p, uint8_t type,
		      const uint8_t *id, size_t len)
{
	return identity_in_cert(p, type, id, len, NULL, 0);
}

static void peer_ids(void **state)
{
	struct sig_creds *a = load("rsa-a", false);
	struct sig_creds *t = load(NULL, true);
	struct sig_peer p;
	gnutls_datum_t dn;
	struct ip_addr ip;

	assert_int_equal(sig_peer_load(&p, t, a->der, a->n_certs), 0);
	assert_int_equal(cert_id_ok(&p, IKE_ID_FQDN,
					(const uint8_t *)"A.EXAMPLE", 9), 0);
	assert_int_equal(cert_id_ok(&p, IKE_ID_FQDN,
					(const uint8_t *)"a.exampl", 8),
			 -EACCES);
	assert_int_equal(cert_id_ok(&p, IKE_ID_FQDN,
					(const uint8_t *)"a.example\0", 10),
			 -EACCES);
	assert_int_equal(cert_id_ok(&p, IKE_ID_RFC822_ADDR,
					(const uint8_t *)"a@example.org", 13),
			 0);
	/* A name of the right kind only. */
	assert_int_equal(cert_id_ok(&p, IKE_ID_FQDN,
					(const uint8_t *)"a@example.org", 13),
			 -EACCES);
	assert_int_equal(cert_id_ok(&p, IKE_ID_RFC822_ADDR,
					(const uint8_t *)"a.example", 9),
			 -EACCES);
	assert_int_equal(ip_addr_parse("192.0.2.1", &ip), 0);
	assert_int_equal(cert_id_ok(&p, IKE_ID_IPV4_ADDR, ip.bytes, 4), 0);
	assert_int_equal(ip_addr_parse("198.51.100.2", &ip), 0);
	assert_int_equal(cert_id_ok(&p, IKE_ID_IPV4_ADDR, ip.bytes, 4),
			 -EACCES);
	assert_int_equal(ip_addr_parse("2001:db8::1", &ip), 0);
	assert_int_equal(cert_id_ok(&p, IKE_ID_IPV6_ADDR, ip.bytes, 16),
			 0);
	assert_int_equal(cert_id_ok(&p, IKE_ID_KEY_ID,
					(const uint8_t *)"a.example", 9),
			 -EACCES);
	assert_int_equal(gnutls_x509_crt_get_raw_dn(pki.ee[0][KT_RSA], &dn),
			 0);
	assert_int_equal(cert_id_ok(&p, IKE_ID_DER_ASN1_DN, dn.data,
					dn.size), 0);
	gnutls_free(dn.data);
	assert_int_equal(gnutls_x509_crt_get_raw_dn(pki.ee[1][KT_RSA], &dn),
			 0);
	assert_int_equal(cert_id_ok(&p, IKE_ID_DER_ASN1_DN, dn.data,
					dn.size), -EACCES);
	gnutls_free(dn.data);
	sig_peer_free(&p);
	sig_creds_free(a);
	sig_creds_free(t);
}

static void chain_checks(void **state)
{
	struct sig_creds *rogue = load("rogue-a", false);
	struct sig_creds *old = load("expired-a", false);
	struct sig_creds *t = load(NULL, true);
	struct sig_creds *c;
	gnutls_datum_t garbage = { (unsigned char *)"xyz", 3 };
	struct sig_peer p;
	char path[PATH_LEN], other[PATH_LEN];

	assert_int_equal(t->ca_hashes_len, IKE_CERTREQ_HASH_LEN);
	assert_int_equal(sig_peer_load(&p, t, rogue->der, 1), -EACCES);
	assert_int_equal(sig_peer_load(&p, t, old->der, 1), -EACCES);
	assert_int_equal(sig_peer_load(&p, t, &garbage, 1), -EINVAL);
	assert_int_equal(sig_peer_load(&p, t, old->der, 0), -EACCES);
	/* An intermediate CA: sent along, or the chain is incomplete. */
	c = load("chain-a", false);
	assert_int_equal(c->n_certs, 2);
	assert_int_equal(sig_peer_load(&p, t, c->der, 2), 0);
	sig_peer_free(&p);
	assert_int_equal(sig_peer_load(&p, t, c->der, 1), -EACCES);
	sig_creds_free(c);
	/* keyUsage without digitalSignature. */
	c = load("nosign-a", false);
	assert_int_equal(sig_peer_load(&p, t, c->der, 1), -EACCES);
	sig_creds_free(c);
	/* Without a trust list nothing is accepted. */
	assert_int_equal(sig_peer_load(&p, rogue, rogue->der, 1), -EACCES);
	/* Loading: missing files, a key without its certificate. */
	pathof(path, "nonexistent", ".pem");
	assert_int_equal(sig_creds_load(&c, path, path, NULL), -ENOENT);
	assert_null(c);
	assert_int_equal(sig_creds_load(&c, NULL, path, NULL), -EINVAL);
	/* A's certificate, B's key. */
	pathof(path, "p256-a", ".pem");
	pathof(other, "p256-b", ".key");
	assert_int_equal(sig_creds_load(&c, path, other, NULL), -EINVAL);
	assert_null(c);
	pathof(other, "p256-a", ".key");
	assert_int_equal(sig_creds_load(&c, path, other, NULL), 0);
	sig_creds_free(c);
	assert_int_equal(sig_creds_load(&c, NULL, NULL, path), -ENOENT);
	sig_creds_free(rogue);
	sig_creds_free(old);
	sig_creds_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hash_choice),
		cmocka_unit_test(algids),
		cmocka_unit_test(sign_verify),
		cmocka_unit_test(wrong_key),
		cmocka_unit_test(peer_ids),
		cmocka_unit_test(chain_checks),
		cmocka_unit_test(ds_rsa),
		cmocka_unit_test(ds_rsa_pss),
		cmocka_unit_test(ds_rsa4096),
		cmocka_unit_test(ds_p256),
		cmocka_unit_test(ds_p384),
		cmocka_unit_test(ds_ed25519),
		cmocka_unit_test(classic_rsa),
		cmocka_unit_test(classic_p256),
		cmocka_unit_test(classic_p384),
		cmocka_unit_test(mixed),
		cmocka_unit_test(final_conn_payloads),
		cmocka_unit_test(intermediate),
		cmocka_unit_test(peer_hashes_honoured),
		cmocka_unit_test(no_common_hash),
		cmocka_unit_test(id_ipv4),
		cmocka_unit_test(id_ipv6),
		cmocka_unit_test(id_rfc822),
		cmocka_unit_test(id_dn),
		cmocka_unit_test(id_dn_by_meaning),
		cmocka_unit_test(untrusted_ca),
		cmocka_unit_test(expired_cert),
		cmocka_unit_test(key_usage),
		cmocka_unit_test(id_not_in_cert),
		cmocka_unit_test(remote_id_mismatch),
		cmocka_unit_test(no_trust),
		cmocka_unit_test(tampered_signature),
		cmocka_unit_test(responder_untrusted),
		cmocka_unit_test(sha1_refused),
		cmocka_unit_test(id_not_in_cert_why),
		cmocka_unit_test(sha1_not_signed),
		cmocka_unit_test(sha1_in_method14),
	};

	return cmocka_run_group_tests(tests, pki_setup, pki_teardown);
}
