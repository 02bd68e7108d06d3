/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A connection's children (struct conn_child): the templates of its Child
 * SAs, one per service, all over one IKE SA. The initiator carries the
 * first in IKE_AUTH and creates the others with CREATE_CHILD_SA, one
 * after the other; the responder matches each request against them.
 */
#ifndef MIF_ENGINE_CHILDREN_H
#define MIF_ENGINE_CHILDREN_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/conn.h"
#include "ike/ts.h"

struct ikesa;

/* How many children c has: c->n_children, or its own one. */
unsigned int conn_n_children(const struct conn *c);
/*
 * Child i of c. A connection without children has one, made of its own
 * keys in *own. An i out of range (a connection reloaded with fewer
 * children) gives the first.
 */
const struct conn_child *conn_child(const struct conn *c, unsigned int i,
				    struct conn_child *own);

/*
 * Responder: the child of c whose selectors fit the peer's TSi (our
 * remote_ts) and TSr (our local_ts) best: selectors equal to ours over
 * a part of ours, over selectors we narrow; at equal fit, the one in the
 * mode asked for (transport: USE_TRANSPORT_MODE), then the first. pair:
 * a MIF path's selectors (ours, the peer's), or NULL: a transport-mode
 * child on a path carries the pair's traffic, not its own selectors.
 * Returns its index, or -1 if none fits.
 */
int children_match(const struct conn *c, const struct ike_ts *tsi,
		   const struct ike_ts *tsr, bool transport,
		   const struct ike_selector *pair);

/*
 * Initiator. children_start(): the child IKE_AUTH carries; the others
 * are due from now on. children_next(): while the peer's window has
 * room (window.h), create the next one due; true if a request went
 * out. A child that
 * cannot be asked for is logged and skipped; one the peer refuses is
 * logged (create_child_sa.c); the others still come up.
 */
unsigned int children_start(struct ikesa *sa);
bool children_next(struct ikesa *sa, uint64_t now);
/*
 * Whether children_next() would start one now: one is left to create
 * (in the initiator's order or in sa->want) and the window has room (a
 * deadline at once, engine.c).
 */
bool children_pending(const struct ikesa *sa);
/*
 * engine_child_up() (engine.h) queues a child in sa->want; children_next()
 * creates the queued ones, after the initiator's own, one request each,
 * on the IKE SA's pair, as it creates those.
 */

#endif
