// SPDX-License-Identifier: GPL-2.0
/*
 * Trap policies (engine/trap.h) against the fake backend's XFRM policy
 * semantics: a trap is installed with reqids of block 0 and found again
 * by an acquire's reqid; a Child SA takes the trapped policies over and,
 * when it goes, they fall back to the trap instead of being deleted; a
 * trap put behind a Child SA that came first does not take its policies;
 * a reload replaces the traps without a moment without the policies;
 * removing the trap deletes what no Child SA needs; a Child SA the peer
 * deleted comes back on its IKE SA (engine_child_up()).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "engine/child_sa.h"
#include "engine/conn.h"
#include "engine/engine.h"
#include "engine/ike_sa.h"
#include "engine/trap.h"
#include "backend/backend.h"

#include "harness.h"

static struct world *world_new(void)
{
	struct world *w = test_world_new(IKE_DH_CURVE25519, true);

	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	return w;
}

static struct ikesa *establish(struct world *w, uint64_t now)
{
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], now);

	assert_non_null(sa);
	pump(w, now);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_non_null(sa->children);
	return sa;
}

/* Whether every live policy of f has the template of trap t. */
static bool points_at_trap(const struct fake *f, const struct trap *t)
{
	return fake_points_at(f, &t->tmpl);
}

/* Installed without SAs, with a reqid of block 0, found by it. */
static void install_and_find(void **state)
{
	struct world *w = world_new();
	struct fake *f = &w->f[0];
	const struct trap *t;

	assert_int_equal(engine_trap_install(&w->e[0], &w->c[0]), 1);
	assert_true(engine_trap_installed(&w->e[0], &w->c[0]));
	t = w->e[0].traps;
	assert_non_null(t);
	assert_true(t->tmpl.reqid >= TRAP_REQID_MIN &&
		    t->tmpl.reqid <= TRAP_REQID_MAX);
	assert_int_equal(t->tmpl.reqid & IKESA_REQID_MASK, 0);
	/* out, in, fwd of the one pair of selectors; no SA. */
	assert_int_equal(live_pols(f), 3);
	assert_int_equal(live_sas(f), 0);
	assert_true(points_at_trap(f, t));
	assert_ptr_equal(trap_find(&w->e[0], t->tmpl.reqid), t);
	assert_null(trap_find(&w->e[0], t->tmpl.reqid + 1));
	assert_ptr_equal(trap_find(&w->e[0], t->tmpl.reqid)->conn, &w->c[0]);
	/* Installing again does nothing. */
	assert_int_equal(engine_trap_install(&w->e[0], &w->c[0]), 0);
	assert_int_equal(live_pols(f), 3);

	engine_trap_remove(&w->e[0], &w->c[0]);
	assert_false(engine_trap_installed(&w->e[0], &w->c[0]));
	assert_int_equal(live_pols(f), 0);
	test_world_free(w);
}

/*
 * The Child SA takes the trapped policies over (no policy deleted on
 * the way), and when its IKE SA goes they fall back to the trap.
 */
static void child_over_trap(void **state)
{
	struct world *w = world_new();
	struct fake *f = &w->f[0];
	const struct trap *t;
	struct ikesa *sa;

	assert_int_equal(engine_trap_install(&w->e[0], &w->c[0]), 1);
	t = w->e[0].traps;
	sa = establish(w, 0);
	assert_int_equal(f->n_del_pol, 0);
	assert_int_equal(live_pols(f), 3);
	assert_true(fake_points_at(f, sa->children));

	/* The peer is gone (DPD): no Delete, the SAs go. */
	engine_drop_sa(sa, ENGINE_R_TIMEOUT);
	engine_tick(&w->e[0], 1000);
	assert_int_equal(live_sas(f), 0);
	assert_int_equal(live_pols(f), 3);
	assert_int_equal(f->n_del_pol, 0);
	assert_true(points_at_trap(f, t));

	/* Up again over the trap, and down by an unload of the trap. */
	sa = establish(w, 2000);
	assert_true(fake_points_at(f, sa->children));
	engine_trap_remove(&w->e[0], &w->c[0]);
	assert_true(fake_points_at(f, sa->children));
	assert_int_equal(live_pols(f), 3);
	engine_drop_sa(sa, ENGINE_R_LOCAL);
	engine_tick(&w->e[0], 3000);
	assert_int_equal(live_pols(f), 0);
	test_world_free(w);
}

/* A trap put behind a Child SA leaves its policies to it until it goes. */
static void trap_behind_child(void **state)
{
	struct world *w = world_new();
	struct fake *f = &w->f[0];
	struct ikesa *sa = establish(w, 0);
	unsigned int upd = f->n_upd_pol;

	assert_int_equal(engine_trap_install(&w->e[0], &w->c[0]), 1);
	assert_true(fake_points_at(f, sa->children));
	assert_int_equal(f->n_upd_pol, upd);
	/* The peer deletes the IKE SA: the policies fall back to the trap. */
	engine_drop_sa(sa, ENGINE_R_PEER);
	engine_tick(&w->e[0], 1000);
	assert_int_equal(live_pols(f), 3);
	assert_true(points_at_trap(f, w->e[0].traps));
	test_world_free(w);
}

/* A reload: the new traps stand beside the old before those go. */
static void reload_no_gap(void **state)
{
	struct world *w = world_new();
	struct fake *f = &w->f[0];
	struct conn next = w->c[0];
	uint32_t old_reqid;

	assert_int_equal(engine_trap_install(&w->e[0], &w->c[0]), 1);
	old_reqid = w->e[0].traps->tmpl.reqid;
	engine_traps_retire(&w->e[0]);
	assert_false(engine_trap_installed(&w->e[0], &w->c[0]));
	assert_null(trap_find(&w->e[0], old_reqid));
	assert_int_equal(engine_trap_install(&w->e[0], &next), 1);
	engine_traps_remove_retired(&w->e[0]);
	assert_int_equal(f->n_del_pol, 0);
	assert_int_equal(live_pols(f), 3);
	assert_true(engine_trap_installed(&w->e[0], &next));
	assert_true(w->e[0].traps->tmpl.reqid != old_reqid);
	assert_true(points_at_trap(f, w->e[0].traps));
	assert_null(w->e[0].traps->next);
	/* The engine's end removes it. */
	engine_free(&w->e[0]);
	assert_int_equal(live_pols(f), 0);
	memset(&w->e[0], 0, sizeof(w->e[0]));
	{
		struct engine_send s = { net_send, &w->p[0] };

		assert_int_equal(engine_init(&w->e[0], &f->b, &s), 0);
	}
	test_world_free(w);
}

/* A child without selectors both ways is not trapped. */
static void no_selectors(void **state)
{
	struct world *w = world_new();

	w->c[0].n_remote_ts = 0;
	assert_int_equal(engine_trap_install(&w->e[0], &w->c[0]), 0);
	assert_false(engine_trap_installed(&w->e[0], &w->c[0]));
	assert_int_equal(live_pols(&w->f[0]), 0);
	w->c[0].remote.family = 0;
	assert_true(engine_trap_install(&w->e[0], &w->c[0]) < 0);
	test_world_free(w);
}

/*
 * The peer deletes the Child SA; the IKE SA stays. The policies fall
 * back to the trap, and engine_child_up() (what an acquire of it does)
 * brings the child up again with one CREATE_CHILD_SA on the same IKE
 * SA, the policies handed from the trap to it without being deleted.
 */
static void child_up_on_ike_sa(void **state)
{
	struct world *w = world_new();
	struct fake *f = &w->f[0];
	struct ikesa *sa, *peer;
	uint64_t spi_i, spi_r;
	const struct trap *t;

	assert_int_equal(engine_trap_install(&w->e[0], &w->c[0]), 1);
	t = w->e[0].traps;
	sa = establish(w, 0);
	spi_i = sa->spi_i;
	spi_r = sa->spi_r;
	peer = only_sa(w, 1);
	assert_int_equal(engine_child_up(&w->e[0], sa, 0, 10), -EEXIST);
	assert_int_equal(engine_child_up(&w->e[0], sa, 1, 10), -ENOENT);

	/* mifctl ike child down on the peer: one Delete. */
	assert_int_equal(engine_child_down(&w->e[1], peer, 0, 100), 1);
	assert_int_equal(engine_child_down(&w->e[1], peer, 0, 100), -ENOENT);
	pump(w, 100);
	assert_int_equal(n_children(sa), 0);
	assert_int_equal(live_sas(f), 0);
	assert_int_equal(live_pols(f), 3);
	assert_int_equal(f->n_del_pol, 0);
	assert_true(points_at_trap(f, t));
	assert_int_equal(engine_trap_child(&w->e[0], t->tmpl.reqid), 0);
	assert_int_equal(engine_trap_child(&w->e[0], t->tmpl.reqid + 1), -1);

	/* The acquire: one request; those of the packets after it, none. */
	assert_int_equal(engine_child_up(&w->e[0], sa, 0, 200), 0);
	assert_int_equal(engine_child_up(&w->e[0], sa, 0, 200), -EALREADY);
	pump(w, 200);
	assert_ptr_equal(only_sa(w, 0), sa);
	assert_int_equal(sa->spi_i, spi_i);
	assert_int_equal(sa->spi_r, spi_r);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_int_equal(n_children(sa), 1);
	assert_int_equal(n_children(peer), 1);
	assert_true(sa->children->installed);
	assert_true(fake_points_at(f, sa->children));
	assert_int_equal(live_pols(f), 3);
	assert_int_equal(f->n_del_pol, 0);
	assert_int_equal(sa->n_want, 0);
	assert_int_equal(engine_child_up(&w->e[0], sa, 0, 300), -EEXIST);

	/* The IKE SA goes (DPD): back to the trap. */
	engine_drop_sa(sa, ENGINE_R_TIMEOUT);
	engine_tick(&w->e[0], 1000);
	assert_true(points_at_trap(f, t));
	test_world_free(w);
}

/* Asked for while a request is in flight: queued, sent after it. */
static void child_up_queued(void **state)
{
	struct world *w = world_new();
	struct ikesa *sa = establish(w, 0), *peer = only_sa(w, 1);

	assert_int_equal(engine_child_down(&w->e[1], peer, 0, 100), 1);
	pump(w, 100);
	assert_int_equal(n_children(sa), 0);
	assert_int_equal(engine_dpd(&w->e[0], sa, 200), 0);
	assert_int_equal(engine_child_up(&w->e[0], sa, 0, 200), 0);
	assert_int_equal(sa->n_want, 1);
	pump(w, 200);
	assert_int_equal(sa->n_want, 0);
	assert_int_equal(n_children(sa), 1);
	assert_true(sa->children->installed);
	test_world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(install_and_find),
		cmocka_unit_test(child_over_trap),
		cmocka_unit_test(trap_behind_child),
		cmocka_unit_test(reload_no_gap),
		cmocka_unit_test(no_selectors),
		cmocka_unit_test(child_up_on_ike_sa),
		cmocka_unit_test(child_up_queued),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
