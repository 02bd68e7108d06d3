// SPDX-License-Identifier: GPL-2.0
/*
 * One IKE SA per connection and pair of identities, as strongSwan's
 * default "uniqueids = yes" keeps them, and INITIAL_CONTACT (RFC 7296
 * §2.4).
 *
 * A peer that comes back with a new IKE SA for the same connection and
 * identities (it rebooted, it reconnects from elsewhere, it
 * reauthenticates make-before-break) replaces the old IKE SA: once the
 * new one is authenticated and its first Child SA installed (whose
 * policies the old Child SAs shared: they now point at the new one, see
 * policy_table.h), the old IKE SA is deleted with its Child SAs, the
 * peer told with a Delete. When the peer said INITIAL_CONTACT in the
 * new IKE_AUTH, it has forgotten the old IKE SAs: they go without a
 * Delete. Either way the traffic passes from the old Child SAs to the
 * new one without a moment in clear. A connection's "unique" setting
 * (conn.h) can keep duplicates.
 *
 * Only IKE SAs of the same connection count, as strongSwan compares
 * peer configurations: with one connection per interface and the same
 * identities on all (mif's case), the IKE SAs of the other interfaces
 * are not duplicates, and an INITIAL_CONTACT sent by each of several
 * IKE SAs coming up at once cannot take the others down.
 *
 * We send INITIAL_CONTACT in our IKE_AUTH request when we have no other
 * IKE SA, of any connection and in any state, with our identity and the
 * peer's (the configured remote_id: we do not send it not knowing whom
 * we talk to).
 *
 * The IKE SAs are found through the engine's by_id table, hashed by
 * both identities.
 */
#include <stddef.h>
#include <string.h>

#include "engine/exchange.h"

#define of_id(n) \
	((struct ikesa *)((char *)(n) - offsetof(struct ikesa, by_id)))

/* Whether a and b have the same identities (both peer IDs known). */
static bool same_ids(const struct ikesa *a, const struct ikesa *b)
{
	const struct conn_id *la = &a->conn->local_id;
	const struct conn_id *lb = &b->conn->local_id;

	return la->type == lb->type && la->len == lb->len &&
	       !memcmp(la->data, lb->data, la->len) &&
	       a->peer_id_len == b->peer_id_len &&
	       !memcmp(a->peer_id, b->peer_id, a->peer_id_len);
}

struct ikesa *unique_next_same(const struct ikesa *sa, struct sa_node *n)
{
	struct engine *e = sa->engine;

	n = n ? sa_table_next(n) :
		sa_table_first(&e->by_id, ikesa_hash_ids(sa));
	for (; n; n = sa_table_next(n)) {
		struct ikesa *o = of_id(n);

		if (o != sa && o->state != IKESA_DEAD && same_ids(sa, o))
			return o;
	}
	return NULL;
}

bool unique_initial_contact(const struct ikesa *sa)
{
	return sa->conn->unique != CONN_UNIQUE_NEVER && sa->peer_id &&
	       sa->conn->remote_id.len && !unique_next_same(sa, NULL);
}

/* Delete old, replaced by a new IKE SA; quiet: the peer forgot it. */
static void replace(struct ikesa *old, bool quiet, uint64_t now)
{
	ikesa_touch(old);	/* not the SA of the message at hand */
	ikesa_why(old, ENGINE_R_REPLACED);
	if (quiet) {
		ikesa_kill(old);
		return;
	}
	/* Our request in flight: the Delete waits for the window. */
	if (old->req.active) {
		old->unique_delete_at = now ? now : 1;
		return;
	}
	if (informational_start(old, NULL, true, now))
		ikesa_kill(old);
}

void unique_settle(struct ikesa *sa, bool initial_contact, uint64_t now)
{
	enum conn_unique policy = sa->conn->unique;
	struct ikesa *o, *next;

	if (!sa->peer_id || policy == CONN_UNIQUE_NEVER ||
	    (policy == CONN_UNIQUE_NO && !initial_contact))
		return;
	for (o = unique_next_same(sa, NULL); o; o = next) {
		next = unique_next_same(sa, &o->by_id);
		/* Established ones only: others are not up yet, or going. */
		if (o->conn != sa->conn || o->state != IKESA_ESTABLISHED)
			continue;
		replace(o, initial_contact, now);
	}
}
