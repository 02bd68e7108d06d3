// SPDX-License-Identifier: GPL-2.0
/*
 * The cap on established IKE SAs per pair of identities (engine/id_cap.c,
 * max_ike_sas_per_id), with two engines in memory: the IKE_AUTH beyond
 * the cap is answered AUTHENTICATION_FAILED and nothing of it kept; room
 * again once one goes; an IKE SA being rekeyed counts once; a reconnect
 * that replaces its old IKE SA (unique = replace) is not refused; the
 * refusals are logged once a second at most.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "engine/conn.h"
#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "ike/notify.h"
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

/*
 * B counts the IKE_AUTH requests it refused and logged, A the refusals
 * it received.
 */
static unsigned int refused_logged, refusals_heard;

static void on_event(void *ctx, const struct engine_event *ev)
{
	if (ev->type != ENGINE_EV_FAILED ||
	    ev->failure->notify != IKE_N_AUTHENTICATION_FAILED)
		return;
	if (ev->failure->sent)
		refused_logged++;
	else
		refusals_heard++;
}

/* A and B, B's cap at cap, both keeping duplicates unless unique. */
static struct world *world_new(unsigned int cap, bool unique)
{
	struct world *w = calloc(1, sizeof(*w));
	struct engine_events ev = { on_event, NULL };

	assert_non_null(w);
	for (int i = 0; i < 2; i++) {
		w->p[i].w = w;
		w->p[i].id = i;
		make_conn(&w->c[i], i, IKE_DH_CURVE25519, true);
		if (!unique)
			w->c[i].unique = CONN_UNIQUE_NEVER;
		world_start(w, i);
	}
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	w->e[1].max_ike_sas_per_id = cap;
	engine_set_events(&w->e[0], &ev);
	engine_set_events(&w->e[1], &ev);
	refused_logged = refusals_heard = 0;
	return w;
}

static void world_free(struct world *w)
{
	drop_all(w);
	engine_free(&w->e[0]);
	engine_free(&w->e[1]);
	free(w);
}

static unsigned int n_sas(const struct engine *e)
{
	unsigned int n = 0;

	for (const struct ikesa *sa = e->sas; sa; sa = sa->next)
		n += sa->state != IKESA_DEAD;
	return n;
}

/* A sets up an IKE SA to B, not refused (else it is freed). */
static struct ikesa *up(struct world *w, uint64_t now)
{
	unsigned int heard = refusals_heard;
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], now);

	assert_non_null(sa);
	pump(w, now);
	assert_int_equal(refusals_heard, heard);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	assert_true(sa->children && sa->children->installed);
	return sa;
}

/*
 * A's new IKE SA, refused by B with AUTHENTICATION_FAILED: gone on both
 * sides (freed), nothing kept.
 */
static void refused(struct world *w, uint64_t now, unsigned int b_sas)
{
	unsigned int a_sas = n_sas(&w->e[0]), heard = refusals_heard;
	unsigned int kernel = live_sas(&w->f[1]);

	assert_non_null(engine_initiate(&w->e[0], &w->c[0], now));
	pump(w, now);
	assert_int_equal(refusals_heard, heard + 1);
	assert_int_equal(n_sas(&w->e[0]), a_sas);
	assert_int_equal(n_sas(&w->e[1]), b_sas);
	assert_int_equal(live_sas(&w->f[1]), kernel);
	assert_int_equal(w->e[1].n_half_open, 0);
}

/* N up, the next refused, one taken down, the next accepted. */
static void cap_reached(void **state)
{
	struct world *w = world_new(2, false);
	struct ikesa *a1;

	a1 = up(w, 0);
	up(w, 1);
	assert_int_equal(n_sas(&w->e[1]), 2);
	refused(w, 2, 2);
	assert_int_equal(refused_logged, 1);
	/* Again within the second: refused, not logged. */
	refused(w, 500, 2);
	assert_int_equal(refused_logged, 1);
	/* A second later: logged again. */
	refused(w, 1002, 2);
	assert_int_equal(refused_logged, 2);
	/* One down: room for one. */
	assert_int_equal(engine_delete_ike(&w->e[0], a1, 1100), 0);
	pump(w, 1100);
	assert_int_equal(n_sas(&w->e[1]), 1);
	up(w, 1200);
	assert_int_equal(n_sas(&w->e[1]), 2);
	refused(w, 1300, 2);
	/* No cap: any number. */
	w->e[1].max_ike_sas_per_id = 0;
	up(w, 1400);
	assert_int_equal(n_sas(&w->e[1]), 3);
	world_free(w);
}

/* A rekey of one of the N is not refused, and the two count once. */
static void rekey_counts_once(void **state)
{
	struct world *w = world_new(2, false);
	struct ikesa *a1, *a2, *a3;
	struct dgram d;

	a1 = up(w, 0);
	a2 = up(w, 1);
	/* Both rekeyed by A, one by B: all still there. */
	assert_int_equal(engine_rekey_ike(&w->e[0], a1, 2), 0);
	pump(w, 2);
	assert_int_equal(engine_rekey_ike(&w->e[1], w->e[1].sas, 3), 0);
	pump(w, 3);
	assert_int_equal(n_sas(&w->e[1]), 2);
	assert_int_equal(n_sas(&w->e[0]), 2);
	refused(w, 4, 2);

	/*
	 * Cap 3 with 2 up: while B waits for the Delete of an IKE SA the
	 * peer rekeyed, old and new count once, and a third is taken.
	 */
	w->e[1].max_ike_sas_per_id = 3;
	a2 = w->e[0].sas;
	while (a2 && a2->state != IKESA_ESTABLISHED)
		a2 = a2->next;
	assert_non_null(a2);
	a3 = engine_initiate(&w->e[0], &w->c[0], 10);
	assert_non_null(a3);
	for (int i = 0; i < 2; i++)	/* IKE_SA_INIT */
		deliver_next(w, 10);
	d = pop(w);			/* a3's IKE_AUTH, held */
	assert_int_equal(engine_rekey_ike(&w->e[0], a2, 11), 0);
	{
		struct dgram r = pop(w);	/* the rekey request */

		deliver(w, &r, 11);
		free(r.buf);
	}
	/* Old and new, the other, a3 half open. */
	assert_int_equal(n_sas(&w->e[1]), 4);
	deliver(w, &d, 12);
	free(d.buf);
	pump(w, 12);
	assert_int_equal(a3->state, IKESA_ESTABLISHED);
	assert_int_equal(n_sas(&w->e[1]), 3);
	assert_int_equal(refused_logged, 1);
	world_free(w);
}

/*
 * unique = replace: a peer that comes back (a new IKE SA of the same
 * connection and identities) replaces its old IKE SA, and is not
 * refused for it, even at a cap of 1.
 */
static void replace_not_refused(void **state)
{
	struct world *w = world_new(1, true);

	up(w, 0);
	up(w, 1);
	pump(w, 2);
	assert_int_equal(n_sas(&w->e[1]), 1);
	assert_int_equal(refused_logged, 0);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cap_reached),
		cmocka_unit_test(rekey_counts_once),
		cmocka_unit_test(replace_not_refused),
	};

	return cmocka_run_group_tests_name("id_cap", tests, NULL, NULL);
}
