/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Security Association payload (RFC 7296 §3.3): proposals, each with a
 * protocol, an SPI and a list of transforms.
 *
 * The proposals and their transforms are arrays of their real length.
 * Parsed, they are one allocation (ike_sa_payload_alloc) that
 * ike_sa_payload_free() releases; built, they are the caller's, or
 * ike_sa_payload_alloc()'s.
 */
#ifndef MIF_IKE_SA_H
#define MIF_IKE_SA_H

#include <stdbool.h>
#include <stdint.h>

#include "ike/payload.h"

/* Most proposals in one SA payload, and transforms in one proposal. */
#define IKE_SA_MAX_PROPOSALS	64
#define IKE_SA_MAX_TRANSFORMS	64
#define IKE_SA_MAX_SPI		8

struct ike_transform {
	uint8_t type;		/* IKE_XF_* */
	uint16_t id;		/* transform ID within its type */
	uint16_t key_len;	/* Key Length attribute in bits; 0: none */
	/*
	 * Parsed: the transform carried an attribute other than Key Length.
	 * Such a transform must not be selected (RFC 7296 §3.3.6). Not
	 * emitted when building.
	 */
	bool unknown_attr;
};

struct ike_proposal {
	uint8_t num;		/* 1, 2, ... in a request; echoed in a reply */
	uint8_t protocol;	/* IKE_PROTO_* */
	uint8_t spi_size;	/* 0 or 8 for IKE, 4 for AH and ESP */
	uint8_t spi[IKE_SA_MAX_SPI];
	unsigned int n_transforms;
	struct ike_transform *transforms;
};

struct ike_sa_payload {
	unsigned int n_proposals;
	struct ike_proposal *proposals;
	void *owned;	/* what ike_sa_payload_free() releases, or NULL */
};

/*
 * Room for n proposals (n_proposals is left 0) and xf transforms in all,
 * zeroed, in one allocation owned by sa; returns the transforms, for the
 * caller to hand out to the proposals, or NULL when out of memory.
 */
struct ike_transform *ike_sa_payload_alloc(struct ike_sa_payload *sa,
					   unsigned int n, unsigned int xf);
/*
 * Release what ike_sa_payload_alloc() or ike_sa_payload_parse() allocated;
 * sa is empty afterwards.
 */
void ike_sa_payload_free(struct ike_sa_payload *sa);

/*
 * Parse an SA payload body into sa, its arrays allocated as large as the
 * body holds (release with ike_sa_payload_free(); on failure nothing stays
 * allocated).
 */
int ike_sa_payload_parse(struct ike_sa_payload *sa, struct ike_reader *r,
		 struct ike_error *err);
int ike_sa_payload_build(struct ike_writer *w, const struct ike_sa_payload *sa,
		 struct ike_error *err);

#endif
