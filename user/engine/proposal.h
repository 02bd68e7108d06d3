/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Proposals (RFC 7296 §2.7, §3.3): offering the configured ones and
 * choosing among the peer's.
 */
#ifndef MIF_ENGINE_PROPOSAL_H
#define MIF_ENGINE_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/transforms.h"
#include "engine/conn.h"
#include "ike/sa.h"

/* Transform types a proposal is made of: ENCR, PRF, INTEG, DH, ESN. */
#define PROPOSAL_TYPES	5

/*
 * How much of a peer's offer is looked at: its first PROPOSAL_MAX_OFFERED
 * proposals, as far as they hold PROPOSAL_MAX_TRANSFORMS transforms in
 * all. Proposals beyond are ignored (proposal_peer.ignored counts them).
 */
#define PROPOSAL_MAX_OFFERED	16
#define PROPOSAL_MAX_TRANSFORMS	256

/* One proposal as agreed: one transform of each type it holds. */
struct proposal_chosen {
	uint8_t num;
	uint8_t protocol;
	uint8_t spi_size;
	uint8_t spi[IKE_SA_MAX_SPI];	/* the peer's */
	unsigned int n_transforms;
	struct ike_transform transforms[PROPOSAL_TYPES];
};

/* What was agreed: one proposal, one transform of each type. */
struct proposal_choice {
	struct proposal_chosen prop;	/* to echo in the reply */
	const struct transform *encr, *prf, *integ, *dh;
	bool esn;
	uint32_t spi;			/* ESP: the SPI in prop, host order */
};

/*
 * A peer's offer, read once to be matched against any number of our
 * proposal lists: the proposals for one protocol within the limits
 * above, each reduced to what matching looks at (the supported
 * transforms, once each, in the peer's order, and one unsupported
 * transform of each type that has one), which chooses as the whole
 * offer would.
 */
struct proposal_peer {
	struct ike_sa_payload sa;
	unsigned int ignored;		/* proposals beyond the limits */
};

/*
 * As dh_first or ke_group below: leave DH transforms out, on both sides
 * (the Child SA of IKE_AUTH, whose keys come from the IKE SA, §1.2).
 */
#define PROPOSAL_NO_DH	0xffff

/*
 * Fill sa with our proposals for protocol, numbered from 1, each with
 * the given SPI (spi_len 0, 4 or 8). The DH group dh_first (if
 * non-zero) is moved to the front of each proposal holding it, so the
 * responder knows which KE payload we sent.
 */
int proposal_offer(struct ike_sa_payload *sa, const struct conn_proposal *mine,
		   unsigned int n, uint8_t protocol, const uint8_t *spi,
		   size_t spi_len, uint16_t dh_first);
/*
 * Fill sa with the one proposal of a reply: the choice, with our SPI
 * (spi_len 4 or 8) or, spi NULL, the proposal's own. 0 or -ENOMEM.
 * Both allocate sa's arrays: release them with ike_sa_payload_free().
 */
int proposal_reply(struct ike_sa_payload *sa, const struct proposal_choice *pc,
		   const uint8_t *spi, size_t spi_len);

/* Read offered (see struct proposal_peer). 0 or -ENOMEM. */
int proposal_peer_read(struct proposal_peer *pp,
		       const struct ike_sa_payload *offered, uint8_t protocol);
void proposal_peer_free(struct proposal_peer *pp);

/*
 * Responder: the first of the peer's proposals (in its order, within
 * the limits above) that one of ours accepts, taking the peer's first
 * acceptable transform of each type; a DH group equal to ke_group is
 * preferred. A proposal holding a transform type we do not know is never
 * accepted. Returns 0, or -1 when nothing fits (NO_PROPOSAL_CHOSEN). An
 * ESP choice may hold a DH group (PFS in CREATE_CHILD_SA), never a PRF.
 */
int proposal_select(const struct ike_sa_payload *offered,
		    const struct conn_proposal *mine, unsigned int n,
		    uint8_t protocol, uint16_t ke_group,
		    struct proposal_choice *out);
/* The same, for an offer already read. */
int proposal_peer_select(const struct proposal_peer *pp,
			 const struct conn_proposal *mine, unsigned int n,
			 uint8_t protocol, uint16_t ke_group,
			 struct proposal_choice *out);

/*
 * Initiator: check the responder's reply is one proposal with one
 * transform per type, all from our offer. Returns 0 or -1.
 */
int proposal_check_reply(const struct ike_sa_payload *reply,
			 const struct conn_proposal *mine, unsigned int n,
			 uint8_t protocol, uint16_t ke_group,
			 struct proposal_choice *out);

/*
 * Whether one of our proposals accepts chosen, a proposal already agreed
 * (one transform per type, as proposal_select() leaves it in prop).
 */
bool proposal_contains(const struct proposal_chosen *chosen,
		       const struct conn_proposal *mine, unsigned int n,
		       uint8_t protocol, uint16_t ke_group);

/* The first DH group of our first proposal holding one, or 0. */
uint16_t proposal_first_dh(const struct conn_proposal *mine, unsigned int n);
/* Whether one of our proposals holds DH group g. */
bool proposal_has_dh(const struct conn_proposal *mine, unsigned int n,
		     uint16_t g);

#endif
