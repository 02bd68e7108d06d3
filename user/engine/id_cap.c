// SPDX-License-Identifier: GPL-2.0
/*
 * A cap on the established IKE SAs per pair of identities (the engine's
 * max_ike_sas_per_id, mifd.conf's max_ike_sas_per_id; 0: none).
 *
 * A peer that authenticates (a PSK or a certificate that leaked, a
 * compromised host) could otherwise set up IKE SAs, each with its
 * Child SAs, kernel state and memory, until mifd runs out. With the
 * cap, a responder's IKE_AUTH that would make one more IKE SA for the
 * pair (our ID, the peer's authenticated ID) than the cap is answered
 * with AUTHENTICATION_FAILED and nothing of it is kept: as charon
 * answers under "uniqueids = keep". It is the one error of IKE_AUTH
 * that every initiator takes as final for the IKE SA (RFC 7296
 * §2.21.2); NO_ADDITIONAL_SAS is defined for CREATE_CHILD_SA on an IKE
 * SA that exists, TEMPORARY_FAILURE for collisions within one.
 *
 * Counted: the other IKE SAs of the pair that are established and
 * stay. An IKE SA the peer rekeyed (replaced) waits for its Delete
 * beside its successor: the two count once. An IKE SA we rekeyed is
 * DELETING and not counted. Nor is one that this IKE SA will replace
 * once up (unique.c): a peer that comes back after a reboot is not
 * refused for the SA it forgot. A rekey is a CREATE_CHILD_SA, never
 * refused here.
 *
 * The IKE SAs of the pair are found by unique_next_same() (unique.c);
 * the last time a refusal was logged is kept on the first of them, so
 * at most one line a second per pair.
 */
#include "engine/exchange.h"

#define ID_CAP_LOG_MS	1000

/* Whether o, of sa's identities, stays once sa is up: see above. */
static bool counted(const struct ikesa *sa, const struct ikesa *o,
		    bool initial_contact)
{
	enum conn_unique u = sa->conn->unique;

	if (o->state != IKESA_ESTABLISHED || o->replaced ||
	    o->unique_delete_at)
		return false;
	if (o->conn == sa->conn && u != CONN_UNIQUE_NEVER &&
	    (u != CONN_UNIQUE_NO || initial_contact))
		return false;	/* unique_settle() replaces it */
	return true;
}

bool id_cap_reached(struct ikesa *sa, bool initial_contact, uint64_t now,
		    bool *log)
{
	struct engine *e = sa->engine;
	struct ikesa *first = NULL;
	unsigned int n = 0;
	struct ikesa *o;

	*log = false;
	if (!e->max_ike_sas_per_id || !sa->peer_id)
		return false;
	for (o = unique_next_same(sa, NULL); o;
	     o = unique_next_same(sa, &o->by_id)) {
		if (!counted(sa, o, initial_contact))
			continue;
		if (!first)
			first = o;
		n++;
	}
	if (n < e->max_ike_sas_per_id)
		return false;
	if (!first->id_cap_logged || now >= first->id_cap_logged +
	    ID_CAP_LOG_MS) {
		first->id_cap_logged = now ? now : 1;
		*log = true;
	}
	return true;
}
