/* SPDX-License-Identifier: GPL-2.0 */
/*
 * COOKIEs (RFC 7296 §2.6): a responder that keeps no state for an
 * IKE_SA_INIT request answers it with a COOKIE, which an initiator at
 * the address the request came from sends back in its request again.
 *
 * A cookie is one version byte and the first 31 bytes of
 * HMAC-SHA-256(secret, version | Ni | IPi | SPIi). The secret changes
 * every COOKIE_SECRET_MS (the version names it: the low byte of the
 * number of the period); the one before still counts for COOKIE_GRACE_MS
 * after the change, so that cookies handed out just before it still
 * verify, and none counts for more than the two together.
 */
#ifndef MIF_ENGINE_COOKIE_H
#define MIF_ENGINE_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define COOKIE_LEN		32
#define COOKIE_SECRET_LEN	32
#define COOKIE_SECRET_MS	120000
#define COOKIE_GRACE_MS		30000

struct cookie_secrets {
	uint8_t cur[COOKIE_SECRET_LEN], prev[COOKIE_SECRET_LEN];
	uint64_t period;	/* of cur: now / COOKIE_SECRET_MS */
	bool started;		/* period set by a first use */
	bool have_prev;		/* prev is the secret of period - 1 */
};

/* What the cookie of a request is computed from. */
struct cookie_input {
	const struct ip_addr *addr;	/* the initiator's */
	uint64_t spi_i;
	const uint8_t *ni;
	size_t ni_len;
};

/* A random first secret. 0 or -errno. */
int cookie_init(struct cookie_secrets *cs);
/* Wipe the secrets. */
void cookie_wipe(struct cookie_secrets *cs);
/* The cookie for in at now (ms, monotonic). 0 or -errno. */
int cookie_make(struct cookie_secrets *cs, uint64_t now,
		const struct cookie_input *in, uint8_t out[COOKIE_LEN]);
/* Whether cookie (len bytes) is one we made for in, and still counts. */
bool cookie_check(struct cookie_secrets *cs, uint64_t now,
		  const struct cookie_input *in, const uint8_t *cookie,
		  size_t len);

#endif
