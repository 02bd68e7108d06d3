/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CFG (RFC 7296 §2.19, §3.15; docs/protocol/mif.md "Inner addresses"):
 * the initiator asks in its IKE_AUTH request for inner addresses with a
 * CP(CFG_REQUEST), one empty INTERNAL_IP4_ADDRESS / INTERNAL_IP6_ADDRESS
 * per address; the responder leases them from the connection's pool
 * (pool.h) and answers with a CP(CFG_REPLY), or, with none to give,
 * INTERNAL_ADDRESS_FAILURE: the first Child SA fails, the IKE SA stands.
 * The responder narrows every Child SA's TSi to the peer's addresses;
 * the initiator uses them as its TSi. The IKE SA keeps them in
 * sa->vips, until it goes (the leases are released) or is rekeyed (its
 * successor takes them).
 */
#ifndef MIF_ENGINE_CFG_H
#define MIF_ENGINE_CFG_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/ike_sa.h"
#include "ike/cp.h"
#include "ike/message.h"

/* A CP payload we send, and the room for its attributes. */
struct cfg_payload {
	struct ike_cp cp;
	struct ike_cp_attr attrs[IKE_CP_MAX_ATTRS];
	uint8_t values[IKE_CP_MAX_ATTRS][17];
};

/* The engine's pools as connections come and go (engine.c). */
int cfg_conn_added(struct engine *e, const struct conn *c);
void cfg_conns_cleared(struct engine *e);
void cfg_pools_free(struct engine *e);

/* Initiator: the CP(CFG_REQUEST) of an IKE_AUTH request, if any. */
void cfg_request(struct ikesa *sa, struct cfg_payload *out,
		 struct ike_chain *chain);
/*
 * Initiator: take the addresses of the CFG_REPLY in an IKE_AUTH
 * response (none: sa->n_vips stays 0); extra ones are logged and
 * ignored.
 */
void cfg_response(struct ikesa *sa, const struct ike_chain *resp);
/*
 * Responder, sa authenticated: lease what the CFG_REQUEST of req asks
 * for and add the CP(CFG_REPLY) to chain. Returns 0, or
 * INTERNAL_ADDRESS_FAILURE when it asked for addresses and none could
 * be leased (the Child SA is then not to be made).
 */
uint16_t cfg_respond(struct ikesa *sa, const struct ike_chain *req,
		     struct cfg_payload *out, struct ike_chain *chain);

/*
 * Our side of a Child SA's selectors when the connection asks for inner
 * addresses and has no local_ts: one per address we got, or, before we
 * have them (IKE_AUTH), every address of each family asked for, for
 * the responder to narrow. Returns how many (max at most), 0 if the
 * connection asks for none.
 */
unsigned int cfg_local_ts(const struct ikesa *sa, struct ike_selector *out,
			  unsigned int max);
/*
 * Responder: narrow a Child SA's TSi (ts, n) to the addresses leased to
 * the peer, if its connection has a pool. peer_ifaces: in IKE_AUTH, for
 * a Child SA the peer places on an interface (MIF_CHILD_PATH), how many
 * interfaces it announced up; else 0. When each family has as many
 * leases as that, the Child SA gets the addresses of rank 0 alone,
 * the others going to the Child SAs the peer places on its other
 * interfaces (mif.md, "Inner addresses"). Returns the new n (0: none).
 */
unsigned int cfg_narrow_tsi(const struct ikesa *sa, struct ike_selector *ts,
			    unsigned int n, unsigned int peer_ifaces);
/* sa rekeyed into new_sa: the addresses and their leases go with it. */
void cfg_inherit(struct ikesa *new_sa, struct ikesa *old);
/* sa goes: release its leases, free its addresses. */
void cfg_release(struct ikesa *sa);
/*
 * Whether sa->vips has room for one more address: false when it holds
 * CONN_MAX_VIPS, or has none and no memory for them.
 */
bool cfg_vip_room(struct ikesa *sa);

/*
 * The inner address of family for our interface of rank k (0 first, by
 * priority; mif.md): the k-th of that family we got, NULL if fewer.
 * Child SAs placed per interface take it as their local selector.
 */
const struct ip_addr *cfg_vip_for_rank(const struct ikesa *sa, int family,
				       unsigned int k);
/*
 * The selectors of our interface of rank k of n_ifaces: for each family
 * we hold an inner address of, its address of rank k. 0 unless every
 * such family has exactly n_ifaces addresses: with fewer or more, each
 * Child SA takes every address (cfg_local_ts()). At most max.
 */
unsigned int cfg_rank_ts(const struct ikesa *sa, unsigned int k,
			 unsigned int n_ifaces, struct ike_selector *out,
			 unsigned int max);

#endif
