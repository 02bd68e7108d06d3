// SPDX-License-Identifier: GPL-2.0
/*
 * Certificate authentication (RFC 7296 §2.15 with §3.6-3.8, RFC 7427):
 * the signature methods 1, 9, 10 and 14, and the payloads that go with
 * them. The crypto is in crypto/sign.c; the connection's credentials are
 * conn->sig_creds.
 *
 *	IKE_SA_INIT	both send SIGNATURE_HASH_ALGORITHMS; the responder
 *			also a CERTREQ naming the CAs it trusts
 *	IKE_AUTH	each sends its certificate chain in CERT payloads
 *			(X.509 signature encoding), the initiator a CERTREQ
 *
 * Signing with method 14 honours the peer's SIGNATURE_HASH_ALGORITHMS,
 * found again in its IKE_SA_INIT message (kept until IKE_AUTH is done).
 * A peer may use any of the four methods, whatever ours is: its AUTH is
 * checked by auth_sig_peer_authentic(), which ike_auth.c calls with the
 * CERT payloads at hand; the verify callback of the table can not see
 * them and refuses.
 *
 * RSA with SHA-1 (method 1 either way, the peer's method 14 with
 * sha1WithRSAEncryption) only for a connection with rsa_sha1 set; a
 * peer's refused signature is logged (a REFUSED event).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/keys.h"
#include "engine/auth_sig.h"
#include "engine/auth_method.h"
#include "engine/exchange.h"
#include "engine/identity.h"
#include "engine/ike_sa.h"
#include "ike/auth.h"
#include "ike/id.h"
#include "ike/message.h"

/*
 * The hash identifiers of the peer's SIGNATURE_HASH_ALGORITHMS notify in
 * its IKE_SA_INIT message; -1 when it sent none.
 */
static int peer_hashes(const struct ikesa *sa, uint16_t *out, int max)
{
	const uint8_t *msg = sa->initiator ? sa->init_resp : sa->init_req;
	size_t len = sa->initiator ? sa->init_resp_len : sa->init_req_len;
	const struct ike_payload *pl;
	struct ike_message *m;
	struct ike_error err;
	int n = -1;

	if (!msg)
		return -1;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -1;
	if (!ike_message_parse(m, msg, len, &err)) {
		pl = ike_chain_find_notify(&m->chain,
					   IKE_N_SIGNATURE_HASH_ALGORITHMS);
		if (pl) {
			n = 0;
			for (size_t i = 0; i + 1 < pl->notify->len && n < max;
			     i += 2)
				out[n++] = (uint16_t)(pl->notify->data[i] << 8 |
						      pl->notify->data[i + 1]);
		}
		ike_message_free(m);
	}
	free(m);
	return n;
}

static int sign_with(const struct ikesa *sa, uint8_t method,
		     const uint8_t *octets, size_t len, uint8_t *out,
		     size_t *out_len)
{
	uint16_t hashes[32];
	int n = -1;

	if (method == IKE_AUTH_DIGITAL_SIGNATURE)
		n = peer_hashes(sa, hashes, 32);
	return sig_sign(sa->conn->sig_creds, method, sa->conn->rsa_pss,
			hashes, n, octets, len, out, out_len);
}

static int sig_sign14(const struct ikesa *sa, const uint8_t *octets,
		      size_t len, uint8_t *out, size_t *out_len)
{
	return sign_with(sa, IKE_AUTH_DIGITAL_SIGNATURE, octets, len, out,
			 out_len);
}

/* Method 1 is SHA-1: only for a connection that allows it. */
static int sig_sign_rsa(const struct ikesa *sa, const uint8_t *octets,
			size_t len, uint8_t *out, size_t *out_len)
{
	if (!sa->conn->rsa_sha1)
		return -EPERM;
	return sign_with(sa, IKE_AUTH_RSA_SIG, octets, len, out, out_len);
}

static int sig_sign_ecdsa256(const struct ikesa *sa, const uint8_t *octets,
			     size_t len, uint8_t *out, size_t *out_len)
{
	return sign_with(sa, IKE_AUTH_ECDSA_256, octets, len, out, out_len);
}

static int sig_sign_ecdsa384(const struct ikesa *sa, const uint8_t *octets,
			     size_t len, uint8_t *out, size_t *out_len)
{
	return sign_with(sa, IKE_AUTH_ECDSA_384, octets, len, out, out_len);
}

/* Without the CERT payloads there is nothing to verify against. */
static int sig_verify(const struct ikesa *sa, const uint8_t *octets,
		      size_t len, const uint8_t *data, size_t data_len)
{
	return -EACCES;
}

const struct auth_method auth_method_sig = {
	.method = IKE_AUTH_DIGITAL_SIGNATURE,
	.sign = sig_sign14,
	.verify = sig_verify,
};

const struct auth_method auth_method_rsa = {
	.method = IKE_AUTH_RSA_SIG,
	.sign = sig_sign_rsa,
	.verify = sig_verify,
};

const struct auth_method auth_method_p256 = {
	.method = IKE_AUTH_ECDSA_256,
	.sign = sig_sign_ecdsa256,
	.verify = sig_verify,
};

const struct auth_method auth_method_p384 = {
	.method = IKE_AUTH_ECDSA_384,
	.sign = sig_sign_ecdsa384,
	.verify = sig_verify,
};

void auth_sig_add_payloads(const struct conn *c, uint8_t exchange,
			   bool initiator, struct ike_chain *ch,
			   struct sig_payloads *sp)
{
	const struct sig_creds *cr = c->sig_creds;
	struct ike_error err;
	bool certreq;

	if (!cr)
		return;
	certreq = cr->ca_hashes_len &&
		  (exchange == IKE_EXCH_IKE_SA_INIT ? !initiator : initiator);
	if (exchange == IKE_EXCH_IKE_SA_INIT) {
		sp->hashes = (struct ike_notify){ .type =
					IKE_N_SIGNATURE_HASH_ALGORITHMS };
		sp->hashes.data = sp->hash_data;
		sp->hashes.len = sig_hash_list(sp->hash_data);
		ike_chain_add(ch, IKE_PL_NOTIFY, &sp->hashes, &err);
	} else if (sig_method(c->auth_method)) {
		for (unsigned int i = 0; i < cr->n_certs; i++) {
			sp->cert[i].encoding = IKE_CERT_X509_SIG;
			sp->cert[i].data = cr->der[i].data;
			sp->cert[i].len = cr->der[i].size;
			ike_chain_add(ch, IKE_PL_CERT, &sp->cert[i], &err);
		}
	}
	if (certreq) {
		sp->certreq.encoding = IKE_CERT_X509_SIG;
		sp->certreq.data = cr->ca_hashes;
		sp->certreq.len = cr->ca_hashes_len;
		ike_chain_add(ch, IKE_PL_CERTREQ, &sp->certreq, &err);
	}
}

static bool have_ca(const struct sig_payloads *sp, const uint8_t *hash)
{
	for (size_t off = 0; off < sp->ca_len; off += IKE_CERTREQ_HASH_LEN)
		if (!memcmp(sp->ca_data + off, hash, IKE_CERTREQ_HASH_LEN))
			return true;
	return false;
}

void auth_sig_merge(struct sig_payloads *sp, const struct conn *c)
{
	const struct sig_creds *cr = c->sig_creds;

	/* Connections share credentials loaded from the same files. */
	if (!cr || cr == sp->merged_last)
		return;
	sp->merged_sig = true;
	sp->merged_last = cr;
	for (size_t off = 0; off < cr->ca_hashes_len;
	     off += IKE_CERTREQ_HASH_LEN) {
		if (sp->ca_len == sizeof(sp->ca_data))
			return;
		if (have_ca(sp, cr->ca_hashes + off))
			continue;
		memcpy(sp->ca_data + sp->ca_len, cr->ca_hashes + off,
		       IKE_CERTREQ_HASH_LEN);
		sp->ca_len += IKE_CERTREQ_HASH_LEN;
	}
}

void auth_sig_add_merged(struct sig_payloads *sp, struct ike_chain *ch)
{
	struct ike_error err;

	if (!sp->merged_sig)
		return;
	sp->hashes = (struct ike_notify){ .type =
				IKE_N_SIGNATURE_HASH_ALGORITHMS };
	sp->hashes.data = sp->hash_data;
	sp->hashes.len = sig_hash_list(sp->hash_data);
	ike_chain_add(ch, IKE_PL_NOTIFY, &sp->hashes, &err);
	if (!sp->ca_len)
		return;
	sp->certreq.encoding = IKE_CERT_X509_SIG;
	sp->certreq.data = sp->ca_data;
	sp->certreq.len = sp->ca_len;
	ike_chain_add(ch, IKE_PL_CERTREQ, &sp->certreq, &err);
}

bool auth_sig_peer_authentic(struct ikesa *sa, const struct ike_chain *ch,
			     const struct ike_payload *pid,
			     const struct ike_payload *pauth, char *why,
			     size_t why_len)
{
	const struct sig_creds *cr = sa->conn->sig_creds;
	const bool pi = !sa->initiator;		/* the peer is initiator */
	gnutls_datum_t der[SIG_MAX_CHAIN];
	const struct ike_payload *pl = NULL;
	struct sig_peer peer;
	uint8_t *octets = NULL;
	unsigned int n = 0;
	size_t olen = 0;
	int ret;

	snprintf(why, why_len, "certificate or signature does not verify");
	if (!cr || !cr->trust || !sig_method(pauth->auth->method))
		return false;
	while ((pl = ike_chain_find(ch, IKE_PL_CERT, pl))) {
		if (pl->cert->encoding != IKE_CERT_X509_SIG)
			continue;
		if (n == SIG_MAX_CHAIN)
			return false;
		der[n].data = (unsigned char *)pl->cert->data;
		der[n++].size = (unsigned int)pl->cert->len;
	}
	if (sig_peer_load(&peer, cr, der, n))
		return false;
	ret = identity_in_cert(&peer, pid->id->type, pid->id->data,
			       pid->id->len, why, why_len);
	if (!ret)
		ret = auth_signed_octets(&sa->keys, pi,
					 pi ? sa->init_req : sa->init_resp,
					 pi ? sa->init_req_len :
					      sa->init_resp_len,
					 pi ? sa->nr : sa->ni,
					 pi ? sa->nr_len : sa->ni_len,
					 pid->body, pid->body_len, &octets,
					 &olen);
	if (!ret)
		ret = sig_peer_verify(&peer, pauth->auth->method,
				      sa->conn->rsa_sha1, octets, olen,
				      pauth->auth->data, pauth->auth->len);
	if (ret == -EPERM)
		engine_refused(sa->engine, sa->conn, &sa->remote,
			       "RSA signature with SHA-1 (AUTH method %u); "
			       "rsa_sha1 = yes accepts it",
			       pauth->auth->method);
	auth_octets_free(octets, olen);
	sig_peer_free(&peer);
	return ret == 0;
}
