/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Certificate authentication for IKE_AUTH, all through GnuTLS: our key
 * and certificate chain, the CAs we trust, and the AUTH data of the
 * signature methods:
 *
 *	1	RSA Digital Signature: RSASSA-PKCS1-v1_5 with SHA-1
 *		(RFC 7296 §3.8; the hash is SHA-1 as everywhere, RFC 7427 §1);
 *		verified only when allowed
 *	9, 10	ECDSA with SHA-256 on P-256, SHA-384 on P-384; the
 *		signature is r | s, fixed size (RFC 4754 §7)
 *	14	Digital Signature (RFC 7427): one length byte, an ASN.1
 *		AlgorithmIdentifier from the fixed table of Appendix A
 *		(RFC 8420 for Ed25519), then the signature, DER for ECDSA
 *
 * The hashes of method 14 are those of the SIGNATURE_HASH_ALGORITHMS
 * notify (RFC 7427 §4): SHA2-256/384/512 and Identity (EdDSA). SHA-1 is
 * never offered nor used to sign; with method 14 a peer's
 * sha1WithRSAEncryption is verified only when allowed, like method 1.
 *
 * The hooks the exchanges call are in engine/auth_sig.h; whether a
 * certificate names the peer's ID is engine/identity.c's.
 */
#ifndef MIF_CRYPTO_SIGN_H
#define MIF_CRYPTO_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <gnutls/abstract.h>

#include "ike/cert.h"
#include "ike/notify.h"

#define SIG_MAX_CHAIN	4	/* our certificates, peer's CERT payloads */
#define SIG_MAX_CAS	16	/* CA key hashes in our CERTREQ */

/* Hash algorithm identifiers (RFC 7427 §7, IANA). */
enum sig_hash {
	SIG_HASH_SHA1		= 1,
	SIG_HASH_SHA2_256	= 2,
	SIG_HASH_SHA2_384	= 3,
	SIG_HASH_SHA2_512	= 4,
	SIG_HASH_IDENTITY	= 5,
};

/* The hashes we verify with method 14, as sent in our notify. */
#define SIG_N_HASHES	4

/*
 * One side's credentials. key and certs are ours (empty when we only
 * verify); trust holds the CAs that certify peers (NULL: we accept no
 * certificate). ca_hashes is the CERTREQ data: SHA-1 of each trusted
 * CA's SubjectPublicKeyInfo (RFC 7296 §3.7), at most SIG_MAX_CAS.
 */
struct sig_creds {
	gnutls_privkey_t key;
	gnutls_x509_crt_t *certs;	/* end entity first, then CAs */
	unsigned int n_certs;
	gnutls_datum_t der[SIG_MAX_CHAIN];	/* certs, DER, for CERT */
	gnutls_x509_trust_list_t trust;
	uint8_t ca_hashes[SIG_MAX_CAS * IKE_CERTREQ_HASH_LEN];
	size_t ca_hashes_len;
};

/*
 * Load credentials: cert_file (PEM, our certificate then any
 * intermediates) and key_file (PEM private key, PKCS#8 or the plain
 * RSA/EC format) go together and may both be NULL; ca_dir, a directory
 * of PEM CA certificates (gnutls_x509_trust_list_add_trust_dir), may be
 * NULL too. *out is allocated; free with sig_creds_free(). The key file
 * is wiped from memory after import. Returns 0 or -errno: -ENOENT for a
 * missing file or an empty CA directory, -EINVAL for bad contents or a
 * key that is not the certificate's, -E2BIG for more than SIG_MAX_CHAIN
 * certificates.
 */
int sig_creds_load(struct sig_creds **out, const char *cert_file,
		   const char *key_file, const char *ca_dir);
/* Deinit everything (GnuTLS wipes the private key) and free. */
void sig_creds_free(struct sig_creds *c);

/*
 * Our AUTH data for method (1, 9, 10 or 14) over octets. For method 14
 * the hash is the first of our preference for the key (RSA: SHA-256,
 * 384, 512; ECDSA: the curve's hash first; Ed25519: Identity) that the
 * peer listed in peer_hashes (n_peer entries); n_peer < 0: the peer sent
 * no notify, use our first choice. rsa_pss: RSA keys sign with
 * RSASSA-PSS (salt = hash length) rather than PKCS#1 v1.5. *out_len:
 * size in, length out. Returns 0, -ENOTSUP (no hash in common, or key
 * unfit for method), -ENOSPC or -EIO.
 */
int sig_sign(const struct sig_creds *c, uint8_t method, bool rsa_pss,
	     const uint16_t *peer_hashes, int n_peer,
	     const uint8_t *octets, size_t len, uint8_t *out, size_t *out_len);

/* The data of our SIGNATURE_HASH_ALGORITHMS notify; returns its length. */
size_t sig_hash_list(uint8_t out[2 * SIG_N_HASHES]);

/* A peer's certificate chain, once verified against our trust list. */
struct sig_peer {
	gnutls_x509_crt_t certs[SIG_MAX_CHAIN];
	unsigned int n;
	gnutls_pubkey_t pub;		/* of certs[0] */
};

/*
 * Import the peer's DER certificates (end entity first, then any
 * intermediates) and verify them against c->trust at the current time;
 * the end entity's keyUsage, if present, must allow digitalSignature or
 * nonRepudiation. Returns 0, or -EACCES (untrusted, expired, ...),
 * -EINVAL.
 * On failure p holds nothing; otherwise release with sig_peer_free().
 */
int sig_peer_load(struct sig_peer *p, const struct sig_creds *c,
		  const gnutls_datum_t *der, unsigned int n);
void sig_peer_free(struct sig_peer *p);

/*
 * 0 when data is a valid AUTH of method over octets by the peer's key;
 * -EACCES when not; -EPERM for an RSA signature with SHA-1 (method 1, or
 * 14 with sha1WithRSAEncryption) unless allow_sha1.
 */
int sig_peer_verify(const struct sig_peer *p, uint8_t method,
		    bool allow_sha1, const uint8_t *octets, size_t len,
		    const uint8_t *data, size_t data_len);

/* Whether method is one of the signature methods above. */
bool sig_method(uint8_t method);

#endif
