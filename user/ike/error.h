/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How the IKE codec reports a failure.
 *
 * Every parse and build function returns 0 on success and -1 on failure,
 * and on failure fills in a struct ike_error (if the caller passed one):
 * what went wrong, the notify RFC 7296 says to answer with, the payload
 * being decoded and a short reason for logs.
 *
 * The notify is a suggestion the caller must weigh: INVALID_SYNTAX may
 * only be sent in answer to a message that was authenticated (an SK
 * payload that decrypted and passed its integrity check). A malformed
 * IKE_SA_INIT, or a malformed outer message, is silently dropped
 * (RFC 7296 §2.21.1, §3.10.1).
 */
#ifndef MIF_IKE_ERROR_H
#define MIF_IKE_ERROR_H

#include <stdint.h>

enum ike_err {
	IKE_OK = 0,
	IKE_ERR_TRUNCATED,	/* input ends inside a fixed-size field */
	IKE_ERR_LENGTH,		/* a length field disagrees with the data */
	IKE_ERR_VERSION,	/* major version is not 2 */
	IKE_ERR_CRITICAL,	/* unknown payload with the critical bit */
	IKE_ERR_SYNTAX,		/* a field holds a value that is not allowed */
	IKE_ERR_LIMIT,		/* more items than the codec accepts */
	IKE_ERR_NOMEM,		/* out of memory */
	IKE_ERR_INVAL,		/* a builder was given an inconsistent struct */
};

struct ike_error {
	enum ike_err code;
	uint16_t notify;	/* IKE_N_* to answer with, 0: drop silently */
	uint8_t payload;	/* payload type being decoded, 0: the header */
	const char *reason;	/* static string, for logs */
};

/* Record a failure; returns -1. */
int ike_fail(struct ike_error *err, enum ike_err code, uint16_t notify,
	     const char *reason);
const char *ike_err_name(enum ike_err code);

/* The common cases: malformed input is answered with INVALID_SYNTAX. */
int ike_fail_truncated(struct ike_error *err, const char *reason);
int ike_fail_length(struct ike_error *err, const char *reason);
int ike_fail_syntax(struct ike_error *err, const char *reason);
int ike_fail_limit(struct ike_error *err, const char *reason);
/* Builder misuse: never sent anywhere. */
int ike_fail_inval(struct ike_error *err, const char *reason);

#endif
