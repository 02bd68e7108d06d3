/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MIF part two: alternates given by hand, and failback
 * (docs/protocol/mif.md, "Multihoming and failover: MIF_ALTERNATES").
 *
 * Our side: `mifctl ike iface alt ADDR ALT...` replaces, for one IKE SA,
 * the default rule (mif_failover.c) for our address ADDR by a list of
 * its own: kept here, given to the kernel (set_alts, scoped to the IKE
 * SA) and used by mifd's own failover, and told to the peer with one
 * INFORMATIONAL carrying MIF_ALTERNATES. An empty list withdraws it.
 *
 * The peer's side: its MIF_ALTERNATES, checked against its
 * announcement, kept per address of the peer until it withdraws it or
 * its announcement drops the address; an alternate the announcement
 * drops leaves the list.
 *
 * Failback: every failover of our address (the kernel's or ours) is
 * noted per IKE SA, from where to where. When the address comes back on
 * an interface that is up, and stays for MIF_FAILBACK_HOLD_MS, an IKE SA
 * whose connection says failback = yes moves its SAs back with one
 * MIF_MOVE; with failback = no the note is dropped and the SAs stay
 * (the address is announced again as usable all the same).
 */
#ifndef MIF_ENGINE_MIF_ALT_H
#define MIF_ENGINE_MIF_ALT_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "ike/mif_alternates.h"

struct engine;
struct ikesa;
struct iface;
struct ike_chain;

/* Lists kept per IKE SA on each side: ours by hand, the peer's. */
#define MIF_ALT_LISTS		16
/* Failovers remembered per IKE SA for failback. */
#define MIF_FAILBACK_MAX	8
/* An address back must stay this long before the SAs move back to it. */
#define MIF_FAILBACK_HOLD_MS	2000

/* One address and its alternates, best first. */
struct mif_alt_list {
	struct ip_addr addr;
	unsigned int n;
	struct ip_addr alts[MIF_MAX_ALTS];
};

/* Our SAs failed over from our address from to to. */
struct mif_failback {
	struct ip_addr from, to;
	bool back;		/* from is back on an interface up */
	uint64_t due;		/* ms: ...since due - hold-down; 0: not yet */
};

/*
 * In struct mif_sa (engine/mif.h). Most IKE SAs have no alternates and
 * no failback: each array is malloc'ed, with room for its maximum
 * (MIF_ALT_LISTS, MIF_FAILBACK_MAX), when its first entry comes, and
 * NULL until then.
 */
struct mif_alt_sa {
	unsigned int n_ours, n_peer;
	struct mif_alt_list *ours;
	struct mif_alt_list *peer;
	unsigned int n_failback;
	struct mif_failback *failback;
};

/* to becomes a copy of from (an IKE SA rekeyed). 0 or -ENOMEM. */
int mif_alt_copy(struct mif_alt_sa *to, const struct mif_alt_sa *from);
/* Free the arrays of as. */
void mif_alt_free(struct mif_alt_sa *as);

/*
 * Replace the alternates of our address addr on sa by alts[0..n) (0:
 * back to the default rule), set them in the kernel and tell the peer.
 * addr and every alternate must be of one family, in the list we
 * announced on an interface up, and up here now; at most MIF_MAX_ALTS,
 * none twice nor addr itself. 0: sent; -EOPNOTSUPP: MIF not negotiated;
 * -EAGAIN: a request is in flight (try again); -ENOENT: sa does not use
 * addr; -EADDRNOTAVAIL: an address fails the checks (logged); -ENOSPC:
 * MIF_ALT_LISTS lists already; -ENOMEM.
 */
int mif_alt_start(struct ikesa *sa, const struct ip_addr *addr,
		  const struct ip_addr *alts, unsigned int n, uint64_t now);
/*
 * Our list for addr on sa, if we gave one by hand (restricted to the
 * alternates up now): how many written, or -1 if none (the default rule
 * applies).
 */
int mif_alt_ours(const struct ikesa *sa, const struct ip_addr *addr,
		 struct ip_addr *alts, unsigned int max);
/*
 * The peer's alternates of its address addr, best first: its own list
 * if it sent one, else the default rule from its announcement. How many.
 */
unsigned int mif_alt_peer(const struct ikesa *sa, const struct ip_addr *addr,
			  struct ip_addr *alts, unsigned int max);
/* The peer's announcement changed: its lists follow it. */
void mif_alt_peer_announced(struct ikesa *sa);
/* INFORMATIONAL: the answer to our request came (its MIF_ALTERNATES?). */
void mif_alt_response(struct ikesa *sa, const struct ike_chain *resp);

/*
 * Failback. sa's SAs on our address from failed over to to (the
 * kernel's failover, or mifd's own).
 */
void mif_failback_note(struct ikesa *sa, const struct ip_addr *from,
		       const struct ip_addr *to);
/*
 * Our address a is back (added, or its interface up), or gone again;
 * the hold-down starts at the next tick.
 */
void mif_failback_addr(struct engine *e, const struct ip_addr *a, bool back);
void mif_failback_iface(struct engine *e, const struct iface *ifc);
/* When sa's next failback is due, 0 for none; do it: true if sent. */
uint64_t mif_failback_deadline(const struct ikesa *sa);
bool mif_failback_tick(struct ikesa *sa, uint64_t now);

#endif
