// SPDX-License-Identifier: GPL-2.0
/*
 * Keys, certificates, trust and the signature AUTH methods, through
 * GnuTLS. The only ASN.1 here is the fixed table of AlgorithmIdentifier
 * byte strings of RFC 7427 Appendix A (and RFC 8420 for Ed25519).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/crypto.h>

#include "crypto/sign.h"
#include "ike/constants.h"

/* AlgorithmIdentifier DER prefixes of method 14 (RFC 7427 Appendix A). */
#define OID_PKCS1(x)	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, \
			0x01, 0x01, (x)
#define SHA2_ALGID(x)	0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, \
			0x65, 0x03, 0x04, 0x02, (x), 0x05, 0x00
/*
 * RSASSA-PSS, hash and MGF1 hash x, salt length s, as in RFC 7427 A.4.3:
 * the hash AlgorithmIdentifiers with NULL parameters. Sent.
 */
#define PSS_ALGID(x, s)	0x30, 0x41, OID_PKCS1(0x0a), 0x30, 0x34, \
			0xa0, 0x0f, SHA2_ALGID(x), \
			0xa1, 0x1c, 0x30, 0x1a, OID_PKCS1(0x08), SHA2_ALGID(x), \
			0xa2, 0x03, 0x02, 0x01, (s)
/* The same, the hash parameters absent (as GnuTLS writes them). */
#define SHA2_ALGID_ABSENT(x) \
			0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, \
			0x65, 0x03, 0x04, 0x02, (x)
#define PSS_ALGID_ABSENT(x, s) \
			0x30, 0x3d, OID_PKCS1(0x0a), 0x30, 0x30, \
			0xa0, 0x0d, SHA2_ALGID_ABSENT(x), \
			0xa1, 0x1a, 0x30, 0x18, OID_PKCS1(0x08), \
			SHA2_ALGID_ABSENT(x), 0xa2, 0x03, 0x02, 0x01, (s)
#define ECDSA_ALGID(x)	0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, \
			0x3d, 0x04, 0x03, (x)

static const uint8_t rsa_sha1[] = { 0x30, 0x0d, OID_PKCS1(0x05), 0x05, 0 };
static const uint8_t rsa_sha256[] = { 0x30, 0x0d, OID_PKCS1(0x0b), 0x05, 0 };
static const uint8_t rsa_sha384[] = { 0x30, 0x0d, OID_PKCS1(0x0c), 0x05, 0 };
static const uint8_t rsa_sha512[] = { 0x30, 0x0d, OID_PKCS1(0x0d), 0x05, 0 };
static const uint8_t pss_sha256[] = { PSS_ALGID(0x01, 32) };
static const uint8_t pss_sha384[] = { PSS_ALGID(0x02, 48) };
static const uint8_t pss_sha512[] = { PSS_ALGID(0x03, 64) };
static const uint8_t pss_sha256_absent[] = { PSS_ALGID_ABSENT(0x01, 32) };
static const uint8_t pss_sha384_absent[] = { PSS_ALGID_ABSENT(0x02, 48) };
static const uint8_t pss_sha512_absent[] = { PSS_ALGID_ABSENT(0x03, 64) };
static const uint8_t ecdsa_sha256[] = { ECDSA_ALGID(0x02) };
static const uint8_t ecdsa_sha384[] = { ECDSA_ALGID(0x03) };
static const uint8_t ecdsa_sha512[] = { ECDSA_ALGID(0x04) };
static const uint8_t ed25519[] = { 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70 };

enum alg_kind { ALG_RSA, ALG_PSS, ALG_ECDSA, ALG_EDDSA };

struct algid {
	const uint8_t *der;
	size_t len;
	enum alg_kind kind;
	uint16_t hash;			/* SIG_HASH_* */
	gnutls_sign_algorithm_t algo;	/* for an RSA, EC or EdDSA key */
	gnutls_sign_algorithm_t pss_key_algo;	/* for an RSA-PSS key */
};

#define ALG(d, k, h, a, p) { d, sizeof(d), k, h, a, p }

static const struct algid algids[] = {
	ALG(rsa_sha256, ALG_RSA, SIG_HASH_SHA2_256, GNUTLS_SIGN_RSA_SHA256,
	    GNUTLS_SIGN_UNKNOWN),
	ALG(rsa_sha384, ALG_RSA, SIG_HASH_SHA2_384, GNUTLS_SIGN_RSA_SHA384,
	    GNUTLS_SIGN_UNKNOWN),
	ALG(rsa_sha512, ALG_RSA, SIG_HASH_SHA2_512, GNUTLS_SIGN_RSA_SHA512,
	    GNUTLS_SIGN_UNKNOWN),
	ALG(pss_sha256, ALG_PSS, SIG_HASH_SHA2_256,
	    GNUTLS_SIGN_RSA_PSS_RSAE_SHA256, GNUTLS_SIGN_RSA_PSS_SHA256),
	ALG(pss_sha384, ALG_PSS, SIG_HASH_SHA2_384,
	    GNUTLS_SIGN_RSA_PSS_RSAE_SHA384, GNUTLS_SIGN_RSA_PSS_SHA384),
	ALG(pss_sha512, ALG_PSS, SIG_HASH_SHA2_512,
	    GNUTLS_SIGN_RSA_PSS_RSAE_SHA512, GNUTLS_SIGN_RSA_PSS_SHA512),
	/* Accepted, never sent: the first entry of a kind and hash is. */
	ALG(pss_sha256_absent, ALG_PSS, SIG_HASH_SHA2_256,
	    GNUTLS_SIGN_RSA_PSS_RSAE_SHA256, GNUTLS_SIGN_RSA_PSS_SHA256),
	ALG(pss_sha384_absent, ALG_PSS, SIG_HASH_SHA2_384,
	    GNUTLS_SIGN_RSA_PSS_RSAE_SHA384, GNUTLS_SIGN_RSA_PSS_SHA384),
	ALG(pss_sha512_absent, ALG_PSS, SIG_HASH_SHA2_512,
	    GNUTLS_SIGN_RSA_PSS_RSAE_SHA512, GNUTLS_SIGN_RSA_PSS_SHA512),
	ALG(ecdsa_sha256, ALG_ECDSA, SIG_HASH_SHA2_256,
	    GNUTLS_SIGN_ECDSA_SHA256, GNUTLS_SIGN_UNKNOWN),
	ALG(ecdsa_sha384, ALG_ECDSA, SIG_HASH_SHA2_384,
	    GNUTLS_SIGN_ECDSA_SHA384, GNUTLS_SIGN_UNKNOWN),
	ALG(ecdsa_sha512, ALG_ECDSA, SIG_HASH_SHA2_512,
	    GNUTLS_SIGN_ECDSA_SHA512, GNUTLS_SIGN_UNKNOWN),
	ALG(ed25519, ALG_EDDSA, SIG_HASH_IDENTITY, GNUTLS_SIGN_EDDSA_ED25519,
	    GNUTLS_SIGN_UNKNOWN),
	/* Accepted when allowed, never sent: no preference names SHA-1. */
	ALG(rsa_sha1, ALG_RSA, SIG_HASH_SHA1, GNUTLS_SIGN_RSA_SHA1,
	    GNUTLS_SIGN_UNKNOWN),
};

#define N_ALGIDS	(sizeof(algids) / sizeof(algids[0]))

static const struct algid *algid_find(enum alg_kind kind, uint16_t hash)
{
	for (size_t i = 0; i < N_ALGIDS; i++)
		if (algids[i].kind == kind && algids[i].hash == hash)
			return &algids[i];
	return NULL;
}

static const struct algid *algid_parse(const uint8_t *der, size_t len)
{
	for (size_t i = 0; i < N_ALGIDS; i++)
		if (algids[i].len == len && !memcmp(algids[i].der, der, len))
			return &algids[i];
	return NULL;
}

size_t sig_hash_list(uint8_t out[2 * SIG_N_HASHES])
{
	static const uint16_t ours[SIG_N_HASHES] = {
		SIG_HASH_SHA2_256, SIG_HASH_SHA2_384, SIG_HASH_SHA2_512,
		SIG_HASH_IDENTITY,
	};

	for (size_t i = 0; i < SIG_N_HASHES; i++) {
		out[2 * i] = (uint8_t)(ours[i] >> 8);
		out[2 * i + 1] = (uint8_t)ours[i];
	}
	return 2 * SIG_N_HASHES;
}

bool sig_method(uint8_t method)
{
	return method == IKE_AUTH_RSA_SIG || method == IKE_AUTH_ECDSA_256 ||
	       method == IKE_AUTH_ECDSA_384 ||
	       method == IKE_AUTH_DIGITAL_SIGNATURE;
}

/* Credentials. */

static int load_key(struct sig_creds *c, const char *file)
{
	gnutls_datum_t d = { NULL, 0 };
	int ret;

	if (gnutls_load_file(file, &d) < 0)
		return -ENOENT;
	ret = gnutls_privkey_init(&c->key);
	if (!ret)
		ret = gnutls_privkey_import_x509_raw(c->key, &d,
						     GNUTLS_X509_FMT_PEM,
						     NULL, 0);
	gnutls_memset(d.data, 0, d.size);
	gnutls_free(d.data);
	return ret < 0 ? -EINVAL : 0;
}

static int load_certs(struct sig_creds *c, const char *file)
{
	gnutls_datum_t d = { NULL, 0 };
	int ret;

	if (gnutls_load_file(file, &d) < 0)
		return -ENOENT;
	ret = gnutls_x509_crt_list_import2(&c->certs, &c->n_certs, &d,
					   GNUTLS_X509_FMT_PEM, 0);
	gnutls_free(d.data);
	if (ret < 0 || !c->n_certs)
		return -EINVAL;
	if (c->n_certs > SIG_MAX_CHAIN)
		return -E2BIG;
	for (unsigned int i = 0; i < c->n_certs; i++)
		if (gnutls_x509_crt_export2(c->certs[i], GNUTLS_X509_FMT_DER,
					    &c->der[i]) < 0)
			return -EINVAL;
	return 0;
}

/* out = SHA-1 of the SubjectPublicKeyInfo of crt. */
static int spki_sha1(gnutls_x509_crt_t crt, uint8_t *out)
{
	gnutls_pubkey_t pub;
	gnutls_datum_t spki = { NULL, 0 };
	int ret;

	if (gnutls_pubkey_init(&pub) < 0)
		return -ENOMEM;
	ret = gnutls_pubkey_import_x509(pub, crt, 0);
	if (!ret)
		ret = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &spki);
	if (!ret)
		ret = gnutls_hash_fast(GNUTLS_DIG_SHA1, spki.data, spki.size,
				       out);
	gnutls_free(spki.data);
	gnutls_pubkey_deinit(pub);
	return ret < 0 ? -EINVAL : 0;
}

static int load_trust(struct sig_creds *c, const char *dir)
{
	gnutls_x509_trust_list_iter_t iter = NULL;
	gnutls_x509_crt_t ca;
	int ret;

	if (gnutls_x509_trust_list_init(&c->trust, 0) < 0) {
		c->trust = NULL;
		return -ENOMEM;
	}
	ret = gnutls_x509_trust_list_add_trust_dir(c->trust, dir, NULL,
						   GNUTLS_X509_FMT_PEM, 0, 0);
	if (ret <= 0)
		return -ENOENT;
	while (gnutls_x509_trust_list_iter_get_ca(c->trust, &iter, &ca) == 0) {
		if (c->ca_hashes_len < sizeof(c->ca_hashes) &&
		    !spki_sha1(ca, c->ca_hashes + c->ca_hashes_len))
			c->ca_hashes_len += IKE_CERTREQ_HASH_LEN;
		gnutls_x509_crt_deinit(ca);
	}
	gnutls_x509_trust_list_iter_deinit(iter);
	return 0;
}

/* The private key is the certificate's. */
static int key_matches(const struct sig_creds *c)
{
	uint8_t a[64], b[64];
	size_t alen = sizeof(a), blen = sizeof(b);
	gnutls_pubkey_t pub;
	int ret;

	if (gnutls_pubkey_init(&pub) < 0)
		return -ENOMEM;
	ret = gnutls_pubkey_import_privkey(pub, c->key, 0, 0);
	if (!ret)
		ret = gnutls_pubkey_get_key_id(pub, 0, a, &alen);
	if (!ret)
		ret = gnutls_x509_crt_get_key_id(c->certs[0], 0, b, &blen);
	gnutls_pubkey_deinit(pub);
	if (ret < 0 || alen != blen || memcmp(a, b, alen))
		return -EINVAL;
	return 0;
}

int sig_creds_load(struct sig_creds **out, const char *cert_file,
		   const char *key_file, const char *ca_dir)
{
	struct sig_creds *c;
	int ret = 0;

	*out = NULL;
	if (!cert_file != !key_file)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (cert_file) {
		ret = load_certs(c, cert_file);
		if (!ret)
			ret = load_key(c, key_file);
		if (!ret)
			ret = key_matches(c);
	}
	if (!ret && ca_dir)
		ret = load_trust(c, ca_dir);
	if (ret) {
		sig_creds_free(c);
		return ret;
	}
	*out = c;
	return 0;
}

void sig_creds_free(struct sig_creds *c)
{
	if (!c)
		return;
	if (c->key)
		gnutls_privkey_deinit(c->key);
	for (unsigned int i = 0; i < c->n_certs; i++) {
		gnutls_x509_crt_deinit(c->certs[i]);
		if (i < SIG_MAX_CHAIN)
			gnutls_free(c->der[i].data);
	}
	gnutls_free(c->certs);
	if (c->trust)
		gnutls_x509_trust_list_deinit(c->trust, 1);
	free(c);
}

/* Signing. */

/* Our hashes for method 14 with a key, best first; returns how many. */
static size_t preference(gnutls_pk_algorithm_t pk, unsigned int bits,
			 uint16_t pref[3], enum alg_kind *kind, bool rsa_pss)
{
	switch (pk) {
	case GNUTLS_PK_RSA:
	case GNUTLS_PK_RSA_PSS:
		*kind = rsa_pss || pk == GNUTLS_PK_RSA_PSS ? ALG_PSS : ALG_RSA;
		pref[0] = SIG_HASH_SHA2_256;
		pref[1] = SIG_HASH_SHA2_384;
		pref[2] = SIG_HASH_SHA2_512;
		return 3;
	case GNUTLS_PK_ECDSA:
		*kind = ALG_ECDSA;
		pref[0] = bits > 384 ? SIG_HASH_SHA2_512 :
			  bits > 256 ? SIG_HASH_SHA2_384 : SIG_HASH_SHA2_256;
		pref[1] = bits > 256 ? SIG_HASH_SHA2_256 : SIG_HASH_SHA2_384;
		pref[2] = bits > 384 ? SIG_HASH_SHA2_384 : SIG_HASH_SHA2_512;
		return 3;
	case GNUTLS_PK_EDDSA_ED25519:
		*kind = ALG_EDDSA;
		pref[0] = SIG_HASH_IDENTITY;
		return 1;
	default:
		return 0;
	}
}

static bool listed(uint16_t h, const uint16_t *list, int n)
{
	if (n < 0)
		return true;
	for (int i = 0; i < n; i++)
		if (list[i] == h)
			return true;
	return false;
}

/* Strip leading zero bytes of an unsigned big-endian integer. */
static void trim(gnutls_datum_t *d)
{
	while (d->size > 1 && d->data[0] == 0) {
		d->data++;
		d->size--;
	}
}

/* DER ECDSA-Sig-Value to r | s, each n bytes (RFC 4754). */
static int rs_from_der(const gnutls_datum_t *sig, size_t n, uint8_t *out)
{
	gnutls_datum_t r = { NULL, 0 }, s = { NULL, 0 };
	gnutls_datum_t rt, st;
	int ret = -EIO;

	if (gnutls_decode_rs_value(sig, &r, &s) < 0)
		return ret;
	rt = r;
	st = s;
	trim(&rt);
	trim(&st);
	if (rt.size <= n && st.size <= n) {
		memset(out, 0, 2 * n);
		memcpy(out + n - rt.size, rt.data, rt.size);
		memcpy(out + 2 * n - st.size, st.data, st.size);
		ret = 0;
	}
	gnutls_free(r.data);
	gnutls_free(s.data);
	return ret;
}

int sig_sign(const struct sig_creds *c, uint8_t method, bool rsa_pss,
	     const uint16_t *peer_hashes, int n_peer,
	     const uint8_t *octets, size_t len, uint8_t *out, size_t *out_len)
{
	gnutls_datum_t data = { (unsigned char *)octets, (unsigned int)len };
	gnutls_datum_t sig = { NULL, 0 };
	gnutls_sign_algorithm_t algo;
	const struct algid *alg = NULL;
	gnutls_pk_algorithm_t pk;
	unsigned int bits = 0;
	size_t head = 0, rs = 0;
	enum alg_kind kind;
	uint16_t pref[3];
	size_t n;
	int ret;

	if (!c || !c->key || !c->n_certs)
		return -ENOTSUP;
	pk = (gnutls_pk_algorithm_t)gnutls_privkey_get_pk_algorithm(c->key,
								     &bits);
	switch (method) {
	case IKE_AUTH_RSA_SIG:
		if (pk != GNUTLS_PK_RSA)
			return -ENOTSUP;
		algo = GNUTLS_SIGN_RSA_SHA1;
		break;
	case IKE_AUTH_ECDSA_256:
	case IKE_AUTH_ECDSA_384:
		rs = method == IKE_AUTH_ECDSA_256 ? 32 : 48;
		if (pk != GNUTLS_PK_ECDSA || bits != rs * 8)
			return -ENOTSUP;
		algo = rs == 32 ? GNUTLS_SIGN_ECDSA_SHA256 :
				  GNUTLS_SIGN_ECDSA_SHA384;
		break;
	case IKE_AUTH_DIGITAL_SIGNATURE:
		n = preference(pk, bits, pref, &kind, rsa_pss);
		for (size_t i = 0; i < n && !alg; i++)
			if (listed(pref[i], peer_hashes, n_peer))
				alg = algid_find(kind, pref[i]);
		if (!alg)
			return -ENOTSUP;
		algo = pk == GNUTLS_PK_RSA_PSS ? alg->pss_key_algo : alg->algo;
		head = 1 + alg->len;
		break;
	default:
		return -ENOTSUP;
	}
	if (gnutls_privkey_sign_data2(c->key, algo, 0, &data, &sig) < 0)
		return -EIO;
	ret = -ENOSPC;
	if (rs) {
		if (*out_len >= 2 * rs) {
			ret = rs_from_der(&sig, rs, out);
			*out_len = 2 * rs;
		}
	} else if (*out_len >= head + sig.size) {
		if (alg) {
			out[0] = (uint8_t)alg->len;
			memcpy(out + 1, alg->der, alg->len);
		}
		memcpy(out + head, sig.data, sig.size);
		*out_len = head + sig.size;
		ret = 0;
	}
	gnutls_free(sig.data);
	return ret;
}

/* The peer. */

/* A keyUsage extension, if any, must allow signatures. */
static bool usage_ok(gnutls_x509_crt_t crt)
{
	unsigned int usage = 0;
	int ret = gnutls_x509_crt_get_key_usage(crt, &usage, NULL);

	if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
		return true;
	return ret >= 0 && (usage & (GNUTLS_KEY_DIGITAL_SIGNATURE |
				     GNUTLS_KEY_NON_REPUDIATION));
}

int sig_peer_load(struct sig_peer *p, const struct sig_creds *c,
		  const gnutls_datum_t *der, unsigned int n)
{
	unsigned int status = 0;
	int ret = -EINVAL;

	memset(p, 0, sizeof(*p));
	if (!c || !c->trust || !n || n > SIG_MAX_CHAIN)
		return -EACCES;
	for (; p->n < n; p->n++) {
		if (gnutls_x509_crt_init(&p->certs[p->n]) < 0)
			goto fail;
		if (gnutls_x509_crt_import(p->certs[p->n], &der[p->n],
					   GNUTLS_X509_FMT_DER) < 0) {
			p->n++;
			goto fail;
		}
	}
	ret = -EACCES;
	if (gnutls_x509_trust_list_verify_crt2(c->trust, p->certs, p->n,
					       NULL, 0, 0, &status,
					       NULL) < 0 || status)
		goto fail;
	if (!usage_ok(p->certs[0]))
		goto fail;
	ret = -ENOMEM;
	if (gnutls_pubkey_init(&p->pub) < 0) {
		p->pub = NULL;
		goto fail;
	}
	ret = -EINVAL;
	if (gnutls_pubkey_import_x509(p->pub, p->certs[0], 0) < 0)
		goto fail;
	return 0;
fail:
	sig_peer_free(p);
	return ret;
}

void sig_peer_free(struct sig_peer *p)
{
	for (unsigned int i = 0; i < p->n; i++)
		gnutls_x509_crt_deinit(p->certs[i]);
	if (p->pub)
		gnutls_pubkey_deinit(p->pub);
	memset(p, 0, sizeof(*p));
}

/* r | s (n bytes each) to a DER ECDSA-Sig-Value, allocated by GnuTLS. */
static int rs_to_der(const uint8_t *data, size_t n, gnutls_datum_t *der)
{
	gnutls_datum_t r = { (unsigned char *)data, (unsigned int)n };
	gnutls_datum_t s = { (unsigned char *)data + n, (unsigned int)n };

	trim(&r);
	trim(&s);
	return gnutls_encode_rs_value(der, &r, &s) < 0 ? -EINVAL : 0;
}

int sig_peer_verify(const struct sig_peer *p, uint8_t method,
		    bool allow_sha1, const uint8_t *octets, size_t len,
		    const uint8_t *data, size_t data_len)
{
	gnutls_datum_t msg = { (unsigned char *)octets, (unsigned int)len };
	gnutls_datum_t sig = { (unsigned char *)data, (unsigned int)data_len };
	gnutls_datum_t der = { NULL, 0 };
	gnutls_sign_algorithm_t algo;
	const struct algid *alg;
	gnutls_pk_algorithm_t pk;
	unsigned int bits = 0, flags = 0;
	size_t rs;
	int ret;

	if (!p->pub || !data_len)
		return -EACCES;
	pk = (gnutls_pk_algorithm_t)gnutls_pubkey_get_pk_algorithm(p->pub,
								    &bits);
	switch (method) {
	case IKE_AUTH_RSA_SIG:
		if (!allow_sha1)
			return -EPERM;
		if (pk != GNUTLS_PK_RSA)
			return -EACCES;
		algo = GNUTLS_SIGN_RSA_SHA1;
		flags = GNUTLS_VERIFY_ALLOW_SIGN_WITH_SHA1;
		break;
	case IKE_AUTH_ECDSA_256:
	case IKE_AUTH_ECDSA_384:
		rs = method == IKE_AUTH_ECDSA_256 ? 32 : 48;
		if (pk != GNUTLS_PK_ECDSA || bits != rs * 8 ||
		    data_len != 2 * rs || rs_to_der(data, rs, &der))
			return -EACCES;
		sig = der;
		algo = rs == 32 ? GNUTLS_SIGN_ECDSA_SHA256 :
				  GNUTLS_SIGN_ECDSA_SHA384;
		break;
	case IKE_AUTH_DIGITAL_SIGNATURE:
		if (data[0] == 0 || data_len <= 1u + data[0])
			return -EACCES;
		alg = algid_parse(data + 1, data[0]);
		if (!alg)
			return -EACCES;
		if (alg->hash == SIG_HASH_SHA1) {
			if (!allow_sha1)
				return -EPERM;
			flags = GNUTLS_VERIFY_ALLOW_SIGN_WITH_SHA1;
		}
		algo = pk == GNUTLS_PK_RSA_PSS ? alg->pss_key_algo : alg->algo;
		if (algo == GNUTLS_SIGN_UNKNOWN ||
		    !gnutls_sign_supports_pk_algorithm(algo, pk))
			return -EACCES;
		sig.data += 1 + data[0];
		sig.size -= 1u + data[0];
		break;
	default:
		return -EACCES;
	}
	ret = gnutls_pubkey_verify_data2(p->pub, algo, flags, &msg, &sig);
	gnutls_free(der.data);
	return ret < 0 ? -EACCES : 0;
}
