/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rekeys that wait for a place (struct engine's rekeys_in_flight_max):
 * the IKE SAs with a rekey due, their own or a Child SA's, that found the
 * places of the bound all taken, in the order they found it.
 *
 * A waiting IKE SA has no timer for its rekeys (engine_sa_deadline()):
 * in a storm thousands wait, and none looks again until its turn. Each
 * place freed (a rekey answered, or given up with its IKE SA) wakes the
 * first in the queue: it is due at once, and the place is kept for it
 * until its tick, which starts its rekeys due (as many as the places and
 * its window take) and ends its turn; what it did not use wakes the next.
 * A woken SA that finds its place taken meanwhile (by a rekey by
 * command, or by the woken before it, which took more than one) goes
 * back to the head of the queue, not the tail. An SA not woken
 * starts a rekey only with a place free that no one waits for. A Child
 * SA's hard expiry keeps its own timer: one that waits past it expires
 * unrekeyed, as it would without the bound.
 *
 * Every change that frees a place calls rekey_queue_wake(), so the queue
 * is never left waiting with places free: with anyone in it, every place
 * is in flight or kept for one woken.
 */
#ifndef MIF_ENGINE_REKEY_QUEUE_H
#define MIF_ENGINE_REKEY_QUEUE_H

#include <stdbool.h>

struct engine;
struct ikesa;

/* Where an IKE SA is in its engine's queue (struct ikesa's rq_state). */
enum rekey_queue_state {
	REKEY_QUEUE_NONE,	/* not in it */
	REKEY_QUEUE_WAITING,	/* in it, waiting for its turn */
	REKEY_QUEUE_WOKEN,	/* its turn: out of it, a place kept for it */
};

/* Whether sa may start one more rekey of its own now (the bound). */
bool rekey_queue_admit(const struct ikesa *sa);
/*
 * sa found no place for a rekey due: into the queue (at the tail, or at
 * the head if it was woken), once; counted in rekeys_deferred.
 */
void rekey_queue_wait(struct ikesa *sa);
/* Places free: wake as many in the queue as there are. */
void rekey_queue_wake(struct engine *e);
/* sa's tick is over: if it was woken, its turn ends. */
void rekey_queue_ticked(struct ikesa *sa);
/* sa goes (killed or freed): out of the queue, its place passed on. */
void rekey_queue_leave(struct ikesa *sa);

#endif
