/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Certificate authentication in the exchanges: the payloads it adds to
 * IKE_SA_INIT and IKE_AUTH, the check of the peer's AUTH, and the
 * signature methods of the auth table (auth_method.c).
 */
#ifndef MIF_ENGINE_AUTH_SIG_H
#define MIF_ENGINE_AUTH_SIG_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/sign.h"
#include "ike/cert.h"
#include "ike/notify.h"

/*
 * Hooks of auth_sig.c. They act only for a conn with
 * sig_creds set (conn.h), else do nothing / refuse.
 */
struct conn;
struct ikesa;
struct ike_chain;
struct ike_payload;

/* Storage for the payloads auth_sig_add_payloads() puts in a chain. */
struct sig_payloads {
	struct ike_notify hashes;
	uint8_t hash_data[2 * SIG_N_HASHES];
	struct ike_cert cert[SIG_MAX_CHAIN];
	struct ike_cert certreq;
	/* auth_sig_merge(): what the connections so far can check. */
	bool merged_sig;
	const struct sig_creds *merged_last;
	uint8_t ca_data[SIG_MAX_CAS * IKE_CERTREQ_HASH_LEN];
	size_t ca_len;
};

/*
 * Add our certificate payloads for a message of exchange:
 *	IKE_SA_INIT	SIGNATURE_HASH_ALGORITHMS (both), CERTREQ (responder)
 *	IKE_AUTH	CERT (when signing with a certificate), CERTREQ
 *			(initiator)
 * sp must live until the chain is built. The responder's IKE_SA_INIT
 * answer speaks for several connections: auth_sig_merge() below.
 */
void auth_sig_add_payloads(const struct conn *c, uint8_t exchange,
			   bool initiator, struct ike_chain *ch,
			   struct sig_payloads *sp);

/*
 * The responder's IKE_SA_INIT payloads, for IKE_AUTH connections not
 * chosen yet: the IDs that choose among the candidates (ike_auth.c)
 * come in IKE_AUTH, after our IKE_SA_INIT answer has gone. So the
 * answer speaks for every candidate: SIGNATURE_HASH_ALGORITHMS if one
 * of them has certificates, and a CERTREQ naming the CAs any of them
 * trusts (without repeats, at most SIG_MAX_CAS). It cannot name only
 * the CAs of the connection finally chosen: a peer that picks its
 * certificate by our CERTREQ may pick one only another candidate
 * accepts, and is then refused. Start with sp zeroed, merge each
 * candidate, then add.
 */
void auth_sig_merge(struct sig_payloads *sp, const struct conn *c);
void auth_sig_add_merged(struct sig_payloads *sp, struct ike_chain *ch);

/*
 * The peer's AUTH of a signature method (sig_method()): verify its CERT
 * payloads in ch against our CAs, bind the ID payload pid to the
 * certificate (identity_in_cert()) and check the signature. The
 * configured remote ID is checked by the caller. When false, why says
 * what failed.
 */
bool auth_sig_peer_authentic(struct ikesa *sa, const struct ike_chain *ch,
			     const struct ike_payload *pid,
			     const struct ike_payload *pauth, char *why,
			     size_t why_len);

/* The signature methods (14, 1, 9, 10), for engine/auth_method.c. */
struct auth_method;
extern const struct auth_method auth_method_sig;
extern const struct auth_method auth_method_rsa;
extern const struct auth_method auth_method_p256;
extern const struct auth_method auth_method_p384;

#endif
