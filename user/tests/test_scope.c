// SPDX-License-Identifier: GPL-2.0
/*
 * The scope of interface-wide kernel operations: every Child SA of an IKE
 * SA has a reqid of the IKE SA's block, two IKE SAs have two blocks, a
 * rekeyed IKE SA keeps its predecessor's, and ikesa_kernel_scope() covers
 * exactly the IKE SA's own SAs and policies in the kernel (the fake
 * backend matches as the module and the XFRM fallback do).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/child_sa.h"
#include "engine/conn.h"
#include "engine/engine.h"
#include "engine/ike_sa.h"
#include "ike/constants.h"
#include "backend/backend.h"

#include "harness.h"

static struct world *world_new(void)
{
	struct world *w = test_world_new(IKE_DH_CURVE25519, true);

	for (int i = 0; i < 2; i++) {
		/* Two IKE SAs of one connection stay side by side. */
		w->c[i].unique = CONN_UNIQUE_NEVER;
	}
	assert_int_equal(engine_add_conn(&w->e[1], &w->c[1]), 0);
	return w;
}

static struct ikesa *establish(struct world *w, uint64_t now)
{
	struct ikesa *sa = engine_initiate(&w->e[0], &w->c[0], now);

	assert_non_null(sa);
	pump(w, now);
	assert_int_equal(sa->state, IKESA_ESTABLISHED);
	return sa;
}

static bool in_block(uint32_t reqid, const struct ikesa *sa)
{
	return (reqid & IKESA_REQID_MASK) == sa->reqid_base;
}

static void children_in_block(const struct ikesa *sa)
{
	const struct childsa *c;

	assert_true(sa->reqid_base != 0);
	assert_int_equal(sa->reqid_base & ~IKESA_REQID_MASK, 0);
	for (c = sa->children; c; c = c->next) {
		assert_true(in_block(c->reqid, sa));
		assert_true(c->reqid != sa->reqid_base);
	}
}

/* An IKE SA's Child SAs, however many, have reqids of its block. */
static void children_share_block(void **state)
{
	struct world *w = world_new();
	struct ikesa *sa = establish(w, 0);

	assert_int_equal(engine_create_child(&w->e[0], sa, 10), 0);
	pump(w, 10);
	assert_int_equal(engine_create_child(&w->e[0], sa, 20), 0);
	pump(w, 20);
	assert_int_equal(n_children(sa), 3);
	children_in_block(sa);
	assert_int_equal(sa->children->reqid == sa->children->next->reqid, 0);
	children_in_block(only_sa(w, 1));
	test_world_free(w);
}

/* Two IKE SAs, even of one connection to one peer, have two blocks. */
static void two_ike_sas_two_blocks(void **state)
{
	struct world *w = world_new();
	struct ikesa *a = establish(w, 0), *b = establish(w, 10);

	assert_ptr_not_equal(a, b);
	assert_true(a->reqid_base != b->reqid_base);
	children_in_block(a);
	children_in_block(b);
	assert_false(in_block(a->children->reqid, b));
	assert_false(in_block(b->children->reqid, a));
	test_world_free(w);
}

/* A rekeyed IKE SA keeps its Child SAs and so its predecessor's block. */
static void rekey_keeps_block(void **state)
{
	struct world *w = world_new();
	struct ikesa *old = establish(w, 0), *sa;
	uint32_t base = old->reqid_base;

	assert_int_equal(engine_rekey_ike(&w->e[0], old, 10), 0);
	pump(w, 10);
	sa = only_sa(w, 0);
	assert_ptr_not_equal(sa, old);
	assert_int_equal(sa->reqid_base, base);
	children_in_block(sa);
	/* A Child SA made after the rekey gets a reqid of the block too. */
	assert_int_equal(engine_create_child(&w->e[0], sa, 20), 0);
	pump(w, 20);
	assert_int_equal(n_children(sa), 2);
	children_in_block(sa);
	test_world_free(w);
}

/* What of the fake kernel is of sa's block: SAs and policies. */
static void count_block(const struct fake *f, const struct ikesa *sa,
			const struct ip_addr *at, unsigned int *sas,
			unsigned int *pols)
{
	*sas = *pols = 0;
	for (unsigned int i = 0; i < f->n_sas; i++)
		if (f->sa_live[i] && in_block(f->sas[i].reqid, sa) &&
		    (ip_addr_equal(&f->sas[i].src, at) ||
		     ip_addr_equal(&f->sas[i].dst, at)))
			(*sas)++;
	for (unsigned int i = 0; i < f->n_pols; i++)
		if (f->pol_live[i] && in_block(f->pols[i].reqid, sa) &&
		    (ip_addr_equal(&f->pols[i].tmpl_src, at) ||
		     ip_addr_equal(&f->pols[i].tmpl_dst, at)))
			(*pols)++;
}

/*
 * Two IKE SAs share our address; a move scoped by one moves its SAs and
 * policies only, and the other's stay on the address.
 */
static void scope_moves_one_ike_sa(void **state)
{
	struct world *w = world_new();
	struct ikesa *a = establish(w, 0), *b = establish(w, 10);
	struct kernel_iface_result r;
	struct kernel_scope s;
	struct kernel_move m = { 0 };
	struct fake *f = &w->f[0];
	unsigned int a_sas, a_pols, b_sas, b_pols, n;

	m.old = a->children->local;
	assert_true(ip_addr_equal(&m.old, &b->children->local));
	assert_int_equal(ip_addr_parse("192.0.2.99", &m.new), 0);
	count_block(f, a, &m.old, &a_sas, &a_pols);
	count_block(f, b, &m.old, &b_sas, &b_pols);
	/*
	 * Both have their SAs there; their policies, of one selector, are
	 * one IKE SA's (XFRM keeps one policy per selector).
	 */
	assert_true(a_sas >= 2 && b_sas >= 2 && a_pols + b_pols >= 2);

	ikesa_kernel_scope(a, &s);
	assert_int_equal(s.reqid, a->reqid_base);
	assert_int_equal(s.reqid_mask, IKESA_REQID_MASK);
	assert_int_equal(f->b.ops->move_addr(&f->b, &m, &s, &r), 0);
	assert_int_equal(r.states, a_sas);
	assert_int_equal(r.policies, a_pols);
	/* a's are all at the new address, none at the old. */
	count_block(f, a, &m.new, &n, &a_pols);
	assert_int_equal(n, a_sas);
	count_block(f, a, &m.old, &n, &a_pols);
	assert_int_equal(n + a_pols, 0);
	/* b's did not move. */
	count_block(f, b, &m.old, &n, &a_pols);
	assert_int_equal(n, b_sas);
	assert_int_equal(a_pols, b_pols);
	count_block(f, b, &m.new, &n, &a_pols);
	assert_int_equal(n + a_pols, 0);
	test_world_free(w);
}

/*
 * "iface del" withdraws an address of ours: the peer's, which every
 * Child SA has as its remote address, is not one, and nothing is sent
 * or deleted (without MIF it would be a plain Delete of them all).
 */
static void delete_takes_our_address_only(void **state)
{
	struct world *w = world_new();
	struct ikesa *sa = establish(w, 0);
	struct engine_mif_delete r;
	unsigned int sent = w->sent, del_sa = w->f[0].n_del_sa;
	struct ip_addr peer = sa->remote;

	assert_true(ip_addr_equal(&sa->children->remote, &peer));
	assert_int_equal(engine_mif_delete(&w->e[0], NULL, &peer, 10, &r),
			 -ENOENT);
	assert_int_equal(r.sent + r.plain + r.children, 0);
	pump(w, 10);
	assert_int_equal(w->sent, sent);
	assert_int_equal(w->f[0].n_del_sa, del_sa);
	assert_int_equal(w->f[0].n_delete, 0);
	assert_int_equal(n_children(sa), 1);
	assert_int_equal(n_children(only_sa(w, 1)), 1);
	test_world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(children_share_block),
		cmocka_unit_test(two_ike_sas_two_blocks),
		cmocka_unit_test(rekey_keeps_block),
		cmocka_unit_test(scope_moves_one_ike_sa),
		cmocka_unit_test(delete_takes_our_address_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
