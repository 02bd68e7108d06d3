// SPDX-License-Identifier: GPL-2.0
/*
 * The SA hash table (engine/sa_table.c): insertion, removal, growth and
 * lookup, colliding hashes included; and the hashes of the keys.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sa_table.h"

struct item {
	uint64_t key;
	struct sa_node node;
};

#define of_node(n) ((struct item *)((char *)(n) - offsetof(struct item, node)))

static struct item *lookup(const struct sa_table *t, uint64_t key)
{
	const struct sa_node *n;

	for (n = sa_table_first(t, key); n; n = sa_table_next(n))
		if (of_node(n)->key == key)
			return of_node(n);
	return NULL;
}

static void empty(void **state)
{
	struct sa_table t;
	struct item it = { .key = 1 };

	(void)state;
	sa_table_init(&t);
	assert_int_equal(sa_table_buckets(&t), 0);
	assert_null(sa_table_first(&t, 1));
	/* Removing what is not there is harmless. */
	sa_table_remove(&t, &it.node);
	sa_table_free(&t);
}

static void insert_lookup_remove(void **state)
{
	struct sa_table t;
	struct item a = { .key = 7 }, b = { .key = 9 };

	(void)state;
	sa_table_init(&t);
	assert_int_equal(sa_table_insert(&t, &a.node, a.key), 0);
	assert_int_equal(sa_table_insert(&t, &b.node, b.key), 0);
	assert_int_equal(sa_table_buckets(&t), SA_TABLE_MIN);
	assert_int_equal(t.n, 2);
	assert_ptr_equal(lookup(&t, 7), &a);
	assert_ptr_equal(lookup(&t, 9), &b);
	assert_null(lookup(&t, 7 + SA_TABLE_MIN));	/* same bucket */
	sa_table_remove(&t, &a.node);
	assert_null(lookup(&t, 7));
	assert_ptr_equal(lookup(&t, 9), &b);
	sa_table_remove(&t, &a.node);		/* twice: nothing */
	assert_int_equal(t.n, 1);
	/* Inserting again under another hash moves it. */
	assert_int_equal(sa_table_insert(&t, &b.node, 11), 0);
	assert_int_equal(t.n, 1);
	assert_null(sa_table_first(&t, 9));
	assert_ptr_equal(sa_table_first(&t, 11), &b.node);
	sa_table_free(&t);
}

/* Nodes of one hash, and of hashes sharing a bucket, all found. */
static void collisions(void **state)
{
	struct sa_table t;
	struct item it[6];
	const struct sa_node *n;
	unsigned int count = 0;

	(void)state;
	sa_table_init(&t);
	for (int i = 0; i < 6; i++) {
		it[i].key = i < 3 ? 5 : 5 + SA_TABLE_MIN * (uint64_t)i;
		memset(&it[i].node, 0, sizeof(it[i].node));
		assert_int_equal(sa_table_insert(&t, &it[i].node, it[i].key),
				 0);
	}
	for (n = sa_table_first(&t, 5); n; n = sa_table_next(n)) {
		assert_int_equal(of_node(n)->key, 5);
		count++;
	}
	assert_int_equal(count, 3);
	for (int i = 3; i < 6; i++)
		assert_ptr_equal(lookup(&t, it[i].key), &it[i]);
	sa_table_remove(&t, &it[1].node);
	count = 0;
	for (n = sa_table_first(&t, 5); n; n = sa_table_next(n))
		count++;
	assert_int_equal(count, 2);
	sa_table_free(&t);
}

/* The array doubles past one node per bucket; everything stays found. */
static void grow(void **state)
{
	enum { N = 5000 };
	struct item *it = calloc(N, sizeof(*it));
	struct sa_table t;

	(void)state;
	assert_non_null(it);
	sa_table_init(&t);
	for (unsigned int i = 0; i < N; i++) {
		it[i].key = sa_hash_spi(i, i & 1);
		assert_int_equal(sa_table_insert(&t, &it[i].node, it[i].key),
				 0);
		assert_true(t.n <= sa_table_buckets(&t));
	}
	assert_int_equal(sa_table_buckets(&t), 8192);
	for (unsigned int i = 0; i < N; i++)
		assert_ptr_equal(lookup(&t, it[i].key), &it[i]);
	for (unsigned int i = 0; i < N; i += 2)
		sa_table_remove(&t, &it[i].node);
	assert_int_equal(t.n, N / 2);
	for (unsigned int i = 0; i < N; i++)
		if (i & 1)
			assert_ptr_equal(lookup(&t, it[i].key), &it[i]);
		else
			assert_null(lookup(&t, it[i].key));
	sa_table_free(&t);
	assert_int_equal(sa_table_buckets(&t), 0);
	free(it);
}

static void hashes(void **state)
{
	struct ip_addr a, b;

	(void)state;
	assert_true(sa_hash_spi(1, true) != sa_hash_spi(1, false));
	assert_true(sa_hash_spi(1, true) != sa_hash_spi(2, true));
	/* IPv4: the bytes past the address do not count. */
	memset(&a, 0, sizeof(a));
	memset(&b, 0xee, sizeof(b));
	a.family = b.family = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", &a.v4);
	inet_pton(AF_INET, "192.0.2.1", &b.v4);
	assert_true(sa_hash_peer(&a, 500, 42) == sa_hash_peer(&b, 500, 42));
	assert_true(sa_hash_peer(&a, 500, 42) != sa_hash_peer(&a, 4500, 42));
	assert_true(sa_hash_peer(&a, 500, 42) != sa_hash_peer(&a, 500, 43));
	inet_pton(AF_INET, "192.0.2.2", &b.v4);
	assert_true(sa_hash_peer(&a, 500, 42) != sa_hash_peer(&b, 500, 42));
	/* IPv6: all 16 bytes. */
	a.family = b.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", &a.v6);
	inet_pton(AF_INET6, "2001:db8::2", &b.v6);
	assert_true(sa_hash_peer(&a, 500, 42) != sa_hash_peer(&b, 500, 42));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty),
		cmocka_unit_test(insert_lookup_remove),
		cmocka_unit_test(collisions),
		cmocka_unit_test(grow),
		cmocka_unit_test(hashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
