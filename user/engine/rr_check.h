/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The return-routability check of a new address of the peer (RFC 4555
 * §5.2, docs/protocol/mif.md "Return routability"), for MOBIKE's
 * UPDATE_SA_ADDRESSES (mobike.h) and MIF_MOVE (mif_move.h) alike.
 *
 * The peer's request that names the new address is held, unanswered:
 * an INFORMATIONAL request with a COOKIE2 of ours goes to the new
 * address and port, sent and resent there RR_CHECK_SENDS times. Its
 * answer must echo the cookie and come from where the check went (a
 * NAT's new port as much as a new address): the new address
 * is routable, else the check failed. Either way the held request is
 * then answered where it came from. A check that goes unanswered is
 * sent on to the IKE SA's own pair, where it is answered in time (its
 * message ID is spent), and the request is refused.
 *
 * The check is a part of its owner's request state (request.h): the
 * owner embeds struct rr_check, sets its request state after
 * rr_check_start(), and hands the check its answer and its timer.
 *
 * Also here: the COOKIE2 notify, echoed in the answer to a request
 * that carries one (our answer to the peer's check, or to its update).
 */
#ifndef MIF_ENGINE_RR_CHECK_H
#define MIF_ENGINE_RR_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "engine/request.h"

struct engine_msg;
struct ike_chain;
struct ikesa;
struct rr_check;

/* Sends of a check (at the IKE SA's retransmission intervals). */
#define RR_CHECK_SENDS		3
/* Times a check follows its request, retransmitted from elsewhere. */
#define RR_CHECK_FOLLOWS	2
#define RR_CHECK_COOKIE_LEN	16

struct rr_check_ops {
	/* The new address answered (at now): carry out the request, answer it. */
	void (*routable)(struct ikesa *sa, struct rr_check *ck, uint64_t now);
	/* It did not (why, for the log): refuse the request. */
	void (*failed)(struct ikesa *sa, struct rr_check *ck,
		       const char *why);
};

struct rr_check {
	const struct rr_check_ops *ops;
	/* The peer's request to answer, and where it came. */
	uint32_t msg_id;
	struct ip_addr req_local, req_remote;
	uint16_t req_lport, req_rport;
	/* Where the check goes: its answer must come from there. */
	struct ip_addr to;
	uint16_t to_port;
	uint8_t cookie[RR_CHECK_COOKIE_LEN];
	bool done;			/* routable or failed, answered */
	unsigned int follows;		/* rr_check_follow() so far */
};

/* The owner's state around ck. */
#define rr_check_owner(ck, type, member) request_of(ck, type, member)

/*
 * Hold the request m and send the check from our address and port
 * from, from_port to the peer's to, to_port (where its answer must come
 * from). 0, or -errno (nothing sent). On 0 the check is
 * sa's request in flight: the caller attaches its state (request_set())
 * and defers its answer to m.
 */
int rr_check_start(struct ikesa *sa, struct rr_check *ck,
		   const struct rr_check_ops *ops, const struct engine_msg *m,
		   const struct ip_addr *from, uint16_t from_port,
		   const struct ip_addr *to, uint16_t to_port);
/*
 * m, a retransmission of the held request, came from another address or
 * port than the check went to: the peer's first copy took a path that
 * does not lead back (its old link, in the moment before its kernel drops
 * the route, or around a NAT), or a NAT gave it a new mapping. The check,
 * still unanswered, goes there instead, with the same cookie, its sends
 * counted afresh, and the request will be answered there; at most
 * RR_CHECK_FOLLOWS times per check, so that copies replayed from forged
 * addresses cannot keep it going. Whether it did.
 */
bool rr_check_follow(struct ikesa *sa, struct rr_check *ck,
		     const struct engine_msg *m);
/* The answer m to the check: routable or failed (once). */
void rr_check_response(struct ikesa *sa, struct rr_check *ck,
		       const struct engine_msg *m);
/*
 * The retransmission timer of the check fired: once it has had its
 * sends, it has failed and goes on to the IKE SA's own pair. True if
 * so (the caller does nothing more with the timer).
 */
bool rr_check_timeout(struct ikesa *sa, struct rr_check *ck, uint64_t now);
/* Answer the held request with chain, where it came from. */
void rr_check_answer(struct ikesa *sa, const struct rr_check *ck,
		     const struct ike_chain *chain);

#endif
