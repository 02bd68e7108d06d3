/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MIF part two: moving an interface (docs/protocol/mif.md, MIF_MOVE, and
 * its return-routability check). The requester names one move of an
 * outer address, its own or the responder's; the responder checks it,
 * checks first that a new address of the requester answers (COOKIE2,
 * as RFC 4555 §5.2), moves its side in one kernel call and echoes the
 * move; the requester then moves its side in one kernel call.
 */
#ifndef MIF_ENGINE_MIF_MOVE_H
#define MIF_ENGINE_MIF_MOVE_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "ike/mif_move.h"

struct engine_msg;
struct ikesa;

/* Our moves waiting for the request window, per IKE SA. */
#define MIF_MOVE_QUEUE		4
/* The responder takes at most this many moves per IKE SA per second. */
#define MIF_MOVE_RATE		4
#define MIF_MOVE_RATE_MS	1000

/* In struct mif_sa (engine/mif.h). */
/*
 * A move the peer refused is tried again MIF_MOVE_RETRIES times, 1 to 2 s
 * later: two peers that fail over at once cross their moves, and each
 * refuses the other's while its own is in flight. One our side has made
 * already (a failover) is then tried every 4 to 8 s for as long as our
 * SAs stay on its new address, up to MIF_MOVE_RETRIES_MOVED tries in all
 * (two to four minutes): the peer sends to one we left until it takes
 * it, but a peer that never will (it has no SA on the old address any
 * more) is not asked for ever.
 */
#define MIF_MOVE_RETRIES	2
#define MIF_MOVE_RETRIES_MOVED	30

struct mif_move_sa {
	unsigned int n_queued;
	struct mif_move queued[MIF_MOVE_QUEUE];
	unsigned int tries[MIF_MOVE_QUEUE];	/* each one's, so far */
	uint64_t not_before;	/* ms: the head waits until then; 0: no */
	/* The responder's rate limit: moves taken since window_start. */
	uint64_t window_start;
	unsigned int in_window;
};

/* sa's move state (MIF on), made by the first move; NULL: no memory. */
struct mif_move_sa *mif_move_state(struct ikesa *sa);

/*
 * Move every SA and policy of sa bound to the address old (ours when
 * local, else the peer's) to new: one INFORMATIONAL exchange with the
 * peer, one kernel call on each side. Our side may have moved already
 * (the kernel's own failover): the call then moves nothing and the peer
 * is told all the same. 0: started (or queued), else -errno:
 * -EOPNOTSUPP (MIF not negotiated, no kernel support), -ENOENT (no
 * Child SA of sa on old), -EADDRNOTAVAIL (new is not an announced,
 * usable address of its owner), -EBUSY (too many moves queued).
 * Without MIF, a move of our IKE SA's own address (we initiated it)
 * is MOBIKE's UPDATE_SA_ADDRESSES when MOBIKE is negotiated, else it
 * re-establishes the IKE SA (break-before-make, as ike_reauth does).
 * Called after a kernel failover, before the Child SAs' view is
 * updated: the view must still name old (the exchange updates it).
 */
int mif_move_start(struct ikesa *sa, const struct ip_addr *old,
		   const struct ip_addr *new, bool local, uint64_t now);

/*
 * Move old (ours if local, else the peer's) to new in sa's scope now:
 * one kernel call, then our view (Child SAs, selectors, policy table,
 * the IKE SA's own address). new_id: the interface of the Child SAs
 * on new (0: none announced). 0 or -errno, nothing moved. MOBIKE's
 * UPDATE_SA_ADDRESSES moves the same way (mobike.c).
 */
int mif_move_carry_out(struct ikesa *sa, const struct ip_addr *old,
		       const struct ip_addr *new, bool local, uint16_t new_id);

/*
 * The Child SAs' UDP encapsulation after a move: on (ESP in UDP between
 * port, ours, and peer_port, the peer's) or off, as the new path's NAT
 * detection says.
 */
struct mif_move_encap {
	bool on;
	uint16_t port, peer_port;
};

/*
 * mif_move_carry_out(), the moved Child SAs also taking enc (NULL: they
 * keep their encapsulation) in the same kernel call.
 */
int mif_move_carry_out_encap(struct ikesa *sa, const struct ip_addr *old,
			     const struct ip_addr *new, bool local,
			     uint16_t new_id, const struct mif_move_encap *enc);

/* A queued move is due when the window is free: when, 0 for none. */
uint64_t mif_move_deadline(const struct ikesa *sa);
/* Send the next queued move if the window is free: true if sent. */
bool mif_move_tick(struct ikesa *sa, uint64_t now);
/*
 * The retransmission timer of sa's request fired: if it is the
 * return-routability check of a move (rr_check.h) that has had its
 * sends, refuse the move; true if handled.
 */
bool mif_move_check_timeout(struct ikesa *sa, uint64_t now);
/*
 * INFORMATIONAL: the answer m to our request came (our move, or our
 * check of the peer's); after its notifies.
 */
void mif_move_info_response(struct ikesa *sa, const struct engine_msg *m);

#endif
