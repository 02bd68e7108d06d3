/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The connections' IKE proposal lists, each distinct list once: a peer's
 * IKE_SA_INIT offer is matched once per list, however many connections
 * share it (a gateway's hundred connections usually share one or two).
 *
 * Each set remembers its verdict on the offer being matched, stamped with
 * a number that changes with every offer, so that nothing is cleared
 * between requests.
 */
#ifndef MIF_ENGINE_PROPOSAL_SET_H
#define MIF_ENGINE_PROPOSAL_SET_H

#include <stddef.h>
#include <stdint.h>

#include "engine/conn.h"

/*
 * NONE: no proposal of the set takes the offer; OTHER_DH: one does, with
 * another group than the KE payload's.
 */
enum proposal_verdict {
	PROPOSAL_NONE,
	PROPOSAL_OTHER_DH,
};

struct proposal_set {
	const struct conn *conn;	/* the first connection with it */
	uint64_t hash;
	uint32_t stamp;			/* the offer verdict is about */
	enum proposal_verdict verdict;
	uint16_t dh;			/* OTHER_DH: the group chosen */
};

struct proposal_sets {
	struct proposal_set *s;
	unsigned int n, room;
	uint32_t *index;		/* set + 1 by hash; 0: free */
	size_t mask;			/* index size - 1 */
	uint32_t stamp;			/* of the offer being matched */
};

/* The set of c's IKE proposals in *id, added if new. 0 or -ENOMEM. */
int proposal_sets_add(struct proposal_sets *ps, const struct conn *c,
		      unsigned int *id);
/* A new offer to match: every verdict is stale. The stamp of the offer. */
uint32_t proposal_sets_new_offer(struct proposal_sets *ps);
/* Forget every set (the connections go). */
void proposal_sets_clear(struct proposal_sets *ps);
void proposal_sets_free(struct proposal_sets *ps);

#endif
