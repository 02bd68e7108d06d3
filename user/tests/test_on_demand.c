// SPDX-License-Identifier: GPL-2.0
/*
 * On-demand connections (daemon/on_demand.c) on the harness's two
 * engines and its clock: an acquire of the trap's reqid starts the
 * connection once, whatever the acquires that follow while it comes up;
 * an acquire of another reqid starts nothing; dpd_action = trap and
 * close_action = trap put the trap behind the Child SAs when the IKE SA
 * comes up and leave the policies to it when the peer dies or closes,
 * where our own delete removes it; ike down removes start = trap's. An
 * acquire with the IKE SA up brings the lost child up on it (the newer
 * of two). Without a trap, a drop stands behind the Child SAs
 * (failure_shunt = drop) and stays after DPD, its acquires starting
 * nothing; failure_shunt = pass leaves nothing; the peer's close
 * removes the drop.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/on_demand.h"
#include "daemon/retry.h"
#include "engine/ike_sa.h"
#include "engine/trap.h"
#include "ike/constants.h"
#include "harness.h"

/* Side 0 is mifd, its one connection "home"; side 1 the peer. */
struct rig {
	struct world w;
	struct conf conf;
	struct conf_conn cc;
	struct retries t;
	uint64_t now;
	bool peer_up;
};

static void on_event(void *ctx, const struct engine_event *ev)
{
	struct rig *r = ctx;

	retry_event(&r->t, &r->conf, &r->w.e[0], ev, r->now);
	on_demand_event(&r->w.e[0], &r->conf, ev);
}

static struct rig *rig_new(void)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct engine_events ev;

	assert_non_null(r);
	test_world_init(&r->w, IKE_DH_CURVE25519, true);
	assert_int_equal(engine_add_conn(&r->w.e[1], &r->w.c[1]), 0);
	r->w.c[0].retrans_base_ms = 100;
	r->w.c[0].retrans_tries = 1;
	r->cc.conn = r->w.c[0];
	snprintf(r->cc.name, sizeof(r->cc.name), "home");
	r->cc.conn.name = r->cc.name;
	r->conf.conns = &r->cc;
	r->conf.n_conns = 1;
	assert_int_equal(engine_add_conn(&r->w.e[0], &r->cc.conn), 0);
	assert_int_equal(retries_renew(&r->t, NULL, &r->conf), 0);
	ev = (struct engine_events){ on_event, r };
	engine_set_events(&r->w.e[0], &ev);
	r->peer_up = true;
	return r;
}

static void rig_free(struct rig *r)
{
	drop_all(&r->w);
	engine_set_events(&r->w.e[0], NULL);
	engine_free(&r->w.e[0]);
	engine_free(&r->w.e[1]);
	retries_free(&r->t);
	free(r);
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

static struct ikesa *established(struct rig *r)
{
	for (struct ikesa *sa = r->w.e[0].sas; sa; sa = sa->next)
		if (sa->state == IKESA_ESTABLISHED)
			return sa;
	return NULL;
}

/* What the daemon's main loop does, until the clock reads until. */
static void run_until(struct rig *r, uint64_t until)
{
	struct world *w = &r->w;

	for (int guard = 0; guard < 100000; guard++) {
		uint64_t d;

		if (r->peer_up)
			pump(w, r->now);
		else
			drop_all(w);
		engine_tick(&w->e[0], r->now);
		engine_tick(&w->e[1], r->now);
		retry_run(&r->t, &r->conf, &w->e[0], r->now);
		if (w->n)
			continue;
		d = earliest(engine_next_deadline(&w->e[0]),
			     engine_next_deadline(&w->e[1]));
		d = earliest(d, retry_next_deadline(&r->t));
		if (!d || d > until) {
			r->now = until;
			return;
		}
		if (d > r->now)
			r->now = d;
	}
	fail_msg("no end in sight");
}

/* The kernel's acquire of reqid, for a packet 10.1.0.1 -> 10.2.0.1. */
static struct ikesa *acquire(struct rig *r, uint32_t reqid)
{
	struct kernel_event ev = { .type = KERNEL_EV_ACQUIRE, .reqid = reqid };

	ev.sel.src.family = ev.sel.dst.family = AF_INET;
	ev.sel.src.bytes[0] = ev.sel.dst.bytes[0] = 10;
	return on_demand_acquire(&r->w.e[0], &r->conf, &r->t, &ev, r->now);
}

static uint32_t trap_reqid(struct rig *r)
{
	assert_non_null(r->w.e[0].traps);
	return r->w.e[0].traps->tmpl.reqid;
}

static unsigned int n_ike(struct rig *r)
{
	unsigned int n = 0;

	for (const struct ikesa *sa = r->w.e[0].sas; sa; sa = sa->next)
		n += sa->state != IKESA_DEAD;
	return n;
}

/* start = trap: one acquire starts it; the others, and strangers, nothing. */
static void acquire_once(void **state)
{
	struct rig *r = rig_new();
	uint32_t reqid;

	r->cc.trap = true;
	on_demand_apply(&r->w.e[0], &r->conf);
	assert_true(engine_trap_installed(&r->w.e[0], &r->cc.conn));
	assert_null(r->w.e[0].sas);
	reqid = trap_reqid(r);
	assert_null(acquire(r, reqid + 1));
	assert_null(r->w.e[0].sas);

	assert_non_null(acquire(r, reqid));
	/* Held packets while it comes up: nothing more. */
	assert_null(acquire(r, reqid));
	assert_null(acquire(r, reqid));
	assert_int_equal(n_ike(r), 1);
	run_until(r, 100);
	assert_non_null(established(r));
	assert_null(acquire(r, reqid));
	assert_int_equal(n_ike(r), 1);
	assert_true(fake_points_at(&r->w.f[0], established(r)->children));

	/* ike down: the trap goes with the SA's policies. */
	on_demand_down(&r->w.e[0], &r->cc);
	assert_false(engine_trap_installed(&r->w.e[0], &r->cc.conn));
	assert_int_equal(engine_delete_ike(&r->w.e[0], established(r),
					   r->now), 0);
	run_until(r, 5000);
	assert_int_equal(live_pols(&r->w.f[0]), 0);
	rig_free(r);
}

/* A start = trap connection whose peer dies keeps its trap. */
static void start_trap_peer_dies(void **state)
{
	struct rig *r = rig_new();

	r->cc.trap = true;
	r->cc.conn.dpd_ms = 5000;
	on_demand_apply(&r->w.e[0], &r->conf);
	assert_non_null(acquire(r, trap_reqid(r)));
	run_until(r, 100);
	assert_non_null(established(r));
	r->peer_up = false;
	run_until(r, 5400);
	assert_null(established(r));
	assert_true(engine_trap_installed(&r->w.e[0], &r->cc.conn));
	assert_int_equal(live_pols(&r->w.f[0]), 3);
	assert_true(fake_points_at(&r->w.f[0], &r->w.e[0].traps->tmpl));
	/* The peer is back: the next packet brings it up again. */
	r->peer_up = true;
	assert_non_null(acquire(r, trap_reqid(r)));
	run_until(r, 6000);
	assert_non_null(established(r));
	rig_free(r);
}

/* dpd_action = trap: behind the SAs once up, the policies' after DPD. */
static void dpd_trap(void **state)
{
	struct rig *r = rig_new();

	r->cc.dpd_action = CONF_ACTION_TRAP;
	r->cc.conn.dpd_ms = 5000;
	on_demand_apply(&r->w.e[0], &r->conf);
	assert_false(engine_trap_installed(&r->w.e[0], &r->cc.conn));
	retry_start(&r->t, &r->conf, 0, &r->w.e[0], r->now, "");
	run_until(r, 100);
	assert_non_null(established(r));
	assert_true(engine_trap_installed(&r->w.e[0], &r->cc.conn));
	assert_true(fake_points_at(&r->w.f[0], established(r)->children));
	r->peer_up = false;
	run_until(r, 5400);
	assert_null(established(r));
	assert_true(engine_trap_installed(&r->w.e[0], &r->cc.conn));
	assert_int_equal(r->w.f[0].n_del_pol, 0);
	assert_true(fake_points_at(&r->w.f[0], &r->w.e[0].traps->tmpl));
	rig_free(r);
}

/*
 * close_action = trap: the peer's Delete leaves the trap; with
 * close_action = none it is removed (dpd_action = trap put it there).
 */
static void peer_close(enum conf_action close, bool kept)
{
	struct rig *r = rig_new();

	r->cc.dpd_action = CONF_ACTION_TRAP;
	r->cc.close_action = close;
	retry_start(&r->t, &r->conf, 0, &r->w.e[0], r->now, "");
	run_until(r, 100);
	assert_true(engine_trap_installed(&r->w.e[0], &r->cc.conn));
	assert_int_equal(engine_delete_ike(&r->w.e[1], only_sa(&r->w, 1),
					   r->now), 0);
	run_until(r, 5000);
	assert_null(established(r));
	assert_int_equal(engine_trap_installed(&r->w.e[0], &r->cc.conn), kept);
	assert_int_equal(live_pols(&r->w.f[0]), kept ? 3 : 0);
	rig_free(r);
}

static void close_trap(void **state)
{
	peer_close(CONF_ACTION_TRAP, true);
}

static void close_none(void **state)
{
	peer_close(CONF_ACTION_NONE, false);
}

/* Our own delete removes an action's trap. */
static void local_delete(void **state)
{
	struct rig *r = rig_new();

	r->cc.dpd_action = CONF_ACTION_TRAP;
	r->cc.close_action = CONF_ACTION_TRAP;
	retry_start(&r->t, &r->conf, 0, &r->w.e[0], r->now, "");
	run_until(r, 100);
	assert_true(engine_trap_installed(&r->w.e[0], &r->cc.conn));
	assert_int_equal(engine_delete_ike(&r->w.e[0], established(r),
					   r->now), 0);
	run_until(r, 5000);
	assert_false(engine_trap_installed(&r->w.e[0], &r->cc.conn));
	assert_int_equal(live_pols(&r->w.f[0]), 0);
	rig_free(r);
}

/*
 * start = trap, the IKE SA up, the Child SA deleted by the peer: the
 * acquire brings the child up on that IKE SA, and only once.
 */
static void acquire_child_on_ike_sa(void **state)
{
	struct rig *r = rig_new();
	struct ikesa *sa;
	uint32_t reqid;

	r->cc.trap = true;
	on_demand_apply(&r->w.e[0], &r->conf);
	reqid = trap_reqid(r);
	assert_non_null(acquire(r, reqid));
	run_until(r, 100);
	sa = established(r);
	assert_non_null(sa);
	assert_int_equal(engine_child_down(&r->w.e[1], only_sa(&r->w, 1), 0,
					   r->now), 1);
	run_until(r, 200);
	assert_int_equal(n_children(sa), 0);
	assert_true(fake_points_at(&r->w.f[0], &r->w.e[0].traps->tmpl));

	assert_ptr_equal(acquire(r, reqid), sa);
	assert_null(acquire(r, reqid));
	run_until(r, 300);
	assert_ptr_equal(established(r), sa);
	assert_int_equal(n_ike(r), 1);
	assert_int_equal(n_children(sa), 1);
	assert_true(fake_points_at(&r->w.f[0], sa->children));
	assert_null(acquire(r, reqid));
	assert_int_equal(r->w.f[0].n_del_pol, 0);
	rig_free(r);
}

/*
 * Two IKE SAs up (unique = never keeps both), their Child SAs deleted
 * by the peer: the acquire brings the child up on the newer one.
 */
static void acquire_child_on_newest(void **state)
{
	struct rig *r = rig_new();
	struct ikesa *old, *sa;
	uint32_t reqid;

	r->cc.trap = true;
	r->cc.conn.unique = CONN_UNIQUE_NEVER;
	r->w.c[1].unique = CONN_UNIQUE_NEVER;
	on_demand_apply(&r->w.e[0], &r->conf);
	reqid = trap_reqid(r);
	assert_non_null(acquire(r, reqid));
	run_until(r, 100);
	old = established(r);
	assert_non_null(old);
	sa = engine_initiate(&r->w.e[0], &r->cc.conn, r->now);
	assert_non_null(sa);
	run_until(r, 200);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(old->state, IKESA_ESTABLISHED);
	for (struct ikesa *b = r->w.e[1].sas; b; b = b->next)
		assert_int_equal(engine_child_down(&r->w.e[1], b, 0, r->now),
				 1);
	run_until(r, 300);
	assert_int_equal(n_children(old), 0);
	assert_int_equal(n_children(sa), 0);

	assert_ptr_equal(acquire(r, reqid), sa);
	run_until(r, 400);
	assert_int_equal(n_children(sa), 1);
	assert_int_equal(n_children(old), 0);
	assert_true(fake_points_at(&r->w.f[0], sa->children));
	rig_free(r);
}

/*
 * No trap, failure_shunt = drop (the default): the drop stands behind
 * the Child SAs; after DPD the policies are its, the acquires start
 * nothing, and the connection up again takes them over.
 */
static void drop_after_dpd(void **state)
{
	struct rig *r = rig_new();

	r->cc.conn.dpd_ms = 5000;
	on_demand_apply(&r->w.e[0], &r->conf);
	assert_false(engine_trap_installed(&r->w.e[0], &r->cc.conn));
	retry_start(&r->t, &r->conf, 0, &r->w.e[0], r->now, "");
	run_until(r, 100);
	assert_non_null(established(r));
	assert_true(engine_trap_installed(&r->w.e[0], &r->cc.conn));
	assert_true(r->w.e[0].traps->drop);
	assert_true(fake_points_at(&r->w.f[0], established(r)->children));
	r->peer_up = false;
	run_until(r, 5400);
	assert_null(established(r));
	assert_true(engine_trap_installed(&r->w.e[0], &r->cc.conn));
	assert_int_equal(live_pols(&r->w.f[0]), 3);
	assert_int_equal(r->w.f[0].n_del_pol, 0);
	assert_true(fake_points_at(&r->w.f[0], &r->w.e[0].traps->tmpl));
	assert_true(engine_trap_is_drop(&r->w.e[0], trap_reqid(r)));
	assert_null(acquire(r, trap_reqid(r)));
	assert_int_equal(n_ike(r), 0);

	/* Up again (ike up): its Child SA takes the policies over. */
	r->peer_up = true;
	retry_start(&r->t, &r->conf, 0, &r->w.e[0], r->now, "");
	run_until(r, 6000);
	assert_non_null(established(r));
	assert_true(fake_points_at(&r->w.f[0], established(r)->children));
	assert_int_equal(r->w.f[0].n_del_pol, 0);

	/* Unloaded (ike down): the drop goes, and the policies with the SA. */
	on_demand_down(&r->w.e[0], &r->cc);
	assert_false(engine_trap_installed(&r->w.e[0], &r->cc.conn));
	assert_int_equal(engine_delete_ike(&r->w.e[0], established(r),
					   r->now), 0);
	run_until(r, 9000);
	assert_int_equal(live_pols(&r->w.f[0]), 0);
	rig_free(r);
}

/* failure_shunt = pass: no drop; after DPD the policies are gone. */
static void pass_after_dpd(void **state)
{
	struct rig *r = rig_new();

	r->cc.shunt_pass = true;
	r->cc.conn.dpd_ms = 5000;
	retry_start(&r->t, &r->conf, 0, &r->w.e[0], r->now, "");
	run_until(r, 100);
	assert_non_null(established(r));
	assert_false(engine_trap_installed(&r->w.e[0], &r->cc.conn));
	r->peer_up = false;
	run_until(r, 5400);
	assert_null(established(r));
	assert_int_equal(live_pols(&r->w.f[0]), 0);
	rig_free(r);
}

/* The peer closes the connection: the drop goes with it. */
static void drop_peer_close(void **state)
{
	struct rig *r = rig_new();

	retry_start(&r->t, &r->conf, 0, &r->w.e[0], r->now, "");
	run_until(r, 100);
	assert_true(engine_trap_installed(&r->w.e[0], &r->cc.conn));
	assert_int_equal(engine_delete_ike(&r->w.e[1], only_sa(&r->w, 1),
					   r->now), 0);
	run_until(r, 5000);
	assert_null(established(r));
	assert_false(engine_trap_installed(&r->w.e[0], &r->cc.conn));
	assert_int_equal(live_pols(&r->w.f[0]), 0);
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(acquire_once),
		cmocka_unit_test(start_trap_peer_dies),
		cmocka_unit_test(dpd_trap),
		cmocka_unit_test(close_trap),
		cmocka_unit_test(close_none),
		cmocka_unit_test(local_delete),
		cmocka_unit_test(acquire_child_on_ike_sa),
		cmocka_unit_test(acquire_child_on_newest),
		cmocka_unit_test(drop_after_dpd),
		cmocka_unit_test(pass_after_dpd),
		cmocka_unit_test(drop_peer_close),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
