// SPDX-License-Identifier: GPL-2.0
/*
 * The rekeys that wait for a place: a queue of IKE SAs, woken in turn
 * (rekey_queue.h).
 */
#include "engine/engine.h"
#include "engine/ike_sa.h"
#include "engine/rekey_queue.h"

/* Places of the bound neither in flight nor kept for one woken. */
static bool places_free(const struct engine *e)
{
	return !e->rekeys_in_flight_max ||
	       e->rekeys_in_flight + e->rq_woken < e->rekeys_in_flight_max;
}

bool rekey_queue_admit(const struct ikesa *sa)
{
	const struct engine *e = sa->engine;

	if (!e->rekeys_in_flight_max)
		return true;
	/* Its place, or another's that is free. */
	if (sa->rq_state == REKEY_QUEUE_WOKEN)
		return e->rekeys_in_flight < e->rekeys_in_flight_max;
	/* Not before those who wait. */
	return !e->rq_head && places_free(e);
}

static void unlink_sa(struct ikesa *sa)
{
	struct engine *e = sa->engine;

	*sa->rq_pprev = sa->rq_next;
	if (sa->rq_next)
		sa->rq_next->rq_pprev = sa->rq_pprev;
	else
		e->rq_tail = sa->rq_pprev;
	sa->rq_next = NULL;
	sa->rq_pprev = NULL;
}

void rekey_queue_wait(struct ikesa *sa)
{
	struct engine *e = sa->engine;

	if (sa->rq_state == REKEY_QUEUE_WAITING)
		return;
	e->counts.rekeys_deferred++;
	if (sa->rq_state == REKEY_QUEUE_WOKEN) {
		/*
		 * Its place was taken (a rekey by command, or the woken
		 * before it took more than one): first again. No place is
		 * free, or it would have had one: nothing to wake.
		 */
		e->rq_woken--;
		sa->rq_next = e->rq_head;
		sa->rq_pprev = &e->rq_head;
		if (e->rq_head)
			e->rq_head->rq_pprev = &sa->rq_next;
		else
			e->rq_tail = &sa->rq_next;
		e->rq_head = sa;
	} else {
		sa->rq_next = NULL;
		sa->rq_pprev = e->rq_tail;
		*e->rq_tail = sa;
		e->rq_tail = &sa->rq_next;
	}
	sa->rq_state = REKEY_QUEUE_WAITING;
	ikesa_touch(sa);	/* no timer for its rekeys now */
}

void rekey_queue_wake(struct engine *e)
{
	struct ikesa *sa;

	while ((sa = e->rq_head) && places_free(e)) {
		unlink_sa(sa);
		sa->rq_state = REKEY_QUEUE_WOKEN;
		e->rq_woken++;
		ikesa_touch(sa);	/* due at once */
	}
}

void rekey_queue_ticked(struct ikesa *sa)
{
	if (sa->rq_state != REKEY_QUEUE_WOKEN)
		return;
	sa->rq_state = REKEY_QUEUE_NONE;
	sa->engine->rq_woken--;
	ikesa_touch(sa);
	rekey_queue_wake(sa->engine);
}

void rekey_queue_leave(struct ikesa *sa)
{
	switch (sa->rq_state) {
	case REKEY_QUEUE_WAITING:
		unlink_sa(sa);
		break;
	case REKEY_QUEUE_WOKEN:
		sa->engine->rq_woken--;
		break;
	case REKEY_QUEUE_NONE:
		return;
	}
	sa->rq_state = REKEY_QUEUE_NONE;
	rekey_queue_wake(sa->engine);
}

void engine_set_rekeys_max(struct engine *e, unsigned int max)
{
	e->rekeys_in_flight_max = max;
	rekey_queue_wake(e);
}
