// SPDX-License-Identifier: GPL-2.0
/*
 * A connection's children: which template a Child SA is made from, on
 * either side, and which ones an initiator starts, in which order.
 */
#include <errno.h>
#include <string.h>

#include "engine/children.h"
#include "engine/exchange.h"
#include "engine/mif_path.h"
#include "engine/request.h"
#include "engine/window.h"
#include "ike/delete.h"

unsigned int conn_n_children(const struct conn *c)
{
	return c->n_children ? c->n_children : 1;
}

const struct conn_child *conn_child(const struct conn *c, unsigned int i,
				    struct conn_child *own)
{
	if (c->n_children)
		return &c->children[i < c->n_children ? i : 0];
	own->name = c->name;
	own->n_esp = c->n_esp;
	memcpy(own->esp, c->esp, sizeof(own->esp));
	own->n_local_ts = c->n_local_ts;
	own->n_remote_ts = c->n_remote_ts;
	memcpy(own->local_ts, c->local_ts, sizeof(own->local_ts));
	memcpy(own->remote_ts, c->remote_ts, sizeof(own->remote_ts));
	own->mode = c->mode;
	own->lifetime_s = c->child_lifetime_s;
	return own;
}

/*
 * How well the peer's selectors fit ours on one side: 3 the same, 2 a
 * part of ours, 1 something in common (we narrow), 0 nothing.
 */
static unsigned int side_fit(const struct ike_ts *peer,
			     const struct ike_selector *mine, unsigned int n)
{
	struct ike_selector scratch[CONN_MAX_TS];

	if (peer->n <= CONN_MAX_TS && ts_sels_in(peer->sel, peer->n, mine, n) &&
	    ts_sels_in(mine, n, peer->sel, peer->n))
		return 3;
	if (ts_within(peer, mine, n))
		return 2;
	return ts_narrow(peer, mine, n, scratch, CONN_MAX_TS) ? 1 : 0;
}

int children_match(const struct conn *c, const struct ike_ts *tsi,
		   const struct ike_ts *tsr, bool transport,
		   const struct ike_selector *pair)
{
	enum kernel_mode want = transport ? KERNEL_MODE_TRANSPORT :
					    KERNEL_MODE_TUNNEL;
	unsigned int best_score = 0;
	int best = -1;

	for (unsigned int i = 0; i < conn_n_children(c); i++) {
		struct conn_child own;
		const struct conn_child *t = conn_child(c, i, &own);
		bool on_pair = pair && transport &&
			       t->mode == KERNEL_MODE_TRANSPORT;
		unsigned int r = on_pair ? side_fit(tsi, &pair[1], 1) :
				 side_fit(tsi, t->remote_ts, t->n_remote_ts);
		unsigned int l = on_pair ? side_fit(tsr, &pair[0], 1) :
				 side_fit(tsr, t->local_ts, t->n_local_ts);
		unsigned int score;

		if (!r || !l)
			continue;
		/* Fit first, the mode breaks ties. */
		score = ((r < l ? r : l) * 8 + r + l) * 2 + (t->mode == want);
		if (score > best_score) {
			best_score = score;
			best = (int)i;
		}
	}
	return best;
}

/*
 * The i-th Child SA an initiator starts: its child in *tmpl; false past
 * the last. One Child SA per child, in the order of the children; a
 * child that expands into several Child SAs (one per interface, say)
 * does so here, and only here.
 */
/*
 * The i-th Child SA the initiator asks for: child *tmpl, on *place (NULL:
 * the IKE SA's pair). With MIF placements (mif_path.h), each child once
 * per placement, placement 0 being the IKE SA's pair: entry 0 is always
 * the Child SA of IKE_AUTH.
 */
static bool children_order(const struct ikesa *sa, unsigned int i,
			   unsigned int *tmpl, const struct mif_place **place)
{
	unsigned int per = mif_path_n_places(sa);

	if (!per) {
		*place = NULL;
		*tmpl = i;
		return i < conn_n_children(sa->conn);
	}
	*tmpl = i / per;
	*place = mif_path_place(sa, i % per);
	return *tmpl < conn_n_children(sa->conn);
}

unsigned int children_start(struct ikesa *sa)
{
	const struct mif_place *place;
	unsigned int tmpl = 0;

	children_order(sa, 0, &tmpl, &place);
	sa->next_child = 1;
	return tmpl;
}

bool children_pending(const struct ikesa *sa)
{
	const struct mif_place *place;
	unsigned int tmpl;

	if (!window_room(sa) || sa->state != IKESA_ESTABLISHED ||
	    sa->replaced)
		return false;
	return sa->n_want ||
	       (sa->next_child &&
		children_order(sa, sa->next_child, &tmpl, &place));
}

static void not_sent(struct ikesa *sa, unsigned int tmpl, int ret)
{
	struct conn_child own;

	engine_failed(sa->engine, sa, NULL, 0, ENGINE_FAIL_FINAL |
		      ENGINE_FAIL_CHILD, "CREATE_CHILD_SA (new Child SA %s) "
		      "not sent: %s", conn_child(sa->conn, tmpl, &own)->name,
		      strerror(-ret));
}

/* The next Child SA due, if one is: true if its request went out. */
static bool child_next(struct ikesa *sa, uint64_t now)
{
	const struct mif_place *place;
	unsigned int tmpl;
	int ret;

	while (sa->next_child &&
	       children_order(sa, sa->next_child, &tmpl, &place)) {
		sa->next_child++;
		ret = create_child_sa_new(sa, tmpl, place, now);
		if (!ret)
			return true;
		not_sent(sa, tmpl, ret);
	}
	/* Then those asked for one by one, on the IKE SA's pair. */
	while (sa->n_want) {
		tmpl = sa->want[0];
		memmove(sa->want, sa->want + 1,
			--sa->n_want * sizeof(sa->want[0]));
		ret = create_child_sa_new(sa, tmpl, NULL, now);
		if (!ret)
			return true;
		not_sent(sa, tmpl, ret);
	}
	return false;
}

bool children_next(struct ikesa *sa, uint64_t now)
{
	bool sent = false;

	/* As many as the peer's window takes (window.h). */
	while (window_room(sa) && sa->state == IKESA_ESTABLISHED &&
	       !sa->replaced && child_next(sa, now))
		sent = true;
	return sent;
}

int engine_child_index(const struct conn *c, const char *name)
{
	for (unsigned int i = 0; i < conn_n_children(c); i++) {
		struct conn_child own;

		if (!strcmp(conn_child(c, i, &own)->name, name))
			return (int)i;
	}
	return -1;
}

/* Whether a Child SA of child tmpl carries traffic on sa. */
static bool child_is_up(const struct ikesa *sa, unsigned int tmpl)
{
	for (const struct childsa *c = sa->children; c; c = c->next)
		if (c->tmpl == tmpl && c->installed && !c->replaced &&
		    !informational_deletes(sa, c->spi_in))
			return true;
	return false;
}

/*
 * Whether one of child tmpl is on its way: in our request in flight,
 * waiting in sa->want, or still due in the initiator's order.
 */
static bool child_coming(const struct ikesa *sa, unsigned int tmpl)
{
	unsigned int per = mif_path_n_places(sa);

	if (window_creates(sa, tmpl))
		return true;
	for (unsigned int i = 0; i < sa->n_want; i++)
		if (sa->want[i] == tmpl)
			return true;
	return sa->next_child &&
	       tmpl >= sa->next_child / (per ? per : 1);
}

int engine_child_up(struct engine *e, struct ikesa *sa, unsigned int tmpl,
		    uint64_t now)
{
	(void)e;
	if (!sa || sa->state != IKESA_ESTABLISHED || sa->replaced)
		return -EINVAL;
	ikesa_touch(sa);	/* its deadline may change (timer_heap.h) */
	if (tmpl >= conn_n_children(sa->conn))
		return -ENOENT;
	if (child_is_up(sa, tmpl))
		return -EEXIST;
	if (child_coming(sa, tmpl))
		return -EALREADY;
	if (sa->n_want >= IKESA_WANT_MAX)
		return -EBUSY;
	sa->want[sa->n_want++] = tmpl;
	children_next(sa, now);
	return 0;
}

int engine_child_down(struct engine *e, struct ikesa *sa, unsigned int tmpl,
		      uint64_t now)
{
	struct childsa *cs[IKE_DELETE_MAX_SPIS];
	unsigned int n = 0;
	int ret;

	(void)e;
	if (!sa || sa->state != IKESA_ESTABLISHED || sa->replaced)
		return -EINVAL;
	ikesa_touch(sa);	/* its deadline may change (timer_heap.h) */
	for (struct childsa *c = sa->children; c && n < IKE_DELETE_MAX_SPIS;
	     c = c->next)
		if (c->tmpl == tmpl && c->installed && !c->replaced &&
		    !informational_deletes(sa, c->spi_in))
			cs[n++] = c;
	if (!n)
		return -ENOENT;
	if (sa->req.active)
		return -EBUSY;
	ret = informational_delete_children(sa, cs, n, now);
	return ret ? ret : (int)n;
}
