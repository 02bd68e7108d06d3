// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel policies shared by Child SAs with the same selectors, through
 * the engine's policy table, against a fake backend with XFRM's policy
 * semantics (harness.c: one policy per selector and direction, UPDPOLICY
 * replaces, DELPOLICY deletes whatever the template): a reconnecting
 * peer, rekeys, rekey collisions, CHILD_SA_NOT_FOUND recovery.
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
#include "ike/notify.h"
#include "kernel/backend.h"

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
		struct dgram d = pop(w);

		deliver(w, &d, now);
		free(d.buf);
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
	struct dgram d;
	uint64_t t;

	ikesa_del_child(b, b->children, ENGINE_R_CLOSED);
	nothing_left(w, 1);
	t = a->children->rekey_at;
	engine_tick(&w->e[0], t);
	d = pop(w);
	deliver(w, &d, t);		/* B: CHILD_SA_NOT_FOUND */
	free(d.buf);
	d = pop(w);
	deliver(w, &d, t);		/* A: the old SA out, a new one asked */
	free(d.buf);
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
	struct dgram d;
	uint64_t t;

	ikesa_del_child(b, b->children, ENGINE_R_CLOSED);
	t = a->children->rekey_at;
	engine_tick(&w->e[0], t);
	d = pop(w);
	deliver(w, &d, t);
	free(d.buf);
	d = pop(w);
	deliver(w, &d, t);
	free(d.buf);
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

/* The table alone, against the fake backend. */

static struct kernel_policy tpol(uint32_t reqid, const char *net)
{
	struct kernel_policy p;

	memset(&p, 0, sizeof(p));
	assert_int_equal(ip_addr_parse("10.1.0.0", &p.sel.src), 0);
	assert_int_equal(ip_addr_parse(net, &p.sel.dst), 0);
	p.sel.src_len = 16;
	p.sel.dst_len = 32;
	p.dir = KERNEL_DIR_OUT;
	p.mode = KERNEL_MODE_TUNNEL;
	p.reqid = reqid;
	assert_int_equal(ip_addr_parse("192.0.2.1", &p.tmpl_src), 0);
	assert_int_equal(ip_addr_parse(reqid & 1 ? "198.51.100.2" :
				       "203.0.113.9", &p.tmpl_dst), 0);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table),
		cmocka_unit_test(table_many),
		cmocka_unit_test(table_refused),
		cmocka_unit_test(install_refused),
		cmocka_unit_test(reconnect_old_removed),
		cmocka_unit_test(reconnect_new_removed),
		cmocka_unit_test(rekey_initiator),
		cmocka_unit_test(rekey_responder),
		cmocka_unit_test(rekey_collision),
		cmocka_unit_test(rekey_not_found),
		cmocka_unit_test(rekey_not_found_dead),
		cmocka_unit_test(second_child),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
