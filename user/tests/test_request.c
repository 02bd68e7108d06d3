// SPDX-License-Identifier: GPL-2.0
/*
 * Our request in flight (engine/request.h): an exchange's own state,
 * the Child SAs a request creates and the ones it deletes, several at
 * once, within their bounds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>

#include "engine/child_sa.h"
#include "engine/create_child_sa.h"
#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/ike_sa.h"
#include "engine/request.h"
#include "ike/constants.h"
#include "ike/delete.h"

#include "harness.h"

static struct world *world_new(void)
{
	struct world *w = test_world_new(IKE_DH_ECP_256, true);

	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	return w;
}

/* An IKE SA from A to B with n Child SAs. */
static struct ikesa *establish(struct world *w, unsigned int n)
{
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], 0);

	assert_non_null(sa);
	pump(w, 0);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	for (unsigned int i = 1; i < n; i++) {
		assert_int_equal(engine_create_child(&w->e[0], sa, 1), 0);
		pump(w, 1);
	}
	assert_int_equal(n_children(sa), n);
	assert_int_equal(n_children(only_sa(w, 1)), n);
	return sa;
}

/* One INFORMATIONAL deletes three Child SAs; its answer removes each. */
static void delete_several(void **state)
{
	struct world *w = world_new();
	struct ikesa *sa = establish(w, 3);
	struct childsa *cs[3];
	unsigned int i = 0;

	for (struct childsa *c = sa->children; c; c = c->next)
		cs[i++] = c;
	assert_int_equal(informational_delete_children(sa, cs, 3, 2), 0);
	for (i = 0; i < 3; i++)
		assert_true(informational_deletes(sa, cs[i]->spi_in));
	assert_false(informational_deletes(sa, cs[0]->spi_out));
	pump(w, 2);
	assert_null(sa->children);
	assert_null(only_sa(w, 1)->children);
	assert_false(informational_deletes(sa, 0));
	for (i = 0; i < 2; i++) {
		assert_int_equal(live_sas(&w->f[i]), 0);
		assert_int_equal(live_pols(&w->f[i]), 0);
	}
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	test_world_free(w);
}

/* None, or more than one Delete payload holds, is refused. */
static void delete_bounds(void **state)
{
	struct world *w = world_new();
	struct ikesa *sa = establish(w, 1);
	struct childsa *cs[IKE_DELETE_MAX_SPIS + 1];

	for (unsigned int i = 0; i <= IKE_DELETE_MAX_SPIS; i++)
		cs[i] = sa->children;
	assert_int_equal(informational_delete_children(sa, cs, 0, 2),
			 -EINVAL);
	assert_int_equal(informational_delete_children(sa, cs,
			 IKE_DELETE_MAX_SPIS + 1, 2), -EINVAL);
	assert_false(sa->req.active);
	assert_int_equal(n_children(sa), 1);
	test_world_free(w);
}

/*
 * A CREATE_CHILD_SA request holding several Child SAs: each has its SPI
 * allocated, and all go with the request when the IKE SA goes.
 */
static void children_go_with_request(void **state)
{
	struct world *w = world_new();
	struct ikesa *sa = establish(w, 1);
	struct ccs_request *cr;
	unsigned int allocs;

	assert_int_equal(engine_create_child(&w->e[0], sa, 1), 0);
	cr = create_child_sa_request(sa);
	assert_non_null(cr);
	assert_int_equal(cr->children.n, 1);
	allocs = live_allocs(&w->f[0]);
	for (unsigned int i = 0; i < 4; i++) {
		struct childsa *c = childsa_new(&sa->local, sa->local_port,
						&sa->remote, sa->remote_port,
						ikesa_reqid(sa));

		assert_non_null(c);
		assert_int_equal(childsa_alloc_spi(c, &w->f[0].b), 0);
		assert_int_equal(request_children_add(&cr->children, c), 0);
	}
	assert_int_equal(cr->children.n, 5);
	assert_int_equal(live_allocs(&w->f[0]), allocs + 4);
	ikesa_destroy(sa);
	assert_int_equal(live_allocs(&w->f[0]), 0);
	assert_int_equal(live_sas(&w->f[0]), 0);
	test_world_free(w);
}

/* A list takes REQUEST_MAX_CHILDREN, and no more. */
static void children_bound(void **state)
{
	struct request_children *l = calloc(1, sizeof(*l));
	struct request_children *out = calloc(1, sizeof(*out));
	struct childsa *c = (struct childsa *)l;	/* never read */

	assert_non_null(l);
	assert_non_null(out);
	for (unsigned int i = 0; i < REQUEST_MAX_CHILDREN; i++)
		assert_int_equal(request_children_add(l, c), 0);
	assert_int_equal(request_children_add(l, c), -ENOSPC);
	assert_int_equal(l->n, REQUEST_MAX_CHILDREN);
	request_children_take(l, out);
	assert_int_equal(l->n, 0);
	assert_int_equal(out->n, REQUEST_MAX_CHILDREN);
	assert_ptr_equal(out->c[REQUEST_MAX_CHILDREN - 1], c);
	free(l);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(delete_several),
		cmocka_unit_test(delete_bounds),
		cmocka_unit_test(children_go_with_request),
		cmocka_unit_test(children_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
