// SPDX-License-Identifier: GPL-2.0
/*
 * Address pools (engine/pool.c): range parsing, leases, the same
 * identity getting its addresses back, exhaustion, IPv6.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/pool.h"

static const char *str(const struct ip_addr *a)
{
	static char buf[4][IP_ADDR_STRLEN];
	static unsigned int i;

	return ip_addr_str(a, buf[i++ % 4], IP_ADDR_STRLEN);
}

static struct pool_range range(const char *text)
{
	struct pool_range r;
	const char *why;

	assert_int_equal(pool_range_parse(text, &r, &why), 0);
	return r;
}

static void parse_prefix_and_range(void **state)
{
	struct pool_range r;
	const char *why;

	(void)state;
	r = range("10.9.0.0/24");
	assert_string_equal(str(&r.first), "10.9.0.1");
	assert_int_equal(r.size, 254);
	/* Host bits are cleared. */
	r = range("10.9.0.77/30");
	assert_string_equal(str(&r.first), "10.9.0.77");
	assert_int_equal(r.size, 2);
	r = range("10.9.0.7/32");
	assert_string_equal(str(&r.first), "10.9.0.7");
	assert_int_equal(r.size, 1);
	r = range("10.9.0.6/31");
	assert_string_equal(str(&r.first), "10.9.0.6");
	assert_int_equal(r.size, 2);
	r = range("10.9.0.10-10.9.0.50");
	assert_string_equal(str(&r.first), "10.9.0.10");
	assert_int_equal(r.size, 41);
	r = range("10.9.255.250-10.10.0.5");
	assert_int_equal(r.size, 12);
	r = range("10.9.0.3");
	assert_int_equal(r.size, 1);
	r = range("2001:db8:9::/112");
	assert_string_equal(str(&r.first), "2001:db8:9::1");
	assert_int_equal(r.size, 65535);
	/* Ranges count at most 2^32 addresses. */
	r = range("2001:db8:9::/64");
	assert_int_equal(r.size, (UINT64_C(1) << 32) - 1);
	r = range("2001:db8::1-2001:db8::1:0");
	assert_int_equal(r.size, 65536);

	assert_int_equal(pool_range_parse("10.9.0.0/33", &r, &why), -EINVAL);
	assert_int_equal(pool_range_parse("10.9.0.0/", &r, &why), -EINVAL);
	assert_int_equal(pool_range_parse("10.9.0.0/-1", &r, &why), -EINVAL);
	assert_int_equal(pool_range_parse("10.9.0.9-10.9.0.1", &r, &why),
			 -EINVAL);
	assert_string_equal(why, "ends before it starts");
	assert_int_equal(pool_range_parse("10.9.0.1-2001:db8::1", &r, &why),
			 -EINVAL);
	assert_string_equal(why, "mixes IPv4 and IPv6");
	assert_int_equal(pool_range_parse("pool", &r, &why), -EINVAL);
	assert_int_equal(pool_range_parse("", &r, &why), -EINVAL);
}

static const uint8_t alice[] = "\x02" "alice.example";
static const uint8_t bob[] = "\x02" "bob.example";
static const uint8_t carol[] = "\x02" "carol.example";

static void lease_release_again(void **state)
{
	struct pool_range r = range("10.9.0.10-10.9.0.50");
	struct pool *p = pool_new("vpn", &r, 1);
	struct ip_addr a[3], b, again[3];
	struct pool_stats st;
	int owner1, owner2, owner3;

	(void)state;
	assert_non_null(p);
	assert_string_equal(pool_name(p), "vpn");
	for (int i = 0; i < 3; i++)
		assert_int_equal(pool_acquire(p, AF_INET, &owner1, alice,
					      sizeof(alice), &a[i]), 0);
	assert_string_equal(str(&a[0]), "10.9.0.10");
	assert_string_equal(str(&a[2]), "10.9.0.12");
	assert_int_equal(pool_acquire(p, AF_INET, &owner2, bob, sizeof(bob),
				      &b), 0);
	assert_string_equal(str(&b), "10.9.0.13");
	pool_stats(p, &st);
	assert_int_equal(st.size, 41);
	assert_int_equal(st.leased, 4);
	assert_int_equal(st.online, 4);

	/* Released, remembered; alice comes back to her three. */
	pool_release(p, &owner1);
	pool_stats(p, &st);
	assert_int_equal(st.leased, 4);
	assert_int_equal(st.online, 1);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pool_acquire(p, AF_INET, &owner3, alice,
					      sizeof(alice), &again[i]), 0);
		assert_true(ip_addr_equal(&a[i], &again[i]));
	}
	/* A fourth is a new one. */
	assert_int_equal(pool_acquire(p, AF_INET, &owner3, alice,
				      sizeof(alice), &again[0]), 0);
	assert_string_equal(str(&again[0]), "10.9.0.14");
	/* A rekeyed IKE SA takes its leases over. */
	pool_move(p, &owner3, &owner1);
	pool_release(p, &owner3);
	pool_stats(p, &st);
	assert_int_equal(st.online, 5);
	pool_release(p, &owner1);
	pool_release(p, &owner2);
	pool_stats(p, &st);
	assert_int_equal(st.online, 0);
	assert_int_equal(st.leased, 5);
	pool_free(p);
}

static void exhaustion(void **state)
{
	struct pool_range r = range("10.9.0.0/30");	/* .1 and .2 */
	struct pool *p = pool_new("small", &r, 1);
	struct ip_addr a, b, c;
	int o1, o2, o3;

	(void)state;
	assert_int_equal(pool_acquire(p, AF_INET, &o1, alice, sizeof(alice),
				      &a), 0);
	assert_int_equal(pool_acquire(p, AF_INET, &o2, bob, sizeof(bob), &b),
			 0);
	assert_int_equal(pool_acquire(p, AF_INET, &o3, carol, sizeof(carol),
				      &c), -ENOSPC);
	/* No IPv6 range at all. */
	assert_int_equal(pool_acquire(p, AF_INET6, &o3, carol, sizeof(carol),
				      &c), -ENOSPC);
	/* Released: carol gets the one released longest ago. */
	pool_release(p, &o2);
	pool_release(p, &o1);
	assert_int_equal(pool_acquire(p, AF_INET, &o3, carol, sizeof(carol),
				      &c), 0);
	assert_true(ip_addr_equal(&c, &b));
	/* alice still gets hers back, bob's is gone to carol. */
	assert_int_equal(pool_acquire(p, AF_INET, &o1, alice, sizeof(alice),
				      &c), 0);
	assert_true(ip_addr_equal(&c, &a));
	assert_int_equal(pool_acquire(p, AF_INET, &o2, bob, sizeof(bob), &c),
			 -ENOSPC);
	pool_free(p);
}

static void ipv6_and_several_ranges(void **state)
{
	struct pool_range r[3] = {
		range("10.9.0.1"), range("2001:db8:9::/126"),
		range("10.9.1.0/31"),
	};
	struct pool *p = pool_new("dual", r, 3);
	struct ip_addr a;
	int o;

	(void)state;
	assert_true(pool_has_ranges(p, r, 3));
	assert_false(pool_has_ranges(p, r, 2));
	assert_true(pool_has_family(p, AF_INET6));
	assert_int_equal(pool_acquire(p, AF_INET6, &o, alice, sizeof(alice),
				      &a), 0);
	assert_string_equal(str(&a), "2001:db8:9::1");
	assert_int_equal(pool_acquire(p, AF_INET6, &o, alice, sizeof(alice),
				      &a), 0);
	assert_string_equal(str(&a), "2001:db8:9::2");
	assert_int_equal(pool_acquire(p, AF_INET6, &o, alice, sizeof(alice),
				      &a), 0);
	assert_string_equal(str(&a), "2001:db8:9::3");
	assert_int_equal(pool_acquire(p, AF_INET6, &o, alice, sizeof(alice),
				      &a), -ENOSPC);
	/* The first IPv4 range is used up, then the second. */
	assert_int_equal(pool_acquire(p, AF_INET, &o, alice, sizeof(alice),
				      &a), 0);
	assert_string_equal(str(&a), "10.9.0.1");
	assert_int_equal(pool_acquire(p, AF_INET, &o, alice, sizeof(alice),
				      &a), 0);
	assert_string_equal(str(&a), "10.9.1.0");
	pool_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_prefix_and_range),
		cmocka_unit_test(lease_release_again),
		cmocka_unit_test(exhaustion),
		cmocka_unit_test(ipv6_and_several_ranges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
