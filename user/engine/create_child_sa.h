/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CREATE_CHILD_SA (create_child_sa.c): the state of our request in
 * flight that makes or rekeys a Child SA, for its answer.
 */
#ifndef MIF_ENGINE_CREATE_CHILD_SA_H
#define MIF_ENGINE_CREATE_CHILD_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/dh.h"
#include "engine/request.h"
#include "ike/nonce.h"

struct ikesa;
struct childsa;

struct ccs_request {
	struct request_state rs;
	struct request_children children;	/* being created */
	uint8_t nonce[IKE_NONCE_MAX];	/* our Ni */
	size_t nonce_len;
	struct dh dh;			/* our KE (PFS) */
	bool have_dh;
	/*
	 * Rekey collision (§2.8.1): the peer rekeyed the Child SA this
	 * request rekeys, in an exchange that made our SA coll_spi
	 * (spi_in, 0: no collision) with coll_nonce the lower of its two
	 * nonces.
	 */
	uint32_t coll_spi;
	uint8_t coll_nonce[IKE_NONCE_MAX];
	size_t coll_nonce_len;
	/*
	 * Made after CHILD_SA_NOT_FOUND: the old Child SA, out of the IKE
	 * SA and the kernel but for its policies, held until the new
	 * Child SA takes them, so that its traffic is never sent in clear meanwhile.
	 */
	struct childsa *standin;
};

/* Our CREATE_CHILD_SA request for Child SAs in flight, or NULL. */
struct ccs_request *create_child_sa_request(const struct ikesa *sa);
/* Whether one is in flight, any of the window's (window.h). */
bool create_child_sa_in_flight(const struct ikesa *sa);
/*
 * The Deletes of Child SAs our rekeys replaced that found no room in
 * the peer's window (childsa's delete_owed): send them, all in one
 * INFORMATIONAL request beside the others in flight, if there is room
 * now; true if it went out.
 */
bool create_child_sa_pay(struct ikesa *sa, uint64_t now);

#endif
