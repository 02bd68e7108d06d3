/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MOBIKE (RFC 4555): the IKE SA's own addresses move, and every Child
 * SA with them, with a peer that has no MIF (with MIF, MIF_MOVE does
 * it, mif_move.h).
 *
 * Negotiation: MOBIKE_SUPPORTED in both IKE_AUTH messages when the
 * connection has mobike = yes, with our other addresses (ADDITIONAL_IP4/
 * IP6_ADDRESS from the connection's interfaces, or NO_ADDITIONAL_
 * ADDRESSES). The peer's list is kept for mifctl.
 *
 * Initiator of the IKE SA (§3.5): when its address goes (rtnetlink) or
 * on `mifctl ike iface move`, an INFORMATIONAL request with
 * UPDATE_SA_ADDRESSES, NAT detection for the new pair and a COOKIE2,
 * sent and resent from the new address; on the answer (COOKIE2 echoed)
 * one kernel call moves the Child SAs, scoped to the IKE SA.
 *
 * Initiator, the peer's list (§3.6): an INFORMATIONAL request with the
 * responder's list replaces the one kept. If it came from another address
 * than the IKE SA's and the list leaves out the address the IKE SA uses
 * (the responder lost it), the IKE SA moves to where it came from (and to
 * our address it came to) by UPDATE_SA_ADDRESSES, once it is answered;
 * a list that keeps the IKE SA's address only replaces the list.
 *
 * Initiator, path probing (§3.5, peer_alt.h): when the current path
 * fails, pairs of our addresses and the peer's are tried, ours the
 * outer loop (mobike_local_alts() gives the order), the first that
 * answers gets the update.
 *
 * Responder, its own address lost (§3.6): the IKE SA and its Child SAs
 * go to another address of ours at once (as the initiator's do, by
 * mobike_local_alts()'s first), and the initiator is sent our list from
 * there (INFORMATIONAL with ADDITIONAL_IP4/IP6_ADDRESS, or
 * NO_ADDITIONAL_ADDRESSES); it moves its side with UPDATE_SA_ADDRESSES
 * (mifd), or by the list's source (charon). The responder cannot
 * update the IKE SA's addresses itself (§3.6), but its inbound SAs
 * must follow an address that is gone for the initiator's to reach
 * it. A lost address of ours that the IKE SA does not use sends the
 * new list too when the connection lists interfaces (the list was
 * taken from them).
 *
 * Responder (§3.11, §5.2): an UPDATE_SA_ADDRESSES from a new address of
 * the peer is checked first (a COOKIE2 request to that address, from
 * ours, that must be echoed from there), and only then are the IKE SA
 * and its Child SAs moved and the request answered, with NAT detection
 * as the request had it. A request older than the newest one processed
 * moves nothing. NO_NATS_ALLOWED is not implemented.
 */
#ifndef MIF_ENGINE_MOBIKE_H
#define MIF_ENGINE_MOBIKE_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "ike/natd.h"
#include "ike/notify.h"

struct engine;
struct engine_msg;
struct ike_chain;
struct ikesa;
struct notify_ctx;

/* Addresses of either side's list kept or sent. */
#define MOBIKE_MAX_ADDRS	8
#define MOBIKE_COOKIE2_LEN	16

/* In struct ikesa. */
struct mobike_sa {
	bool on;		/* MOBIKE_SUPPORTED both ways */
	/*
	 * The peer's other addresses (ADDITIONAL_*), n_peer of them,
	 * malloc'ed (most peers list none); none: NULL, n_peer 0.
	 */
	bool peer_listed;	/* it sent a list, or NO_ADDITIONAL_ADDRESSES */
	unsigned int n_peer;
	struct ip_addr *peer;
	/* Initiator: an update waiting for the request window. */
	bool pending;
	struct ip_addr pending_old, pending_new;
	/*
	 * Initiator: moved to port 4500 by a NAT the move found, an
	 * UPDATE_SA_ADDRESSES due from there, that the peer learns the
	 * NAT's mapping of our 4500 (its Child SAs' encapsulation follows).
	 */
	bool floated;
	/* Responder: the newest UPDATE_SA_ADDRESSES processed (§3.11). */
	bool updated;
	uint32_t update_id;
	/* Initiator: the waiting update goes to the peer's address too. */
	struct ip_addr pending_remote;
	/* Our list (INFORMATIONAL) due when the window is free. */
	bool list_due;
};

/* The notifies of one IKE_AUTH message: support and our addresses. */
struct mobike_payloads {
	struct ike_notify n[2 + MOBIKE_MAX_ADDRS];
	struct ip_addr addrs[MOBIKE_MAX_ADDRS];
};

/*
 * Whether the authenticated request m of sa (its payloads: inner) is a
 * MOBIKE UPDATE_SA_ADDRESSES from another address than the IKE SA's: it
 * moves after its return-routability check, NAT detection and all
 * (RFC 4555 §3.5), not by nat_follow().
 */
struct engine_msg;
struct ike_chain;
bool mobike_update_elsewhere(const struct ikesa *sa,
			     const struct engine_msg *m,
			     const struct ike_chain *inner);
/*
 * Responder: m is a retransmission of a request already taken, its
 * decrypted payloads in m->chain. If it is
 * the UPDATE_SA_ADDRESSES whose return-routability check is under way,
 * and it came from elsewhere than the check went, the check follows it
 * (rr_check_follow()).
 */
void mobike_update_again(struct ikesa *sa, const struct engine_msg *m);

/*
 * sa takes over old's MOBIKE state (a rekey, RFC 4555 §3.2), with a
 * copy of the peer's list, no update due. 0 or -ENOMEM (sa's unset).
 */
int mobike_inherit(struct ikesa *sa, const struct ikesa *old);
/* Free sa's MOBIKE state (the peer's list). */
void mobike_free(struct ikesa *sa);

/* IKE_AUTH: initiator's offer, responder's answer, initiator's end. */
void mobike_auth_offer(struct ikesa *sa, struct mobike_payloads *p,
		       struct ike_chain *out);
void mobike_auth_request(struct ikesa *sa, const struct ike_chain *req,
			 struct mobike_payloads *p, struct ike_chain *out);
void mobike_auth_response(struct ikesa *sa, const struct ike_chain *resp);

/*
 * Initiator: move the IKE SA from our address old to new (ours, on an
 * interface up) with UPDATE_SA_ADDRESSES, now or when the window is
 * free. 0, or -errno: -EOPNOTSUPP (MOBIKE off, or we are not the IKE
 * SA's initiator), -EINVAL (old is not its address), -EADDRNOTAVAIL.
 */
int mobike_update(struct ikesa *sa, const struct ip_addr *old,
		  const struct ip_addr *new, uint64_t now);
/*
 * Initiator, path probing (§3.5): the IKE SA's pair stopped answering
 * and local (ours) to remote (the peer's, in its list) answered our
 * request (peer_alt.h): move the IKE SA there, UPDATE_SA_ADDRESSES and
 * COOKIE2 sent from local to remote. 0, or -errno: -EOPNOTSUPP, -EAGAIN,
 * -EBUSY (the window), -EINVAL (another family, or the current pair).
 */
int mobike_update_path(struct ikesa *sa, const struct ip_addr *local,
		       const struct ip_addr *remote, uint64_t now);
/*
 * Our usable addresses other than a, of its family, best first: on the
 * interfaces the connection lists, up, by their priority (interfaces =
 * name:priority, then the interface's id); if it lists none, every
 * interface up but lo in the order of the interface table. At most max.
 */
unsigned int mobike_local_alts(const struct ikesa *sa,
			       const struct ip_addr *a, struct ip_addr *out,
			       unsigned int max);
/* The waiting update: when due (0: none), and send it (true if sent). */
uint64_t mobike_deadline(const struct ikesa *sa);
bool mobike_tick(struct ikesa *sa, uint64_t now);
/*
 * Our addresses lost (rtnetlink, engine/mif_failover.h): each IKE SA
 * with MOBIKE whose own address is among them moves to the first of
 * mobike_local_alts(): we initiated it, by UPDATE_SA_ADDRESSES; we
 * answered it, by itself, and the initiator is sent our new list.
 */
void mobike_addrs_lost(struct engine *e, const struct ip_addr *lost,
		       unsigned int n, uint64_t now);

/*
 * Addresses of ours come (rtnetlink: an address added, an interface up
 * with its addresses): each IKE SA with MOBIKE that we answered, whose
 * list for the initiator (§3.6) now holds one of them, sends the
 * initiator its new list once its request window is free. The
 * initiator decides the path and keeps its own list to itself.
 */
void mobike_addrs_added(struct engine *e, const struct ip_addr *added,
			unsigned int n);

/*
 * INFORMATIONAL request m (its payloads in m->chain): the peer's list of
 * addresses, if it has one; the initiator moves if it left out the IKE
 * SA's address (above).
 */
void mobike_info_addrs(struct ikesa *sa, const struct engine_msg *m);
/* INFORMATIONAL response: our update, or our check, answered. */
void mobike_info_response(struct ikesa *sa, const struct engine_msg *m);
/*
 * The retransmission timer of sa's request fired: if it is our
 * return-routability check (rr_check.h) and has had its sends, refuse
 * the update; true if handled.
 */
bool mobike_check_timeout(struct ikesa *sa, uint64_t now);

#endif
