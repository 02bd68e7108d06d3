// SPDX-License-Identifier: GPL-2.0
/*
 * Our request in flight: the state its exchange keeps for the answer,
 * and the Child SAs it creates (request.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "engine/ike_sa.h"
#include "engine/rekey_queue.h"
#include "engine/request.h"

void request_count_rekey(struct ikesa *sa, struct request_state *st)
{
	st->rekey = true;
	sa->engine->rekeys_in_flight++;
}

/*
 * st's rekey is over: its place is free, for the first rekey waiting
 * (rekey_queue.h). The flag makes it once, however many ends the request
 * meets (taken, then freed).
 */
static void rekey_over(struct ikesa *sa, struct request_state *st)
{
	if (!st->rekey)
		return;
	st->rekey = false;
	if (sa->engine->rekeys_in_flight)
		sa->engine->rekeys_in_flight--;
	rekey_queue_wake(sa->engine);
}

void request_set(struct ikesa *sa, struct request_state *st)
{
	request_free(sa, sa->req.state);
	/*
	 * A new state holds no place until request_count_rekey() says so,
	 * whatever its allocation left in the flag.
	 */
	if (st)
		st->rekey = false;
	sa->req.state = st;
}

struct request_state *request_get(const struct ikesa *sa,
				  const struct request_ops *ops)
{
	struct request_state *st = sa->req.state;

	return sa->req.active && st && st->ops == ops ? st : NULL;
}

struct request_state *request_get_nth(const struct ikesa *sa,
				      const struct request_ops *ops,
				      unsigned int k)
{
	const struct ikesa_request *r;

	if (k > sa->n_parked)
		return NULL;
	r = k ? &sa->parked[k - 1] : &sa->req;
	return r->active && r->state && r->state->ops == ops ? r->state :
							       NULL;
}

struct request_state *request_take(struct ikesa *sa,
				   const struct request_ops *ops)
{
	struct request_state *st = request_get(sa, ops);

	if (st) {
		sa->req.state = NULL;
		rekey_over(sa, st);
	}
	return st;
}

void request_free(struct ikesa *sa, struct request_state *st)
{
	if (!st)
		return;
	rekey_over(sa, st);
	st->ops->free(sa, st);
}

void request_free_plain(struct ikesa *sa, struct request_state *st)
{
	(void)sa;
	free(st);
}

int request_children_add(struct request_children *l, struct childsa *c)
{
	if (l->n == REQUEST_MAX_CHILDREN)
		return -ENOSPC;
	l->c[l->n++] = c;
	return 0;
}

void request_children_take(struct request_children *l,
			   struct request_children *out)
{
	out->n = l->n;
	for (unsigned int i = 0; i < l->n; i++)
		out->c[i] = l->c[i];
	l->n = 0;
}

void request_children_free(struct ikesa *sa, struct request_children *l)
{
	for (unsigned int i = 0; i < l->n; i++) {
		childsa_uninstall(l->c[i], sa->engine);
		childsa_free(l->c[i]);
	}
	l->n = 0;
}

const struct request_children *
request_children_in(const struct ikesa_request *r)
{
	const struct request_state *st = r->state;

	if (!r->active || !st || !st->ops->children)
		return NULL;
	return st->ops->children(st);
}

const struct request_children *request_children_of(const struct ikesa *sa)
{
	return request_children_in(&sa->req);
}
