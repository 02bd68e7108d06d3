// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel policies shared by Child SAs with the same selectors, through
 * the engine's policy table, against a fake backend with XFRM's policy
 * semantics (harness.c: one policy per selector and direction, UPDPOLICY
 * replaces, DELPOLICY deletes whatever the template): a reconnecting
 * peer, rekeys, rekey collisions, CHILD_SA_NOT_FOUND recovery; duplicate
 * IKE SAs (INITIAL_CONTACT, uniqueness); port ranges as port blocks and
 * policy priorities; the references an interface-wide delete removed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/conn.h"
#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/policy_table.h"
#include "engine/selector.h"
#include "ike/notify.h"
#include "ike/sa.h"
#include "ike/ts.h"
#include "backend/backend.h"

#include "harness.h"

static void world_start(struct world *w, int i)
{
	struct engine_send s = { net_send, &w->p[i] };

	memset(&w->f[i], 0, sizeof(w->f[i]));
	w->f[i].b.ops = &fake_ops;
	w->f[i].b.priv = &w->f[i];
	w->f[i].next_spi = 0xa0000000u + 0x1000u * (uint32_t)i;
	assert_int_equal(engine_init(&w->e[i], &w->f[i].b, &s), 0);
}

static struct world *world_new(void)
{
	struct world *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	for (int i = 0; i < 2; i++) {
		w->p[i].w = w;
		w->p[i].id = i;
		make_conn(&w->c[i], i, IKE_DH_CURVE25519, true);
		w->c[i].child_lifetime_s = 100;
		world_start(w, i);
	}
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	return w;
}

static void world_free(struct world *w)
{
	drop_all(w);
	engine_free(&w->e[0]);
	engine_free(&w->e[1]);
	free(w);
}

/*
 * Side i reboots: its daemon is gone without a word to the peer, its
 * kernel flushed; it starts afresh, with SPIs of another range.
 */
static void reboot(struct world *w, int i)
{
	uint32_t spi = w->f[i].next_spi;

	drop_all(w);
	engine_free(&w->e[i]);
	world_start(w, i);
	w->f[i].next_spi = spi + 0x100;
	if (i)
		assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
}

static unsigned int n_sas(const struct engine *e)
{
	unsigned int n = 0;

	for (const struct ikesa *sa = e->sas; sa; sa = sa->next)
		n += sa->state != IKESA_DEAD;
	return n;
}

static struct ikesa *up(struct world *w, uint64_t now)
{
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], now);

	assert_non_null(sa);
	pump(w, now);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_non_null(sa->children);
	assert_true(sa->children->installed);
	return sa;
}

/* B's IKE SA whose Child SA is the twin of A's child a. */
static struct ikesa *twin(struct world *w, const struct childsa *a)
{
	for (struct ikesa *sa = w->e[1].sas; sa; sa = sa->next)
		if (ikesa_find_child(sa, a->spi_out, true))
			return sa;
	return NULL;
}

/*
 * Side i's kernel holds n policies, each the table's and pointing at c;
 * the table has exactly those.
 */
static void held_by(struct world *w, int i, const struct childsa *c,
		    unsigned int n)
{
	const struct fake *f = &w->f[i];

	assert_int_equal(live_pols(f), n);
	assert_int_equal(policy_table_count(&w->e[i].policies), n);
	assert_true(fake_points_at(f, c));
	for (unsigned int j = 0; j < f->n_pols; j++)
		if (f->pol_live[j])
			assert_ptr_equal(policy_table_owner(&w->e[i].policies,
							    &f->pols[j]), c);
}

/* Nothing left in side i's kernel or table. */
static void nothing_left(struct world *w, int i)
{
	assert_int_equal(live_pols(&w->f[i]), 0);
	assert_int_equal(live_sas(&w->f[i]), 0);
	assert_int_equal(policy_table_count(&w->e[i].policies), 0);
}

/*
 * A peer that reconnects: A reboots and brings the same connection up
 * again. B then has two IKE SAs with the same selectors, whose Child
 * SAs share B's three policies; they point at the newer one. Removing
 * the older IKE SA leaves them, still pointing at the newer Child SA;
 * removing the newer one too deletes them.
 */
static void reconnect(bool old_first)
{
	struct world *w = world_new();
	struct ikesa *a_old, *a_new, *b_old, *b_new, *gone, *stays;
	const struct childsa *keep;

	/* B keeps both: what the table does, not uniqueness. */
	w->c[1].unique = CONN_UNIQUE_NEVER;
	a_old = up(w, 0);
	b_old = twin(w, a_old->children);
	assert_non_null(b_old);
	held_by(w, 1, b_old->children, 3);

	reboot(w, 0);
	a_new = up(w, 10);
	b_new = twin(w, a_new->children);
	assert_non_null(b_new);
	assert_ptr_not_equal(b_new, b_old);
	assert_int_equal(n_sas(&w->e[1]), 2);
	assert_int_not_equal(b_new->children->reqid, b_old->children->reqid);
	/* One policy per selector and direction, the newest SA's. */
	held_by(w, 1, b_new->children, 3);
	assert_int_equal(w->f[1].n_del_pol, 0);

	gone = old_first ? b_old : b_new;
	stays = old_first ? b_new : b_old;
	keep = stays->children;
	ikesa_kill(gone);
	engine_tick(&w->e[1], 20);
	assert_int_equal(n_sas(&w->e[1]), 1);
	/* The policies stay, pointing at the survivor. */
	held_by(w, 1, keep, 3);
	assert_int_equal(w->f[1].n_del_pol, 0);
	assert_int_equal(live_sas(&w->f[1]), 2);

	ikesa_kill(stays);
	engine_tick(&w->e[1], 30);
	nothing_left(w, 1);
	assert_int_equal(w->f[1].n_del_pol, 3);
	world_free(w);
}

static void reconnect_old_removed(void **state) { reconnect(true); }
static void reconnect_new_removed(void **state) { reconnect(false); }

/*
 * Each side holds its three policies, none deleted since the start,
 * each pointing at an SA pair in the kernel (or, with stand_in, at
 * none while A's replacement is negotiated).
 */
static void continuous(struct world *w, bool stand_in)
{
	for (int i = 0; i < 2; i++) {
		const struct fake *f = &w->f[i];

		assert_int_equal(live_pols(f), 3);
		assert_int_equal(policy_table_count(&w->e[i].policies), 3);
		assert_int_equal(f->n_del_pol, 0);
		for (unsigned int j = 0; j < f->n_pols; j++) {
			bool sa = false;

			if (!f->pol_live[j] || (stand_in && !i))
				continue;
			for (unsigned int k = 0; k < f->n_sas; k++)
				sa |= f->sa_live[k] &&
				      f->sas[k].reqid == f->pols[j].reqid;
			assert_true(sa);
		}
	}
}

/* Deliver the network's datagrams one at a time, checking each step. */
static void step_all(struct world *w, uint64_t now, bool stand_in)
{
	for (int i = 0; i < 20 && w->n; i++) {
		deliver_next(w, now);
		continuous(w, stand_in);
	}
	assert_int_equal(w->n, 0);
}

/* Both Child SAs gone: no policy left behind on either side. */
static void delete_all(struct world *w, struct ikesa *a, uint64_t now)
{
	assert_int_equal(engine_delete_ike(&w->e[0], a, now), 0);
	pump(w, now);
	nothing_left(w, 0);
	nothing_left(w, 1);
}

/* A rekey by either side: the policies pass on, never missing. */
static void rekey(int side)
{
	struct world *w = world_new();
	struct ikesa *s[2];
	uint32_t old;

	s[0] = up(w, 0);
	s[1] = w->e[1].sas;
	old = s[side]->children->spi_in;
	assert_int_equal(engine_rekey_child(&w->e[side], s[side],
					    s[side]->children, 5), 0);
	continuous(w, false);
	step_all(w, 5, false);
	for (int i = 0; i < 2; i++) {
		assert_null(s[i]->children->next);
		held_by(w, i, s[i]->children, 3);
	}
	assert_int_not_equal(s[side]->children->spi_in, old);
	delete_all(w, s[0], 6);
	world_free(w);
}

static void rekey_initiator(void **state) { rekey(0); }
static void rekey_responder(void **state) { rekey(1); }

/*
 * Both sides rekey at once, each answering the other's request before
 * its own answer comes (§2.8.1): four Child SAs for a moment, one
 * survives; the policies never miss a beat and point at it.
 */
static void rekey_collision(void **state)
{
	for (int round = 0; round < 6; round++) {
		struct world *w = world_new();
		struct ikesa *s[2];
		struct dgram d[2];
		uint64_t t;

		s[0] = up(w, 0);
		s[1] = w->e[1].sas;
		t = s[0]->children->rekey_at > s[1]->children->rekey_at ?
			s[0]->children->rekey_at : s[1]->children->rekey_at;
		engine_tick(&w->e[0], t);
		engine_tick(&w->e[1], t);
		assert_true(s[0]->req.active && s[1]->req.active);
		d[0] = pop(w);
		d[1] = pop(w);
		deliver(w, &d[0], t);
		continuous(w, false);
		deliver(w, &d[1], t);
		continuous(w, false);
		free(d[0].buf);
		free(d[1].buf);
		step_all(w, t, false);
		for (int i = 0; i < 2; i++) {
			assert_non_null(s[i]->children);
			assert_null(s[i]->children->next);
			held_by(w, i, s[i]->children, 3);
		}
		delete_all(w, s[0], t + 1);
		world_free(w);
	}
}

/*
 * B lost the Child SA without a word: A's rekey gets CHILD_SA_NOT_FOUND.
 * A's old SAs go, its policies stay (its traffic dropped, not sent in
 * clear) until the new Child SA takes them.
 */
static void rekey_not_found(void **state)
{
	struct world *w = world_new();
	struct ikesa *a = up(w, 0), *b = w->e[1].sas;
	uint32_t reqid = a->children->reqid;
	uint64_t t;

	ikesa_del_child(b, b->children, ENGINE_R_CLOSED);
	nothing_left(w, 1);
	t = a->children->rekey_at;
	engine_tick(&w->e[0], t);
	deliver_next(w, t);	/* B: CHILD_SA_NOT_FOUND */
	deliver_next(w, t);	/* A: the old SA out, a new one asked */
	assert_null(a->children);
	assert_true(a->req.active);
	assert_int_equal(live_sas(&w->f[0]), 0);
	assert_int_equal(live_pols(&w->f[0]), 3);
	assert_int_equal(w->f[0].n_del_pol, 0);
	assert_int_equal(policy_table_count(&w->e[0].policies), 3);
	pump(w, t);
	assert_non_null(a->children);
	assert_int_equal(a->children->reqid, reqid);
	assert_int_equal(w->f[0].n_del_pol, 0);
	held_by(w, 0, a->children, 3);
	held_by(w, 1, b->children, 3);
	delete_all(w, a, t + 1);
	world_free(w);
}

/* Without an answer, the stand-in goes with the IKE SA: nothing leaks. */
static void rekey_not_found_dead(void **state)
{
	struct world *w = world_new();
	struct ikesa *a = up(w, 0), *b = w->e[1].sas;
	uint64_t t;

	ikesa_del_child(b, b->children, ENGINE_R_CLOSED);
	t = a->children->rekey_at;
	engine_tick(&w->e[0], t);
	deliver_next(w, t);
	deliver_next(w, t);
	assert_int_equal(live_pols(&w->f[0]), 3);
	drop_all(w);
	for (uint64_t now = t; w->e[0].sas && now < t + 60000; now += 500) {
		engine_tick(&w->e[0], now);
		drop_all(w);
	}
	assert_null(w->e[0].sas);
	nothing_left(w, 0);
	world_free(w);
}

/* A second Child SA for the same traffic in one IKE SA takes them over. */
static void second_child(void **state)
{
	struct world *w = world_new();
	struct ikesa *a = up(w, 0);
	const struct childsa *first = a->children;

	assert_int_equal(engine_create_child(&w->e[0], a, 1), 0);
	pump(w, 1);
	assert_ptr_not_equal(a->children, first);
	held_by(w, 0, a->children, 3);
	assert_int_equal(engine_delete_child(&w->e[0], a, a->children, 2), 0);
	pump(w, 2);
	/* The first one carries the traffic again. */
	held_by(w, 0, first, 3);
	held_by(w, 1, w->e[1].sas->children, 3);
	delete_all(w, a, 3);
	world_free(w);
}

/* Duplicate IKE SAs (unique.c). */

/* IKE SA events by reason, per side. */
struct downs {
	unsigned int ike[ENGINE_R_REPLACED + 1];
	unsigned int up;
};

static void on_event(void *ctx, const struct engine_event *ev)
{
	struct downs *d = ctx;

	if (ev->type == ENGINE_EV_IKE_DOWN)
		d->ike[ev->reason]++;
	if (ev->type == ENGINE_EV_IKE_UP)
		d->up++;
}

static void watch(struct world *w, int i, struct downs *d)
{
	struct engine_events ev = { on_event, d };

	memset(d, 0, sizeof(*d));
	engine_set_events(&w->e[i], &ev);
}

/*
 * A starts an IKE SA and runs it up to its IKE_AUTH request, which it
 * returns undelivered; *b: B's half of the new IKE SA.
 */
static struct dgram to_auth(struct world *w, uint64_t now,
			    struct ikesa **a, struct ikesa **b)
{
	struct dgram d;

	*a = engine_initiate(&w->e[0], &w->c[0], now);
	assert_non_null(*a);
	for (int i = 0; i < 2; i++)
		deliver_next(w, now);
	d = pop(w);
	*b = engine_find_sa(&w->e[1], (*a)->spi_r, false);
	assert_non_null(*b);
	return d;
}

/*
 * A reboots and comes back: its new IKE_AUTH says INITIAL_CONTACT, and B
 * drops its old IKE SA at once, without a Delete (A would not know it),
 * after the new Child SA took the policies: they never went.
 */
static void initial_contact(void **state)
{
	struct world *w = world_new();
	struct ikesa *a, *b_old, *b_new;
	struct downs down;
	struct dgram d;

	d = to_auth(w, 0, &a, &b_old);
	assert_true(dgram_has_notify(b_old, &d, IKE_N_INITIAL_CONTACT));
	deliver(w, &d, 0);
	free(d.buf);
	pump(w, 0);
	held_by(w, 1, b_old->children, 3);

	reboot(w, 0);
	watch(w, 1, &down);
	d = to_auth(w, 10, &a, &b_new);
	assert_true(dgram_has_notify(b_new, &d, IKE_N_INITIAL_CONTACT));
	deliver(w, &d, 10);
	free(d.buf);
	/* B's answer only: no Delete to a peer that forgot the SA. */
	assert_int_equal(w->n, 1);
	assert_int_equal(n_sas(&w->e[1]), 1);
	assert_ptr_equal(w->e[1].sas, b_new);
	assert_int_equal(down.ike[ENGINE_R_REPLACED], 1);
	held_by(w, 1, b_new->children, 3);
	assert_int_equal(w->f[1].n_del_pol, 0);
	assert_int_equal(live_sas(&w->f[1]), 2);
	pump(w, 10);
	held_by(w, 0, a->children, 3);
	delete_all(w, a, 11);
	world_free(w);
}

/* With another IKE SA to B up (even of another connection), no INITIAL_CONTACT. */
static void no_initial_contact(void **state)
{
	struct world *w = world_new();
	struct ikesa *a1, *a2, *b2;
	struct dgram d;

	w->c[0].unique = w->c[1].unique = CONN_UNIQUE_NO;
	a1 = up(w, 0);
	d = to_auth(w, 1, &a2, &b2);
	assert_false(dgram_has_notify(b2, &d, IKE_N_INITIAL_CONTACT));
	deliver(w, &d, 1);
	free(d.buf);
	pump(w, 1);
	/* unique = no: both stay. */
	assert_int_equal(n_sas(&w->e[1]), 2);
	assert_int_equal(n_sas(&w->e[0]), 1 + 1);
	held_by(w, 1, b2->children, 3);

	/* A rekeyed IKE SA is contact too. */
	assert_int_equal(engine_delete_ike(&w->e[0], a2, 2), 0);
	pump(w, 2);
	assert_int_equal(engine_rekey_ike(&w->e[0], a1, 3), 0);
	pump(w, 3);
	assert_int_equal(n_sas(&w->e[0]), 1);
	d = to_auth(w, 4, &a2, &b2);
	assert_false(dgram_has_notify(b2, &d, IKE_N_INITIAL_CONTACT));
	free(d.buf);
	world_free(w);
}

/*
 * unique = replace (the default): a second IKE SA of the same
 * connection and identities, without INITIAL_CONTACT (A has the first
 * still), replaces the first once its Child SA is in; the old one goes
 * with a Delete. Make-before-break: the policies never go.
 */
static void unique_replace(void **state)
{
	struct world *w = world_new();
	struct ikesa *a1, *a2, *b1, *b2;
	struct downs down[2];
	struct dgram d;

	a1 = up(w, 0);
	b1 = twin(w, a1->children);
	watch(w, 0, &down[0]);
	watch(w, 1, &down[1]);
	d = to_auth(w, 1, &a2, &b2);
	assert_false(dgram_has_notify(b2, &d, IKE_N_INITIAL_CONTACT));
	deliver(w, &d, 1);
	free(d.buf);
	continuous(w, false);
	/* B: the new IKE SA up, the old one's Delete on its way. */
	assert_int_equal(b1->state, IKESA_DELETING);
	held_by(w, 1, b2->children, 3);
	step_all(w, 1, false);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(n_sas(&w->e[i]), 1);
		assert_int_equal(down[i].ike[ENGINE_R_REPLACED], 1);
		assert_int_equal(live_sas(&w->f[i]), 2);
	}
	held_by(w, 0, a2->children, 3);
	held_by(w, 1, b2->children, 3);
	delete_all(w, a2, 2);
	world_free(w);
}

/* The old IKE SA busy with a request: its Delete waits for the window. */
static void unique_replace_busy(void **state)
{
	struct world *w = world_new();
	struct ikesa *a1, *a2, *b1, *b2;
	struct dgram d;

	w->c[0].unique = CONN_UNIQUE_NO;	/* B alone replaces */
	a1 = up(w, 0);
	b1 = twin(w, a1->children);
	assert_int_equal(engine_dpd(&w->e[1], b1, 1), 0);
	drop_all(w);			/* lost: B retransmits later */
	d = to_auth(w, 2, &a2, &b2);
	deliver(w, &d, 2);
	free(d.buf);
	pump(w, 2);
	assert_int_equal(b1->state, IKESA_ESTABLISHED);
	assert_true(b1->unique_delete_at);
	held_by(w, 1, b2->children, 3);
	/* The liveness check is answered, then the Delete goes. */
	engine_tick(&w->e[1], 1001);
	pump(w, 1001);
	assert_false(b1->req.active);
	assert_true(engine_next_deadline(&w->e[1]) <= 1001);
	engine_tick(&w->e[1], 1001);
	assert_int_equal(b1->state, IKESA_DELETING);
	pump(w, 1001);
	assert_int_equal(n_sas(&w->e[1]), 1);
	assert_int_equal(n_sas(&w->e[0]), 1);
	held_by(w, 1, b2->children, 3);
	assert_int_equal(w->f[1].n_del_pol, 0);
	delete_all(w, a2, 1002);
	world_free(w);
}

/* unique = never: INITIAL_CONTACT neither sent nor heeded. */
static void unique_never(void **state)
{
	struct world *w = world_new();
	struct ikesa *a, *b;
	struct dgram d;

	w->c[0].unique = w->c[1].unique = CONN_UNIQUE_NEVER;
	d = to_auth(w, 0, &a, &b);
	assert_false(dgram_has_notify(b, &d, IKE_N_INITIAL_CONTACT));
	deliver(w, &d, 0);
	free(d.buf);
	pump(w, 0);
	/* A comes back with INITIAL_CONTACT: B keeps both. */
	reboot(w, 0);
	w->c[0].unique = CONN_UNIQUE_REPLACE;
	d = to_auth(w, 1, &a, &b);
	assert_true(dgram_has_notify(b, &d, IKE_N_INITIAL_CONTACT));
	deliver(w, &d, 1);
	free(d.buf);
	pump(w, 1);
	assert_int_equal(n_sas(&w->e[1]), 2);
	held_by(w, 1, b->children, 3);
	world_free(w);
}

/* unique = no: duplicates stay, but INITIAL_CONTACT clears the old ones. */
static void unique_no(void **state)
{
	struct world *w = world_new();
	struct ikesa *a, *b;

	w->c[1].unique = CONN_UNIQUE_NO;
	up(w, 0);
	reboot(w, 0);
	a = up(w, 1);
	b = twin(w, a->children);
	assert_int_equal(n_sas(&w->e[1]), 1);
	held_by(w, 1, b->children, 3);
	world_free(w);
}

/* Another connection with the same identities is not a duplicate. */
static void unique_per_conn(void **state)
{
	struct world *w = world_new();
	struct conn *c2 = calloc(2, sizeof(*c2));
	struct ikesa *a, *a2;

	assert_non_null(c2);
	/*
	 * Both sides: a second connection with the same addresses and
	 * IDs, told apart by its IKE proposal, for other networks.
	 */
	for (int i = 0; i < 2; i++) {
		c2[i] = w->c[i];
		c2[i].name = "second";
		set_ike(&c2[i], IKE_DH_ECP_256, false);
		sel4(&c2[i].local_ts[0], i ? "10.4.0.0" : "10.3.0.0",
		     i ? "10.4.255.255" : "10.3.255.255");
		sel4(&c2[i].remote_ts[0], i ? "10.3.0.0" : "10.4.0.0",
		     i ? "10.3.255.255" : "10.4.255.255");
	}
	assert_int_equal(engine_add_conn(&w->e[1], &c2[1]), 0);
	a = up(w, 0);
	a2 = engine_initiate(&w->e[0], &c2[0], 1);
	assert_non_null(a2);
	pump(w, 1);
	assert_int_equal(a2->state, IKESA_ESTABLISHED);
	assert_int_equal(n_sas(&w->e[0]), 2);
	assert_int_equal(n_sas(&w->e[1]), 2);
	assert_int_equal(a->state, IKESA_ESTABLISHED);
	assert_ptr_equal(twin(w, a2->children)->conn, &c2[1]);
	world_free(w);
	free(c2);
}

/* The table alone, against the fake backend. */

static struct kernel_policy tpol(uint32_t reqid, const char *net)
{
	struct ike_selector s, d;
	struct port_block any = { 0, 0 };
	struct kernel_policy p;

	memset(&p, 0, sizeof(p));
	sel4(&s, "10.1.0.0", "10.1.255.255");
	sel4(&d, net, net);
	sel_kernel(&p.sel, &s, &any, &d, &any);
	p.dir = KERNEL_DIR_OUT;
	p.mode = KERNEL_MODE_TUNNEL;
	p.reqid = reqid;
	assert_int_equal(ip_addr_parse("192.0.2.1", &p.tmpl_src), 0);
	assert_int_equal(ip_addr_parse(reqid & 1 ? "198.51.100.2" :
				       "203.0.113.9", &p.tmpl_dst), 0);
	p.priority = sel_priority(&p.sel);
	return p;
}

static void table(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct policy_table t;
	/* Users are opaque to the table: any distinct addresses do. */
	const struct childsa *c1 = (const void *)&f->sas[1];
	const struct childsa *c2 = (const void *)&f->sas[2];
	const struct childsa *c3 = (const void *)&f->sas[3];
	struct kernel_policy p1 = tpol(1, "10.2.0.1"), p2 = tpol(2, "10.2.0.1");
	struct kernel_policy p3 = tpol(3, "10.2.0.1"), q;

	assert_non_null(f);
	f->b.ops = &fake_ops;
	f->b.priv = f;
	policy_table_init(&t, &f->b);
	assert_int_equal(policy_table_get(&t, &p1, c1), 0);
	assert_int_equal(policy_table_get(&t, &p2, c2), 0);
	assert_int_equal(policy_table_get(&t, &p3, c3), 0);
	assert_int_equal(live_pols(f), 1);
	assert_int_equal(f->n_upd_pol, 2);
	assert_ptr_equal(policy_table_owner(&t, &p1), c3);
	assert_int_equal(fake_policy(f, &p1.sel, KERNEL_DIR_OUT)->reqid, 3);
	assert_int_equal(policy_table_find(&t, &p1)->n_users, 3);

	/* Not the owner: nothing to tell the kernel. */
	assert_int_equal(policy_table_put(&t, &p2, c2), 0);
	assert_int_equal(f->n_add_pol + f->n_del_pol, 3);
	/* A second put, or a stranger's, changes nothing. */
	assert_int_equal(policy_table_put(&t, &p2, c2), 0);
	assert_int_equal(policy_table_find(&t, &p1)->n_users, 2);
	/* The owner goes: the newest remaining user takes over. */
	assert_int_equal(policy_table_put(&t, &p3, c3), 0);
	assert_ptr_equal(policy_table_owner(&t, &p1), c1);
	assert_int_equal(fake_policy(f, &p1.sel, KERNEL_DIR_OUT)->reqid, 1);
	assert_true(ip_addr_equal(&fake_policy(f, &p1.sel,
					       KERNEL_DIR_OUT)->tmpl_dst,
				  &p1.tmpl_dst));

	/* Re-pointing: c1 moves to other addresses; c3 takes it back. */
	q = p1;
	assert_int_equal(ip_addr_parse("203.0.113.7", &q.tmpl_dst), 0);
	assert_int_equal(policy_table_point(&t, &q, c1), 0);
	assert_true(ip_addr_equal(&fake_policy(f, &p1.sel,
					       KERNEL_DIR_OUT)->tmpl_dst,
				  &q.tmpl_dst));
	assert_int_equal(policy_table_point(&t, &p3, c3), -ENOENT);
	assert_int_equal(policy_table_get(&t, &p3, c3), 0);
	assert_int_equal(policy_table_point(&t, &q, c1), 0);
	assert_ptr_equal(policy_table_owner(&t, &p1), c1);

	/* The last one deletes it, whatever template it has. */
	assert_int_equal(policy_table_put(&t, &p3, c3), 0);
	assert_int_equal(live_pols(f), 1);
	assert_int_equal(policy_table_put(&t, &p1, c1), 0);
	assert_int_equal(live_pols(f), 0);
	assert_int_equal(policy_table_count(&t), 0);
	assert_null(policy_table_owner(&t, &p1));
	policy_table_free(&t);
	free(f);
}

/* p with reqid and its template's source src. */
static struct kernel_policy from(struct kernel_policy p, uint32_t reqid,
				 const char *src)
{
	p.reqid = reqid;
	assert_int_equal(ip_addr_parse(src, &p.tmpl_src), 0);
	return p;
}

/*
 * An interface-wide delete of 192.0.2.11 by the IKE SA of reqid block
 * 0x1000 (MIF_DELETE_INTERFACE) removed the kernel's policy, whose
 * template was its Child SA c3's: forgetting c3 deletes nothing and
 * hands the policy, added again, to the newest user the delete did not
 * concern: not c4 (same address, same IKE SA, going too) but c2 (same
 * address, another IKE SA). Forgetting c4 then changes nothing in the
 * kernel, and a last user forgotten leaves no entry and no call.
 */
static void table_forget(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct policy_table t;
	const struct childsa *c1 = (const void *)&f->sas[1];
	const struct childsa *c2 = (const void *)&f->sas[2];
	const struct childsa *c3 = (const void *)&f->sas[3];
	const struct childsa *c4 = (const void *)&f->sas[4];
	struct kernel_scope scope = { .reqid = 0x1000,
				      .reqid_mask = 0xfffff000u };
	struct kernel_policy base = tpol(1, "10.2.0.1");
	struct kernel_policy other = tpol(1, "10.3.0.1");
	struct kernel_policy p1 = from(base, 0x1001, "192.0.2.1");
	struct kernel_policy p2 = from(base, 0x2001, "192.0.2.11");
	struct kernel_policy p3 = from(base, 0x1002, "192.0.2.11");
	struct kernel_policy p4 = from(base, 0x1003, "192.0.2.11");
	struct kernel_policy p5 = from(other, 0x1004, "192.0.2.11");
	struct kernel_iface_result r;
	struct ip_addr gone;
	unsigned int adds, dels;

	assert_non_null(f);
	f->b.ops = &fake_ops;
	f->b.priv = f;
	policy_table_init(&t, &f->b);
	assert_int_equal(ip_addr_parse("192.0.2.11", &gone), 0);
	assert_int_equal(policy_table_get(&t, &p1, c1), 0);
	assert_int_equal(policy_table_get(&t, &p2, c2), 0);
	assert_int_equal(policy_table_get(&t, &p4, c4), 0);
	assert_int_equal(policy_table_get(&t, &p3, c3), 0);
	assert_int_equal(policy_table_get(&t, &p5, c3), 0);
	assert_ptr_equal(policy_table_owner(&t, &p1), c3);
	assert_int_equal(live_pols(f), 2);

	assert_int_equal(f->b.ops->delete_addr(&f->b, &gone, &scope, &r), 0);
	assert_int_equal(r.policies, 2);
	assert_int_equal(live_pols(f), 0);
	adds = f->n_add_pol;
	dels = f->n_del_pol;

	assert_int_equal(policy_table_forget(&t, &p3, c3, &gone, &scope), 0);
	assert_ptr_equal(policy_table_owner(&t, &p1), c2);
	assert_int_equal(policy_table_find(&t, &p1)->n_users, 3);
	assert_int_equal(live_pols(f), 1);
	assert_int_equal(fake_policy(f, &p1.sel, KERNEL_DIR_OUT)->reqid,
			 0x2001);
	assert_int_equal(f->n_add_pol, adds + 1);

	assert_int_equal(policy_table_forget(&t, &p4, c4, &gone, &scope), 0);
	assert_ptr_equal(policy_table_owner(&t, &p1), c2);
	assert_int_equal(policy_table_find(&t, &p1)->n_users, 2);
	assert_int_equal(f->n_add_pol, adds + 1);

	/* Its only user: the entry goes, the kernel is not asked. */
	assert_int_equal(policy_table_forget(&t, &p5, c3, &gone, &scope), 0);
	assert_null(policy_table_find(&t, &p5));
	assert_int_equal(policy_table_count(&t), 1);
	assert_int_equal(f->n_del_pol, dels);

	/* Not a user, or no entry: nothing. */
	assert_int_equal(policy_table_forget(&t, &p3, c3, &gone, &scope), 0);
	assert_int_equal(policy_table_forget(&t, &p5, c3, &gone, &scope), 0);
	assert_int_equal(policy_table_put(&t, &p2, c2), 0);
	assert_int_equal(policy_table_put(&t, &p1, c1), 0);
	assert_int_equal(live_pols(f), 0);
	assert_int_equal(policy_table_count(&t), 0);
	policy_table_free(&t);
	free(f);
}

/*
 * The kernel refuses: a take-over leaves the policy to its owner, a
 * hand-over leaves it ownerless until a user comes or goes.
 */
static void table_refused(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct policy_table t;
	const struct childsa *c1 = (const void *)&f->sas[1];
	const struct childsa *c2 = (const void *)&f->sas[2];
	const struct childsa *c3 = (const void *)&f->sas[3];
	struct kernel_policy p1 = tpol(1, "10.2.0.1"), p2 = tpol(2, "10.2.0.1");
	struct kernel_policy p3 = tpol(3, "10.2.0.1");

	assert_non_null(f);
	f->b.ops = &fake_ops;
	f->b.priv = f;
	policy_table_init(&t, &f->b);
	f->fail_add_pol = -ENOBUFS;
	assert_int_equal(policy_table_get(&t, &p1, c1), -ENOBUFS);
	assert_int_equal(policy_table_count(&t), 0);
	f->fail_add_pol = 0;
	assert_int_equal(policy_table_get(&t, &p1, c1), 0);
	assert_int_equal(policy_table_get(&t, &p2, c2), 0);
	f->fail_add_pol = -ENOBUFS;
	assert_int_equal(policy_table_get(&t, &p3, c3), -ENOBUFS);
	assert_ptr_equal(policy_table_owner(&t, &p1), c2);
	assert_int_equal(policy_table_find(&t, &p1)->n_users, 2);
	/* c2 goes; c1 cannot take over: nobody owns it. */
	assert_int_equal(policy_table_put(&t, &p2, c2), -ENOBUFS);
	assert_null(policy_table_owner(&t, &p1));
	assert_int_equal(fake_policy(f, &p1.sel, KERNEL_DIR_OUT)->reqid, 2);
	/* The next one to come takes it. */
	f->fail_add_pol = 0;
	assert_int_equal(policy_table_get(&t, &p3, c3), 0);
	assert_ptr_equal(policy_table_owner(&t, &p1), c3);
	assert_int_equal(fake_policy(f, &p1.sel, KERNEL_DIR_OUT)->reqid, 3);
	assert_int_equal(policy_table_put(&t, &p3, c3), 0);
	assert_int_equal(fake_policy(f, &p1.sel, KERNEL_DIR_OUT)->reqid, 1);
	assert_int_equal(policy_table_put(&t, &p1, c1), 0);
	assert_int_equal(live_pols(f), 0);
	policy_table_free(&t);
	free(f);
}

/* A Child SA whose policies the kernel refuses is not installed. */
static void install_refused(void **state)
{
	struct world *w = world_new();
	struct ikesa *a = up(w, 0), *b = w->e[1].sas;

	w->c[1].remote_ts[0].ip_proto = 17;	/* other selectors */
	w->f[1].fail_add_pol = -ENOBUFS;
	assert_int_equal(engine_create_child(&w->e[0], a, 1), 0);
	pump(w, 1);
	/* B refused it; its first Child SA and policies as they were. */
	assert_null(b->children->next);
	assert_null(a->children->next);
	held_by(w, 1, b->children, 3);
	assert_int_equal(live_sas(&w->f[1]), 2);
	w->f[1].fail_add_pol = 0;
	delete_all(w, a, 2);
	world_free(w);
}

/* Many entries: found by hash, each its own kernel policy. */
static void table_many(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct policy_table t;
	struct kernel_policy p;
	const unsigned int n = 1000;

	assert_non_null(f);
	f->b.ops = &fake_ops;
	f->b.priv = f;
	policy_table_init(&t, &f->b);
	for (unsigned int i = 0; i < n; i++) {
		p = tpol(1, "10.2.0.1");
		p.sel.dst.bytes[2] = (uint8_t)(i >> 8);
		p.sel.dst.bytes[3] = (uint8_t)i;
		assert_int_equal(policy_table_get(&t, &p, (const void *)f), 0);
	}
	assert_int_equal(policy_table_count(&t), n);
	assert_true(sa_table_buckets(&t.entries) >= n / 2);
	for (unsigned int i = 0; i < n; i++) {
		p = tpol(1, "10.2.0.1");
		p.sel.dst.bytes[2] = (uint8_t)(i >> 8);
		p.sel.dst.bytes[3] = (uint8_t)i;
		assert_non_null(policy_table_find(&t, &p));
		assert_int_equal(policy_table_put(&t, &p, (const void *)f), 0);
	}
	assert_int_equal(policy_table_count(&t), 0);
	assert_int_equal(live_pols(f), 0);
	policy_table_free(&t);
	free(f);
}

/* Port ranges. */

static void check_blocks(uint16_t lo, uint16_t hi, unsigned int want)
{
	struct port_block b[32];
	unsigned int n = port_blocks(lo, hi, b, 32);
	uint32_t next = lo;

	assert_int_equal(n, want);
	/* Aligned, in order, touching, exactly lo..hi. */
	for (unsigned int i = 0; i < n; i++) {
		uint32_t size = (uint16_t)~b[i].mask + 1u;

		assert_int_equal(b[i].port, next);
		assert_int_equal(b[i].port & ~b[i].mask, 0);
		next += size;
	}
	assert_int_equal(next, (uint32_t)hi + 1);
}

static void port_ranges(void **state)
{
	struct port_block b[SEL_PORT_BLOCKS];
	struct ike_selector s;

	check_blocks(0, 65535, 1);
	check_blocks(443, 443, 1);
	check_blocks(0, 1023, 1);
	check_blocks(49152, 65535, 1);
	check_blocks(5060, 5061, 1);
	check_blocks(1024, 65535, 6);
	check_blocks(8000, 8080, 3);
	check_blocks(1, 1023, 10);
	check_blocks(1, 65534, 30);
	check_blocks(65535, 65535, 1);
	assert_int_equal(port_blocks(0, 65535, b, 8), 1);
	assert_int_equal(b[0].mask, 0);
	assert_int_equal(port_blocks(443, 443, b, 8), 1);
	assert_int_equal(b[0].mask, 0xffff);
	assert_int_equal(port_blocks(1024, 65535, b, 8), 6);
	assert_int_equal(b[0].port, 1024);
	assert_int_equal(b[0].mask, 0xfc00);
	assert_int_equal(b[5].port, 32768);
	assert_int_equal(b[5].mask, 0x8000);
	/* Too many, or an empty range. */
	assert_int_equal(port_blocks(1, 1023, b, 8), 0);
	assert_int_equal(port_blocks(2, 1, b, 8), 0);

	/* The longest start of a range that 8 blocks cover. */
	assert_int_equal(port_range_fit(1, 1023, 8), 255);
	assert_int_equal(port_range_fit(1, 65534, 8), 255);
	assert_int_equal(port_range_fit(1024, 65535, 8), 65535);
	assert_int_equal(port_range_fit(1, 1, 8), 1);
	check_blocks(1, 255, 8);
	sel4(&s, "10.0.0.0", "10.0.0.255");
	s.start_port = 1;
	s.end_port = 1023;
	assert_false(sel_ports_fit(&s));
	sel_ports_narrow(&s);
	assert_int_equal(s.end_port, 255);
	assert_true(sel_ports_fit(&s));
}

static struct kernel_sel ksel(const char *src, const char *src_end,
			      const char *dst, const char *dst_end,
			      uint8_t proto, uint16_t sp, uint16_t spm,
			      uint16_t dp, uint16_t dpm)
{
	struct ike_selector s, d;
	struct port_block a = { sp, spm }, b = { dp, dpm };
	struct kernel_sel k;

	sel4(&s, src, src_end);
	sel4(&d, dst, dst_end);
	s.ip_proto = proto;
	sel_kernel(&k, &s, &a, &d, &b);
	return k;
}

/* More specific, lower (preferred) priority. */
static void priorities(void **state)
{
	struct kernel_sel net16 = ksel("10.1.0.0", "10.1.255.255", "10.2.0.0",
				       "10.2.255.255", 0, 0, 0, 0, 0);
	struct kernel_sel net24 = ksel("10.1.0.0", "10.1.255.255", "10.2.5.0",
				       "10.2.5.255", 0, 0, 0, 0, 0);
	struct kernel_sel host = ksel("10.1.0.0", "10.1.255.255", "10.2.5.1",
				      "10.2.5.1", 0, 0, 0, 0, 0);
	struct kernel_sel tcp = ksel("10.1.0.0", "10.1.255.255", "10.2.5.0",
				     "10.2.5.255", 6, 0, 0, 0, 0);
	struct kernel_sel block = ksel("10.1.0.0", "10.1.255.255", "10.2.5.0",
				       "10.2.5.255", 6, 0, 0, 1024, 0xfc00);
	struct kernel_sel port = ksel("10.1.0.0", "10.1.255.255", "10.2.5.0",
				      "10.2.5.255", 6, 0, 0, 443, 0xffff);
	struct kernel_sel both = ksel("10.1.0.0", "10.1.255.255", "10.2.5.0",
				      "10.2.5.255", 6, 80, 0xffff, 443, 0xffff);
	struct kernel_sel any = ksel("0.0.0.0", "255.255.255.255", "0.0.0.0",
				     "255.255.255.255", 0, 0, 0, 0, 0);

	assert_int_equal(net16.dst_len, 16);
	assert_int_equal(port.dport, 443);
	assert_int_equal(port.dport_mask, 0xffff);
	assert_int_equal(block.dport_mask, 0xfc00);
	assert_int_equal(sel_priority(&any), SEL_PRIO_BASE);
	assert_true(sel_priority(&net24) < sel_priority(&net16));
	assert_true(sel_priority(&host) < sel_priority(&net24));
	assert_true(sel_priority(&tcp) < sel_priority(&net24));
	assert_true(sel_priority(&block) < sel_priority(&tcp));
	assert_true(sel_priority(&port) < sel_priority(&block));
	assert_true(sel_priority(&both) < sel_priority(&port));
	/* A longer prefix outweighs a protocol and both ports. */
	assert_true(sel_priority(&host) < sel_priority(&both));
	assert_int_equal(sel_priority(&net16),
			 SEL_PRIO_BASE - 512 * 32);
	assert_int_equal(sel_priority(&both),
			 SEL_PRIO_BASE - 512 * 40 - 256 - 4 * 32);
}

/* The policies of side i for direction dir, and their number. */
static unsigned int pols_dir(const struct fake *f, enum kernel_dir dir,
			     const struct kernel_policy **out, unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < f->n_pols; i++)
		if (f->pol_live[i] && f->pols[i].dir == dir && n < max)
			out[n++] = &f->pols[i];
	return n;
}

/*
 * A port range in a selector: exactly its blocks in the kernel, one
 * policy each, never any port; each with its priority.
 */
static void port_range_policies(void **state)
{
	struct world *w = world_new();
	const struct kernel_policy *p[16];
	struct ikesa *a;
	uint32_t seen = 0;

	/* B serves TCP 1024-65535 of its network. */
	w->c[1].local_ts[0].ip_proto = 6;
	w->c[1].local_ts[0].start_port = 1024;
	a = up(w, 0);
	assert_int_equal(a->children->remote_ts[0].start_port, 1024);
	assert_int_equal(a->children->remote_ts[0].end_port, 65535);
	for (int i = 1; i >= 0; i--) {
		/* Out, in, fwd: six blocks each. */
		assert_int_equal(live_pols(&w->f[i]), 18);
		assert_int_equal(pols_dir(&w->f[i], KERNEL_DIR_OUT, p, 16), 6);
	}
	/* A's outbound: destination ports, B's side. */
	for (unsigned int i = 0; i < 6; i++) {
		uint16_t size = (uint16_t)(~p[i]->sel.dport_mask + 1);

		assert_int_equal(p[i]->sel.proto, 6);
		assert_int_not_equal(p[i]->sel.dport_mask, 0);
		assert_int_equal(p[i]->sel.sport_mask, 0);
		assert_int_equal(p[i]->sel.dport & ~p[i]->sel.dport_mask, 0);
		assert_true(p[i]->sel.dport >= 1024);
		assert_int_equal(p[i]->priority, sel_priority(&p[i]->sel));
		seen |= (uint32_t)size;
	}
	/* 1024, 2048, ... 32768 ports: each block once. */
	assert_int_equal(seen, 0xfc00);
	/* B's inbound: source ports, its own side from A's view. */
	assert_int_equal(pols_dir(&w->f[0], KERNEL_DIR_IN, p, 16), 6);
	for (unsigned int i = 0; i < 6; i++)
		assert_int_not_equal(p[i]->sel.sport_mask, 0);
	delete_all(w, a, 1);
	world_free(w);
}

/* A responder narrows a range that needs too many blocks. */
static void port_range_narrowed(void **state)
{
	struct world *w = world_new();
	struct ikesa *a;

	/* A asks for TCP 1-1023 (ten blocks); B allows any port. */
	w->c[0].remote_ts[0].ip_proto = 6;
	w->c[0].remote_ts[0].start_port = 1;
	w->c[0].remote_ts[0].end_port = 1023;
	w->c[1].local_ts[0].ip_proto = 6;
	a = up(w, 0);
	assert_int_equal(a->children->remote_ts[0].start_port, 1);
	assert_int_equal(a->children->remote_ts[0].end_port, 255);
	assert_int_equal(w->e[1].sas->children->local_ts[0].end_port, 255);
	for (int i = 0; i < 2; i++)
		assert_int_equal(live_pols(&w->f[i]), 3 * SEL_PORT_BLOCKS);
	delete_all(w, a, 1);
	world_free(w);
}

/*
 * An initiator refuses a range that would take too many policies (a
 * responder that does not narrow): TS_UNACCEPTABLE, nothing installed.
 */
static void port_range_refused(void **state)
{
	struct world *w = world_new();
	struct ikesa *a = up(w, 0);
	struct childsa *c;
	struct ike_chain *ch = calloc(1, sizeof(*ch));
	struct ike_sa_payload *sap = calloc(1, sizeof(*sap));
	struct ike_ts *tsi = calloc(1, sizeof(*tsi)), *tsr;
	struct ike_error err;
	struct child_nego nego = { .ni = a->ni, .ni_len = a->ni_len,
				   .nr = a->nr, .nr_len = a->nr_len };
	const uint8_t spi[4] = { 0xc0, 0, 0, 1 };
	struct ike_selector sel[2];

	assert_non_null(ch);
	assert_non_null(sap);
	assert_non_null(tsi);
	tsr = calloc(1, sizeof(*tsr));
	assert_non_null(tsr);
	tsi->sel = &sel[0];
	tsr->sel = &sel[1];
	w->c[0].remote_ts[0].ip_proto = 6;
	c = childsa_new(&a->local, a->local_port, &a->remote, a->remote_port,
			99);
	assert_non_null(c);
	assert_int_equal(childsa_alloc_spi(c, &w->f[0].b), 0);
	c->n_local_ts = c->n_remote_ts = 1;
	c->local_ts[0] = w->c[0].local_ts[0];
	c->remote_ts[0] = w->c[0].remote_ts[0];
	proposal_offer(sap, w->c[0].esp, 1, IKE_PROTO_ESP, spi, 4,
		       PROPOSAL_NO_DH);
	tsi->n = tsr->n = 1;
	tsi->sel[0] = c->local_ts[0];
	tsr->sel[0] = c->remote_ts[0];
	tsr->sel[0].start_port = 1;
	tsr->sel[0].end_port = 1023;
	ike_chain_add(ch, IKE_PL_SA, sap, &err);
	ike_chain_add(ch, IKE_PL_TSI, tsi, &err);
	ike_chain_add(ch, IKE_PL_TSR, tsr, &err);
	assert_int_equal(child_complete(a, c, ch, &nego),
			 IKE_N_TS_UNACCEPTABLE);
	assert_false(c->installed);
	/* Within the limit, the same answer is taken. */
	tsr->sel[0].end_port = 255;
	assert_int_equal(child_complete(a, c, ch, &nego), 0);
	assert_true(c->installed);
	assert_int_equal(live_pols(&w->f[0]), 3 + 3 * SEL_PORT_BLOCKS);
	childsa_uninstall(c, &w->e[0]);
	childsa_free(c);
	assert_int_equal(live_pols(&w->f[0]), 3);
	ike_chain_free(ch);
	free(ch);
	ike_sa_payload_free(sap);
	free(sap);
	free(tsi);
	free(tsr);
	delete_all(w, a, 1);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table),
		cmocka_unit_test(table_many),
		cmocka_unit_test(table_refused),
		cmocka_unit_test(table_forget),
		cmocka_unit_test(install_refused),
		cmocka_unit_test(reconnect_old_removed),
		cmocka_unit_test(reconnect_new_removed),
		cmocka_unit_test(rekey_initiator),
		cmocka_unit_test(rekey_responder),
		cmocka_unit_test(rekey_collision),
		cmocka_unit_test(rekey_not_found),
		cmocka_unit_test(rekey_not_found_dead),
		cmocka_unit_test(second_child),
		cmocka_unit_test(initial_contact),
		cmocka_unit_test(no_initial_contact),
		cmocka_unit_test(unique_replace),
		cmocka_unit_test(unique_replace_busy),
		cmocka_unit_test(unique_never),
		cmocka_unit_test(unique_no),
		cmocka_unit_test(unique_per_conn),
		cmocka_unit_test(port_ranges),
		cmocka_unit_test(priorities),
		cmocka_unit_test(port_range_policies),
		cmocka_unit_test(port_range_narrowed),
		cmocka_unit_test(port_range_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
