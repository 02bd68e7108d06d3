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

/* What was agreed: one proposal, one transform of each type. */
struct proposal_choice {
	struct ike_proposal prop;	/* to echo in the reply */
	const struct transform *encr, *prf, *integ, *dh;
	bool esn;
	uint32_t spi;			/* ESP: the SPI in prop, host order */
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
void proposal_offer(struct ike_sa *sa, const struct conn_proposal *mine,
		    unsigned int n, uint8_t protocol, const uint8_t *spi,
		    size_t spi_len, uint16_t dh_first);

/*
 * Responder: the first of the peer's proposals (in its order) that one
 * of ours accepts, taking the peer's first acceptable transform of each
 * type; a DH group equal to ke_group is preferred. A proposal holding a
 * transform type we do not know is never accepted. Returns 0, or -1 when
 * nothing fits (NO_PROPOSAL_CHOSEN). An ESP choice may hold a DH group
 * (PFS in CREATE_CHILD_SA), never a PRF.
 */
int proposal_select(const struct ike_sa *offered,
		    const struct conn_proposal *mine, unsigned int n,
		    uint8_t protocol, uint16_t ke_group,
		    struct proposal_choice *out);

/*
 * Initiator: check the responder's reply is one proposal with one
 * transform per type, all from our offer. Returns 0 or -1.
 */
int proposal_check_reply(const struct ike_sa *reply,
			 const struct conn_proposal *mine, unsigned int n,
			 uint8_t protocol, uint16_t ke_group,
			 struct proposal_choice *out);

/*
 * Whether one of our proposals accepts chosen, a proposal already agreed
 * (one transform per type, as proposal_select() leaves it in prop).
 */
bool proposal_contains(const struct ike_proposal *chosen,
		       const struct conn_proposal *mine, unsigned int n,
		       uint8_t protocol, uint16_t ke_group);

/* The first DH group of our first proposal holding one, or 0. */
uint16_t proposal_first_dh(const struct conn_proposal *mine, unsigned int n);
/* Whether one of our proposals holds DH group g. */
bool proposal_has_dh(const struct conn_proposal *mine, unsigned int n,
		     uint16_t g);

#endif
