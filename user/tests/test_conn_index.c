// SPDX-License-Identifier: GPL-2.0
/*
 * Connection matching by index (engine/conn_index.c, engine_match_next)
 * against the scan it replaced, kept here as the reference: on random
 * configurations, the same connections in the same order, with the same
 * proposal sets; reloads and a shortened list included. The index under
 * it (engine/hindex.c), colliding hashes included. And configuration
 * loading: linear in the number of connections and children.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "engine/engine.h"
#include "engine/exchange.h"
#include "engine/hindex.h"

/* The scan engine_match_next() was: three passes over every connection. */
static int ref_rank(const struct conn *c, const struct ip_addr *local,
		    const struct ip_addr *remote)
{
	int rank = 0;

	if (c->local.family) {
		if (!ip_addr_equal(&c->local, local))
			return -1;
		rank++;
	}
	if (c->remote.family) {
		if (!ip_addr_equal(&c->remote, remote))
			return -1;
		rank++;
	}
	return rank;
}

struct ref_match {
	unsigned int pass, i;
};

static const struct conn *ref_next(const struct engine *e,
				   const struct ip_addr *local,
				   const struct ip_addr *remote,
				   struct ref_match *it)
{
	const struct conn *c;

	for (; it->pass < 3; it->pass++, it->i = 0)
		while (it->i < e->n_conns) {
			c = e->conns[it->i++];
			if (ref_rank(c, local, remote) == 2 - (int)it->pass)
				return c;
		}
	return NULL;
}

/* A small pool, so that addresses repeat: v4, v6, and one of each unset. */
static void pool_addr(unsigned int k, struct ip_addr *a)
{
	static const char *const pool[] = {
		"192.0.2.1", "192.0.2.2", "198.51.100.7", "10.0.0.1",
		"2001:db8::1", "2001:db8::2", "fe80::1",
	};

	memset(a, 0, sizeof(*a));
	if (k < sizeof(pool) / sizeof(pool[0]))
		assert_int_equal(ip_addr_parse(pool[k], a), 0);
}

/* The same connections, in the same order, with the same sets. */
static void same_as_scan(const struct engine *e, const struct ip_addr *l,
			 const struct ip_addr *r)
{
	struct engine_match it = { 0 };
	struct ref_match ref = { 0, 0 };
	const struct conn *c, *want;

	do {
		c = engine_match_next(e, l, r, &it);
		want = ref_next(e, l, r, &ref);
		assert_ptr_equal(c, want);
		if (c)
			assert_int_equal(engine_match_set(e, &it),
					 e->conn_set[ref.i - 1]);
	} while (c);
	/* And it stays at the end. */
	assert_null(engine_match_next(e, l, r, &it));
	want = ref_next(e, l, r, &(struct ref_match){ 0, 0 });
	assert_ptr_equal(engine_match_conn(e, l, r, NULL), want);
}

/* Every pair of the pool (and beyond it: no connection's) as a query. */
static void all_queries(const struct engine *e)
{
	struct ip_addr l, r;

	for (unsigned int i = 0; i < 9; i++)
		for (unsigned int j = 0; j < 9; j++) {
			pool_addr(i, &l);
			pool_addr(j, &r);
			same_as_scan(e, &l, &r);
		}
}

/* n random connections; a third of the addresses unset, for rank 1 and 0. */
static void random_conns(struct conn *c, unsigned int n, unsigned int *seed)
{
	for (unsigned int i = 0; i < n; i++) {
		memset(&c[i], 0, sizeof(c[i]));
		pool_addr((unsigned int)rand_r(seed) % 10, &c[i].local);
		pool_addr((unsigned int)rand_r(seed) % 10, &c[i].remote);
		/* Two proposal lists, for two sets. */
		c[i].n_ike = (unsigned int)rand_r(seed) % 2;
	}
}

static void random_configurations(void **state)
{
	unsigned int seed = 11, n;
	struct conn *c = calloc(400, sizeof(*c));
	struct engine e;

	(void)state;
	assert_non_null(c);
	assert_int_equal(engine_init(&e, NULL, NULL), 0);
	for (int round = 0; round < 60; round++) {
		n = (unsigned int)rand_r(&seed) % 400;
		random_conns(c, n, &seed);
		/* A reload: the index forgets the last ones. */
		engine_clear_conns(&e);
		for (unsigned int i = 0; i < n; i++)
			assert_int_equal(engine_add_conn(&e, &c[i]), 0);
		assert_int_equal(e.n_conns, n);
		all_queries(&e);
	}
	engine_free(&e);
	free(c);
}

/* Connections added one by one: right after each addition. */
static void grows(void **state)
{
	unsigned int seed = 5;
	struct conn *c = calloc(300, sizeof(*c));
	struct engine e;

	(void)state;
	assert_non_null(c);
	assert_int_equal(engine_init(&e, NULL, NULL), 0);
	random_conns(c, 300, &seed);
	for (unsigned int i = 0; i < 300; i++) {
		assert_int_equal(engine_add_conn(&e, &c[i]), 0);
		if (i % 37 == 0 || i < 20)
			all_queries(&e);
	}
	engine_free(&e);
	free(c);
}

/* n_conns set lower by hand (the engine's tests do): the scan's end. */
static void shortened(void **state)
{
	unsigned int seed = 3;
	struct conn *c = calloc(100, sizeof(*c));
	struct engine e;

	(void)state;
	assert_non_null(c);
	assert_int_equal(engine_init(&e, NULL, NULL), 0);
	random_conns(c, 100, &seed);
	for (unsigned int i = 0; i < 100; i++)
		assert_int_equal(engine_add_conn(&e, &c[i]), 0);
	for (unsigned int n = 100; n > 0; n -= 9) {
		e.n_conns = n;
		all_queries(&e);
		if (n < 9)
			break;
	}
	e.n_conns = 0;
	all_queries(&e);
	engine_free(&e);
	free(c);
}

/* Rank 2 before 1 before 0, whatever the order of configuration. */
static void ranks(void **state)
{
	struct conn c[5];
	struct ip_addr l, r, other;
	struct engine_match it = { 0 };
	struct engine e;

	(void)state;
	memset(c, 0, sizeof(c));
	pool_addr(0, &l);
	pool_addr(4, &r);
	pool_addr(1, &other);
	/* none, remote, local, both, both for another local */
	c[1].remote = r;
	c[2].local = l;
	c[3].local = l;
	c[3].remote = r;
	c[4].local = other;
	c[4].remote = r;
	assert_int_equal(engine_init(&e, NULL, NULL), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(engine_add_conn(&e, &c[i]), 0);
	assert_ptr_equal(engine_match_next(&e, &l, &r, &it), &c[3]);
	assert_ptr_equal(engine_match_next(&e, &l, &r, &it), &c[1]);
	assert_ptr_equal(engine_match_next(&e, &l, &r, &it), &c[2]);
	assert_ptr_equal(engine_match_next(&e, &l, &r, &it), &c[0]);
	assert_null(engine_match_next(&e, &l, &r, &it));
	engine_free(&e);
}

/* The index under it: many positions under one hash, and growth. */
static void hindex_collisions(void **state)
{
	struct hindex t;
	unsigned int seen[1000] = { 0 };
	uint32_t p;
	size_t cur;

	(void)state;
	hindex_init(&t);
	assert_int_equal(hindex_first(&t, 1, &cur), HINDEX_END);
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(hindex_add(&t, i % 3 ? i : 42, i), 0);
	assert_true(t.mask + 1 >= 2 * t.n);
	for (p = hindex_first(&t, 42, &cur); p != HINDEX_END;
	     p = hindex_next(&t, 42, &cur))
		seen[p]++;
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(seen[i], i % 3 ? 0 : 1);
	for (uint32_t i = 1; i < 1000; i++) {
		if (!(i % 3))
			continue;
		p = hindex_first(&t, i, &cur);
		assert_int_equal(p, i);
		assert_int_equal(hindex_next(&t, i, &cur), HINDEX_END);
	}
	hindex_clear(&t);
	assert_int_equal(hindex_first(&t, 42, &cur), HINDEX_END);
	hindex_free(&t);
}

/*
 * CPU seconds to load n connections with a child each (the children
 * last): the machine's other work does not count.
 */
static double load_time(unsigned int n)
{
	size_t room = (size_t)n * 160, len = 0;
	char *text = malloc(room), path[64], err[512], name[16];
	struct timespec a, b;
	struct conf *c;
	int fd;

	assert_non_null(text);
	for (unsigned int i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, room - len,
			"[conn c%u]\nlocal = 192.0.2.1\nremote = 10.%u.%u.1\n"
			"psk = sixteen-byte-key\n", i, i >> 8, i & 0xff);
	for (unsigned int i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, room - len,
			"[child c%u/a]\nlocal_ts = 192.0.2.0/24\n"
			"remote_ts = 10.%u.%u.0/24\n", i, i >> 8, i & 0xff);
	assert_true(len < room);
	snprintf(path, sizeof(path), "/tmp/test_conn_index.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	free(text);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	if (conf_load(path, &c, err, sizeof(err)))
		fail_msg("refused: %s", err);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	unlink(path);
	assert_int_equal(c->n_conns, n);
	snprintf(name, sizeof(name), "c%u", n - 1);
	assert_ptr_equal(conf_find(c, name), &c->conns[n - 1]);
	assert_int_equal(c->conns[n - 1].n_children, 1);
	assert_null(conf_find(c, "c"));
	conf_free(c);
	return (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
}

/*
 * Four times the connections, about four times the time: a quadratic
 * load takes sixteen. The best of three runs of each, and a bound of
 * eight, so that a busy machine does not fail it.
 */
static void load_linear(void **state)
{
	double small = 1e9, large = 1e9, t;

	(void)state;
	for (int i = 0; i < 3; i++) {
		t = load_time(2500);
		if (t < small)
			small = t;
		t = load_time(10000);
		if (t < large)
			large = t;
	}
	print_message("load: 2500 connections %.3f s, 10000 %.3f s "
		      "(x%.1f)\n", small, large, large / small);
	assert_true(large < 8 * small);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ranks),
		cmocka_unit_test(random_configurations),
		cmocka_unit_test(grows),
		cmocka_unit_test(shortened),
		cmocka_unit_test(hindex_collisions),
		cmocka_unit_test(load_linear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
