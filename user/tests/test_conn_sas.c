// SPDX-License-Identifier: GPL-2.0
/*
 * Each connection's list of IKE SAs (conn_sas.c): the SAs a walk of one
 * connection visits are exactly those of the walk of every SA with that
 * connection, through random set-ups, destructions and changes of
 * connection (as IKE_AUTH's choice and a reload make them), for
 * connections the engine was given and one it was not; which
 * connections are current, before and after a reload's clear; and the
 * heads of connections neither current nor used are freed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"

#define N_CONNS		4	/* the last one never given to the engine */
#define MAX_SAS		400

static const struct backend_ops no_ops;

struct world {
	struct backend b;
	struct engine e;
	struct conn c[N_CONNS];
	struct ip_addr local, remote;
};

static struct world *world_new(void)
{
	static struct world w;
	static const char *const names[N_CONNS] = { "a", "b", "c", "loose" };

	memset(&w, 0, sizeof(w));
	w.b.ops = &no_ops;
	assert_int_equal(engine_init(&w.e, &w.b, NULL), 0);
	assert_int_equal(ip_addr_parse("192.0.2.1", &w.local), 0);
	assert_int_equal(ip_addr_parse("198.51.100.1", &w.remote), 0);
	for (unsigned int i = 0; i < N_CONNS; i++) {
		w.c[i].name = names[i];
		w.c[i].local = w.local;
		w.c[i].remote = w.remote;
		if (i < N_CONNS - 1)
			assert_int_equal(engine_add_conn(&w.e, &w.c[i]), 0);
	}
	return &w;
}

static struct ikesa *make(struct world *w, const struct conn *c)
{
	struct ikesa *sa = ikesa_new(&w->e, c, true, &w->local, 500,
				     &w->remote, 500);

	assert_non_null(sa);
	return sa;
}

/* The walk of c visits each SA of c once, and only those. */
static void check_conn(const struct engine *e, const struct conn *c)
{
	const struct ikesa *sa, *o;
	unsigned int all = 0, mine = 0;

	engine_for_each_sa(sa, e)
		all += sa->conn == c;
	engine_for_each_conn_sa(sa, e, c) {
		assert_ptr_equal(sa->conn, c);
		mine++;
		/* Not seen before on this walk. */
		engine_for_each_conn_sa(o, e, c) {
			if (o == sa)
				break;
		}
		assert_ptr_equal(o, sa);
	}
	assert_int_equal(mine, all);
}

static void check_all(struct world *w)
{
	for (unsigned int i = 0; i < N_CONNS; i++)
		check_conn(&w->e, &w->c[i]);
}

static void current_until_cleared(void **state)
{
	struct world *w = world_new();

	for (unsigned int i = 0; i < N_CONNS - 1; i++)
		assert_true(conn_sas_current(&w->e.conn_sas, &w->c[i]));
	assert_false(conn_sas_current(&w->e.conn_sas, &w->c[N_CONNS - 1]));
	assert_false(conn_sas_current(&w->e.conn_sas, NULL));
	make(w, &w->c[0]);
	make(w, &w->c[N_CONNS - 1]);
	/* A reload: nothing current; heads kept only where SAs are. */
	engine_clear_conns(&w->e);
	for (unsigned int i = 0; i < N_CONNS; i++)
		assert_false(conn_sas_current(&w->e.conn_sas, &w->c[i]));
	assert_int_equal(w->e.conn_sas.heads.n, 2);
	check_all(w);
	/* The new configuration's connection: current again. */
	assert_int_equal(engine_add_conn(&w->e, &w->c[1]), 0);
	assert_true(conn_sas_current(&w->e.conn_sas, &w->c[1]));
	assert_int_equal(w->e.conn_sas.heads.n, 3);
	while (w->e.sas)
		ikesa_destroy(w->e.sas);
	/* Only the current one's head is left. */
	assert_int_equal(w->e.conn_sas.heads.n, 1);
	engine_free(&w->e);
}

static void random_against_walk(void **state)
{
	struct world *w = world_new();
	struct ikesa *v[MAX_SAS];
	unsigned int n = 0;

	srand(11);
	for (unsigned int step = 0; step < 4000; step++) {
		unsigned int op = (unsigned int)rand() % 10;
		const struct conn *c = &w->c[(unsigned int)rand() % N_CONNS];

		if ((op < 5 || !n) && n < MAX_SAS) {
			v[n++] = make(w, c);
		} else if (op < 8) {
			unsigned int k = (unsigned int)rand() % n;

			ikesa_destroy(v[k]);
			v[k] = v[--n];
		} else {
			ikesa_set_conn(v[(unsigned int)rand() % n], c);
		}
		if (step % 1000 == 999) {
			/* A reload in the middle: the same connections again. */
			engine_clear_conns(&w->e);
			for (unsigned int i = 0; i < N_CONNS - 1; i++)
				assert_int_equal(engine_add_conn(&w->e,
								 &w->c[i]), 0);
		}
		check_all(w);
	}
	while (n)
		ikesa_destroy(v[--n]);
	assert_int_equal(w->e.conn_sas.heads.n, N_CONNS - 1);
	assert_null(w->e.conn_sas.strays);
	engine_free(&w->e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(current_until_cleared),
		cmocka_unit_test(random_against_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
