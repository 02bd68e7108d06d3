// SPDX-License-Identifier: GPL-2.0
/*
 * Our request in flight: the state its exchange keeps for the answer
 * (request.h).
 */
#include "engine/ike_sa.h"
#include "engine/request.h"

void request_set(struct ikesa *sa, struct request_state *st)
{
	request_free(sa, sa->req.state);
	sa->req.state = st;
}

struct request_state *request_get(const struct ikesa *sa,
				  const struct request_ops *ops)
{
	struct request_state *st = sa->req.state;

	return sa->req.active && st && st->ops == ops ? st : NULL;
}

struct request_state *request_take(struct ikesa *sa,
				   const struct request_ops *ops)
{
	struct request_state *st = request_get(sa, ops);

	if (st)
		sa->req.state = NULL;
	return st;
}

void request_free(struct ikesa *sa, struct request_state *st)
{
	if (st)
		st->ops->free(sa, st);
}
