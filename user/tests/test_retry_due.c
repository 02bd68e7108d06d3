// SPDX-License-Identifier: GPL-2.0
/*
 * The retry table's due-time order (daemon/retry.c) with many
 * connections to a peer that never answers: retry_next_deadline() is
 * the earliest next attempt, as a walk of every run finds it; a pass of
 * retry_run() starts every attempt due and no other; the heap holds the
 * WAITING runs and the list the TRYING ones, exactly, through failures,
 * a reload that keeps some runs and drops others, and ike down.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "daemon/log.h"
#include "daemon/retry.h"
#include "engine/ike_sa.h"
#include "ike/constants.h"
#include "harness.h"

#define N_CONNS		40

struct rig {
	struct fake f;
	struct engine e;
	struct conf conf;
	struct conf_conn cc[N_CONNS];
	struct retries t;
	uint64_t now;
};

static void lost(void *ctx, const struct ip_addr *local, uint16_t lport,
		 const struct ip_addr *remote, uint16_t rport,
		 const uint8_t *buf, size_t len)
{
}

static void on_event(void *ctx, const struct engine_event *ev)
{
	struct rig *r = ctx;

	retry_event(&r->t, &r->conf, &r->e, ev, r->now);
}

/* The heap and the list hold exactly the WAITING and TRYING runs. */
static void check_table(const struct retries *t)
{
	unsigned int waiting = 0, trying = 0, listed = 0, active = 0;
	uint64_t d = 0;

	for (unsigned int i = 0; i < t->n; i++) {
		const struct conn_retry *c = &t->r[i];

		active += c->state != RETRY_IDLE;
		assert_int_equal(timer_heap_has(&c->due),
				 c->state == RETRY_WAITING);
		assert_int_equal(c->try_pprev != NULL,
				 c->state == RETRY_TRYING);
		if (c->state == RETRY_WAITING) {
			waiting++;
			if (!d || c->next_at < d)
				d = c->next_at;
		}
		trying += c->state == RETRY_TRYING;
	}
	for (const struct conn_retry *c = t->trying; c; c = c->try_next) {
		assert_int_equal(c->state, RETRY_TRYING);
		listed++;
	}
	assert_int_equal(listed, trying);
	assert_int_equal(t->due.n, waiting);
	assert_int_equal(t->n_active, active);
	assert_int_equal(retry_next_deadline(t), d);
}

static struct rig *rig_new(void)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct engine_send s = { lost, NULL };
	struct engine_events ev = { on_event, NULL };

	assert_non_null(r);
	log_set_level(LOG_ERR);
	r->f.b.ops = &fake_ops;
	r->f.b.priv = &r->f;
	r->f.next_spi = 0xa0000000u;
	assert_int_equal(engine_init(&r->e, &r->f.b, &s), 0);
	ev.ctx = r;
	engine_set_events(&r->e, &ev);
	for (unsigned int i = 0; i < N_CONNS; i++) {
		struct conf_conn *cc = &r->cc[i];

		make_conn(&cc->conn, 0, IKE_DH_CURVE25519, true);
		cc->conn.retrans_base_ms = 100;
		cc->conn.retrans_tries = 1;
		snprintf(cc->name, sizeof(cc->name), "c%u", i);
		cc->conn.name = cc->name;
		assert_int_equal(engine_add_conn(&r->e, &cc->conn), 0);
	}
	r->conf.conns = r->cc;
	r->conf.n_conns = N_CONNS;
	assert_int_equal(retries_renew(&r->t, NULL, &r->conf), 0);
	r->now = 1000;
	return r;
}

static void rig_free(struct rig *r)
{
	engine_set_events(&r->e, NULL);
	engine_free(&r->e);
	retries_free(&r->t);
	free(r);
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

/* The main loop until the clock reads until, checked at each pass. */
static void run_until(struct rig *r, uint64_t until)
{
	for (int guard = 0; guard < 100000; guard++) {
		unsigned int before[N_CONNS];
		bool due[N_CONNS];
		uint64_t d;

		engine_tick(&r->e, r->now);
		for (unsigned int i = 0; i < r->t.n; i++) {
			before[i] = r->t.r[i].attempt;
			due[i] = r->t.r[i].state == RETRY_WAITING &&
				 r->t.r[i].next_at <= r->now;
		}
		retry_run(&r->t, &r->conf, &r->e, r->now);
		check_table(&r->t);
		/* The due started (or found theirs), the others did not. */
		for (unsigned int i = 0; i < r->t.n; i++)
			assert_int_equal(r->t.r[i].attempt,
					 before[i] + due[i]);
		d = earliest(engine_next_deadline(&r->e),
			     retry_next_deadline(&r->t));
		if (!d || d > until) {
			r->now = until;
			return;
		}
		if (d > r->now)
			r->now = d;
	}
	fail_msg("no end in sight");
}

static void only_the_due_run(void **state)
{
	struct rig *r = rig_new();

	(void)state;
	check_table(&r->t);
	/* Started a few ms apart: their backoffs interleave. */
	for (unsigned int i = 0; i < N_CONNS; i++) {
		r->now = 1000 + 7 * i;
		assert_non_null(retry_start(&r->t, &r->conf, i, &r->e,
					    r->now, ""));
		check_table(&r->t);
	}
	run_until(r, 40000);
	/* 1, 2, 4, 8, 16 s pauses (less a quarter at most): 5 or more. */
	for (unsigned int i = 0; i < N_CONNS; i++)
		assert_true(r->t.r[i].attempt >= 5);
	rig_free(r);
}

static void reload_and_down(void **state)
{
	struct rig *r = rig_new();
	struct conf half = { .conns = &r->cc[N_CONNS / 2],
			     .n_conns = N_CONNS / 2 };

	(void)state;
	for (unsigned int i = 0; i < N_CONNS; i++)
		retry_start(&r->t, &r->conf, i, &r->e, r->now, "");
	run_until(r, 5000);
	/* Half the connections go; the runs of the others are kept. */
	assert_int_equal(retries_renew(&r->t, &r->conf, &half), 0);
	check_table(&r->t);
	assert_int_equal(r->t.n_active, N_CONNS / 2);
	assert_int_equal(retries_renew(&r->t, &half, &r->conf), 0);
	check_table(&r->t);
	assert_int_equal(r->t.n_active, N_CONNS / 2);
	/* Stopped one by one, each out of the heap or the list. */
	for (unsigned int i = 0; i < N_CONNS; i++) {
		retry_cancel(&r->t, &r->conf, i);
		check_table(&r->t);
	}
	assert_int_equal(retry_next_deadline(&r->t), 0);
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(only_the_due_run),
		cmocka_unit_test(reload_and_down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
