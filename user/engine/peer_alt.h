/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MIF: the peer's address stops answering (docs/protocol/mif.md, "Who
 * fails over what"). The peer fails over its own address when it sees
 * the failure (a link down); when only we see it (the path to that
 * address drops everything, the peer's link stays up), our request goes
 * unanswered. Then, with MIF on:
 *
 * 1. Trigger: the connection's alt_after retransmissions (default 2) of
 *    an established IKE SA's request unanswered at the peer's IKE SA
 *    address, at the latest when retrans_tries would give the
 *    IKE SA up.
 * 2. The same request is sent on, unchanged (RFC 7296 §2.1: a
 *    retransmission), to the peer's alternates of that address in order
 *    (its MIF_ALTERNATES list, else the default rule from its
 *    announcement), PEER_ALT_SENDS times each, retrans_base_ms apart.
 * 3. Answered from an alternate: a COOKIE2 INFORMATIONAL to it, which
 *    must come back echoed from there (the return-routability check,
 *    as MIF_MOVE's: an authenticated answer alone does not show that
 *    the address reaches the peer, since the peer can forge its source).
 * 4. Echoed: one scoped move_addr of the peer's address to the
 *    alternate (our SAs' remote side, the IKE SA's own remote address),
 *    then MIF_MOVE naming the peer's address, sent there, so that the
 *    peer moves its side too (its inbound SAs are found by destination).
 *
 * Without MIF, with MOBIKE, as the IKE SA's initiator (RFC 4555 §3.5,
 * path probing): the same trigger and resends, to pairs of our address
 * and the peer's instead, in this order: our IKE SA address first, then
 * our others by mobike_local_alts() (the connection's interface
 * priorities, else the interface table's order); for each, the peer's
 * IKE SA address, then its ADDITIONAL_IP4/6_ADDRESS list in its order;
 * the failed pair itself left out, at most PEER_ALT_PAIRS pairs, and no
 * new pair tried PEER_ALT_PROBE_MS after the first. The pair that
 * answers gets UPDATE_SA_ADDRESSES with COOKIE2, from our address of the
 * pair to the peer's (mobike.c), which is the check and, echoed, the
 * move of both sides.
 *
 * An alternate that does not answer, or fails the check, gives way to
 * the next. When none is left the request goes back to the IKE SA's
 * pair on its schedule, and the IKE SA is given up as without MIF; the
 * alternates are not tried again until the peer is heard. One probe at
 * a time per IKE SA: the request window (size 1) is the probe.
 */
#ifndef MIF_ENGINE_PEER_ALT_H
#define MIF_ENGINE_PEER_ALT_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "ike/mif_alternates.h"

struct engine_msg;
struct ikesa;

/* Sends to each alternate, of the request and of the check. */
#define PEER_ALT_SENDS		2
#define PEER_ALT_COOKIE2_LEN	16
/* MOBIKE path probing: pairs tried at most, and for how long. */
#define PEER_ALT_PAIRS		MIF_MAX_ALTS
#define PEER_ALT_PROBE_MS	30000

enum peer_alt_phase {
	PEER_ALT_IDLE,
	PEER_ALT_RESEND,	/* our request goes to alts[i] */
	PEER_ALT_CHECK_DUE,	/* answered from alts[i]: check it next */
	PEER_ALT_CHECK,		/* the COOKIE2 check goes to alts[i] */
};

/* In struct ikesa. */
struct peer_alt_sa {
	enum peer_alt_phase phase;
	struct ip_addr dead;	/* the peer's address that went silent */
	unsigned int n, i;	/* alternates, the one tried */
	struct ip_addr alts[MIF_MAX_ALTS];
	unsigned int sends;	/* to alts[i] in this phase */
	/* Every alternate failed; not again until the peer is heard. */
	bool spent;
	uint64_t spent_heard;	/* sa->last_heard then */
	/* Our address of each pair: alts[i] from locals[i]. */
	struct ip_addr locals[MIF_MAX_ALTS];
	uint64_t until;		/* MOBIKE: no new pair tried from then */
};

/*
 * The retransmission timer of sa's request fired: send it (or our
 * check) to the peer's next alternate instead of its address; true if
 * handled.
 */
bool peer_alt_timeout(struct ikesa *sa, uint64_t now);
/* A response to our request came, before its handler runs. */
void peer_alt_heard(struct ikesa *sa, const struct engine_msg *m);
/* The check is due: when (0: not), and send it (true if sent). */
uint64_t peer_alt_deadline(const struct ikesa *sa);
bool peer_alt_tick(struct ikesa *sa, uint64_t now);
/* INFORMATIONAL response: our check answered? */
void peer_alt_info_response(struct ikesa *sa, const struct engine_msg *m);

#endif
