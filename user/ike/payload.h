/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One IKEv2 payload: the generic payload header (RFC 7296 §3.2) and the
 * table that maps a payload type to the code decoding its body.
 *
 * Each payload type lives in its own file (sa.c, ke.c, ...) with a typed
 * struct, a parse and a build function, and exports a struct
 * ike_payload_ops. Adding a payload type means one new file, one extern
 * line below and one line in the table in payload.c.
 */
#ifndef MIF_IKE_PAYLOAD_H
#define MIF_IKE_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/buf.h"
#include "ike/constants.h"
#include "ike/error.h"

struct ike_sa_payload;
struct ike_ke;
struct ike_id;
struct ike_cert;
struct ike_auth;
struct ike_nonce;
struct ike_notify;
struct ike_delete;
struct ike_vendor;
struct ike_ts;
struct ike_sk;
struct ike_skf;
struct ike_cp;
struct ike_eap;

/*
 * A decoded payload. The pointer matching the type is valid:
 *
 *   SA: sa      KE: ke          IDi, IDr: id     CERT, CERTREQ: cert
 *   AUTH: auth  Nonce: nonce    Notify: notify   Delete: del
 *   Vendor ID: vendor           TSi, TSr: ts     SK: sk     SKF: skf
 *   CP: cp      EAP: eap
 *
 * When parsed, the struct is allocated by the codec (owned; freed by
 * ike_chain_free()) and may point into the input buffer, which must
 * outlive it. When building, the caller points it at its own struct,
 * which stays the caller's.
 *
 * next is the Next Payload field. Parsing records it; building computes
 * it from the chain, except for SK and SKF, whose next field names the
 * first payload inside the encrypted data and is taken from here.
 */
struct ike_payload {
	uint8_t type;
	uint8_t next;
	bool critical;
	bool owned;		/* the struct below is the codec's */
	const uint8_t *body;	/* parsed: the body after the generic header */
	size_t body_len;
	union {
		void *any;
		struct ike_sa_payload *sa;
		struct ike_ke *ke;
		struct ike_id *id;
		struct ike_cert *cert;
		struct ike_auth *auth;
		struct ike_nonce *nonce;
		struct ike_notify *notify;
		struct ike_delete *del;
		struct ike_vendor *vendor;
		struct ike_ts *ts;
		struct ike_sk *sk;
		struct ike_skf *skf;
		struct ike_cp *cp;
		struct ike_eap *eap;
	};
};

/*
 * Body codec of one payload type. parse reads exactly the body (the
 * reader ends where the payload's length says) into a zeroed struct of
 * size bytes; lists in it are allocated by their real length, and
 * release (if set) frees them, also after a failed parse.
 * build writes the body only, the generic header is written around it.
 * last marks payloads that end a chain (SK, SKF).
 */
struct ike_payload_ops {
	size_t size;
	bool last;
	int (*parse)(struct ike_payload *pl, struct ike_reader *r,
		     struct ike_error *err);
	int (*build)(struct ike_writer *w, const struct ike_payload *pl,
		     struct ike_error *err);
	void (*release)(struct ike_payload *pl);
};

extern const struct ike_payload_ops ike_sa_ops;
extern const struct ike_payload_ops ike_ke_ops;
extern const struct ike_payload_ops ike_id_ops;
extern const struct ike_payload_ops ike_cert_ops;
extern const struct ike_payload_ops ike_certreq_ops;
extern const struct ike_payload_ops ike_auth_ops;
extern const struct ike_payload_ops ike_nonce_ops;
extern const struct ike_payload_ops ike_notify_ops;
extern const struct ike_payload_ops ike_delete_ops;
extern const struct ike_payload_ops ike_vendor_ops;
extern const struct ike_payload_ops ike_ts_ops;
extern const struct ike_payload_ops ike_sk_ops;
extern const struct ike_payload_ops ike_skf_ops;
extern const struct ike_payload_ops ike_cp_ops;
extern const struct ike_payload_ops ike_eap_ops;

/* The codec for a payload type, or NULL if the type is not known. */
const struct ike_payload_ops *ike_payload_lookup(uint8_t type);

/*
 * Decode the body of pl (type, critical and body already set): allocate
 * its struct and parse it. On failure nothing stays allocated and
 * err->payload names the type.
 */
int ike_payload_decode(struct ike_payload *pl, struct ike_error *err);
/* Write the generic header and body of pl, with the given next field. */
int ike_payload_build(struct ike_writer *w, const struct ike_payload *pl,
		      uint8_t next, struct ike_error *err);
/* Free what ike_payload_decode() allocated (nothing if not owned). */
void ike_payload_free(struct ike_payload *pl);

#endif
