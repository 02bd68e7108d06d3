/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Two engines in one process for the engine fuzz targets and the corpus
 * generator: A (side 0) initiates, B (side 1) responds, joined by the
 * in-memory network and fake kernel backend of user/tests/harness.c.
 *
 * The pair comes in a few kinds, so that a fuzz input can choose which
 * code it reaches: AES-GCM or AES-CBC with HMAC for SK, shared keys or
 * ECDSA certificates, and Child SAs with or without a key exchange (PFS).
 * B's cookie secret is fixed, so that a recorded IKE_SA_INIT request
 * carrying a COOKIE is accepted by every later B.
 */
#ifndef MIF_FUZZ_WORLD_H
#define MIF_FUZZ_WORLD_H

#include <stdint.h>

#include "engine/ike_sa.h"
#include "tests/harness.h"

enum world_kind {
	WORLD_PSK_GCM,
	WORLD_PSK_CBC,
	WORLD_CERT,
	WORLD_PFS,
	WORLD_KINDS,
};

/*
 * Load the certificates of WORLD_CERT (once per process), from
 * fuzz/certs/ in the current directory: fixed ones, so that those in
 * recorded messages verify.
 */
void world_certs(void);

/* Two engines of kind k, B accepting A's connection; nothing sent yet. */
struct world *world_new(enum world_kind k);
void world_free(struct world *w);
/* Fresh engines and fake kernels, the same connections. */
void world_reset(struct world *w);

/*
 * A initiates and the IKE_SA_INIT exchange runs; A's IKE_AUTH request
 * is dropped, so that A waits for its answer and B for the request
 * (message ID 1). Returns A's SA, or NULL.
 */
struct ikesa *world_half_open(struct world *w, uint64_t now);
/* The same, then IKE_AUTH too: both SAs established, or NULL. */
struct ikesa *world_establish(struct world *w, uint64_t now);

/* The only IKE SA of a side, or NULL if it has none or several. */
struct ikesa *world_sa(struct world *w, int side);

#endif
