/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Authentication methods for IKE_AUTH (RFC 7296 §2.15). Each method is
 * one file (auth_psk.c, ...) and one line in the table of auth_method.c.
 */
#ifndef MIF_ENGINE_AUTH_METHOD_H
#define MIF_ENGINE_AUTH_METHOD_H

#include <stddef.h>
#include <stdint.h>

struct ikesa;

/*
 * The most AUTH data we make or take: an RFC 7427 signature, its
 * AlgorithmIdentifier (one length octet, at most 255 bytes) and the
 * signature of an RSA key of up to 8192 bits.
 */
#define AUTH_DATA_MAX	(1 + 255 + 1024)

struct auth_method {
	uint8_t method;		/* IKE_AUTH_* */
	/* Our AUTH data over the octets; *out_len: size in, length out. */
	int (*sign)(const struct ikesa *sa, const uint8_t *octets, size_t len,
		    uint8_t *out, size_t *out_len);
	/* 0 when the peer's AUTH data is right for the signed octets. */
	int (*verify)(const struct ikesa *sa, const uint8_t *octets,
		      size_t len, const uint8_t *data, size_t data_len);
};

extern const struct auth_method auth_method_psk;

/* The method for IKE_AUTH_* m, or NULL. */
const struct auth_method *auth_method_find(uint8_t m);

#endif
